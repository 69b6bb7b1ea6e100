"""The person's own mouths, cut from their clip, and how to choose among them.

Each atlas frame is described like the voice's mouth curves (speechmouth.py): how far
the lips are open and how much wider or narrower than at rest they are, on the curves'
scale. The scale comes from the person: their wide-open mouth in speech (95th
percentile) is the curves' wide-open value, their closed mouth is zero. New speech then
picks, frame by frame, the recorded mouths nearest to its curves (select.choose).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livehost.avatar.video.package import VideoAvatar
from livehost.avatar.video.select import choose
from livehost.lipsync.atlas.paste import Patch, cut_patch

# the curves' values for speech from the demo voice, 95th percentile while speaking
CURVE_OPEN = 0.38
CURVE_SPREAD = 0.42
CURVE_ROUND = 0.47
WIDTH_WEIGHT = 0.25  # lip width counts a quarter as much as the opening (tuned on the
# synthetic clip: more, and the opening follows the voice less closely)
MAX_YAW = 25.0  # degrees: a mouth from a head turned further is not used
POSE_WEIGHT = 0.02  # per (10 degrees)^2 of head turn or nod between patch and base


@dataclass(frozen=True)
class Calibration:
    rest_opening: float
    open_opening: float
    rest_width: float
    spread_width: float  # relative widening at a wide smile-like "ee" (positive)
    round_width: float  # relative narrowing at an "oo" (positive)

    def describe(self, opening: np.ndarray, width: np.ndarray) -> np.ndarray:
        """N x 2 (opening, spread minus rounding) on the curves' scale."""
        jaw = (opening - self.rest_opening) / (self.open_opening - self.rest_opening)
        rel = width / self.rest_width - 1
        # one scale for both sides, the person's larger: a person who hardly rounds their
        # lips must not have every slightly narrow mouth read as a full "oo"
        scale = max(self.spread_width, self.round_width)
        lips = np.where(rel >= 0, rel / scale * CURVE_SPREAD, rel / scale * CURVE_ROUND)
        return np.column_stack([np.clip(jaw, -0.2, 1.5) * CURVE_OPEN, lips]).astype(np.float32)


def calibrate(avatar: VideoAvatar, frames: np.ndarray) -> Calibration:
    opening, width = avatar.opening[frames], avatar.width[frames]
    speaking = avatar.speaking[frames]
    rest_open = float(np.percentile(opening, 5))
    open_open = float(np.percentile(opening[speaking] if speaking.sum() > 10 else opening, 95))
    near_rest = opening <= np.percentile(opening, 35)
    rest_width = float(np.median(width[near_rest]))
    rel = width / rest_width - 1
    spread = float(np.percentile(rel[rel > 0], 95)) if (rel > 0).sum() > 5 else 0.1
    narrow = float(np.percentile(-rel[rel < 0], 95)) if (rel < 0).sum() > 5 else 0.1
    return Calibration(rest_open, max(open_open, rest_open + 1e-3), rest_width,
                       max(spread, 0.02), max(narrow, 0.02))


def targets(opening: np.ndarray, spread: np.ndarray, rnd: np.ndarray) -> np.ndarray:
    """The wanted (opening, spread minus rounding) from the voice's curves."""
    return np.column_stack([opening, spread - rnd]).astype(np.float32)


def weighted(shapes: np.ndarray) -> np.ndarray:
    return shapes * np.array([1.0, np.sqrt(WIDTH_WEIGHT)], np.float32)


@dataclass
class MouthAtlas:
    patches: list[Patch]
    source: np.ndarray  # A: clip frame numbers
    shapes: np.ndarray  # A x 2, weighted
    pose: np.ndarray  # A x 3
    calibration: Calibration

    def choose(self, wanted: np.ndarray, base_pose: np.ndarray) -> np.ndarray:
        """Atlas rows for T wanted (opening, spread minus rounding), each to go on a base
        frame with the head pose `base_pose` (T x 3)."""
        turn = self.pose[None, :, [0, 2]] - base_pose[:, None, [0, 2]]
        extra = POSE_WEIGHT * ((np.nan_to_num(turn) / 10.0) ** 2).sum(axis=2)
        return choose(weighted(wanted), self.shapes, self.source, extra=extra)

    def nearest(self, wanted: np.ndarray, previous: int | None) -> int:
        """One frame at a time (a live voice): the nearest, or the recorded frame after the
        last one shown when that is nearly as near (the motion plays on)."""
        d = ((self.shapes - weighted(wanted[None])[0]) ** 2).sum(axis=1)
        best = int(np.argmin(d))
        if previous is not None and previous + 1 < len(self.source):
            follow = previous + 1
            if self.source[follow] == self.source[previous] + 1 and d[follow] <= d[best] + 0.002:
                return follow
        return best


def atlas_frames(avatar: VideoAvatar) -> np.ndarray:
    """The clip frames whose mouths may be shown: the reading and the idle take, with one
    face found, not turned far away."""
    good = ~np.isnan(avatar.landmarks[:, 0, 0]) & ~np.isnan(avatar.opening)
    good &= np.abs(np.nan_to_num(avatar.pose[:, 0], nan=90.0)) <= MAX_YAW
    keep = np.zeros(len(good), bool)
    for name in ("reading", "idle"):
        seg = avatar.segment(name)
        if seg is not None:
            keep[seg.start : seg.end + 1] = True
    if not keep.any():
        keep[:] = True
    return np.flatnonzero(good & keep)


class AtlasBuilder:
    """Collects patches while the frames are decoded once, in order."""

    def __init__(self, avatar: VideoAvatar) -> None:
        self.avatar = avatar
        self.frames = atlas_frames(avatar)
        self._wanted = set(self.frames.tolist())
        self._patches: dict[int, Patch] = {}

    def offer(self, n: int, rgb: np.ndarray) -> None:
        if n in self._wanted:
            self._patches[n] = cut_patch(rgb, self.avatar.landmarks[n])

    def build(self) -> MouthAtlas:
        frames = np.array(sorted(self._patches), int)
        if len(frames) < 10:
            raise ValueError(f"{self.avatar.folder}: only {len(frames)} usable mouths")
        calibration = calibrate(self.avatar, frames)
        shapes = calibration.describe(self.avatar.opening[frames], self.avatar.width[frames])
        return MouthAtlas([self._patches[n] for n in frames], frames, weighted(shapes),
                          self.avatar.pose[frames], calibration)
