"""Round trip: the voice says product lines, an independent recogniser writes them back."""

from __future__ import annotations

import numpy as np
import pytest

from devkit.speech_judge import (
    PRODUCT_LINES,
    WhisperJudge,
    edit_distance,
    word_error_rate,
    words,
)

MAX_WER = 0.10


@pytest.fixture(scope="module")
def judge() -> WhisperJudge:
    return WhisperJudge()


def test_edit_distance_counts_words() -> None:
    assert edit_distance(["a", "b", "c"], ["a", "x", "c", "d"]) == 2


def test_both_sides_are_normalised_before_counting() -> None:
    assert words("Only $49.99, 30% off!") == words("only forty-nine dollars and ninety-nine "
                                                  "cents thirty percent off")
    assert word_error_rate([("Get 30% off.", "Get thirty percent of")]) == 0.25


def test_product_lines_are_understood(engine, judge: WhisperJudge) -> None:
    assert len(PRODUCT_LINES) >= 10
    pairs = []
    for line in PRODUCT_LINES:
        audio = np.concatenate([c.audio for c in engine.synthesize(line)])
        pairs.append((line, judge.hear(audio, engine.sample_rate)))
    wer = word_error_rate(pairs)
    report = "\n".join(f"{line!r} -> {heard!r}" for line, heard in pairs)
    assert wer <= MAX_WER, f"WER {wer:.1%}:\n{report}"
