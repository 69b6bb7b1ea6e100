"""The audience desk on its own: the real Moderator, RateLimiter and Inbox, a fake
programme and a fake matcher (what the desk does with an answer, not how one is found),
fake clocks, and events handed to handle() on the test's thread."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.audience.test_audience_on_air import event_body

from livehost.audience.desk import HEARD_TIMEOUT, MERGE_WINDOW, UNANSWERED, AudienceDesk
from livehost.audience.limits import RateLimiter
from livehost.audience.matching import Answer
from livehost.audience.moderation import Moderator
from livehost.schedule.load import load_schedule_text
from livehost.schedule.model import Schedule
from livehost.show.inbox import MAX_REPLIES, Inbox, Reply, Takeover

SHOP = load_schedule_text(
    """\
store:
  name: Shop
products:
  - id: kettle
    name: Glass Kettle
    price: 59.99
    features: [Boils a litre in four minutes]
fallback: {message: Back soon}
""",
    "shop.yaml",
).schedule
NOW = datetime(2026, 11, 20, 12, 0)
LID = Answer("faq:kettle:0", "Yes, the lid lifts right off.", "kettle", 1.0, "keyword")
PRICE = Answer("price:kettle", "The Glass Kettle is $59.99.", "kettle", 1.0, "keyword")


class FakeProgramme:
    def __init__(self, schedule: Schedule, product_id: str | None = "kettle") -> None:
        self._schedule = schedule
        self.product_id = product_id

    def schedule(self) -> Schedule:
        return self._schedule

    def at(self, at: datetime) -> SimpleNamespace:
        product = self._schedule.product(self.product_id) if self.product_id else None
        return SimpleNamespace(product=product, display="show" if product else "idle")


ANSWERS = {"is the lid removable?": LID, "how much is it?": PRICE}


class FakeMatcher:
    """Answers two questions (ANSWERS), word for word, while a product is on air."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.prepared: list[list[str] | None] = []

    def prepare(self, product_ids: list[str] | None = None) -> None:
        self.prepared.append(None if product_ids is None else list(product_ids))

    def match(self, text: str, product_id: str | None, now: datetime | None = None):
        return ANSWERS.get(text) if product_id is not None else None


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class CountingModerator(Moderator):
    def __init__(self, *args, **kwargs) -> None:
        self.reloads = 0
        super().__init__(*args, **kwargs)

    def reload_if_changed(self) -> bool:
        self.reloads += 1
        return super().reload_if_changed()


class Desk:
    """A desk and its doors: send() an event as a bridge would, read the inbox and fates."""

    WALL = 1_700_000_000.0

    def __init__(self, moderator: Moderator, product_id: str | None = "kettle") -> None:
        self.inbox = Inbox()
        self.clock = Clock()
        self.matchers: list[FakeMatcher] = []

        def matcher(schedule: Schedule) -> FakeMatcher:
            self.matchers.append(FakeMatcher(schedule))
            return self.matchers[-1]

        self.desk = AudienceDesk(
            self.inbox,
            FakeProgramme(SHOP, product_id),  # type: ignore[arg-type]
            lambda: NOW,
            moderator,
            RateLimiter(),
            matcher,  # type: ignore[arg-type]
            clock=self.clock,
            wall=self.wall,
            seed=1,
        )
        self._ids = itertools.count(1)

    def wall(self) -> float:
        return self.WALL + self.clock.t

    def send(
        self,
        kind: str = "comment",
        text: str = "",
        name: str = "Anna",
        event_id: str | None = None,
        ahead: float = 0.0,
        **extra: object,
    ) -> str:
        event_id = event_id or f"e{next(self._ids)}"
        event = event_body(kind, event_id, name, text, self.wall() + ahead, **extra)
        self.desk.handle(json.dumps(event).encode(), self.clock())
        return event_id

    def fates(self) -> dict[str, tuple[str, dict]]:
        return {f.event_id: (f.kind, f.data) for f in self.desk.take_fates()}


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator()


@pytest.fixture
def desk(moderator: Moderator) -> Desk:
    return Desk(moderator)


def test_an_answer_is_queued_and_its_latency_is_when_it_was_heard(desk: Desk) -> None:
    asked = desk.send(text="is the lid removable?")
    reply = desk.inbox.take_reply()
    assert reply is not None and reply.key == "faq:kettle:0" and reply.reply_to == (asked,)
    assert reply.at_word and "Anna" in reply.text and reply.text.endswith(LID.text)
    assert desk.fates() == {}  # not answered until it is heard
    desk.desk.heard(reply.reply_to, desk.clock() + 0.45)
    kind, data = desk.fates()[asked]
    assert kind == "answered" and data["latency_ms"] == 450 and data["source"] == LID.source
    assert desk.desk.status.answered == 1 and list(desk.desk.status.latencies_ms) == [450]
    desk.desk.heard(reply.reply_to, desk.clock() + 1.0)  # heard twice: counted once
    assert desk.desk.status.answered == 1


