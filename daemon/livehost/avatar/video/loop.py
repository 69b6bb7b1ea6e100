"""The idle loop: the stretch of the idle take that plays over and over under the host's
talk, from frame `start` to frame `end` and back to `start` without a visible jump.

The loop point is the pair of frames, 4 to 10 s apart, that look most alike: small
pictures compared pixel by pixel, plus the head's pose, so a head that drifted does not
snap back. When even the best pair differs more than the clip's own frame-to-frame
change, the last few frames are cross-faded into the first ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

THUMB = 48  # pixels: the small picture's width for comparing frames
MIN_LOOP = 4.0  # seconds: a shorter loop is noticed
MAX_LOOP = 10.0  # seconds: the engine keeps the loop decoded in memory
POSE_WEIGHT = 0.5  # a degree of head turn counts as much as this mean grey level
FADE_FRAMES = 6  # cross-faded at the seam when it needs it


@dataclass(frozen=True)
class IdleLoop:
    start: int  # frame index, in the clip
    end: int  # the last frame played before going back to start
    seam: float  # difference of frame end and frame start (mean grey levels)
    median_step: float  # the idle take's own median frame-to-frame difference
    fade: int  # frames cross-faded before the seam (0: the seam is clean as it is)


def thumbs(frames: list[np.ndarray]) -> np.ndarray:
    """Small grey pictures (K x h x THUMB, float32) for comparing frames."""
    h, w = frames[0].shape[:2]
    size = (THUMB, max(8, round(THUMB * h / w)))
    return np.stack(
        [
            cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA)
            for f in frames
        ]
    ).astype(np.float32)


def find_loop(small: np.ndarray, pose: np.ndarray, fps: float, first: int = 0) -> IdleLoop:
    """The best loop in the idle take's frames (`small` from thumbs(), `pose` N x 3);
    `first` is the take's first frame in the clip."""
    n = len(small)
    least = max(2, round(MIN_LOOP * fps))
    most = max(least, round(MAX_LOOP * fps))
    if n <= least:
        raise ValueError(f"the idle take has {n} frames; a loop needs more than {least}")
    flat = small.reshape(n, -1)
    steps = np.abs(np.diff(flat, axis=0)).mean(axis=1)
    median_step = float(np.median(steps))
    pose = np.nan_to_num(pose, nan=0.0)
    best = (np.inf, 0, n - 1)
    # the end frame plays just before the start frame again: compare end + 1's look,
    # approximated by end itself, with start
    for i in range(0, n - least):
        js = np.arange(i + least, min(n, i + most + 1))
        pixels = np.abs(flat[js] - flat[i]).mean(axis=1)
        turn = np.abs(pose[js] - pose[i]).sum(axis=1)
        cost = pixels + POSE_WEIGHT * turn
        k = int(np.argmin(cost))
        if cost[k] < best[0]:
            best = (float(cost[k]), i, int(js[k]))
    _, start, end = best
    seam = float(np.abs(flat[end] - flat[start]).mean())
    fade = 0 if seam <= median_step else min(FADE_FRAMES, (end - start) // 4)
    return IdleLoop(first + start, first + end, seam, median_step, fade)


def seam_difference(small: np.ndarray, loop: IdleLoop) -> float:
    """The picture's change across the seam as it will play (after any cross-fade), on
    the clip's small pictures (`small` indexed like the clip)."""
    last = looped_frame(small, loop, loop.end - loop.start)
    return float(np.abs(last - small[loop.start]).mean())


def looped_frame(frames: Sequence[np.ndarray] | np.ndarray, loop: IdleLoop, k: int) -> np.ndarray:
    """The loop's k-th frame (0 = start) as it plays, from `frames` indexed like the clip
    (pictures or small ones): the last `fade` frames blend into the frames before
    `start`, so the seam joins like neighbouring frames."""
    length = loop.end - loop.start + 1
    k %= length
    frame = frames[loop.start + k]
    into_fade = k - (length - loop.fade)
    if loop.fade and into_fade >= 0:
        alpha = (into_fade + 1) / loop.fade  # the last is the frame before start
        target = frames[max(0, loop.start - loop.fade + into_fade)]
        frame = (frame * (1 - alpha) + target * alpha).astype(frame.dtype)
    return frame
