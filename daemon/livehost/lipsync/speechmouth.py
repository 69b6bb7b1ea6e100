"""The mouth's opening, spread and rounding over a sentence of synthesised speech.

Phoneme targets (visemes.py) say which shape each sound wants; the voice's loudness says
how far the jaw really goes: shut in pauses, wider on loud, stressed syllables. Every
engine that shapes a mouth from the voice's phonemes starts from these curves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livehost.lipsync.envelope import envelope
from livehost.lipsync.visemes import RATE, mouth_curves
from livehost.speech.chunk import SpeechChunk


@dataclass(frozen=True)
class SpeechMouth:
    """Sampled at RATE per second from the chunk's first sample, all 0..1."""

    opening: np.ndarray
    spread: np.ndarray
    round: np.ndarray
    loudness: np.ndarray  # smoothed over 0.25 s: drives the head's emphasis
    voiced: np.ndarray  # smoothed loudness gate: 0 in pauses, 1 while speaking

    def at(self, t: float) -> tuple[float, float, float, float]:
        """(opening, spread, round, loudness) at `t` seconds into the chunk."""
        x = t * RATE
        grid = np.arange(len(self.opening))
        return tuple(  # type: ignore[return-value]
            float(np.interp(x, grid, c)) for c in (self.opening, self.spread, self.round,
                                                   self.loudness)
        )


def speech_mouth(chunk: SpeechChunk) -> SpeechMouth:
    curves = mouth_curves(chunk.phonemes, chunk.sample_rate, len(chunk.audio))
    env = envelope(chunk.audio, chunk.sample_rate)
    n = min(len(env), len(curves.jaw))
    env, jaw = env[:n], curves.jaw[:n]
    # Loudness gates the jaw: shut in pauses, wider on stressed, loud syllables.
    gate = smoothstep(0.08, 0.40, env)
    opening = smooth(jaw * gate * (0.35 + 0.65 * env), tau=0.03)
    # Closure comes after smoothing so p, b, m shut completely.
    opening *= 1 - curves.closure[:n]
    relax = smooth(gate, tau=0.08)
    return SpeechMouth(opening, curves.spread[:n] * relax, curves.round[:n] * relax,
                       smooth(env, tau=0.25), relax)


def smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    y = np.clip((x - lo) / (hi - lo), 0, 1)
    return y * y * (3 - 2 * y)


def smooth(x: np.ndarray, tau: float) -> np.ndarray:
    """Zero-phase first-order smoothing (forward, then backward) at RATE samples/s."""
    a = 1 - np.exp(-1 / (tau * RATE))
    y = np.asarray(x, np.float64).copy()
    for i in range(1, len(y)):
        y[i] = y[i - 1] + a * (y[i] - y[i - 1])
    for i in range(len(y) - 2, -1, -1):
        y[i] = y[i + 1] + a * (y[i] - y[i + 1])
    return y.astype(np.float32)
