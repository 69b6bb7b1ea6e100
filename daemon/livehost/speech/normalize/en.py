"""English rules: say what a sales talk writes ($19.99, 30% off, 500 ml, 8 pm, X200, @shop).

Rules run in order; earlier ones consume what later ones would misread (a phone number
before plain numbers, a price before a decimal). Each rule is a regex and a function of
its match, so a new case is one line plus a table row in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from livehost.schedule.currencies import CURRENCY_CODES, MINOR_UNITS
from livehost.speech.normalize.common import remove_emoji, tidy
from livehost.speech.normalize.numbers_en import cardinal, decimal, digits, ordinal, pairs, year

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

# code: (one, many, minor one, minor many)
_CURRENCY_NAMES = {
    "USD": ("dollar", "dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "JPY": ("yen", "yen", "", ""),
    "CNY": ("yuan", "yuan", "fen", "fen"),
    "RMB": ("yuan", "yuan", "fen", "fen"),
    "KRW": ("won", "won", "", ""),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "HKD": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "SGD": ("Singapore dollar", "Singapore dollars", "cent", "cents"),
    "MXN": ("peso", "pesos", "centavo", "centavos"),
}
# ¥ is yen in English copy; the zh rules read it as yuan.
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "￥": "JPY", "₩": "KRW", "₹": "INR"}
_CODES = "|".join(sorted(CURRENCY_CODES | {"RMB"}))
_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE_WORDS = {"k": "thousand", "K": "thousand", "m": "million", "M": "million", "bn": "billion"}

_UNITS = {
    "ml": ("milliliter", "milliliters"), "mL": ("milliliter", "milliliters"),
    "l": ("liter", "liters"), "L": ("liter", "liters"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"),
    "mm": ("millimeter", "millimeters"), "cm": ("centimeter", "centimeters"),
    "m": ("meter", "meters"), "km": ("kilometer", "kilometers"),
    "ft": ("foot", "feet"), "inch": ("inch", "inches"), "inches": ("inch", "inches"),
    '"': ("inch", "inches"), "″": ("inch", "inches"),
    "mAh": ("milliamp hour", "milliamp hours"), "Wh": ("watt hour", "watt hours"),
    "W": ("watt", "watts"), "kW": ("kilowatt", "kilowatts"), "V": ("volt", "volts"),
    "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"), "GHz": ("gigahertz", "gigahertz"),
    "MB": ("megabyte", "megabytes"), "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"), "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "°C": ("degree Celsius", "degrees Celsius"), "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "pcs": ("piece", "pieces"), "pc": ("piece", "pieces"),
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
_MONTH_OF = {m[:3].lower(): m for m in _MONTHS} | {"sept": "September"}
_MONTH_ALT = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"
_ABBREVIATIONS = {
    "Mr.": "Mister", "Mrs.": "Missus", "Dr.": "Doctor", "St.": "Street", "vs.": "versus",
    "e.g.": "for example", "i.e.": "that is", "etc.": "etcetera", "approx.": "about",
    "w/": "with", "w/o": "without", "qty": "quantity", "No.": "number",
}


def _count(n: int, one: str, many: str) -> str:
    return f"{cardinal(n)} {one if n == 1 else many}"


def _money(amount: str, code: str, scale: str = "") -> str:
    one, many, minor_one, minor_many = _CURRENCY_NAMES.get(
        code, (" ".join(code), " ".join(code), "", "")
    )
    if scale:  # $1.5k -> one point five thousand dollars
        return f"{decimal(amount)} {_SCALE_WORDS[scale]} {many}"
    whole_text, _, frac = amount.replace(",", "").partition(".")
    whole = int(whole_text or "0")
    if not frac or int(frac) == 0 or not minor_many or MINOR_UNITS.get(code, 2) == 0:
        if frac and int(frac) and not minor_many:  # a fraction of a currency without minors
            return f"{decimal(amount)} {many}"
        return f"{cardinal(whole)} {one if whole == 1 else many}"
    cents = int((frac + "00")[:2]) if len(frac) <= 2 else int(frac)
    minor = _count(cents, minor_one, minor_many)
    if whole == 0:
        return minor
    return f"{cardinal(whole)} {one if whole == 1 else many} and {minor}"


def _price_symbol(m: re.Match[str]) -> str:
    return _money(m["amount"], _SYMBOLS[m["symbol"]], m["scale"] or "")


def _price_code(m: re.Match[str]) -> str:
    return _money(m["amount"], m["code"].upper())


def _percent(m: re.Match[str]) -> str:
    words = f"{decimal(m['amount'])} percent"
    if m["minus"] and not m["off"]:  # "-30%" on a price tag means 30% off
        return words + " off"
    return words + (m["off"] or "")


def _n_for_m(m: re.Match[str]) -> str:
    return f"{cardinal(int(m['a']))} for {cardinal(int(m['b']))}"


def _unit(m: re.Match[str]) -> str:
    one, many = _UNITS[m["unit"]]
    amount = m["amount"]
    plural = amount.replace(",", "") not in ("1", "1.0")
    if m["hyphen"]:  # "15.6-inch laptop": the unit is an adjective, never plural
        plural = False
    return f"{decimal(amount)} {many if plural else one}"


def _dimensions(m: re.Match[str]) -> str:
    words = " by ".join(decimal(side) for side in (m["a"], m["b"], m["c"]) if side)
    return words + (f" {_UNITS[m['unit']][1]}" if m["unit"] else "")


def _resolution(m: re.Match[str]) -> str:
    return f"{cardinal(int(m['n']))} K"


def _video_lines(m: re.Match[str]) -> str:
    return f"{pairs(m['n'])} p"


def _clock(hour: int, minute: int, meridiem: str | None) -> str:
    if meridiem is None:  # 24-hour clock: say it the way people in a shop do
        meridiem = "pm" if 12 <= hour < 24 else "am"
        hour = hour % 12 or 12
    words = cardinal(hour)
    if minute:
        words += f" oh {cardinal(minute)}" if minute < 10 else f" {cardinal(minute)}"
    return f"{words} {' '.join(meridiem.replace('.', '').lower())}"


def _time_12h(m: re.Match[str]) -> str:
    words = _clock(int(m["h"]), int(m["min"] or 0), m["ampm"])
    after = m.string[m.end() :].lstrip()
    if m[0].endswith(".") and (not after or after[0].isupper()):
        words += "."  # "until 8 p.m." : the dot also ended the sentence
    return words


def _time_24h(m: re.Match[str]) -> str:
    return _clock(int(m["h"]), int(m["min"]), None)


def _month_name(written: str) -> str:
    key = written.rstrip(".").lower()
    return _MONTH_OF[key[:4] if key.startswith("sept") else key[:3]]


def _month_day(m: re.Match[str]) -> str:
    words = f"{_month_name(m['month'])} {ordinal(int(m['day']))}"
    return words + (f", {year(int(m['year']))}" if m["year"] else "")


def _day_month(m: re.Match[str]) -> str:
    return f"{_month_name(m['month'])} {ordinal(int(m['day']))}"


def _iso_date(m: re.Match[str]) -> str:
    return f"{_MONTHS[int(m['mo']) - 1]} {ordinal(int(m['d']))}, {year(int(m['y']))}"


def _us_date(m: re.Match[str]) -> str:
    words = f"{_MONTHS[int(m['mo']) - 1]} {ordinal(int(m['d']))}"
    return words + (f", {year(int(m['y']))}" if m["y"] else "")


def _ordinal(m: re.Match[str]) -> str:
    return ordinal(int(m["n"]))


def _phone(m: re.Match[str]) -> str:
    groups = [g for g in re.split(r"[^\d]+", m[0]) if g]
    plus = "plus " if m[0].lstrip().startswith("+") else ""
    return plus + ", ".join(digits(g) for g in groups)


def _url(m: re.Match[str]) -> str:
    url = re.sub(r"^(?:https?://)", "", m[0], flags=re.I).rstrip("/")
    url = re.sub(r"^www\.", "w w w dot ", url, flags=re.I)
    url = url.replace(".", " dot ").replace("/", " slash ").replace("-", " dash ")
    return re.sub(r"\d+", lambda d: digits(d[0]), url)


def _email(m: re.Match[str]) -> str:
    return f"{_words_of_handle(m['user'])} at {m['domain'].replace('.', ' dot ')}"


def _words_of_handle(name: str) -> str:
    name = re.sub(r"[_.\-]+", " ", name)
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)  # MapleStore -> Maple Store
    return re.sub(r"\d+", lambda d: cardinal(int(d[0])) if len(d[0]) < 4 else digits(d[0]), name)


def _handle(m: re.Match[str]) -> str:
    return f"at {_words_of_handle(m['name'])}"


def _hashtag(m: re.Match[str]) -> str:
    return f"hashtag {_words_of_handle(m['name'])}"


def _number_sign(m: re.Match[str]) -> str:
    return f"number {cardinal(int(m['n']))}"


def _model_name(m: re.Match[str]) -> str:
    """X200 -> "X two hundred", RTX4090 -> "R T X forty ninety", WH-1000XM5."""
    parts = []
    for piece in re.findall(r"[A-Za-z]+|\d+", m[0]):
        if piece.isdigit():
            parts.append(pairs(piece) if len(piece) == 4 else cardinal(int(piece)))
        elif piece.isupper() and len(piece) <= 4:
            parts.append(" ".join(piece))  # letters of a model code are spelled out
        else:
            parts.append(piece)
    return " ".join(parts)


def _times(m: re.Match[str]) -> str:
    return f"{decimal(m['n'])} times"


def _range(m: re.Match[str]) -> str:
    return f"{decimal(m['a'])} to {decimal(m['b'])}"


def _fraction(m: re.Match[str]) -> str:
    a, b = int(m["a"]), int(m["b"])
    names = {2: ("half", "halves"), 4: ("quarter", "quarters")}
    one, many = names.get(b, (ordinal(b), ordinal(b) + "s"))
    return f"{cardinal(a)} {one if a == 1 else many}"


def _year(m: re.Match[str]) -> str:
    return year(int(m[0]))


def _number(m: re.Match[str]) -> str:
    return decimal(m[0])


def _abbreviation(m: re.Match[str]) -> str:
    return _ABBREVIATIONS[m[0]]


_B = r"(?<![\w.])"  # not inside a word or a number
_E = r"(?![\w])"
_DAY = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_NUM = r"\d+(?:\.\d+)?"
_ABBREVIATION_ALT = "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True))


def _rule(pattern: str, replace: Callable[[re.Match[str]], str], flags: int = 0) -> Rule:
    return re.compile(pattern, flags), replace


RULES: list[Rule] = [
    # Addresses first: their dots and digits are not prices or decimals.
    _rule(r"\b(?P<user>[\w.+-]+)@(?P<domain>[\w-]+(?:\.[\w-]+)+)\b", _email),
    _rule(r"\b(?:https?://|www\.)[^\s,;!?]+[^\s,;!?.]", _url, re.I),
    _rule(
        r"\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|shop|store|io|co|cn|de|uk)\b"
        r"(?:/[^\s,;!?]*[^\s,;!?.])?",
        _url,
    ),
    _rule(r"(?<![\w@])@(?P<name>\w+)", _handle),
    _rule(r"(?<![\w&])#(?P<n>\d+)\b", _number_sign),
    _rule(r"(?<![\w&])#(?P<name>[A-Za-z]\w*)", _hashtag),
    _rule(rf"(?<!\w)(?:{_ABBREVIATION_ALT})(?!\w)", _abbreviation),
    # Phone numbers: +1 555 123 4567, (555) 123-4567, 1-800-555-0199, 555-0199.
    _rule(
        r"(?<![\w.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{1,4}[ .-])"
        r"(?:\d{2,4}[ .-])?\d{3,4}[ .-]\d{4}(?![\w])",
        _phone,
    ),
    _rule(r"(?<![\w.])\d{3}-\d{4}(?![\w-])", _phone),
    # Prices.
    _rule(
        rf"(?P<symbol>[$€£¥￥₩₹])\s?(?P<amount>{_AMOUNT})(?P<scale>k|K|M|bn)?(?![\w])",
        _price_symbol,
    ),
    _rule(rf"{_B}(?P<amount>{_AMOUNT})\s?(?P<code>{_CODES})(?![A-Za-z])", _price_code, re.I),
    _rule(rf"(?<![\w])(?P<code>{_CODES})\s?(?P<amount>{_AMOUNT}){_E}", _price_code),
    # Discounts.
    _rule(rf"(?P<minus>[-−–])?{_B}(?P<amount>{_NUM})\s?%(?P<off>\s+off)?", _percent),
    _rule(r"\bBOGO\b", lambda m: "buy one get one", re.I),
    _rule(r"\b(?P<a>\d+)\s?(?:-\s?)?for\s?(?:-\s?)?(?P<b>\d+)\b(?![.,]\d)", _n_for_m),
    # A small fraction before dates: "1/2 price" is not January 2nd.
    _rule(rf"{_B}(?P<a>[1-3])/(?P<b>[2-4]){_E}(?!/)", _fraction),
    # Dates and times.
    _rule(rf"\b(?P<y>{_YEAR})-(?P<mo>0?[1-9]|1[0-2])-(?P<d>0?[1-9]|[12]\d|3[01])\b", _iso_date),
    _rule(
        rf"(?<![\w./])(?P<mo>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])(?:/(?P<y>{_YEAR}))?"
        r"(?![\w/])",
        _us_date,
    ),
    _rule(rf"\b(?P<month>{_MONTH_ALT})\s{_DAY}(?:,?\s(?P<year>{_YEAR}))?\b", _month_day),
    _rule(rf"\b{_DAY}\s(?:of\s)?(?P<month>{_MONTH_ALT})(?!\w)", _day_month),
    _rule(
        r"\b(?P<h>1[0-2]|0?[1-9])(?::(?P<min>[0-5]\d))?\s?(?P<ampm>[ap]\.m\.|[ap]m)(?![\w])",
        _time_12h,
        re.I,
    ),
    _rule(r"(?<![\w.:])(?P<h>[01]?\d|2[0-3]):(?P<min>[0-5]\d)(?![\w:])", _time_24h),
    _rule(r"\b(?P<n>\d+)(?:st|nd|rd|th)\b", _ordinal),
    # Sizes and units.
    _rule(r"(?<![\w])[-−](?=\d)", lambda m: "minus "),
    _rule(
        rf"{_B}(?P<a>{_NUM})\s?[x×]\s?(?P<b>{_NUM})(?:\s?[x×]\s?(?P<c>{_NUM}))?"
        rf"(?:\s?(?P<unit>{_UNIT_ALT}))?(?![\w])",
        _dimensions,
    ),
    _rule(rf"{_B}(?P<amount>{_AMOUNT})(?:(?P<hyphen>-)|\s?)(?P<unit>{_UNIT_ALT})(?![\w/])", _unit),
    _rule(r"\b(?P<n>[48])K\b", _resolution),
    _rule(r"\b(?P<n>480|720|1080|1440|2160)p\b", _video_lines),
    _rule(rf"{_B}(?P<n>{_NUM})x\b", _times),
    # Model names: "RTX 4090", and letters with digits in one token (X200, A7, WH-1000XM5).
    _rule(r"\b(?P<word>[A-Z]{2,5}) (?P<n>\d{4})\b", lambda m: f"{m['word']} {pairs(m['n'])}"),
    _rule(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b", _model_name),
    # Plain numbers last.
    _rule(rf"{_B}(?P<a>{_NUM})\s?[-–]\s?(?P<b>{_NUM}){_E}", _range),
    _rule(r"(?<![\w.,])(?:1[1-9]|20)\d\d(?![\w.,]\d|\d)", _year),
    _rule(_AMOUNT, _number),
    _rule(r"\s&\s", lambda m: " and "),
    _rule(r"(?<=\w)\+", lambda m: " plus"),
    _rule(r"~\s?", lambda m: "about "),
]


def normalize_en(text: str) -> str:
    text = remove_emoji(text)
    for pattern, replace in RULES:
        text = pattern.sub(replace, text)
    return tidy(text)
