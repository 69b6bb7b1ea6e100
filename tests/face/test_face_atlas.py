"""The clip-atlas engine: a host played from a video avatar (a synthetic talking clip
whose mouths are known), measured from the frames it draws."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import shutil

import numpy as np
import pytest

from livehost.avatar import geometry as geo
from livehost.avatar.kinds import load_any_avatar
from livehost.avatar.package import AvatarError
from livehost.config.engines import EnginesConfig
from livehost.lipsync.atlas.engine import AtlasEngine
from livehost.lipsync.registry import load_lipsync_engine
from livehost.lipsync.speechmouth import speech_mouth
from livehost.lipsync.visemes import RATE

FPS = 25
START = 0.6  # media seconds at which the test speech starts


@pytest.fixture(scope="module")
def video_avatar(video_avatar_dir):
    return load_any_avatar(video_avatar_dir)


@pytest.fixture(scope="module")
def engine(video_avatar):
    engine = AtlasEngine(*video_avatar.manifest.size, FPS)
    engine.prepare(video_avatar)
    return engine


@pytest.fixture
def speaking(video_avatar, pitch_chunks):
    """A fresh engine with the pitch placed from START, and the voice's wanted opening
    for each of its frames (frame index -> opening)."""
    engine = AtlasEngine(*video_avatar.manifest.size, FPS)
    engine.prepare(video_avatar)
    wanted = {}
    t = START
    for chunk in pitch_chunks[:2]:
        t = engine.push(chunk, t)
        mouth = speech_mouth(chunk)
        for n in range(int(np.ceil(t * FPS)), int((t + chunk.duration) * FPS)):
            x = (n / FPS - t) * RATE
            wanted[n] = float(np.interp(x, np.arange(len(mouth.opening)), mouth.opening))
        t += chunk.duration
    return engine, wanted


def openings(frames: list[np.ndarray], detector) -> np.ndarray:
    """The inner lip gap over the eye distance, measured on drawn frames."""
    out = []
    for rgb in frames:
        faces = detector.faces(rgb)
        lm = detector.landmarks(rgb, faces[0][1]) if len(faces) == 1 else None
        if lm is None:
            out.append(np.nan)
            continue
        upper = lm[list(geo.LIPS_UPPER_INNER[1:-1]), 1].mean()
        lower = lm[list(geo.LIPS_LOWER_INNER[1:-1]), 1].mean()
        out.append((lower - upper) / geo.eye_distance(lm))
    return np.array(out)


def chosen_openings(engine: AtlasEngine, frames: list[int]) -> np.ndarray:
    """The measured lip gap of the recorded mouth chosen for each frame."""
    rows = [engine.choice(n).row for n in frames]
    return engine.avatar.opening[engine.atlas.source[rows]]


def test_new_speech_chooses_the_persons_mouths_along_the_voice(speaking, detector) -> None:
    engine, wanted = speaking
    assert engine.atlas.voice_map is not None  # the build aligned the reading's text
    frames = sorted(wanted)
    chosen = chosen_openings(engine, frames)
    target = np.array([wanted[n] for n in frames])
    r_choice = np.corrcoef(chosen, target)[0, 1]
    # from outside: the lips as a face detector finds them on the drawn frames
    sample = frames[::3]
    measured = openings([engine.render(n) for n in sample], detector)
    ok = ~np.isnan(measured)
    r_frames = np.corrcoef(measured[ok], np.array([wanted[n] for n in sample])[ok])[0, 1]
    print(f"chosen against wanted r={r_choice:.3f}; drawn frames against wanted "
          f"r={r_frames:.3f} ({ok.sum()} frames)")
    assert r_choice > 0.8
    assert r_frames > 0.6


def test_without_a_voice_map_the_mouths_are_chosen_by_their_description(
        video_avatar, pitch_chunks) -> None:
    """A package built without the voice (or before it had a map) still follows speech."""
    engine = AtlasEngine(*video_avatar.manifest.size, FPS)
    engine.prepare(dataclasses.replace(video_avatar, voice_map=None))
    assert engine.atlas.voice_map is None
    t = engine.push(pitch_chunks[0], START)
    mouth = speech_mouth(pitch_chunks[0])
    frames = list(range(int(np.ceil(t * FPS)), int((t + pitch_chunks[0].duration) * FPS)))
    target = np.interp([(n / FPS - t) * RATE for n in frames], np.arange(len(mouth.opening)),
                       mouth.opening)
    r = np.corrcoef(chosen_openings(engine, frames), target)[0, 1]
    print(f"description: chosen against wanted r={r:.3f}")
    assert r > 0.8


def test_silence_shows_the_idle_loop_untouched_and_still(engine, detector) -> None:
    loop = engine.base.loop
    for n in range(0, 40):
        assert engine.choice(n) is None
        k = int(n / FPS * engine.avatar.manifest.fps + 1e-6) % len(loop)  # clip frame n
        assert np.array_equal(engine.render(n), engine.stage.show(loop.picture(k)))
    gaps = openings([engine.render(n) for n in range(0, 40, 4)], detector)
    assert np.nanmax(gaps) - np.nanmin(gaps) < 0.03, gaps


def test_a_frame_drawn_again_is_the_same_frame(speaking) -> None:
    """Redrawn after later speech was placed with a cue, and the past forgotten as the
    show loop does: the same frame."""
    engine, wanted = speaking
    n = sorted(wanted)[len(wanted) // 2]
    first = engine.render(n)
    later = engine.timeline.end + 0.3
    engine.push(engine.timeline.between(0, 99)[0].chunk, later, ("happy",))
    engine.forget(n / FPS - 2.0)
    assert np.array_equal(engine.render(n), first)


def test_a_cue_plays_its_take_while_the_mouth_keeps_moving(speaking, detector) -> None:
    engine, _ = speaking
    t = engine.timeline.end + 0.5
    engine.push(engine.timeline.between(0, 99)[0].chunk, t, ("follow",))
    take = engine.base.takes["follow"]
    inside = [n for n in range(int(t * FPS), int(t * FPS) + len(take.jpegs) - 8)
              if engine.base.playing(n / FPS) == "follow"]
    assert len(inside) >= len(take.jpegs) - 12
    # the synthetic "follow" slides the picture up: the eyes rise in the drawn frames
    peak = inside[len(inside) // 2]
    rest_eyes = _eyes_y(engine.render(int(t * FPS) - 5), detector)
    assert rest_eyes - _eyes_y(engine.render(peak), detector) > 10
    # and the mouth still follows the voice there
    spoken = [n for n in inside if engine.timeline.at(n / FPS) is not None]
    chosen = [engine.choice(n) for n in spoken]
    assert len(spoken) > 10 and all(c is not None for c in chosen)
    moving = [n for n, c in zip(spoken, chosen, strict=True) if c.alpha > 0.5]
    gaps = chosen_openings(engine, moving)
    assert np.std(gaps) > 0.2 * np.std(engine.avatar.opening[engine.atlas.source])


def test_a_take_is_entered_and_left_without_a_jump(speaking) -> None:
    engine, _ = speaking
    t = engine.timeline.end + 0.5
    engine.push(engine.timeline.between(0, 99)[0].chunk, t, ("happy",))
    first = int(t * FPS)
    stop = first + int(len(engine.base.takes["happy"].jpegs) * FPS / engine.base.fps) + 10
    frames = [engine.render(n).astype(np.float32) for n in range(first - 10, stop)]
    steps = [float(np.abs(b - a).mean()) for a, b in itertools.pairwise(frames)]
    loop = [engine.base.loop.picture(k).astype(np.float32) for k in range(len(engine.base.loop))]
    own = np.median([np.abs(b - a).mean() for a, b in itertools.pairwise(loop)])
    print(f"largest step across the take {max(steps):.2f}, the loop's median step {own:.2f}")
    assert max(steps) < max(6 * own, 4.0)


def test_a_cue_without_a_take_is_ignored_with_one_warning(video_avatar, pitch_chunks,
                                                          caplog) -> None:
    engine = AtlasEngine(*video_avatar.manifest.size, FPS)
    engine.prepare(video_avatar)
    with caplog.at_level(logging.WARNING, logger="livehost.lipsync.atlas.engine"):
        t = engine.push(pitch_chunks[0], 0.5, ("spin", "urgent"))
        engine.push(pitch_chunks[1], t + pitch_chunks[0].duration, ("spin",))
    warned = [r.getMessage() for r in caplog.records]
    assert len([w for w in warned if "'spin'" in w]) == 1
    assert len([w for w in warned if "'urgent'" in w]) == 1
    assert engine.base.playing(0.6) is None


def test_a_shop_adds_its_own_cue_in_cues_yaml(video_avatar_dir, pitch_chunks, tmp_path) -> None:
    folder = tmp_path / "host"
    shutil.copytree(video_avatar_dir, folder)
    (folder / "cues.yaml").write_text("twirl: happy\nfollow: follow\n")
    avatar = load_any_avatar(folder)
    assert avatar.cues == {"twirl": "happy", "follow": "follow"}
    engine = AtlasEngine(*avatar.manifest.size, FPS)
    engine.prepare(avatar)
    engine.push(pitch_chunks[0], 1.0, ("twirl",))
    assert engine.base.playing(1.2) == "happy"
    engine.flush(0.5)  # the speech is cut before it started: so is its take
    assert engine.base.playing(1.2) is None
    (folder / "cues.yaml").write_text("twirl: cartwheel\n")
    with pytest.raises(AvatarError, match=r"'twirl' names take 'cartwheel'.*follow, happy"):
        load_any_avatar(folder)


def test_the_engine_is_picked_by_the_avatars_kind(video_avatar, avatar) -> None:
    auto = EnginesConfig()
    assert auto.lipsync == "auto"
    assert load_lipsync_engine(auto, 320, 240, FPS, kind="video").name == "atlas"
    assert load_lipsync_engine(auto, 320, 240, FPS, kind="portrait").name == "warp"
    with pytest.raises(ValueError, match=r"plays a photo avatar.*engines\.lipsync: auto"):
        load_lipsync_engine(EnginesConfig(lipsync="warp"), 320, 240, FPS, kind="video")
    with pytest.raises(ValueError, match="plays a video avatar"):
        load_lipsync_engine(EnginesConfig(lipsync="atlas"), 320, 240, FPS, kind="portrait")
    with pytest.raises(ValueError, match="plays video avatars"):
        AtlasEngine(320, 240, FPS).prepare(avatar)


def test_the_picture_sits_in_a_wider_host_area(video_avatar, pitch_chunks) -> None:
    engine = AtlasEngine(640, 360, FPS)
    engine.prepare(video_avatar)
    engine.push(pitch_chunks[0], 0.2)
    frame = engine.render(10)
    assert frame.shape == (360, 640, 3)
    lay = engine.stage.layout
    assert lay.h == 360 and 0 < lay.x0 < 640 // 2  # the clip's picture, centred


def _eyes_y(rgb: np.ndarray, detector) -> float:
    faces = detector.faces(rgb)
    lm = detector.landmarks(rgb, faces[0][1])
    left, right = geo.eye_centres(lm)
    return float((left[1] + right[1]) / 2)


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe (Debian ffmpeg) is missing")
def test_staff_preview_a_video_host_before_going_live(tmp_path, video_avatar_dir, repo_root,
                                                       capsys) -> None:
    """`livehost preview --avatar DIR --sheet FILE`: the pitch with the video host, as it
    would air, and a contact sheet to look at."""
    import json
    import subprocess

    import yaml

    from livehost.cli.main import main

    config = yaml.safe_load((repo_root / "etc/livehost/livehost.yaml").read_text())
    config["schedule"] = str(repo_root / "etc/livehost/schedule.yaml")
    config["paths"] = {**config["paths"], "models": str(tmp_path / "m"),
                       "cache": str(tmp_path / "c")}
    (tmp_path / "livehost.yaml").write_text(yaml.safe_dump(config))
    out, sheet = tmp_path / "pan.mp4", tmp_path / "sheet.png"
    code = main(["preview", "--config", str(tmp_path / "livehost.yaml"), "--product", "pan",
                 "--for", "12s", "--out", str(out), "--sheet", str(sheet),
                 "--avatar", str(video_avatar_dir), "--size", "640x360"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "(atlas face," in captured.out
    info = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(out)],
        capture_output=True, text=True, check=True).stdout)
    assert sorted(s["codec_name"] for s in info["streams"]) == ["aac", "h264"]
    assert sheet.stat().st_size > 10_000


@pytest.mark.parametrize("field, value, says", [
    ("fps", float("inf"), "fps: Input should be a finite number"),
    ("fps", 0.0, "fps: Input should be greater than 0"),
    ("size", [0, 480], "size.0: Input should be greater than 0"),
    ("idle", {"start": 49, "end": 49, "fade": 0}, "the idle loop must end after it starts"),
])
def test_a_hand_edited_manifest_that_cannot_play_is_refused(video_avatar_dir, tmp_path, field,
                                                            value, says) -> None:
    import yaml

    folder = tmp_path / "host"
    shutil.copytree(video_avatar_dir, folder)
    manifest = folder / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text())
    data[field] = value
    manifest.write_text(yaml.safe_dump(data))
    with pytest.raises(AvatarError, match=says):
        load_any_avatar(folder)
