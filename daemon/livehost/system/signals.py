"""systemd's signals turned into flags the show loop polls between ticks.

systemd 249 (JetPack 6) reloads with `ExecReload=kill -HUP $MAINPID` and stops with
SIGTERM. Handlers only set flags: the loop does the work at a tick boundary, where
it is safe, and tells systemd through the notifier:

    signals = ServiceSignals().install()      # in the main thread
    while not signals.stop.is_set():
        if signals.take_reload():
            notifier.reloading()
            ...validate, then swap...
            notifier.ready("on air again")
        ...one tick...; watchdog.beat()
    notifier.stopping()

`signals.stop.wait(timeout)` doubles as an interruptible sleep.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class ServiceSignals:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self._reload = threading.Event()
        self.stop_signal: int | None = None

    def install(self) -> ServiceSignals:
        signal.signal(signal.SIGHUP, self._on_hup)
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        return self

    def take_reload(self) -> bool:
        """True once per SIGHUP received (several before a poll count as one)."""
        if self._reload.is_set():
            self._reload.clear()
            return True
        return False

    def _on_hup(self, signum: int, frame: FrameType | None) -> None:
        self._reload.set()

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum
        self.stop.set()
