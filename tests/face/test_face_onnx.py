"""The onnx engine's plumbing, with a generated model of Wav2Lip's I/O on the CPU."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from devkit.lipsync_models import tiny_model, write_manifest
from livehost.config.engines import EnginesConfig
from livehost.inference import pick_providers
from livehost.lipsync.onnx.engine import OnnxEngine
from livehost.lipsync.onnx.manifest import ManifestError, MelSettings
from livehost.lipsync.onnx.mel import mel_window, resample
from livehost.lipsync.onnx.session import engine_cache_dir
from livehost.lipsync.registry import load_lipsync_engine

W, H, FPS = 640, 360, 25


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lipsync")
    write_manifest(tiny_model(folder / "tiny.onnx"), batch=4)
    write_manifest(tiny_model(folder / "tiny-qdq.onnx", qdq=True), precision="int8-qdq")
    return folder


def open_engine(manifest: Path, avatar) -> OnnxEngine:
    eng = OnnxEngine.from_manifest(manifest, W, H, FPS, providers=["tensorrt", "cuda", "cpu"])
    eng.prepare(avatar)
    return eng


def test_round_trip_pastes_model_output_on_the_lower_face(model_dir, avatar, make_chunk):
    eng = open_engine(model_dir / "tiny.json", avatar)
    assert eng.session.get_providers()[-1] == "CPUExecutionProvider"
    # 0.5 s silence, 1 s loud voice, 1 s quiet voice: the tiny model dims the face by
    # the audio's loudness, so the pasted region must be brighter when louder.
    eng.push(make_chunk([("a", 1.0, 1.0), ("a", 1.0, 0.05)]), 0.5)
    frames = list(eng.frames(0, 70))
    x0, y0, x1, y1 = eng.box
    idle = eng.idle.render(0.2)
    assert np.array_equal(frames[5], idle)  # silence: the idle frame, no model run
    loud, quiet = frames[int(1.0 * FPS)], frames[int(2.0 * FPS)]
    idle_loud = eng.idle.render(1.0)
    # Only the crop's lower part changes; the eyes and everything outside stay idle.
    diff = np.abs(loud.astype(int) - idle_loud.astype(int)).sum(axis=2)
    assert diff[y0 + (y1 - y0) * 2 // 3, x0:x1].mean() > 10
    outside = diff.copy()
    outside[y0:y1, x0:x1] = 0
    assert outside.max() == 0
    assert diff[y0 : y0 + (y1 - y0) // 3].max() == 0
    lower = (slice(y0 + (y1 - y0) * 2 // 3, y1 - (y1 - y0) // 10), slice(x0 + 20, x1 - 20))
    assert loud[lower].mean() > quiet[lower].mean() + 10


def test_batches_match_single_frames(model_dir, avatar, make_chunk):
    a = open_engine(model_dir / "tiny.json", avatar)
    b = open_engine(model_dir / "tiny.json", avatar)
    for eng in (a, b):
        eng.push(make_chunk([("a", 0.8, 0.8)]), 0.1)
    batched = list(a.frames(0, 20))
    single = [b.frame(n) for n in range(20)]
    for x, y in zip(batched, single, strict=True):
        assert np.array_equal(x, y)


def test_flush_drops_frames_rendered_ahead(model_dir, avatar, make_chunk):
    eng = open_engine(model_dir / "tiny.json", avatar)
    eng.push(make_chunk([("a", 2.0, 1.0)]), 0.0)
    eng.frame(0)  # renders a batch ahead
    eng.flush(after=0.0)
    eng.push(make_chunk([("a", 2.0, 0.0)]), 0.0)  # an urgent, silent-sounding line
    assert not np.array_equal(
        eng.frame(2), open_engine(model_dir / "tiny.json", avatar).frame(2)
    )  # differs from an idle frame: it is the new line
    quiet = eng.frame(2)
    fresh = open_engine(model_dir / "tiny.json", avatar)
    fresh.push(make_chunk([("a", 2.0, 0.0)]), 0.0)
    assert np.array_equal(quiet, fresh.frame(2))


def test_config_picks_the_engine(model_dir, avatar):
    warp = load_lipsync_engine(EnginesConfig(lipsync="warp"), W, H, FPS)
    onnx = load_lipsync_engine(
        EnginesConfig(lipsync="onnx", onnx={"model": "tiny.json"}), W, H, FPS,
        model_dir=model_dir,
    )
    assert (warp.name, onnx.name) == ("warp", "onnx")
    with pytest.raises(ValueError, match=r"engines\.onnx\.model names no model"):
        load_lipsync_engine(EnginesConfig(lipsync="onnx"), W, H, FPS)
    # a config written before engines.onnx had a section still reads
    assert EnginesConfig.model_validate({"lipsync_model": "tiny.json"}).onnx.model == "tiny.json"


def test_qdq_model_runs_when_the_manifest_says_int8(model_dir, avatar, make_chunk):
    eng = open_engine(model_dir / "tiny-qdq.json", avatar)
    eng.push(make_chunk([("a", 0.5, 1.0)]), 0.0)
    assert eng.frame(5).shape == (H, W, 3)


def test_qdq_model_is_refused_when_the_manifest_says_fp32(model_dir, tmp_path):
    manifest = json.loads((model_dir / "tiny-qdq.json").read_text())
    manifest["precision"] = "fp32"
    (tmp_path / "tiny-qdq.onnx").write_bytes((model_dir / "tiny-qdq.onnx").read_bytes())
    (tmp_path / "m.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match="is QDQ-quantized but the manifest says"):
        OnnxEngine.from_manifest(tmp_path / "m.json", W, H, FPS, providers=["cpu"])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"face_size": 128}, "want \\[None, 6, 128, 128\\]"),
        ({"inputs": {"audio": "mel", "face": "face_sequences"}}, "no input named 'mel'"),
        ({"output": "frames"}, "no output named 'frames'"),
        ({"sha256": "0" * 64}, "does not match the manifest"),
        ({"family": "sadtalker"}, "family"),
    ],
)
def test_manifest_that_does_not_fit_the_model_is_refused(model_dir, tmp_path, change, message):
    manifest = json.loads((model_dir / "tiny.json").read_text()) | change
    (tmp_path / "tiny.onnx").write_bytes((model_dir / "tiny.onnx").read_bytes())
    (tmp_path / "m.json").write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match=message):
        OnnxEngine.from_manifest(tmp_path / "m.json", W, H, FPS, providers=["cpu"])


def test_tensorrt_first_with_fp16_and_a_keyed_engine_cache(tmp_path):
    available = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    cache = engine_cache_dir(
        tmp_path, "ab" * 32, "fp16", trt_version="10.3.0", gpu="NVIDIA Jetson Orin NX"
    )
    providers = pick_providers(["tensorrt", "cuda", "cpu"], available, cache)
    name, opts = providers[0]
    assert name == "TensorrtExecutionProvider"
    assert opts["trt_fp16_enable"] and not opts["trt_int8_enable"]
    assert opts["trt_engine_cache_path"] == str(cache)
    assert cache.name == "abababababababab-trt10.3.0-NVIDIA_Jetson_Orin_NX-fp16"
    assert [p if isinstance(p, str) else p[0] for p in providers[1:]] == available[1:]
    other = engine_cache_dir(
        tmp_path, "ab" * 32, "fp16", trt_version="10.4.0", gpu="NVIDIA Jetson Orin NX"
    )
    assert other != cache  # a TensorRT upgrade never reuses an old plan
    # Without a GPU build of onnxruntime, only the CPU is left.
    assert pick_providers(["tensorrt", "cuda", "cpu"], ["CPUExecutionProvider"]) == [
        "CPUExecutionProvider"
    ]
    # A QDQ int8 model asks TensorRT for int8 kernels too.
    int8 = pick_providers(["tensorrt"], available, cache, int8=True)[0][1]
    assert int8["trt_int8_enable"] and int8["trt_fp16_enable"]


def test_mel_window_shape_range_and_pitch():
    s = MelSettings()
    t = np.arange(16000) / 16000

    def peak_band(hz: float) -> int:
        tone = (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
        window = mel_window(tone, 4000, s)
        assert window.shape == (80, 16) and window.max() <= 4.0
        return int(np.argmax(window.mean(axis=1)))

    silent = mel_window(np.zeros(16000, np.float32), 4000, s)
    assert silent.max() == pytest.approx(-4.0)  # floor of the normalised range
    # Slaney mel, 80 bands from 55 Hz (0.83 mel) to 7.6 kHz (44.5 mel), 0.54 mel apart:
    # 440 Hz is 6.6 mel -> band 10-11; 2 kHz is 25.1 mel -> band 44-45.
    assert 9 <= peak_band(440) <= 12
    assert 43 <= peak_band(2000) <= 46


def test_resample_keeps_duration_and_pitch():
    t = np.arange(22050) / 22050
    pcm = (np.sin(2 * np.pi * 300 * t) * 20000).astype(np.int16)
    out = resample(pcm, 22050, 16000)
    assert len(out) == 16000
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) - 300) <= 1  # 1 Hz bins over one second


def test_a_video_avatar_gets_the_neural_mouth_on_its_own_clip(model_dir, video_avatar_dir,
                                                               make_chunk):
    """The body is the person's clip (its idle loop, its takes on cue); the model draws
    only inside the face's box, which follows the head."""
    from livehost.avatar.kinds import load_any_avatar
    from livehost.lipsync.onnx.body import face_box

    avatar = load_any_avatar(video_avatar_dir)
    eng = load_lipsync_engine(EnginesConfig(lipsync="onnx", onnx={"model": "tiny.json"}), W,
                              H, FPS, model_dir=model_dir, kind="video")
    eng.prepare(avatar)
    clip = eng.body.clip
    eng.push(make_chunk([("a", 1.5, 1.0)]), 0.5, ("follow",))
    assert clip.base.playing(0.6) == "follow"
    frames = list(eng.frames(0, 45))
    assert np.array_equal(frames[5], clip.body(5)[0])  # silence: the clip's own frame
    boxes = []
    for n in (20, 40):
        plain, points = clip.body(n)
        x0, y0, x1, y1 = box = face_box(points, W, H)
        boxes.append(box)
        diff = np.abs(frames[n].astype(int) - plain.astype(int)).sum(axis=2)
        assert diff[y0 + (y1 - y0) * 2 // 3, x0:x1].mean() > 10
        outside = diff.copy()
        outside[y0:y1, x0:x1] = 0
        assert outside.max() == 0
    assert boxes[0] != boxes[1]  # the take moves the head, and the box with it
