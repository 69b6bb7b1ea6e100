"""The room: the viewer count shapes the sales talk (tiers with hysteresis, calls to action,
energy, a recap for late joiners), and without a count nothing changes.

Everything runs on a fake clock with fake counts: same seed, same lines."""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.show.zh_schedule import ZH_SCHEDULE

from livehost.problems import ProblemsError
from livehost.schedule.load import load_schedule_file, load_schedule_text
from livehost.schedule.model import Audience, Schedule
from livehost.show import talk, talk_en, talk_zh
from livehost.show.director import Director
from livehost.show.inbox import Pin
from livehost.show.room import Room
from livehost.show.sources.pitch import Pacing
from livehost.show.utterance import Utterance

NY = ZoneInfo("America/New_York")
FRIDAY_2PM = datetime(2026, 11, 27, 14, 0, tzinfo=NY)  # afternoons: knife-set, pan (friendly)
FRIDAY_10AM = datetime(2026, 11, 27, 10, 0, tzinfo=NY)  # mornings: kettle, ... (calm)
TEN_MINUTES = 600.0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Count:
    """A fake viewer count: a constant, or a function of the fake clock."""

    def __init__(self, clock: Clock, value: int | Callable[[float], int | None] | None) -> None:
        self.clock, self.value = clock, value

    def __call__(self) -> int | None:
        return self.value(self.clock.now) if callable(self.value) else self.value


@pytest.fixture
def schedule(sample_schedule) -> Schedule:
    return load_schedule_file(sample_schedule).schedule


def director(schedule: Schedule, seed: int, clock: Clock, **options) -> Director:
    return Director.for_schedule(lambda: schedule, NY, seed=seed, clock=clock, **options)


def run(
    d: Director, clock: Clock, start: datetime, seconds: float
) -> list[tuple[float, Utterance]]:
    """Ask for lines as the show would: ~6 s per line, 2 s per quiet moment."""
    said = []
    while clock.now < seconds:
        line = d.next_utterance(start + timedelta(seconds=clock.now))
        if line is not None:
            said.append((clock.now, line))
        clock.now += 6.0 if line else 2.0
    return said


def ctas_in_ten_minutes(schedule: Schedule, viewers: int | None, seed: int) -> int:
    clock = Clock()
    d = director(schedule, seed, clock, viewers=Count(clock, viewers))
    return sum(1 for _, u in run(d, clock, FRIDAY_2PM, TEN_MINUTES) if u.kind == "cta")


# --- no count: today's director, line for line ---


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "viewers",
    [None, lambda: None, lambda: -5, lambda: float("nan"), lambda: "many", lambda: 1 / 0],
    ids=["no-bridge", "no-count", "negative", "nan", "text", "raises"],
)
def test_without_a_count_the_lines_are_exactly_todays(schedule, seed, viewers) -> None:
    clock_a, clock_b = Clock(), Clock()
    today = director(schedule, seed, clock_a)
    roomy = director(schedule, seed, clock_b, viewers=viewers)
    if seed == 3:  # a sale turn too
        for d in (today, roomy):
            d.inbox.put(Pin("kettle"))
    a = run(today, clock_a, FRIDAY_2PM, TEN_MINUTES)
    b = run(roomy, clock_b, FRIDAY_2PM, TEN_MINUTES)
    assert len(a) > 80
    assert a == b  # every field: text, kind, cues, pause, ...
    assert roomy.room.tier is None and roomy.room.style("calm") == "calm"
    assert roomy.room.pacing() == Pacing()


def test_adapt_false_keeps_todays_lines_whatever_the_count(schedule) -> None:
    off = schedule.model_copy(update={"audience": Audience(adapt=False)})
    clock_a, clock_b = Clock(), Clock()
    a = run(director(off, 5, clock_a), clock_a, FRIDAY_2PM, 300)
    b = run(director(off, 5, clock_b, viewers=lambda: 5000), clock_b, FRIDAY_2PM, 300)
    assert a == b


# --- tiers: energy and calls to action ---


