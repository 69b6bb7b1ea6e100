"""The network half of an RTMP output: an ffmpeg process that copies our FLV to the ingest.

Why a separate process: a write to a hung RTMP link blocks inside FFmpeg, and PyAV gives
no way to time out a blocked mux() (neither `rw_timeout` nor `timeout` reach the socket
of an output; measured with a SIGSTOPped nginx). With the network in a child process we
write into a pipe with our own deadline, and a hung or dead link is ended by killing the
child. The child only copies packets (`-c copy`): a few percent of one core.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Callable

from livehost.stream.linksocket import LinkSocket, ReaderWatch

log = logging.getLogger(__name__)

# Small buffers between us and the ingest: a hung link is noticed once every buffer on the
# way is full, so each byte of buffer delays detection (at 2.5 Mbit/s, 64 kB is 0.2 s).
# The ingest's own receive buffer, which we do not control, grows with the stream; so an
# ingest that stops reading is also told by its receive window (linksocket.ReaderWatch).
PIPE_BYTES = 65536
SEND_BUFFER_BYTES = 32768


class LinkDown(IOError):
    """The ingest is gone, refused us, or stopped taking data."""


class FfmpegRelay:
    """Writable file-like object: bytes written are sent to `url` by an ffmpeg child."""

    def __init__(self, url: str, write_timeout: float = 2.0, ffmpeg: str | None = None) -> None:
        self.url = url
        self.write_timeout = write_timeout
        binary = ffmpeg or shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
        command = [
            binary,
            "-hide_banner",
            "-loglevel",
            "info",
            "-nostats",
            # No `-fflags +nobuffer`: it threw away the packets read while probing, the
            # session's first keyframe among them, and stream copy then waited for the
            # next one (a GOP, 2 s, of sound without picture at every connect). Kept,
            # they go out right after the header: the first video packet is a keyframe.
            # Probe 0.1 s of our stream, not FFmpeg's default (`0` means 5 s, and 90 s per
            # stream for FLV): at a low bitrate 32 kB took a second to arrive.
            "-probesize",
            "32768",
            "-analyzeduration",
            "100000",
            "-f",
            "flv",
            "-i",
            "pipe:0",
            "-map",
            "0",
            "-c",
            "copy",
            "-copyts",  # our timestamps, continuing across reconnects
            "-rw_timeout",
            str(int(write_timeout * 1_000_000)),
            "-send_buffer_size",
            str(SEND_BUFFER_BYTES),
            # The RTMP connect is a chain of small messages; with Nagle each waited for a
            # delayed ACK (~40 ms, four times): publishing took 0.35 s instead of 0.2 s.
            "-tcp_nodelay",
            "1",
            "-flvflags",
            "no_duration_filesize",
            "-f",
            "flv",
            url,
        ]
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.proc.stdin is not None
        self._fd = self.proc.stdin.fileno()
        open_pipe_for_writing(self._fd, PIPE_BYTES)
        self.connected = threading.Event()
        self.failed = threading.Event()  # ffmpeg reported a write error: the link is gone
        self.waited = Waited()  # time our writes waited for ffmpeg: a short uplink
        self.link = LinkSocket(self.proc.pid)
        self.reader = ReaderWatch(self.link, write_timeout)
        self.last_error = ""
        self._reader = threading.Thread(target=self._read_log, name="relay-log", daemon=True)
        self._reader.start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line.startswith("Output #0"):
                self.connected.set()  # the header went out: the ingest accepted us
            elif any(word in line.lower() for word in ("error", "failed", "refused", "broken")):
                if not self.last_error:  # the first complaint says why; later ones echo it
                    self.last_error = _without_key(line, self.url)
                log.debug("ffmpeg: %s", _without_key(line, self.url))
                if self.connected.is_set():
                    self.failed.set()

    @property
    def backlog_bytes(self) -> int:
        """Bytes in ffmpeg's connection not acknowledged yet (stream/linksocket.py)."""
        return self.link.backlog() if self.connected.is_set() else 0

    @property
    def blocked_seconds(self) -> float:
        return self.waited.seconds

    def write(self, data: bytes | memoryview) -> int:
        return write_with_deadline(self._fd, data, self.write_timeout, self._check, self.waited)

    def _check(self) -> None:
        if self.failed.is_set():
            raise LinkDown(self.last_error or "the ingest connection failed")
        if self.proc.poll() is not None:
            raise LinkDown(self.last_error or f"relay exited with status {self.proc.returncode}")
        if self.connected.is_set() and self.reader.stopped(time.monotonic()):
            raise LinkDown(f"the ingest stopped reading for {self.write_timeout:g} s (hung link)")

    def flush(self) -> None:
        pass

    def close(self, timeout: float = 1.0) -> None:
        """Finish: end the input and give ffmpeg a moment, then make sure it is gone."""
        self.link.close()  # our copy of its socket must not hold the connection open
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self.proc.stdin = None  # already closed by hand
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        running = self.proc.poll() is None
        # The ingest hears at once that this publish is over. Also when ffmpeg exited by
        # itself (after a write error): our copy is then the connection's last holder, and
        # a graceful close would let the kernel drain it ("Already publishing").
        self.link.reset(child_running=running)
        if running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=5)
        self.link.close()


def open_pipe_for_writing(fd: int, size: int) -> None:
    """Non-blocking, and as large as asked (F_SETPIPE_SZ, Linux) where allowed."""
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, 1031, size)
    os.set_blocking(fd, False)


class Waited:
    """Seconds that writes into a sender took, summed: a short uplink backs up to us."""

    def __init__(self) -> None:
        self.seconds = 0.0


def write_with_deadline(
    fd: int, data: bytes | memoryview, timeout: float, check: Callable[[], None], waited: Waited
) -> int:
    """Write all of `data` to a non-blocking pipe, or raise LinkDown when the reader takes
    nothing for `timeout` seconds. `check()` raises LinkDown when the reader has died.
    The time it took goes into `waited`, also when it raises (the stall that ended a
    session is what stream/uplink.py judges)."""
    view = memoryview(data).cast("B")
    started = time.monotonic()
    deadline = started + timeout
    try:
        while view:
            check()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LinkDown(f"the ingest took no data for {timeout:g} s (hung link)")
            _, ready, _ = select.select([], [fd], [], min(remaining, 0.2))
            if not ready:
                continue
            try:
                sent = os.write(fd, view)
            except BlockingIOError:
                continue
            except BrokenPipeError:
                check()
                raise LinkDown("the sender closed its input") from None
            view = view[sent:]
    finally:
        waited.seconds += time.monotonic() - started
    return len(data)


def _without_key(line: str, url: str) -> str:
    """Log lines may echo the URL; never log the stream key that ends it."""
    base, _, key = url.rpartition("/")
    return line.replace(key, "***") if key and base.startswith("rtmp") else line
