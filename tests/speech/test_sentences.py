"""Sentence spans: what each speech chunk (and so each caption) covers."""

from __future__ import annotations

import pytest

from livehost.speech.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Only $19.99 today. Buy now", ["Only $19.99 today.", "Buy now"]),
        ("Mr. Smith and Dr. Lee agree.", ["Mr. Smith and Dr. Lee agree."]),
        ("No. 5 is back. No. We sold out.", ["No. 5 is back.", "No.", "We sold out."]),
        ("Wait... what?! Yes.", ["Wait...", "what?!", "Yes."]),
        ("First line\nsecond line", ["First line", "second line"]),
        ('He said "wow." Then left.', ['He said "wow."', "Then left."]),
        ("今天特价！只要九十九元。快来", ["今天特价！", "只要九十九元。", "快来"]),
        ("   ", []),
    ],
)
def test_sentences(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == sentences


def test_spans_are_in_order_and_trimmed() -> None:
    text = "  Hello there.   Bye.  "
    spans = split_sentences(text)
    assert spans == [(2, 14), (17, 21)]
