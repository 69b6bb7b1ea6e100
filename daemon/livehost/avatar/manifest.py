"""The avatar manifest (manifest.yaml in the package folder) as pydantic models."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FORMAT_VERSION = 1


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Consent(_Part):
    """The depicted person agreed to be shown as a synthetic host."""

    person: str = Field(min_length=1, description="Who is depicted.")
    consent_reference: str = Field(min_length=1, description="Where the signed consent is kept.")
    date: dt.date = Field(description="When consent was given.")


class PublicDomainSource(_Part):
    """The portrait is in the public domain (copyright); says where it came from."""

    title: str = Field(min_length=1)
    person: str | None = Field(None, description="Who is depicted, if a real person.")
    origin: str = Field(min_length=1, description="Where the file was taken from.")
    licence: str = Field("public domain", min_length=1)
    # Public domain covers copyright, not a person's likeness: such avatars are for demos
    # and previews; a shop goes live with an avatar built with consent.
    demo_only: bool = True


class FaceGeometry(_Part):
    """Measured once at build time, in source-image pixels."""

    box: tuple[float, float, float, float] = Field(description="x0, y0, x1, y1 of the face.")
    eye_distance: float = Field(gt=0)
    yaw_degrees: float
    roll_degrees: float


class AvatarManifest(_Part):
    format: Literal[1] = FORMAT_VERSION
    name: str = Field(min_length=1)
    image: str = Field("portrait.jpg", description="Source portrait, relative to the folder.")
    landmarks: str = Field("landmarks.npy", description="468 face-mesh points (x, y, z), pixels.")
    image_size: tuple[int, int] = Field(description="width, height of the portrait")
    face: FaceGeometry
    consent: Consent | None = None
    public_domain: PublicDomainSource | None = None
    built_with: str = Field("", description="Landmark detector and version used at build time.")

    @model_validator(mode="after")
    def _one_record(self) -> AvatarManifest:
        one_record(self.consent, self.public_domain)
        return self


def one_record(consent: Consent | None, public_domain: PublicDomainSource | None) -> None:
    """Every avatar, photo or video, carries exactly one record of whose face it is."""
    if (consent is None) == (public_domain is None):
        raise ValueError(
            "an avatar needs exactly one of: a consent record (consent: person, "
            "consent_reference, date) or a public-domain source record (public_domain:)"
        )
