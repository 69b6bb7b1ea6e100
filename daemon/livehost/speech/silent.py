"""The engine used when the voice cannot load: silence of a plausible length, with captions."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from livehost.speech.chunk import SILENCE, PhonemeTiming, SpeechChunk
from livehost.speech.normalize import language_of, normalizer_for
from livehost.speech.sentences import split_sentences


class SilentSpeech:
    """Keeps the show running (captions, lip-sync at rest) and says why in `reason`.

    Each sentence lasts as long as a voice would take to say it, so captions stay on
    screen for a readable time and the schedule keeps its pace.
    """

    def __init__(
        self,
        reason: str,
        sample_rate: int = 22050,
        chars_per_second: float | None = None,
        locale: str = "en",
    ) -> None:
        self.reason = reason
        self._sample_rate = sample_rate
        self.language = language_of(locale)
        # English runs at about 15 characters a second, Chinese at 4 to 5
        self.chars_per_second = chars_per_second or (4.5 if self.language == "zh" else 15.0)
        self.normalize = normalizer_for(locale)

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    def synthesize(self, text: str, cancel: threading.Event | None = None) -> Iterator[SpeechChunk]:
        for start, end in split_sentences(text):
            if cancel is not None and cancel.is_set():
                return
            written = text[start:end]
            seconds = 0.4 + len(self.normalize(written)) / self.chars_per_second
            n = int(seconds * self._sample_rate)
            yield SpeechChunk(
                audio=np.zeros(n, dtype=np.int16),
                sample_rate=self._sample_rate,
                phonemes=(PhonemeTiming(SILENCE, 0, n),),
                text_span=(start, end),
                text=written,
                metadata={"silent": True, "reason": self.reason},
            )
