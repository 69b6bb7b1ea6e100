"""The idle host, when no slot is scheduled: the shop, what airs next and when, the
store's own FAQ, the products it may mention, and approved idle lines. It keeps talking
(a short breath between lines), rotating through these so no kind comes twice running
when another has something fresh."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from livehost.schedule.model import Product
from livehost.schedule.planner import Planner
from livehost.show.sources import Line, Moment, script_values
from livehost.show.sources.pitch import is_sale_line

IDLE_PAUSE = 0.6  # seconds between idle lines
KINDS = ("store", "next_up", "faq", "product", "script", "engage")


class IdleSource:
    name = "idle"

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def next(self, moment: Moment) -> Line | None:
        if moment.on.display != "idle" or moment.on.controls.paused:
            return None
        kinds = list(KINDS)
        self.rng.shuffle(kinds)
        kinds.sort(key=lambda k: -moment.memory.kind_age(moment.now, None, k))
        for kind in kinds:
            text = getattr(self, f"_{kind}")(moment)
            if text:
                scripted = kind == "script"
                return Line(text, kind, pause_after=IDLE_PAUSE, cadence=kind, scripted=scripted)
        return None

    def _store(self, m: Moment) -> str | None:
        store = m.schedule.store
        templates = list(m.lang.IDLE) + list(m.lang.STORE_LINES)
        if store.about:
            templates.append(m.lang.sentence(store.about).replace("{", "{{").replace("}", "}}"))
        return m.writer.pick(
            [t for t in templates if "{name}" not in t],
            key="store",
            message=m.lang.sentence(m.schedule.fallback.message),
            store=store.name,
        )

    def _next_up(self, m: Moment) -> str | None:
        """What airs next and when, from the schedule's own plan (up to a week ahead)."""
        planner = Planner(m.schedule, m.zone)
        today = m.local.date()
        for airing in planner.airings(today, today + timedelta(days=7)):
            upcoming = planner.at(airing.start)
            if airing.start > m.at and upcoming.product is not None:  # not under off-air
                break
        else:
            return None
        start = airing.start.astimezone(m.zone)
        minutes = max(1, round((airing.start - m.at).total_seconds() / 60))
        when = m.lang.when_words(
            minutes, start.strftime("%H:%M"), (start.date() - today).days, start.weekday()
        )
        values = m.writer.product_values(upcoming.product)
        return m.writer.pick(m.lang.NEXT_UP, key="next_up", when=when, **values)

    def _engage(self, m: Moment) -> str | None:
        """A word with the viewers (the lines that need no product on screen)."""
        templates = [t for t in m.lang.ENGAGE if "{name}" not in t]
        return m.writer.pick(templates, key="engage", store=m.schedule.store.name)

    def _faq(self, m: Moment) -> str | None:
        faqs = list(m.schedule.store.faq)
        self.rng.shuffle(faqs)
        for faq in faqs:
            text = m.writer.pick(
                m.lang.FAQ_LEADS,
                key="faq",
                q=m.lang.question(faq.question),
                a=m.lang.sentence(faq.answer),
            )
            if text:
                return text
        return None

    def _product(self, m: Moment) -> str | None:
        ids = list(m.schedule.fallback.products)
        self.rng.shuffle(ids)
        for product_id in ids:
            product = m.schedule.product(product_id)
            feature = m.lang.feature_text(self.rng.choice(product.features))
            values = m.writer.product_values(product)
            text = m.writer.pick(m.lang.IDLE_PRODUCT, key="idle_product", f=feature, **values)
            if text:
                return text
        return None

    def _script(self, m: Moment) -> str | None:
        """Approved lines of the products the idle host may mention: its idle lines, and
        stories, benefits and comparisons that name the product (they make sense without
        its card on screen). None that talks of a sale unless the sale runs."""
        lines = []
        for product_id in m.schedule.fallback.products:
            product = m.schedule.product(product_id)
            approved = m.approved(product)
            chosen = list(approved.get("idle", []))
            for kind in ("story", "benefit", "comparison", "feature"):
                chosen += [t for t in approved.get(kind, []) if _names(t, product)]
            if not product.on_sale(m.local):
                chosen = [t for t in chosen if not is_sale_line(t)]
            values = script_values(m, product)
            lines += [t.format(**values) for t in chosen]
        fresh = [t for t in lines if not m.memory.was_said(t)]
        return self.rng.choice(fresh) if fresh else None


def _names(text: str, product: Product) -> bool:
    """Whether a line names the product: {name}, or a word of its name (Chinese: the whole
    name), so it makes sense without the product's card on screen."""
    if "{name}" in text:
        return True
    lowered = text.lower()
    for name in (product.name, product.spoken_name):
        if not name:
            continue
        if re.search(r"[\u4e00-\u9fff]", name):
            if name in text:
                return True
        elif any(w in lowered for w in re.findall(r"[a-z]{4,}", name.lower())):
            return True
    return False
