"""Gesture and emotion cues for the face, read off a line's kind and words.

The face engine may act on them (point at the cart when the host says "tap the cart",
smile at a sale); an engine that knows none of them ignores them. Words are matched
per language, so an approved script line gets its cues like a template does.
"""

from __future__ import annotations

KIND_CUES = {
    "opening": ("wave", "happy"),
    "transition": ("present",),
    "intro": ("present",),
    "sale": ("happy",),
    "countdown": ("urgent",),
}
WORD_CUES = {
    "cart": ("cart", "basket", "购物车", "小黄车", "下单"),
    "follow": ("follow", "关注"),
}


def cues_for(kind: str, text: str) -> tuple[str, ...]:
    cues = list(KIND_CUES.get(kind, ()))
    lowered = text.lower()
    for cue, words in WORD_CUES.items():
        if any(word in lowered for word in words):
            cues.append(cue)
    return tuple(dict.fromkeys(cues))  # in order, once each
