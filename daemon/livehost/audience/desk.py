"""The audience desk: every audience event the unit receives, and what becomes of it.

    agent (MQTT thread)   offer(payload)            -> bounded queue, never blocks
    listener (store mic)  store_question(text)      -> the same queue, as a comment from
                          `store`: answered "you in the store", never by name
    desk worker           parse, drop duplicates and old ones, moderate, rate-limit,
                          match the comment to an approved fact, word it, and put a
                          Reply in the show's inbox (or merge it into a waiting one)
    ticker                heard(comment ids, when)  -> the answer's first sample is out:
                          `answered` with latency_ms
    fleet report          take_fates()              -> answered / ignored / refused

The host never reads a viewer's text aloud: a comment only selects which approved answer
is said, and only a display name or a gift's name that passed moderation is spoken.
Greetings and thanks wait for the end of the sentence playing; answers cut in at the next
word.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import random
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from livehost.audience.events import MAX_TEXT, AudienceEvent, EventRefused, parse_event
from livehost.audience.matching import Matcher, is_question
from livehost.audience.wording import say
from livehost.schedule.model import Schedule
from livehost.show.inbox import Inbox, Reply
from livehost.show.programme import Programme
from livehost.speakable import text_problem

if TYPE_CHECKING:  # the word lists' automaton and pinyin: the daemon imports them lazily
    from livehost.audience.limits import RateLimiter
    from livehost.audience.moderation import Moderator

log = logging.getLogger(__name__)

QUEUE = 1000  # events waiting for the worker; a flood beyond it is dropped (counted)
MAX_AGE = 10.0  # seconds: an older comment is not answered (the chat has moved on)
# A platform's clock a little ahead of ours is normal skew; a comment stamped further
# ahead is a broken or lying bridge, and its negative age would slip past MAX_AGE.
MAX_AHEAD = 60.0
SEEN = 5000  # event ids remembered for duplicates
MERGE_WINDOW = 60.0  # seconds: the same question again is merged, or not repeated
HEARD_TIMEOUT = 60.0  # an answer not heard by then was cut (an operator line, a pause)
GREET_EVERY = 20.0  # seconds between greetings
THANK_EVERY = 10.0  # seconds between thanks
ORDERS_BURST = 3  # orders within ORDERS_WINDOW that make "they're going fast"
ORDERS_WINDOW = 60.0
ORDERS_LINE_EVERY = 300.0
UNANSWERED = 50  # unanswered questions kept per product (the most asked)
EVENTS = 500  # fates kept for the fleet report between two looks
# events that can put a viewer's words or name before the host: these re-read the staff
# list (a stat), likes and viewer counts need not
_MODERATED = frozenset({"comment", "join", "follow", "gift"})
STORE = "store"  # the platform name of questions asked at the shop's screen
_SPOKEN = frozenset({"comment", "join", "follow", "gift", "order"})  # events that get a line


@dataclass(frozen=True)
class Fate:
    """What became of one audience event, for the fleet's events topic."""

    kind: str  # answered | ignored | refused
    event_id: str
    platform: str
    message: str
    data: dict[str, object] = field(default_factory=dict)


@dataclass
class AudienceStatus:
    viewers: int | None = None
    comments: int = 0
    answered: int = 0
    ignored: int = 0
    refused: int = 0
    malformed: int = 0
    dropped: int = 0  # the queue was full
    likes: int = 0
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=200), repr=False)


@dataclass
class _Waiting:
    received: float  # time.monotonic()
    event: AudienceEvent
    source: str
    line: str


