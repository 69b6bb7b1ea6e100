"""Painting the inside of an open mouth: dark cavity, upper and lower teeth, tongue.

The warp only moves lips apart; what shows between them has to be drawn. Everything is
drawn in a small box around the mouth, with antialiased edges, so it costs well under a
millisecond.
"""

from __future__ import annotations

import cv2
import numpy as np

CAVITY_TOP = np.array([38, 14, 18], np.float32)  # RGB, back of the mouth
CAVITY_BOTTOM = np.array([86, 34, 40], np.float32)
TONGUE = np.array([150, 66, 72], np.float32)
TEETH = np.array([204, 192, 170], np.float32)  # ivory in the mouth's shade, never white
MIN_OPENING = 0.8  # pixels; below this the lips touch and nothing is drawn


def paint_mouth(frame: np.ndarray, upper: np.ndarray, lower: np.ndarray, eye_distance: float,
                rest_gap: float = 0.0) -> float:
    """Draw into `frame` between the inner lip lines (11 points each, corner to corner).
    `rest_gap` is the photo's own lip gap: nothing is drawn until the lips part further.
    Returns the opening in pixels."""
    opening = float(np.max(lower[:, 1] - upper[:, 1]))
    if opening < rest_gap + MIN_OPENING:
        return max(opening, 0.0)
    # Round the lip lines (11 landmarks make a polygon with visible corners).
    upper, lower = _rounded(upper), _rounded(lower)
    pts = np.vstack([upper, lower])
    x0 = max(int(np.floor(pts[:, 0].min())) - 2, 0)
    y0 = max(int(np.floor(pts[:, 1].min())) - 2, 0)
    x1 = min(int(np.ceil(pts[:, 0].max())) + 3, frame.shape[1])
    y1 = min(int(np.ceil(pts[:, 1].max())) + 3, frame.shape[0])
    crop = frame[y0:y1, x0:x1]
    h, w = crop.shape[:2]
    poly = np.vstack([upper, lower[::-1]]) - (x0, y0)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(poly * 4).astype(np.int32)], 255, cv2.LINE_AA, shift=2)
    # A touch of blur: the photo's own edges are never pixel-sharp.
    alpha = cv2.GaussianBlur(mask, (3, 3), 0.8).astype(np.float32) / 255.0

    xx = np.arange(w, dtype=np.float32)[None, :] + x0
    yy = np.arange(h, dtype=np.float32)[:, None] + y0
    ux, uy = _sorted(upper)
    lx, ly = _sorted(lower)
    top = np.interp(xx, ux, uy)  # upper inner lip at each column
    bot = np.interp(xx, lx, ly)
    gap = np.maximum(bot - top, 1e-3)
    xc = (upper[0, 0] + upper[-1, 0]) / 2
    hw = max(abs(upper[-1, 0] - upper[0, 0]) / 2, 1.0)
    side = np.clip(np.abs(xx - xc) / hw, 0, 1)  # 0 centre .. 1 corner
    depth = np.clip((yy - top) / gap, 0, 1)  # 0 under the upper lip .. 1 at the lower

    paint = CAVITY_TOP + (CAVITY_BOTTOM - CAVITY_TOP) * depth[..., None]
    # Tongue: a low mound at the back of the lower jaw, only once the mouth is open.
    tongue_h = np.clip(gap * 0.38, 0, 0.12 * eye_distance)
    tongue = np.clip((yy - (bot - tongue_h * (1 - side ** 2))) / 1.5, 0, 1) * (side < 0.75)
    paint += (TONGUE - paint) * (tongue * np.clip(opening / (0.12 * eye_distance), 0, 1))[..., None]
    # Upper teeth hang just under the upper lip; their height is capped by the opening.
    tooth_h = np.minimum(0.09 * eye_distance, 0.4 * gap)
    upper_teeth = np.clip((top + tooth_h - yy) / 1.2, 0, 1) * (yy >= top - 1)
    # Lower teeth show only in a wider opening.
    low_h = np.minimum(0.05 * eye_distance, np.maximum(gap - 0.12 * eye_distance, 0) * 0.4)
    lower_teeth = np.clip((yy - (bot - low_h)) / 1.0, 0, 1) * (low_h > 0.5)
    teeth = np.maximum(upper_teeth, 0.6 * lower_teeth) * np.clip((0.7 - side) / 0.2, 0, 1)
    # Teeth further back are in shadow; the lip shades their top edge.
    shade = (1 - 0.6 * side ** 2) * (0.75 + 0.25 * np.clip((yy - top) / 2.0, 0, 1))
    # Faint gaps between the front teeth.
    gaps = 1 - 0.06 * (np.abs(((xx - xc) / (0.11 * eye_distance) + 0.5) % 1 - 0.5) < 0.07)
    tooth_colour = TEETH * (shade * gaps)[..., None]
    paint += (tooth_colour - paint) * teeth[..., None]
    # The cavity is darker towards the corners, where the cheeks shade it.
    paint *= (1 - 0.35 * side ** 2)[..., None]

    a = alpha[..., None]
    crop[:] = (crop.astype(np.float32) * (1 - a) + paint * a).astype(np.uint8)
    return opening


def _rounded(line: np.ndarray, passes: int = 2) -> np.ndarray:
    """Chaikin corner cutting, keeping the two mouth corners where they are."""
    for _ in range(passes):
        a, b = line[:-1], line[1:]
        cut = np.empty((2 * len(a), 2), line.dtype)
        cut[0::2] = 0.75 * a + 0.25 * b
        cut[1::2] = 0.25 * a + 0.75 * b
        line = np.vstack([line[:1], cut[1:-1], line[-1:]])
    return line


def _sorted(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(pts[:, 0])
    return pts[order, 0], pts[order, 1]
