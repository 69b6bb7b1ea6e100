"""`make bench`: run every bench/bench_*.py and write its results as JSON under bench/results/.

Each benchmark module defines `run() -> dict`. Results carry the machine and the time of
the run, because this machine is shared and noisy: compare ratios from one run.
Run one benchmark with `python -m bench.run NAME` (NAME as in bench_NAME.py).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    RESULTS.mkdir(exist_ok=True)
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name}", flush=True)
        started = time.time()
        try:
            result = module.run()
        except Exception as exc:  # one broken benchmark must not hide the others
            failed += 1
            print(f"   FAILED: {exc!r}", flush=True)
            continue
        record = {
            "benchmark": name,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "seconds": round(time.time() - started, 2),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
            },
            "results": result,
        }
        out = RESULTS / f"{name}.json"
        out.write_text(json.dumps(record, indent=2) + "\n")
        print(json.dumps(result, indent=2), flush=True)
        print(f"   -> {out}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
