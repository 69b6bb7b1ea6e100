"""Landmarks on every frame, and from them the lip shape and the head pose.

The lip shape is head-normalised: each frame's lip points are mapped by the similarity
transform (scale, rotation, shift) that puts its stable points (eye corners, the bridge
of the nose) onto the first good frame's, in units of the eye distance. So a mouth is
compared with a mouth, whatever the head did; the head pose is kept beside it, because a
mouth cut from a turned head does not fit a frontal one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from livehost.avatar import geometry as geo
from livehost.avatar.package import AvatarError

if TYPE_CHECKING:
    from livehost.avatar.detect import LandmarkDetector

STABLE = (*geo.LEFT_EYE_CORNERS, *geo.RIGHT_EYE_CORNERS, 168, 6)  # eye corners, nose bridge
LIPS = (
    *geo.LIPS_UPPER_OUTER,
    *geo.LIPS_LOWER_OUTER[1:-1],
    *geo.LIPS_UPPER_INNER,
    *geo.LIPS_LOWER_INNER[1:-1],
)
MIN_FACE_SHARE = 0.8  # frames with exactly one face, at least
MAX_TWO_FACES = 0.05  # frames with more than one face, at most
MIN_EYE_DISTANCE = 24.0  # pixels at the package's size: fewer and the mouth is a smudge
MIN_FACE_LIGHT = 45.0  # mean luminance (0-255) of the face: darker is too dark to copy

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Tracks:
    landmarks: np.ndarray  # N x 468 x 3 float32, NaN where no single face was found
    faces: np.ndarray  # N: faces found per frame
    light: np.ndarray  # N: the face's mean luminance (NaN: no face)
    brightness: np.ndarray  # N: the whole frame's mean level (0-255)

    @property
    def good(self) -> np.ndarray:
        return ~np.isnan(self.landmarks[:, 0, 0])


@dataclass(frozen=True)
class Shapes:
    lips: np.ndarray  # N x len(LIPS) x 2: lip points in the canonical face, eye distances
    opening: np.ndarray  # N: inner lip gap, eye distances
    width: np.ndarray  # N: mouth corner to corner, eye distances
    pose: np.ndarray  # N x 3: yaw, roll, pitch (degrees)
    align: np.ndarray  # N x 2 x 3: frame pixels -> canonical (eye distances)


def track(
    frames: Iterable[np.ndarray],
    detector: LandmarkDetector,
    count: int,
    progress: Progress,
    scale: float = 1.0,
) -> Tracks:
    """Landmarks of the one face on each frame (`count` frames, for the progress bar),
    multiplied by `scale` (from the frames' size to the package's)."""
    landmarks, faces, light, brightness = [], [], [], []
    for n, rgb in enumerate(frames):
        brightness.append(float(rgb[::8, ::8].mean()))
        found = detector.faces(rgb)
        faces.append(len(found))
        marks = detector.landmarks(rgb, found[0][1]) if len(found) == 1 else None
        if marks is None:
            landmarks.append(np.full((468, 3), np.nan, np.float32))
            light.append(np.nan)
        else:
            landmarks.append((marks * scale).astype(np.float32))
            light.append(_face_light(rgb, marks))
        if n % 25 == 0:
            progress("finding the face on every frame", 0.1 + 0.6 * n / max(1, count))
    return Tracks(
        np.stack(landmarks),
        np.array(faces),
        np.array(light, np.float32),
        np.array(brightness, np.float32),
    )


def check_tracks(name: str, tracks: Tracks) -> None:
    """AvatarError when the clip cannot make a host: a person can act on each."""
    n = len(tracks.faces)
    none = float(np.mean(tracks.faces == 0))
    several = float(np.mean(tracks.faces > 1))
    if none > 0.5 and float(np.median(tracks.brightness)) < MIN_FACE_LIGHT:
        raise AvatarError(
            f"{name}: too dark to find a face (mean brightness "
            f"{float(np.median(tracks.brightness)):.0f} of 255); light the face evenly "
            "from the front"
        )
    if none > 0.5:
        raise AvatarError(
            f"{name}: no face found in {none:.0%} of the frames; record one person looking "
            "at the camera, well lit, the face large in the frame"
        )
    if several > MAX_TWO_FACES:
        raise AvatarError(
            f"{name}: more than one face in {several:.0%} of the frames; record the host "
            "alone, or crop the clip so that only the host is in it"
        )
    if float(np.mean(tracks.good)) < MIN_FACE_SHARE:
        raise AvatarError(
            f"{name}: the face is lost in {1 - float(np.mean(tracks.good)):.0%} of the "
            f"{n} frames; keep the face in view and facing the camera"
        )
    good = tracks.landmarks[tracks.good]
    eyes = float(np.median([geo.eye_distance(lm) for lm in good]))
    if eyes < MIN_EYE_DISTANCE:
        raise AvatarError(
            f"{name}: the face is too small ({eyes:.0f} px between the eyes at the host's "
            f"size; {MIN_EYE_DISTANCE:.0f} needed); move the camera closer or zoom in"
        )
    light = float(np.nanmedian(tracks.light))
    if light < MIN_FACE_LIGHT:
        raise AvatarError(
            f"{name}: the face is too dark (mean brightness {light:.0f} of 255); light it "
            "evenly from the front"
        )


def shapes(tracks: Tracks) -> Shapes:
    """Head-normalised lip shape and head pose per frame (NaN where no face)."""
    good = np.flatnonzero(tracks.good)
    reference = _canonical(tracks.landmarks[good[0]])
    n = len(tracks.landmarks)
    lips = np.full((n, len(LIPS), 2), np.nan, np.float32)
    pose = np.full((n, 3), np.nan, np.float32)
    align = np.full((n, 2, 3), np.nan, np.float32)
    for i in good:
        lm = tracks.landmarks[i]
        matrix, _ = cv2.estimateAffinePartial2D(
            lm[list(STABLE), :2].astype(np.float32), reference, method=cv2.LMEDS
        )
        if matrix is None:
            continue
        align[i] = matrix
        points = lm[list(LIPS), :2]
        lips[i] = points @ matrix[:, :2].T + matrix[:, 2]
        pose[i] = (geo.yaw_degrees(lm), geo.roll_degrees(lm), _pitch(lm))
    inner_up = slice(20, 31)  # LIPS_UPPER_INNER within LIPS
    inner_low = slice(31, 40)  # LIPS_LOWER_INNER without its corners
    opening = np.nanmean(lips[:, inner_low, 1], axis=1) - np.nanmean(
        lips[:, inner_up, 1][:, 1:-1], axis=1
    )
    width = np.linalg.norm(lips[:, 0] - lips[:, 10], axis=1)  # the outer corners
    return Shapes(lips, opening.astype(np.float32), width.astype(np.float32), pose, align)


def _canonical(lm: np.ndarray) -> np.ndarray:
    """The stable points of one face scaled to eye distances, centred between the eyes."""
    left, right = geo.eye_centres(lm)
    centre, scale = (left + right) / 2, float(np.linalg.norm(right - left))
    angle = np.arctan2(*(right - left)[::-1])
    c, s = np.cos(-angle), np.sin(-angle)
    rotate = np.array([[c, -s], [s, c]])
    points = (lm[list(STABLE), :2] - centre) @ rotate.T / scale
    return points.astype(np.float32)


def _pitch(lm: np.ndarray) -> float:
    """Nodding, roughly: where the nose tip sits between the eyes and the mouth (0 level)."""
    left, right = geo.eye_centres(lm)
    eyes_y = (left[1] + right[1]) / 2
    mouth_y = lm[list(geo.MOUTH_CORNERS), 1].mean()
    span = mouth_y - eyes_y
    ratio = (lm[1, 1] - eyes_y) / span if abs(span) > 1e-6 else 0.6
    return float((ratio - 0.6) * 90.0)


def _face_light(rgb: np.ndarray, lm: np.ndarray) -> float:
    x0, y0 = np.maximum(lm[:, :2].min(axis=0).astype(int), 0)
    x1, y1 = lm[:, :2].max(axis=0).astype(int)
    face = rgb[y0 : max(y0 + 1, y1), x0 : max(x0 + 1, x1)]
    return float(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY).mean()) if face.size else np.nan
