"""A stand-in for onnxruntime-gpu's provider libraries, compiled at test time.

The real wheel is 255 MB and needs CUDA; what the provider check depends on is the
libraries' linking: each provider library takes `Provider_GetHost` from the shared bridge
library (so it cannot be loaded on its own), and the TensorRT one needs libnvinfer, which a
machine may lack. Tiny C libraries with exactly those links reproduce both, as seen on an
H200 without TensorRT.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

BRIDGE = "int Provider_GetHost(void) { return 1; }\n"
PROVIDER = "extern int Provider_GetHost(void);\nint provider(void) { return Provider_GetHost(); }\n"


def _compile(source: str, out: Path, *link: str) -> None:
    c = out.with_suffix(".c")
    c.write_text(source)
    # -nostdlib: no libc headers or crt files needed; undefined symbols stay for the loader
    subprocess.run(["cc", "-shared", "-fPIC", "-nostdlib", "-o", str(out), str(c), *link],
                   check=True)
    c.unlink()


def fake_gpu_onnxruntime(root: Path, loadable: set[str]) -> SimpleNamespace:
    """onnxruntime-gpu's layout listing TensorRT, CUDA and the CPU. The provider libraries
    named in `loadable` have all they link against; the others need a library that is gone."""
    capi = root / "onnxruntime" / "capi"
    capi.mkdir(parents=True)
    _compile(BRIDGE, capi / "libonnxruntime_providers_shared.so")
    _compile(BRIDGE, root / "libnvinfer_gone.so")  # linked against, then removed
    for short in ("tensorrt", "cuda"):
        link = [] if short in loadable else [f"-L{root}", "-lnvinfer_gone"]
        _compile(PROVIDER, capi / f"libonnxruntime_providers_{short}.so", *link)
    (root / "libnvinfer_gone.so").unlink()
    return SimpleNamespace(__file__=str(root / "onnxruntime" / "__init__.py"),
                           __version__="1.31.1",
                           get_available_providers=lambda: ["TensorrtExecutionProvider",
                                                            "CUDAExecutionProvider",
                                                            "CPUExecutionProvider"])
