"""Where the clip's picture sits in the host area: scaled to its height, centred, with
a blurred backdrop of its own colours at the sides (as the photo host's portrait)."""

from __future__ import annotations

import cv2
import numpy as np

from livehost.lipsync.layout import backdrop_of, fit_portrait, lay_on


class Stage:
    def __init__(self, first: np.ndarray, width: int, height: int) -> None:
        size = (first.shape[1], first.shape[0])
        self.layout = fit_portrait(size, width, height)
        self.backdrop = backdrop_of(first, width, height)
        self._scaled_width = round(size[0] * self.layout.scale)

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Points in the clip's pixels (N x 2+) in the host area's pixels (N x 2)."""
        return self.layout.to_frame(points.copy())

    def show(self, picture: np.ndarray) -> np.ndarray:
        """The host-area frame for one clip picture (at the package's size)."""
        lay = self.layout
        if lay.scale != 1.0:
            interpolation = cv2.INTER_AREA if lay.scale < 1 else cv2.INTER_LINEAR
            picture = cv2.resize(picture, (self._scaled_width, lay.h), interpolation=interpolation)
        return lay_on(self.backdrop, picture[: lay.h, lay.cut : lay.cut + lay.w], lay)
