"""Mouth-shape curves from phoneme timing, with coarticulation.

Each phoneme has a target shape (jaw opening, lip spread, lip rounding) and a dominance:
neighbouring targets blend by their dominance, which falls off with distance from the
phoneme's centre (after Cohen & Massaro's model). Bilabials (p, b, m) are not blended:
they close the lips hard for their whole duration, since a smeared closure reads as bad
dubbing more than anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livehost.speech.chunk import SILENCE, PhonemeTiming

RATE = 100.0  # curve samples per second


@dataclass(frozen=True)
class Shape:
    jaw: float  # 0 closed .. 1 wide open ("ah")
    spread: float = 0.0  # lip corners out (ee, smile)
    round: float = 0.0  # lips pursed (oo, w)
    dominance: float = 0.6


REST = Shape(0.0, 0.0, 0.0, 0.5)
BILABIALS = frozenset("pbm")

# espeak-ng IPA as Piper voices spell it, one symbol per entry.
_TABLE: dict[str, Shape] = {
    # open and mid vowels
    "a": Shape(0.95, 0.2, 0.0, 1.0), "ɑ": Shape(1.0, 0.0, 0.1, 1.0),
    "æ": Shape(0.85, 0.45, 0.0, 1.0), "ʌ": Shape(0.7, 0.1, 0.0, 1.0),
    "ɐ": Shape(0.7, 0.1, 0.0, 1.0), "ɒ": Shape(0.85, 0.0, 0.4, 1.0),
    "ɛ": Shape(0.6, 0.5, 0.0, 1.0), "e": Shape(0.5, 0.6, 0.0, 1.0),
    "ə": Shape(0.45, 0.1, 0.0, 0.7), "ɚ": Shape(0.4, 0.0, 0.35, 0.8),
    "ɜ": Shape(0.5, 0.1, 0.2, 0.9), "ɔ": Shape(0.7, 0.0, 0.6, 1.0),
    "o": Shape(0.55, 0.0, 0.75, 1.0),
    # close vowels
    "i": Shape(0.3, 0.9, 0.0, 1.0), "ɪ": Shape(0.35, 0.7, 0.0, 0.9),
    "u": Shape(0.25, 0.0, 1.0, 1.0), "ʊ": Shape(0.3, 0.0, 0.8, 0.9),
    "ᵻ": Shape(0.35, 0.5, 0.0, 0.8),
    # consonants
    "f": Shape(0.1, 0.2, 0.0, 0.8), "v": Shape(0.1, 0.2, 0.0, 0.8),
    "θ": Shape(0.2, 0.3, 0.0, 0.7), "ð": Shape(0.2, 0.3, 0.0, 0.6),
    "t": Shape(0.22, 0.3, 0.0, 0.5), "d": Shape(0.22, 0.3, 0.0, 0.5),
    "n": Shape(0.2, 0.3, 0.0, 0.4), "l": Shape(0.3, 0.2, 0.0, 0.4),
    "s": Shape(0.12, 0.5, 0.0, 0.7), "z": Shape(0.12, 0.5, 0.0, 0.6),
    "ʃ": Shape(0.18, 0.0, 0.6, 0.8), "ʒ": Shape(0.18, 0.0, 0.6, 0.8),
    "k": Shape(0.3, 0.1, 0.0, 0.3), "ɡ": Shape(0.3, 0.1, 0.0, 0.3), "g": Shape(0.3, 0.1, 0.0, 0.3),
    "ŋ": Shape(0.25, 0.1, 0.0, 0.3), "h": Shape(0.4, 0.0, 0.0, 0.2),
    "ɹ": Shape(0.25, 0.0, 0.45, 0.6), "r": Shape(0.25, 0.0, 0.45, 0.6),
    "w": Shape(0.15, 0.0, 0.95, 0.9), "j": Shape(0.2, 0.6, 0.0, 0.6),
    "ɾ": Shape(0.25, 0.2, 0.0, 0.3), "ʔ": Shape(0.15, 0.0, 0.0, 0.3),
    "x": Shape(0.3, 0.0, 0.0, 0.3),
    "p": Shape(0.0, 0.0, 0.0, 1.0), "b": Shape(0.0, 0.0, 0.0, 1.0), "m": Shape(0.0, 0.0, 0.0, 1.0),
}
# Stress and length marks, and tie bars, carry no shape of their own.
_MARKS = frozenset("ˈˌːˑ‿͡")
_PAUSES = frozenset({SILENCE, " ", ",", ".", "!", "?", ";", ":", "—", "…", "^", "$"})


def shape_of(phoneme: str) -> Shape | None:
    """The target for a phoneme; REST for pauses; None for marks that add nothing."""
    if phoneme in _PAUSES or phoneme.strip() == "":
        return REST
    if phoneme in _MARKS:
        return None
    return _TABLE.get(phoneme) or _TABLE.get(phoneme[:1]) or Shape(0.35, 0.1, 0.0, 0.4)


@dataclass(frozen=True)
class MouthCurves:
    """Sampled at RATE per second from the chunk's first sample."""

    jaw: np.ndarray
    spread: np.ndarray
    round: np.ndarray
    closure: np.ndarray  # 1 where the lips must be shut (p, b, m)

    def at(self, t: float) -> tuple[float, float, float, float]:
        x = t * RATE
        i = int(np.clip(np.floor(x), 0, len(self.jaw) - 1))
        j = min(i + 1, len(self.jaw) - 1)
        f = float(np.clip(x - i, 0.0, 1.0))

        def lerp(a: np.ndarray) -> float:
            return float(a[i] * (1 - f) + a[j] * f)

        return lerp(self.jaw), lerp(self.spread), lerp(self.round), lerp(self.closure)


def mouth_curves(phonemes: tuple[PhonemeTiming, ...], sample_rate: int,
                 n_samples: int) -> MouthCurves:
    n = max(1, int(np.ceil(n_samples / sample_rate * RATE)) + 1)
    t = np.arange(n) / RATE
    centres, spans, targets, weights = [], [], [], []
    closure = np.zeros(n)
    for p in phonemes:
        shape = shape_of(p.phoneme)
        if shape is None or p.length <= 0:
            continue
        t0, dur = p.start / sample_rate, p.length / sample_rate
        centres.append(t0 + dur / 2)
        spans.append(dur)
        targets.append((shape.jaw, shape.spread, shape.round))
        weights.append(shape.dominance)
        if p.phoneme in BILABIALS:
            # Shut for the whole phoneme, ramping over 15 ms on either side.
            ramp = 0.015
            rise = np.clip((t - (t0 - ramp)) / ramp, 0, 1)
            fall = np.clip(((t0 + dur + ramp) - t) / ramp, 0, 1)
            closure = np.maximum(closure, np.minimum(rise, fall))
    if not centres:
        zero = np.zeros(n)
        return MouthCurves(zero, zero, zero, closure)
    c = np.array(centres)[:, None]
    tau = 0.5 * np.array(spans)[:, None] + 0.035  # reach of a phoneme into its neighbours
    dom = np.array(weights)[:, None] * np.exp(-np.abs(t[None, :] - c) / tau)
    dom += 1e-9
    tgt = np.array(targets)  # P x 3
    blended = (dom[:, None, :] * tgt[:, :, None]).sum(axis=0) / dom.sum(axis=0)
    return MouthCurves(blended[0], blended[1], blended[2], closure)
