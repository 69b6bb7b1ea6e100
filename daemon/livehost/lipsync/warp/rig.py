"""The rig: displacement fields for each motion of one avatar at one frame size.

Every field is a backward map (output pixel -> where to sample the still portrait) for
one motion at full strength, stored at half resolution. A frame is a weighted sum of
fields, upsampled and applied with one `cv2.remap`. Mouth and eye fields are thin-plate
splines through landmarks moved by hand-set rules (in eye distances, so any photo size
works); head and breathing fields are rotations and shifts under soft masks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from livehost.avatar import geometry as geo
from livehost.lipsync.warp.tps import tps_field

STEP = 2  # field resolution: one sample per STEP x STEP output pixels
MOTIONS = ("jaw", "spread", "round", "blink", "roll", "shift_x", "shift_y", "breath")
INNER_LIPS = geo.LIPS_UPPER_INNER + geo.LIPS_LOWER_INNER  # 11 upper, then 11 lower
JAW_DROP = 0.30  # jaw fully open moves the lower lip this many eye distances


@dataclass
class Rig:
    roi: tuple[int, int, int, int]  # y0, y1, x0, x1 in the frame
    fields: np.ndarray  # K x (h * w * 2) float32, half resolution, K = len(MOTIONS)
    field_shape: tuple[int, int]  # (h, w) of the half-resolution grid
    identity: np.ndarray  # roi_h x roi_w x 2 float32: each pixel's own frame coordinates
    lips: np.ndarray  # 22 x 2 inner-lip points in the frame, mouth closed
    lip_moves: np.ndarray  # K x 22 x 2 forward motion of those points at full strength
    eye_distance: float  # in frame pixels
    mouth_centre: np.ndarray  # x, y in the frame


def build_rig(lm: np.ndarray, frame_w: int, frame_h: int, portrait_rect: tuple[int, int, int, int]
              ) -> Rig:
    """`lm`: landmarks already in frame pixels. `portrait_rect`: y0, y1, x0, x1 of the
    portrait in the frame; fields stay inside it so its feathered edges never move."""
    e = geo.eye_distance(lm)
    fx0, fy0, fx1, fy1 = geo.face_box(lm)
    fw, fh = fx1 - fx0, fy1 - fy0
    py0, py1, px0, px1 = portrait_rect
    margin = max(4, (px1 - px0) // 40 + 2)
    x0 = int(max(px0 + margin, fx0 - 1.0 * fw))
    x1 = int(min(px1 - margin, fx1 + 1.0 * fw))
    y0 = int(max(py0 + 2, fy0 - 0.9 * fh))
    y1 = py1
    x0 -= (x1 - x0) % STEP  # whole half-resolution cells
    y0 -= (y1 - y0) % STEP
    h, w = (y1 - y0) // STEP, (x1 - x0) // STEP
    xs = x0 + STEP * np.arange(w) + (STEP - 1) / 2  # centres of the cells cv2.resize assumes
    ys = y0 + STEP * np.arange(h) + (STEP - 1) / 2

    # Still points: the region's border, and the neck below the chin (so an open jaw
    # does not drag the collar with it).
    chin_y = float(lm[152, 1])
    neck_x = np.linspace(lm[234, 0], lm[454, 0], 7)
    neck = np.vstack([np.stack([neck_x, np.full(7, chin_y + k * e)], 1) for k in (0.5, 0.9)])
    ramp = max(3, int(e * 0.15 / STEP))
    taper = _edge_taper(h, w, ramp)
    fields, moves = [], []
    xy = lm[:, :2]
    # Mouth and eye fields live around the face: fit and evaluate them there only (the
    # spline is the slow part of prepare), still at that region's border.
    fx_lo, fx_hi = max(x0, fx0 - 0.45 * fw), min(x1, fx1 + 0.45 * fw)
    fy_lo, fy_hi = max(y0, fy0 - 0.25 * fh), min(y1, fy1 + 0.6 * fh)
    ix = np.nonzero((xs >= fx_lo) & (xs <= fx_hi))[0]
    iy = np.nonzero((ys >= fy_lo) & (ys <= fy_hi))[0]
    face_still = np.vstack([_border_points(fx_lo, fy_lo, fx_hi, fy_hi, spacing=e * 0.4), neck])
    fields, moves = [], []
    xy = lm[:, :2]
    for motion in MOTIONS:
        if motion == "blink":
            field = _blink_field(lm, xs, ys) * taper[..., None]
            move = np.zeros((len(INNER_LIPS), 2), np.float32)
        elif motion in ("jaw", "spread", "round"):
            d = _landmark_motion(motion, lm, e)
            moving = np.any(np.abs(d) > 1e-6, axis=1)
            # Every moving point, and every other still landmark to hold the rest.
            keep = moving | (np.arange(len(d)) % 2 == 0)
            # Fit the backward map: at a moved point's new place, sample its old place.
            ctrl = np.vstack([xy[keep] + d[keep], face_still])
            vals = np.vstack([-d[keep], np.zeros_like(face_still)])
            field = np.zeros((h, w, 2), np.float32)
            field[iy[0]: iy[-1] + 1, ix[0]: ix[-1] + 1] = tps_field(ctrl, vals, xs[ix], ys[iy])
            field *= taper[..., None]
            move = d[list(INNER_LIPS)]
        else:
            # The chest moves at the frame's bottom edge too; everything else is still there.
            edge = _edge_taper(h, w, ramp, bottom=False) if motion == "breath" else taper
            field = _head_field(motion, lm, e, xs, ys, (fx0, fy0, fx1, fy1)) * edge[..., None]
            move = -_sample(field, xy[list(INNER_LIPS)], x0, y0)
        fields.append(field.reshape(-1))
        moves.append(move)
    gx, gy = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    mouth = xy[list(geo.MOUTH_CORNERS)].mean(axis=0)
    return Rig((y0, y1, x0, x1), np.stack(fields).astype(np.float32), (h, w),
               np.dstack([gx, gy]), xy[list(INNER_LIPS)].astype(np.float32),
               np.stack(moves).astype(np.float32), e, mouth)


def _landmark_motion(motion: str, lm: np.ndarray, e: float) -> np.ndarray:
    """Forward displacement of every landmark (468 x 2) for one mouth or eye motion."""
    xy = lm[:, :2]
    d = np.zeros_like(xy)
    corners = [*geo.MOUTH_CORNERS, 78, 308]
    xc = xy[list(geo.MOUTH_CORNERS), 0].mean()
    hw = abs(xy[291, 0] - xy[61, 0]) / 2
    lips = set(geo.LIPS_UPPER_OUTER + geo.LIPS_LOWER_OUTER + INNER_LIPS) - set(corners)
    lips_list = sorted(lips)
    rel = (xy[:, 0] - xc) / max(hw, 1e-6)  # -1 .. 1 across the mouth
    if motion == "jaw":
        mouth_y = xy[list(INNER_LIPS), 1].mean()
        jaw_hw = abs(xy[454, 0] - xy[234, 0]) / 2
        below = (xy[:, 1] > mouth_y + 0.03 * e) | np.isin(
            np.arange(len(xy)), geo.LIPS_LOWER_INNER + geo.LIPS_LOWER_OUTER)
        # The jaw hinges near the ears: the chin drops most, the jaw's back least.
        reach = np.clip(1 - ((xy[:, 0] - xc) / jaw_hw) ** 2, 0.05, 1)
        d[below, 1] = JAW_DROP * e * reach[below]
        # Lips part in an oval: less near the corners, which stay nearly put.
        lower_lips = [i for i in geo.LIPS_LOWER_INNER + geo.LIPS_LOWER_OUTER if i not in corners]
        d[lower_lips, 1] *= np.clip(1 - 0.75 * rel[lower_lips] ** 2, 0.25, 1)
        upper = [i for i in geo.LIPS_UPPER_INNER if i not in corners]
        d[upper, 1] = -0.03 * e * np.clip(1 - rel[upper] ** 2, 0, 1)
        d[corners, 1] = 0.08 * e
        d[corners, 0] = -np.sign(rel[corners]) * 0.02 * e
    elif motion == "spread":
        d[corners, 0] = np.sign(rel[corners]) * 0.10 * e
        d[corners, 1] = -0.02 * e
        d[lips_list, 0] = 0.08 * e * rel[lips_list]
        for i, s in ((205, -1), (425, 1), (50, -1), (280, 1)):
            d[i, 0] = s * 0.03 * e
    elif motion == "round":
        d[corners, 0] = -np.sign(rel[corners]) * 0.14 * e
        d[lips_list, 0] = -0.11 * e * rel[lips_list]
        for i in (0, 37, 267):
            d[i, 1] = -0.02 * e
        for i in (17, 84, 314):
            d[i, 1] = 0.03 * e
        inner_lo = [i for i in geo.LIPS_LOWER_INNER if i not in corners]
        inner_up = [i for i in geo.LIPS_UPPER_INNER if i not in corners]
        d[inner_lo, 1] += 0.05 * e * np.clip(1 - rel[inner_lo] ** 2, 0, 1)
        d[inner_up, 1] -= 0.02 * e * np.clip(1 - rel[inner_up] ** 2, 0, 1)
    return d


def _blink_field(lm: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Shut eyes: the skin between brow and upper lid stretches down to the lower lid.

    A spline cannot do this (the lid edge must meet the lower lid sharply), so the
    backward map is written directly: for a point between the brow line b and the lower
    lid l, sample b + (y - b) * (u - b) / (l - b), where u is the open upper lid.
    """
    gx, gy = np.meshgrid(xs, ys)
    field = np.zeros((*gx.shape, 2), np.float32)
    for upper, lower, (c0, c1) in ((geo.LEFT_EYE_UPPER, geo.LEFT_EYE_LOWER, geo.LEFT_EYE_CORNERS),
                                   (geo.RIGHT_EYE_UPPER, geo.RIGHT_EYE_LOWER,
                                    geo.RIGHT_EYE_CORNERS)):
        ux, uy = _by_x(lm[list(upper), :2])
        lx, ly = _by_x(lm[list(lower), :2])
        xa, xb = sorted((float(lm[c0, 0]), float(lm[c1, 0])))
        width = xb - xa
        inside = (gx > xa) & (gx < xb)
        u = np.interp(gx, ux, uy)
        lo = np.interp(gx, lx, ly)
        # The lid skin reaches about this far above the lid (short of glasses' rims);
        # landmarks sit on the lashes, so take the lid from a little above them.
        b = u - 0.32 * width
        lid = u - 0.08 * width
        # Full closure mid-eye, tapering to nothing at the corners.
        across = np.sqrt(np.clip(np.sin(np.pi * (gx - xa) / max(width, 1e-6)), 0, 1))
        t = np.clip((gy - b) / np.maximum(lo - b, 1e-6), 0, 1)
        drop = (gy >= b) & (gy <= lo + 0.5) & inside
        source = b + t * (lid - b)
        dy = (source - gy) * across
        field[..., 1] += np.where(drop, dy, 0.0).astype(np.float32)
    return field


