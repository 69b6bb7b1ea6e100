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
