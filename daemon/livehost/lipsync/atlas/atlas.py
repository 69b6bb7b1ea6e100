"""The person's own mouths, cut from their clip, and how to choose among them.

New speech picks, frame by frame, the recorded mouths nearest to what its curves
(speechmouth.py) want (select.choose). Near in one of two ways:

- the voice map (when the build could align its reading text with the clip): the
  person's own map from the voice's curves to their mouth shapes (principal components
  of the head-normalised lips), learnt on their reading; mouths are compared as shapes;
- else a description of each mouth like the curves: how far the lips are open and how
  much wider or narrower than the opening alone makes them, on the curves' scale (the
  person's wide-open mouth in speech, 95th percentile, is the curves' wide-open value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from livehost.avatar.video.mouthmap import MouthMap, voice_features
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
POSE_WEIGHT = 1.0  # per (10 degrees)^2 of head turn or nod between patch and base, in
# units of the atlas's own spread of shapes (mean squared distance from the mean)

Curves = Callable[[np.ndarray], np.ndarray]  # times -> (opening, spread, round) rows


@dataclass(frozen=True)
class Calibration:
    rest_opening: float
    open_opening: float
    rest_width: float
    width_per_opening: float  # how much wider (or narrower) the mouth gets as it opens
    spread_width: float  # relative widening at a wide "ee", beyond what the jaw does
    round_width: float  # relative narrowing at an "oo" (positive)

    def relative_width(self, opening: np.ndarray, width: np.ndarray) -> np.ndarray:
        """Width against the width this opening gives by itself: a jaw that drops also
        changes the mouth's width, and that must not read as a smile or an "oo"."""
        expected = self.rest_width + self.width_per_opening * (opening - self.rest_opening)
        return width / np.maximum(expected, 1e-6) - 1

    def describe(self, opening: np.ndarray, width: np.ndarray) -> np.ndarray:
        """N x 2 (opening, spread minus rounding) on the curves' scale."""
        jaw = (opening - self.rest_opening) / (self.open_opening - self.rest_opening)
        rel = self.relative_width(opening, width)
        # one scale for both sides, the person's larger: a person who hardly rounds their
        # lips must not have every slightly narrow mouth read as a full "oo"
        scale = max(self.spread_width, self.round_width)
        lips = np.where(rel >= 0, rel / scale * CURVE_SPREAD, rel / scale * CURVE_ROUND)
        return np.column_stack([np.clip(jaw, -0.2, 1.5) * CURVE_OPEN, lips]).astype(np.float32)


def calibrate(opening: np.ndarray, width: np.ndarray, speaking: np.ndarray) -> Calibration:
    """The person's scale, from the measured mouths of some frames."""
    rest_open = float(np.percentile(opening, 5))
    open_open = float(np.percentile(opening[speaking] if speaking.sum() > 10 else opening, 95))
    near_rest = opening <= np.percentile(opening, 35)
    rest_width = float(np.median(width[near_rest]))
    slope = float(np.polyfit(opening - rest_open, width, 1)[0]) if len(opening) > 10 else 0.0
    partial = Calibration(rest_open, max(open_open, rest_open + 1e-3), rest_width, slope,
                          1.0, 1.0)
    rel = partial.relative_width(opening, width)
    spread = float(np.percentile(rel[rel > 0], 95)) if (rel > 0).sum() > 5 else 0.1
    narrow = float(np.percentile(-rel[rel < 0], 95)) if (rel < 0).sum() > 5 else 0.1
    return Calibration(rest_open, max(open_open, rest_open + 1e-3), rest_width, slope,
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
    space: np.ndarray  # A x C: each mouth where wanted shapes are compared with it
    pose: np.ndarray  # A x 3
    calibration: Calibration
    voice_map: MouthMap | None = None  # None: the description stands in for it

    def __post_init__(self) -> None:
        # the atlas's own spread of shapes: the scale of the head-pose cost
        self.spread = float(((self.space - self.space.mean(axis=0)) ** 2).sum(axis=1).mean())

    @classmethod
    def of(cls, patches: list[Patch], source: np.ndarray, opening: np.ndarray,
           width: np.ndarray, speaking: np.ndarray, lips: np.ndarray, pose: np.ndarray,
           voice_map: MouthMap | None) -> MouthAtlas:
        """The atlas of these recorded mouths (each array indexed like `source`)."""
        calibration = calibrate(opening, width, speaking)
        if voice_map is not None:
            space = voice_map.components(lips).astype(np.float32)
        else:
            space = weighted(calibration.describe(opening, width))
        return cls(patches, source, space, pose, calibration, voice_map)

    def wanted(self, curves_at: Curves, times: np.ndarray) -> np.ndarray:
        """The wanted point in `space` for frames at `times` of the voice's curves."""
        if self.voice_map is not None:
            return self.voice_map.predict(voice_features(curves_at, times)).astype(np.float32)
        c = curves_at(times)
        return weighted(targets(c[:, 0], c[:, 1], c[:, 2]))

    def choose(self, wanted: np.ndarray, base_pose: np.ndarray) -> np.ndarray:
        """Atlas rows for T wanted points, each mouth to go on a base frame with the head
        pose `base_pose` (T x 3)."""
        turn = self.pose[None, :, [0, 2]] - base_pose[:, None, [0, 2]]
        extra = POSE_WEIGHT * self.spread * ((np.nan_to_num(turn) / 10.0) ** 2).sum(axis=2)
        return choose(wanted, self.space, self.source, extra=extra)

    def nearest(self, wanted: np.ndarray, previous: int | None) -> int:
        """One frame at a time (a live voice): the nearest, or the recorded frame after the
        last one shown when that is nearly as near (the motion plays on)."""
        d = ((self.space - wanted[None]) ** 2).sum(axis=1)
        best = int(np.argmin(d))
        if previous is not None and previous + 1 < len(self.source):
            follow = previous + 1
            slack = 0.05 * float(np.median(d))
            if self.source[follow] == self.source[previous] + 1 and d[follow] <= d[best] + slack:
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
        a = self.avatar
        return MouthAtlas.of([self._patches[n] for n in frames], frames, a.opening[frames],
                             a.width[frames], a.speaking[frames], a.lips[frames],
                             a.pose[frames], a.voice_map)
