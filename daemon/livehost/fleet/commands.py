"""Operator commands: JSON payloads on `.../cmd/<name>`, validated before anything runs.

Every command carries an `id` (the idempotency key) and may carry `expires` (unix time)
and `reply_to` (accepted for older clients, and ignored: every ack goes to the unit's own
ack topic, the one its ACL lets it write). Unknown keys, wrong types and oversized payloads
are refused with an error ack.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from livehost.show.inbox import MAX_OPERATOR_LINE
from livehost.speakable import text_problem
from livehost.strictjson import loads_object

MAX_BYTES = 8 * 1024  # a command is a few fields
MAX_SCHEDULE_BYTES = 256 * 1024  # a pushed schedule carries the whole YAML
ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
TOPIC_PATTERN = r"^[^#+\x00]{1,256}$"  # a plain topic: no wildcards


class Command(BaseModel):
    # strict: `"priority": "5"` or `true` is a mistake to report, not to guess at
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=ID_PATTERN, description="Unique per command; repeats are not re-run.")
    expires: float | None = Field(
        None, description="Unix time after which it must not run.", allow_inf_nan=False
    )
    reply_to: str | None = Field(None, pattern=TOPIC_PATTERN)


class Pause(Command):
    mode: Literal["idle", "slate"] = "idle"


class Resume(Command):
    pass


class Skip(Command):
    pass


class Say(Command):
    text: str = Field(min_length=1, max_length=MAX_OPERATOR_LINE)
    priority: int = Field(0, ge=0, le=9)

    @field_validator("text")
    @classmethod
    def _speakable(cls, text: str) -> str:
        problem = text_problem(text)
        if problem:
            raise ValueError(f"the text {problem}")
        return text


class Pin(Command):
    product: str = Field(min_length=1, max_length=64)


class Unpin(Command):
    pass


class PushSchedule(Command):
    yaml: str = Field(min_length=1, max_length=MAX_SCHEDULE_BYTES)


class PushScripts(Command):
    file: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\.yaml$",
        description="The script file's name in the scripts folder: <product-id>.yaml.",
    )
    yaml: str = Field(min_length=1, max_length=MAX_SCHEDULE_BYTES)


class Reload(Command):
    pass


class Stream(Command):
    action: Literal["start", "stop", "restart"]
    output: str | None = Field(None, min_length=1, max_length=64)


class Snapshot(Command):
    full: bool = Field(False, description="The frame at the stream's size, not retained.")


class LogLevel(Command):
    level: Literal["debug", "info", "warning", "error"]
    logger: str = Field("livehost", pattern=r"^livehost(\.[a-z0-9_]+){0,4}$")


class Restart(Command):
    pass


class Questions(Command):
    pass


class Takeover(Command):
    mode: Literal["voice", "text", "off"] = Field(
        description="voice: the store's microphone is the host's voice; text: typed `say` "
        "lines only; off: the host's own talk again."
    )
    by: str = Field("", max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$",
                    description="Who drives the host (recorded in the state and events).")
    minutes: float | None = Field(
        None, gt=0, le=24 * 60, allow_inf_nan=False,
        description="It ends by itself after this long (default: listen.takeover_minutes).",
    )


COMMANDS: dict[str, type[Command]] = {
    "pause": Pause,
    "resume": Resume,
    "skip": Skip,
    "say": Say,
    "pin": Pin,
    "unpin": Unpin,
    "push_schedule": PushSchedule,
    "push_scripts": PushScripts,
    "reload": Reload,
    "stream": Stream,
    "snapshot": Snapshot,
    "log_level": LogLevel,
    "restart": Restart,
    "questions": Questions,
    "takeover": Takeover,
}


class CommandRefused(Exception):
    """The payload cannot run; `code` is one of messages.ErrorCode."""

    def __init__(self, code: str, message: str, command_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.command_id = command_id


def size_cap(name: str) -> int:
    carries_a_file = name in ("push_schedule", "push_scripts")
    return MAX_SCHEDULE_BYTES + MAX_BYTES if carries_a_file else MAX_BYTES


def parse_command(name: str, payload: bytes) -> Command:
    """Validate one payload for the command `name`; raise CommandRefused if it cannot run."""
    if len(payload) > size_cap(name):
        raise CommandRefused("too_large", f"{len(payload)} bytes; the cap is {size_cap(name)}")
    try:
        data = loads_object(payload)
    except ValueError as exc:
        raise CommandRefused("malformed", str(exc)) from None
    raw_id = data.get("id")
    command_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None
    model = COMMANDS.get(name)
    if model is None:
        known = ", ".join(sorted(COMMANDS))
        raise CommandRefused(
            "unknown_command", f"no command '{name[:64]}'; known: {known}", command_id
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CommandRefused("invalid", summarise(exc), command_id) from None


def summarise(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "payload"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
