"""Face benchmark: frame time of both lip-sync engines on one core, and a lip-sync
quality proxy measured from rendered pixels over a ~30 s pitch.

The measurements run in a child process pinned to one CPU (taskset) with one thread for
OpenCV, BLAS and onnxruntime, so "one core" means one core. The machine is shared:
compare numbers from the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "bench.face_worker"]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else
                           f"worker exited {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