def test_the_same_question_while_the_answer_waits_is_merged(desk: Desk) -> None:
    first = desk.send(text="is the lid removable?", name="Anna")
    second = desk.send(text="is the lid removable?", name="Ben")
    third = desk.send(text="is the lid removable?", name="Cara")
    assert desk.inbox.replies_waiting() == 1
    reply = desk.inbox.take_reply()
    assert reply is not None and reply.reply_to == (first, second, third)
    assert reply.text == f"Three of you asked about this. {LID.text}"
    desk.desk.heard(reply.reply_to, desk.clock() + 0.5)
    assert {kind for kind, _ in desk.fates().values()} == {"answered"}
    assert desk.desk.status.answered == 3


def test_an_answer_just_said_is_not_said_again_within_a_minute(desk: Desk) -> None:
    desk.send(text="is the lid removable?", name="Anna")
    said = desk.inbox.take_reply()
    assert said is not None
    desk.desk.heard(said.reply_to, desk.clock())
    desk.clock.t += MERGE_WINDOW - 1
    again = desk.send(text="is the lid removable?", name="Ben")
    assert desk.fates()[again] == (
        "ignored",
        {"id": again, "platform": "test", "reason": "just_answered"},
    )
    assert desk.inbox.replies_waiting() == 0
    desk.clock.t += 2  # a minute after it was said
    desk.send(text="is the lid removable?", name="Cara")
    assert desk.inbox.replies_waiting() == 1


def test_a_full_inbox_is_busy_and_a_greeting_it_refused_is_not_spent(desk: Desk) -> None:
    for n in range(MAX_REPLIES):
        desk.inbox.put(Reply(f"other:{n}", "Something else.", (f"x{n}",)))
    asked = desk.send(text="how much is it?")
    join = desk.send("join", name="Dana")
    fates = desk.fates()
    assert fates[asked][0] == "ignored" and fates[asked][1]["reason"] == "busy"
    assert fates[join][1]["reason"] == "busy"
    desk.inbox.take_reply()
    desk.send("join", name="Eli")  # at once: the refused greeting did not count
    greeting = [r for r in iter(desk.inbox.take_reply, None) if r.key == "greeting"]
    assert len(greeting) == 1 and "Eli" in greeting[0].text
    assert desk.desk.status.ignored == 2


def test_an_answer_never_heard_was_cut(desk: Desk) -> None:
    asked = desk.send(text="is the lid removable?")
    assert desk.inbox.take_reply() is not None  # the show took it; an operator line cut it
    desk.clock.t += HEARD_TIMEOUT - 1
    assert desk.fates() == {}
    desk.clock.t += 2
    kind, data = desk.fates()[asked]
    assert kind == "ignored" and data["reason"] == "cut" and data["source"] == LID.source
    assert desk.desk.status.ignored == 1
    desk.desk.heard((asked,), desk.clock())  # too late: no second fate
    assert desk.fates() == {} and desk.desk.status.answered == 0


def test_a_viewer_posting_fast_is_rate_limited(desk: Desk) -> None:
    chat = [desk.send(text=text) for text in ("hi", "hello", "lol", "is the lid removable?")]
    fates = desk.fates()
    assert [fates[c][1]["reason"] for c in chat] == ["off_topic"] * 3 + ["rate"]
    assert desk.inbox.replies_waiting() == 0


def test_gift_names_are_moderated_before_they_are_spoken(desk: Desk) -> None:
    for gift in ("fuck you idiot, visit scam.com", "idiot", "www.scam.com", "℡", " "):
        desk.send("gift", text=gift, count=1)
        assert desk.inbox.replies_waiting() == 0, gift
    desk.send("gift", text="rose", count=1)  # at once: the refused ones spent no thanks
    reply = desk.inbox.take_reply()
    assert reply is not None and reply.text == "Thank you so much for the rose, Anna!"
    desk.clock.t += 60
    desk.send("gift", text="rose", name="xXidiotXx", count=1)  # the viewer's name, too
    desk.send("follow", name="xXidiotXx")
    assert desk.inbox.replies_waiting() == 0


