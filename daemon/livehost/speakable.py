"""Whether a text can be shown and spoken: no control characters, something visible.

A NUL in a product name made every line with that name fail in the voice; a name or an
operator line of only zero-width characters validated and then was never seen or heard.
"""

from __future__ import annotations

import unicodedata

ALLOWED_CONTROLS = "\t\n\r"


def text_problem(text: str) -> str | None:
    """Why `text` cannot be shown and spoken, or None. An empty text is the caller's
    business (required fields say min_length)."""
    for index, ch in enumerate(text):
        if unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS:
            return f"has a control character (U+{ord(ch):04X}) at character {index + 1}"
    if text and not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return "has no letters or digits (only spaces, punctuation or invisible characters)"
    return None
