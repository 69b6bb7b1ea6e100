"""Chinese numerals: 12345 -> 一万二千三百四十五, 19.9 -> 十九点九."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _below_10000(n: int) -> str:
    """0 < n < 10000, with the zeros Chinese reads out (1005 -> 一千零五)."""
    out = ""
    zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _SMALL_UNITS[power]
    return out


def cardinal(n: int) -> str:
    if n < 0:
        return "负" + cardinal(-n)
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        if out and group < 1000:  # a gap inside the number: 10005 -> 一万零五
            out += "零"
        out += _below_10000(group) + _BIG_UNITS[index]
    if out.startswith("一十"):  # 15 -> 十五, not 一十五
        out = out[1:]
    return out


def digits(text: str) -> str:
    return "".join(_DIGITS[int(d)] for d in text if d.isdigit())


def decimal(text: str) -> str:
    whole, _, frac = text.replace(",", "").partition(".")
    words = cardinal(int(whole or "0"))
    return words + ("点" + digits(frac) if frac else "")


def quantity(n: int) -> str:
    """Before a measure word 2 is 两: 两件, 两百克, 两千; but 十二件 and 二十件 keep 二."""
    words = cardinal(n)
    if n == 2 or (n >= 200 and words.startswith("二")):
        return "两" + words[1:]
    return words