class AudienceDesk:
    def __init__(
        self,
        inbox: Inbox,
        programme: Programme,
        now: Callable[[], datetime],
        moderator: Moderator,
        limiter: RateLimiter,
        matcher: Callable[[Schedule], Matcher],
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        seed: int | None = None,
    ) -> None:
        self.inbox = inbox
        self.programme = programme
        self.now = now  # the show's clock: what is on the picture
        self.moderator = moderator
        self.limiter = limiter
        self._matcher_for = matcher
        self._matcher: Matcher | None = None
        self.clock = clock
        self.wall = wall
        self.rng = random.Random(seed)
        self.status = AudienceStatus()
        self._queue: queue.Queue[tuple[bytes | AudienceEvent, float] | None] = queue.Queue(QUEUE)
        self._store_ids = itertools.count(1)
        self._seen: OrderedDict[str, None] = OrderedDict()
        # waiting answers, fates and the status counters: the worker, the ticker (heard())
        # and the fleet report (take_fates() expires cut answers) all write them
        self._lock = threading.RLock()
        self._waiting: dict[str, _Waiting] = {}
        self._last_said: dict[str, float] = {}  # reply key -> when it was queued
        self._fates: deque[Fate] = deque(maxlen=EVENTS)
        self._greeted_at = -GREET_EVERY
        self._thanked_at = -THANK_EVERY
        self._orders: deque[float] = deque()
        self._orders_line_at = -ORDERS_LINE_EVERY
        self.unanswered: dict[str, Counter[str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audience", daemon=True)

    # --- the doors ---

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Full):  # a full queue: the worker sees _stop
            self._queue.put_nowait(None)
        self._thread.join(timeout)

    def running(self) -> bool:
        """Whether the worker is still busy after stop() (inside the sentence model)."""
        return self._thread.is_alive()

    def offer(self, payload: bytes) -> None:
        """From the MQTT thread: queue it and return at once."""
        try:
            self._queue.put_nowait((payload, self.clock()))
        except queue.Full:
            with self._lock:  # the MQTT thread and the listener both count it
                self.status.dropped += 1

    def store_question(self, text: str) -> None:
        """From the listener: what a shopper asked at the screen (recognised speech).
        Matched like a comment; the text is never kept (not among the unanswered)."""
        event = AudienceEvent(
            type="comment",
            id=f"{STORE}:{next(self._store_ids)}",
            platform=STORE,
            text=text[:MAX_TEXT],
            ts=self.wall(),
        )
        try:
            self._queue.put_nowait((event, self.clock()))
        except queue.Full:
            with self._lock:
                self.status.dropped += 1

    def heard(self, reply_to: tuple[str, ...], when: float) -> None:
        """From the ticker: the first sample of the answer to these comments is out."""
        with self._lock:
            for event_id in reply_to:
                waiting = self._waiting.pop(event_id, None)
                if waiting is None:
                    continue
                latency = round((when - waiting.received) * 1000)
                self.status.latencies_ms.append(latency)
                self._fate(
                    "answered",
                    waiting.event,
                    f"answered from {waiting.source} in {latency} ms",
                    source=waiting.source,
                    line=waiting.line,
                    latency_ms=latency,
                )

    def take_fates(self) -> list[Fate]:
        with self._lock:
            self._expire_waiting()
            fates = list(self._fates)
            self._fates.clear()
        return fates

    def questions(self) -> dict[str, list[dict[str, object]]]:
        """Unanswered questions per product, most asked first, the most recently asked
        first among equals (for staff's FAQ)."""
        with self._lock:
            return {
                product: [{"text": t, "count": n} for t, n in _most_asked(counter, 20)]
                for product, counter in self.unanswered.items()
            }

    # --- the worker ---

    def _run(self) -> None:
        # the sentence model and the facts of what is on air, before the first comment
        # waits for them; a 500-product schedule would take minutes, so the rest embeds
        # when a comment about it comes
        try:
            product_id = self._product_on_air(self.now())
            self._matching().prepare([product_id] if product_id is not None else [])
        except Exception:
            log.exception("audience: preparing the answers failed; trying per comment")
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                return
            try:
                self.handle(*item)
            except Exception:  # one event must not stop the desk
                log.exception("audience: an event could not be handled")

    def handle(self, payload: bytes | AudienceEvent, received: float) -> None:
        if isinstance(payload, AudienceEvent):  # from the store's microphone: checked
            event = payload
        else:
            try:
                event = parse_event(payload)
            except EventRefused as exc:
                self.status.malformed += 1
                log.debug("audience: refused a payload: %s", exc)
                return
        if event.id in self._seen:
            return self._ignore(event, "duplicate id", "duplicate")
        self._seen[event.id] = None
        if len(self._seen) > SEEN:
            self._seen.popitem(last=False)
        if self.inbox.controls.takeover and event.type in _SPOKEN:
            # a person drives the host: the chat is theirs (counts still count)
            return self._ignore(event, "a person is driving the host", "takeover")
        if event.type in _MODERATED:
            self.moderator.reload_if_changed()
        handler = getattr(self, f"_on_{event.type}")
        handler(event, received)

    # --- event types ---

    def _on_comment(self, event: AudienceEvent, received: float) -> None:
        self.status.comments += 1
        age = self.wall() - event.ts
        if age > MAX_AGE:
            return self._ignore(event, f"too old ({age:.0f} s)", "too_old")
        if age < -MAX_AHEAD:
            return self._ignore(event, f"stamped {-age:.0f} s ahead of our clock", "too_old")
        verdict = self.moderator.text(event.text)
        if not verdict.ok:
            self._fate(
                "refused",
                event,
                f"refused by moderation ({verdict.rule})",
                rule=verdict.rule,
                cue="concerned",
            )
            return None
        user = event.user.id if event.user else f"{event.platform}:anonymous"
        allowed = self.limiter.allow(user, received)
        if not allowed.ok:
            return self._ignore(event, f"rate-limited ({allowed.rule})", allowed.rule)
        at = self.now()
        product_id = self._product_on_air(at)
        answer = self._matching().match(event.text, product_id, at.replace(tzinfo=None))
        if answer is None:
            # "hello everyone", "lol": chat, not for staff; a shopper's words are not kept
            if is_question(event.text) and event.platform != STORE:
                self._keep_unanswered(product_id, event.text)
            return self._ignore(event, "no approved answer", "off_topic")
        language = self.programme.schedule().store.language
        key = answer.source
        with self._lock:
            recently = self.clock() - self._last_said.get(key, -MERGE_WINDOW) < MERGE_WINDOW

        def merged(count: int) -> str:
            return say(language, "answer_many", self.rng, count=count, answer=answer.text)

        if self.inbox.merge_reply(key, event.id, merged):  # its answer still waits
            with self._lock:
                self._waiting[event.id] = _Waiting(received, event, key, answer.text)
            return None
        if recently:
            return self._ignore(event, "answered within the last minute", "just_answered")
        name = self._name(event)
        kind = "answer_store" if event.platform == STORE else "answer_named" if name else "answer"
        line = say(language, kind, self.rng, name=name, answer=answer.text)
        self._reply(event, received, key, line, "answer", language, at_word=True)
        return None

    def _on_join(self, event: AudienceEvent, received: float) -> None:
        if self.clock() - self._greeted_at < GREET_EVERY:
            return
        name = self._name(event)
        if not name:
            return
        language = self.programme.schedule().store.language
        line = say(language, "greeting", self.rng, name=name)
        if self._reply(event, received, "greeting", line, "greeting", language, at_word=False):
            self._greeted_at = self.clock()  # a refused greeting leaves room for the next

    def _on_follow(self, event: AudienceEvent, received: float) -> None:
        self._thank(event, received, "thanks_follow")

    def _on_gift(self, event: AudienceEvent, received: float) -> None:
        self._thank(event, received, "thanks_gift")

    def _on_like(self, event: AudienceEvent, received: float) -> None:
        self.status.likes += 1 if event.count is None else event.count  # 0 is a count

    def _on_viewers(self, event: AudienceEvent, received: float) -> None:
        if event.count is not None:
            self.status.viewers = event.count

    def _on_order(self, event: AudienceEvent, received: float) -> None:
        now = self.clock()
        self._orders.append(now)
        while self._orders and self._orders[0] < now - ORDERS_WINDOW:
            self._orders.popleft()
        if len(self._orders) < ORDERS_BURST or now - self._orders_line_at < ORDERS_LINE_EVERY:
            return
        language = self.programme.schedule().store.language
        line = say(language, "orders", self.rng)
        if self._reply(
            event, received, "orders", line, "thanks", language, at_word=False, cues=("happy",)
        ):
            self._orders_line_at = now

    # --- helpers ---

    def _thank(self, event: AudienceEvent, received: float, kind: str) -> None:
        if self.clock() - self._thanked_at < THANK_EVERY:
            return
        name = self._name(event)
        # the gift's name comes from the bridge like a display name, and is spoken like one
        gift = self._speakable(event.text.strip())
        if not name or (kind == "thanks_gift" and not gift):
            return
        language = self.programme.schedule().store.language
        line = say(language, kind, self.rng, name=name, gift=gift)
        if self._reply(event, received, "thanks", line, "thanks", language, at_word=False):
            self._thanked_at = self.clock()

    def _reply(
        self,
        event: AudienceEvent,
        received: float,
        key: str,
        line: str,
        kind: str,
        language: str,
        at_word: bool,
        cues: tuple[str, ...] = (),
    ) -> bool:
        """Whether the reply went into the inbox (else the event is ignored as busy)."""
        reply = Reply(key, line, (event.id,), kind, language, cues, at_word=at_word)
        try:
            self.inbox.put(reply)
        except ValueError as exc:  # answers are waiting already: the chat moves on
            self._ignore(event, str(exc), "busy")
            return False
        with self._lock:
            self._last_said[key] = self.clock()
            self._waiting[event.id] = _Waiting(received, event, key, line)
        return True

    def _name(self, event: AudienceEvent) -> str:
        return self._speakable(event.user.name.strip()) if event.user else ""

    def _speakable(self, text: str) -> str:
        """`text` if the host may say it (a display name, a gift's name), else "".
        text_problem stays after moderation: a compatibility symbol like "℡" or "Ⓐ"
        folds to letters for moderation, yet has no letter to say."""
        if not text or not self.moderator.name(text).ok or text_problem(text) is not None:
            return ""
        return text

    def _product_on_air(self, at: datetime) -> str | None:
        on = self.programme.at(at)
        return on.product.id if on.product is not None and on.display == "show" else None

    def _matching(self) -> Matcher:
        schedule = self.programme.schedule()
        if self._matcher is None:
            self._matcher = self._matcher_for(schedule)
        elif self._matcher.schedule is not schedule:
            self._matcher.schedule = schedule
        return self._matcher

    def _keep_unanswered(self, product_id: str | None, text: str) -> None:
        with self._lock:
            counter = self.unanswered.setdefault(product_id or "(none)", Counter())
            question = " ".join(text.split())[:200]
            counter[question] = counter.pop(question, 0) + 1  # the most recently asked last
            if len(counter) > UNANSWERED * 2:  # keep the most asked, in bounded memory
                kept = {t for t, _ in _most_asked(counter, UNANSWERED)}
                self.unanswered[product_id or "(none)"] = Counter(
                    {t: n for t, n in counter.items() if t in kept}
                )

    def _ignore(self, event: AudienceEvent, why: str, reason: str) -> None:
        self._fate("ignored", event, why, reason=reason)

    def _fate(self, kind: str, event: AudienceEvent, message: str, **data: object) -> None:
        data = {"id": event.id, "platform": event.platform, **data}
        self._count_fate(Fate(kind, event.id, event.platform, message, data))

    def _count_fate(self, fate: Fate) -> None:
        # every fate is counted here, under the one lock: the worker, the ticker and the
        # fleet report all make fates
        with self._lock:
            self._fates.append(fate)
            setattr(self.status, fate.kind, getattr(self.status, fate.kind) + 1)

    def _expire_waiting(self) -> None:
        """Answers that were never heard (cut by an operator line or a pause)."""
        now = self.clock()
        with self._lock:
            for event_id, waiting in list(self._waiting.items()):
                if now - waiting.received > HEARD_TIMEOUT:
                    del self._waiting[event_id]
                    self._count_fate(
                        Fate(
                            "ignored",
                            event_id,
                            waiting.event.platform,
                            "the answer was cut",
                            {"id": event_id, "reason": "cut", "source": waiting.source},
                        )
                    )


def _most_asked(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    """The `n` most asked, the most recently asked first among equals (`counter` is in
    the order last asked): a new question is not dropped for an old one asked as often."""
    return sorted(reversed(counter.items()), key=lambda item: item[1], reverse=True)[:n]
