"""The planner: one answer for every instant, DST, midnight, date ranges, off-air."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from livehost.problems import ProblemsError
from livehost.schedule.fields import WEEKDAYS
from livehost.schedule.load import load_schedule_text
from livehost.schedule.planner import Planner, occurrences

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc


def schedule_from(slots: list[dict], off_air: list[dict] | None = None):
    data = {
        "store": {"name": "Shop"},
        "products": [
            {"id": f"p{i}", "name": f"Product {i}", "price": 10 + i, "features": ["good"]}
            for i in range(4)
        ],
        "slots": slots,
        "off_air": off_air or [],
        "fallback": {"message": "Back soon"},
    }
    return load_schedule_text(yaml.safe_dump(data, sort_keys=False), "gen.yaml").schedule


def local(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_slot_crossing_midnight_stays_on_after_midnight() -> None:
    schedule = schedule_from(
        [
            {
                "days": ["fri"],
                "start": "22:00",
                "end": "02:00",
                "overnight": True,
                "products": ["p0", "p1"],
                "per_product": "30m",
            }
        ]
    )
    planner = Planner(schedule, NEW_YORK)
    # 2026-11-27 is a Friday; at 01:10 on Saturday the Friday slot is still on.
    segment = planner.at(local(NEW_YORK, "2026-11-28 01:10"))
    assert segment.kind == "slot" and segment.product.id == "p0"
    assert segment.start == local(NEW_YORK, "2026-11-28 01:00")
    assert segment.end == local(NEW_YORK, "2026-11-28 01:30")
    assert planner.at(local(NEW_YORK, "2026-11-28 02:00")).kind == "fallback"
    assert planner.at(local(NEW_YORK, "2026-11-27 21:59")).kind == "fallback"


def test_slot_ending_at_midnight_needs_no_overnight_flag() -> None:
    schedule = schedule_from(
        [{"days": "daily", "start": "20:00", "end": "00:00", "products": ["p0"]}]
    )
    segment = Planner(schedule, NEW_YORK).at(local(NEW_YORK, "2026-11-27 23:59"))
    assert segment.kind == "slot"
    assert Planner(schedule, NEW_YORK).at(local(NEW_YORK, "2026-11-28 00:00")).kind == "fallback"


def test_spring_forward_shortens_the_slot_by_an_hour() -> None:
    # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    schedule = schedule_from(
        [{"days": "daily", "start": "01:00", "end": "05:00", "products": ["p0"]}]
    )
    planner = Planner(schedule, NEW_YORK)
    normal = list(
        occurrences(
            schedule.slots, NEW_YORK, datetime(2026, 3, 7).date(), datetime(2026, 3, 7).date()
        )
    )
    short = list(
        occurrences(
            schedule.slots, NEW_YORK, datetime(2026, 3, 8).date(), datetime(2026, 3, 8).date()
        )
    )
    assert normal[0].end - normal[0].start == timedelta(hours=4)
    assert short[0].end - short[0].start == timedelta(hours=3)
    segment = planner.at(local(NEW_YORK, "2026-03-08 03:30"))
    assert segment.kind == "slot"
    assert segment.end.astimezone(NEW_YORK).hour == 5


def test_fall_back_lengthens_the_slot_and_rotation_follows_real_time() -> None:
    # New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:xx happens twice.
    schedule = schedule_from(
        [
            {
                "days": "daily",
                "start": "00:00",
                "end": "04:00",
                "products": ["p0", "p1"],
                "per_product": "1h",
            }
        ]
    )
    planner = Planner(schedule, NEW_YORK)
    occ = next(
        occurrences(
            schedule.slots, NEW_YORK, datetime(2026, 11, 1).date(), datetime(2026, 11, 1).date()
        )
    )
    assert occ.end - occ.start == timedelta(hours=5)
    first_one_am = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second_one_am = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, an hour later
    assert planner.at(first_one_am).product.id == "p1"
    assert planner.at(second_one_am).product.id == "p0"


def test_date_range_limits_the_slot() -> None:
    schedule = schedule_from(
        [
            {
                "days": "daily",
                "start": "09:00",
                "end": "10:00",
                "products": ["p0"],
                "dates": {"from": "2026-12-01", "until": "2026-12-24"},
            }
        ]
    )
    planner = Planner(schedule, BERLIN)
    assert planner.at(local(BERLIN, "2026-11-30 09:30")).kind == "fallback"
    assert planner.at(local(BERLIN, "2026-12-01 09:30")).kind == "slot"
    assert planner.at(local(BERLIN, "2026-12-24 09:30")).kind == "slot"
    assert planner.at(local(BERLIN, "2026-12-25 09:30")).kind == "fallback"


def test_off_air_wins_over_a_slot_and_whole_days_work() -> None:
    schedule = schedule_from(
        [{"days": "daily", "start": "09:00", "end": "18:00", "products": ["p0"]}],
        [{"name": "Holiday", "dates": {"from": "2026-12-25", "until": "2026-12-26"}}],
    )
    planner = Planner(schedule, BERLIN)
    segment = planner.at(local(BERLIN, "2026-12-25 10:00"))
    assert segment.kind == "off_air"
    assert segment.start == local(BERLIN, "2026-12-25 00:00")
    assert segment.end == local(BERLIN, "2026-12-27 00:00")  # the two holiday days merge
    assert planner.at(local(BERLIN, "2026-12-27 00:00")).kind == "fallback"
    assert planner.at(local(BERLIN, "2026-12-27 09:00")).kind == "slot"


def test_products_rotate_and_wrap() -> None:
    schedule = schedule_from(
        [
            {
                "days": "daily",
                "start": "09:00",
                "end": "10:00",
                "products": ["p0", "p1", "p2"],
                "per_product": "10m",
            }
        ]
    )
    planner = Planner(schedule, BERLIN)
    ids = [planner.at(local(BERLIN, f"2026-06-01 09:{m:02d}")).product.id for m in range(0, 60, 10)]
    assert ids == ["p0", "p1", "p2", "p0", "p1", "p2"]


def test_nothing_scheduled_is_fallback_with_no_known_end() -> None:
    schedule = schedule_from([])
    segment = Planner(schedule, BERLIN).at(local(BERLIN, "2026-06-01 12:00"))
    assert segment.kind == "fallback" and segment.end is None


def test_naive_instant_is_refused() -> None:
    import pytest

    schedule = schedule_from([])
    with pytest.raises(ValueError):
        Planner(schedule, BERLIN).at(datetime(2026, 6, 1))


# --- property: at any instant exactly one of off-air, one slot, or the fallback holds ---

minutes = st.integers(min_value=0, max_value=24 * 4 - 1).map(lambda q: q * 15)
slot_strategy = st.fixed_dictionaries(
    {
        "days": st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True),
        "start": minutes,
        "length": st.integers(min_value=1, max_value=40).map(lambda q: q * 15),
        "per_product": st.sampled_from(["10m", "25m", "1h"]),
        "products": st.lists(st.sampled_from(["p0", "p1", "p2", "p3"]), min_size=1, max_size=4),
    }
)


def to_slot(spec: dict) -> dict:
    start = spec["start"]
    end = (start + spec["length"]) % (24 * 60)
    return {
        "days": spec["days"],
        "start": f"{start // 60:02d}:{start % 60:02d}",
        "end": f"{end // 60:02d}:{end % 60:02d}",
        "overnight": start + spec["length"] > 24 * 60,
        "products": spec["products"],
        "per_product": spec["per_product"],
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    specs=st.lists(slot_strategy, min_size=0, max_size=4),
    off=st.lists(slot_strategy, min_size=0, max_size=2),
    # around Europe's 2026 DST changes (29 March, 25 October) and ordinary weeks
    base=st.sampled_from(["2026-03-27", "2026-10-23", "2026-06-10"]),
    offset_seconds=st.integers(min_value=0, max_value=5 * 24 * 60 * 60 - 1),
)
def test_exactly_one_state_holds_at_any_instant(specs, off, base, offset_seconds) -> None:
    try:
        schedule = schedule_from([to_slot(s) for s in specs], [to_slot(s) for s in off])
    except ProblemsError:
        assume(False)  # overlapping slots are refused by validation; nothing to plan
    planner = Planner(schedule, BERLIN)
    at = datetime.fromisoformat(base).replace(tzinfo=BERLIN).astimezone(UTC) + timedelta(
        seconds=offset_seconds
    )
    day = at.astimezone(BERLIN).date()
    window = (day - timedelta(days=2), day + timedelta(days=1))
    slot_hits = [o for o in occurrences(schedule.slots, BERLIN, *window) if o.contains(at)]
    off_hits = [o for o in occurrences(schedule.off_air, BERLIN, *window) if o.contains(at)]
    assert len(slot_hits) <= 1
    segment = planner.at(at)
    if off_hits:
        assert segment.kind == "off_air"
    elif slot_hits:
        assert segment.kind == "slot" and segment.slot_index == slot_hits[0].index
    else:
        assert segment.kind == "fallback"
    # The segment's own bounds agree with the planner at those instants.
    if segment.start is not None:
        assert segment.start <= at
        assert planner.at(segment.start).key == segment.key
    if segment.end is not None:
        assert at < segment.end
        assert planner.at(segment.end - timedelta(microseconds=1)).key == segment.key
        assert planner.at(segment.end).key != segment.key
