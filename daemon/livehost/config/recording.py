"""Optional local recording of what goes on air."""

from __future__ import annotations

from pydantic import Field

from livehost.config.base import Section


class RecordingConfig(Section):
    enabled: bool = False
    segment_minutes: float = Field(10, ge=1, le=120, description="Length of each file.")
    max_gb: float = Field(
        2, gt=0, le=1000, description="Oldest segments are deleted above this total size."
    )
    folder: str = Field("recordings", description="Relative to paths.state.")
