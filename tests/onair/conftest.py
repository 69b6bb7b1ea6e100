"""Fixtures for on-air tests: a real nginx-rtmp on a free loopback port, ffprobe helpers."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from livehost.devservers import Server, nginx_rtmp
from livehost.stream.encoder import Tick, rgb_to_i420, samples_per_tick


@pytest.fixture
def rtmp_recording(tmp_path: Path) -> Iterator[Server]:
    with nginx_rtmp(tmp_path / "nginx", record=True).start() as server:
        yield server


def ffprobe(target: str, *extra: str, timeout: float = 40) -> dict:
    command = ["ffprobe", "-v", "error", "-of", "json", "-rw_timeout", "10000000", *extra, target]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class NoiseSource:
    """Ticks of moving noise at a real-time pace: a stream that needs its full bitrate."""

    def __init__(self, outputs: list, width: int = 640, height: int = 360, fps: int = 25) -> None:
        self.outputs, self.fps = outputs, fps
        rng = np.random.default_rng(1)
        self.rgb = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        self.spt = samples_per_tick(fps)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start, index = time.monotonic(), 0
        while not self._stop.is_set():
            frame = rgb_to_i420(np.roll(self.rgb, index * 13, axis=1))
            for output in self.outputs:
                output.offer(Tick(index, frame, np.zeros(self.spt, np.int16)))
            index += 1
            time.sleep(max(0.0, start + index / self.fps - time.monotonic()))

    def __enter__(self) -> NoiseSource:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)


def wait_for(predicate, timeout: float, step: float = 0.01) -> float:
    """Seconds until predicate() is true; fails the test after `timeout`."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(step)
    return time.monotonic() - started
