"""Health-gated systemd watchdog: WATCHDOG=1 goes out only while the show moves.

A timer thread that pinged regardless would keep a hung show alive forever; this one
pings at half the watchdog interval, and only if the output loop called `beat()`
recently and `also()` (the show's other threads: the picture and the voice) names no
stalled part. A frozen loop means no pings, and systemd restarts the unit.

    watchdog = Watchdog(notifier)       # interval from $WATCHDOG_USEC via the notifier
    watchdog.start()                    # no thread at all when systemd set no watchdog
    ...                                 # in the output loop, every tick:
    watchdog.beat()
    ...
    watchdog.stop()                     # on shutdown, before STOPPING=1

`healthy()` and `heartbeat_age()` are there for status and telemetry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from livehost.system.notify import Notifier

log = logging.getLogger(__name__)

# A loop ticking at 25-30 fps that has not ticked for this long is stuck, not slow.
DEFAULT_STALE_AFTER = 5.0


class Watchdog:
    def __init__(
        self,
        notifier: Notifier,
        interval: float | None = None,
        stale_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        also: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.notifier = notifier
        self.also = also  # another health check: why the show is stuck, or None
        self.interval = interval if interval is not None else notifier.watchdog_interval
        period = self.interval / 2 if self.interval else 0.0
        # Stale sooner than the ping period so one missed beat window already withholds a ping.
        self.stale_after = stale_after if stale_after is not None else (
            min(DEFAULT_STALE_AFTER, period) if period else DEFAULT_STALE_AFTER
        )
        self.period = period
        self._clock = clock
        self._last_beat: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stalled = False
        self.pings_sent = 0
        self.pings_withheld = 0

    def beat(self) -> None:
        """Called by the output loop each tick. Cheap: one float store."""
        self._last_beat = self._clock()

    def heartbeat_age(self) -> float | None:
        last = self._last_beat
        return None if last is None else self._clock() - last

    def healthy(self) -> bool:
        age = self.heartbeat_age()
        return age is not None and age <= self.stale_after

    def problem(self) -> str | None:
        """Why the show is not healthy now, or None."""
        if not self.healthy():
            age = self.heartbeat_age()
            return "output loop " + ("never ticked" if age is None else f"stalled for {age:.1f} s")
        try:
            return self.also()
        except Exception as exc:  # a broken check must not keep pinging for a hung show
            return f"health check failed: {exc}"

    def check_and_ping(self) -> bool:
        """One watchdog round: ping if healthy. Returns whether a ping was sent."""
        problem = self.problem()
        if problem is None:
            if self._stalled:
                self._stalled = False
                log.warning("the show moves again; watchdog pings resume")
            self.pings_sent += 1
            return self.notifier.watchdog()
        self.pings_withheld += 1
        if not self._stalled:
            self._stalled = True
            log.error("%s; withholding watchdog pings so systemd restarts us", problem)
            self.notifier.status(f"{problem}; waiting for the watchdog")
        return False

    def start(self) -> bool:
        """Start pinging in a daemon thread; False (and no thread) without a watchdog."""
        if not self.period or not self.notifier.enabled:
            return False
        if self._thread is not None:
            return True
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
        self._thread.start()
        return True

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.check_and_ping()
