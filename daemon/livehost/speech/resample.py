"""Whole pieces of int16 mono speech at another sample rate (FFmpeg's resampler)."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np


def resample_pcm(audio: np.ndarray, rate: int, to: int) -> np.ndarray:
    """`audio` (int16 mono at `rate`) at `to`, with a fresh resampler: the piece is whole,
    so nothing is held back for the next one."""
    if rate == to:
        return audio.astype(np.int16, copy=False)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=to)
    frame = av.AudioFrame.from_ndarray(audio.reshape(1, -1).astype(np.int16), format="s16",
                                       layout="mono")
    frame.sample_rate = rate
    frame.time_base = Fraction(1, rate)
    parts = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)
