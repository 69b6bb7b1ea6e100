"""The claim check: a script line may only say what the product's facts say.

Every number, measure, percentage, date, brand-like name, superlative and health, safety,
legal or offer claim in a line must be found in the product's facts (name, description,
features, FAQ, call to action, and the store's name). Prices are never written out: the
schedule fills {price} and {sale}, so any amount of money in a line fails.

Each rule is one row of the tables below: what it looks for, and the reason shown to the
person reviewing the line. `check_line` returns the reasons; an empty list passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from livehost.schedule.model import Product, Schedule
from livehost.scripts.facts import claim_sources
from livehost.scripts.placeholders import allowed_list, unknown_placeholders, without_placeholders
from livehost.scripts.quantities import Quantity, find_quantities

_CJK = re.compile(r"[\u3400-\u9fff]")


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[-_/]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class FactsIndex:
    """The facts of one product, prepared for looking claims up."""

    text: str  # every source, normalised, one per line
    values: frozenset[Decimal]  # every number the facts state
    measures: frozenset[tuple[Decimal, str]]  # (value, unit) pairs: (1.5, "l")
    words: frozenset[str]  # lowercase words, for names

    def says(self, phrase: str) -> bool:
        phrase = _norm(phrase)
        if not phrase:
            return True
        if _CJK.search(phrase):
            return phrase in self.text
        pattern = rf"(?<!\w){re.escape(phrase)}(?!\w)"
        return re.search(pattern, self.text, re.ASCII) is not None

    def mentions(self, pattern: str) -> bool:
        return re.search(pattern, self.text) is not None


@lru_cache(maxsize=256)
def _index(sources: tuple[str, ...]) -> FactsIndex:
    values: set[Decimal] = set()
    measures: set[tuple[Decimal, str]] = set()
    for source in sources:
        for quantity in find_quantities(source):
            values.add(quantity.value.normalize())
            if quantity.unit:
                measures.add((quantity.value.normalize(), quantity.unit))
    text = "\n".join(_norm(s) for s in sources)
    words = frozenset(w.lower() for s in sources for w in re.findall(r"[A-Za-z][\w']*", s))
    words |= {w.removesuffix("'s") for w in words}
    return FactsIndex(text, frozenset(values), frozenset(measures), words)


def facts_index(product: Product, schedule: Schedule | None) -> FactsIndex:
    store = schedule.store.name if schedule is not None else None
    return _index(tuple(claim_sources(product, store)))


# --- phrase rules ---------------------------------------------------------------------------

Presence = Callable[[str, FactsIndex], bool]


@dataclass(frozen=True)
class Rule:
    """Text the rule finds, and why a line cannot say it when the facts do not."""

    pattern: re.Pattern[str]
    reason: str  # after "'<what the line says>': "
    # whether the facts back the match; by default the same words must be in them
    backed: Presence = lambda found, facts: facts.says(found)


def _key(pattern: str) -> Presence:
    """Backed when the facts mention `pattern` at all (a warranty's length is checked as a
    number of its own)."""
    return lambda found, facts: facts.mentions(pattern)


def _zh_prefix(found: str, facts: FactsIndex) -> bool:
    return facts.says(found[:2])


def _en(pattern: str) -> re.Pattern[str]:
    # ASCII: Python counts CJK as word characters, so \b would miss "了FDA认证"
    return re.compile(pattern, re.IGNORECASE | re.ASCII)


_NUM_WORDS = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen)"
_MONTHS = "january|february|april|june|july|august|september|october|november|december"  # not may
_MONTH_ABBR = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)\.?"

SUPERLATIVE = "a superlative that is not in the product's facts"
WARRANTY = "a warranty is not in the product's facts"
GUARANTEE = "a guarantee is not in the product's facts"
HEALTH = "a health or safety claim that is not in the product's facts"
LEGAL = "a certification or legal claim that is not in the product's facts"
OFFER = "a promise about the offer that is not in the product's facts"
POPULAR = "a claim about sales, ratings or awards that is not in the product's facts"
DATE = "dates and times come from the schedule, not from a script line"

RULES: tuple[Rule, ...] = (
    # superlatives and rankings
    Rule(_en(r"#\s?1\b|\bno\.\s?1\b|\bnumber\s+one\b"), SUPERLATIVE),
    Rule(
        _en(
            r"\b(?:best[\s-]?sell\w*|best|cheapest|lowest(?:[\s-]priced?)?|finest|greatest|"
            r"fastest|quietest|strongest|sharpest|safest|healthiest|smartest|biggest|highest|"
            r"top[\s-]rated|top[\s-]quality|world'?s|world[\s-]class|in\s+the\s+world|"
            r"on\s+the\s+market|unbeatable|unmatched|unrivall?ed|unparall?eled|incomparable|"
            r"ever\s+made|of\s+all\s+time|the\s+only|the\s+(?:most|least)\s+\w+)\b"
        ),
        SUPERLATIVE,
    ),
    Rule(re.compile(r"最[\u4e00-\u9fff]{1,2}"), SUPERLATIVE, _zh_prefix),
    Rule(
        re.compile(r"第一|唯一|顶级|全网|史上|全球|世界级|无敌|绝对|首选|冠军|极致|王牌"),
        SUPERLATIVE,
    ),
    # warranties and guarantees: the words must be in the facts; a length is a number
    Rule(
        _en(
            rf"(?:\b{_NUM_WORDS}[\s-]+(?:years?|months?)[\s-]+|\blife[\s-]?(?:time|long)\s+)?"
            r"\bwarrant(?:y|ies|ied)\b"
        ),
        WARRANTY,
        _key(r"warrant"),
    ),
    Rule(_en(r"\b(?:money[\s-]back\s+)?guarantee[sd]?\b"), GUARANTEE, _key(r"guarantee")),
    Rule(re.compile(r"保修|质保|保证|包退|包换|退换|终身"), WARRANTY),
    # health and safety
    Rule(_en(r"\bbpa[\s-]?free\b|\bbpa\b"), HEALTH, _key(r"\bbpa\b")),
    Rule(_en(r"\bpfas[\s-]?free\b|\bpfas\b"), HEALTH, _key(r"\bpfas\b")),
    Rule(_en(r"\bpfoa[\s-]?free\b|\bpfoa\b"), HEALTH, _key(r"\bpfoa\b")),
    Rule(_en(r"\bnon[\s-]?toxic\b|\btoxi(?:c|ns?)\b|\b(?:toxin|chemical|lead)[\s-]free\b"), HEALTH),
    Rule(_en(r"\bsafe(?:ly)?\s+(?:for|to|around|with)\s+\w+"), HEALTH),
    Rule(_en(r"\b\w+[\s-]safe\b|\bsafety\b|\bsafer\b"), HEALTH),
    Rule(
        _en(
            r"\b(?:cures?|cured|curing|heals?|healing|remed(?:y|ies)|therap\w+|medic\w+|"
            r"doctors?|dermatolog\w+|immun\w+|detox\w*|anti[\s-]?bacterial|antimicrobial|"
            r"hypoallergenic|germs?|bacteria|health(?:y|ier|iest)?|allerg\w+)\b"
        ),
        HEALTH,
    ),
    Rule(
        re.compile(
            r"治疗|治愈|疗效|药用|医用|医疗|抗菌|杀菌|无毒|有毒|安全|健康|养生|排毒|食品级|无害|双酚"
        ),
        HEALTH,
    ),
    # certifications and legal words
    Rule(
        _en(
            r"\b(?:certified|certificates?|certification|fda|ce[\s-]marked|ul[\s-]listed|"
            r"iso\s?\d+|approved\s+by|patent(?:ed)?|trademark(?:ed)?|licensed|compliant|"
            r"eco[\s-]?friendly|sustainabl[ey]|organic|recyclable|biodegradable|"
            r"clinically|clinical|proven|scientifically|lab[\s-]tested)\b"
        ),
        LEGAL,
    ),
    Rule(re.compile(r"认证|专利|官方|授权|检测|环保|有机|国标"), LEGAL),
    # promises about the offer
    Rule(
        _en(
            r"\bfree\s+(?:shipping|delivery|returns?|gifts?|samples?|postage)\b|"
            r"\bmoney[\s-]back\b|\brefunds?\b|\breturns?\s+policy\b|\bin\s+stock\b|"
            r"\bsold\s+out\b|\bselling\s+(?:out|fast)\b|\blimited\s+(?:stock|edition|supply)\b|"
            r"\bonly\s+\w+\s+left\b|\blast\s+(?:few|units?)\b|\bnext[\s-]day\b"
        ),
        OFFER,
    ),
    Rule(re.compile(r"包邮|免运费|免费送|赠品|送礼|现货|库存|限量|抢光|售罄|仅剩"), OFFER),
    # sales, reviews, awards
    Rule(
        _en(
            r"\b(?:reviews?|reviewed|rated|ratings?|award[\s-]?winning|awards?|popular|"
            r"customers\s+(?:love|say|rave)|everyone\s+(?:loves|is\s+buying)|"
            r"thousands\s+of|millions\s+of|trending|viral)\b"
        ),
        POPULAR,
    ),
    Rule(re.compile(r"好评|销量|爆款|热销|网红|获奖|口碑|回头客"), POPULAR),
    # dates and times: the schedule says when a sale ends
    Rule(_en(r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"), DATE),
    Rule(
        _en(
            rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?)?(?:{_MONTHS})"
            rf"(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?\b|"
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:march|{_MONTH_ABBR})(?!\w)|"
            rf"\b(?:march|{_MONTH_ABBR})\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
        ),
        DATE,
    ),
    Rule(_en(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b"), DATE),
    Rule(
        _en(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.)|\bmidnight\b|\bnoon\b|o'clock"),
        DATE,
    ),
    Rule(
        re.compile(
            r"\d{1,2}月\d{1,2}[日号]?|[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{0,3}[日号]?|"
            r"(?:星期|礼拜|周)[一二三四五六日天]|\d{1,2}[点:：]\d{0,2}分?|"
            r"(?:早上|上午|中午|下午|晚上|今晚|凌晨)[一二三四五六七八九十]{1,3}点[半钟]?"
        ),
        DATE,
    ),
)

# --- numbers ------------------------------------------------------------------------------

PRICE = "prices come from the schedule: write {price} or {sale}"
PERCENT = "this percentage is not in the product's facts (a sale's discount is {percent})"
MEASURE = "this measure is not in the product's facts"
NUMBER = "this number is not in the product's facts"
NAME = "a name that is not in the product's facts"

_ALWAYS_FINE_NAMES = frozenset({"i", "i'm", "i've", "i'll", "i'd", "ai", "ok"})
_SENTENCE_END = '.!?:;…"“”(—–-。！？：；「」'
_NAMEISH = re.compile(r"\b[A-Z][\w'’]*|\b[a-z]+[A-Z][\w'’]*", re.ASCII)


def _number_reason(quantity: Quantity, product: Product, facts: FactsIndex) -> str | None:
    value = quantity.value.normalize()
    if quantity.currency or quantity.unit == "折":
        return PRICE
    if quantity.unit == "%":
        return None if (value, "%") in facts.measures else PERCENT
    if quantity.unit is not None:
        return None if (value, quantity.unit) in facts.measures else MEASURE
    prices = {product.price.normalize()}
    if product.sale is not None:
        prices.add(product.sale.price.normalize())
    if value in prices or quantity.decimals == 2:
        return PRICE  # a price written out without its currency
    return None if value in facts.values else NUMBER


def _names(text: str, facts: FactsIndex) -> Iterable[tuple[int, int, str]]:
    for match in _NAMEISH.finditer(text):
        word = match.group(0).rstrip("'’-")
        bare = word.lower().replace("’", "'").removesuffix("'s")
        if bare in _ALWAYS_FINE_NAMES or bare in facts.words:
            continue
        shouting = len(word) > 1 and word.isupper()
        before = text[: match.start()].rstrip()
        starts_sentence = not before or before[-1] in _SENTENCE_END
        if starts_sentence and not shouting:
            continue  # "Boils ..." at the start of a sentence is just English
        yield match.start(), match.start() + len(word), word


def check_line(text: str, product: Product, schedule: Schedule | None) -> list[str]:
    """Why `text` cannot be approved for `product`; an empty list when it passes."""
    reasons: list[str] = []
    unknown = unknown_placeholders(text)
    for name in unknown:
        reasons.append(f"'{name}' is not a placeholder; use {allowed_list()}")
    facts = facts_index(product, schedule)
    body = without_placeholders(text)  # filled from the schedule: nothing to check there
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for rule in RULES:
        for match in rule.pattern.finditer(body):
            found = match.group(0).strip()
            if not found or not free(match.start(), match.end()):
                continue
            if rule.backed(found, facts):
                continue
            taken.append((match.start(), match.end()))
            reasons.append(f"'{found}': {rule.reason}")
    for quantity in find_quantities(body):
        if not free(quantity.start, quantity.end):
            continue
        reason = _number_reason(quantity, product, facts)
        taken.append((quantity.start, quantity.end))  # "1.5 L": the L is a unit, not a name
        if reason is not None:
            reasons.append(f"'{body[quantity.start : quantity.end].strip()}': {reason}")
    for start, end, word in _names(body, facts):
        if free(start, end):
            reasons.append(f"'{word}': {NAME}")
    return _unique(reasons)


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in items if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]
