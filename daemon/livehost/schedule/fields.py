"""Field types for the schedule that accept what people naturally write.

Times: "9:00", "09:00", "21:30", "9am", "8:30 pm". Durations: "5m", "90s", "1h30m",
or a plain number of seconds. Days: "mon", "Monday", "weekdays", "weekends", "daily".
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from livehost.speakable import text_problem

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_GROUPS = {
    "daily": WEEKDAYS,
    "every day": WEEKDAYS,
    "everyday": WEEKDAYS,
    "weekdays": WEEKDAYS[:5],
    "weekends": WEEKDAYS[5:],
    "weekend": WEEKDAYS[5:],
}

_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*$", re.IGNORECASE)
_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?\s*$")
_DATETIME = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})(?:[ T]+(.+?))?\s*$")


def parse_time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    text = str(value)
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a time of day; write it like 09:30 or 21:00")
    hour, minute = int(match[1]), int(match[2] or 0)
    suffix = (match[3] or "").lower().replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(f"'{text}' is not a time of day; with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif match[2] is None:
        raise ValueError(f"'{text}' is not a time of day; write it like {hour:02d}:00")
    if hour == 24 and minute == 0:
        raise ValueError("write midnight as 00:00")
    if hour > 23 or minute > 59:
        raise ValueError(f"'{text}' is not a time of day; hours go 0-23 and minutes 0-59")
    return time(hour, minute)


MAX_DURATION = 24 * 3600.0  # seconds: no turn or preview is longer than a day


def parse_duration(value: Any, low: float = 10.0, high: float = MAX_DURATION) -> float:
    """A length of time (5m, 90s, 1h30m, or seconds) between `low` and `high` seconds."""
    if isinstance(value, bool):
        raise ValueError("should be a length of time like 5m or 90s")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        match = _DURATION.match(text)
        if not text or not match or not any(match.groups()):
            raise ValueError(f"'{value}' is not a length of time; write it like 5m, 90s or 1h30m")
        hours, minutes, secs = (int(g or 0) for g in match.groups())
        seconds = float(hours * 3600 + minutes * 60 + secs)
    # NaN passes every comparison and infinity every lower bound: both would reach the
    # planner's arithmetic and stop the show, so they are refused here, by name
    if not math.isfinite(seconds):
        raise ValueError(f"'{value}' is not a length of time; write it like 5m, 90s or 1h30m")
    if seconds < low:
        raise ValueError(f"must be at least {duration_words(low)}")
    if seconds > high:
        raise ValueError(f"must be at most {duration_words(high)}")
    return seconds


def duration_words(seconds: float) -> str:
    """10 -> '10 seconds', 600 -> '10 minutes', 3600 -> '1 hour'."""
    for size, unit in ((3600, "hour"), (60, "minute"), (1, "second")):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"


def check_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(f"the text {problem}")
    return value


def parse_days(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("should list days, like [mon, tue] or weekdays or daily")
    days: list[str] = []
    for item in items:
        word = str(item).strip().lower()
        if word in DAY_GROUPS:
            found: tuple[str, ...] = DAY_GROUPS[word]
        else:
            found = tuple(
                WEEKDAYS[i]
                for i, full in enumerate(_FULL_DAY_NAMES)
                if len(word) >= 3 and full.startswith(word)
            )
            if len(found) != 1:
                raise ValueError(
                    f"'{item}' is not a day; use mon, tue, wed, thu, fri, sat, sun, "
                    "weekdays, weekends or daily"
                )
        days.extend(d for d in found if d not in days)
    return tuple(sorted(days, key=WEEKDAYS.index))


def parse_local_datetime(value: Any) -> datetime:
    """A wall-clock date and time in the unit's time zone ("2026-12-01 20:00")."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0))
    text = str(value)
    match = _DATETIME.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a date and time; write it like 2026-12-01 20:00")
    try:
        day = date.fromisoformat(_pad_date(match[1]))
    except ValueError:
        raise ValueError(f"'{match[1]}' is not a real date") from None
    at = parse_time_of_day(match[2]) if match[2] else time(0, 0)
    return datetime.combine(day, at)


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(_pad_date(text))
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write it like 2026-12-24") from None


def _pad_date(text: str) -> str:
    parts = text.split("-")
    if len(parts) != 3:
        return text
    return f"{parts[0]}-{parts[1].zfill(2)}-{parts[2].zfill(2)}"


TimeOfDay = Annotated[
    time, BeforeValidator(parse_time_of_day), PlainSerializer(lambda t: t.strftime("%H:%M"))
]
Duration = Annotated[float, BeforeValidator(parse_duration)]
Text = Annotated[str, AfterValidator(check_text)]  # shown on the card or said aloud
Days = Annotated[tuple[str, ...], BeforeValidator(parse_days)]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(parse_local_datetime),
    PlainSerializer(lambda d: d.strftime("%Y-%m-%d %H:%M")),
]
Day = Annotated[date, BeforeValidator(parse_date)]
