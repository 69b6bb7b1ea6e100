"""The director as an arbiter over line sources, fed by one inbox."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from livehost.schedule.load import load_schedule_file, load_schedule_text
from livehost.show.director import Director
from livehost.show.inbox import Inbox, Pause, Pin, Resume, Say, Skip
from livehost.show.programme import Programme
from livehost.show.utterance import Utterance

NY = ZoneInfo("America/New_York")
FRIDAY_2PM = datetime(2026, 11, 27, 14, 0, tzinfo=NY)  # afternoons: knife-set, pan, kettle
SALE_ENDS = datetime(2026, 12, 1, 20, 0, tzinfo=NY)  # the kettle's sale


@pytest.fixture
def schedule(sample_schedule):
    return load_schedule_file(sample_schedule).schedule


def speak(director: Director, start: datetime, seconds: float) -> list[tuple[float, Utterance]]:
    """Ask for lines as the show would, each lasting as long as its text takes to say."""
    said, t = [], 0.0
    while t < seconds:
        line = director.next_utterance(start + timedelta(seconds=t))
        if line is None:
            t += 1.0
            continue
        said.append((t, line))
        t += len(line.text) / 15 + line.pause_after
    return said


def test_operator_lines_come_before_every_other_source_by_priority(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY, seed=1)
    director.next_utterance(FRIDAY_2PM)  # the opening
    director.inbox.put(Say("second", priority=0))
    director.inbox.put(Say("first", priority=5))
    first, second = director.next_utterance(FRIDAY_2PM), director.next_utterance(FRIDAY_2PM)
    assert (first.text, second.text) == ("first", "second")
    assert second.source == "operator" and second.urgent
    assert director.next_utterance(FRIDAY_2PM).source == "pitch"


def test_the_inbox_raises_urgent_for_everything_that_cuts_in_but_resume() -> None:
    inbox = Inbox()
    for message in (Say("hello"), Pause("idle"), Pin("kettle"), Skip()):
        inbox.urgent.clear()
        inbox.put(message)
        assert inbox.urgent.is_set(), message
    inbox.urgent.clear()
    inbox.put(Resume())
    assert not inbox.urgent.is_set()
    assert inbox.controls.pinned == "kettle" and inbox.controls.skip == 1


def test_malformed_messages_are_refused_and_change_nothing() -> None:
    inbox = Inbox()
    for bad in (Say("   "), Say("x" * 301), Pause("nap")):
        with pytest.raises(ValueError):
            inbox.put(bad)
    assert inbox.waiting() == 0 and inbox.controls.paused is None
    assert not inbox.urgent.is_set()


def test_pause_lets_only_the_operator_speak(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY, seed=2)
    director.next_utterance(FRIDAY_2PM)
    director.inbox.put(Pause("slate"))
    assert director.next_utterance(FRIDAY_2PM) is None
    assert director.programme.at(FRIDAY_2PM).display == "slate"
    director.inbox.put(Say("We are back in a minute."))
    assert director.next_utterance(FRIDAY_2PM).source == "operator"
    assert director.next_utterance(FRIDAY_2PM) is None
    director.inbox.put(Resume())
    assert director.next_utterance(FRIDAY_2PM).source == "pitch"


def test_a_source_with_nothing_to_say_silences_none_of_the_others(schedule) -> None:
    class Mute:
        name = "mute"
        asked = 0

        def next(self, moment):
            Mute.asked += 1
            return None

    director = Director.for_schedule(lambda: schedule, NY, seed=3)
    director.sources.insert(0, Mute())
    lines = speak(director, FRIDAY_2PM, 60)
    assert Mute.asked >= len(lines) > 5 and lines[0][1].kind == "opening"
    assert {u.source for _, u in lines} == {"notice", "pitch"}


def test_pin_and_skip_change_the_card_and_the_talk(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY, seed=4)
    programme = director.programme
    assert programme.at(FRIDAY_2PM).product.id == "knife-set"
    director.next_utterance(FRIDAY_2PM)
    assert director.next_utterance(FRIDAY_2PM).product_id == "knife-set"
    director.inbox.put(Skip())
    assert programme.at(FRIDAY_2PM).product.id == "pan"
    line = director.next_utterance(FRIDAY_2PM)
    assert line.kind == "transition" and line.product_id == "pan"
    director.inbox.put(Pin("mugs"))
    assert director.next_utterance(FRIDAY_2PM).product_id == "mugs"
    director.inbox.put(Pin(None))
    assert programme.at(FRIDAY_2PM).product.id == "pan"


def test_no_transition_to_the_product_already_on_screen(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY, seed=5)
    director.next_utterance(FRIDAY_2PM)
    assert director.next_utterance(FRIDAY_2PM).product_id == "knife-set"
    director.inbox.put(Pin("knife-set"))  # a new turn, but the same product
    assert director.next_utterance(FRIDAY_2PM).kind != "transition"


def test_the_pitch_reads_the_price_in_the_schedule_at_every_line(schedule, sample_schedule):
    """Edit the price while a round is under way: the next price line and the card agree."""
    current = {"schedule": schedule}
    director = Director.for_schedule(lambda: current["schedule"], NY, seed=6)
    director.inbox.put(Pin("kettle"))
    said = speak(director, FRIDAY_2PM, 60)
    assert any("$44.99" in u.text for _, u in said if u.kind == "sale")
    edited = sample_schedule.read_text().replace("price: 44.99", "price: 39.99")
    assert edited != sample_schedule.read_text()
    current["schedule"] = load_schedule_text(edited, "edited.yaml").schedule
    later = FRIDAY_2PM + timedelta(seconds=70)
    _, card = director.programme.card(later)
    said = speak(director, later, 240)
    prices = [u.text for _, u in said if u.kind == "sale"]
    assert prices and all("$39.99" in text and "$44.99" not in text for text in prices)
    assert card.price == "$39.99"


@pytest.mark.parametrize("seed", range(5))
def test_during_a_sale_the_price_comes_at_least_every_two_minutes(schedule, seed) -> None:
    """Pinned for half an hour, across the schedule's own turns underneath the pin."""
    director = Director.for_schedule(lambda: schedule, NY, seed=seed)
    director.inbox.put(Pin("kettle"))
    said = speak(director, FRIDAY_2PM, 1800)
    times = [t for t, u in said if u.kind == "sale"]
    assert times[0] < 60
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) <= 120, gaps
    assert any(u.kind == "countdown" for _, u in said)


