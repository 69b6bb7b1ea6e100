"""How much a product gives the host to say, so `livehost check` can warn before it airs.

Templates only re-word the same facts, so the number that matters is `fact_seconds`: how
long one round of the product's distinct facts takes to say. A turn much longer than that
sounds like the same few facts going round (or falls silent once every wording was said).
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean

from livehost.schedule.model import Product, Schedule
from livehost.show.talk import Writer, sentences
from livehost.speech.normalize import normalizer_for

# Characters a second of the normalised text (what the voice reads). en: the installed
# Piper voice en_US-joe-medium at length_scale 1.0 said 14 filled template lines of 28-124
# characters at 17.6 (15.7-22.4 a line, pauses between sentences included); zh: what the
# silent captions path assumes (speech/silent.py), as no Chinese voice is installable.
SPEECH_RATE = {"en": 17.5, "zh": 4.5}
# Warn when one round of facts is under this share of the longest turn: the rest of a turn
# is the price, the call to action, words with the viewers and facts in new wordings.
MATERIAL_SHARE = 1 / 3
STAND_IN_COUNTDOWN = 2 * 86400.0  # seconds: a sale's time left, for counting its wordings
# approved lines of these kinds re-word a fact the templates already tell; "idle" lines
# air between shows, not in the product's turn; every other kind is a fact of its own
REWORDING_KINDS = ("intro", "price", "cta")
OFF_TURN_KINDS = ("idle",)
SALE_PLACEHOLDERS = ("sale", "saving", "percent", "zhe")


@dataclass(frozen=True)
class Material:
    product_id: str
    lines: int  # lines it can say within the ten-minute window without repeating a sentence
    sentences: int  # the distinct sentences in those lines
    talk_seconds: float  # how long those lines take to say
    facts: int  # distinct facts: intro, features, FAQ, price, call to action, script lines
    fact_seconds: float  # how long one round of them takes, each fact said once

    def thin_for(self, turn_seconds: float) -> bool:
        """Whether a turn of `turn_seconds` would mostly re-word the same facts."""
        return self.fact_seconds < MATERIAL_SHARE * turn_seconds


def speaking_seconds(text: str, language: str) -> float:
    """About how long the voice takes to say `text` (as written, before normalising)."""
    return len(normalizer_for(language)(text)) / SPEECH_RATE[language]


def product_material(
    schedule: Schedule, product: Product, approved: dict[str, list[str]] | None = None
) -> Material:
    """What the host can say about `product`.

    `approved` holds the product's approved script lines by kind ("intro", "feature",
    "price", "cta", ...), with placeholders such as {name} and {price} as the director
    fills them."""
    writer = Writer(schedule, set(), random.Random(0))
    lang = writer.lang
    values = writer.product_values(product)
    on_sale = product.sale is not None
    # a price line with a sale placeholder airs only in a sale, one without only outside it
    raw = {
        kind: [t for t in lines if kind != "price" or _is_sale_line(t) == on_sale]
        for kind, lines in (approved or {}).items()
    }
    scripts = {kind: _filled(lines, values) for kind, lines in raw.items()}

    def script(*kinds: str) -> list[str]:
        return [line for kind in kinds for line in scripts.get(kind, [])]

    description = lang.JOIN + lang.sentence(product.description) if product.description else ""
    intro = [t.format(**values) + description for t in lang.INTRO] + script("intro")
    features = [
        [lang.FEATURE.format(lead=lead, f=lang.feature_text(f)) for lead in lang.FEATURE_LEADS]
        for f in product.features
    ]
    benefits = [
        [t.format(f=lang.feature_text(f)) for t in lang.BENEFIT_LEADS] for f in product.features
    ]
    faqs = [
        [
            t.format(q=lang.question(item.question), a=lang.sentence(item.answer))
            for t in lang.FAQ_LEADS
        ]
        for item in product.faq
    ]
    price = [t.format(**values) for t in (lang.SALE if on_sale else lang.PRICE)]
    reminders = [t.format(**values) for t in lang.PRICE_REMINDER if _is_sale_line(t) == on_sale]
    countdown = lang.countdown_words(STAND_IN_COUNTDOWN)
    countdowns = [t.format(countdown=countdown) for t in lang.COUNTDOWN] if on_sale else []
    price_scripts = script("price")
    own_cta = [lang.sentence(product.call_to_action)] if product.call_to_action else []
    cta = own_cta + [t.format(**values) for t in lang.CALL_TO_ACTION] + script("cta")
    fact_lines = [
        line
        for kind, lines in scripts.items()
        if kind not in REWORDING_KINDS + OFF_TURN_KINDS
        for line in lines
    ]

    language = lang.LANGUAGE
    said = _greedy_round(
        [
            *intro,
            *(line for group in features + benefits + faqs for line in group),
            *price,
            *reminders,
            *countdowns,
            *price_scripts,
            *cta,
            *fact_lines,
        ]
    )
    once = [intro, *features, *faqs, price + price_scripts, own_cta or cta]
    fact_seconds = sum(_mean_seconds(group, language) for group in once)
    fact_seconds += sum(speaking_seconds(line, language) for line in fact_lines)
    return Material(
        product_id=product.id,
        lines=len(said),
        sentences=sum(len(sentences(line)) for line in said),
        talk_seconds=sum(speaking_seconds(line, language) for line in said),
        facts=len(once) + len(fact_lines),
        fact_seconds=fact_seconds,
    )


def _greedy_round(candidates: Iterable[str]) -> list[str]:
    """The lines that can follow each other without a sentence said twice, taken in order
    (a line that repeats a sentence of an earlier one waits for the next window)."""
    used: set[str] = set()
    said = []
    for line in candidates:
        parts = sentences(line)
        if any(p in used for p in parts):
            continue
        used.update(parts)
        said.append(line)
    return said


def _mean_seconds(lines: list[str], language: str) -> float:
    return fmean(speaking_seconds(line, language) for line in lines) if lines else 0.0


def _is_sale_line(template: str) -> bool:
    return bool(_placeholders(template) & set(SALE_PLACEHOLDERS))


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _filled(lines: list[str], values: dict[str, object]) -> list[str]:
    """Approved lines as they would air; one needing a value the product lacks (a sale line
    for a product without a sale) never airs, so it is left out."""
    filled = []
    for line in lines:
        try:
            filled.append(line.format(**values))
        except (KeyError, IndexError, ValueError):
            continue
    return filled
