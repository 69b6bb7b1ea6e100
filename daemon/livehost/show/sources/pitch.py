"""The sales talk about the product on the card, read afresh at every line.

A product turn opens with a transition (unless the host was already on this product) and
an intro, then tells the product's facts one by one, least recently told first: each
feature (as a feature or as a benefit), each FAQ, and every approved script line. A fact
comes back in another wording after `fact_gap` seconds, sooner (`min_fact_gap`, then
`last_resort_gap`) only when nothing fresher is left. Price, sale countdown and call to
action have their own cadence.
Prices always come from the live schedule: script lines carry placeholders.

With a `Room` that knows the viewer count, the room's tier sets the call-to-action
cadence and the energy of the delivery, and a rush of late joiners gets one short recap
(name, first feature, price now); without a count, nothing changes.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from livehost.schedule.model import Product
from livehost.scripts.placeholders import needs_sale
from livehost.show.sources import Line, Moment, script_values

if TYPE_CHECKING:
    from livehost.show.room import Room

SCRIPT_FACT_KINDS = ("feature", "benefit", "story", "comparison")
# words that tie a line to a running sale ("before the sale ends"): such a line airs only
# while the product's sale runs
_SALE_WORDS = re.compile(
    r"\b(sales?|discount(ed)?|special offers?|offer ends|deal ends|reduced price|savings?"
    r"|timer|hurry|limited time)\b"
    r"|促销|特价|打折|折扣|优惠|限时|秒杀|直降|立减|到手价",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Pacing:
    price_every: float = 150.0  # seconds between price lines in a turn
    sale_price_every: float = 100.0  # during a sale: the price at least every 2 minutes
    countdown_every: float = 140.0
    cta_every: float = 70.0
    # between facts, with nothing due, the call to action is restated after this
    cta_reminder_every: float = 30.0
    first_price_after: float = 20.0  # seconds into a turn before the first price line
    first_cta_after: float = 40.0
    fact_gap: float = 180.0  # a fact returns in another wording after this
    min_fact_gap: float = 60.0  # ... or after this, when no fresher fact is left
    # ... or, as a last resort against dead air, after this (`livehost check` warns
    # about a product this thin)
    last_resort_gap: float = 12.0
    engage_every: float = 15.0  # seconds between words with the viewers


def is_sale_line(text: str) -> bool:
    """Whether a line only holds while a sale runs: sale placeholders or sale words."""
    # {zhe} (the Chinese discount) is a template value that scripts do not have
    return needs_sale(text) or "{zhe}" in text or bool(_SALE_WORDS.search(text))


class PitchSource:
    name = "pitch"

    def __init__(
        self, rng: random.Random, pacing: Pacing | None = None, room: Room | None = None
    ) -> None:
        self.rng = rng
        self.base_pacing = pacing or Pacing()
        self.pacing = self.base_pacing  # the room's, while it has a count
        self.room = room
        self._style: str | None = None  # the energy the room sets; None: the slot's, as ever
        self._turn: tuple | None = None
        self._turn_start = 0.0
        self._intro_due = False

    def next(self, moment: Moment) -> Line | None:
        room = self.room
        if room is None:
            return self._next(moment)
        room.observe(moment.now, moment.schedule.audience)
        self.pacing = room.pacing()
        slot = moment.on.segment.slot
        slot_style = slot.style if slot is not None else "friendly"  # a pin between slots
        self._style = room.style()  # None without a count: the slot's style, as ever
        line = self._next(moment)
        style = self._style
        if line is None or style is None or style == slot_style:
            return line
        # the room's energy, not the slot's: the pause after the line, and a cue
        return replace(
            line,
            pause_after=room.pause(line.pause_after, slot_style),
            cues=(*line.cues, style),
        )

    def _next(self, moment: Moment) -> Line | None:
        on = moment.on
        product = on.product
        if on.display != "show" or product is None:
            self._turn = None
            return None
        # a pinned product's turn lasts as long as the pin, whatever the schedule does below
        segment = None if on.controls.pinned else on.segment.key
        turn = (segment, product.id, on.controls.skip, on.controls.pinned)
        if turn != self._turn:
            self._turn, self._turn_start, self._intro_due = turn, moment.now, True
            last = moment.memory.last_product
            if last is not None and last != product.id:  # never "next up" to what is on
                line = self._transition(moment, product)
                if line:
                    return line
        if self._intro_due:
            self._intro_due = False
            line = self._intro(moment, product)
            if line:
                return line
        p = self.pacing
        return (
            self._recap(moment, product)
            or self._due(moment, product)
            or self._fact(moment, product, (p.fact_gap, p.min_fact_gap))
            or self._filler(moment, product)
            or self._fact(moment, product, (p.last_resort_gap,))
        )

    # --- the kinds with their own cadence ---

    def _due(self, m: Moment, product: Product) -> Line | None:
        p = self.pacing
        in_turn = m.now - self._turn_start
        on_sale = product.on_sale(m.local)
        price_age = m.memory.kind_age(m.now, product.id, "price")
        every = p.sale_price_every if on_sale else p.price_every
        # the first price of a turn waits for the intro and a fact or two, unless one is due
        first_wait = p.first_price_after if price_age > every + p.first_price_after else 0.0
        if in_turn >= first_wait and price_age >= every:
            line = self._price(m, product, on_sale)
            if line:
                return line
        countdown_age = m.memory.kind_age(m.now, product.id, "countdown")
        if on_sale and in_turn >= p.first_price_after * 2 and countdown_age >= p.countdown_every:
            line = self._countdown(m, product)
            if line:
                return line
        if in_turn >= p.first_cta_after and m.memory.kind_age(m.now, product.id, "cta") >= (
            p.cta_every
        ):
            return self._cta(m, product)
        return None

    def _filler(self, m: Moment, product: Product) -> Line | None:
        """No fact is due: talk with the viewers, or restate the price or the call to
        action early."""
        # a word with the viewers now and then, not a run of them
        if m.memory.kind_age(m.now, product.id, "engage") >= self.pacing.engage_every:
            text = m.writer.pick(m.lang.ENGAGE, key="engage", **self._values(m, product))
            if text:
                return Line(text, "engage", product.id, cadence="engage")
        on_sale = product.on_sale(m.local)
        if m.memory.kind_age(m.now, product.id, "price") >= 40:
            line = self._price(m, product, on_sale, reminder=True)
            if line:
                return line
        if m.memory.kind_age(m.now, product.id, "cta") >= self.pacing.cta_reminder_every:
            return self._cta(m, product)
        return None

    def _recap(self, m: Moment, product: Product) -> Line | None:
        """Many just came in: the product in a nutshell (name, first feature, the price
        now), once the turn's intro and a fact are out."""
        room = self.room
        if room is None or m.now - self._turn_start < self.pacing.first_price_after:
            return None
        if not room.wants_recap(m.now):
            return None
        values = script_values(m, product)  # {price}: what the viewer pays now
        values["f"] = m.lang.feature_text(product.features[0])
        text = m.writer.pick(m.lang.RECAP, key="recap", **values)
        if text is None:
            return None
        room.recapped(m.now)
        # it says the price: the price cadence starts over
        return Line(text, "recap", product.id, cadence="price", cues=("present",))

    # --- wordings ---

    @staticmethod
    def _fitting(lines: list[str], on_sale: bool) -> list[str]:
        """Approved lines that are true now: none that talks of a sale when none runs."""
        return lines if on_sale else [s for s in lines if not is_sale_line(s)]

    def _values(self, m: Moment, product: Product) -> dict[str, object]:
        return m.writer.product_values(product)

    def _pick(
        self, m: Moment, key: str, templates: list[str], scripted: list[str], product: Product
    ) -> tuple[str, bool] | None:
        """A fresh wording from the templates and approved lines; (text, is_script).
        Approved lines get at least half the chances: a person wrote them for this product."""
        values = script_values(m, product)
        fresh = [t for t in (s.format(**values) for s in scripted) if not m.memory.was_said(t)]
        share = len(fresh) / (len(fresh) + len(templates)) if fresh else 0.0
        if fresh and self.rng.random() < max(share, 0.5):
            return self.rng.choice(fresh), True
        text = m.writer.pick(templates, key=key, **self._values(m, product))
        if text is not None:
            return text, False
        return (self.rng.choice(fresh), True) if fresh else None

    def _transition(self, m: Moment, product: Product) -> Line | None:
        text = m.writer.pick(m.lang.TRANSITION, key="transition", **self._values(m, product))
        return Line(text, "transition", product.id, pause_after=0.8) if text else None

    def _intro(self, m: Moment, product: Product) -> Line | None:
        lang = m.lang
        description = lang.sentence(product.description) if product.description else ""
        escaped = description.replace("{", "{{").replace("}", "}}")
        templates = [t + (lang.JOIN + escaped if escaped else "") for t in lang.INTRO]
        scripted = self._fitting(m.approved(product).get("intro", []), product.on_sale(m.local))
        picked = self._pick(m, "intro", templates, scripted, product)
        if picked is None:
            return None
        return Line(picked[0], "intro", product.id, fact=("intro",), scripted=picked[1])

    def _price(
        self, m: Moment, product: Product, on_sale: bool, reminder: bool = False
    ) -> Line | None:
        lang = m.lang
        lines = m.approved(product).get("price", [])
        # a sale line only while the sale runs; a plain price line only when none does
        scripted = [s for s in lines if is_sale_line(s) == on_sale]
        if reminder:
            templates = [t for t in lang.PRICE_REMINDER if is_sale_line(t) == on_sale]
        else:
            templates = lang.SALE if on_sale else lang.PRICE
        picked = self._pick(m, "price", templates, scripted, product)
        if picked is None:
            return None
        kind = "sale" if on_sale else "price"
        return Line(picked[0], kind, product.id, cadence="price", scripted=picked[1])

    def _countdown(self, m: Moment, product: Product) -> Line | None:
        sale = product.sale
        if sale is None:
            return None
        seconds = (sale.ends - m.local).total_seconds()
        text = m.writer.pick(
            m.lang.COUNTDOWN, key="countdown", countdown=m.lang.countdown_words(seconds)
        )
        return Line(text, "countdown", product.id, cadence="countdown") if text else None

    def _cta(self, m: Moment, product: Product) -> Line | None:
        """The shop's own call to action first, then approved ones, then the templates."""
        values = self._values(m, product)
        on_sale = product.on_sale(m.local)
        own = m.lang.sentence(product.call_to_action) if product.call_to_action else None
        if own and not m.memory.was_said(own) and (on_sale or not is_sale_line(own)):
            return Line(own, "cta", product.id, cadence="cta")
        scripted = self._fitting(m.approved(product).get("cta", []), on_sale)
        filled = (s.format(**script_values(m, product)) for s in scripted)
        fresh = [t for t in filled if not m.memory.was_said(t)]
        if fresh:
            return Line(self.rng.choice(fresh), "cta", product.id, cadence="cta", scripted=True)
        templates = m.lang.CALL_TO_ACTION
        if self._style == "energetic":  # a packed room: livelier words, and more of them
            templates = [*templates, *m.lang.CALL_TO_ACTION_ENERGETIC]
        text = m.writer.pick(templates, key="cta", **values)
        return Line(text, "cta", product.id, cadence="cta") if text else None

    # --- facts ---

    def _facts(self, m: Moment, product: Product) -> dict[tuple, list[tuple[str, str]]]:
        """Every fact of the product with its approved wordings, (kind, text) each.

        An approved line that says what a feature says is another wording of that feature
        (so the fact cadence holds across templates and scripts); any other approved line
        (a story, a comparison) is a fact of its own.
        """
        facts: dict[tuple, list[tuple[str, str]]] = {
            ("feature", i): [] for i in range(len(product.features))
        }
        facts.update({("faq", i): [] for i in range(len(product.faq))})
        approved = m.approved(product)
        on_sale = product.on_sale(m.local)
        for kind in SCRIPT_FACT_KINDS:
            for text in self._fitting(approved.get(kind, []), on_sale):
                index = _feature_of(text, product)
                key = ("feature", index) if index is not None else ("script", kind, text)
                facts.setdefault(key, []).append((kind, text))
        return facts

    def _tell(
        self, m: Moment, product: Product, fact: tuple, scripted: list[tuple[str, str]]
    ) -> Line | None:
        """The fact in a wording not said lately (an approved one first), or None."""
        values = script_values(m, product)
        fresh = [(k, t.format(**values)) for k, t in scripted]
        fresh = [(k, t) for k, t in fresh if not m.memory.was_said(t)]
        if fresh:
            kind, text = self.rng.choice(fresh)
            return Line(text, kind, product.id, fact=fact, scripted=True)
        writer = m.writer
        if fact[0] == "faq":
            text = writer.faq(product, fact[1])
            return Line(text, "faq", product.id, fact=fact) if text else None
        if fact[0] != "feature":
            return None
        # a feature is told as a feature or, in other words, as what it means for you
        kinds = ["feature", "benefit"]
        self.rng.shuffle(kinds)
        for kind in kinds:
            text = (writer.feature if kind == "feature" else writer.benefit)(product, fact[1])
            if text:
                return Line(text, kind, product.id, fact=fact)
        return None

    def _fact(self, m: Moment, product: Product, gaps: tuple[float, ...]) -> Line | None:
        facts = self._facts(m, product)
        keys = list(facts)
        self.rng.shuffle(keys)  # equal ages (never told) come in a random order
        ages = {key: m.memory.fact_age(m.now, product.id, key) for key in keys}
        keys.sort(key=lambda key: -ages[key])
        for gap in gaps:
            for key in keys:
                if ages[key] >= gap:
                    line = self._tell(m, product, key, facts[key])
                    if line:
                        return line
        return None


_WORD = re.compile(r"[a-z]{4,}|\d+(?:[.,]\d+)?")


def _words(text: str) -> set[str]:
    """Content words and numbers (Latin); overlapping character pairs (Chinese)."""
    lowered = text.lower()
    words = set(_WORD.findall(lowered))
    han = [c for c in lowered if "\u4e00" <= c <= "\u9fff"]
    words.update(a + b for a, b in itertools.pairwise(han))
    return words


def _feature_of(text: str, product: Product) -> int | None:
    """The feature an approved line re-words: the one sharing the most words (at least
    two, or one number), else None."""
    line = _words(text)
    best, best_score = None, 1
    for index, feature in enumerate(product.features):
        shared = line & _words(feature)
        score = len(shared) + sum(1 for w in shared if w[0].isdigit())
        if score > best_score:
            best, best_score = index, score
    return best
