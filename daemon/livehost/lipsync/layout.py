"""Where the portrait sits in the output frame, and the backdrop around it."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Layout:
    scale: float  # portrait pixels -> frame pixels
    x0: int  # portrait's top-left in the frame
    y0: int
    w: int  # portrait's size in the frame
    h: int
    cut: int = 0  # columns of the scaled portrait cut off on the left (a wide portrait)

    def to_frame(self, pts: np.ndarray) -> np.ndarray:
        """Portrait pixels -> frame pixels (N x 2)."""
        out = pts[..., :2] * self.scale
        out[..., 0] += self.x0 - self.cut
        out[..., 1] += self.y0
        return out

    @property
    def rect(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y0 + self.h), slice(self.x0, self.x0 + self.w)


def fit_portrait(image_size: tuple[int, int], width: int, height: int) -> Layout:
    """Scale the portrait to the frame height and centre it (cropping the sides of a
    portrait wider than the frame)."""
    iw, ih = image_size
    scale = height / ih
    scaled = round(iw * scale)
    w = min(width, scaled)
    return Layout(scale, (width - w) // 2, 0, w, height, (scaled - w) // 2)


def place_portrait(image: np.ndarray, layout: Layout, width: int, height: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(frame with backdrop and portrait, the scaled portrait)."""
    scaled_full = cv2.resize(image, None, fx=layout.scale, fy=layout.scale,
                             interpolation=cv2.INTER_AREA if layout.scale < 1 else cv2.INTER_CUBIC)
    cut = layout.cut
    scaled = np.ascontiguousarray(scaled_full[: layout.h, cut: cut + layout.w])
    return lay_on(backdrop_of(image, width, height), scaled, layout), scaled


def backdrop_of(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The picture blown up to cover the frame, blurred and dimmed, so the sides beside
    the portrait continue its colours instead of showing bars."""
    cover = max(width / image.shape[1], height / image.shape[0])
    big = cv2.resize(image, None, fx=cover, fy=cover, interpolation=cv2.INTER_LINEAR)
    oy, ox = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    back = big[oy: oy + height, ox: ox + width]
    small = cv2.resize(back, (max(1, width // 16), max(1, height // 16)),
                       interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 2.0)
    back = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    return (back.astype(np.float32) * 0.55).astype(np.uint8)


def lay_on(backdrop: np.ndarray, scaled: np.ndarray, layout: Layout) -> np.ndarray:
    """The scaled portrait (layout.h x layout.w) on a copy of the backdrop, its side edges
    feathered into it."""
    frame = backdrop.copy()
    ys, xs = layout.rect
    frame[ys, xs] = scaled
    edge = max(2, layout.w // 40)
    ramp = np.linspace(0, 1, edge, dtype=np.float32)[None, :, None]
    x0, x1 = layout.x0, layout.x0 + layout.w
    for cols, weight in ((slice(x0, x0 + edge), ramp), (slice(x1 - edge, x1), ramp[:, ::-1])):
        back = backdrop[ys, cols].astype(np.float32)
        front = frame[ys, cols].astype(np.float32)
        frame[ys, cols] = (back * (1 - weight) + front * weight).astype(np.uint8)
    return frame
