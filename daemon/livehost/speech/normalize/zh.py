"""A small Chinese rule set: prices in yuan, percentages and discounts, quantities, units.

It shows the locale hook carries a language whose numbers read differently; a Chinese
voice is not installable here, so these rules are checked by table tests only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from livehost.speech.normalize.common import remove_emoji, tidy
from livehost.speech.normalize.numbers_zh import cardinal, decimal, digits, quantity

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNITS = {
    "ml": "毫升", "mL": "毫升", "l": "升", "L": "升", "kg": "公斤", "g": "克",
    "cm": "厘米", "mm": "毫米", "m": "米", "km": "公里", "W": "瓦", "mAh": "毫安时",
    "GB": "G", "TB": "T",
}
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_MEASURE_WORDS = "件个瓶盒袋包支双条只台套斤元块天秒周"
# time spans say 两 for 2, like the measure words: 两小时, 两分钟
_SPANS = "小时|分钟|个月"
# prices in other currencies keep their number and say the currency after it
_FOREIGN = {"$": "美元", "US$": "美元", "USD": "美元", "€": "欧元", "EUR": "欧元",
            "£": "英镑", "GBP": "英镑", "HK$": "港元", "HKD": "港元"}
_FOREIGN_ALT = "|".join(re.escape(c) for c in sorted(_FOREIGN, key=len, reverse=True))


def yuan(amount: str) -> str:
    """19.99 -> 十九元九角九分; 99 -> 九十九元; 0.5 -> 五角."""
    whole_text, _, frac = amount.replace(",", "").partition(".")
    whole = int(whole_text or "0")
    frac = (frac + "00")[:2]
    jiao, fen = int(frac[0]), int(frac[1])
    out = quantity(whole) + "元" if whole or not (jiao or fen) else ""
    if jiao:
        out += cardinal(jiao) + "角"
    elif fen and whole:
        out += "零"
    if fen:
        out += cardinal(fen) + "分"
    return out


def _price_symbol(m: re.Match[str]) -> str:
    return yuan(m["amount"])


def _price_word(m: re.Match[str]) -> str:
    return yuan(m["amount"])


def _foreign_price(m: re.Match[str]) -> str:
    return decimal(m["amount"].replace(",", "")) + _FOREIGN[m["currency"].upper()]


def _percent(m: re.Match[str]) -> str:
    return "百分之" + decimal(m["amount"])


def _discount(m: re.Match[str]) -> str:
    """8折 -> 八折, 8.5折 -> 八五折 (how shops say it)."""
    return digits(m["amount"]) + "折"


def _unit(m: re.Match[str]) -> str:
    amount = m["amount"]
    words = quantity(int(amount)) if amount.isdigit() else decimal(amount)
    return words + _UNITS[m["unit"]]


def _counted(m: re.Match[str]) -> str:
    return quantity(int(m["n"])) + m["word"]


def _phone(m: re.Match[str]) -> str:
    return digits(m[0]).replace("一", "幺")  # 幺 keeps 1 apart from 7 on the phone


def _time(m: re.Match[str]) -> str:
    minute = int(m["min"])
    return cardinal(int(m["h"])) + "点" + (cardinal(minute) + "分" if minute else "")


def _number(m: re.Match[str]) -> str:
    return decimal(m[0])


RULES: list[Rule] = [
    (re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{3,4}-\d{7,8}(?!\d)"), _phone),
    (re.compile(rf"[¥￥]\s?(?P<amount>{_AMOUNT})(?:\s?元)?"), _price_symbol),
    (re.compile(rf"(?:CNY|RMB)\s?(?P<amount>{_AMOUNT})", re.I), _price_word),
    (re.compile(rf"(?P<amount>{_AMOUNT})\s?(?:元|块|CNY|RMB)", re.I), _price_word),
    (re.compile(rf"(?P<currency>{_FOREIGN_ALT})\s?(?P<amount>{_AMOUNT})"), _foreign_price),
    (re.compile(r"(?P<amount>\d+(?:\.\d+)?)\s?[%％]"), _percent),
    (re.compile(r"(?P<amount>\d(?:\.\d)?)\s?折"), _discount),
    (re.compile(r"(?<!\d)(?P<h>[01]?\d|2[0-3])[:：](?P<min>[0-5]\d)(?!\d)"), _time),
    (re.compile(rf"(?P<amount>{_AMOUNT})\s?(?P<unit>{_UNIT_ALT})(?![A-Za-z])"), _unit),
    (re.compile(rf"(?P<n>\d+)\s?(?P<word>{_SPANS}|[{_MEASURE_WORDS}])"), _counted),
    (re.compile(_AMOUNT), _number),
]


def normalize_zh(text: str) -> str:
    text = remove_emoji(text)
    for pattern, replace in RULES:
        text = pattern.sub(replace, text)
    return tidy(text)
