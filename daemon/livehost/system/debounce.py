"""Fold a burst of file events into one call after a quiet moment (editors save in several
writes: rename-over, in place, vim's backup dance)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Debouncer:
    def __init__(self, delay: float, action: Callable[[], object], what: str) -> None:
        self.delay = delay
        self.action = action
        self.what = what  # for the log: "schedule reload"
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def poke(self) -> None:
        """Something happened: run the action once things have been quiet for `delay`."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.delay, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
        try:
            self.action()
        except Exception:  # a failing reload must not kill the watcher
            log.exception("%s failed", self.what)