def test_many_viewers_bring_more_calls_to_action_than_a_quiet_room(schedule) -> None:
    for seed in (1, 2, 3):
        quiet = ctas_in_ten_minutes(schedule, 5, seed)
        today = ctas_in_ten_minutes(schedule, None, seed)
        busy = ctas_in_ten_minutes(schedule, 50, seed)
        packed = ctas_in_ten_minutes(schedule, 500, seed)
        # measured with the sample schedule: quiet 10, no count 16, busy 16, packed 24
        assert quiet < today <= packed
        assert busy == today  # the busy default is today's cadence (70 s)
        assert packed >= 2 * quiet, (quiet, packed)


def test_a_rising_count_steps_the_style_up_through_the_tiers(schedule) -> None:
    clock = Clock()
    # 5 viewers, 50 after two minutes, 500 after four: quiet, busy, packed
    d = director(
        schedule,
        7,
        clock,
        viewers=Count(clock, lambda t: 5 if t < 120 else 50 if t < 240 else 500),
    )
    said = run(d, clock, FRIDAY_2PM, 360)  # a friendly slot
    assert d.room.tier is not None and d.room.tier.name == "packed"
    pitch = [(t, u) for t, u in said if u.source == "pitch"]

    def span(start: float, end: float) -> list[Utterance]:
        return [u for t, u in pitch if start + 12 <= t < end]  # a line or two to settle

    quiet, busy, packed = span(0, 120), span(120, 240), span(240, 360)
    assert all("calm" in u.cues for u in quiet)
    assert all(u.pause_after > 0.5 for u in quiet if u.kind != "transition")
    assert not any({"calm", "energetic"} & set(u.cues) for u in busy)  # the slot's own style
    assert all("energetic" in u.cues for u in packed)
    assert all(u.pause_after < 0.5 for u in packed if u.kind != "transition")


def test_the_room_replaces_only_the_call_to_action_cadence() -> None:
    base = Pacing(price_every=90.0)
    room = Room(lambda: 500, base)
    assert room.pacing() is base  # no count read yet
    room.observe(0.0, Audience())
    packed = room.pacing()
    assert packed.cta_every == 35.0
    assert packed.cta_reminder_every == pytest.approx(15.0)  # 30 s x 35/70
    assert packed.price_every == 90.0 and packed.engage_every == base.engage_every
    assert room.style("calm") == "energetic"


def test_energy_is_measured_against_the_slot_style(schedule) -> None:
    """A calm morning slot with a packed room talks faster; the same slot with a quiet
    (calm) room talks as the slot does."""
    clock_a, clock_b, clock_c = Clock(), Clock(), Clock()
    plain = run(director(schedule, 4, clock_a), clock_a, FRIDAY_10AM, 120)
    calm = run(director(schedule, 4, clock_b, viewers=lambda: 3), clock_b, FRIDAY_10AM, 120)
    assert [u.pause_after for _, u in plain] == [u.pause_after for _, u in calm]
    assert not any("calm" in u.cues for _, u in calm)  # the slot is calm already
    packed = run(director(schedule, 4, clock_c, viewers=lambda: 900), clock_c, FRIDAY_10AM, 120)
    faster = [u for _, u in packed if u.source == "pitch" and u.kind != "transition"]
    assert faster and all(u.pause_after == pytest.approx(0.5 * 0.7 / 1.3, abs=0.01) for u in faster)


# --- hysteresis ---


def tiers_seen(counts: list[int], settings: Audience | None = None) -> list[str]:
    values = iter(counts)
    room = Room(lambda: next(values))
    seen = []
    for step in range(len(counts)):
        room.observe(step * 6.0, settings or Audience())
        assert room.tier is not None
        seen.append(room.tier.name)
    return seen


def changes(names: list[str]) -> int:
    return sum(1 for a, b in itertools.pairwise(names) if a != b)


def test_a_count_hovering_around_a_threshold_does_not_flap() -> None:
    around_20 = [18, 21, 19, 22, 17, 20, 19, 21, 18, 17, 19, 22] * 5
    seen = tiers_seen(around_20)
    assert seen[0] == "quiet" and set(seen[1:]) == {"busy"}
    assert changes(seen) == 1  # up once, never down: 17 is within 20% of 20
    around_200 = [195, 203, 198, 201, 170, 199, 205, 165, 190] * 5
    seen = tiers_seen(around_200)
    assert seen[0] == "busy" and set(seen[1:]) == {"packed"} and changes(seen) == 1


