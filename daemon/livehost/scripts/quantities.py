"""Numbers in English and Chinese text, with the unit or currency written next to them.

"a litre and a half", "1.5 L" and "one and a half litres" all read as 1.5 l, so a line may
say a feature's number in other words than the schedule does. Bare "one" and 一 are not
numbers here ("this one", 一起): only with a unit after them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "twice": 2, "triple": 3,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_WORD = "|".join(sorted([*_SMALL, *_SCALES], key=len, reverse=True))
_WORDS = rf"(?:{_WORD})(?:(?:\s+|-)(?:and\s+)?(?:{_WORD}))*"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER = rf"(?:{_DIGITS}|\b{_WORDS}\b)"

# canonical unit -> how people write it (English, then Chinese)
UNITS: dict[str, tuple[str, ...]] = {
    "ml": ("ml", "millilitres", "millilitre", "milliliters", "milliliter", "毫升"),
    "l": ("l", "litres", "litre", "liters", "liter", "ltr", "升"),
    "w": ("w", "watts", "watt", "瓦"),
    "kw": ("kw", "kilowatts", "kilowatt", "千瓦"),
    "v": ("v", "volts", "volt", "伏"),
    "mm": ("mm", "millimetres", "millimetre", "millimeters", "millimeter", "毫米"),
    "cm": ("cm", "centimetres", "centimetre", "centimeters", "centimeter", "厘米", "公分"),
    "m": ("m", "metres", "metre", "meters", "meter", "米"),
    "inch": ("inches", "inch"),
    "kg": ("kg", "kilograms", "kilogram", "kilos", "kilo", "公斤", "千克"),
    "g": ("g", "grams", "gram", "克"),
    "lb": ("lbs", "lb"),
    "oz": ("oz", "ounces", "ounce"),
    "second": ("seconds", "second", "secs", "sec", "秒钟", "秒"),
    "minute": ("minutes", "minute", "mins", "min", "分钟"),
    "hour": ("hours", "hour", "hrs", "hr", "小时", "个小时", "钟头"),
    "day": ("days", "day", "天"),
    "week": ("weeks", "week", "周", "星期"),
    "month": ("months", "month", "个月"),
    "year": ("years", "year", "yrs", "yr", "年"),
    "degree": ("degrees celsius", "degrees fahrenheit", "degrees", "degree", "°c", "°f", "°", "度"),
    "piece": ("pieces", "piece", "pcs", "pc", "件", "把", "只", "个", "种", "档"),
    "db": ("decibels", "decibel", "db", "分贝"),
    "rpm": ("rpm",),
    "%": ("percent", "per cent", "%", "％"),
    "折": ("折",),
}
_LATIN_UNITS = sorted(
    ((w, u) for u, ws in UNITS.items() for w in ws if w.isascii()),
    key=lambda item: len(item[0]),
    reverse=True,
)
_UNIT_OF = {w: u for u, ws in UNITS.items() for w in ws}
_UNIT_LATIN = "|".join(re.escape(w) for w, _ in _LATIN_UNITS)
_UNIT_AFTER = re.compile(
    rf"\s?-?\s?(?:(?P<latin>{_UNIT_LATIN})(?![a-z])|(?P<other>°c|°f|°|%|％))", re.IGNORECASE
)
_ZH_UNIT_WORDS = sorted((w for w in _UNIT_OF if not w.isascii()), key=len, reverse=True)
_ZH_UNIT_AFTER = re.compile(r"\s?(?P<zh>" + "|".join(map(re.escape, _ZH_UNIT_WORDS)) + ")")

_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥₩₹]|\b(?:usd|eur|gbp|cny|rmb|us\$)\s?)\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    r"^\s?(?:(?:dollars?|bucks|euros?|cents?|pounds?|quid|yuan|rmb|usd|eur|cny)\b"
    r"|元|块钱|块|美元|欧元|英镑|美金|人民币|毛|角)",
    re.IGNORECASE,
)

_ZH_DIGIT = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_ZH_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?")
_ZH_NOT_NUMBERS = {"万一", "千万", "一一", "百万"}  # "in case", "by all means", ...

_COMPOSITES = [
    # "a (full) litre and a half" -> 1.5 l
    (
        re.compile(rf"\b(?:a|one)\s+(?:full\s+)?(?P<unit>{_UNIT_LATIN})\s+and\s+a\s+half\b", re.I),
        lambda m: (Decimal("1.5"), _UNIT_OF[m["unit"].lower()]),
    ),
    # "two and a half", "2 and a half" -> 2.5 (a unit after it is read as usual)
    (
        re.compile(rf"(?P<num>{_NUMBER})\s+and\s+a\s+half\b", re.I),
        lambda m: (_value(m["num"]) + Decimal("0.5"), None),
    ),
    # "half a litre" -> 0.5 l
    (
        re.compile(rf"\bhalf\s+an?\s+(?P<unit>{_UNIT_LATIN})\b", re.I),
        lambda m: (Decimal("0.5"), _UNIT_OF[m["unit"].lower()]),
    ),
    (re.compile(r"\b(?:a\s+|one\s+)?half\b", re.I), lambda m: (Decimal("0.5"), None)),
    # 百分之四十, 百分之40 -> 40 %
    (
        re.compile(
            r"百分之(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?)"
        ),
        lambda m: (_percent_value(m["num"]), "%"),
    ),
    (
        re.compile(r"半(?=" + "|".join(map(re.escape, _ZH_UNIT_WORDS)) + ")"),
        lambda m: (Decimal("0.5"), None),
    ),
]
_PLAIN = re.compile(_NUMBER, re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    """A number found in text: its value, the canonical unit after it, and where it stood."""

    value: Decimal
    unit: str | None  # "l", "minute", "%", ...; None for a plain number
    currency: bool  # written as money: $5, 5 dollars, 5元
    start: int
    end: int  # span in the text, unit and currency sign included
    decimals: int  # digits after the point as written: 19.99 -> 2


def _value(text: str) -> Decimal:
    text = text.strip().lower()
    if text[:1].isdigit():
        return Decimal(text.replace(",", ""))
    total = current = 0
    for word in re.split(r"[\s-]+", text):
        if word == "and":
            continue
        if word in _SMALL:
            current += _SMALL[word]
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            total += (current or 1) * _SCALES[word]
            current = 0
    return Decimal(total + current)


def _percent_value(text: str) -> Decimal:
    return Decimal(text) if text[:1].isdigit() else (_zh_value(text) or Decimal(0))


def _zh_value(text: str) -> Decimal | None:
    whole, _, frac = text.partition("点")
    if all(char in _ZH_DIGIT for char in whole):  # 七五 (in 七五折) is read digit by digit
        whole_value = int("".join(str(_ZH_DIGIT[c]) for c in whole))
        return _with_fraction(Decimal(whole_value), frac)
    total = section = digit = 0
    for char in whole:
        if char in _ZH_DIGIT:
            digit = _ZH_DIGIT[char]
        elif char in _ZH_SMALL_UNIT:
            section += (digit or 1) * _ZH_SMALL_UNIT[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10000
            section = digit = 0
    return _with_fraction(Decimal(total + section + digit), frac)


def _with_fraction(value: Decimal, frac: str) -> Decimal | None:
    if not frac:
        return value
    try:
        return value + Decimal("0." + "".join(str(_ZH_DIGIT[c]) for c in frac))
    except (KeyError, InvalidOperation):
        return None


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its unit and currency, left to right, spans disjoint."""
    taken: list[tuple[int, int]] = []
    found: list[Quantity] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(start: int, end: int, value: Decimal, unit: str | None, decimals: int) -> None:
        after = text[end:]
        if unit is None:
            match = _UNIT_AFTER.match(after) or _ZH_UNIT_AFTER.match(after)
            if match:
                written = (match.group(0).strip(" -")).lower()
                unit = _UNIT_OF.get(written) or _UNIT_OF.get(written.strip())
                end += match.end()
        before = text[max(0, start - 5) : start]
        currency = bool(_CURRENCY_BEFORE.search(before))
        if currency:
            start -= len(_CURRENCY_BEFORE.search(before).group(0))  # type: ignore[union-attr]
        money_after = _CURRENCY_AFTER.match(text[end:])
        if money_after:
            currency = True
            end += money_after.end()
        taken.append((start, end))
        found.append(Quantity(value, unit, currency, start, end, decimals))

    for pattern, read in _COMPOSITES:
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                value, unit = read(match)
                add(match.start(), match.end(), value, unit, 0)
    for match in _PLAIN.finditer(text):
        if not free(match.start(), match.end()):
            continue
        written = match.group(0)
        digits = written[:1].isdigit()
        if not digits and written.lower() == "one" and not _UNIT_AFTER.match(text[match.end() :]):
            continue  # "the one you want"
        decimals = len(written.partition(".")[2]) if digits else 0
        add(match.start(), match.end(), _value(written), None, decimals)
    for match in _ZH_NUMBER.finditer(text):
        written = match.group(0)
        if not free(match.start(), match.end()) or written in _ZH_NOT_NUMBERS:
            continue
        after = text[match.end() :]
        has_unit = bool(_ZH_UNIT_AFTER.match(after) or _CURRENCY_AFTER.match(after))
        if not has_unit and (len(written) < 2 or (written.startswith("一") and len(written) < 3)):
            continue  # 一起, 一下, 两人: only with a unit do they count
        if not has_unit and len(written) == 1:
            continue
        value = _zh_value(written)
        if value is not None:
            add(match.start(), match.end(), value, None, len(written.partition("点")[2]))
    return sorted(found, key=lambda q: q.start)
