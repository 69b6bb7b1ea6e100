"""Raising the calling thread's scheduling priority (Linux sets nice per thread)."""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)


def raise_thread_priority(boost: int) -> str:
    """Take the calling thread `boost` nice steps above where it is, so tools, logging
    and the rest of the process yield to it on a busy machine. Returns why not, when it
    is not permitted (no CAP_SYS_NICE and RLIMIT_NICE too low) or not supported; else ""."""
    thread = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread)
        wanted = max(-20, current - boost)
        if wanted < current:
            os.setpriority(os.PRIO_PROCESS, thread, wanted)
    except OSError as exc:
        return exc.strerror or str(exc)
    except AttributeError:  # not on Linux
        return "not supported here"
    log.debug("%s at nice %d", threading.current_thread().name, wanted)
    return ""


class Yielding:
    """Another thread of this process made to yield for a moment: `lower()` takes it
    `steps` nice steps down, `restore()` puts it back. Only for a thread whose priority
    was raised before (so taking it back up is permitted)."""

    def __init__(self, thread_id: int, steps: int = 10) -> None:
        self.thread_id = thread_id
        self.steps = steps
        self._saved: int | None = None

    def lower(self) -> None:
        try:
            self._saved = os.getpriority(os.PRIO_PROCESS, self.thread_id)
            os.setpriority(os.PRIO_PROCESS, self.thread_id, min(19, self._saved + self.steps))
        except (OSError, AttributeError):
            self._saved = None

    def restore(self) -> None:
        if self._saved is None:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, self.thread_id, self._saved)
        except OSError as exc:
            log.warning("could not give a thread its priority back: %s", exc.strerror)
        self._saved = None
