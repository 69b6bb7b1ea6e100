"""The speech engine contract the show loop, captions and lip-sync rely on.

    synthesize(text, cancel=None) -> Iterator[SpeechChunk]

- One chunk per sentence, yielded as soon as that sentence is synthesised, so the first
  audio is ready long before a paragraph is done.
- `chunk.audio` is mono int16 at `engine.sample_rate`; `chunk.phonemes` tile the audio
  exactly (first start 0, each start is the previous start + length, lengths sum to
  len(audio)); `chunk.text_span` is the (start, end) slice of `text` the chunk speaks.
  Phoneme symbols are the voice's own (espeak-ng IPA for Piper, one symbol per
  codepoint, stress marks included); SILENCE ("_") is the pause before and after a
  sentence, spaces and punctuation are short pauses inside it.
  Text is normalised inside the engine ("$19.99" is said as words) but spans and
  `chunk.text` always refer to the caller's original text, for captions.
- `cancel` is checked before each sentence: once it is set, the iterator stops before
  synthesising anything more (an urgent answer interrupts the pitch within one sentence).
- An engine that cannot speak (its model is missing or broken) still honours the
  contract with silent chunks of plausible length; see `SilentSpeech`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from livehost.speech.chunk import SpeechChunk


@runtime_checkable
class SpeechEngine(Protocol):
    @property
    def sample_rate(self) -> int: ...

    @property
    def language(self) -> str: ...  # what it speaks: "en", "zh"

    def synthesize(
        self, text: str, cancel: threading.Event | None = None
    ) -> Iterator[SpeechChunk]: ...
