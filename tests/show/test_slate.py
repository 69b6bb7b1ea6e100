"""The off-air slate says when the show is back, from the schedule's own plan."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from livehost.schedule.load import load_schedule_text
from livehost.schedule.model import Schedule
from livehost.show import talk_en, talk_zh
from livehost.show.inbox import Controls
from livehost.show.programme import card, on_air

ZONE = ZoneInfo("America/New_York")
ON = Controls()

SCHEDULE = """\
store:
  name: Test Shop
  language: {language}
products:
  - id: kettle
    name: Glass Kettle
    price: 59.99
    features: [Boils a litre in four minutes]
slots:
  - name: Mornings
    days: weekdays
    start: "09:00"
    end: "12:00"
    products: [kettle]
    per_product: 6m
  - name: Weekends
    days: weekends
    start: "10:00"
    end: "18:00"
    products: [kettle]
    per_product: 6m
off_air:
  - name: Night
    days: daily
    start: "01:00"
    end: "07:00"
  - name: Evening
    days: [fri]
    start: "12:00"
    end: "23:59"
fallback:
  message: Back soon
"""

# no slot at all: the slate cannot say when the show is back
NO_SLOTS = """\
store:
  name: Test Shop
  language: {language}
products:
  - id: kettle
    name: Glass Kettle
    price: 59.99
    features: [Boils a litre in four minutes]
off_air:
  - name: Always
    days: daily
fallback:
  message: Back soon
"""


def schedule(language: str, text: str = SCHEDULE) -> Schedule:
    return load_schedule_text(text.format(language=language), "test.yaml").schedule


def slate(sched: Schedule, when: str, controls: Controls = ON, message=None) -> str:
    at = datetime.fromisoformat(when).replace(tzinfo=ZONE)
    on = on_air(sched, ZONE, controls, at)
    content = card(sched, ZONE, on, at, message)
    assert content.mode == "slate"
    return content.message


@pytest.mark.parametrize(
    ("when", "en", "zh"),
    [
        # Tuesday night: the morning slot is later today
        ("2026-03-10 03:00", "Back today at 09:00", "今天09:00回来"),
        # Monday just after the night began: still today's slot, not tomorrow's
        ("2026-03-09 01:30", "Back today at 09:00", "今天09:00回来"),
        # Friday evening off air: the weekend slot tomorrow
        ("2026-03-13 20:00", "Back tomorrow at 10:00", "明天10:00回来"),
    ],
)
def test_the_slate_names_the_next_airing(when: str, en: str, zh: str) -> None:
    assert slate(schedule("en"), when) == f"We're off air right now. {en}"
    assert slate(schedule("zh"), when) == f"我们暂时下播了，{zh}"


def test_a_later_day_is_named_by_its_weekday() -> None:
    # only the weekend slot is left, and Friday's off-air covers nothing of it
    text = SCHEDULE.replace("days: weekdays", "days: [mon]")
    assert slate(schedule("en", text), "2026-03-10 03:00") == (
        "We're off air right now. Back on Saturday at 10:00"
    )
    assert slate(schedule("zh", text), "2026-03-10 03:00") == "我们暂时下播了，周六10:00回来"


def test_an_airing_that_starts_under_off_air_counts_from_its_end() -> None:
    text = SCHEDULE.replace('start: "09:00"', 'start: "00:00"')  # 00:00-12:00, night 01-07
    assert slate(schedule("en", text), "2026-03-10 03:00").endswith("Back today at 07:00")


def test_no_airing_keeps_the_plain_slate() -> None:
    assert slate(schedule("en", NO_SLOTS), "2026-03-10 03:00") == (
        "We're off air right now. See you soon!"
    )
    assert slate(schedule("zh", NO_SLOTS), "2026-03-10 03:00") == "我们暂时下播了，稍后见！"


def test_the_configs_message_and_an_operators_pause_keep_their_own_words() -> None:
    sched = schedule("en")
    assert slate(sched, "2026-03-10 03:00", message="Closed for stocktaking") == (
        "Closed for stocktaking"
    )
    # paused to the slate by the operator: back when they resume, not at the next slot
    paused = Controls(paused="slate")
    assert slate(sched, "2026-03-10 10:00", paused) == "We're off air right now. See you soon!"
    assert slate(sched, "2026-03-10 03:00", paused) == "We're off air right now. See you soon!"


def test_back_words_for_a_week_on() -> None:
    assert talk_en.back_words("09:00", 7, 1) == "next Tuesday at 09:00"
    assert talk_zh.back_words("09:00", 7, 1) == "下周二09:00"
    assert talk_en.back_words("10:00", 3, 5) == "on Saturday at 10:00"
