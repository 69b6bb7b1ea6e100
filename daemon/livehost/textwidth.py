"""Terminal column widths: CJK characters take two columns, so tables and carets that
count characters slide out of line on Chinese product names."""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Columns `text` takes in a terminal: wide and full-width characters count two,
    combining marks and zero-width characters none."""
    return sum(_columns(ch) for ch in text)


def _columns(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def ljust(text: str, columns: int) -> str:
    """`text` padded with spaces to `columns` terminal columns."""
    return text + " " * max(0, columns - width(text))
