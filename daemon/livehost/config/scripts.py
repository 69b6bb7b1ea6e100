"""Script lines staff approve, and the language model that drafts them offline."""

from __future__ import annotations

from pydantic import Field, field_validator

from livehost.config.base import Section
from livehost.scripts.kinds import KINDS, Kind


class ScriptsConfig(Section):
    folder: str = Field(
        "scripts",
        description="One script file per product, relative to the schedule file's folder.",
    )
    endpoint: str | None = Field(
        None,
        description="OpenAI-compatible server that drafts lines, e.g. http://127.0.0.1:8081/v1. "
        "Only `livehost script draft` calls it; the show never does.",
    )
    model: str = Field(
        "local", min_length=1, max_length=200, description="Model name sent to the endpoint."
    )
    timeout_seconds: float = Field(
        120, gt=0, le=3600, description="How long one drafting request may take."
    )
    seed: int | None = Field(
        None,
        ge=0,
        description="A fixed sampling seed, for repeatable drafts (tests, comparing models); "
        "leave it out for varied drafts.",
    )
    lines_per_kind: dict[Kind, int] = Field(
        default_factory=dict,
        description="How many lines to draft of each kind (feature: per feature); "
        f"the rest keep their defaults. Kinds: {', '.join(KINDS)}.",
    )

    @field_validator("endpoint")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' should be an http:// or https:// address")
        return value.rstrip("/") if value else value

    @field_validator("lines_per_kind")
    @classmethod
    def _counts(cls, value: dict[Kind, int]) -> dict[Kind, int]:
        for kind, count in value.items():
            if not 0 <= count <= 30:
                raise ValueError(f"{kind}: {count} lines; ask for 0 to 30 of a kind")
        return value
