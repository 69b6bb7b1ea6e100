"""Named face-mesh landmark indices and measurements made from them."""

from __future__ import annotations

import math

import numpy as np

# MediaPipe face-mesh indices ("left"/"right" are the image's, not the person's).
LEFT_EYE_UPPER = (246, 161, 160, 159, 158, 157, 173)
LEFT_EYE_LOWER = (7, 163, 144, 145, 153, 154, 155)
LEFT_EYE_CORNERS = (33, 133)
RIGHT_EYE_UPPER = (466, 388, 387, 386, 385, 384, 398)
RIGHT_EYE_LOWER = (249, 390, 373, 374, 380, 381, 382)
RIGHT_EYE_CORNERS = (263, 362)
LEFT_BROW = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55)
RIGHT_BROW = (300, 293, 334, 296, 336, 276, 283, 282, 295, 285)
LIPS_UPPER_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_LOWER_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIPS_UPPER_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_LOWER_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNERS = (61, 291)
CHIN = (152, 148, 377, 176, 400, 149, 378)
JAW_LEFT = (150, 136, 172, 58, 132)  # from chin towards the ear
JAW_RIGHT = (379, 365, 397, 288, 361)
FACE_UPPER = (10, 338, 297, 332, 284, 251, 389, 356, 454, 234, 127, 162, 21, 54, 103, 67, 109)
NOSE = (1, 2, 98, 327, 4, 5, 195, 168, 6)
CHEEKS = (50, 280, 205, 425, 187, 411, 123, 352)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
             400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21,
             54, 103, 67, 109)


def eye_centres(lm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    left = lm[list(LEFT_EYE_UPPER + LEFT_EYE_LOWER), :2].mean(axis=0)
    right = lm[list(RIGHT_EYE_UPPER + RIGHT_EYE_LOWER), :2].mean(axis=0)
    return left, right


def eye_distance(lm: np.ndarray) -> float:
    left, right = eye_centres(lm)
    return float(np.linalg.norm(right - left))


def yaw_degrees(lm: np.ndarray) -> float:
    """Head turn, 0 facing the camera. Two estimates, the larger wins: where the nose tip
    sits between the face's edges (strong signal in photos), and the depth difference of
    the two edges (the mesh model squashes it, so it reads low)."""
    a, b = lm[234], lm[454]
    span = float(b[0] - a[0])
    ratio = float(lm[1, 0] - a[0]) / span if abs(span) > 1e-6 else 0.5
    from_nose = math.degrees(math.asin(max(-1.0, min(1.0, (2 * ratio - 1) / 0.9))))
    from_depth = math.degrees(math.atan2(float(b[2] - a[2]), span))
    return from_nose if abs(from_nose) >= abs(from_depth) else from_depth


def roll_degrees(lm: np.ndarray) -> float:
    left, right = eye_centres(lm)
    d = right - left
    return math.degrees(math.atan2(float(d[1]), float(d[0])))


def face_box(lm: np.ndarray) -> tuple[float, float, float, float]:
    xy = lm[list(FACE_OVAL), :2]
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def eye_openness(lm: np.ndarray) -> float:
    """Mean lid gap divided by eye width (about 0.25-0.35 for open eyes)."""
    gaps = []
    for up, lo, (c0, c1) in ((159, 145, LEFT_EYE_CORNERS), (386, 374, RIGHT_EYE_CORNERS)):
        width = np.linalg.norm(lm[c1, :2] - lm[c0, :2])
        gaps.append(np.linalg.norm(lm[lo, :2] - lm[up, :2]) / max(width, 1e-6))
    return float(np.mean(gaps))
