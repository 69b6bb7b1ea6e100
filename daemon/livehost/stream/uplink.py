"""Bitrate adaptation for a poor uplink: step the video bitrate down to what the link takes,
and back up with hysteresis, instead of a stream that reconnects all the time.

The signals are how long our writes wait on the sender (the relay's pipe, or
gst-launch's) and how long the sender's TCP send queue is (stream/linksocket.py). A link
that carries the stream takes each write at once and keeps the queue short. One that
cannot first lets the queue grow, then fills every buffer on the way, and the output
thread waits most of each second; the bytes acknowledged meanwhile show what the link
carries. Two such seconds in a row (right after a step up, two in which the queue kept
growing) step the video bitrate down to 80% of the video part of that, at least one
rung. An overrun lossy link also stalls outright (TCP backs off) and the hung-link
deadline ends the session first: then the seconds before the stall are judged the same
way, and the next session starts lower. `step_up_seconds` of a clean link (no waits, a
short queue) try one rung up; a step up that congests before as long again (6 s at
least) has passed doubles the wait for the next try (up to 10 minutes). Writes that wait
while nothing moves are a hung link, not a slow one: the hung-link deadline deals with
those.

Only the video bitrate steps; the picture size stays. A change takes a new session (a
blip of ~0.2 s at the ingest): libx264 refuses new VBV settings while NAL HRD (our CBR)
is on, and PyAV cannot change an open encoder's maxrate or buffer size.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Protocol

WINDOW = 1.0  # seconds per measurement, from the connect on
CONGESTED = 0.25  # share of a window our writes waited: the link is short...
SHORT = 0.9  # ...if it also carried less than this share of the video bitrate
CLEAN = 0.05  # at most this share waited: the link has kept up
CONGESTED_WINDOWS = 2
HEADROOM = 0.8  # aim below what the link took, for its bad moments
RUNG_RATIO = 0.7  # each rung ~30% below the one above
BACKLOG_SECONDS = 0.75  # a send queue this long (in stream time) that still grows: short
ABSORBED = 0.1  # after a step up, a queue that keeps this share of each second: short
PROBATION = 6.0  # seconds at least that a step up must hold (a new session, two windows)
LOOKBACK = 4.0  # seconds judged when a session breaks: the stall and what came before it
LONG_CLEAN = 10  # clean windows after which a stall reads as a hung ingest
STEP_UP_CAP = 600.0


def bitrate_ladder(top_kbps: int, bottom_kbps: int, ratio: float = RUNG_RATIO) -> list[int]:
    """Video bitrates from `bottom_kbps` up to `top_kbps`, each rung ~1/ratio the last."""
    # at least 1: a floor of 0 (EncoderSettings takes one outside the config) never ends
    # the loop, as round(1 * 0.7) is 1 again
    bottom = max(1, min(bottom_kbps, top_kbps))
    rungs = [top_kbps]
    while rungs[-1] * ratio > bottom * 1.1:
        rungs.append(round(rungs[-1] * ratio))
    if rungs[-1] != bottom:
        rungs.append(bottom)
    return rungs[::-1]


class Totals(Protocol):
    """What a session has done so far (stream/session.py's Session extends this)."""

    @property
    def connected(self) -> bool: ...

    @property
    def blocked_seconds(self) -> float:
        """How long writes to the sending child waited so far."""
        ...

    @property
    def bytes_out(self) -> int: ...

    @property
    def video_bytes_out(self) -> int: ...

    @property
    def backlog_bytes(self) -> int:
        """Bytes in the sender's connection not acknowledged by the ingest (0: unknown)."""
        ...

    @property
    def send_buffer_bytes(self) -> int:
        """What that backlog can grow to (0: unknown)."""
        ...


@dataclass
class _Mark:
    at: float
    blocked: float
    sent: int
    video: int
    backlog: int

    @classmethod
    def of(cls, now: float, totals: Totals) -> _Mark:
        return cls(
            now,
            totals.blocked_seconds,
            totals.bytes_out,
            totals.video_bytes_out,
            totals.backlog_bytes,
        )


@dataclass
class _Window:
    share: float  # of the time our writes waited
    taken_kbps: float  # what the link carried (acknowledged), audio and video
    video_share: float  # of the bytes, video's
    backlog_known: bool  # we see the sender's connection (stream/linksocket.py)
    backlog_long: bool  # its queue holds a while of the stream...
    backlog_grew: bool  # ...and grew: a slower link is filling it
    absorbed: float  # share of the bytes sent that stayed in the queue

    @classmethod
    def between(cls, mark: _Mark, now: _Mark, send_buffer: int) -> _Window:
        sent = now.sent - mark.sent
        elapsed = now.at - mark.at
        # long: more than BACKLOG_SECONDS of the stream, or a full buffer where that is
        # less (the kernel reports twice the data it holds, the rest is bookkeeping).
        # Bytes in flight count too, so a link whose round trip holds more than the
        # buffer reads as short: with that buffer it cannot carry the stream anyway.
        long = sent / elapsed * BACKLOG_SECONDS
        if send_buffer:
            long = min(long, send_buffer / 2)
        grew = now.backlog - mark.backlog
        return cls(
            (now.blocked - mark.blocked) / elapsed,
            max(0, sent - grew) * 8 / 1000 / elapsed,
            (now.video - mark.video) / sent if sent > 0 else 1.0,
            send_buffer > 0,
            now.backlog >= long,
            now.backlog >= long and grew >= long / 10,
            grew / sent if sent > 0 else 0.0,
        )


class UplinkAdapter:
    """Chooses the video bitrate of the next seconds from what the link took.

    The output calls `session_started` for each session, `observe` after each tick with
    the session's running totals, and `session_failed` when the session breaks. A returned
    bitrate means: start a session at that rate."""

    def __init__(self, top_kbps: int, bottom_kbps: int, step_up_seconds: float = 30.0) -> None:
        self.rungs = bitrate_ladder(top_kbps, bottom_kbps)
        self.rung = len(self.rungs) - 1  # start at the top: most uplinks are fine
        self.base_wait = self.step_up_wait = step_up_seconds
        self.steps = 0
        self.uplink_kbps = 0.0  # what the link carried when last found short
        self._probation_until = 0.0  # a step up that congests before this did not hold
        self._marks: deque[_Mark] = deque()  # window starts over the last LOOKBACK seconds
        self._opened = _Mark(0.0, 0.0, 0, 0, 0)  # the session's start, before any window
        self._clean_since: float | None = None
        self._congested = 0  # congested windows in a row
        self._clean_windows = 0  # in this session

    @property
    def kbps(self) -> int:
        return self.rungs[self.rung]

    def session_started(self, now: float) -> None:
        self._opened = _Mark(now, 0.0, 0, 0, 0)
        self._marks.clear()
        self._clean_since = None
        self._congested = 0
        self._clean_windows = 0

    def observe(self, now: float, totals: Totals) -> int | None:
        """Called after each tick with the session's totals so far."""
        if not totals.connected:
            return None
        if not self._marks:  # the first window starts at the connect
            self._marks.append(_Mark.of(now, totals))
            return None
        if now - self._marks[-1].at < WINDOW:
            return None
        mark = _Mark.of(now, totals)
        window = _Window.between(self._marks[-1], mark, totals.send_buffer_bytes)
        self._marks.append(mark)
        while now - self._marks[0].at > LOOKBACK:
            self._marks.popleft()
        return self._judge(now, window)

    def session_failed(self, now: float, totals: Totals) -> int | None:
        """The session broke. An overrun slow, lossy link stalls (TCP backs off) and the
        hung-link deadline ends the session before two windows are judged. So: if the
        last seconds were congested, the next session starts lower; unless this one had
        been clean for long and no step up is on probation, which reads as an ingest that
        hung, not as a short link."""
        # a session can stall in its first write after the connect, before any window
        first = self._marks[0] if self._marks else self._opened
        if not totals.connected or now <= first.at:
            return None
        window = _Window.between(first, _Mark.of(now, totals), totals.send_buffer_bytes)
        if not self._short(window):
            return None
        if self._clean_windows >= LONG_CLEAN and now >= self._probation_until:
            return None
        return self._step_down(now, window)

    def _short(self, window: _Window, probing: bool = False) -> bool:
        """The link carried less than the bitrate, and it shows: writes waited, or the
        send queue is long and growing, or (right after a step up) it keeps growing."""
        # Writes that waited while nothing moved are a hung link; a burst taken at full
        # speed (buffers on the way filling) says nothing about the link.
        kbps = window.taken_kbps * window.video_share
        if not 0 < kbps < SHORT * self.kbps:
            return False
        # waits with a short send queue are the sender short of CPU, not the link
        waited = window.share >= CONGESTED and (window.backlog_long or not window.backlog_known)
        rising = probing and window.absorbed >= ABSORBED
        return waited or window.backlog_grew or rising

    def _judge(self, now: float, window: _Window) -> int | None:
        if self._short(window, probing=now < self._probation_until):
            self._clean_since = None
            self._congested += 1
            if self._congested >= CONGESTED_WINDOWS:
                return self._step_down(now, window)
            return None
        if window.share >= CONGESTED or window.backlog_grew:
            return None  # backed up without a measure: neither clean nor short
        self._congested = 0
        if window.share > CLEAN or window.backlog_long:
            self._clean_since = None
            return None
        self._clean_windows += 1
        if self._clean_since is None:
            self._clean_since = now - WINDOW
        if self._probation_until and now >= self._probation_until:
            self._probation_until = 0.0  # the last step up held
            self.step_up_wait = self.base_wait
        if now - self._clean_since >= self.step_up_wait and self.rung < len(self.rungs) - 1:
            self._probation_until = now + max(PROBATION, self.step_up_wait)
            return self._move(self.rung + 1)
        return None

    def _step_down(self, now: float, window: _Window) -> int | None:
        self.uplink_kbps = window.taken_kbps
        target = window.taken_kbps * HEADROOM * window.video_share
        fits = [i for i, kbps in enumerate(self.rungs) if kbps <= target]
        rung = min(max(fits, default=0), self.rung - 1)
        if rung < 0:
            return None  # already at the floor: stay, the hung-link deadline still guards
        if now < self._probation_until:  # the last step up did not hold: wait longer
            self.step_up_wait = min(STEP_UP_CAP, self.step_up_wait * 2)
        self._probation_until = 0.0
        return self._move(rung)

    def _move(self, rung: int) -> int:
        self.rung = rung
        self.steps += 1
        self._congested = 0
        self._clean_since = None
        self._marks.clear()
        return self.kbps
