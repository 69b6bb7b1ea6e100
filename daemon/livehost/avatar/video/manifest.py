"""The manifest of a video avatar package (manifest.yaml, `kind: video`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class LoopPart(_Part):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    fade: int = Field(0, ge=0, description="Frames cross-faded before the seam.")


class VideoManifest(_Part):
    kind: Literal["video"] = "video"
    format: Literal[2] = 2
    name: str = Field(min_length=1)
    frames: str = Field("frames.mp4", description="Every frame at the package's size.")
    features: str = Field("features.npz", description="Landmarks, lip shapes, pose, sound.")
    report: str = Field("report.yaml")
    size: tuple[int, int] = Field(description="width, height of the frames")
    fps: float = Field(gt=0)
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
