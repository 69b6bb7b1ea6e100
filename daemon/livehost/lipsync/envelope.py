"""Loudness envelope of speech, normalised so the mouth can follow it."""

from __future__ import annotations

import numpy as np

from livehost.lipsync.visemes import RATE


def envelope(audio: np.ndarray, sample_rate: int, rate: float = RATE) -> np.ndarray:
    """0..1 loudness sampled at `rate` per second from sample 0 (20 ms RMS windows).

    0 is silence (below -45 dBFS), 1 is this voice at full loudness (-12 dBFS); the fixed
    scale keeps a quiet sentence quieter on the face too.
    """
    x = audio.astype(np.float32) / 32768.0
    hop = sample_rate / rate
    n = max(1, int(np.ceil(len(x) / hop)) + 1)
    half = int(0.010 * sample_rate)
    centres = (np.arange(n) * hop).astype(np.int64)
    # Windowed RMS through a cumulative sum: O(samples), cheap enough per sentence.
    csum = np.concatenate([[0.0], np.cumsum(x.astype(np.float64) ** 2)])
    lo = np.clip(centres - half, 0, len(x))
    hi = np.clip(centres + half, 0, len(x))
    power = (csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)
    db = 10 * np.log10(power + 1e-12)
    return np.clip((db + 45.0) / 33.0, 0.0, 1.0).astype(np.float32)
