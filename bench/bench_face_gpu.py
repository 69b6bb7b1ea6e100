"""Neural lip-sync on the GPU path: the Wav2Lip-sized stand-in on TensorRT/CUDA vs the CPU.

Skipped where onnxruntime has no CUDA provider (the x86 dev box, CI). On a Jetson (or any
CUDA machine) it answers how many frames a second the neural engine can make there, and
shows which provider a session really got: a listed TensorRT provider whose libraries are
missing is dropped by onnxruntime at session creation, and the engine must still run.

It imports only the engine's own modules (numpy, OpenCV, onnx, onnxruntime, pydantic and
PyYAML underneath), so it also runs on a bare GPU machine with the avatar folder beside it:
`PYTHONPATH=daemon:. python bench/bench_face_gpu.py var/avatars/default` (devkit/ from the root).
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FPS = 30
WIDTH, HEIGHT = 1280, 720
FRAMES = 90  # three seconds of speaking frames
RATE = 22050


def _speech():
    """Four seconds of loud, changing sound, so every frame is a speaking frame."""
    from livehost.speech.chunk import PhonemeTiming, SpeechChunk

    rng = np.random.default_rng(1)
    t = np.arange(4 * RATE) / RATE  # longer than the frames timed
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)  # syllables at 4 Hz
    audio = (rng.standard_normal(t.size) * envelope * 8000).astype(np.int16)
    step = RATE // 8
    phonemes = tuple(PhonemeTiming("a" if i % 2 else "m", i * step, step)
                     for i in range(t.size // step))
    return SpeechChunk(audio=audio, sample_rate=RATE, phonemes=phonemes, text_span=(0, 1))


def _time_engine(manifest: Path, avatar, providers: list[str], cache: Path) -> dict:
    from devkit.lipsync_models import model_ms_per_frame
    from livehost.lipsync.onnx.engine import OnnxEngine

    started = time.perf_counter()
    engine = OnnxEngine.from_manifest(manifest, WIDTH, HEIGHT, FPS, providers=providers,
                                      threads=4, cache_dir=cache)
    engine.prepare(avatar)
    opened = time.perf_counter() - started
    engine.push(_speech(), 0.0)
    engine.frame(0)  # warm-up: kernels, memory pools, a TensorRT engine build
    times = []
    for n in range(engine.batch, engine.batch + FRAMES):
        t0 = time.perf_counter()
        engine.frame(n)
        times.append(time.perf_counter() - t0)
    per_frame = float(np.sum(times)) / FRAMES
    return {
        "asked": providers,
        "got": engine.session.get_providers(),
        "open_and_prepare_s": round(opened, 2),
        "batch": engine.batch,
        "ms_per_frame_mean": round(per_frame * 1000, 2),
        "frames_per_second": round(1 / per_frame, 1),
        "model_only_ms_per_frame": model_ms_per_frame(engine, reps=5),
    }


def measure(avatar_dir: Path) -> dict:
    import onnxruntime

    from devkit.lipsync_models import wav2lip_sized_model, write_manifest
    from livehost.avatar import load_avatar

    available = onnxruntime.get_available_providers()
    if "CUDAExecutionProvider" not in available:
        return {"skipped": "onnxruntime has no CUDA provider here", "available": available}
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    avatar = load_avatar(avatar_dir)
    result: dict[str, object] = {"onnxruntime": onnxruntime.__version__, "available": available}
    with tempfile.TemporaryDirectory() as tmp:
        model, params = wav2lip_sized_model(Path(tmp) / "w2l.onnx")
        manifest = write_manifest(model)
        result["parameters"] = params
        cache = Path(tmp) / "engines"
        for label, providers in (("gpu", ["tensorrt", "cuda", "cpu"]), ("cpu", ["cpu"])):
            try:
                result[label] = _time_engine(manifest, avatar, providers, cache)
            except Exception as exc:  # report it: a failing provider is the finding
                result[label] = {"asked": providers, "error": f"{type(exc).__name__}: {exc}"}
    return result


def run() -> dict:
    avatar = ROOT / "var" / "avatars" / "default"
    if not (avatar / "manifest.yaml").is_file():
        return {"skipped": f"{avatar} missing (make setup builds it)"}
    return measure(avatar)


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1])), indent=2))
