"""Keeping a worker thread's job running: a job that raises is started again, a few
times, with a short pause; beyond the budget it is given up with the reason."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

RESTART_BUDGET = 5  # restarts within RESTART_WINDOW before the job is given up
RESTART_WINDOW = 300.0


def keep_running(
    name: str,
    job: Callable[[], None],
    stop: threading.Event,
    failed: Callable[[str, int], None] = lambda why, count: None,
    budget: int | None = None,
    window: float | None = None,
) -> str | None:
    """Run `job` until it returns (None) or fails more than `budget` times within
    `window` seconds (the last failure, in words). `failed(why, restarts)` is told of
    each failure that is restarted."""
    budget = RESTART_BUDGET if budget is None else budget
    window = RESTART_WINDOW if window is None else window
    failures: deque[float] = deque()
    while not stop.is_set():
        try:
            job()
            return None
        except Exception as exc:
            now = time.monotonic()
            failures.append(now)
            while failures and failures[0] < now - window:
                failures.popleft()
            why = f"{type(exc).__name__}: {exc}"
            if len(failures) > budget:
                log.critical(
                    "the %s failed %d times within %g s; giving up: %s",
                    name,
                    len(failures),
                    window,
                    why,
                    exc_info=True,
                )
                return f"the {name} failed {len(failures)} times within {window:g} s; last: {why}"
            log.exception(
                "the %s failed; starting it again (%d of %d within %g s)",
                name,
                len(failures),
                budget,
                window,
                extra={"event": "thread_restarted"},
            )
            failed(why, len(failures))
            stop.wait(min(2.0, 0.05 * 2 ** len(failures)))
    return None
