"""Opening a lip-sync model on the best onnxruntime provider: TensorRT, CUDA, then CPU."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import subprocess
from pathlib import Path

import onnxruntime as ort

from livehost.inference import pick_providers

log = logging.getLogger(__name__)

QDQ_OPS = {"QuantizeLinear", "DequantizeLinear"}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tensorrt_version() -> str:
    try:
        import tensorrt  # type: ignore[import-not-found]

        return str(tensorrt.__version__)
    except ImportError:
        return "unknown"


def gpu_name() -> str:
    """The accelerator's model name: Jetsons say it in the device tree."""
    model = Path("/proc/device-tree/model")
    if model.is_file():
        return model.read_bytes().rstrip(b"\0").decode(errors="replace")
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            if out.stdout.strip():
                return out.stdout.strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError):
            pass
    return "unknown-gpu"


def engine_cache_dir(
    cache_root: Path,
    model_sha256: str,
    precision: str,
    trt_version: str | None = None,
    gpu: str | None = None,
) -> Path:
    """A TensorRT plan is only valid for one model, TensorRT version, GPU and precision:
    each combination gets its own folder, so an upgrade never loads a stale plan."""
    parts = [
        model_sha256[:16],
        f"trt{trt_version or tensorrt_version()}",
        gpu or gpu_name(),
        precision,
    ]
    slug = "-".join(re.sub(r"[^A-Za-z0-9.]+", "_", p).strip("_") for p in parts)
    return cache_root / "lipsync-trt" / slug


def has_qdq(model_path: Path) -> bool:
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return any(node.op_type in QDQ_OPS for node in graph.node)


def open_session(
    model_path: Path,
    wanted: list[str],
    precision: str,
    threads: int,
    cache_root: Path | None,
    sha256: str,
) -> ort.InferenceSession:
    trt_precision = "int8" if precision == "int8-qdq" else "fp16"
    cache = engine_cache_dir(cache_root, sha256, trt_precision) if cache_root else None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    providers = pick_providers(wanted, cache_dir=cache, int8=precision == "int8-qdq")
    session = ort.InferenceSession(str(model_path), sess_options=options, providers=providers)
    log.info("lip-sync model %s on %s", model_path.name, session.get_providers()[0])
    return session