def test_the_room_steps_down_below_the_hysteresis_band_and_up_at_once() -> None:
    seen = tiers_seen([250, 170, 161, 159, 150, 30, 16, 15, 19, 20, 1000, 0])
    assert seen == [
        "packed", "packed", "packed", "busy", "busy", "busy", "busy",
        "quiet", "quiet", "busy", "packed", "quiet",
    ]  # fmt: skip
    # without hysteresis every crossing counts
    exact = Audience(hysteresis=0)
    assert tiers_seen([19, 20, 19, 20], exact) == ["quiet", "busy", "quiet", "busy"]


def test_the_director_does_not_flap_its_energy(schedule) -> None:
    clock = Clock()
    hovering = Count(clock, lambda t: 190 + int(t) % 20)  # 190..209 around 200
    d = director(schedule, 8, clock, viewers=hovering)
    said = run(d, clock, FRIDAY_2PM, TEN_MINUTES)
    energy = [("energetic" in u.cues) for _, u in said if u.source == "pitch"]
    first = energy.index(True)
    assert all(energy[first:])  # once packed, packed


# --- the recap for late joiners ---


def rush(at: float, before: int, after: int) -> Callable[[float], int]:
    return lambda t: before if t < at else after


def recaps(said: list[tuple[float, Utterance]]) -> list[tuple[float, Utterance]]:
    return [(t, u) for t, u in said if u.kind == "recap"]


def test_a_rush_of_viewers_brings_one_recap_of_the_product(schedule) -> None:
    clock = Clock()
    d = director(schedule, 9, clock, viewers=Count(clock, rush(90, 40, 70)))  # +75%
    d.inbox.put(Pin("kettle"))  # on sale: the recap says the price the viewer pays now
    said = run(d, clock, FRIDAY_2PM, 300)
    found = recaps(said)
    assert len(found) == 1
    when, line = found[0]
    assert 90 <= when <= 102  # the next line or so
    assert "Aurora Glass Kettle" in line.text
    assert "boils a full litre and a half in under four minutes" in line.text
    assert "$44.99" in line.text and "$59.99" not in line.text
    assert line.source == "pitch" and line.product_id == "kettle"
    # it told the price: no plain price line right after it
    after = [u for t, u in said if when < t <= when + 30]
    assert not any(u.kind in ("price", "sale") for u in after)


