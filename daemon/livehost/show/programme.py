"""What is on at time t: one pure answer that the renderer, the director, the supervisor
and the fleet all read, instead of state one thread writes and another polls.

`on_air(schedule, zone, controls, at)` depends on nothing else: the schedule's plan at
`at`, bent by the operator's controls (pause, pin, skip). `card(...)` turns it into the
product card's contents with the prices in effect at `at`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from livehost.render.card import CardContent
from livehost.schedule.currencies import format_price
from livehost.schedule.model import Product, Schedule
from livehost.schedule.planner import Planner, Segment
from livehost.show.inbox import Controls, Inbox
from livehost.show.talk import phrases


@dataclass(frozen=True)
class OnAir:
    display: str  # show (host and card) | idle (host, no product) | slate (off-air card)
    segment: Segment  # the schedule's own plan at that moment
    product: Product | None  # the product on the card, after pins and skips
    controls: Controls

    @property
    def why(self) -> str:
        """Plain words for the operator: why the picture is what it is."""
        if self.controls.paused:
            return f"paused by the operator ({self.controls.paused})"
        if self.display == "slate":
            return "off air by the schedule"
        if self.controls.pinned and self.product is not None:
            return f"pinned to {self.product.id} by the operator"
        if self.product is None:
            return "idle host: no slot scheduled"
        return "on the schedule"


def on_air(
    schedule: Schedule,
    zone: ZoneInfo,
    controls: Controls,
    at: datetime,
    segment: Segment | None = None,
) -> OnAir:
    """What is on at `at`; `segment` is the planner's answer for `at` if already known."""
    if segment is None:
        segment = Planner(schedule, zone).at(at)
    product = _product(schedule, segment, controls)
    if controls.paused:
        display = controls.paused
    elif segment.kind == "off_air" and product is None:
        display = "slate"
    else:
        display = "show" if product is not None else "idle"
    return OnAir(display, segment, product, controls)


def _product(schedule: Schedule, segment: Segment, controls: Controls) -> Product | None:
    if controls.pinned:
        try:
            return schedule.product(controls.pinned)
        except KeyError:  # the pinned product left the schedule: back to the plan
            pass
    if segment.slot is None or segment.product_position is None:
        return None
    position = (segment.product_position + controls.skip) % len(segment.slot.products)
    return schedule.product(segment.slot.products[position])


def card(
    schedule: Schedule,
    zone: ZoneInfo,
    on: OnAir,
    at: datetime,
    off_air_message: str | None = None,
    image_path: Callable[[str | None], str | None] = lambda p: p,
) -> CardContent:
    """The product card's contents for what is on at `at`."""
    local = at.astimezone(zone)
    store = schedule.store.name
    clock = local.strftime("%H:%M")
    lang = phrases(schedule.store.language)
    if on.display == "slate":
        # the schedule knows when its off-air ends; an operator's pause ends when they say
        by_schedule = on.segment.kind == "off_air" and not on.controls.paused
        message = off_air_message or (_slate(schedule, zone, at) if by_schedule else None)
        return CardContent(store, clock, "slate", message=message or lang.OFF_AIR)
    product = on.product
    if on.display == "idle" or product is None:
        return CardContent(store, clock, "idle", message=schedule.fallback.message)
    currency = schedule.currency_of(product)
    price, old, countdown = format_price(product.price, currency), "", ""
    naive = local.replace(tzinfo=None)
    sale = product.sale
    if sale is not None and product.on_sale(naive):
        price, old = format_price(sale.price, currency), price
        countdown = lang.CARD_COUNTDOWN.format(
            countdown=lang.countdown_words((sale.ends - naive).total_seconds())
        )
    return CardContent(
        store,
        clock,
        "show",
        product.name,
        price,
        old,
        countdown,
        tuple(product.features),
        image_path(product.image),
    )


def back_at(schedule: Schedule, zone: ZoneInfo, at: datetime) -> datetime | None:
    """When the next slot airs (within a week) with no off-air period over it: the slate
    tells the viewers when to come back. An airing that an off-air period only starts
    under counts from the moment that period ends."""
    planner = Planner(schedule, zone)
    today = at.astimezone(zone).date()
    # from yesterday: an overnight slot that began then may still run
    for airing in planner.airings(today - timedelta(days=1), today + timedelta(days=7)):
        moment = max(airing.start, at)
        while moment < airing.end:
            segment = planner.at(moment)
            if segment.kind == "slot":
                return moment
            if segment.end is None:
                break
            moment = segment.end
    return None


def _slate(schedule: Schedule, zone: ZoneInfo, at: datetime) -> str:
    lang = phrases(schedule.store.language)
    back = back_at(schedule, zone, at)
    if back is None:
        return lang.OFF_AIR
    local = back.astimezone(zone)
    days = (local.date() - at.astimezone(zone).date()).days
    return lang.OFF_AIR_BACK.format(
        when=lang.back_words(local.strftime("%H:%M"), days, local.weekday())
    )


class Programme:
    """`on_air` bound to the running schedule and the inbox's controls."""

    def __init__(self, schedule: Callable[[], Schedule], zone: ZoneInfo, inbox: Inbox) -> None:
        self.schedule = schedule
        self.zone = zone
        self.inbox = inbox
        self._known: tuple[Schedule, Segment] | None = None  # the last segment looked up
        self._slate: tuple[tuple, CardContent] | None = None  # the last slate, by minute

    def _segment(self, schedule: Schedule, at: datetime) -> Segment:
        """The planner's segment at `at`, reused while `at` stays inside it (the planner
        scans days of airings; the renderer asks every second, the director every line)."""
        known = self._known
        if known is not None and known[0] is schedule:
            segment = known[1]
            if segment.start and segment.end and segment.start <= at < segment.end:
                return segment
        segment = Planner(schedule, self.zone).at(at)
        self._known = (schedule, segment)
        return segment

    def at(self, at: datetime) -> OnAir:
        schedule = self.schedule()
        segment = self._segment(schedule, at)
        return on_air(schedule, self.zone, self.inbox.controls, at, segment)

    def card(
        self,
        at: datetime,
        off_air_message: str | None = None,
        image_path: Callable[[str | None], str | None] = lambda p: p,
    ) -> tuple[OnAir, CardContent]:
        schedule = self.schedule()
        on = on_air(schedule, self.zone, self.inbox.controls, at, self._segment(schedule, at))
        if on.display == "slate":
            # the slate changes by the minute (its clock, "back at"): looking up when the
            # show is back scans a week of airings, so once a minute is enough
            key = (schedule, on.controls, off_air_message, at.replace(second=0, microsecond=0))
            if self._slate is None or self._slate[0] != key:
                self._slate = (key, card(schedule, self.zone, on, at, off_air_message))
            return on, self._slate[1]
        return on, card(schedule, self.zone, on, at, off_air_message, image_path)
