"""What the host says, written from a product's facts.

Each kind of line has many wordings. The director asks for a line of a kind and gets a
wording that was not spoken recently, so a ten-minute rotation never repeats a sentence
word for word; when every wording was used, it gets None and the host pauses instead.

A language is a module with the same names (talk_en.py, talk_zh.py): the wording lists
(OPENING ... IDLE), FEATURE, CARD_COUNTDOWN, OFF_AIR, JOIN, and sentence(), question(),
feature_text() and countdown_words(). `phrases(language)` picks it by store.language.
"""

from __future__ import annotations

import random
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


class Writer:
    """Turns product facts into lines; no line repeats a sentence in `recent`."""

    def __init__(self, schedule: Schedule, recent: set[str], rng: random.Random) -> None:
        self.schedule = schedule
        self.recent = recent
        self.rng = rng
        self.lang = phrases(schedule.store.language)

    def pick(self, templates: list[str], **values: object) -> str | None:
        """A wording not said recently, filled in; None if all of them were."""
        options = [t.format(**values) for t in templates]
        fresh = [o for o in options if not any(s in self.recent for s in sentences(o))]
        return self.rng.choice(fresh) if fresh else None

    def product_values(self, product: Product) -> dict[str, object]:
        currency = self.schedule.currency_of(product)
        values: dict[str, object] = {
            "name": product.name,
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

    def features(self, product: Product) -> list[str | None]:
        lines = []
        lang = self.lang
        templates = [lang.FEATURE.format(lead=lead, f="{f}") for lead in lang.FEATURE_LEADS]
        for feature in product.features:
            lines.append(self.pick(templates, f=lang.feature_text(feature)))
        return lines

    def faqs(self, product: Product) -> list[str | None]:
        lang = self.lang
        return [
            self.pick(lang.FAQ_LEADS, q=lang.question(f.question), a=lang.sentence(f.answer))
            for f in product.faq
        ]
