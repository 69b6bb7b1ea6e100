"""What a unit publishes, as pydantic models: the code form of docs/mqtt.md.

The agent builds every JSON payload through these models, and the tests validate the
doc's examples and the live messages against them, so the doc, the code and
`livehostctl` cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AVAILABILITY = ("online", "offline", "stopped")
ErrorCode = Literal[
    "malformed",  # not a JSON object
    "too_large",  # payload over the command's size cap
    "unknown_command",
    "invalid",  # fields missing, of the wrong type or out of range
    "expired",  # arrived after its `expires` time
    "refused",  # valid, but the show said no (broken schedule, unknown product ...)
    "failed",  # an unexpected error while executing; the daemon carries on
    "busy",  # too many commands waiting: not run, not remembered; send it again later
]


class Message(BaseModel):
    # Receivers ignore keys they do not know (newer units); senders are strict in tests.
    model_config = ConfigDict(extra="allow")


class ProblemOut(Message):
    file: str
    line: int | None
    column: int | None = None
    path: str = ""
    message: str
    severity: Literal["error", "warning"] = "error"


class AckError(Message):
    code: ErrorCode
    message: str
    problems: list[ProblemOut] = Field(default_factory=list)


class Ack(Message):
    id: str | None
    unit: str
    site: str
    command: str
    ok: bool
    duplicate: bool = False  # this id was executed before; the stored result is repeated
    ts: float
    result: dict[str, object] = Field(default_factory=dict)
    error: AckError | None = None


class ScheduleState(Message):
    version: int
    hash: str
    loaded_at: float | None
    errors: list[ProblemOut] = Field(default_factory=list)  # why the last change was refused


class TakeoverState(Message):
    mode: Literal["voice", "text"]
    by: str  # who drives, as the operator's command said ("" if it did not)
    since: float  # unix time
    until: float | None  # unix time it ends by itself


class State(Message):
    ts: float
    unit: str
    site: str
    # the unit's `unit.timezone` (IANA name), the zone its schedule runs in; "" if older
    timezone: str = ""
    on_air: bool
    why: str
    display: str  # show | idle | slate
    paused: Literal["idle", "slate"] | None
    pinned: str | None
    streaming: bool  # False after an operator's `stream stop`
    slot: str | None
    product_id: str | None
    schedule: ScheduleState
    software: dict[str, str]
    engines: dict[str, str]
    outputs: list[dict[str, object]]
    speech_problem: str = ""
    # why the unit runs its last good device config instead of the file, else ""
    config_problem: str = ""
    # random per process start: a changing boot_id behind one unit id means two processes
    boot_id: str = ""
    # plain words while another client keeps taking this unit's MQTT session, else ""
    duplicate_id: str = ""
    # a person drives the host (livehostctl send UNIT takeover mode=voice|text), else None
    takeover: TakeoverState | None = None
    # why the store's microphone or the recogniser of store questions is not working, else ""
    listen_problem: str = ""


class Telemetry(Message):
    ts: float
    uptime: float
    fps: float
    late_frames: int  # the renderer was late: the picture repeated, speech went on
    upstream_late_seconds: float  # silence added because speech was not ready when due
    bitrate_kbps: float | None
    rtmp_reconnects: int
    dropped_ticks: int
    speech_rtf: float | None
    cpu_percent: float | None
    rss_mb: float | None
    temperatures: dict[str, float]
    power_watts: dict[str, float]
    mqtt_reconnects: int
    telemetry_dropped: int
    commands: int
    busy: int = 0  # commands answered `busy` (not run): the queue was full, or stopping
    late_audio: int = 0  # sentences that started later than planned (the voice was late)
    dropped_words: int = 0  # words ready but sent as silence: should stay 0
    # show threads started again after they failed, by name (renderer, producer, ticker)
    thread_restarts: dict[str, int] = Field(default_factory=dict)
    # the audience: the platform's viewer count (None: no bridge reports it), comments
    # received and their fates, and the median arrival-to-first-answer-sample time
    viewers: int | None = None
    comments: int = 0
    answered: int = 0
    ignored: int = 0
    refused: int = 0
    answer_ms_p50: float | None = None
    audience_dropped: int = 0  # audience payloads dropped unread: the unit's queue was full
    audience_malformed: int = 0  # audience payloads dropped as not a valid event
    likes: int = 0  # likes the platforms reported (a like event's count)
    # the recorder (recording.enabled): state recording | disk_full | error | stopped,
    # segments, deleted, retries, dropped_ticks, last_error; None when not recording
    recording: dict[str, object] | None = None
    # the store's microphone (listen.enabled): microphone state listening | retrying |
    # stalled | opening | off and its problem; the listener's state, store questions
    # heard, utterances dropped as the host's own echo, Vosk's real-time factor; in a voice
    # takeover the median ms from a sample at the microphone to the tick carrying it,
    # ticks padded for want of sound, seconds let go to keep the delay short
    listen: dict[str, object] | None = None


class Event(Message):
    ts: float
    kind: Literal[
        "started",
        "schedule_swapped",
        "schedule_refused",
        "output_up",
        "output_down",
        "voice_silent",
        "config_refused",
        "thread_restarted",
        "answered",  # an audience event got a line on air (data: id, source, line, latency_ms)
        "ignored",  # no line for it (data: id, reason)
        "refused",  # moderation refused it (data: id, rule)
        "command",
        "takeover_started",  # a person drives the host (data: mode, by, since, until)
        "takeover_ended",  # the host's own talk again (data: mode, by, seconds, reason)
        "microphone",  # the microphone's state changed (data: state, problem)
    ]
    message: str
    data: dict[str, object] = Field(default_factory=dict)
