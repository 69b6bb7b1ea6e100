"""The show's one door for everything that happens to it: operator lines and controls,
answers to the audience's comments and to questions asked in the store, takeovers.

Callers only `put()`; the inbox keeps the control state (paused, pinned, skips, who
drives the host) and the
queue of lines waiting, and raises `urgent` when something must cut in, so the show loop
flushes what it prepared at the next sentence boundary. Nobody has to remember to
interrupt the loop. Thread-safe: the fleet, signal handlers and the show use it at once.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

MAX_OPERATOR_LINE = 300  # characters
MAX_WAITING = 20  # lines queued at most (about two minutes of talk)
MAX_REPLIES = 4  # audience answers queued at most: later ones would answer a stale chat


@dataclass(frozen=True)
class Say:
    """An operator's line, spoken next (higher priority first, then in order)."""

    text: str
    priority: int = 0


@dataclass(frozen=True)
class Reply:
    """A line for the audience (an answer, a greeting, a thanks), said at the next word
    break after any operator line. `key` names what it answers (e.g. "faq:kettle:0"), so
    a second viewer asking the same while it waits is merged into it."""

    key: str
    text: str
    reply_to: tuple[str, ...]  # comment (event) ids
    kind: str = "answer"  # answer | greeting | thanks
    language: str | None = None
    cues: tuple[str, ...] = ()
    at_word: bool = True  # cut in at the next word (answers); else at the sentence's end


@dataclass(frozen=True)
class Pause:
    mode: str = "idle"  # idle: the host stays on screen, quiet; slate: the off-air card


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Takeover:
    """A person drives the host: `voice` (the microphone is the host's voice), `text`
    (typed lines are said at once) or None (the host's own talk again). The scripted talk
    and the answers pause meanwhile; the AI label and the spoken notice go on."""

    mode: str | None
    by: str = ""  # who drives, as the operator gave it
    until: float | None = None  # unix time it ends by itself
    why: str = "operator"  # an end's reason: operator | expired | microphone


@dataclass(frozen=True)
class Pin:
    product_id: str | None  # None unpins


@dataclass(frozen=True)
class Skip:
    pass


Message = Say | Reply | Pause | Resume | Pin | Skip | Takeover
TAKEOVER_MODES = ("voice", "text")


@dataclass(frozen=True)
class Controls:
    """What the operator changed. `paused` is None (on), "idle" or "slate"."""

    paused: str | None = None
    pinned: str | None = None
    skip: int = 0
    takeover: str | None = None  # voice | text while a person drives the host
    takeover_by: str = ""
    takeover_since: float | None = None  # unix time
    takeover_until: float | None = None
    # why the last takeover ended (operator | expired | microphone), for the events
    takeover_ended: str = ""


class Inbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._controls = Controls()
        self._lines: list[tuple[int, int, Say]] = []  # (-priority, arrival, line)
        self._replies: list[Reply] = []  # in arrival order
        self._arrivals = itertools.count()
        self.urgent = threading.Event()  # set by put(); the show loop clears it
        self.changes = 0  # control changes taken, for reports

    def put(self, message: Message) -> Controls:
        """Take a message; ValueError if it is malformed. Returns the controls after it."""
        with self._lock:
            match message:
                case Say():
                    text = " ".join(message.text.split())
                    if not text:
                        raise ValueError("the line is empty")
                    if len(text) > MAX_OPERATOR_LINE:
                        raise ValueError(f"the line is longer than {MAX_OPERATOR_LINE} characters")
                    if len(self._lines) >= MAX_WAITING:
                        # full: a line more urgent than the least urgent waiting one takes
                        # its place (the newest of those: it waited least); else refused,
                        # so the operator hears it at once instead of after minutes
                        lowest = max(self._lines)
                        if -lowest[0] >= message.priority:
                            raise ValueError(
                                f"{MAX_WAITING} operator lines are waiting to be said; "
                                "send it again once they are (or with a higher priority)"
                            )
                        self._lines.remove(lowest)
                    line = Say(text, message.priority)
                    self._lines.append((-message.priority, next(self._arrivals), line))
                    self._lines.sort()
                case Reply():
                    if len(self._replies) >= MAX_REPLIES:
                        raise ValueError(f"{MAX_REPLIES} answers are waiting to be said")
                    self._replies.append(message)
                case Pause(mode=mode):
                    if mode not in ("idle", "slate"):
                        raise ValueError("pause mode is idle or slate")
                    self._controls = replace(self._controls, paused=mode)
                case Resume():
                    self._controls = replace(self._controls, paused=None)
                case Pin(product_id=product_id):
                    self._controls = replace(self._controls, pinned=product_id)
                case Skip():
                    self._controls = replace(self._controls, skip=self._controls.skip + 1)
                case Takeover():
                    self._controls = self._takeover(message)
                case _:
                    raise ValueError(f"the inbox takes no {type(message).__name__}")
            if not isinstance(message, (Say, Reply)):
                self.changes += 1
            controls = self._controls
        if not isinstance(message, Resume):  # resuming cuts nothing: the pitch just goes on
            self.urgent.set()
        return controls

    def _takeover(self, message: Takeover) -> Controls:
        """The controls after a takeover message (held: the lock)."""
        if message.mode is None:
            if self._controls.takeover is None:
                return self._controls
            return replace(
                self._controls,
                takeover=None,
                takeover_by="",
                takeover_since=None,
                takeover_until=None,
                takeover_ended=message.why,
            )
        if message.mode not in TAKEOVER_MODES:
            raise ValueError("takeover mode is voice, text or off")
        same = self._controls.takeover is not None
        if not same:  # answers and thanks waiting would air stale after the takeover
            self._replies.clear()
        return replace(
            self._controls,
            takeover=message.mode,
            takeover_by=message.by,
            # switching voice <-> text keeps the start: it is one person's takeover
            takeover_since=self._controls.takeover_since if same else time.time(),
            takeover_until=message.until,
        )

    def expire_takeover(self, now: float) -> bool:
        """End a takeover whose time is up (a forgotten one ends by itself). True if one
        ended now."""
        with self._lock:
            until = self._controls.takeover_until
            if self._controls.takeover is None or until is None or now < until:
                return False
            self._controls = self._takeover(Takeover(None, why="expired"))
            self.changes += 1
        self.urgent.set()
        return True

    @property
    def controls(self) -> Controls:
        return self._controls  # immutable: a consistent snapshot without the lock

    def take_line(self) -> Say | None:
        """The next operator line to say, or None."""
        with self._lock:
            return self._lines.pop(0)[2] if self._lines else None

    def merge_reply(self, key: str, comment_id: str, text: Callable[[int], str]) -> bool:
        """Fold one more comment into a waiting reply with the same key, now said as
        `text(comments)` ("Two of you asked ..."). False when none with that key waits."""
        with self._lock:
            for n, reply in enumerate(self._replies):
                if reply.key == key:
                    ids = (*reply.reply_to, comment_id)
                    self._replies[n] = replace(reply, text=text(len(ids)), reply_to=ids)
                    return True
        return False

    def take_reply(self) -> Reply | None:
        with self._lock:
            return self._replies.pop(0) if self._replies else None

    def replies_waiting(self) -> int:
        with self._lock:
            return len(self._replies)

    def waiting(self) -> int:
        with self._lock:
            return len(self._lines)
