"""Local recording: the same ticks as the stream, in Matroska segments under the state dir.

Matroska rather than MP4: a segment cut short by a power loss (or a full disk) stays
playable. Each segment carries the AIGC metadata. Segments rotate every
`segment_seconds`, and the oldest are deleted while the folder holds more than
`max_bytes`, or while the disk has no room for the next segment.

A failed write never ends the recording for good: the segment is closed, the recorder
frees space by deleting its own oldest segments (never anything else, never the newest),
and tries again at once if that made room, else after a backoff (1 s doubling to 10 s),
dropping ticks meanwhile. A segment starts only where the disk has room for it (or for
10 s of a long one), so a disk that others filled reads as `disk_full` until space comes
back, instead of a string of truncated files. `status.state` says where it stands.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from livehost.stream.encoder import EncoderSettings, PyAVEncoder, Tick
from livehost.system.supervise import keep_running

log = logging.getLogger(__name__)

QUEUE_TICKS = 90
RETRY_FIRST = 1.0  # seconds before a retry that no freed space made worth trying at once
RETRY_CAP = 10.0
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
START_SECONDS = 10  # a segment starts only with room for this much of it (or all of it)


@dataclass
class RecorderStatus:
    state: str = "starting"  # recording | disk_full | error (retrying) | stopped
    segments: int = 0  # segments opened
    deleted: int = 0  # own segments deleted, for the size cap or for disk space
    retries: int = 0  # failed writes or opens that were retried
    dropped_ticks: int = 0
    last_error: str = ""

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


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
        self.status = RecorderStatus()
        self._encoder: PyAVEncoder | None = None
        self._written = 0  # ticks in the open segment
        self._last_bytes = 0  # size of the last segment closed whole
        self._retry_at = 0.0  # monotonic time before which no segment is opened
        self._backoff = RETRY_FIRST
        self._queue: deque[Tick] = deque()
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervised, name="recorder", daemon=True)

    def _supervised(self) -> None:
        """The recorder's thread, started again when it fails (within a budget)."""

        def failed(why: str, restarts: int) -> None:
            self.status.retries += 1
            self.status.last_error = f"the recorder's thread failed ({why}); started again"

        failure = keep_running("recorder", self._run, self._stop, failed)
        if failure is not None:
            self.status.state = "error"
            self.status.last_error = failure

    def start(self) -> None:
        self._thread.start()

    def offer(self, tick: Tick) -> None:
        with self._ready:
            if len(self._queue) >= QUEUE_TICKS:  # the disk is too slow: drop, never block
                self._queue.popleft()
                self.status.dropped_ticks += 1
            self._queue.append(tick)
            self._ready.notify()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._ready:
            self._ready.notify()
        self._thread.join(timeout)
        if not self._thread.is_alive():  # else it still runs: leave the state it reports
            self.status.state = "stopped"

    # --- the recorder thread ---

    def _run(self) -> None:
        while (tick := self._next_tick()) is not None:
            if self._encoder is not None and self._written >= self.segment_ticks:
                self._close_segment()
            if self._encoder is None and not self._open_segment(tick.index):
                with self._ready:  # offer() counts its drops under the lock too
                    self.status.dropped_ticks += 1
                continue
            assert self._encoder is not None
            try:
                self._encoder.encode(tick)
            except Exception as exc:  # a full disk must not take the show down
                self._failed(exc)
                continue
            self._written += 1
            if self.status.state != "recording":
                if self.status.state != "starting":
                    log.info("recording resumed", extra={"event": "recording_resumed"})
                self.status.state = "recording"
                self._backoff = RETRY_FIRST
        self._close_segment()

    def _next_tick(self) -> Tick | None:
        with self._ready:
            while not self._queue and not self._stop.is_set():
                self._ready.wait(0.5)
            return self._queue.popleft() if self._queue else None

    def _open_segment(self, first_tick: int) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{self.prefix}-{stamp}-{first_tick:09d}.mkv"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._make_room()
            free = shutil.disk_usage(self.folder).free
            if free < self._room_to_start():
                raise OSError(errno.ENOSPC, f"no room for a new segment ({free // 1000} kB free)")
            self._encoder = PyAVEncoder(str(path), "matroska", self.settings)
        except Exception as exc:
            self._failed(exc)
            return False
        self.files.append(path)
        self.status.segments += 1
        self._written = 0
        return True

    def _close_segment(self) -> None:
        encoder, self._encoder = self._encoder, None
        if encoder is None:
            return
        try:
            encoder.close()
        except Exception as exc:  # the trailer did not fit: the segment still plays
            self._failed(exc)
            return
        with contextlib.suppress(OSError, IndexError):
            self._last_bytes = self.files[-1].stat().st_size

    def _failed(self, exc: Exception) -> None:
        """A write, close or open failed: end the segment, make room, plan the retry."""
        encoder, self._encoder = self._encoder, None
        if encoder is not None:
            with contextlib.suppress(Exception):
                encoder.close(flush=False)
        self.status.retries += 1
        self.status.last_error = str(exc) or type(exc).__name__
        full = getattr(exc, "errno", None) in NO_SPACE
        freed = self._delete_oldest(self._room_needed()) if full else False
        if freed:
            self._retry_at = 0.0  # own old segments made room: go on with the next tick
        else:
            self._retry_at = time.monotonic() + self._backoff
            self._backoff = min(RETRY_CAP, self._backoff * 2)
        state = "disk_full" if full else "error"
        if self.status.state != state:
            log.warning(
                "recording: %s; retrying%s",
                self.status.last_error,
                "" if freed else f" in {self._retry_at - time.monotonic():.0f} s",
                extra={"event": "recording_failed"},
            )
        self.status.state = state

    def _room_needed(self) -> int:
        """Bytes the next segment takes: its size at the bitrate, or the last whole one's."""
        s = self.settings
        estimate = int(self.segment_ticks / s.fps * (s.video_kbps + s.audio_kbps) * 125)
        return max(estimate, self._last_bytes)

    def _room_to_start(self) -> int:
        """Free bytes wanted before a segment starts: a whole one, or 10 s for long ones."""
        s = self.settings
        return min(self._room_needed(), START_SECONDS * (s.video_kbps + s.audio_kbps) * 125)

    def _make_room(self) -> None:
        """Before a segment: stay under the size cap, and leave the disk room for it."""
        existing = self._own_segments()
        total = sum(size for _, size in existing)
        while existing[:-1] and total > self.max_bytes:
            path, size = existing.pop(0)
            self._delete(path, "to stay under the size cap")
            total -= size
        self._delete_oldest(self._room_needed())

    def _delete_oldest(self, needed: int) -> bool:
        """Delete own segments, oldest first and never the newest, until `needed` bytes are
        free. True if anything was deleted."""
        existing = self._own_segments()
        deleted = False
        while existing[:-1] and shutil.disk_usage(self.folder).free < needed:
            path, _ = existing.pop(0)
            self._delete(path, "to make room on a full disk")
            deleted = True
        return deleted

    def _own_segments(self) -> list[tuple[Path, int]]:
        paths = sorted(self.folder.glob(f"{self.prefix}-*.mkv"))
        return [(p, p.stat().st_size) for p in paths]

    def _delete(self, path: Path, why: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            self.status.deleted += 1
            log.info("recording: deleted %s %s", path.name, why)
