"""The warp engine: the default, CPU-only lip-sync engine."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from livehost.avatar.package import Avatar
from livehost.lipsync.engine import LipSyncEngine
from livehost.lipsync.idle import IdleMotion, Pose
from livehost.lipsync.layout import Layout, fit_portrait, place_portrait
from livehost.lipsync.speechmouth import SpeechMouth, speech_mouth
from livehost.lipsync.timeline import Placed
from livehost.lipsync.warp.mouth import paint_mouth
from livehost.lipsync.warp.rig import (
    MOTIONS,
    Rig,
    build_rig,
    load_rig,
    rig_cache_key,
    save_rig,
)

log = logging.getLogger(__name__)
BREATH_DEPTH = 0.012  # eye distances the chest rises


@dataclass(frozen=True)
class Mouth:
    """Mouth weights for one instant: jaw opening, lip spread, rounding (0..1)."""

    jaw: float = 0.0
    spread: float = 0.0
    round: float = 0.0
    loudness: float = 0.0  # smoothed, drives head emphasis


class WarpEngine(LipSyncEngine):
    name = "warp"

    def __init__(self, width: int, height: int, fps: int, seed: int = 7,
                 cache_dir: Path | None = None) -> None:
        super().__init__(width, height, fps)
        self.cache_dir = cache_dir  # rigs take seconds to fit: keep them across restarts
        self.idle = IdleMotion(seed)
        self.layout: Layout | None = None
        self.rig: Rig | None = None
        self.base: np.ndarray | None = None
        self._rest_gap = 0.0

    def prepare(self, avatar: Avatar) -> None:
        self.layout = fit_portrait(avatar.manifest.image_size, self.width, self.height)
        self.base, _ = place_portrait(avatar.image, self.layout, self.width, self.height)
        lm = avatar.landmarks.copy()
        lm[:, :2] = self.layout.to_frame(lm)
        ys, xs = self.layout.rect
        rect = (ys.start, ys.stop, xs.start, xs.stop)
        self.rig = self._cached_rig(lm, rect)
        self._rest_gap = float(np.max(self.rig.lips[11:, 1] - self.rig.lips[:11, 1]))

    def _cached_rig(self, lm: np.ndarray, rect: tuple[int, int, int, int]) -> Rig:
        if self.cache_dir is None:
            return build_rig(lm, self.width, self.height, rect)
        key = rig_cache_key(lm, self.width, self.height, rect)
        path = self.cache_dir / "warp-rig" / f"{key}.npz"
        rig = load_rig(path)
        if rig is None:
            rig = build_rig(lm, self.width, self.height, rect)
            try:
                save_rig(rig, path)
            except OSError as exc:  # a read-only cache costs start-up time, nothing else
                log.warning("cannot cache the warp rig in %s: %s", path.parent, exc)
        return rig

    def _analyse(self, placed: Placed) -> None:
        placed.features["mouth"] = speech_mouth(placed.chunk)

    def mouth_at(self, t: float) -> Mouth:
        placed = self.timeline.at(t)
        if placed is None:
            live = self.live.at(t)  # a person's voice in a takeover, by loudness and timbre
            return Mouth() if live is None else Mouth(*live)
        mouth: SpeechMouth = placed.features["mouth"]  # type: ignore[assignment]
        return Mouth(*mouth.at(t - placed.start))

    def weights(self, t: float) -> tuple[np.ndarray, Pose, Mouth]:
        rig = self._rig()
        mouth = self.mouth_at(t)
        pose = self.idle.pose(t, mouth.loudness)
        e = rig.eye_distance
        values = {
            "jaw": mouth.jaw, "spread": mouth.spread, "round": mouth.round,
            "blink": pose.blink, "roll": pose.roll,
            "shift_x": pose.shift_x * e, "shift_y": pose.shift_y * e,
            "breath": pose.breath * BREATH_DEPTH * e,
        }
        return np.array([values[m] for m in MOTIONS], np.float32), pose, mouth

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        for n in range(first, stop):
            yield self.render(self.time_of(n))

    def render(self, t: float) -> np.ndarray:
        rig = self._rig()
        assert self.base is not None
        w, _, _ = self.weights(t)
        h2, w2 = rig.field_shape
        y0, y1, x0, x1 = rig.roi
        field = (w @ rig.fields).reshape(h2, w2, 2)  # one BLAS pass over all motions
        maps = cv2.resize(field, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        maps += rig.identity
        frame = self.base.copy()
        frame[y0:y1, x0:x1] = cv2.remap(self.base, maps, None, cv2.INTER_LINEAR,
                                        borderMode=cv2.BORDER_REPLICATE)
        lips = rig.lips + np.tensordot(w, rig.lip_moves, axes=1)
        paint_mouth(frame, lips[:11], lips[11:], rig.eye_distance, self._rest_gap)
        return frame

    def _rig(self) -> Rig:
        if self.rig is None:
            raise RuntimeError("prepare(avatar) first")
        return self.rig

