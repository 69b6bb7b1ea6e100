"""Audience events: one JSON object per MQTT message on `livehost/<site>/<unit>/audience`
(or `livehost/<site>/all/audience` for a bridge shared by a site), platform-neutral.

Bridges (livehost-bridge twitch, or anyone's) publish these; the unit validates them
like commands: strict types, unknown keys refused, size-capped, ids checked. docs/mqtt.md
(Audience) is the contract; its examples are checked against this model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from livehost.strictjson import loads_object

MAX_BYTES = 4 * 1024  # a comment is a line of chat; the rest is a few fields
MAX_TEXT = 500  # characters of a comment the unit looks at
MAX_NAME = 64

EventType = Literal["comment", "gift", "like", "follow", "join", "viewers", "order"]


class Viewer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(min_length=1, max_length=128, description="The platform's user id.")
    name: str = Field("", max_length=MAX_NAME, description="The display name, as shown.")


class AudienceEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    type: EventType
    id: str = Field(
        min_length=1, max_length=128, description="The platform's message id (for duplicates)."
    )
    platform: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_.-]+$")
    user: Viewer | None = None  # none for `viewers`
    text: str = Field("", max_length=MAX_TEXT)  # comment text; gift or order name
    count: int | None = Field(None, ge=0, le=10**9)  # likes, viewers, gift count
    amount: float | None = Field(None, ge=0, le=10**9, allow_inf_nan=False)  # money
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    ts: float = Field(description="Unix time the platform saw it.", ge=0, allow_inf_nan=False)


class EventRefused(ValueError):
    """A payload that is not an audience event; the message says why (never its text)."""


def parse_event(payload: bytes) -> AudienceEvent:
    if len(payload) > MAX_BYTES:
        raise EventRefused(f"the event is {len(payload)} bytes; the limit is {MAX_BYTES}")
    try:
        data = loads_object(payload)
    except ValueError as exc:
        raise EventRefused(str(exc)) from None
    try:
        return AudienceEvent.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "event"
        raise EventRefused(f"{where}: {first['msg']}") from None

