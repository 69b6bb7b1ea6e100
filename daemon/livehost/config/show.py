"""How the show behaves on air."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from livehost.config.base import Section


class ShowConfig(Section):
    off_air: Literal["slate", "stop"] = Field(
        "slate", description="Off air: show a silent slate, or stop sending to the outputs."
    )
    off_air_message: str | None = Field(
        None,
        max_length=200,
        description="On the off-air slate; a default in the schedule's language if left out.",
    )
    notice_minutes: float = Field(
        10, ge=2, le=60, description="Minutes between spoken AI notices (the label is permanent)."
    )
