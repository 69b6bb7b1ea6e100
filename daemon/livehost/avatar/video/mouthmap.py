"""From speech to the person's own mouth: small maps fitted on the clip's reading.

Mouths are described by their first few principal components (the person's own mouth
shapes, head-normalised); a ridge regression maps speech features onto them. Two kinds
of features: the clip's sound (log-mel energies around each frame's time), and the
voice's mouth curves for the reading text aligned to the clip (the voice map: what the
atlas engine uses on air, since it speaks with the voice's phonemes, not a sound).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

RATE = 16000
HOP = 160  # 10 ms
WINDOW = 400  # 25 ms
BANDS = 40
CONTEXT = (-4, -2, 0, 2, 4)  # hops around the frame: 80 ms of sound either side
COMPONENTS = 6
RIDGE = 3.0
# the voice's mouth curves around a frame (seconds): a mouth starts to shape a sound
# before it is heard and lets it go after
VOICE_CONTEXT = (-0.12, -0.04, 0.0, 0.04, 0.12)


@dataclass(frozen=True)
class MouthMap:
    mean_features: np.ndarray
    scale_features: np.ndarray
    weights: np.ndarray  # features -> components
    mean_lips: np.ndarray  # P x 2
    basis: np.ndarray  # COMPONENTS x (P * 2)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Mouth components for feature rows."""
        x = (features - self.mean_features) / self.scale_features
        return np.hstack([x, np.ones((len(x), 1))]) @ self.weights

    def components(self, lips: np.ndarray) -> np.ndarray:
        return (lips - self.mean_lips).reshape(len(lips), -1) @ self.basis.T


def log_mel(audio: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Log mel energies, one row per 10 ms hop from sample 0 (T x BANDS)."""
    x = audio.astype(np.float32) / 32768.0
    n = max(1, 1 + (len(x) - WINDOW) // HOP)
    if len(x) < WINDOW:
        x = np.pad(x, (0, WINDOW - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, WINDOW)[::HOP][:n]
    power = np.abs(np.fft.rfft(frames * np.hanning(WINDOW), axis=1)) ** 2
    return np.log(power @ _mel_filters(rate).T + 1e-8).astype(np.float32)


def frame_features(mel: np.ndarray, count: int, fps: float) -> np.ndarray:
    """Sound features for video frames 0 .. count-1 (count x BANDS * len(CONTEXT))."""
    centres = np.round(np.arange(count) / fps * RATE / HOP).astype(int)
    rows = [mel[np.clip(centres + k, 0, len(mel) - 1)] for k in CONTEXT]
    return np.hstack(rows)


def voice_features(curves_at: Callable[[np.ndarray], np.ndarray], times: np.ndarray
                   ) -> np.ndarray:
    """Features of the voice's mouth curves for frames at `times` (T x 3 * context):
    `curves_at(t)` gives (opening, spread, round) rows at those times."""
    return np.hstack([curves_at(times + dt) for dt in VOICE_CONTEXT]).astype(np.float32)


def fit(features: np.ndarray, lips: np.ndarray) -> MouthMap:
    """A map from `features` (K x F) to the mouths `lips` (K x P x 2) of the same frames."""
    mean_lips = lips.mean(axis=0)
    centred = (lips - mean_lips).reshape(len(lips), -1)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    basis = vt[:COMPONENTS]
    targets = centred @ basis.T
    mean_f = features.mean(axis=0)
    scale_f = features.std(axis=0) + 1e-6
    x = np.hstack([(features - mean_f) / scale_f, np.ones((len(features), 1))])
    ridge = RIDGE * np.eye(x.shape[1])
    ridge[-1, -1] = 0.0  # the intercept is not shrunk
    weights = np.linalg.solve(x.T @ x + ridge * len(x) / 100, x.T @ targets)
    return MouthMap(mean_f, scale_f, weights, mean_lips, basis)


def _mel_filters(rate: int) -> np.ndarray:
    """Triangular mel filters over the rfft bins of WINDOW samples (BANDS x bins)."""
    bins = WINDOW // 2 + 1

    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595 * np.log10(1 + hz / 700)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700 * (10 ** (m / 2595) - 1)

    edges = hz(np.linspace(mel(np.array(60.0)), mel(np.array(rate / 2 * 0.9)), BANDS + 2))
    freqs = np.linspace(0, rate / 2, bins)
    filters = np.zeros((BANDS, bins), np.float32)
    for b in range(BANDS):
        lo, mid, hi = edges[b : b + 3]
        rise = (freqs - lo) / (mid - lo)
        fall = (hi - freqs) / (hi - mid)
        filters[b] = np.clip(np.minimum(rise, fall), 0, None)
    return filters