def test_only_questions_are_kept_for_staff(desk: Desk) -> None:
    viewers = (f"v{n}" for n in itertools.count())

    def ask(text: str) -> None:
        desk.clock.t += 1.0  # slower than the flood limit
        desk.send(text=text, name=next(viewers))

    for text in ("hello everyone", "lol", "do you ship to Mars?", "is it blue?"):
        ask(text)
    ask("do you ship to Mars?")
    assert desk.desk.questions() == {
        "kettle": [
            {"text": "do you ship to Mars?", "count": 2},
            {"text": "is it blue?", "count": 1},
        ]
    }
    # past the bound: the most asked stay, and among equals the newest, not the oldest
    for n in range(UNANSWERED * 2):
        ask(f"question {n}?")
    kept = dict(desk.desk.unanswered["kettle"])
    assert len(kept) == UNANSWERED + 1  # trimmed to UNANSWERED, and one asked since
    assert kept["do you ship to Mars?"] == 2
    # the trim came as "question 98?" was asked: it stayed, the oldest went
    assert f"question {UNANSWERED * 2 - 2}?" in kept
    assert "is it blue?" not in kept and "question 0?" not in kept


def test_a_comment_stamped_far_ahead_is_ignored_a_little_ahead_is_not(desk: Desk) -> None:
    future = desk.send(text="is the lid removable?", ahead=3600)
    old = desk.send(text="is the lid removable?", name="Ben", ahead=-11)
    fates = desk.fates()
    assert fates[future][1]["reason"] == "too_old" and fates[old][1]["reason"] == "too_old"
    assert desk.inbox.replies_waiting() == 0
    desk.send(text="is the lid removable?", name="Cara", ahead=30)  # clock skew
    assert desk.inbox.replies_waiting() == 1


def test_duplicates_and_malformed_payloads(desk: Desk) -> None:
    first = desk.send(text="is the lid removable?")
    desk.send(text="is the lid removable?", event_id=first)  # a bridge's resend
    assert desk.fates()[first] == (
        "ignored",
        {"id": first, "platform": "test", "reason": "duplicate"},
    )
    assert desk.inbox.replies_waiting() == 1 and desk.desk.status.comments == 1
    desk.desk.handle(b"not json", desk.clock())
    desk.desk.handle(b'{"type": "comment"}', desk.clock())
    assert desk.desk.status.malformed == 2


def test_likes_and_viewers_are_counted(desk: Desk) -> None:
    desk.send("like", count=0)
    assert desk.desk.status.likes == 0  # a count of 0 is no like
    desk.send("like")
    desk.send("like", count=5)
    desk.send("viewers", count=321)
    assert desk.desk.status.likes == 6 and desk.desk.status.viewers == 321


def test_the_staff_list_is_checked_for_words_and_names_only(tmp_path: Path) -> None:
    moderator = CountingModerator(tmp_path / "staff.txt")
    desk = Desk(moderator)
    start = moderator.reloads
    desk.send("like", count=3)
    desk.send("viewers", count=10)
    desk.send("order", text="kettle")
    assert moderator.reloads == start
    desk.send(text="hi")
    desk.send("join", name="Dana")
    desk.send("gift", text="rose", name="Eli")
    assert moderator.reloads == start + 3


@pytest.mark.parametrize(("on_air", "prepared"), [("kettle", ["kettle"]), (None, [])])
def test_only_the_product_on_air_is_prepared_at_start(
    moderator: Moderator, on_air: str | None, prepared: list[str]
) -> None:
    desk = Desk(moderator, product_id=on_air)
    desk.desk.start()
    desk.desk.stop(timeout=5)
    assert not desk.desk.running()
    (matcher,) = desk.matchers
    assert matcher.prepared == [prepared]  # the store's FAQ comes with any prepare()


def test_while_a_person_drives_the_host_the_chat_is_theirs(desk: Desk) -> None:
    desk.inbox.put(Takeover("voice", "ana"))
    asked = desk.send(text="is the lid removable?")
    assert desk.inbox.take_reply() is None
    joined = desk.send("join", name="Dana")  # no greeting either: it would air stale
    fates = desk.fates()
    for event_id in (asked, joined):
        kind, data = fates[event_id]
        assert kind == "ignored" and data["reason"] == "takeover"
    desk.inbox.put(Takeover(None))
    desk.send(text="is the lid removable?", name="Ben")
    assert desk.inbox.take_reply() is not None


def test_a_question_asked_in_the_store_is_answered_without_a_name(desk: Desk) -> None:
    desk.desk.store_question("is the lid removable?")
    payload, received = desk.desk._queue.get_nowait()
    desk.desk.handle(payload, received)
    reply = desk.inbox.take_reply()
    assert reply is not None and reply.reply_to[0].startswith("store:")
    assert reply.text == f"You in the store, good question. {LID.text}"
    desk.desk.store_question("how long is the warranty?")  # no answer: not kept for staff
    desk.desk.handle(*desk.desk._queue.get_nowait())
    assert desk.desk.questions() == {}
