"""Counting trouble that comes in bursts (late frames, late speech) and saying it once."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("livehost.show.loop")

BURST_QUIET = 2.0  # seconds of media time without an event end a burst (logged once)


class Burst:
    """Events of one kind, logged once per burst: a warning when the first comes, a
    summary when none came for BURST_QUIET seconds of media time. `event` only counts
    (the producer calls it holding the place lock); `say`, called by the ticker every
    tick, does the logging."""

    def __init__(self, starts: str, summary: str) -> None:
        self.starts = starts
        self.summary = summary  # "%d ... %.1f s": events and the burst's length
        self._lock = threading.Lock()
        self._first: float | None = None
        self._last = 0.0
        self._count = 0
        self._said = False

    def event(self, at: float, count: int = 1) -> None:
        with self._lock:
            if self._first is None:
                self._first, self._count, self._said = at, 0, False
            self._last = max(self._last, at)
            self._count += count

    def say(self, now: float) -> None:
        with self._lock:
            if self._first is None:
                return
            opened = not self._said
            self._said = True
            closed = now - self._last >= BURST_QUIET
            count, length = self._count, self._last - self._first
            if closed:
                self._first = None
        if opened:
            log.warning("%s", self.starts)
        if closed:
            log.warning(self.summary, count, length)
