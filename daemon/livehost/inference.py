"""Pick onnxruntime execution providers from the configured order and what is installed.

Shared by every model the unit runs (the voice, the neural lip-sync), so TensorRT, CUDA
and the CPU fallback are set up one way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import onnxruntime

from livehost.system.ortlibs import provider_load_errors

log = logging.getLogger(__name__)

ORT_NAMES = {
    "tensorrt": "TensorrtExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "cpu": "CPUExecutionProvider",
}

Provider = str | tuple[str, dict[str, Any]]


def pick_providers(
    wanted: list[str],
    available: list[str] | None = None,
    cache_dir: Path | None = None,
    int8: bool = False,
) -> list[Provider]:
    """The wanted providers that exist, in order, always ending with the CPU.

    Logs one line when something wanted is missing, so a Jetson that lost its GPU build
    of onnxruntime says so once instead of silently running slow.
    """
    if available is None:
        available = onnxruntime.get_available_providers()
        wanted_gpu = {ORT_NAMES[name] for name in wanted} - {ORT_NAMES["cpu"]}
        if wanted_gpu & set(available):  # only then is it worth asking the loader
            broken = provider_load_errors(onnxruntime)
            for name in sorted(wanted_gpu & broken.keys()):
                log.warning("%s is built into onnxruntime but cannot load here: %s",
                            name, broken[name])
            available = [p for p in available if p not in broken]
    chosen: list[Provider] = []
    missing = []
    for name in wanted:
        ort_name = ORT_NAMES[name]
        if ort_name not in available:
            missing.append(name)
        elif ort_name == ORT_NAMES["tensorrt"]:
            chosen.append((ort_name, _tensorrt_options(cache_dir, int8)))
        elif ort_name == ORT_NAMES["cuda"]:
            chosen.append((ort_name, {"cudnn_conv_algo_search": "HEURISTIC"}))
        else:
            chosen.append(ort_name)
    if ORT_NAMES["cpu"] not in chosen:
        chosen.append(ORT_NAMES["cpu"])  # the fallback for ops a GPU provider lacks
    if missing:
        log.info(
            "inference providers %s not available here; using %s",
            ", ".join(missing),
            ", ".join(provider_names(chosen)),
        )
    return chosen


def provider_names(providers: list[Provider]) -> list[str]:
    return [p if isinstance(p, str) else p[0] for p in providers]


def _tensorrt_options(cache_dir: Path | None, int8: bool) -> dict[str, Any]:
    # fp16 kernels always (the Jetson's tensor cores); QDQ-quantised models add int8
    options: dict[str, Any] = {"trt_fp16_enable": True, "trt_int8_enable": int8}
    if cache_dir is not None:  # engine builds take minutes: keep them across restarts
        cache_dir.mkdir(parents=True, exist_ok=True)
        options |= {
            "trt_engine_cache_enable": True,
            "trt_engine_cache_path": str(cache_dir),
            "trt_timing_cache_enable": True,
        }
    return options
