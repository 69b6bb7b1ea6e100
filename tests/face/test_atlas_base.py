"""The atlas engine's base frames (idle loop and takes) on a made-up clip: which frame
shows when, as takes are scheduled, cut and forgotten the way the show loop does."""

from __future__ import annotations

import numpy as np
import pytest

from livehost.avatar.video.loop import thumbs
from livehost.lipsync.atlas.base import BaseFrames, Loop, Take, compress, i420

FPS = 25.0
LOOP = 100


def picture(level: int) -> np.ndarray:
    return np.full((16, 16, 3), level, np.uint8)


def frames() -> BaseFrames:
    return BaseFrames(loop=loop(), takes={"wave": take("wave", 30), "nod": take("nod", 4)},
                      fps=FPS, landmarks=np.zeros((400, 468, 3), np.float32),
                      pose=np.zeros((400, 3), np.float32))


def loop() -> Loop:
    pictures = [picture(k * 2) for k in range(LOOP)]  # each frame its own grey level
    return Loop([i420(p) for p in pictures], np.zeros((LOOP, 468, 3), np.float32),
                np.zeros((LOOP, 3), np.float32), thumbs(pictures))


def take(name: str, count: int) -> Take:
    pictures = [picture(250) for _ in range(count)]
    return Take(name, 300, tuple(compress(p) for p in pictures), thumbs(pictures))


def level(base: BaseFrames, t: float) -> float:
    return float(base.at(t).picture.mean())


def test_forgetting_an_old_take_keeps_the_loop_where_it_was() -> None:
    base = frames()
    assert base.start("wave", 10.0)
    before = [level(base, t) for t in (12.0, 20.0, 28.0, 29.9)]
    assert base.start("wave", 30.0)  # the show loop places speech ahead ...
    base.forget(27.0)  # ... and forgets what played two seconds behind
    assert [level(base, t) for t in (28.0, 29.9)] == before[2:]
    base.flush(29.0)  # the later take's speech is cut: the loop still goes on as it was
    assert [level(base, t) for t in (28.0, 29.9)] == before[2:]


def test_one_take_at_a_time_and_a_cut_drops_only_what_it_cuts() -> None:
    base = frames()
    assert base.start("wave", 1.0)
    assert not base.start("nod", 1.5)  # the wave still plays
    assert base.playing(1.5) == "wave"
    base.flush(1.2)  # cut after the wave began: it plays on
    assert base.playing(1.5) == "wave"
    assert base.start("nod", 3.0)
    base.flush(2.0)
    assert base.playing(3.05) is None


def test_a_short_take_fades_in_and_out() -> None:
    base = frames()
    assert base.start("nod", 2.0)  # 4 frames: two faded in, two out
    levels = [level(base, 2.0 + k / FPS) for k in range(4)]
    loop_level = level(base, 1.9)
    assert all(loop_level < lv < 250 for lv in levels), levels  # FADE (4) would not fit


def test_back_to_back_takes_fade_from_a_loop_frame() -> None:
    base = frames()
    assert base.start("nod", 2.0)
    assert base.start("wave", 2.0 + 4 / FPS)
    first = base.at(2.0 + 4 / FPS + 1e-3).picture
    assert first.mean() < 250  # blended with the loop frame after the nod, not the nod


@pytest.mark.parametrize("output_fps", [25, 30, 50])
def test_the_loop_plays_in_order_at_any_output_rate(output_fps: int) -> None:
    base = frames()
    shown = [base._where(n / output_fps)[1] for n in range(int(3 * output_fps))]
    steps = np.diff(shown)
    assert set(steps.tolist()) <= {0, 1}  # each clip frame once or twice, never skipped
    assert shown[-1] == int((3 * output_fps - 1) / output_fps * FPS)
