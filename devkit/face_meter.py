"""Measuring rendered frames, as a viewer would see them: how open is the mouth, are the
eyes shut. Used by the tests and the benchmark to judge any engine from its pixels."""

from __future__ import annotations

import cv2
import numpy as np

from livehost.avatar import geometry as geo
from livehost.avatar.package import Avatar
from livehost.lipsync.envelope import envelope
from livehost.lipsync.layout import fit_portrait
from livehost.lipsync.timeline import Timeline
from livehost.lipsync.visemes import RATE


class FaceMeter:
    def __init__(self, avatar: Avatar, width: int, height: int) -> None:
        layout = fit_portrait(avatar.manifest.image_size, width, height)
        lm = layout.to_frame(avatar.landmarks.copy())
        self.eye_distance = e = float(np.linalg.norm(np.subtract(*geo.eye_centres(
            np.column_stack([lm, np.zeros(len(lm))])))))
        corners = lm[list(geo.MOUTH_CORNERS)]
        mx, my = corners.mean(axis=0)
        half = abs(corners[1, 0] - corners[0, 0]) * 0.3
        # Centre of the mouth, from just above the lips to well below: room for the
        # jaw's drop and the head's drift.
        self.mouth = _box(mx - half, my - 0.12 * e, mx + half, my + 0.45 * e, width, height)
        self.eyes = []
        for upper, lower in ((geo.LEFT_EYE_UPPER, geo.LEFT_EYE_LOWER),
                             (geo.RIGHT_EYE_UPPER, geo.RIGHT_EYE_LOWER)):
            c = lm[list(upper + lower)].mean(axis=0)
            self.eyes.append(_box(c[0] - 0.18 * e, c[1] - 0.12 * e, c[0] + 0.18 * e,
                                  c[1] + 0.12 * e, width, height))
        self._eye_ref: list[tuple[float, float]] = []
        self._mouth_base = 0.0

    def calibrate(self, still_frame: np.ndarray) -> None:
        """A frame with the mouth shut and eyes open sets the zero of both measures."""
        self._mouth_base = self._mouth_pixels(still_frame)
        self._eye_ref = []
        for y0, y1, x0, x1 in self.eyes:
            grey = _grey(still_frame[y0:y1, x0:x1])
            iris = float(np.percentile(grey, 8))
            skin = float(np.median(grey))
            threshold = iris + 0.35 * (skin - iris)
            self._eye_ref.append((threshold, float((grey < threshold).sum())))

    def mouth_opening(self, frame: np.ndarray) -> float:
        """Opening in eye distances: cavity and teeth pixels per column of the mouth box."""
        return max(0.0, self._mouth_pixels(frame) - self._mouth_base) / self.eye_distance

    def eye_closure(self, frame: np.ndarray) -> float:
        """The share of the open eye's dark (iris, pupil) pixels that the lids now hide:
        0 open; a shut eye reads only 0.2-0.3 on the demo avatar because the lash line stays
        dark. Counting, not comparing places, keeps it steady as the head drifts."""
        if not self._eye_ref:
            raise RuntimeError("calibrate() with an open-eyed frame first")
        values = []
        for (y0, y1, x0, x1), (threshold, open_count) in zip(self.eyes, self._eye_ref,
                                                              strict=True):
            count = float((_grey(frame[y0:y1, x0:x1]) < threshold).sum())
            values.append(1 - count / max(open_count, 1.0))
        return float(np.clip(np.mean(values), 0, 1))

    def _mouth_pixels(self, frame: np.ndarray) -> float:
        y0, y1, x0, x1 = self.mouth
        hsv = cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
        s, v = hsv[..., 1].astype(np.float32) / 255, hsv[..., 2].astype(np.float32)
        inside = (v < 95) | ((s < 0.22) & (v > 150))  # dark cavity, or teeth
        return float(inside.sum()) / max(x1 - x0, 1)


def loudness_per_frame(timeline: Timeline, frames: int, fps: int) -> np.ndarray:
    """The voice's loudness envelope (0..1) at each of the first `frames` video frames,
    0 where nothing is said: what the mouth's opening is compared with."""
    loud = np.zeros(frames)
    for placed in timeline.between(0, frames / fps):
        env = envelope(placed.chunk.audio, placed.chunk.sample_rate)
        for i in range(frames):
            k = round((i / fps - placed.start) * RATE)
            if 0 <= k < len(env) and i / fps < placed.end:
                loud[i] = env[k]
    return loud


def _grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)


def _box(x0: float, y0: float, x1: float, y1: float, w: int, h: int) -> tuple[int, int, int, int]:
    return (max(0, int(y0)), min(h, int(np.ceil(y1))), max(0, int(x0)), min(w, int(np.ceil(x1))))
