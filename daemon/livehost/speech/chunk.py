"""What every speech engine yields, and what lip-sync and captions consume."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# The phoneme symbol for silence: the pauses before and after a sentence, and the whole
# of a chunk from an engine that cannot speak. Spaces and punctuation are short pauses.
SILENCE = "_"


@dataclass(frozen=True)
class PhonemeTiming:
    phoneme: str  # IPA symbol as the voice spells it (espeak-ng phonemes for Piper)
    start: int  # first sample, relative to the chunk's first sample
    length: int  # number of samples


@dataclass(frozen=True)
class SpeechChunk:
    """One sentence of synthesised speech.

    `audio` is mono int16 PCM at `sample_rate`. `phonemes` cover the audio from sample 0
    to len(audio) without gaps. `text_span` is the (start, end) character range of the
    source text this chunk speaks, so captions can show exactly what is being said.
    """

    audio: np.ndarray
    sample_rate: int
    phonemes: tuple[PhonemeTiming, ...]
    text_span: tuple[int, int]
    text: str = ""
    metadata: dict[str, object] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate
