"""Local recording: the same ticks as the stream, in Matroska segments under the state dir.

Matroska rather than MP4: a segment cut short by a power loss stays playable. Each
segment carries the AIGC metadata. Segments rotate every `segment_seconds`, and the
oldest are deleted while the folder holds more than `max_bytes`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from pathlib import Path

from livehost.stream.encoder import EncoderSettings, PyAVEncoder, Tick

log = logging.getLogger(__name__)

QUEUE_TICKS = 90


class Recorder:
    def __init__(
        self,
        folder: Path,
        settings: EncoderSettings,
        segment_seconds: float = 600,
        max_bytes: int = 2_000_000_000,
        prefix: str = "livehost",
    ) -> None:
        self.folder = Path(folder)
        self.settings = settings
        self.segment_ticks = max(1, int(segment_seconds * settings.fps))
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.files: list[Path] = []
        self.dropped_ticks = 0
        self.last_error = ""
        self._queue: deque[Tick] = deque()
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def offer(self, tick: Tick) -> None:
        with self._ready:
            if len(self._queue) >= QUEUE_TICKS:  # the disk is too slow: drop, never block
                self._queue.popleft()
                self.dropped_ticks += 1
            self._queue.append(tick)
            self._ready.notify()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._ready:
            self._ready.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        encoder: PyAVEncoder | None = None
        written = 0
        try:
            while True:
                with self._ready:
                    while not self._queue and not self._stop.is_set():
                        self._ready.wait(0.5)
                    if not self._queue and self._stop.is_set():
                        break
                    tick = self._queue.popleft()
                if encoder is None or written >= self.segment_ticks:
                    if encoder is not None:
                        encoder.close()
                    encoder = self._open(tick.index)
                    written = 0
                encoder.encode(tick)
                written += 1
        except Exception as exc:  # a full disk must not take the show down
            self.last_error = str(exc)
            log.exception("recording stopped")
        finally:
            if encoder is not None:
                try:
                    encoder.close()
                except Exception as exc:
                    self.last_error = str(exc)

    def _open(self, first_tick: int) -> PyAVEncoder:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{self.prefix}-{stamp}-{first_tick:09d}.mkv"
        self.files.append(path)
        self._rotate()
        return PyAVEncoder(str(path), "matroska", self.settings)

    def _rotate(self) -> None:
        existing = sorted(self.folder.glob(f"{self.prefix}-*.mkv"))
        total = sum(p.stat().st_size for p in existing)
        while existing[:-1] and total > self.max_bytes:
            oldest = existing.pop(0)
            total -= oldest.stat().st_size
            oldest.unlink()
            log.info("recording: deleted %s to stay under the size cap", oldest.name)
