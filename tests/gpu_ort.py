"""A stand-in for onnxruntime-gpu's provider libraries, compiled at test time.

The real wheel is 255 MB and needs CUDA. What the provider check depends on is how the
libraries link: each provider library leaves `Provider_GetHost` undefined (onnxruntime
provides it when it loads the library, so the library cannot be loaded on its own), and
the TensorRT one needs libnvinfer, which a machine may lack. Tiny C libraries linked the
same way reproduce both, as seen on an H200 without TensorRT. Needs `cc` (make setup
installs gcc) and `ldd`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

PROVIDER = "extern int Provider_GetHost(void);\nint provider(void) { return Provider_GetHost(); }\n"


def compile_library(out: Path, source: str = "int present(void) { return 1; }\n",
                    *link: str) -> Path:
    c = out.with_suffix(".c")
    c.write_text(source)
    # -nostdlib: no libc headers or crt files needed; undefined symbols stay for the loader
    subprocess.run(["cc", "-shared", "-fPIC", "-nostdlib", "-o", str(out), str(c), *link],
                   check=True)
    c.unlink()
    return out


def fake_gpu_onnxruntime(root: Path, loadable: set[str],
                         missing: str = "libnvinfer_gone.so") -> SimpleNamespace:
    """onnxruntime-gpu's layout listing TensorRT, CUDA and the CPU. The provider libraries
    named in `loadable` have all they link against; the others need `missing`, a library
    that is built, linked against and then deleted."""
    capi = root / "onnxruntime" / "capi"
    capi.mkdir(parents=True)
    gone = compile_library(root / missing)
    for short in ("tensorrt", "cuda"):
        # --no-as-needed: record the dependency although no symbol of it is used
        link = [] if short in loadable else [
            f"-L{root}", "-Wl,--no-as-needed", f"-l{missing[3:-3]}"]
        compile_library(capi / f"libonnxruntime_providers_{short}.so", PROVIDER, *link)
    gone.unlink()
    return SimpleNamespace(__file__=str(root / "onnxruntime" / "__init__.py"),
                           __version__="1.31.1",
                           get_available_providers=lambda: ["TensorrtExecutionProvider",
                                                            "CUDAExecutionProvider",
                                                            "CPUExecutionProvider"])
