"""What is on air at an instant: a pure function of (schedule, time zone, instant).

Slot and off-air times are wall-clock times in the unit's time zone; each occurrence is
turned into a pair of UTC instants, so DST days simply have a shorter or longer slot.
Precedence: an off-air period wins over a slot, a slot wins over the fallback. Within a
slot the products rotate every `per_product` seconds of real time from the slot's start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from livehost.schedule.fields import WEEKDAYS
from livehost.schedule.model import OffAir, Product, Schedule, Slot, window_bounds

# How far to look for the previous and next change. A week covers every weekly pattern;
# a schedule with nothing for longer reports no next change.
HORIZON_DAYS = 8
_EPSILON = timedelta(microseconds=1)

UTC = timezone.utc

Kind = Literal["slot", "fallback", "off_air"]


@dataclass(frozen=True)
class Occurrence:
    """One airing of a slot or off-air period, as UTC instants."""

    index: int
    window: Slot | OffAir
    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class Segment:
    """What is on air from `start` until `end` (None: unknown within the horizon)."""

    kind: Kind
    start: datetime | None
    end: datetime | None
    slot: Slot | None = None
    slot_index: int | None = None
    product: Product | None = None
    product_position: int | None = None  # index into slot.products
    off_air: OffAir | None = None

    @property
    def key(self) -> tuple:
        """Identity used to tell whether the segment changed."""
        return (
            self.kind,
            self.slot_index,
            self.product_position,
            self.start if self.slot else None,
        )

    def title(self) -> str:
        if self.kind == "off_air":
            return "off air" + (
                f" ({self.off_air.name})" if self.off_air and self.off_air.name else ""
            )
        if self.kind == "fallback":
            return "idle host (no slot scheduled)"
        assert self.slot is not None and self.slot_index is not None and self.product is not None
        return f"{self.slot.label(self.slot_index)}: {self.product.name}"


def occurrences(
    windows: list[Slot] | list[OffAir], zone: ZoneInfo, first: date, last: date
) -> Iterator[Occurrence]:
    """Every airing of the windows that starts on a local date in [first, last]."""
    day = first
    while day <= last:
        weekday = WEEKDAYS[day.weekday()]
        for index, window in enumerate(windows):
            if weekday not in window.days:
                continue
            if window.dates is not None and not window.dates.contains(day):
                continue
            begin, finish = window_bounds(window.start, window.end)
            yield Occurrence(index, window, _local(day, begin, zone), _local(day, finish, zone))
        day += timedelta(days=1)


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """UTC instant of `minutes` after local midnight of `day` (wall clock, DST-aware)."""
    extra_days, minute_of_day = divmod(minutes, 24 * 60)
    wall = datetime.combine(
        day + timedelta(days=extra_days), time(minute_of_day // 60, minute_of_day % 60)
    )
    return wall.replace(tzinfo=zone).astimezone(UTC)


class Planner:
    """Answers 'what is on air at t' for one schedule; holds no clock of its own."""

    def __init__(self, schedule: Schedule, zone: ZoneInfo) -> None:
        self.schedule = schedule
        self.zone = zone

    def _occurrences_around(self, at: datetime) -> tuple[list[Occurrence], list[Occurrence]]:
        local_day = at.astimezone(self.zone).date()
        first = local_day - timedelta(days=HORIZON_DAYS)
        last = local_day + timedelta(days=HORIZON_DAYS)
        slots = list(occurrences(self.schedule.slots, self.zone, first, last))
        off = list(occurrences(self.schedule.off_air, self.zone, first, last))
        return slots, off

    def _state(self, at: datetime, slots: list[Occurrence], off: list[Occurrence]) -> Segment:
        """The segment at `at` without start/end (those need a scan for changes)."""
        for occ in off:
            if occ.contains(at):
                return Segment("off_air", None, None, off_air=occ.window)  # type: ignore[arg-type]
        for occ in slots:
            if occ.contains(at):
                slot: Slot = occ.window  # type: ignore[assignment]
                elapsed = (at - occ.start).total_seconds()
                position = int(elapsed // slot.per_product) % len(slot.products)
                product = self.schedule.product(slot.products[position])
                return Segment(
                    "slot",
                    occ.start,
                    None,
                    slot=slot,
                    slot_index=occ.index,
                    product=product,
                    product_position=position,
                )
        return Segment("fallback", None, None)

    def at(self, at: datetime) -> Segment:
        """The segment on air at `at` (an aware datetime), with when it began and ends."""
        if at.tzinfo is None:
            raise ValueError("the instant must carry a time zone")
        at = at.astimezone(UTC)
        slots, off = self._occurrences_around(at)
        now = self._state(at, slots, off)
        boundaries = sorted(
            {b for occ in slots + off for b in (occ.start, occ.end)}
            | set(self._product_boundaries(slots))
        )
        end = next(
            (b for b in boundaries if b > at and self._state(b, slots, off).key != now.key), None
        )
        start = next(
            (
                b
                for b in reversed(boundaries)
                if b <= at and self._state(b - _EPSILON, slots, off).key != now.key
            ),
            None,
        )
        return Segment(
            now.kind,
            start,
            end,
            slot=now.slot,
            slot_index=now.slot_index,
            product=now.product,
            product_position=now.product_position,
            off_air=now.off_air,
        )

    @staticmethod
    def _product_boundaries(slots: list[Occurrence]) -> Iterator[datetime]:
        for occ in slots:
            step = timedelta(seconds=occ.window.per_product)  # type: ignore[union-attr]
            moment = occ.start + step
            while moment < occ.end:
                yield moment
                moment += step

    def timeline(self, start: datetime, end: datetime) -> list[Segment]:
        """Consecutive segments covering [start, end)."""
        result: list[Segment] = []
        moment = start.astimezone(UTC)
        limit = end.astimezone(UTC)
        while moment < limit:
            segment = self.at(moment)
            result.append(segment)
            if segment.end is None:
                break
            moment = segment.end
        return result

    def airings(self, first: date, last: date) -> list[Occurrence]:
        """Slot airings that start on the local dates [first, last], off-air excluded."""
        return sorted(
            occurrences(self.schedule.slots, self.zone, first, last), key=lambda o: o.start
        )
