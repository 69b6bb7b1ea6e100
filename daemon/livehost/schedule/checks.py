"""Checks that look across fields of a schedule: each returns every problem it finds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path

from livehost.config.explain import closest
from livehost.config.yamlfile import YamlDocument
from livehost.problems import Problem
from livehost.schedule.fields import WEEKDAYS
from livehost.schedule.model import OffAir, Schedule, Slot, window_bounds

_WEEK = 7 * 24 * 60
MIDNIGHT = time(0, 0)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def check_schedule(
    schedule: Schedule, doc: YamlDocument, now: datetime | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    problems += _duplicate_ids(schedule, doc)
    problems += _product_references(schedule, doc)
    problems += _prices(schedule, doc, now)
    for index, slot in enumerate(schedule.slots):
        problems += _window_times(slot, ("slots", index), doc)
    for index, period in enumerate(schedule.off_air):
        problems += _window_times(period, ("off_air", index), doc)
    problems += _overlaps(schedule, doc)
    problems += _images(schedule, doc)
    return problems


def _duplicate_ids(schedule: Schedule, doc: YamlDocument) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, product in enumerate(schedule.products):
        if product.id in seen:
            first, _ = doc.locate(("products", seen[product.id], "id"))
            yield doc.problem(
                ("products", index, "id"),
                f"the product id '{product.id}' is used twice (first on line {first}); "
                "every product needs its own id",
            )
        else:
            seen[product.id] = index


def _product_references(schedule: Schedule, doc: YamlDocument) -> Iterator[Problem]:
    known = [p.id for p in schedule.products]
    references = [
        (("slots", i, "products"), slot.products) for i, slot in enumerate(schedule.slots)
    ]
    references.append((("fallback", "products"), schedule.fallback.products))
    for path, ids in references:
        for position, product_id in enumerate(ids):
            if product_id in known:
                continue
            guess = closest(product_id, known)
            hint = f"; did you mean '{guess}'?" if guess else "; add it under products first"
            yield doc.problem(
                (*path, position), f"there is no product with the id '{product_id}'{hint}"
            )


def _prices(schedule: Schedule, doc: YamlDocument, now: datetime | None) -> Iterator[Problem]:
    for index, product in enumerate(schedule.products):
        sale = product.sale
        if sale is None:
            continue
        path = ("products", index, "sale")
        if sale.price >= product.price:
            yield doc.problem(
                (*path, "price"),
                f"the sale price {sale.price} is not below the normal price {product.price}",
            )
        if sale.starts is not None and sale.starts >= sale.ends:
            yield doc.problem((*path, "ends"), "the sale ends before it starts")
        if now is not None and sale.ends <= now:
            yield doc.problem(
                (*path, "ends"),
                f"this sale ended on {sale.ends:%Y-%m-%d %H:%M}; it will not be mentioned",
                severity="warning",
            )


def _window_times(window: Slot | OffAir, path: tuple, doc: YamlDocument) -> Iterator[Problem]:
    if window.dates is not None and window.dates.until < window.dates.from_:
        yield doc.problem((*path, "dates", "until"), "the last day is before the first day")
    if (window.start is None) != (window.end is None):
        missing = "end" if window.end is None else "start"
        yield doc.problem(
            path,
            f"give both a start and an end time ('{missing}' is missing), "
            "or neither for whole days",
        )
        return
    if window.start is None or window.end is None:
        return
    if window.start == window.end:
        yield doc.problem((*path, "end"), "starts and ends at the same time")
    elif window.end < window.start and window.end != MIDNIGHT and not window.overnight:
        yield doc.problem(
            (*path, "end"),
            f"ends ({window.end:%H:%M}) before it starts ({window.start:%H:%M}); "
            "if it runs past midnight, add 'overnight: true'",
        )


def _week_intervals(slot: Slot) -> list[tuple[int, int]]:
    """(start, end) in minutes from Monday 00:00 for each day the slot airs."""
    begin, finish = window_bounds(slot.start, slot.end)
    return [
        (WEEKDAYS.index(day) * 1440 + begin, WEEKDAYS.index(day) * 1440 + finish)
        for day in slot.days
    ]


def _dates_meet(a: Slot, b: Slot) -> bool:
    if a.dates is None or b.dates is None:
        return True
    return a.dates.from_ <= b.dates.until and b.dates.from_ <= a.dates.until


def _overlaps(schedule: Schedule, doc: YamlDocument) -> Iterator[Problem]:
    slots = schedule.slots
    for j, later in enumerate(slots):
        for i in range(j):
            earlier = slots[i]
            if not _dates_meet(earlier, later):
                continue
            clash = _first_clash(earlier, later)
            if clash is None:
                continue
            day, start, end = clash
            line, _ = doc.locate(("slots", i))
            yield doc.problem(
                ("slots", j),
                f"overlaps '{earlier.label(i)}' (line {line}) on {day} "
                f"{start // 60 % 24:02d}:{start % 60:02d}-{end // 60 % 24:02d}:{end % 60:02d}; "
                "slots must not overlap",
            )


def _first_clash(a: Slot, b: Slot) -> tuple[str, int, int] | None:
    for a_start, a_end in _week_intervals(a):
        for b_start, b_end in _week_intervals(b):
            for shift in (-_WEEK, 0, _WEEK):  # a slot crossing Sunday midnight wraps the week
                start, end = max(a_start, b_start + shift), min(a_end, b_end + shift)
                if start < end:
                    day = _DAY_NAMES[(start // 1440) % 7]
                    return day, start % 1440, end % 1440 if end % 1440 else 1440
    return None


MAX_PICTURE_PIXELS = 40_000_000  # a 40 MP photo; beyond it decoding costs the show seconds


def _images(schedule: Schedule, doc: YamlDocument) -> Iterator[Problem]:
    base = Path(doc.file).parent
    for index, product in enumerate(schedule.products):
        if not product.image:
            continue
        where = ("products", index, "image")
        path = base / product.image
        if not path.is_file():
            yield doc.problem(
                where,
                f"the picture '{product.image}' was not found; the card will show no picture",
                severity="warning",
            )
            continue
        problem = _picture_problem(path)
        if problem:
            yield doc.problem(
                where,
                f"the picture '{product.image}' {problem}; the card will show no picture",
                severity="warning",
            )


def _picture_problem(path: Path) -> str:
    """Why the card cannot show the picture (read from its header only), or ""."""
    from PIL import Image

    try:
        with Image.open(path) as picture:
            width, height = picture.size
    except Image.DecompressionBombError:
        return "is far too large"
    except (OSError, ValueError):
        return "is not a picture the card can show (PNG, JPEG or WebP)"
    if width * height > MAX_PICTURE_PIXELS:
        return f"is {width}x{height} pixels; save it at most 40 megapixels (e.g. 6000x6000)"
    return ""
