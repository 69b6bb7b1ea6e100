"""Whether onnxruntime's GPU providers can really load on this machine.

onnxruntime-gpu lists TensorRT and CUDA as available whenever they were compiled in, even
when libnvinfer or cuDNN is missing. A session that asks for such a provider then falls
back by itself and prints an "EP Error" banner on stdout; on an H200 without TensorRT that
is what happened. Loading each provider's library in a child process tells the truth
without pulling CUDA into the daemon's own process.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path
from types import ModuleType

# The providers that live in a library of their own beside onnxruntime's core.
LIBRARIES = {
    "TensorrtExecutionProvider": "libonnxruntime_providers_tensorrt.so",
    "CUDAExecutionProvider": "libonnxruntime_providers_cuda.so",
}

_LOADER = """
import ctypes, sys
for path in sys.argv[1:]:
    try:
        ctypes.CDLL(path)
    except OSError as exc:
        print(path, str(exc).splitlines()[0], sep="\\t")
"""


def provider_load_errors(ort: ModuleType) -> dict[str, str]:
    """{provider: why its library does not load} for the listed providers that cannot run."""
    capi = Path(getattr(ort, "__file__", None) or "").parent / "capi"
    try:
        listed = ort.get_available_providers()
    except Exception:
        return {}
    libraries = tuple(
        sorted((name, str(capi / LIBRARIES[name])) for name in listed
               if name in LIBRARIES and (capi / LIBRARIES[name]).is_file())
    )
    return dict(_load_errors(libraries)) if libraries else {}


@functools.lru_cache(maxsize=4)
def _load_errors(libraries: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    by_path = {path: name for name, path in libraries}
    try:
        out = subprocess.run([sys.executable, "-c", _LOADER, *by_path], capture_output=True,
                             text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return tuple((name, f"could not check: {exc}") for name in by_path.values())
    errors = []
    for line in out.stdout.splitlines():
        path, _, why = line.partition("\t")
        if path in by_path:  # the reason without the long path it starts with
            errors.append((by_path[path], why.removeprefix(f"{path}: ")))
    return tuple(errors)