def test_recaps_wait_for_the_cooldown(schedule) -> None:
    clock = Clock()

    def growing(t: float) -> int:  # +30 viewers every 30 s from 60 s on
        return 50 + 30 * max(0, int((t - 60) // 30) + 1) if t >= 60 else 50

    d = director(schedule, 10, clock, viewers=Count(clock, growing))
    d.inbox.put(Pin("knife-set"))
    found = recaps(run(d, clock, FRIDAY_2PM, TEN_MINUTES))
    times = [t for t, _ in found]
    assert len(times) >= 3  # the room keeps filling up: a recap now and then
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 120 for gap in gaps), times  # recap_after: 2 minutes
    assert len({u.text for _, u in found}) == len(found)  # in other words each time


def test_no_recap_without_a_rush(schedule) -> None:
    for value in (
        lambda t: 500,  # a big room from the start: the first count is no rise
        lambda t: 40 + int(t) // 10,  # slow growth: 6 a minute, 15% of 40
        lambda t: 5 if t < 100 else 7,  # 40% more, but only 2 people
        lambda t: None if t < 100 else 300,  # a bridge that comes up late
    ):
        clock = Clock()
        d = director(schedule, 11, clock, viewers=Count(clock, value))
        assert not recaps(run(d, clock, FRIDAY_2PM, 300))


def test_joiners_alone_bring_a_recap_in_a_big_room(schedule) -> None:
    clock = Clock()
    d = director(schedule, 12, clock, viewers=Count(clock, rush(100, 1000, 1025)))  # +2.5%
    assert len(recaps(run(d, clock, FRIDAY_2PM, 300))) == 1


def test_a_rush_at_the_start_of_a_turn_waits_for_the_intro(schedule) -> None:
    clock = Clock()
    d = director(schedule, 13, clock, viewers=Count(clock, rush(10, 10, 60)))
    said = run(d, clock, FRIDAY_2PM, 120)
    kinds = [u.kind for _, u in said]
    assert "recap" in kinds and kinds.index("intro") < kinds.index("recap")
    when = recaps(said)[0][0]
    assert when >= 20  # first_price_after: the intro and a fact first


def test_recap_in_chinese() -> None:
    zh = load_schedule_text(ZH_SCHEDULE, "zh.yaml").schedule
    clock = Clock()
    d = Director.for_schedule(
        lambda: zh, ZoneInfo("Asia/Shanghai"), seed=14, clock=clock,
        viewers=Count(clock, rush(60, 10, 40)),
    )  # fmt: skip
    start = datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    found = recaps(run(d, clock, start, 200))
    assert len(found) == 1
    text = found[0][1].text
    assert "玻璃电水壶" in text and "四分钟烧开一升水" in text and "¥149" in text
    assert found[0][1].language == "zh"


# --- the wordings ---


@pytest.mark.parametrize("lang", [talk_en, talk_zh], ids=["en", "zh"])
def test_recap_and_energetic_wordings_are_clean(lang) -> None:
    claims = re.compile(
        r"\b(best|cheapest|lowest|guarantee[ds]?|number one|100%|sale|discount)\b"
        r"|最好|最低|最便宜|第一|保证|全网最|绝对|史上|促销|特价|打折|折扣|优惠|限时|秒杀",
        re.I,
    )
    for name, allowed, needed in (
        ("RECAP", {"name", "f", "price"}, {"name", "f", "price"}),
        ("CALL_TO_ACTION_ENERGETIC", {"name", "store", "price"}, set()),
    ):
        wordings = getattr(lang, name)
        assert len(wordings) >= 5 and len(set(wordings)) == len(wordings), name
        for template in wordings:
            used = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
            assert needed <= used <= allowed, template
            assert not re.search(r"\d", template) and not claims.search(template), template
            assert len(template.split()) <= 25 or lang is talk_zh, template
            if lang is talk_zh:
                bare = re.sub(r"\{\w+\}", "", template)
                assert not re.search(r"[A-Za-z,.!?:;]", bare) and len(bare) <= 40, template
    # no recap sentence is a sentence of another list (the repeat memory would block it)
    values = {"name": "N", "f": "F", "price": "P", "store": "S", "sale": "P", "saving": "V",
              "percent": "1", "zhe": "9", "message": "M"}  # fmt: skip
    others = {
        s
        for key in (
            "PRICE",
            "SALE",
            "PRICE_REMINDER",
            "INTRO",
            "TRANSITION",
            "ENGAGE",
            "IDLE",
            "CALL_TO_ACTION",
            "CALL_TO_ACTION_ENERGETIC",
            "STORE_LINES",
        )
        for t in getattr(lang, key)
        for s in talk.sentences(t.format(**values))
    }
    for template in lang.RECAP:
        assert not set(talk.sentences(template.format(**values))) & others, template


# --- the schedule's audience section ---

GOOD = """\
store:
  name: Shop
products:
  - id: kettle
    name: Kettle
    price: 10
    features: [boils fast]
slots:
  - days: daily
    start: "09:00"
    end: "10:00"
    products: [kettle]
fallback:
  message: Back soon
"""
AUDIENCE = """\
audience:
  tiers:
    - viewers: 0
      style: calm
      cta_every: 2m
    - viewers: 30
      style: friendly
      cta_every: 60s
    - viewers: 300
      style: energetic
      cta_every: 30
  hysteresis: 0.25
  recap_after: 3m
  recap_jump: 0.5
  recap_joiners: 40
"""


def test_an_audience_section_is_read_and_defaults_apply_without_one() -> None:
    audience = load_schedule_text(GOOD + AUDIENCE, "a.yaml").schedule.audience
    assert [t.viewers for t in audience.tiers] == [0, 30, 300]
    assert [t.cta_every for t in audience.tiers] == [120.0, 60.0, 30.0]
    assert (audience.hysteresis, audience.recap_after) == (0.25, 180.0)
    assert (audience.recap_jump, audience.recap_joiners) == (0.5, 40)
    default = load_schedule_text(GOOD, "g.yaml").schedule.audience
    assert default == Audience()
    assert [(t.viewers, t.style, t.cta_every) for t in default.tiers] == [
        (0, "calm", 120.0), (20, "friendly", 70.0), (200, "energetic", 35.0),
    ]  # fmt: skip


def test_the_sample_schedule_example_is_the_defaults(sample_schedule) -> None:
    text = sample_schedule.read_text()
    start = text.index("# audience:")
    block = "\n".join(line[2:] for line in text[start:].splitlines() if line.startswith("#"))
    schedule = load_schedule_text(GOOD + block + "\n", "sample-audience.yaml").schedule
    assert schedule.audience == Audience()


def mark(old: str, new: str) -> str:
    assert old in AUDIENCE, old
    return GOOD + AUDIENCE.replace(old, new, 1)


BAD: list[tuple[str, str, str]] = [
    ("nan-hysteresis", mark("  hysteresis: 0.25", "  hysteresis: .nan #!"), "finite"),
    ("inf-jump", mark("  recap_jump: 0.5", "  recap_jump: .inf #!"), "finite"),
    ("big-hysteresis", mark("  hysteresis: 0.25", "  hysteresis: 2 #!"), "at most 0.9"),
    ("negative-viewers", mark("    - viewers: 30", "    - viewers: -30 #!"), "at least 0"),
    ("fractional-viewers", mark("    - viewers: 30", "    - viewers: 30.5 #!"), "whole number"),
    ("nan-viewers", mark("    - viewers: 30", "    - viewers: .nan #!"), "whole number"),
    ("unknown-style", mark("      style: friendly", "      style: wild #!"), "one of"),
    (
        "tiers-not-increasing",
        mark("    - viewers: 300", "    - viewers: 30 #!"),
        "more viewers than the one before",
    ),
    ("first-tier-not-zero", mark("    - viewers: 0", "    - viewers: 5 #!"), "start at 0"),
    ("cta-too-often", mark("      cta_every: 60s", "      cta_every: 5s #!"), "at least 20"),
    ("cta-negative", mark("      cta_every: 60s", "      cta_every: -60 #!"), "at least 20"),
    ("cta-nan", mark("      cta_every: 60s", "      cta_every: .nan #!"), "not a length"),
    ("cta-too-rare", mark("      cta_every: 60s", "      cta_every: 1h #!"), "at most 10"),
    ("recap-nan", mark("  recap_after: 3m", "  recap_after: .nan #!"), "not a length"),
    ("recap-short", mark("  recap_after: 3m", "  recap_after: 10s #!"), "at least 30"),
    ("joiners-zero", mark("  recap_joiners: 40", "  recap_joiners: 0 #!"), "at least 1"),
    ("joiners-text", mark("  recap_joiners: 40", "  recap_joiners: lots #!"), "whole number"),
    ("unknown-key", mark("  hysteresis: 0.25", "  hysterisis: 0.25 #!"), "did you mean"),
    ("no-tiers", GOOD + "audience:\n  tiers: [] #!\n", "empty"),
    ("adapt-text", mark("  hysteresis: 0.25", "  adapt: maybe #!\n  hysteresis: 0.25"), "true"),
]


@pytest.mark.parametrize(("name", "text", "gist"), BAD, ids=[c[0] for c in BAD])
def test_a_bad_audience_section_is_refused_at_its_line(name: str, text: str, gist: str) -> None:
    with pytest.raises(ProblemsError) as caught:
        load_schedule_text(text, f"{name}.yaml")
    problems = caught.value.problems
    matching = [p for p in problems if gist.lower() in p.message.lower()]
    assert matching, f"no problem mentions {gist!r}: {[str(p) for p in problems]}"
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "#!" in row)
    assert matching[0].line == line, str(matching[0])
