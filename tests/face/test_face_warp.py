"""The warp engine's mouth follows the voice and its eyes blink like a person's.

Everything is judged from rendered pixels (FaceMeter), not from the engine's internals.
"""

from __future__ import annotations

import numpy as np
import pytest

from devkit.face_meter import FaceMeter, loudness_per_frame
from livehost.lipsync.idle import BLINK_MAX_GAP, BLINK_MIN_GAP
from livehost.lipsync.visemes import BILABIALS
from livehost.lipsync.warp.engine import WarpEngine

W, H, FPS = 640, 360, 25


@pytest.fixture(scope="module")
def engine(avatar) -> WarpEngine:
    eng = WarpEngine(W, H, FPS)
    eng.prepare(avatar)
    return eng


@pytest.fixture(scope="module")
def meter(avatar, engine) -> FaceMeter:
    m = FaceMeter(avatar, W, H)
    m.calibrate(engine.render(0.0))  # no speech, eyes open (first blink is later)
    return m


@pytest.fixture(scope="module")
def spoken(avatar, pitch_chunks, meter):
    """The pitch with pauses between sentences, rendered, measured frame by frame."""
    eng = WarpEngine(W, H, FPS)
    eng.prepare(avatar)
    t = 0.4
    for chunk in pitch_chunks:
        eng.push(chunk, t)
        t += chunk.duration + 0.5
    n = int((eng.timeline.end + 0.4) * FPS)
    opening = np.array([meter.mouth_opening(f) for f in eng.frames(0, n)])
    loud = loudness_per_frame(eng.timeline, n, FPS)
    return eng, opening, loud


def test_mouth_opening_rises_and_falls_with_the_voice(spoken):
    _, opening, loud = spoken
    assert opening.max() > 0.08  # about 9 px at 720p: visibly open
    assert np.corrcoef(opening, loud)[0, 1] > 0.6


def test_mouth_is_shut_in_silence(spoken):
    eng, opening, _ = spoken
    silent = np.array([eng.timeline.at(i / FPS) is None for i in range(len(opening))])
    assert silent.sum() > FPS  # the lead-in and the pauses between sentences
    assert opening[silent].max() < 0.01


def test_lips_close_on_p_b_m(spoken):
    eng, opening, _ = spoken
    open_level = np.percentile(opening[opening > 0.005], 90)
    closed, total = 0, 0
    for placed in eng.timeline.between(0, len(opening) / FPS):
        rate = placed.chunk.sample_rate
        for p in placed.chunk.phonemes:
            if p.phoneme not in BILABIALS or p.length < 0.04 * rate:
                continue
            centre = placed.start + (p.start + p.length / 2) / rate
            total += 1
            closed += opening[round(centre * FPS)] < 0.15 * open_level
    assert total >= 3  # the pitch has eight: "Meet", "Pop", "press", "button", ...
    assert closed / total >= 0.9


def test_louder_vowel_opens_wider(avatar, meter, make_chunk):
    eng = WarpEngine(W, H, FPS)
    eng.prepare(avatar)
    # Loudness 0.12 is about -32 dBFS (quiet talk), 1.0 about -13 dBFS (emphasis).
    eng.push(make_chunk([("_", 0.3, 0.0), ("a", 0.6, 0.12), ("_", 0.3, 0.0), ("a", 0.6, 1.0),
                         ("_", 0.3, 0.0)]), 0.0)
    quiet = meter.mouth_opening(eng.render(0.6))
    loud = meter.mouth_opening(eng.render(1.5))
    shut = meter.mouth_opening(eng.render(1.05))
    assert loud > quiet * 1.3 > 0
    assert shut < 0.01


def test_silent_phoneme_track_keeps_mouth_shut(avatar, meter, make_chunk):
    """An "ah" with no sound (e.g. a silent engine's placeholder) must not mouth words."""
    eng = WarpEngine(W, H, FPS)
    eng.prepare(avatar)
    eng.push(make_chunk([("a", 1.0, 0.0)]), 0.0)
    assert max(meter.mouth_opening(eng.render(t)) for t in (0.2, 0.5, 0.8)) < 0.01


def test_blinks_at_natural_intervals(avatar):
    # 720p: at 360p the eyes are too few pixels to tell a blink from the head's drift.
    engine = WarpEngine(1280, 720, FPS)
    engine.prepare(avatar)
    meter = FaceMeter(avatar, 1280, 720)
    meter.calibrate(engine.render(0.0))
    seconds = 40
    closure = np.array([meter.eye_closure(engine.render(i / FPS)) for i in range(seconds * FPS)])
    shut = closure > 0.15  # open eyes read < 0.05, shut ones 0.2-0.3
    starts = np.nonzero(shut[1:] & ~shut[:-1])[0] + 1
    ends = np.nonzero(~shut[1:] & shut[:-1])[0] + 1
    assert seconds / BLINK_MAX_GAP - 1 <= len(starts) <= seconds / BLINK_MIN_GAP + 1
    gaps = np.diff(starts) / FPS
    assert gaps.min() >= BLINK_MIN_GAP - 0.1
    assert gaps.max() <= BLINK_MAX_GAP + 0.1
    durations = (ends[: len(starts)] - starts[: len(ends)]) / FPS
    assert 0.0 < durations.max() <= 0.3  # a blink, not a doze


def test_idle_face_is_calm_but_alive(engine):
    a, b = engine.render(10.0), engine.render(10.5)
    change = np.abs(a.astype(int) - b.astype(int))
    assert change.max() > 0  # head drift and breathing
    assert change.mean() < 4  # but no jumps


def test_same_frame_renders_the_same(engine):
    assert np.array_equal(engine.frame(123), engine.frame(123))


def test_rig_cache_gives_the_same_frames_and_skips_the_fit(avatar, tmp_path, monkeypatch):
    first = WarpEngine(W, H, FPS, cache_dir=tmp_path)
    first.prepare(avatar)
    assert len(list((tmp_path / "warp-rig").glob("*.npz"))) == 1
    import livehost.lipsync.warp.engine as warp_module

    def no_fit(*args, **kwargs):
        raise AssertionError("the rig should come from the cache")

    monkeypatch.setattr(warp_module, "build_rig", no_fit)
    second = WarpEngine(W, H, FPS, cache_dir=tmp_path)
    second.prepare(avatar)
    assert np.array_equal(first.render(3.3), second.render(3.3))
    # Another frame size is another rig.
    with pytest.raises(AssertionError, match="from the cache"):
        WarpEngine(W // 2, H // 2, FPS, cache_dir=tmp_path).prepare(avatar)
