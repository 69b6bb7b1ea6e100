"""Rules every locale shares: emoji removal and whitespace."""

from __future__ import annotations

import re

# Pictographs, dingbats, flags, skin tones, keycap and joiner marks: nothing a voice can say.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # emoticons, symbols and pictographs, transport, flags, extended
    "\u2600-\u27bf"  # misc symbols and dingbats (☀ ✨ ❤)
    "\u2b00-\u2bff"  # arrows and stars (⭐)
    "\u2190-\u21ff"  # arrows
    "\ufe0e\ufe0f\u200d\u20e3"  # variation selectors, zero-width joiner, keycap
    "\U000e0020-\U000e007f"  # tag characters (subdivision flags)
    "]+"
)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def remove_emoji(text: str) -> str:
    return _EMOJI.sub(" ", text)


def tidy(text: str) -> str:
    """Collapse runs of spaces and drop spaces before punctuation left by removed symbols."""
    text = _SPACES.sub(" ", text)
    text = re.sub(r" +([,.!?;:])", r"\1", text)
    return text.strip()