def _by_x(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(pts[:, 0])
    return pts[order, 0], pts[order, 1]


def _head_field(motion: str, lm: np.ndarray, e: float, xs: np.ndarray, ys: np.ndarray,
                box: tuple[float, float, float, float]) -> np.ndarray:
    fx0, fy0, fx1, fy1 = box
    fw, fh = fx1 - fx0, fy1 - fy0
    gx, gy = np.meshgrid(xs, ys)
    head = _soft_ellipse(gx, gy, (fx0 + fx1) / 2, fy0 + 0.3 * fh, 0.75 * fw, 1.05 * fh, 0.25 * fw)
    chin_y = lm[152, 1]
    if motion == "roll":  # about the neck; field per radian
        px, py = (fx0 + fx1) / 2, chin_y + 0.35 * fh
        return np.dstack([(gy - py) * head, -(gx - px) * head]).astype(np.float32)
    if motion == "shift_x":  # per pixel
        return np.dstack([-head, np.zeros_like(head)]).astype(np.float32)
    if motion == "shift_y":
        return np.dstack([np.zeros_like(head), -head]).astype(np.float32)
    # breath: chest and shoulders rise, the head rides along half as much; per pixel
    chest = np.clip((gy - (chin_y + 0.2 * fh)) / (0.6 * fh), 0, 1)
    chest = chest * chest * (3 - 2 * chest)
    lift = np.maximum(chest, 0.5 * head)
    return np.dstack([np.zeros_like(lift), lift]).astype(np.float32)


def _soft_ellipse(gx, gy, cx, cy, rx, ry, soft) -> np.ndarray:
    r = np.sqrt(((gx - cx) / rx) ** 2 + ((gy - cy) / ry) ** 2)
    x = np.clip((1 + soft / max(rx, ry) - r) / (2 * soft / max(rx, ry)), 0, 1)
    return x * x * (3 - 2 * x)


def _edge_taper(h: int, w: int, ramp: int, bottom: bool = True) -> np.ndarray:
    def ramp1(n: int, both: bool) -> np.ndarray:
        r = np.ones(n, np.float32)
        k = min(ramp, n // 2)
        r[:k] = np.linspace(0, 1, k)
        if both:
            r[n - k:] = np.linspace(1, 0, k)
        return r

    return np.outer(ramp1(h, bottom), ramp1(w, True))


def _border_points(x0: float, y0: float, x1: float, y1: float, spacing: float) -> np.ndarray:
    nx = max(2, int((x1 - x0) / spacing) + 1)
    ny = max(2, int((y1 - y0) / spacing) + 1)
    top = np.stack([np.linspace(x0, x1, nx), np.full(nx, y0)], 1)
    bottom = np.stack([np.linspace(x0, x1, nx), np.full(nx, y1)], 1)
    left = np.stack([np.full(ny, x0), np.linspace(y0, y1, ny)], 1)[1:-1]
    right = np.stack([np.full(ny, x1), np.linspace(y0, y1, ny)], 1)[1:-1]
    return np.vstack([top, bottom, left, right])


def _sample(field: np.ndarray, pts: np.ndarray, x0: float, y0: float) -> np.ndarray:
    """Field values at frame points (bilinear on the half-resolution grid)."""
    gx = ((pts[:, 0] - x0) - (STEP - 1) / 2) / STEP
    gy = ((pts[:, 1] - y0) - (STEP - 1) / 2) / STEP
    out = np.empty((len(pts), 2), np.float32)
    for c in range(2):
        out[:, c] = cv2.remap(np.ascontiguousarray(field[..., c]), gx.astype(np.float32)[None],
                              gy.astype(np.float32)[None], cv2.INTER_LINEAR)[0]
    return out


RIG_VERSION = 1  # bump when the fields' recipe changes: old cache files are then ignored


def rig_cache_key(lm: np.ndarray, frame_w: int, frame_h: int,
                  portrait_rect: tuple[int, int, int, int]) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(lm, np.float32).tobytes())
    h.update(repr((RIG_VERSION, frame_w, frame_h, portrait_rect)).encode())
    return h.hexdigest()[:24]


def save_rig(rig: Rig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        np.savez(f, roi=np.array(rig.roi), fields=rig.fields,
                 field_shape=np.array(rig.field_shape), lips=rig.lips, lip_moves=rig.lip_moves,
                 eye_distance=rig.eye_distance, mouth_centre=rig.mouth_centre)
    tmp.replace(path)  # never a half-written rig under the real name


def load_rig(path: Path) -> Rig | None:
    try:
        with np.load(path) as z:
            y0, y1, x0, x1 = (int(v) for v in z["roi"])
            gx, gy = np.meshgrid(np.arange(x0, x1, dtype=np.float32),
                                 np.arange(y0, y1, dtype=np.float32))
            return Rig((y0, y1, x0, x1), z["fields"], tuple(int(v) for v in z["field_shape"]),
                       np.dstack([gx, gy]), z["lips"], z["lip_moves"], float(z["eye_distance"]),
                       z["mouth_centre"])
    except (OSError, KeyError, ValueError):
        return None  # missing or damaged: build it again
