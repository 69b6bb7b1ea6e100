"""The manifest of a video avatar package (manifest.yaml, `kind: video`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from livehost.avatar.manifest import Consent, PublicDomainSource, one_record


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceClip(_Part):
    file: str = Field(description="The clip's file name when it was built.")
    sha256: str
    seconds: float
    fps: float
    size: tuple[int, int]


class SegmentPart(_Part):
    name: str
    start: int = Field(ge=0, description="First frame.")
    end: int = Field(ge=0, description="Last frame.")

    @model_validator(mode="after")
    def _in_order(self) -> SegmentPart:
        if self.end < self.start:
            raise ValueError(f"take {self.name} ends (frame {self.end}) before it starts")
        return self


class LoopPart(_Part):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    fade: int = Field(0, ge=0, description="Frames cross-faded before the seam.")

    @model_validator(mode="after")
    def _a_loop(self) -> LoopPart:
        # the engine plays end - start + 1 frames round and round: it needs some
        if self.end <= self.start:
            raise ValueError("the idle loop must end after it starts")
        return self


class VideoManifest(_Part):
    kind: Literal["video"] = "video"
    format: Literal[2] = 2
    name: str = Field(min_length=1)
    frames: str = Field("frames.mp4", description="Every frame at the package's size.")
    features: str = Field("features.npz", description="Landmarks, lip shapes, pose, sound.")
    report: str = Field("report.yaml")
    size: tuple[PositiveInt, PositiveInt] = Field(description="width, height of the frames")
    fps: float = Field(gt=0, le=240, allow_inf_nan=False)
    frame_count: int = Field(gt=0)
    source: SourceClip
    idle: LoopPart
    segments: list[SegmentPart] = Field(default_factory=list)
    lower_face_lab: tuple[float, float, float, float, float, float] = Field(
        description="Mean and spread of L, a, b over the idle loop's lower face."
    )
    consent: Consent | None = None
    public_domain: PublicDomainSource | None = None
    built_with: str = ""

    @model_validator(mode="after")
    def _one_record(self) -> VideoManifest:
        one_record(self.consent, self.public_domain)
        return self
