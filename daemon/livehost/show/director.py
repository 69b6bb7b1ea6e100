"""The director: an arbiter over line sources that answers "what does the host say next".

Asked with the wall time at which the line will start playing, it reads the programme
(what is on then, after the operator's pins, skips and pauses), and asks each source in
priority order: operator lines, the AI notice, the pitch about the product on the card,
the idle host. While a person drives the host (a takeover) only operator lines and the
notice are asked. The first proposal wins and becomes an `Utterance`; a source with nothing
to say lets the next one speak. Everything reaches it through the inbox; it keeps the
talk memory (no sentence twice in ten minutes) for all sources. Given the platform's
viewer count (`viewers`), its `room` shapes the pitch: energy, calls to action, recaps.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from livehost.schedule.model import Product, Schedule
from livehost.show.cues import cues_for
from livehost.show.inbox import Inbox
from livehost.show.memory import TalkMemory
from livehost.show.programme import Programme
from livehost.show.room import Room, Viewers
from livehost.show.sources import Line, Moment, Source
from livehost.show.sources.answer import AnswerSource
from livehost.show.sources.idle import IdleSource
from livehost.show.sources.notice import NOTICE_EVERY, NoticeSource
from livehost.show.sources.operator import OperatorSource
from livehost.show.sources.pitch import Pacing, PitchSource
from livehost.show.talk import Writer
from livehost.show.utterance import Utterance

log = logging.getLogger(__name__)

QUIET_STEP = 1.0  # seconds the show waits before asking again when no source has a line
URGENT_SOURCES = ("operator", "answer")  # lines that cut into what the host is saying
# while a person drives the host (a takeover) only their typed lines and the AI notice
TAKEOVER_SOURCES = ("operator", "notice")


class ApprovedScripts(Protocol):
    """What the director needs of the staff-approved scripts (livehost.scripts)."""

    def approved(self, product: Product) -> dict[str, list[str]]: ...


class Director:
    def __init__(
        self,
        programme: Programme,
        scripts: Callable[[], ApprovedScripts | None] = lambda: None,
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
        notice_every: float = NOTICE_EVERY,
        pacing: Pacing | None = None,
        strict: bool = False,
        viewers: Viewers | None = None,
    ) -> None:
        self.programme = programme
        self.strict = strict  # a source's failure raises (a rehearsal) instead of being skipped
        self.inbox = programme.inbox
        self.scripts = scripts
        self.rng = random.Random(seed)
        self.clock = clock
        self.memory = TalkMemory()
        self._ids = itertools.count(1)
        self._failures: set[tuple[str, str]] = set()
        # the producer and the cut-in thread both ask for lines
        self._lock = threading.RLock()
        # how many watch (None: no count, the talk as the slot says)
        self.room = Room(viewers, pacing)
        self.sources: list[Source] = [
            OperatorSource(self.inbox),
            AnswerSource(self.inbox),
            NoticeSource(notice_every),
            PitchSource(self.rng, pacing, self.room),
            IdleSource(self.rng),
        ]

    @classmethod
    def for_schedule(
        cls, schedule: Callable[[], Schedule], zone: ZoneInfo, **options: object
    ) -> Director:
        """A director with its own inbox and programme (previews, tests, benchmarks)."""
        return cls(Programme(schedule, zone, Inbox()), **options)  # type: ignore[arg-type]

    @property
    def zone(self) -> ZoneInfo:
        return self.programme.zone

    def next_utterance(self, at: datetime) -> Utterance | None:
        """The next line, to start playing at `at`; None means stay quiet for a moment."""
        with self._lock:
            return self._next(at, self.sources)

    def next_planned(self, at: datetime) -> Utterance | None:
        """The next line of the show's own talk (pitch, notice, idle): what the producer
        prepares ahead, leaving operator lines and answers to cut in."""
        with self._lock:
            return self._next(at, [s for s in self.sources if s.name not in URGENT_SOURCES])

    def next_urgent(self, at: datetime) -> Utterance | None:
        """An operator line or an answer waiting to cut in, else None (nothing else is
        taken: the pitch stays where it was)."""
        with self._lock:
            return self._next(at, [s for s in self.sources if s.name in URGENT_SOURCES])

    def _next(self, at: datetime, sources: list[Source]) -> Utterance | None:
        # media time, not wall time: an unpaced preview runs faster than the clock
        now = self.clock() if self.clock is not None else at.timestamp()
        self.memory.forget_old(now)
        schedule = self.programme.schedule()
        moment = Moment(
            at=at,
            local=at.astimezone(self.zone).replace(tzinfo=None),
            zone=self.zone,
            now=now,
            schedule=schedule,
            on=self.programme.at(at),
            writer=Writer(schedule, self.memory.recent, self.rng, self.memory.leads),
            memory=self.memory,
            approved=self._approved,
        )
        if moment.on.controls.takeover:
            sources = [s for s in sources if s.name in TAKEOVER_SOURCES]
        for source in sources:
            try:
                line = source.next(moment)
            except Exception as exc:  # one source's bad line must not silence the others
                if self.strict:
                    raise
                self._report(source.name, exc)
                continue
            if line is not None:
                return self._utter(line, source.name, moment)
        return None

    def _report(self, source: str, exc: Exception) -> None:
        key = (source, repr(exc))
        if key not in self._failures:  # once per kind of failure, not once per line
            self._failures.add(key)
            log.exception("the %s source failed; the others go on", source)

    def _approved(self, product: Product) -> dict[str, list[str]]:
        scripts = self.scripts()
        return scripts.approved(product) if scripts is not None else {}

    def _utter(self, line: Line, source: str, moment: Moment) -> Utterance:
        if source not in ("operator", "answer"):  # they may repeat themselves
            self.memory.remember(moment.now, line.text, line.cadence or line.kind, line.product_id)
            if line.fact is not None and line.product_id is not None:
                self.memory.told(moment.now, line.product_id, line.fact)
        return Utterance(
            id=next(self._ids),
            text=line.text,
            source=source,
            kind=line.kind,
            product_id=line.product_id,
            cues=tuple(dict.fromkeys((*cues_for(line.kind, line.text), *line.cues))),
            reply_to=line.reply_to,
            urgent=line.urgent,
            at_word=line.at_word,
            pause_after=line.pause_after,
            language=line.language or moment.lang.LANGUAGE,
            scripted=line.scripted,
        )
