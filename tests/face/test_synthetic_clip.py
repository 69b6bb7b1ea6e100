"""The synthetic talking clip decodes as a real recording would, and carries its truth.

Everything about the files is judged by decoding them with PyAV, as a build would.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import yaml
from tests.face.synthetic_clip import (
    AUDIO_RATE,
    SHORT_TAKES,
    SyntheticClip,
    guide_take,
    make_bad_clips,
    make_clip,
)

from livehost.avatar.video.timeline import total_seconds

FPS, W, H = 25, 360, 480


@dataclass
class Decoded:
    frames: list[np.ndarray]  # grey, a quarter of the size each way
    times: list[float]  # seconds, as the container says
    size: tuple[int, int]
    rate: Fraction | None
    audio: np.ndarray | None  # mono float samples, or None without an audio stream
    audio_rate: int | None


def decode(path: Path) -> Decoded:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames, times = [], []
        for frame in container.decode(video):
            grey = frame.to_ndarray(format="gray")
            frames.append(cv2.resize(grey, None, fx=0.25, fy=0.25,
                                     interpolation=cv2.INTER_AREA).astype(np.float32))
            times.append(float(frame.time))
        size, rate = (video.width, video.height), video.average_rate
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return Decoded(frames, times, size, rate, None, None)
        stream = container.streams.audio[0]
        parts = [f.to_ndarray().reshape(f.layout.nb_channels, -1)[0]
                 for f in container.decode(stream)]
        return Decoded(frames, times, size, rate, np.concatenate(parts), stream.rate)


@pytest.fixture(scope="module")
def clip(tmp_path_factory, avatar, voice) -> SyntheticClip:
    return make_clip(tmp_path_factory.mktemp("clip") / "talking.mp4", avatar, voice)


@pytest.fixture(scope="module")
def decoded(clip) -> Decoded:
    return decode(clip.path)


@pytest.fixture(scope="module")
def bad(tmp_path_factory, avatar, voice) -> dict[str, Path]:
    return make_bad_clips(tmp_path_factory.mktemp("bad"), avatar, voice)


def test_clip_has_the_timeline_length_size_and_a_constant_rate(clip, decoded):
    expected = total_seconds(SHORT_TAKES) * FPS
    assert abs(len(decoded.frames) - expected) <= 1
    assert clip.frame_count == len(decoded.frames)
    assert decoded.size == clip.size == (W, H)
    assert decoded.rate == clip.fps == FPS
    assert np.allclose(np.diff(decoded.times), 1 / FPS, atol=1e-3)


def test_audio_is_as_long_as_the_video(clip, decoded):
    assert decoded.audio is not None
    assert decoded.audio_rate == clip.audio_rate == AUDIO_RATE
    seconds = len(decoded.audio) / AUDIO_RATE
    assert abs(seconds - len(decoded.frames) / FPS) <= 1 / FPS


def test_speech_is_placed_in_the_reading_take_only(clip, decoded):
    reading = clip.frames_of("reading")
    spoken = np.nonzero(clip.speaking)[0]
    assert spoken[0] == reading.start
    assert spoken[-1] < reading.stop
    assert len(spoken) == spoken[-1] - spoken[0] + 1  # one run, no holes
    assert len(spoken) >= 0.9 * len(reading)
    # ... and the sound is there too: loud in the reading, silent in the idle take
    per_frame = AUDIO_RATE // FPS
    idle, audio = clip.frames_of("idle"), decoded.audio
    assert audio is not None
    quiet = audio[idle.start * per_frame:idle.stop * per_frame]
    loud = audio[reading.start * per_frame:reading.stop * per_frame]
    assert np.sqrt(np.mean(loud**2)) > 0.02
    assert np.abs(quiet).max() < 1e-3


def test_mouth_weights_follow_the_speech_and_the_smile(clip):
    assert clip.mouths.shape == (clip.frame_count, 3)
    assert clip.mouths.dtype == np.float32
    reading, idle, happy = (clip.frames_of(n) for n in ("reading", "idle", "happy"))
    jaw = clip.mouths[:, 0]
    assert jaw[reading.start:reading.stop].std() > 0.05
    assert np.abs(clip.mouths[idle.start:idle.stop]).max() < 0.02
    spread = clip.mouths[happy.start:happy.stop, 1]
    assert spread.max() > 0.9  # a broad smile at the take's middle
    assert spread[0] < 0.05 and spread[-1] < 0.05  # from rest, back to rest
    assert np.abs(jaw[happy.start:happy.stop]).max() < 0.02


def test_follow_take_moves_the_picture_more_than_idle_motion(clip, decoded):
    idle, follow = clip.frames_of("idle"), clip.frames_of("follow")
    rest = decoded.frames[idle.start]
    idle_change = max(np.abs(decoded.frames[i] - rest).mean() for i in idle)
    peak = decoded.frames[(follow.start + follow.stop) // 2]
    assert np.abs(peak - rest).mean() > 2 * idle_change
    # it starts and ends at rest
    for i in (follow.start, follow.stop - 1):
        assert np.abs(decoded.frames[i] - rest).mean() < 2 * idle_change


def test_gestures_can_be_left_out(tmp_path, avatar, voice):
    takes = (guide_take("idle", 1.0), guide_take("follow", 2.0))
    still = make_clip(tmp_path / "still.mp4", avatar, voice, takes, gestures=False)
    moved = make_clip(tmp_path / "moved.mp4", avatar, voice, takes)
    a, b = decode(still.path).frames, decode(moved.path).frames
    peak = (still.frames_of("follow").start + still.frames_of("follow").stop) // 2
    assert np.abs(a[peak] - a[0]).mean() < 0.5 * np.abs(b[peak] - b[0]).mean()
    assert not still.speaking.any()


def test_sidecar_timeline_is_written_beside_the_clip(clip):
    rows = yaml.safe_load(clip.path.with_suffix(".segments.yaml").read_text())
    assert [(r["name"], r["start"], r["end"]) for r in rows] == [
        (s.name, s.start, s.end) for s in clip.segments]
    assert [s.name for s in clip.segments] == ["idle", "reading", "follow", "happy"]


def test_bad_clips_each_show_their_defect(bad, decoded):
    assert set(bad) == {"short", "no_audio", "dark", "two_faces", "tiny_face", "no_face",
                        "variable_rate"}
    assert all(p.is_file() and p.with_suffix(".segments.yaml").is_file()
               for p in bad.values())
    normal = np.mean(decoded.frames[0])

    short = decode(bad["short"])
    assert len(short.frames) == 5 * FPS
    assert short.audio is not None

    no_audio = decode(bad["no_audio"])
    assert no_audio.audio is None
    assert len(no_audio.frames) == len(decoded.frames)

    dark = decode(bad["dark"])
    assert np.mean(dark.frames[0]) < 0.2 * normal

    two = decode(bad["two_faces"])
    assert two.size == (2 * W, H)
    left, right = two.frames[0][:, : W // 4], two.frames[0][:, W // 4:]
    assert np.abs(left - right).mean() < 3  # the same picture twice

    tiny = decode(bad["tiny_face"]).frames[0]
    assert tiny.shape == decoded.frames[0].shape
    assert np.abs(tiny[:20] - 128).max() < 3  # grey all round the small picture
    assert tiny.std() > 5  # ... which is there

    plain = decode(bad["no_face"]).frames[0]
    assert np.abs(np.diff(plain, axis=1)).max() < 2  # rows of one colour
    assert np.diff(plain.mean(axis=1)).min() >= -0.5  # darker to lighter, top to bottom

    vfr = decode(bad["variable_rate"])
    steps = np.round(np.diff(vfr.times) * 1000).astype(int)
    assert set(steps) == {33, 47}
    assert abs(len(vfr.frames) - len(decoded.frames)) <= 1
