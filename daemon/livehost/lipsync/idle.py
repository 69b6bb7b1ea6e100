"""Life when nothing is said: blinks, breathing and a slow drift of the head.

Everything here is a pure function of media time and a seed, so frame n looks the same
however often, and in whatever order, it is rendered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# People blink every 2-10 s, ~15-20 times a minute when talking; a blink lasts 100-400 ms.
BLINK_MIN_GAP = 2.0
BLINK_MAX_GAP = 7.0
BLINK_CLOSE = 0.07  # seconds to shut
BLINK_HOLD = 0.03
BLINK_OPEN = 0.12  # opening is slower than closing
BREATHS_PER_SECOND = 0.25  # 15 a minute


@dataclass(frozen=True)
class Pose:
    blink: float  # 0 open .. 1 shut
    roll: float  # radians
    shift_x: float  # in eye distances
    shift_y: float
    breath: float  # -1 .. 1


class IdleMotion:
    def __init__(self, seed: int = 7, horizon: float = 4 * 3600.0) -> None:
        rng = np.random.default_rng(seed)
        # Gaps from a gamma distribution (mean ~4 s), clipped to the natural range.
        gaps = np.clip(rng.gamma(4.0, 1.0, size=int(horizon / BLINK_MIN_GAP) + 1),
                       BLINK_MIN_GAP, BLINK_MAX_GAP)
        self.blink_starts = np.cumsum(gaps) - gaps[0] + 1.2
        self._phases = rng.uniform(0, 2 * math.pi, size=6)

    def blink(self, t: float) -> float:
        i = int(np.searchsorted(self.blink_starts, t, side="right")) - 1
        if i < 0:
            return 0.0
        dt = t - float(self.blink_starts[i])
        if dt < BLINK_CLOSE:
            return _ease(dt / BLINK_CLOSE)
        dt -= BLINK_CLOSE
        if dt < BLINK_HOLD:
            return 1.0
        dt -= BLINK_HOLD
        if dt < BLINK_OPEN:
            return 1.0 - _ease(dt / BLINK_OPEN)
        return 0.0

    def pose(self, t: float, speaking: float = 0.0) -> Pose:
        """`speaking` (0..1, smoothed loudness) adds a little emphasis to head motion."""
        p = self._phases
        # Incommensurate slow sines: no visible loop. Amplitudes are small on purpose.
        roll = 0.012 * math.sin(2 * math.pi * 0.071 * t + p[0]) \
            + 0.006 * math.sin(2 * math.pi * 0.163 * t + p[1])
        sx = 0.020 * math.sin(2 * math.pi * 0.053 * t + p[2]) \
            + 0.008 * math.sin(2 * math.pi * 0.211 * t + p[3])
        sy = 0.010 * math.sin(2 * math.pi * 0.097 * t + p[4])
        # A talking head nods slightly with its stresses.
        sy += 0.018 * speaking + 0.006 * speaking * math.sin(2 * math.pi * 1.7 * t + p[5])
        breath = math.sin(2 * math.pi * BREATHS_PER_SECOND * t)
        return Pose(self.blink(t), roll, sx, sy, breath)


def _ease(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)
