"""What the host says around an approved answer, per store language.

Only two things from a viewer ever reach the voice: nothing of their text, and their
display name once it passed moderation. The answer itself is the schedule's own words.
"""

from __future__ import annotations

import random

NUMBERS_EN = {2: "Two", 3: "Three", 4: "Four", 5: "Five"}

EN = {
    "answer_named": ["Good question, {name}. {answer}", "{name}, thanks for asking. {answer}"],
    "answer": ["Good question. {answer}", "Someone asks a good one. {answer}"],
    "answer_many": ["{count} of you asked about this. {answer}"],
    "answer_store": ["You in the store, good question. {answer}"],
    "greeting": ["Welcome in, {name}!", "Hi {name}, great to have you here!"],
    "greeting_many": ["Welcome, everyone who just joined!"],
    "thanks_follow": ["Thank you for the follow, {name}!"],
    "thanks_gift": ["Thank you so much for the {gift}, {name}!"],
    "thanks_many": ["Thank you all for the support!"],
    "orders": ["They're going fast, thank you for your orders!"],
}
ZH = {
    "answer_named": ["{name}问得好！{answer}", "谢谢{name}的提问。{answer}"],
    "answer": ["这个问题问得好！{answer}", "有朋友问到了。{answer}"],
    "answer_many": ["有{count}位朋友问到这个。{answer}"],
    "answer_store": ["店里的朋友问得好。{answer}"],
    "greeting": ["欢迎{name}来到直播间！", "{name}你好，欢迎欢迎！"],
    "greeting_many": ["欢迎刚进来的朋友们！"],
    "thanks_follow": ["谢谢{name}的关注！"],
    "thanks_gift": ["谢谢{name}送的{gift}！"],
    "thanks_many": ["谢谢大家的支持！"],
    "orders": ["卖得很快，谢谢大家下单！"],
}


def say(language: str, kind: str, rng: random.Random, **values: object) -> str:
    table = ZH if language == "zh" else EN
    if kind == "answer_many" and language != "zh":
        count = int(values.get("count", 2))  # type: ignore[call-overload]
        values = {**values, "count": NUMBERS_EN.get(count, str(count))}
    return rng.choice(table[kind]).format(**values)
