"""The frames a neural mouth is drawn on, and where the face is in each: the warp
engine's animated portrait (one face box), or a video avatar's own clip played by the
atlas engine with no mouth laid on (the box follows the head)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from livehost.avatar import geometry as geo

if TYPE_CHECKING:
    from livehost.lipsync.atlas.engine import AtlasEngine
    from livehost.lipsync.warp.engine import WarpEngine

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in the frame


def face_box(points: np.ndarray, width: int, height: int) -> Box:
    """The square crop a Wav2Lip-style model wants around a face (landmarks N x 2)."""
    x0, y0, x1, y1 = geo.face_box(np.column_stack([points[:, :2], np.zeros(len(points))]))
    # Wav2Lip was trained on detector boxes with ~10 px more chin: square it up too.
    y1 += 0.08 * (y1 - y0)
    # a side in steps of 8 px: a head that moves a pixel keeps its crop's size
    side = 8 * np.ceil(max(x1 - x0, y1 - y0) / 8)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (int(max(0, cx - side / 2)), int(max(0, cy - side / 2)),
            int(min(width, cx + side / 2)), int(min(height, cy + side / 2)))


class PortraitBody:
    def __init__(self, warp: WarpEngine, box: Box) -> None:
        self.warp, self._box = warp, box

    def frame(self, index: int) -> tuple[np.ndarray, Box | None]:
        return self.warp.render(self.warp.time_of(index)), self._box


class ClipBody:
    def __init__(self, clip: AtlasEngine) -> None:
        self.clip = clip

    def frame(self, index: int) -> tuple[np.ndarray, Box | None]:
        picture, points = self.clip.body(index)
        if points is None:
            return picture, None
        return picture, face_box(points, self.clip.width, self.clip.height)

    def cue(self, cues: tuple[str, ...], start: float) -> None:
        self.clip.cue(cues, start)

    def flush(self, after: float) -> None:
        self.clip.flush(after)

    def forget(self, before: float) -> None:
        self.clip.forget(before)
