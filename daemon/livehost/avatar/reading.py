"""The text a person reads aloud in the capture guide's reading take, and its coverage.

The reading take is where the builder learns how this person's mouth moves, so each text
is written to pass through every mouth shape many times: open (ah), spread (ee), rounded
(oo, w), lip closures (p, b, m), lip-to-teeth (f, v) and, in English, the tongue between
the teeth (th). Each runs about 45 seconds at a normal pace, in a shop presenter's voice.
"""

from __future__ import annotations

import re

READING: dict[str, str] = {
    "en": (
        "Hello and welcome, everyone, thank you for joining me this evening. If this is "
        "your first visit, press follow so you never miss a bargain. Today I want to show "
        "you something beautiful: the Bamboo Moon picnic basket. It folds flat, it weighs "
        "barely a pound, and the woven lid keeps fruit and cheese cool for hours. Look at "
        "these smooth brown handles and the bright blue lining. In shops it sells for "
        "fifty-nine dollars, but for the next few minutes it is only forty-five, with free "
        "delivery. We have twelve baskets in stock, so tap the cart below the picture "
        "before they vanish. Now, a question for you: where would you take a picnic this "
        "weekend? Type your answer in the chat, and I will answer them all."
    ),
    "zh": (
        "大家好，欢迎来到我们的直播间！新来的朋友，别忘了点一下关注，不要错过每一场直播。"
        "今天推荐一款宝贝：竹编野餐篮。它超轻超薄，可以折叠，方便放在车里，不占地方。"
        "盖子是双层的，水果、茶和饮料放一下午都不会热，下雨天泼上水也不怕。"
        "摸一摸这个把手，非常光滑，耐磨又摔不破，颜色是米白配湖绿，女生男生、妈妈婆婆都喜欢。"
        "平时卖八十九块，今天只要五十八块，还免费包邮，马上发货！"
        "只剩二十份，需要的朋友快去下方购物车下单。问大家一个问题：这个周末，"
        "你想带上吃的去哪里野餐、钓鱼或者旅行呢？在评论区告诉我吧，我都会回答。"
    ),
}

# English by spelling: an approximation (spelling is not sound: "of" has a v, "one" a w),
# but close enough to show a text is not short of a shape. Patterns count independently,
# so "ea" counts as spread and its "a" as open.
_EN_CLASSES = {
    "open": r"ah|a",
    "spread": r"ee|ea|i",
    "rounded": r"oo|w|u",
    "closure": r"p|b|m",
    "labiodental": r"f|v",
    "th": r"th",
}

# Chinese by pinyin (pypinyin, strict): simple finals held as one vowel (ü is "v"), and
# the initials that close the lips (b p m), touch lip to teeth (f) or retroflex (zh ch sh).
_ZH_FINALS = ("a", "o", "e", "i", "u", "v")
_ZH_INITIALS = ("b", "p", "m", "f", "zh", "ch", "sh")


def coverage(text: str, language: str) -> dict[str, int]:
    """How often each mouth-shape class occurs in `text`."""
    if language == "en":
        lower = text.lower()
        return {name: len(re.findall(pattern, lower)) for name, pattern in _EN_CLASSES.items()}
    if language == "zh":
        return _zh_coverage(text)
    raise ValueError(f"no mouth-shape classes for language {language!r}")


def _zh_coverage(text: str) -> dict[str, int]:
    from pypinyin import Style, lazy_pinyin

    han = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")  # punctuation has no sound
    finals = lazy_pinyin(han, style=Style.FINALS, strict=True)
    initials = lazy_pinyin(han, style=Style.INITIALS, strict=True)
    counts = {f"final {'ü' if f == 'v' else f}": finals.count(f) for f in _ZH_FINALS}
    counts.update({f"initial {i}": initials.count(i) for i in _ZH_INITIALS})
    return counts


def length(text: str, language: str) -> int:
    """Words (en) or Chinese characters (zh): what the reading take's 45 s is sized by."""
    if language == "zh":
        return sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return len(text.split())