def test_nothing_talks_of_the_sale_after_it_ended(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY, seed=8)
    director.inbox.put(Pin("kettle"))
    said = speak(director, SALE_ENDS - timedelta(seconds=60), 400)
    after = [u for t, u in said if t > 60]
    assert after and any(u.kind == "price" for u in after)
    for utterance in after:
        assert utterance.kind not in ("sale", "countdown")
        assert "sale" not in utterance.text.lower(), utterance.text


def test_the_shops_own_call_to_action_comes_first(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY, seed=9)
    director.inbox.put(Pin("pan"))
    ctas = [u.text for _, u in speak(director, FRIDAY_2PM, 300) if u.kind == "cta"]
    assert ctas[0] == "Follow the shop so you see the next deal first."


def test_cues_name_the_cart_and_follow_buttons(schedule) -> None:
    director = Director.for_schedule(lambda: schedule, NY, seed=10)
    said = [u for _, u in speak(director, FRIDAY_2PM, 600)]
    assert said[0].cues == ("wave", "happy")
    carts = [u for u in said if "cart" in u.text.lower()]
    assert carts and all("cart" in u.cues for u in carts)
    follows = [u for u in said if "follow" in u.text.lower()]
    assert all("follow" in u.cues for u in follows)


def test_the_programme_is_one_answer_for_the_card_and_the_talk(schedule) -> None:
    inbox = Inbox()
    programme = Programme(lambda: schedule, NY, inbox)
    night = datetime(2026, 11, 27, 3, 0, tzinfo=NY)
    lunch = datetime(2026, 11, 27, 12, 30, tzinfo=NY)
    assert programme.at(night).display == "slate"
    on, card = programme.card(lunch)
    assert on.display == "idle" and on.product is None and card.mode == "idle"
    on, card = programme.card(FRIDAY_2PM)
    assert (on.display, on.product.id, card.mode) == ("show", "knife-set", "show")
    inbox.put(Pin("kettle"))  # a pin at night puts the product on air
    assert programme.at(night).display == "show"
    assert programme.at(night).why == "pinned to kettle by the operator"


class Approved:
    """Approved script lines by product id (the store's ScriptSet.approved, in short)."""

    def __init__(self, lines: dict[str, dict[str, list[str]]]) -> None:
        self.lines = lines

    def approved(self, product) -> dict[str, list[str]]:
        return self.lines.get(product.id, {})


def test_an_approved_sale_line_never_airs_without_a_sale_and_breaks_nothing(schedule) -> None:
    """Staff approved a sale line, then the sale was taken out (or it ended): the idle
    host and the pitch leave it out, and the rest of the talk goes on."""
    sale_talk = "The {name} is yours for {sale} while the sale lasts."
    scripts = Approved({"mugs": {"story": [sale_talk], "idle": [sale_talk], "cta": [sale_talk]}})
    lunch = datetime(2026, 11, 27, 12, 0, tzinfo=NY)  # the idle host; mugs may be mentioned
    director = Director.for_schedule(lambda: schedule, NY, seed=11, scripts=lambda: scripts)
    idle = speak(director, lunch, 600)
    director.inbox.put(Pin("mugs"))
    pitch = speak(director, lunch + timedelta(seconds=600), 300)
    said = [u for _, u in idle + pitch]
    assert len(said) > 100 and {u.source for u in said} >= {"idle", "pitch"}
    assert not any("sale" in u.text.lower() for u in said)


def test_approved_lines_say_the_price_the_viewer_pays_now(schedule) -> None:
    scripts = Approved({"kettle": {"cta": ["{price} for the {name}: tap the cart below."]}})
    director = Director.for_schedule(lambda: schedule, NY, seed=12, scripts=lambda: scripts)
    director.inbox.put(Pin("kettle"))
    lines = [u.text for _, u in speak(director, FRIDAY_2PM, 300) if u.scripted]
    assert lines == ["$44.99 for the Aurora Glass Kettle: tap the cart below."]  # the sale price
