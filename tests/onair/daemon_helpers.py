"""Running the real daemon (`python -m livehost run`) against a test config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]

ALL_DAY_SCHEDULE = """\
store:
  name: Test Shop
products:
  - id: kettle
    name: Glass Kettle
    price: 59.99
    features: [Boils a litre in four minutes, Soft blue light while it heats]
  - id: mug
    name: Stoneware Mug
    price: 9.50
    features: [Hand glazed, Holds 350 millilitres]
slots:
  - name: Morning
    days: daily
    start: "00:00"
    end: "12:00"
    products: [{first}, {second}]
    per_product: 1h
  - name: Afternoon
    days: daily
    start: "12:00"
    end: "00:00"
    products: [{first}, {second}]
    per_product: 1h
fallback:
  message: Back soon
"""


def write_setup(
    folder: Path,
    width: int = 640,
    height: int = 360,
    fps: int = 25,
    first: str = "kettle",
    second: str = "mug",
) -> Path:
    """A config + schedule in `folder`; returns the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    schedule = folder / "schedule.yaml"
    schedule.write_text(ALL_DAY_SCHEDULE.format(first=first, second=second))
    config = {
        "unit": {"id": "test-unit", "site": "test-site", "timezone": "UTC"},
        "schedule": "schedule.yaml",
        "video": {"width": width, "height": height, "fps": fps, "bitrate_kbps": 1200},
        "paths": {
            "state": str(folder / "state"),
            "cache": str(folder / "cache"),
            "logs": str(folder / "logs"),
            "models": str(REPO / "models"),
            "secrets": str(folder / "secrets.yaml"),
        },
    }
    path = folder / "livehost.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def start_daemon(config: Path, *args: str, log: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NOTIFY_SOCKET", None)
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed by the process
    return subprocess.Popen(
        [sys.executable, "-m", "livehost", "run", "--config", str(config), *args],
        cwd=REPO,
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
    )


def stop_daemon(proc: subprocess.Popen, timeout: float = 10) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)
