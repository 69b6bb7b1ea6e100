"""Speech on the GPU path: fp32 vs fp16 voice on onnxruntime's CUDA provider.

Skipped where onnxruntime has no CUDA provider (the x86 dev box, CI). On a Jetson (or any
CUDA machine) it answers whether `livehost models optimize`'s fp16 variant pays off.
It also runs as a script on a GPU machine without the rest of the project's setup (onnx,
onnxruntime-gpu, numpy, pydantic and PyYAML are enough):
`PYTHONPATH=daemon python bench/bench_speech_gpu.py models/en_US-joe-medium.onnx`.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Phoneme ids of "The X200 blender is only $49.99 today, that is 30% off every order until
# 8 pm." after normalisation, as Piper's en_US-joe-medium spells them (5.8 s of speech).
_IDS = [1, 0, 41, 0, 74, 0, 119, 0, 3, 0, 120, 0, 61, 0, 23, 0, 31, 0, 3, 0, 32, 0, 120, 0, 33, 0,
        122, 0, 3, 0, 20, 0, 120, 0, 102, 0, 26, 0, 17, 0, 88, 0, 74, 0, 17, 0, 3, 0, 15, 0, 24,
        0, 120, 0, 61, 0, 26, 0, 17, 0, 60, 0, 88, 0, 3, 0, 74, 0, 38, 0, 3, 0, 120, 0, 27, 0,
        100, 0, 26, 0, 24, 0, 21, 0, 3, 0, 19, 0, 120, 0, 54, 0, 122, 0, 88, 0, 32, 0, 21, 0, 26,
        0, 120, 0, 14, 0, 74, 0, 26, 0, 3, 0, 17, 0, 120, 0, 51, 0, 122, 0, 24, 0, 60, 0, 38, 0,
        3, 0, 39, 0, 26, 0, 17, 0, 3, 0, 26, 0, 120, 0, 14, 0, 74, 0, 26, 0, 32, 0, 21, 0, 26, 0,
        120, 0, 14, 0, 74, 0, 26, 0, 3, 0, 31, 0, 120, 0, 61, 0, 26, 0, 32, 0, 31, 0, 3, 0, 32,
        0, 59, 0, 17, 0, 120, 0, 18, 0, 74, 0, 8, 0, 3, 0, 41, 0, 39, 0, 32, 0, 3, 0, 74, 0, 38,
        0, 3, 0, 126, 0, 120, 0, 62, 0, 122, 0, 92, 0, 21, 0, 3, 0, 28, 0, 60, 0, 31, 0, 120, 0,
        61, 0, 26, 0, 32, 0, 3, 0, 120, 0, 54, 0, 19, 0, 3, 0, 120, 0, 61, 0, 34, 0, 88, 0, 21,
        0, 119, 0, 3, 0, 120, 0, 54, 0, 122, 0, 88, 0, 17, 0, 60, 0, 88, 0, 3, 0, 102, 0, 26, 0,
        32, 0, 120, 0, 74, 0, 24, 0, 3, 0, 120, 0, 18, 0, 74, 0, 32, 0, 3, 0, 28, 0, 120, 0, 21,
        0, 122, 0, 119, 0, 3, 0, 120, 0, 61, 0, 25, 0, 10, 0, 2]
SAMPLE_RATE = 22050
RUNS = 20


def _time(model: Path, provider: str, threads: int = 0) -> dict:
    """Median of RUNS syntheses; `threads` 0 lets onnxruntime use every core."""
    import onnxruntime

    providers: list = [provider, "CPUExecutionProvider"]
    if provider == "CPUExecutionProvider":
        providers = [provider]
    elif provider == "CUDAExecutionProvider":  # as livehost.inference sets it up
        providers[0] = (provider, {"cudnn_conv_algo_search": "HEURISTIC"})
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(model), options, providers=providers)
    feed = {
        "input": np.array([_IDS], dtype=np.int64),
        "input_lengths": np.array([len(_IDS)], dtype=np.int64),
        "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32),
    }
    audio = session.run(None, feed)[0]  # warm-up: kernels, memory pools
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        audio = session.run(None, feed)[0]
        times.append(time.perf_counter() - started)
    seconds = audio.size / SAMPLE_RATE
    median = statistics.median(times)
    return {"ms": round(median * 1000, 2), "rtf": round(median / seconds, 5),
            "providers": session.get_providers()[:1]}


def measure(fp32: Path) -> dict:
    import onnxruntime

    from livehost.modelstore.optimize import convert_fp16

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        return {"skipped": "onnxruntime has no CUDA provider here",
                "available": onnxruntime.get_available_providers()}
    with tempfile.TemporaryDirectory() as tmp:
        fp16 = Path(tmp) / "voice.fp16.onnx"
        convert_fp16(fp32, fp16)  # what `livehost models optimize` writes
        return {
            "onnxruntime": onnxruntime.__version__,
            "cuda_fp32": _time(fp32, "CUDAExecutionProvider"),
            "cuda_fp16": _time(fp16, "CUDAExecutionProvider"),
            "cpu_fp32": _time(fp32, "CPUExecutionProvider"),
            # the appliance's default: engines.threads 1, the other cores render and encode
            "cpu_fp32_1_thread": _time(fp32, "CPUExecutionProvider", threads=1),
        }


def run() -> dict:
    fp32 = Path(__file__).resolve().parents[1] / "models" / "en_US-joe-medium.onnx"
    if not fp32.is_file():
        return {"skipped": f"{fp32} missing (make setup collects it)"}
    return measure(fp32)


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1])), indent=2))
