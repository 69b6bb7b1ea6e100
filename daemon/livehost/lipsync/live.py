"""The mouth from live audio (a person driving the host in a takeover), with no phonemes.

A live voice comes in a few milliseconds at a time and must move the mouth within the
frame it is heard in, so nothing can look ahead: loudness opens the jaw (the same dBFS
scale as the voice's envelope), and the spectral shape of each 10 ms hop picks the lips:
energy high in the spectrum ("ee", "s") spreads them, energy low in it ("oo", "o")
rounds them. Causal smoothing with a fast attack and a slower release keeps the jaw from
chattering; its state carries from one chunk to the next.
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from livehost.lipsync.visemes import RATE

ATTACK = 0.012  # seconds: a syllable opens the jaw within a frame
RELEASE = 0.06  # and it closes a little slower, as a real jaw falls
SPREAD_HZ = (900.0, 2600.0)  # spectral centroid from neutral to fully spread lips
ROUND_HZ = (700.0, 350.0)  # ... and from neutral to fully rounded (lower is rounder)
KEEP = 4.0  # seconds of live mouth kept behind the output (frames may be drawn again)


@dataclass(frozen=True)
class LiveCurves:
    """Mouth curves of one piece of live audio at RATE per second from `start`."""

    start: float  # media seconds
    opening: np.ndarray
    spread: np.ndarray
    round: np.ndarray
    loudness: np.ndarray

    @property
    def end(self) -> float:
        return self.start + len(self.opening) / RATE


class LiveMouth:
    """Turns live audio, piece by piece, into mouth curves (causal, stateful)."""

    def __init__(self) -> None:
        self._jaw = 0.0
        self._loud = 0.0
        self._leftover = np.zeros(0, np.float32)  # samples short of a whole hop
        self._leftover_rate = 0

    def analyse(self, audio: np.ndarray, rate: int, start: float) -> LiveCurves:
        """Curves for `audio` (int16 mono at `rate`) playing from media time `start`;
        a hop begun in one piece ends in the next, so pieces of any length join up."""
        if rate != self._leftover_rate:
            self._leftover, self._leftover_rate = np.zeros(0, np.float32), rate
        hop = int(rate / RATE)
        x = np.concatenate([self._leftover, audio.astype(np.float32) / 32768.0])
        n = len(x) // hop
        hops = x[: n * hop].reshape(n, hop) if n else np.zeros((0, hop), np.float32)
        self._leftover = x[n * hop :]
        # the curves start where this piece's first whole hop started
        start -= (len(x) - len(audio)) / rate
        power = (hops.astype(np.float64) ** 2).mean(axis=1) if n else np.zeros(0)
        level = np.clip((10 * np.log10(power + 1e-12) + 45.0) / 33.0, 0.0, 1.0)
        centroid = _centroids(hops, rate)
        gate = np.clip((level - 0.08) / 0.32, 0.0, 1.0)
        opening = np.empty(n, np.float32)
        loud = np.empty(n, np.float32)
        up = 1 - np.exp(-1 / (ATTACK * RATE))
        down = 1 - np.exp(-1 / (RELEASE * RATE))
        spread = np.clip((centroid - SPREAD_HZ[0]) / (SPREAD_HZ[1] - SPREAD_HZ[0]), 0, 1)
        for i in range(n):
            # as open as the voice's phonemes open it on average, not a shout: a loud
            # "ah" opens about two thirds, spread lips ("ee") less
            target = gate[i] * (0.2 + 0.45 * level[i]) * (1 - 0.3 * spread[i])
            self._jaw += (up if target > self._jaw else down) * (target - self._jaw)
            self._loud += 0.15 * (level[i] - self._loud)
            opening[i], loud[i] = self._jaw, self._loud
        rounded = np.clip((centroid - ROUND_HZ[0]) / (ROUND_HZ[1] - ROUND_HZ[0]), 0, 1)
        return LiveCurves(
            start,
            opening,
            (spread * gate).astype(np.float32),
            (rounded * gate).astype(np.float32),
            loud,
        )


def _centroids(hops: np.ndarray, rate: int) -> np.ndarray:
    """Spectral centroid (Hz) of each hop, over the band where speech has its formants."""
    if len(hops) == 0:
        return np.zeros(0)
    window = np.hanning(hops.shape[1]).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(hops * window, axis=1))
    freqs = np.fft.rfftfreq(hops.shape[1], 1 / rate)
    band = (freqs >= 150) & (freqs <= 5000)
    s, f = spectrum[:, band], freqs[band]
    return (s * f).sum(axis=1) / np.maximum(s.sum(axis=1), 1e-9)


class LiveTrack:
    """Live mouth curves by media time, for the frames that show them (thread-safe: the
    show's renderer adds and reads, the ticker may add for a late frame)."""

    def __init__(self) -> None:
        self._items: deque[LiveCurves] = deque()
        self._lock = threading.Lock()
        self.mouth = LiveMouth()
        self._until = 0.0  # where the last piece added ended

    def add(self, audio: np.ndarray, rate: int, start: float) -> None:
        with self._lock:
            # a frame drawn again (after a cut) replaces what was added from its time on
            while self._items and self._items[-1].end > start + 1e-6:
                self._items.pop()
            if abs(start - self._until) > 1e-6:
                self.mouth = LiveMouth()  # not where the last piece ended: start afresh
            self._until = start + len(audio) / rate
            curves = self.mouth.analyse(audio, rate, start)
            if len(curves.opening):
                self._items.append(curves)
            while self._items and self._items[0].end < curves.start - KEEP:
                self._items.popleft()

    def at(self, t: float) -> tuple[float, float, float, float] | None:
        """(opening, spread, round, loudness) at media time `t`, or None when no live
        audio covers it."""
        with self._lock:
            starts = [c.start for c in self._items]
            i = bisect.bisect_right(starts, t) - 1
            if i < 0 or t >= self._items[i].end:
                return None
            c = self._items[i]
            k = min(len(c.opening) - 1, int((t - c.start) * RATE))
            return float(c.opening[k]), float(c.spread[k]), float(c.round[k]), float(c.loudness[k])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.mouth = LiveMouth()
