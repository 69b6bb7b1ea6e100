"""The director: what the host says, from the schedule and the operator's commands."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from livehost.frontdoor import FrontDoor, Refused
from livehost.schedule.load import load_schedule_file
from livehost.show import talk
from livehost.show.director import Director
from livehost.show.inbox import Controls, Pause, Pin, Resume, Say, Skip

NY = ZoneInfo("America/New_York")
FRIDAY_2PM = datetime(2026, 11, 27, 14, 0, tzinfo=NY)  # weekday afternoons: knife-set, pan, kettle


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def schedule(sample_schedule):
    return load_schedule_file(sample_schedule).schedule


def run(director: Director, clock: Clock, start: datetime, seconds: float, step: float = 6.0):
    """Ask for lines as the show would for `seconds`: ~6 s per line, 2 s per quiet moment."""
    said = []
    while clock.now < seconds:
        line = director.next_utterance(start + timedelta(seconds=clock.now))
        said.append(line)
        clock.now += step if line else 2.0
    return [u for u in said if u is not None]


def test_opens_by_saying_the_host_is_ai_generated_and_repeats_the_notice(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, NY, seed=1, clock=clock, notice_every=120)
    lines = run(director, clock, FRIDAY_2PM, 300)
    assert lines[0].kind == "opening" and "AI-generated" in lines[0].text
    notices = [u for u in lines if u.kind == "notice"]
    assert len(notices) == 2  # at 2 and 4 minutes
    assert all("AI" in u.text for u in notices)


def test_ten_minute_rotation_never_repeats_a_sentence(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, NY, seed=2, clock=clock)
    lines = run(director, clock, FRIDAY_2PM, 600)
    sentences = [s for u in lines for s in talk.sentences(u.text)]
    assert len(sentences) > 80
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert not repeated, repeated
    products = {u.product_id for u in lines if u.product_id}
    assert products == {"knife-set", "pan"}  # 5 minutes each in this slot


def test_sale_price_and_countdown_are_mentioned(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, NY, seed=3, clock=clock)
    director.inbox.put(Pin("kettle"))
    lines = run(director, clock, FRIDAY_2PM, 120)
    kinds = {u.kind for u in lines}
    assert {"sale", "countdown", "intro", "feature", "cta"} <= kinds
    sale = next(u for u in lines if u.kind == "sale")
    assert "$44.99" in sale.text
    countdown = next(u for u in lines if u.kind == "countdown")
    assert "4 days" in countdown.text  # the sale ends on Tuesday 1 December, 20:00


def test_operator_lines_come_first_by_priority_and_pause_silences(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, NY, seed=4, clock=clock)
    director.next_utterance(FRIDAY_2PM)
    director.inbox.put(Say("second", 0))
    director.inbox.put(Say("first", 5))
    assert director.next_utterance(FRIDAY_2PM).text == "first"
    line = director.next_utterance(FRIDAY_2PM)
    assert line.text == "second" and line.urgent and line.kind == "operator"
    director.inbox.put(Pause("slate"))
    assert director.next_utterance(FRIDAY_2PM) is None
    assert director.programme.at(FRIDAY_2PM).display == "slate"
    director.inbox.put(Resume())
    assert director.next_utterance(FRIDAY_2PM) is not None


def test_bad_operator_input_is_refused_at_the_front_door(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY)
    door = FrontDoor(director.inbox, director.programme, None, None, [])  # type: ignore[arg-type]
    for refused in (
        lambda: door.say("   "),
        lambda: door.say("x" * 301),
        lambda: door.pin("no-such-product"),
        lambda: door.pause("nap"),
    ):
        with pytest.raises(Refused):
            refused()
    assert director.inbox.controls == Controls() and director.inbox.waiting() == 0


def test_skip_and_pin_change_the_product_on_the_card(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY)
    assert director.programme.at(FRIDAY_2PM).product.id == "knife-set"
    director.inbox.put(Skip())
    assert director.programme.at(FRIDAY_2PM).product.id == "pan"
    director.inbox.put(Pin("mugs"))
    assert director.programme.at(FRIDAY_2PM).product.id == "mugs"
    director.inbox.put(Pin(None))
    assert director.programme.at(FRIDAY_2PM).product.id == "pan"


def test_off_air_is_quiet_with_a_slate_and_idle_talk_otherwise(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, NY, seed=5, clock=clock)
    night = datetime(2026, 11, 27, 3, 0, tzinfo=NY)
    assert director.next_utterance(night) is None  # nothing over the slate, not even the opening
    assert director.programme.at(night).display == "slate"
    director.inbox.put(Say("We open at nine."))
    assert director.next_utterance(night).source == "operator"  # but an operator's line
    lunch = datetime(2026, 11, 27, 12, 30, tzinfo=NY)  # between slots: the idle host
    assert director.next_utterance(lunch).kind == "opening"  # once the host is on screen
    idle = director.next_utterance(lunch)
    assert idle is not None and idle.source == "idle" and idle.product_id is None
    on = director.programme.at(lunch)
    assert on.display == "idle" and on.product is None


def test_a_schedule_change_takes_effect_at_the_next_utterance(schedule, sample_schedule) -> None:
    current = {"schedule": schedule}
    director = Director.for_schedule(lambda: current["schedule"], NY, seed=6)
    director.next_utterance(FRIDAY_2PM)
    assert director.next_utterance(FRIDAY_2PM).product_id == "knife-set"
    edited = sample_schedule.read_text().replace(
        "products: [knife-set, pan, kettle]", "products: [grinder, pan, kettle]"
    )
    from livehost.schedule.load import load_schedule_text

    current["schedule"] = load_schedule_text(edited, "edited.yaml").schedule
    line = director.next_utterance(FRIDAY_2PM)
    assert line.product_id == "grinder" and line.kind == "transition"
