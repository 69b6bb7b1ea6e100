"""What the host says, written from a product's facts (English; Chinese in talk_zh.py).

Each kind of line has many wordings. The director asks for a line of a kind and gets a
wording that was not spoken recently, so a ten-minute rotation never repeats a sentence
word for word; when every wording was used, it gets None and the host pauses instead.

A language is a module with the same names: the wording lists (OPENING ... IDLE),
FEATURE, and sentence(), feature_text() and countdown_words(). `phrases(language)` picks
it by the schedule's store.language.
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from types import ModuleType

from livehost.schedule.currencies import format_price
from livehost.schedule.model import Product, Schedule
from livehost.show import talk_zh
from livehost.show.countdown import countdown_parts
from livehost.speech.sentences import split_sentences

LANGUAGE = "en"

OPENING = [
    "Hi, and welcome to {store}! I'm your host for today, and I'm AI-generated: "
    "a virtual presenter, not a real person.",
    "Hello everyone, welcome to the {store} live show! Quick heads-up: I'm an "
    "AI-generated host, a digital presenter made by the shop.",
]
NOTICE = [
    "Just so you know, I'm an AI-generated host, not a real person.",
    "A quick reminder: the host you are watching is AI-generated.",
    "Friendly note: I'm a virtual host created with AI by {store}.",
    "In case you just joined: I'm an AI presenter, and this show is produced automatically.",
]
TRANSITION = [
    "Next up, the {name}.",
    "Let's move on to the {name}.",
    "Now for something different: the {name}.",
    "Time to look at the {name}.",
    "Say hello to the {name}.",
    "Okay, let's talk about the {name}.",
    "Here comes one of my favourites, the {name}.",
    "Let's switch over to the {name}.",
]
INTRO = [
    "Let me show you the {name}.",
    "This is the {name}.",
    "Here we have the {name}.",
    "Meet the {name}.",
    "Take a good look at the {name}.",
    "So, the {name}.",
]
FEATURE = "{lead}: {f}."  # a lead-in, then the feature as a clause
FEATURE_LEADS = [
    "Look at this",
    "Here's what stands out",
    "My favourite part",
    "And here's the thing",
    "Customers love this",
    "Quick detail for you",
    "Don't miss this one",
    "This one matters",
    "Check this out",
    "Worth knowing",
    "Here's a good one",
    "One more reason to love it",
]
PRICE = [
    "The {name} is {price}.",
    "All of that for {price}.",
    "You can take it home for {price}.",
    "It's {price}, and that's a fair deal.",
    "Price check: {price}.",
    "{price} gets you the {name}.",
    "And the price? Just {price}.",
]
SALE = [
    "Right now the {name} is {sale} instead of {price}.",
    "Sale price today: {sale}, down from {price}.",
    "You save {saving}: it's {sale} instead of {price}.",
    "That's {percent} percent off, only {sale}.",
    "Normally {price}, today just {sale}.",
    "Great timing: the {name} is on sale for {sale}.",
]
CARD_COUNTDOWN = "Sale ends in {countdown}"  # on the product card
OFF_AIR = "We're off air right now. See you soon!"  # on the slate
JOIN = " "  # between two sentences of one line
COUNTDOWN = [
    "The sale ends in {countdown}.",
    "Only {countdown} left at this price.",
    "This price is gone in {countdown}, so don't wait.",
    "Heads-up: {countdown} to go on this deal.",
]
CALL_TO_ACTION = [
    "Tap the cart to grab yours.",
    "Add it to your cart before you forget.",
    "Follow the shop so you don't miss the next deal.",
    "Questions? Drop them in the chat.",
    "Hit follow for more deals like this.",
    "The link is right there in the cart.",
    "If you like it, tap the cart now.",
]
FAQ_LEADS = [
    "A question we get a lot: {q} {a}",
    "People often ask, {q} {a}",
    "You might be wondering, {q} {a}",
    "Good question from many of you: {q} {a}",
]
IDLE = [
    "{message}",
    "Thanks for stopping by {store}.",
    "While you wait, have a look at the {name}.",
    "Follow the shop to hear when the next show starts.",
    "Feel free to look around; the next show starts soon.",
    "Good to see you here at {store}.",
    "Stay a moment: the {name} is one of our favourites.",
]


def phrases(language: str) -> ModuleType:
    """The wordings for a store language (the schedule only admits the ones here)."""
    return {"en": sys.modules[__name__], "zh": talk_zh}[language]


def sentences(text: str) -> list[str]:
    """Split a line into sentences, as the voice and the repeat check see them."""
    return [text[start:end] for start, end in split_sentences(text)]


def sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."


def lower_first(text: str) -> str:
    """'Boils fast' -> 'boils fast', 'A solid block' -> 'a solid block', but keep
    'PFAS-free', 'iPhone' and 'I' as written."""
    first = text.split(" ", 1)[0]
    if first == "A" or (len(first) > 1 and first[0].isupper() and first[1:].islower()):
        return text[0].lower() + text[1:]
    return text


def question(text: str) -> str:
    """A question from the schedule, ending as one."""
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "?"


def feature_text(feature: str) -> str:
    return lower_first(feature.rstrip("."))


def countdown_words(seconds: float) -> str:
    days, hours, mins = countdown_parts(seconds)
    if days >= 2:
        return f"{days} days"
    if days == 1:
        return f"1 day and {hours} hours" if hours else "1 day"
    if hours:
        mins_part = f" and {mins} minutes" if mins else ""
        return f"{hours} hour{'s' if hours != 1 else ''}{mins_part}"
    if mins >= 1:
        return f"{mins} minute{'s' if mins != 1 else ''}"
    return "less than a minute"


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
