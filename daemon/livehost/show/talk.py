"""What the host says, written from a product's facts.

Each kind of line has many wordings. The director asks for a line of a kind and gets a
wording that was not spoken recently, so a ten-minute rotation never repeats a sentence
word for word; when every wording was used, it gets None. A `LeadMemory` kept across lines
also stops one lead-in ("Look at this: ...") from opening two lines in a row.

A language is a module with the same names (talk_en.py, talk_zh.py): the wording lists
(OPENING ... IDLE, BENEFIT_LEADS, PRICE_REMINDER, NEXT_UP, STORE_LINES, IDLE_PRODUCT),
FEATURE, CARD_COUNTDOWN, OFF_AIR, JOIN, and sentence(), question(), feature_text(),
countdown_words() and when_words(). `phrases(language)` picks it by store.language.
"""

from __future__ import annotations

import random
from collections import deque
from decimal import Decimal
from types import ModuleType

from livehost.schedule.currencies import format_price
from livehost.schedule.model import Product, Schedule
from livehost.show import talk_en, talk_zh
from livehost.speech.sentences import split_sentences

LANGUAGES = {talk_en.LANGUAGE: talk_en, talk_zh.LANGUAGE: talk_zh}


def phrases(language: str) -> ModuleType:
    """The wordings for a store language (the schedule only admits these)."""
    return LANGUAGES[language]


def sentences(text: str) -> list[str]:
    """Split a line into sentences, as the voice and the repeat check see them."""
    return [text[start:end] for start, end in split_sentences(text)]


class LeadMemory:
    """The templates used last, per list key ("feature", "price", ...).

    The last one is never chosen again while another fresh one exists; the few before it
    are avoided too when the list allows, so a lead-in does not come back a line later.
    """

    def __init__(self, depth: int = 4) -> None:
        self.depth = depth
        self._used: dict[str, deque[str]] = {}

    def last(self, key: str) -> str | None:
        used = self._used.get(key)
        return used[-1] if used else None

    def choose(self, key: str, templates: list[str], rng: random.Random) -> str:
        """One of `templates` (not empty), avoiding the ones used last under `key`."""
        used = list(self._used.get(key, ()))
        for avoid in range(min(len(used), self.depth), 0, -1):
            recent = set(used[-avoid:])
            left = [t for t in templates if t not in recent]
            if left:
                return rng.choice(left)
        return rng.choice(templates)

    def remember(self, key: str, template: str) -> None:
        self._used.setdefault(key, deque(maxlen=self.depth)).append(template)


class Writer:
    """Turns product facts into lines; no line repeats a sentence in `recent`."""

    def __init__(
        self,
        schedule: Schedule,
        recent: set[str],
        rng: random.Random,
        memory: LeadMemory | None = None,
    ) -> None:
        self.schedule = schedule
        self.recent = recent
        self.rng = rng
        self.memory = memory if memory is not None else LeadMemory()
        self.lang = phrases(schedule.store.language)

    def pick(self, templates: list[str], key: str | None = None, **values: object) -> str | None:
        """A wording not said recently, filled in; None if all of them were.

        With a `key`, the template is remembered under it and not chosen next time for the
        same key while another fresh one exists."""
        filled = {t: t.format(**values) for t in templates}
        fresh = [t for t, text in filled.items() if not self._said_lately(text)]
        if not fresh:
            return None
        if key is None:
            return filled[self.rng.choice(fresh)]
        template = self.memory.choose(key, fresh, self.rng)
        self.memory.remember(key, template)
        return filled[template]

    def _said_lately(self, text: str) -> bool:
        return any(s in self.recent for s in sentences(text))

    def product_values(self, product: Product) -> dict[str, object]:
        currency = self.schedule.currency_of(product)
        values: dict[str, object] = {
            "name": product.spoken_name or product.name,  # the card keeps product.name
            "store": self.schedule.store.name,
            "price": format_price(product.price, currency),
        }
        if product.sale is not None:
            saving = product.price - product.sale.price
            values["sale"] = format_price(product.sale.price, currency)
            values["saving"] = format_price(saving, currency)
            values["percent"] = int((saving / product.price * Decimal(100)).to_integral_value())
            # the Chinese way to say a discount: 25% off is 打7.5折 (pay 7.5 tenths)
            tenths = f"{product.sale.price / product.price * 10:.1f}"
            values["zhe"] = tenths.rstrip("0").rstrip(".")
        return values

    def feature(self, product: Product, index: int) -> str | None:
        """Feature `index` after a lead-in ("Look at this: ...")."""
        lang = self.lang
        templates = [lang.FEATURE.format(lead=lead, f="{f}") for lead in lang.FEATURE_LEADS]
        return self.pick(templates, "feature", f=lang.feature_text(product.features[index]))

    def benefit(self, product: Product, index: int) -> str | None:
        """Feature `index` told as what it means for the viewer ("Which means for you: ...")."""
        lang = self.lang
        feature = lang.feature_text(product.features[index])
        return self.pick(lang.BENEFIT_LEADS, "benefit", f=feature)

    def faq(self, product: Product, index: int) -> str | None:
        lang = self.lang
        item = product.faq[index]
        return self.pick(
            lang.FAQ_LEADS, "faq", q=lang.question(item.question), a=lang.sentence(item.answer)
        )
