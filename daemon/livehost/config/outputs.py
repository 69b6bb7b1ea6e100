"""Where the stream goes and what it looks like."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from livehost.config.base import Section


class OutputConfig(Section):
    name: str = Field(
        pattern=r"^[A-Za-z0-9_-]+$", description="Short name used in logs and status."
    )
    url: str = Field(
        pattern=r"^rtmps?://\S+$", description="RTMP ingest URL without the stream key."
    )
    stream_key_secret: str | None = Field(
        None, description="Name of the secret holding the stream key (never the key itself)."
    )
    enabled: bool = True


class VideoConfig(Section):
    # even: H.264's 4:2:0 picture halves both sides (an odd size validated and then
    # stopped the show in the first frame's colour conversion)
    width: int = Field(1280, ge=320, le=3840, multiple_of=2, description="Even, in pixels.")
    height: int = Field(720, ge=240, le=2160, multiple_of=2, description="Even, in pixels.")
    fps: Literal[25, 30] = 30
    bitrate_kbps: int = Field(2500, ge=300, le=20000, description="Video bitrate cap.")
    min_bitrate_kbps: int = Field(
        200,
        ge=100,
        le=20000,
        description="A poor uplink steps the video bitrate down, as far as this, instead of "
        "dropping the stream; equal to bitrate_kbps keeps the bitrate fixed.",
    )
    step_up_seconds: float = Field(
        30,
        ge=2,
        le=600,
        description="Seconds of a clean link before trying the next higher bitrate (the wait "
        "doubles, up to 10 minutes, each time a step up does not hold).",
    )
    keyframe_seconds: float = Field(
        2.0, gt=0, le=2.0, description="Keyframe interval (ingests want <= 2 s)."
    )
    audio_bitrate_kbps: int = Field(128, ge=32, le=320)

    @model_validator(mode="after")
    def _floor_under_cap(self) -> VideoConfig:
        if self.min_bitrate_kbps > self.bitrate_kbps:
            raise ValueError("min_bitrate_kbps must not be above bitrate_kbps")
        return self
