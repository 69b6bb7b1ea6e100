"""An RTMP destination that never holds up the show: its own thread, queue and reconnects.

The show loop offers every tick to every output and moves on. Each output encodes and
sends on its own thread; when its link is down it drops ticks (counted) and reconnects:
it polls the ingest's TCP port cheaply and starts a new session as soon as the port
answers, with exponential backoff only for sessions that fail after connecting. The
backoff stays sub-second for the first minutes of an outage (an ingest that refuses
publish while its port is open, then accepts: we are back within a second) and grows to
a few seconds only for an outage that lasts. On a link too slow for the stream the video
bitrate steps down instead (stream/uplink.py), and back up once the link allows.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from livehost.stream.encoder import EncoderSettings, Tick
from livehost.stream.gstreamer import GStreamerSession
from livehost.stream.session import SESSION_ERRORS, PyAVSession, Session
from livehost.stream.uplink import UplinkAdapter
from livehost.system.supervise import keep_running

log = logging.getLogger(__name__)

QUEUE_TICKS = 30  # one second at 30 fps: a live stream drops rather than lags
PROBE_INTERVAL = 0.2  # seconds between TCP probes of a dead ingest (a refused connect is free)
BACKOFF_FIRST = 0.25
# Each retry costs a relay process and an encoder (~0.2 s of CPU, measured: 0.5 s apart
# that is ~30% of a core), affordable for a while; an ingest gone for longer is retried
# less often.
FAST_RETRY_CAP = 0.5
FAST_RETRY_FOR = 120.0  # seconds from the first failure of an outage
BACKOFF_CAP = 4.0
STABLE_AFTER = 10.0  # a session that lasted this long resets the backoff
WARN_EVERY = 30.0  # seconds between warnings while one outage goes on


def retry_delay(failures: int, outage_seconds: float) -> float:
    """Seconds to wait before the next session after `failures` short sessions in a row,
    `outage_seconds` after the first of them."""
    if failures <= 1:
        return 0.0  # the first retry goes at once: most outages are one dropped link
    cap = FAST_RETRY_CAP if outage_seconds < FAST_RETRY_FOR else BACKOFF_CAP
    return min(cap, BACKOFF_FIRST * 2 ** (failures - 2))


@dataclass
class OutputStatus:
    name: str
    state: str = "starting"  # connecting | on_air | down | stopped | failed (given up)
    on_air_since: float | None = None  # time.time()
    sessions: int = 0
    reconnects: int = 0
    dropped_ticks: int = 0
    sent_ticks: int = 0
    bytes_sent: int = 0
    last_error: str = ""
    video_kbps: int = 0  # the video bitrate on air now; below the configured one on a poor uplink
    bitrate_steps: int = 0  # bitrate changes, down and up, since the start
    uplink_kbps: float = 0.0  # what a congested link carried when last measured
    thread_restarts: int = 0  # the output's thread failed (a bug, not the link) and went on

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
        self.status = OutputStatus(name, video_kbps=settings.video_kbps)
        floor = settings.min_video_kbps
        self.adapter = (
            UplinkAdapter(settings.video_kbps, floor, settings.step_up_seconds)
            if floor is not None and floor < settings.video_kbps
            else None
        )
        self._queue: deque[Tick] = deque()
        self._ready = threading.Condition()
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._active = threading.Event()
        self._active.set()
        self._thread = threading.Thread(
            target=self._supervised, name=f"output-{name}", daemon=True
        )
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 1935

    def start(self) -> None:
        self._thread.start()

    def _supervised(self) -> None:
        """The output's thread: a failure that is not the link's (the link's end a
        session and reconnect) starts it again, within a budget; beyond it the output is
        `failed` and the daemon decides (it exits for a restart when none is left)."""

        def failed(why: str, restarts: int) -> None:
            self.status.thread_restarts += 1
            self.status.last_error = f"the output's thread failed ({why}); started again"

        failure = keep_running(f"output {self.name}", self._run, self._stop, failed)
        if failure is not None:
            self.status.state = "failed"
            self.status.on_air_since = None
            self.status.last_error = failure

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
        if not self._thread.is_alive():  # else it still runs: leave the state it reports
            self.status.state = "stopped"

    # --- the output thread ---

    def _run(self) -> None:
        failures = 0
        outage_began = warned = 0.0
        switching = False  # the last session ended for a new bitrate: no probe, no backoff
        while not self._stop.is_set():
            if not self._active.is_set():
                self.status.state = "stopped"
                self.status.on_air_since = None
                self._stop.wait(0.2)
                continue
            if not switching and not self._wait_until_reachable():
                break
            started = time.monotonic()
            error = self._session(fresh=not switching)
            switching = error is None
            if self._stop.is_set():
                break
            if error is None:
                # a bitrate switch: that session connected and held, so the next real drop
                # starts a new outage (first retry at once), not the slow backoff of an old one
                failures, outage_began = 0, 0.0
            if not self._active.is_set() or error is None:
                continue
            self.status.state = "down"
            self.status.on_air_since = None
            self.status.reconnects += 1
            self.status.last_error = error
            now = time.monotonic()
            failures = 1 if now - started > STABLE_AFTER else failures + 1
            if failures == 1:
                outage_began = now
            # quick retries fail quickly: one warning per outage and then one a while,
            # not a journal line for each of ~80 tries a minute
            if failures == 1 or now - warned > WARN_EVERY:
                warned = now
                log.warning(
                    "output %s is down: %s; reconnecting (try %d)",
                    self.name,
                    error,
                    failures,
                    extra={"event": "output_lost"},
                )
            else:
                log.debug("output %s: try %d failed: %s", self.name, failures, error)
            self._stop.wait(retry_delay(failures, now - outage_began))

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

    def _session(self, fresh: bool = True) -> str | None:
        """One RTMP session, until it fails (returns why), we are stopped, or the uplink
        asks for another bitrate (returns None: the next session starts at once)."""
        self._restart.clear()
        self.status.sessions += 1
        if fresh:  # after an outage, start with fresh ticks, not what piled up while down
            self._drop_queued()
        # (after a bitrate step the queue is under a second old: it goes out, no gap)
        if self.adapter is not None:
            self.adapter.session_started(time.monotonic())
        try:
            session = self.open_session()
        except SESSION_ERRORS as exc:
            return str(exc) or type(exc).__name__
        try:
            return self._carry(session)
        except BaseException:
            # not the link (a bug; keep_running starts the thread again): end the session
            # all the same, or its child, pipes and socket copy stay open and the ingest
            # refuses the next publish ("Already publishing")
            with contextlib.suppress(Exception):
                session.abort()
            raise

    def _carry(self, session: Session) -> str | None:
        """Send on `session` until it ends; returns `_session`'s answer."""
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
                if self._new_bitrate(session):
                    return None
        except SESSION_ERRORS as exc:
            # judged before the abort: that lets go of the sender's connection
            if self.adapter is not None and self.adapter.session_failed(time.monotonic(), session):
                self._note_bitrate("the link stalled while congested")
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

    def _new_bitrate(self, session: Session) -> bool:
        """Ask the adapter about the link; on a new bitrate end this session for the next."""
        if self.adapter is None:
            return False
        was = self.adapter.kbps
        kbps = self.adapter.observe(time.monotonic(), session)
        if kbps is None:
            return False
        if kbps < was:
            session.abort()  # the link is short: what waits in the buffers is stale anyway
        else:
            try:
                session.finish()
            except SESSION_ERRORS:
                session.abort()
        self._note_bitrate("the link is short" if kbps < was else "the link kept up")
        return True

    def _note_bitrate(self, why: str) -> None:
        assert self.adapter is not None
        self.status.video_kbps = self.adapter.kbps
        self.status.bitrate_steps = self.adapter.steps
        self.status.uplink_kbps = round(self.adapter.uplink_kbps, 1)
        log.info(
            "output %s: video bitrate %d kbit/s (%s)",
            self.name,
            self.adapter.kbps,
            why,
            extra={"event": "output_bitrate"},
        )

    def _session_settings(self) -> EncoderSettings:
        """The settings for the next session: the configured ones at the uplink's bitrate."""
        if self.adapter is None or self.adapter.kbps == self.settings.video_kbps:
            return self.settings
        return replace(self.settings, video_kbps=self.adapter.kbps)

    def open_session(self) -> Session:
        settings = self._session_settings()
        if self.backend == "gstreamer":
            return GStreamerSession(self.url, settings, self.nvenc, self.write_timeout)
        return PyAVSession(self.url, settings, self.metadata, self.write_timeout)

    def _next_tick(self) -> Tick | None:
        with self._ready:
            if not self._queue:
                self._ready.wait(0.5)
            return self._queue.popleft() if self._queue else None

    def _drop_queued(self) -> None:
        with self._ready:
            self.status.dropped_ticks += len(self._queue)
            self._queue.clear()
