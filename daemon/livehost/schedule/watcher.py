"""Reload the schedule when its file is saved, however the editor saves it.

Editors save in place (truncate + write), by writing a temporary file and renaming it
over the original, or vim-style (rename the original away, write a new file). Watching
the file itself loses it after a rename, so we watch its folder, keep only events that
touch the file's name, and wait for a quiet moment (debounce) before reloading once. The
store compares content hashes, so saves that change nothing swap nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from livehost.system.debounce import Debouncer

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3


class _Handler(FileSystemEventHandler):
    def __init__(self, name: str, poke: Callable[[], None]) -> None:
        self.name = name
        self.poke = poke

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(p and os.path.basename(os.fsdecode(p)) == self.name for p in paths):
            self.poke()


class ScheduleWatcher:
    """Calls `on_change()` once per burst of saves to `path` (from a timer thread)."""

    def __init__(
        self, path: Path, on_change: Callable[[], object], debounce: float = DEBOUNCE_SECONDS
    ) -> None:
        self.path = Path(path).resolve()
        self.on_change = on_change
        self.debounce = debounce
        self._debouncer = Debouncer(debounce, on_change, "schedule reload")
        self._observer = Observer()
        self._observer.daemon = True

    def start(self) -> None:
        handler = _Handler(self.path.name, self._debouncer.poke)
        self._observer.schedule(handler, str(self.path.parent), recursive=False)
        self._observer.start()
        log.info("watching %s for changes", self.path)

    def stop(self) -> None:
        self._debouncer.cancel()
        self._observer.stop()
        self._observer.join(timeout=2)

    def __enter__(self) -> ScheduleWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
