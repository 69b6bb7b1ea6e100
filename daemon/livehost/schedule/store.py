"""The running schedule: validate, then swap; keep the last good one across restarts.

A new schedule (from a file save, SIGHUP or a pushed payload) replaces the running one
only after it validated completely. A bad one is kept as `last_problems` for the status
report and the running schedule stays. The last good text is written atomically to the
state directory, so a unit whose schedule file is broken at boot still goes on air.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from livehost.config.atomic import atomic_write
from livehost.config.yamlfile import read_text_file
from livehost.problems import Problem, ProblemsError
from livehost.schedule.load import LoadedSchedule, load_schedule_text, text_digest

log = logging.getLogger(__name__)

LAST_GOOD_NAME = "schedule.last-good.yaml"

Listener = Callable[[LoadedSchedule], None]
# a dry run of what the show will do with a schedule (livehost.show.rehearse): its
# problems, [] when the show can use it
Rehearsal = Callable[[LoadedSchedule], list[Problem]]


@dataclass(frozen=True)
class ReloadResult:
    changed: bool  # a new schedule is now running
    problems: list[Problem]  # why it was refused (empty when fine or unchanged)


class ScheduleStore:
    def __init__(
        self,
        path: Path,
        zone: ZoneInfo,
        state_dir: Path,
        rehearse: Rehearsal = lambda loaded: [],
    ) -> None:
        self.path = Path(path)
        self.rehearse = rehearse
        self.zone = zone
        self.state_dir = Path(state_dir)
        self.current: LoadedSchedule | None = None
        self.version = 0  # counts swaps since start
        self.loaded_at: float | None = None  # time.time() of the last swap
        self.last_problems: list[Problem] = []
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    @property
    def last_good_path(self) -> Path:
        return self.state_dir / LAST_GOOD_NAME

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(loaded)` after every swap (from the thread that swapped)."""
        self._listeners.append(listener)

    def start(self) -> LoadedSchedule | None:
        """Load at boot: the file if it is good, else the last good copy from the state dir."""
        result = self.reload()
        if self.current is not None:
            return self.current
        try:
            text = read_text_file(self.last_good_path)
            loaded = self._usable(text, str(self.last_good_path))
        except ProblemsError as exc:
            log.error(
                "no usable schedule: %s; last good copy: %s",
                _summary(result.problems),
                _summary(exc.problems),
            )
            return None
        log.warning(
            "schedule file is broken (%s); running the last good copy from %s",
            _summary(result.problems),
            self.last_good_path,
        )
        self._swap(loaded, persist=False)
        self.last_problems = result.problems  # still broken: keep reporting it
        return self.current

    def reload(self) -> ReloadResult:
        """Re-read the schedule file; swap only if it changed and is valid."""
        try:
            text = read_text_file(self.path)
        except ProblemsError as exc:
            return self._refuse(exc.problems)
        return self.offer(text, str(self.path))

    def offer(
        self, text: str, source: str, checked: LoadedSchedule | None = None
    ) -> ReloadResult:
        """Validate `text`; if it is new and good, make it the running schedule.
        `checked`: the text already validated and rehearsed (a push)."""
        with self._lock:
            if self.current is not None and text_digest(text) == self.current.sha256:
                if self.last_problems:
                    log.info("schedule is back to the running version; problem cleared")
                self.last_problems = []
                return ReloadResult(False, [])
            try:
                loaded = checked or self._usable(text, source, now=self._now())
            except ProblemsError as exc:
                return self._refuse(exc.problems)
            self._swap(loaded, persist=True)
            return ReloadResult(True, [])

    def write_and_apply(self, text: str) -> ReloadResult:
        """For a pushed schedule: validate, then write the file atomically and swap.

        The file is only written when the text validated, so a refused push leaves both
        the file and the running schedule untouched.
        """
        try:
            loaded = self._usable(text, str(self.path), now=self._now())
        except ProblemsError as exc:
            return ReloadResult(False, exc.problems)
        atomic_write(self.path, text)
        return self.offer(text, str(self.path), loaded)

    def _usable(self, text: str, source: str, now: datetime | None = None) -> LoadedSchedule:
        """Valid and rehearsed, or ProblemsError: only such a schedule airs and is kept."""
        loaded = load_schedule_text(text, source, now=now)
        problems = self.rehearse(loaded)
        if problems:
            raise ProblemsError(problems)
        return loaded

    def _refuse(self, problems: list[Problem]) -> ReloadResult:
        self.last_problems = problems
        for problem in problems:
            log.error("schedule refused: %s", problem, extra={"event": "schedule_refused"})
        if self.current is not None:
            log.warning(
                "still running schedule version %s (%s)", self.version, self.current.short_hash
            )
        return ReloadResult(False, problems)

    def _swap(self, loaded: LoadedSchedule, persist: bool) -> None:
        self.current = loaded
        self.version += 1
        self.loaded_at = time.time()
        self.last_problems = []
        for warning in loaded.warnings:
            log.warning("schedule: %s", warning)
        log.info(
            "schedule version %s in effect (%s, %d products, %d slots)",
            self.version,
            loaded.short_hash,
            len(loaded.schedule.products),
            len(loaded.schedule.slots),
            extra={"event": "schedule_swapped"},
        )
        if persist:
            try:
                atomic_write(self.last_good_path, loaded.text)
            except OSError as exc:  # a full or read-only disk must not stop the show
                log.error("could not keep a copy of the good schedule: %s", exc)
        for listener in list(self._listeners):
            try:
                listener(loaded)
            except Exception:
                log.exception("schedule listener failed")

    def _now(self) -> datetime:
        return datetime.now(self.zone).replace(tzinfo=None)


def _summary(problems: list[Problem]) -> str:
    if not problems:
        return "no problems"
    first = str(problems[0])
    return first if len(problems) == 1 else f"{first} (+{len(problems) - 1} more)"
