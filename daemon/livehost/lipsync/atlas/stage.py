"""Where the clip's picture sits in the host area: scaled to its height, centred, with
a blurred backdrop of its own colours at the sides (as the photo host's portrait)."""

from __future__ import annotations

import cv2
import numpy as np

from livehost.lipsync.layout import fit_portrait, place_portrait


class Stage:
    def __init__(self, first: np.ndarray, width: int, height: int) -> None:
        size = (first.shape[1], first.shape[0])
        self.layout = fit_portrait(size, width, height)
        self.backdrop, _ = place_portrait(first, self.layout, width, height)
        self._scaled_width = round(size[0] * self.layout.scale)
        self._edge = max(2, self.layout.w // 40)
        self._ramp = np.linspace(0, 1, self._edge, dtype=np.float32)[None, :, None]

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Points in the clip's pixels (N x 2+) in the host area's pixels (N x 2)."""
        return self.layout.to_frame(points.copy())

    def show(self, picture: np.ndarray) -> np.ndarray:
        """The host-area frame for one clip picture (at the package's size)."""
        lay = self.layout
        if lay.scale != 1.0:
            interpolation = cv2.INTER_AREA if lay.scale < 1 else cv2.INTER_LINEAR
            picture = cv2.resize(picture, (self._scaled_width, lay.h), interpolation=interpolation)
        picture = picture[: lay.h, lay.cut : lay.cut + lay.w]
        frame = self.backdrop.copy()
        ys, xs = lay.rect
        frame[ys, xs] = picture
        e = self._edge
        for cols, ramp in ((slice(lay.x0, lay.x0 + e), self._ramp),
                           (slice(lay.x0 + lay.w - e, lay.x0 + lay.w), self._ramp[:, ::-1])):
            if lay.x0 == 0 and lay.w == frame.shape[1]:
                break  # the picture fills the area: no edges to fade
            back = self.backdrop[ys, cols].astype(np.float32)
            front = frame[ys, cols].astype(np.float32)
            frame[ys, cols] = (back * (1 - ramp) + front * ramp).astype(np.uint8)
        return frame
