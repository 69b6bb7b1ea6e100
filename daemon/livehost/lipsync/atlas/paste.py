"""Laying one recorded lower face onto another frame of the same person.

The patch is moved by the similarity transform (scale, turn, shift) that puts its eye
corners and nose onto the base frame's, which hold still while the jaw moves. It covers
the union of both jaw outlines (an open mouth's chin hangs lower than a closed one's, and
the closed chin must not show under it), is matched in colour (L, a, b) on the skin at
the edge of that region, and fades into the base over a feathered edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from livehost.avatar import geometry as geo

# the lower face: the jaw line from cheek to cheek, and the cheeks and nose above the lips
LOWER_FACE = (*geo.JAW_LEFT[::-1], *geo.CHIN, *geo.JAW_RIGHT, 425, 327, 2, 98, 205)
ANCHORS = (*geo.LEFT_EYE_CORNERS, *geo.RIGHT_EYE_CORNERS, 168, 6, 1, 98, 327)
MARGIN = 0.35  # eye distances kept around the lower face when a patch is cut
FEATHER = 0.10  # eye distances over which the patch fades into the base
PATCH_QUALITY = 94  # JPEG: the mouth is the part viewers look at
MAX_SHIFT = (14.0, 6.0, 6.0)  # the most L, a, b may be moved to match (more: lighting)


@dataclass(frozen=True)
class Patch:
    """The lower face of one recorded frame, kept compressed (a minute of mouths of a
    close-up is a few hundred megabytes raw; one decodes in well under a millisecond)."""

    jpeg: bytes
    size: tuple[int, int]  # width, height
    points: np.ndarray  # 468 x 2 float32, the landmarks in the patch's pixels

    @property
    def image(self) -> np.ndarray:
        """h x w x 3 uint8 RGB."""
        bgr = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def cut_patch(frame: np.ndarray, landmarks: np.ndarray) -> Patch:
    """The lower face of `frame` (landmarks in its pixels) with a margin around it."""
    points = landmarks[:, :2]
    region = points[list(LOWER_FACE)]
    pad = MARGIN * geo.eye_distance(landmarks)
    h, w = frame.shape[:2]
    x0, y0 = np.maximum(np.floor(region.min(axis=0) - pad), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(region.max(axis=0) + pad), (w, h)).astype(int)
    crop = cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, PATCH_QUALITY])
    if not ok:
        raise ValueError("a mouth cannot be compressed")
    size = (int(x1 - x0), int(y1 - y0))
    return Patch(data.tobytes(), size, (points - (x0, y0)).astype(np.float32))


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2 x 3 least-squares similarity taking points `src` onto `dst` (Umeyama)."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - mu_s, dst - mu_d
    u, sigma, vt = np.linalg.svd(d.T @ s / len(src))
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ sign @ vt
    scale = float(np.trace(np.diag(sigma) @ sign) / max((s**2).sum() / len(src), 1e-12))
    shift = mu_d - scale * rotation @ mu_s
    return np.hstack([scale * rotation, shift[:, None]]).astype(np.float32)


def paste(base: np.ndarray, base_points: np.ndarray, patch: Patch, alpha: float = 1.0) -> None:
    """Lay `patch` onto `base` (in place; `base_points` 468 x 2+ in its pixels)."""
    if alpha <= 0.0:
        return
    anchors = list(ANCHORS)
    matrix = similarity(patch.points[anchors], base_points[anchors, :2].astype(np.float32))
    moved = patch.points[list(LOWER_FACE)] @ matrix[:, :2].T + matrix[:, 2]
    outline = np.vstack([moved, base_points[list(LOWER_FACE), :2]]).astype(np.float32)
    hull = cv2.convexHull(outline).reshape(-1, 2)
    feather = max(2.0, FEATHER * geo.eye_distance(base_points))
    h, w = base.shape[:2]
    x0, y0 = np.maximum(np.floor(hull.min(axis=0) - 2 * feather), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(hull.max(axis=0) + 2 * feather), (w, h)).astype(int)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return
    size = (int(x1 - x0), int(y1 - y0))
    local = matrix.copy()
    local[:, 2] -= (x0, y0)
    warped = cv2.warpAffine(patch.image, local, size, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
    # the region: both jaw outlines, where the moved patch has pixels
    mask = np.zeros(size[::-1], np.uint8)
    cv2.fillConvexPoly(mask, np.round(hull - (x0, y0)).astype(np.int32), 1)
    pw, ph = patch.size
    corners = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    covered = np.zeros_like(mask)
    cv2.fillConvexPoly(covered, np.round(corners @ local[:, :2].T + local[:, 2]).astype(np.int32),
                       1)
    mask &= covered
    # shrink by the feather first, so the fade stays inside the region
    k = int(feather) | 1
    mask = cv2.erode(mask, np.ones((k, k), np.uint8))
    mask = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), feather / 2) * alpha
    region = base[y0:y1, x0:x1]
    warped = _match_colour(warped, region, (mask > 0.05) & (mask < 0.6))
    blend = region.astype(np.float32) * (1 - mask[..., None]) + warped * mask[..., None]
    base[y0:y1, x0:x1] = np.clip(blend + 0.5, 0, 255).astype(np.uint8)


def _match_colour(patch: np.ndarray, base: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """`patch` (float32 RGB out) shifted in L, a, b so that its skin on `ring` matches the
    base's: the same person under a passing cloud or a turned head."""
    if int(ring.sum()) < 20:
        return patch.astype(np.float32)
    lab_p = cv2.cvtColor(patch, cv2.COLOR_RGB2LAB).astype(np.float32)
    lab_b = cv2.cvtColor(base, cv2.COLOR_RGB2LAB)
    shift = lab_b[ring].mean(axis=0) - lab_p[ring].mean(axis=0)
    shift = np.clip(shift, -np.array(MAX_SHIFT), np.array(MAX_SHIFT))
    lab_p = np.clip(lab_p + shift, 0, 255).astype(np.uint8)
    return cv2.cvtColor(lab_p, cv2.COLOR_LAB2RGB).astype(np.float32)
