"""Split text into sentences, keeping each one's (start, end) in the original text."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (or their CJK forms) followed by space or the end, or at a
# line break. Decimal points ("19.99") and known abbreviations do not end a sentence.
_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s|$)|[。！？]+[”」』）]*|\n\s*")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st vs approx e.g i.e jan feb mar apr jun jul aug sep sept oct nov dec".split()  # noqa: SIM905
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank sentences in `text`, in order, whitespace trimmed."""
    spans = []
    start = 0
    for match in _END.finditer(text):
        before, after = text[start : match.start()], text[match.end() :]
        if match[0][0] == "." and _is_abbreviation(before, after):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [trimmed for span in spans if (trimmed := _trim(text, span)) is not None]


def _is_abbreviation(before: str, after: str) -> bool:
    words = before.split()
    if not words:
        return False
    word = words[-1].lower().rstrip(".")
    # "No. 5" is a number sign; "No." before a word ends a sentence.
    return word in _ABBREVIATIONS or (word == "no" and after.lstrip()[:1].isdigit())


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int] | None:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
