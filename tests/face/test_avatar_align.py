"""The reading's alignment (avatar/video/align.py): dynamic time warping on signals whose
warp is known, and the map it gives between the two timelines."""

from __future__ import annotations

import numpy as np
import pytest

from livehost.avatar.video.align import Alignment, Spoken, curves, dtw


def _smooth_signal(n: int, bands: int = 8, seed: int = 3) -> np.ndarray:
    """A random signal that changes over a few steps, like log-mel rows of speech."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, bands))
    kernel = np.hanning(9) / np.hanning(9).sum()
    return np.stack([np.convolve(x[:, k], kernel, mode="same") for k in range(bands)], 1) * 3


def _warp(n: int) -> np.ndarray:
    """Where each of n rows of the stretched copy comes from in the original: a slow
    stretch (x1.5), a held pause (30 rows on one row), a fast stretch (x0.7), steady."""
    speeds = np.concatenate([np.full(120, 1 / 1.5), np.zeros(30), np.full(100, 1 / 0.7),
                             np.ones(n - 250)])
    return np.concatenate([[0.0], np.cumsum(speeds)[:-1]])


def test_dtw_recovers_a_known_time_stretch() -> None:
    original = _smooth_signal(400)
    source = _warp(330)
    rng = np.random.default_rng(5)
    stretched = original[np.round(source).astype(int)] + 0.1 * rng.standard_normal((330, 8))
    path = dtw(stretched, original, band=120)
    assert path[0].tolist() == [0, 0] and path[-1, 0] == 329
    assert np.all(np.diff(path, axis=0) >= 0)  # monotone on both sides
    found = np.array([path[path[:, 0] == i, 1].mean() for i in range(330)])
    error = np.abs(found - source)
    print(f"dtw on a known stretch: median {np.median(error):.2f} rows, max {error.max():.2f}")
    assert np.median(error) <= 1.0 and error.max() <= 4.0


def test_the_path_may_stop_before_the_text_does() -> None:
    # the clip holds only the first 60 % of the text (a take cut before the reading ends)
    original = _smooth_signal(300, seed=11)
    source = _warp(330)[:200]
    path = dtw(original[np.round(source).astype(int)], original, band=120)
    assert path[-1, 0] == 199
    assert abs(path[-1, 1] - source[-1]) <= 3  # it ends where the clip stopped reading


def test_the_voices_curves_follow_the_warp() -> None:
    # the voice opens its mouth at 0.5 s for 0.2 s; the clip says the same 1 s later
    mouth = np.zeros((200, 4), np.float32)
    mouth[50:70, 0] = 0.3
    spoken = Spoken(np.zeros(32000, np.int16), 16000, (), mouth)
    shift = Alignment(np.arange(300) / 100, np.clip(np.arange(300) / 100 - 1.0, 0, None))
    shapes = curves(spoken, shift, np.array([0.55, 1.55, 1.75]))
    assert shapes.shape == (3, 3)
    assert shapes[0, 0] == 0 and shapes[1, 0] > 0.29 and shapes[2, 0] == 0
    assert shift.to_clip(np.array([0.6]))[0] == pytest.approx(1.6)
