"""Write speech chunks to a WAV file (for `livehost say`, tests and benchmarks)."""

from __future__ import annotations

import wave
from collections.abc import Iterable
from pathlib import Path

from livehost.speech.chunk import SpeechChunk


def write_wav(path: Path, chunks: Iterable[SpeechChunk], sample_rate: int) -> float:
    """Write mono 16-bit PCM; returns the seconds written."""
    frames = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        for chunk in chunks:
            out.writeframes(chunk.audio.astype("<i2").tobytes())
            frames += len(chunk.audio)
    return frames / sample_rate
