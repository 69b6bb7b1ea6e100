"""Whether onnxruntime's GPU providers can really load on this machine.

onnxruntime-gpu lists TensorRT and CUDA as available whenever they were compiled in, even
when libnvinfer or cuDNN is missing. A session that asks for such a provider then falls
back by itself and prints an "EP Error" banner on stdout; on an H200 without TensorRT that
is what happened.

The check asks the dynamic loader which of a provider library's dependencies it cannot
find (`ldd`), without running the library's code: loading a provider library outside
onnxruntime crashes or fails on symbols only onnxruntime provides, both seen on that H200.
A library this process has already loaded (onnxruntime.preload_dlls(), torch's CUDA
wheels) counts as found, since the provider would be loaded into this process too.
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
    module_file = getattr(ort, "__file__", None)
    if not module_file:
        return {}
    capi = Path(module_file).parent / "capi"
    try:
        listed = ort.get_available_providers()
    except Exception:
        return {}
    errors = {}
    loaded = _loaded_here()
    for name in listed:
        if name not in LIBRARIES or not (capi / LIBRARIES[name]).is_file():
            continue
        missing = [lib for lib in missing_libraries(str(capi / LIBRARIES[name]))
                   if not _is_loaded(lib, loaded)]
        if missing:
            errors[name] = f"{', '.join(missing)} not found"
    return errors


@functools.lru_cache(maxsize=8)
def missing_libraries(library: str) -> tuple[str, ...]:
    """The shared libraries `library` needs that the loader cannot find; () if it cannot
    tell (no ldd, or it failed), so that onnxruntime decides as before. Cached for the
    process: the libraries on a box do not change while it runs."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return ()
    try:
        out = subprocess.run([ldd, library], capture_output=True, text=True, errors="replace",
                             timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(dict.fromkeys(NOT_FOUND.findall(out.stdout)))


def _loaded_here() -> set[str]:
    """File names of the shared libraries mapped into this process."""
    try:
        maps = Path("/proc/self/maps").read_text(errors="replace")
    except OSError:
        return set()
    return {Path(line.split()[-1]).name for line in maps.splitlines() if ".so" in line}


def _is_loaded(soname: str, loaded: set[str]) -> bool:
    # the map shows the file behind the soname's link: libcublas.so.13 -> libcublas.so.13.1.0
    return any(name == soname or name.startswith(soname + ".") for name in loaded)
