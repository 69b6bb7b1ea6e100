"""Face benchmark: frame time of the lip-sync engines on one core, and a lip-sync
quality proxy measured from rendered pixels over a ~30 s pitch.

The clip-atlas engine is timed at 720p (target <= 10 ms per frame, select + paste) on a
video avatar built from bench_avatar_build's 60 s synthetic clip (404 x 720) and, when
../shared/clips is there, on the real talking clip. The packages are built here, on all
cores, before the pinned measurement, and cached (bench/video_avatar.py): a rerun builds
nothing. LIVEHOST_BENCH_FACE=atlas times only the atlas engine (and warp at 720p beside
it), for a quick look.

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
    from bench.video_avatar import real_package, synthetic_package

    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    packages = {"synthetic": synthetic_package()}
    real = real_package()
    if real is not None:
        packages["real"] = real
    cmd = [sys.executable, "-m", "bench.face_worker"]
    cmd += [f"--video={label}={folder}" for label, (folder, _) in packages.items()]
    if os.environ.get("LIVEHOST_BENCH_FACE") == "atlas":
        cmd.append("--only-atlas")
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else
                           f"worker exited {out.returncode}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for label, (_, info) in packages.items():
        result[f"atlas_720p_{label}"]["package"] = info
    if "real" not in packages:
        result["atlas_720p_real"] = "skipped: no ../shared/clips/talking-woman-10s.mp4"
    atlas = result["atlas_720p_synthetic"]["ms_per_frame_mean"]
    result["atlas_vs_warp_720p"] = round(atlas / result["warp_720p"]["ms_per_frame_mean"], 3)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
