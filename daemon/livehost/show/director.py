"""The director: what the host says next, from the schedule and the operator's commands.

Asked for the next utterance with the wall time at which it will start playing, it
looks up the planner's segment then, so a schedule change takes effect at the next
utterance. It keeps a memory of the last ten minutes of sentences to avoid repeats, says
the AI notice at the start and then periodically, and takes operator overrides (pause,
pin, skip, say).
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from livehost.schedule.model import Product, Schedule
from livehost.schedule.planner import Planner, Segment
from livehost.show import talk
from livehost.show.talk import Writer

REPEAT_WINDOW = 600.0  # seconds: no sentence is said twice within this
NOTICE_EVERY = 600.0  # seconds between spoken AI notices (the label never leaves the screen)
MAX_OPERATOR_LINE = 300  # characters
_HAN = re.compile(r"[\u4e00-\u9fff]")  # Chinese characters


@dataclass(frozen=True)
class Utterance:
    id: int
    text: str
    kind: str  # opening, notice, transition, intro, feature, price, sale, countdown, cta, faq,
    #            idle, operator
    product_id: str | None = None
    urgent: bool = False
    pause_after: float = 0.5  # seconds of silence after it
    language: str = "en"  # the schedule's store.language when it was written


@dataclass
class Controls:
    """What the operator changed. `paused` is None (on), "idle" or "slate"."""

    paused: str | None = None
    pinned: str | None = None
    skip: int = 0
    lines: deque[tuple[int, str]] = field(default_factory=deque)  # (priority, text)


class Director:
    def __init__(
        self,
        schedule: Callable[[], Schedule],
        zone: ZoneInfo,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        notice_every: float = NOTICE_EVERY,
    ) -> None:
        self._schedule = schedule
        self.zone = zone
        self.rng = random.Random(seed)
        self.clock = clock
        self.controls = Controls()
        self.notice_every = notice_every
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._said: deque[tuple[float, str]] = deque()
        self._last_notice: float | None = None
        self._product_key: tuple | None = None
        self._plan: list[Callable[[Writer], str | None]] = []
        self.current: Segment | None = None

    # --- operator commands (any thread) ---

    def say(self, text: str, priority: int = 0) -> None:
        text = " ".join(text.split())
        if not text:
            raise ValueError("the line is empty")
        if len(text) > MAX_OPERATOR_LINE:
            raise ValueError(f"the line is longer than {MAX_OPERATOR_LINE} characters")
        with self._lock:
            lines = [*list(self.controls.lines), (priority, text)]
            lines.sort(key=lambda item: -item[0])  # stable: same priority keeps order
            self.controls.lines = deque(lines)

    def pause(self, mode: str = "idle") -> None:
        if mode not in ("idle", "slate"):
            raise ValueError("pause mode is idle or slate")
        self.controls.paused = mode

    def resume(self) -> None:
        self.controls.paused = None

    def pin(self, product_id: str | None) -> None:
        if product_id is not None:
            self._schedule().product(product_id)  # KeyError for an unknown id
        self.controls.pinned = product_id
        self._product_key = None

    def skip(self) -> None:
        self.controls.skip += 1
        self._product_key = None

    # --- the producer asks here ---

    def segment(self, at: datetime) -> Segment:
        return Planner(self._schedule(), self.zone).at(at)

    def display(self, at: datetime) -> str:
        """What the picture should be: "show", "idle" (host, no card) or "slate"."""
        if self.controls.paused:
            return self.controls.paused
        segment = self.segment(at)
        return "slate" if segment.kind == "off_air" and not self.controls.pinned else "show"

    def product_at(self, at: datetime) -> Product | None:
        """The product on the card at `at`, after pins and skips."""
        schedule = self._schedule()
        if self.controls.pinned:
            return schedule.product(self.controls.pinned)
        segment = self.segment(at)
        if segment.slot is None or segment.product_position is None:
            return None
        position = (segment.product_position + self.controls.skip) % len(segment.slot.products)
        return schedule.product(segment.slot.products[position])

    def next_utterance(self, at: datetime) -> Utterance | None:
        """The next line, to start playing at `at`; None means stay quiet for a moment."""
        now = self.clock()
        self._forget_old(now)
        with self._lock:
            if self.controls.lines:
                _, text = self.controls.lines.popleft()
                # an operator writes in whatever language the message needs
                language = "zh" if _HAN.search(text) else "en"
                return self._utter(text, "operator", None, language, urgent=True)
        if self.controls.paused:
            return None
        schedule = self._schedule()
        writer = Writer(schedule, {text for _, text in self._said}, self.rng)
        store = schedule.store.name
        if self._last_notice is None:
            self._last_notice = now
            line = writer.pick(writer.lang.OPENING, store=store)
            return self._utter(line, "opening", None, writer.lang.LANGUAGE, 0.8)
        segment = self.segment(at)
        self.current = segment
        if segment.kind == "off_air" and not self.controls.pinned:
            return None
        if now - self._last_notice >= self.notice_every:
            self._last_notice = now
            line = writer.pick(writer.lang.NOTICE, store=store)
            if line:
                return self._utter(line, "notice", None, writer.lang.LANGUAGE)
        product = self.product_at(at)
        if product is None:
            return self._idle_line(writer, schedule)
        key = (segment.key, product.id, self.controls.skip, self.controls.pinned)
        if key != self._product_key:
            first = self._product_key is None or self._plan == []
            self._product_key = key
            self._plan = self._product_plan(product, at)
            if not first:
                line = writer.pick(writer.lang.TRANSITION, name=product.name)
                if line:
                    return self._utter(line, "transition", product.id, writer.lang.LANGUAGE, 0.8)
        while self._plan:
            step = self._plan.pop(0)
            line = step(writer)
            if line:
                return self._utter(line, step.__name__, product.id, writer.lang.LANGUAGE)
        self._plan = self._product_plan(product, at)  # go round again with new wordings
        return None

    # --- helpers ---

    def _product_plan(self, product: Product, at: datetime) -> list[Callable[[Writer], str | None]]:
        """One round of talk about a product: intro, features, price, FAQ, call to action."""
        values_of = Writer.product_values
        local = at.astimezone(self.zone).replace(tzinfo=None)
        on_sale = product.on_sale(local)

        def intro(w: Writer) -> str | None:
            text = w.lang.sentence(product.description) if product.description else ""
            escaped = text.replace("{", "{{").replace("}", "}}")
            description = (w.lang.JOIN + escaped) if text else ""
            return w.pick([t + description for t in w.lang.INTRO], **values_of(w, product))

        def price(w: Writer) -> str | None:
            if on_sale:
                return w.pick(w.lang.SALE, **values_of(w, product))
            return w.pick(w.lang.PRICE, **values_of(w, product))

        def countdown(w: Writer) -> str | None:
            if not on_sale or product.sale is None:
                return None
            seconds = (product.sale.ends - local).total_seconds()
            return w.pick(w.lang.COUNTDOWN, countdown=w.lang.countdown_words(seconds))

        def cta(w: Writer) -> str | None:
            own = [w.lang.sentence(product.call_to_action)] if product.call_to_action else []
            return w.pick(own + w.lang.CALL_TO_ACTION)

        steps: list[Callable[[Writer], str | None]] = [intro]
        for index in self.rng.sample(range(len(product.features)), len(product.features)):
            steps.append(_named("feature", lambda w, i=index: w.features(product)[i]))
        steps += [price, countdown]
        for index in range(len(product.faq)):
            steps.append(_named("faq", lambda w, i=index: w.faqs(product)[i]))
        steps.append(cta)
        price.__name__ = "sale" if on_sale else "price"
        return steps

    def _idle_line(self, writer: Writer, schedule: Schedule) -> Utterance | None:
        fallback = schedule.fallback
        name = (
            schedule.product(self.rng.choice(fallback.products)).name if fallback.products else ""
        )
        templates = [t for t in writer.lang.IDLE if "{name}" not in t or name]
        line = writer.pick(
            templates,
            message=writer.lang.sentence(fallback.message),
            store=schedule.store.name,
            name=name,
        )
        return self._utter(line, "idle", None, writer.lang.LANGUAGE, 3.0) if line else None

    def _utter(
        self,
        text: str | None,
        kind: str,
        product_id: str | None,
        language: str,
        pause_after: float = 0.5,
        urgent: bool = False,
    ) -> Utterance | None:
        if text is None:
            return None
        if kind != "operator":
            now = self.clock()
            self._said.extend((now, s) for s in talk.sentences(text))
        return Utterance(next(self._ids), text, kind, product_id, urgent, pause_after, language)

    def _forget_old(self, now: float) -> None:
        while self._said and now - self._said[0][0] > REPEAT_WINDOW:
            self._said.popleft()


def _named(name: str, step: Callable[[Writer], str | None]) -> Callable[[Writer], str | None]:
    step.__name__ = name  # type: ignore[attr-defined]
    return step
