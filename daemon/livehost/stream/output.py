"""An RTMP destination that never holds up the show: its own thread, queue and reconnects.

The show loop offers every tick to every output and moves on. Each output encodes and
sends on its own thread; when its link is down it drops ticks (counted) and reconnects:
it polls the ingest's TCP port cheaply and starts a new session as soon as the port
answers, with exponential backoff (capped) only for sessions that fail after connecting.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from livehost.stream.encoder import EncoderSettings, Tick
from livehost.stream.gstreamer import GStreamerSession
from livehost.stream.session import SESSION_ERRORS, PyAVSession, Session

log = logging.getLogger(__name__)

QUEUE_TICKS = 30  # one second at 30 fps: a live stream drops rather than lags
PROBE_INTERVAL = 0.2  # seconds between TCP probes of a dead ingest (a refused connect is free)
BACKOFF_FIRST = 0.25
BACKOFF_CAP = 4.0
STABLE_AFTER = 10.0  # a session that lasted this long resets the backoff


@dataclass
class OutputStatus:
    name: str
    state: str = "starting"  # connecting | on_air | down | stopped
    on_air_since: float | None = None  # time.time()
    sessions: int = 0
    reconnects: int = 0
    dropped_ticks: int = 0
    sent_ticks: int = 0
    bytes_sent: int = 0
    last_error: str = ""

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class RtmpOutput:
    def __init__(
        self,
        name: str,
        url: str,
        settings: EncoderSettings,
        metadata: dict[str, str] | None = None,
        write_timeout: float = 2.0,
        backend: str = "pyav",
        nvenc: bool = False,
    ) -> None:
        self.name = name
        self.url = url
        self.settings = settings
        self.metadata = metadata or {}
        self.write_timeout = write_timeout
        self.backend = backend  # "pyav" (x264 in-process) or "gstreamer" (NVENC on a Jetson)
        self.nvenc = nvenc
        self.status = OutputStatus(name)
        self._queue: deque[Tick] = deque()
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._active = threading.Event()
        self._active.set()
        self._thread = threading.Thread(target=self._run, name=f"output-{name}", daemon=True)
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 1935

    def start(self) -> None:
        self._thread.start()

    def offer(self, tick: Tick) -> None:
        """Queue a tick; never blocks. When the link is down the oldest tick is dropped."""
        if not self._active.is_set():
            return
        with self._ready:
            if len(self._queue) >= QUEUE_TICKS:
                self._queue.popleft()
                self.status.dropped_ticks += 1
            self._queue.append(tick)
            self._ready.notify()

    def set_active(self, active: bool) -> None:
        """Stop sending (off air in `stop` mode, operator `stream stop`) or start again."""
        if active == self._active.is_set():
            return
        if active:
            self._active.set()
        else:
            self._active.clear()
            self.restart()


    def restart(self) -> None:
        """End the current session and start a new one (operator's `stream restart`)."""
        self._restart.set()
        with self._ready:
            self._ready.notify()

    def stop(self, timeout: float = 1.5) -> None:
        self._stop.set()
        with self._ready:
            self._ready.notify()
        self._thread.join(timeout)
        self.status.state = "stopped"

    # --- the output thread ---

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            if not self._active.is_set():
                self.status.state = "stopped"
                self.status.on_air_since = None
                self._stop.wait(0.2)
                continue
            if not self._wait_until_reachable():
                break
            started = time.monotonic()
            error = self._session()
            if self._stop.is_set():
                break
            if not self._active.is_set():
                continue
            self.status.state = "down"
            self.status.on_air_since = None
            self.status.reconnects += 1
            self.status.last_error = error
            log.warning(
                "output %s is down: %s; reconnecting",
                self.name,
                error,
                extra={"event": "output_lost"},
            )
            failures = 0 if time.monotonic() - started > STABLE_AFTER else failures + 1
            if failures > 1:
                self._stop.wait(min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** (failures - 2)))

    def _wait_until_reachable(self) -> bool:
        self.status.state = "connecting"
        while not self._stop.is_set():
            try:
                with socket.create_connection((self._host, self._port), timeout=1.0):
                    return True
            except OSError as exc:
                self.status.last_error = f"cannot reach {self._host}:{self._port} ({exc.strerror})"
            self._drop_queued()
            self._stop.wait(PROBE_INTERVAL)
        return False

    def _session(self) -> str:
        """One RTMP session, until it fails (returns why) or we are stopped."""
        self._restart.clear()
        self.status.sessions += 1
        self._drop_queued()  # start with fresh ticks, not what piled up while down
        try:
            session = self.open_session()
        except SESSION_ERRORS as exc:
            return str(exc) or type(exc).__name__
        # bytes_sent counts every session: per session it went back to 0 at each
        # reconnect and the fleet's bitrate came out negative
        before = self.status.bytes_sent
        try:
            while not self._stop.is_set() and not self._restart.is_set():
                tick = self._next_tick()
                if tick is None:
                    continue
                session.send(tick)
                self.status.sent_ticks += 1
                self.status.bytes_sent = before + session.bytes_out
                if self.status.state != "on_air" and session.connected:
                    self.status.state = "on_air"
                    self.status.on_air_since = time.time()
                    log.info("output %s is on air", self.name, extra={"event": "output_on_air"})
        except SESSION_ERRORS as exc:
            session.abort()
            return str(exc) or type(exc).__name__
        if self._restart.is_set():
            session.abort()
            return "restarted on request"
        try:
            session.finish()
        except SESSION_ERRORS:
            session.abort()
        return "stopped"

    def open_session(self) -> Session:
        if self.backend == "gstreamer":
            return GStreamerSession(self.url, self.settings, self.nvenc, self.write_timeout)
        return PyAVSession(self.url, self.settings, self.metadata, self.write_timeout)

    def _next_tick(self) -> Tick | None:
        with self._ready:
            if not self._queue:
                self._ready.wait(0.5)
            return self._queue.popleft() if self._queue else None

    def _drop_queued(self) -> None:
        with self._ready:
            self.status.dropped_ticks += len(self._queue)
            self._queue.clear()
