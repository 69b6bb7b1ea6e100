"""`make demo` off air: the demo starts the show's clock where the sample schedule is on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from livehost.demo import demo_start
from livehost.schedule.load import load_schedule_file

ZONE = ZoneInfo("America/New_York")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def test_at_night_the_demo_starts_the_clock_at_the_next_airing(sample_schedule) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    start, why = demo_start(schedule, ZONE, local("2026-03-10 03:00"))  # a Tuesday
    assert start == local("2026-03-10 09:00")
    assert why.startswith(
        "the sample schedule is off air now (Night, 01:00-07:00 America/New_York)"
    )
    assert "Aurora Glass Kettle" in why and "Weekday mornings, today at 09:00" in why
    assert "--now '2026-03-10 09:00'" in why and "the card's clock shows that time" in why
    start, why = demo_start(schedule, ZONE, local("2026-03-14 02:00"))  # a Saturday
    assert start == local("2026-03-14 10:00") and "Weekend deals" in why


def test_on_air_or_idle_the_demo_runs_at_the_real_time(sample_schedule) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    assert demo_start(schedule, ZONE, local("2026-03-10 10:00")) == (None, "")
    assert demo_start(schedule, ZONE, local("2026-03-10 22:00")) == (None, "")  # idle host
