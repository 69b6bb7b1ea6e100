"""`livehost avatar build`: one photo in, a checked avatar package out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from livehost.avatar import geometry as geo
from livehost.avatar.manifest import AvatarManifest, Consent, FaceGeometry, PublicDomainSource
from livehost.avatar.package import AvatarError, write_avatar

# Limits chosen for the warp engine: below ~60 px between the eyes the mouth is too few
# pixels to animate; past ~35 degrees of turn the far cheek hides the mouth corner.
MIN_EYE_DISTANCE = 60.0
MAX_YAW = 35.0
MAX_LIP_GAP = 0.08  # inner lip gap / mouth width; the engine opens from closed lips
MAX_SIDE = 1600  # bigger photos are scaled down first: nothing gains from more pixels

Progress = Callable[[str, float], None]


def read_photo(path: Path) -> np.ndarray:
    """RGB uint8; EXIF orientation applied. Raises AvatarError if it is not an image."""
    if not path.is_file():
        raise AvatarError(f"{path}: no such file")
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise AvatarError(f"{path}: cannot read this file as an image; use a JPEG or PNG photo")
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    scale = MAX_SIDE / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return image


def check_face(name: str, image: np.ndarray, detector) -> np.ndarray:
    """Landmarks of the single usable face, or AvatarError saying what is wrong."""
    faces = detector.faces(image)
    if not faces:
        raise AvatarError(f"{name}: no face found; use a well-lit photo of one person "
                          "looking at the camera")
    if len(faces) > 1:
        raise AvatarError(f"{name}: found {len(faces)} faces; crop the photo so that only "
                          "the host is in it")
    landmarks = detector.landmarks(image, faces[0][1])
    if landmarks is None:
        raise AvatarError(f"{name}: no face found; use a well-lit photo of one person "
                          "looking at the camera")
    check_landmarks(name, landmarks)
    return landmarks


def check_landmarks(name: str, lm: np.ndarray) -> None:
    eyes = geo.eye_distance(lm)
    if eyes < MIN_EYE_DISTANCE:
        raise AvatarError(f"{name}: the face is too small ({eyes:.0f} px between the eyes, "
                          f"need {MIN_EYE_DISTANCE:.0f}); use a closer or larger photo")
    yaw = geo.yaw_degrees(lm)
    if abs(yaw) > MAX_YAW:
        raise AvatarError(f"{name}: the face is turned about {abs(yaw):.0f} degrees to the "
                          "side (a profile); use a photo facing the camera")
    width = float(np.linalg.norm(lm[291, :2] - lm[61, :2]))
    gap = float(np.linalg.norm(lm[14, :2] - lm[13, :2])) / max(width, 1e-6)
    if gap > MAX_LIP_GAP:
        raise AvatarError(f"{name}: the mouth is open; use a photo with the lips closed "
                          "(a gentle closed-mouth smile is fine)")


def build_avatar(photo: Path, out: Path, *, name: str, consent: Consent | None = None,
                 public_domain: PublicDomainSource | None = None,
                 progress: Progress | None = None, detector=None) -> AvatarManifest:
    if (consent is None) == (public_domain is None):
        raise AvatarError("say who is depicted: give a consent record (person, consent "
                          "reference, date) or, for a public-domain portrait, its source")
    step = progress or (lambda _what, _done: None)
    step("reading photo", 0.05)
    image = read_photo(photo)
    step("loading face detector", 0.2)
    if detector is None:
        from livehost.avatar.detect import DetectorMissing, LandmarkDetector
        try:
            detector = LandmarkDetector()
        except DetectorMissing as exc:
            raise AvatarError(str(exc)) from None
    step("finding the face", 0.5)
    landmarks = check_face(photo.name, image, detector)
    step("writing package", 0.85)
    manifest = AvatarManifest(
        name=name,
        image_size=(image.shape[1], image.shape[0]),
        face=FaceGeometry(box=tuple(round(v, 1) for v in geo.face_box(landmarks)),
                          eye_distance=round(geo.eye_distance(landmarks), 2),
                          yaw_degrees=round(geo.yaw_degrees(landmarks), 1),
                          roll_degrees=round(geo.roll_degrees(landmarks), 1)),
        consent=consent,
        public_domain=public_domain,
        built_with=detector.version(),
    )
    write_avatar(out, manifest, image, landmarks)
    step("done", 1.0)
    return manifest
