"""Whether onnxruntime's GPU providers can really load on this machine.

onnxruntime-gpu lists TensorRT and CUDA as available whenever they were compiled in, even
when libnvinfer or cuDNN is missing. A session that asks for such a provider then falls
back by itself and prints an "EP Error" banner on stdout; on an H200 without TensorRT that
is what happened.

The check asks the dynamic loader which of a provider library's dependencies it cannot
find (`ldd`), without running the library's code: loading a provider library outside
onnxruntime crashes or fails on symbols only onnxruntime provides, both seen on that H200.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

# The providers that live in a library of their own beside onnxruntime's core.
LIBRARIES = {
    "TensorrtExecutionProvider": "libonnxruntime_providers_tensorrt.so",
    "CUDAExecutionProvider": "libonnxruntime_providers_cuda.so",
}
NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)


def provider_load_errors(ort: ModuleType) -> dict[str, str]:
    """{provider: what it lacks} for the listed providers whose libraries cannot load."""
    capi = Path(getattr(ort, "__file__", None) or "").parent / "capi"
    try:
        listed = ort.get_available_providers()
    except Exception:
        return {}
    errors = {}
    for name in listed:
        library = capi / LIBRARIES.get(name, "-")
        if name in LIBRARIES and library.is_file():
            missing = missing_libraries(str(library))
            if missing:
                errors[name] = f"{', '.join(missing)} not found"
    return errors


@functools.lru_cache(maxsize=8)
def missing_libraries(library: str) -> tuple[str, ...]:
    """The shared libraries `library` needs that the loader cannot find; () if it cannot
    tell (no ldd), so that onnxruntime decides as before."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return ()
    try:
        out = subprocess.run([ldd, library], capture_output=True, text=True, timeout=30,
                             check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(dict.fromkeys(NOT_FOUND.findall(out.stdout)))
