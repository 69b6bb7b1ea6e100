"""Reload the scripts when a file in their folder is saved, however the editor saves it.

As for the schedule we watch the folder (renames lose a watched file), keep events that
touch a `<product-id>.yaml` name, and reload once after a quiet moment; the store
compares content hashes, so saves that change nothing swap nothing. When the folder does
not exist yet, or is removed and made again, watching its parent notices.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from livehost.scripts.store import is_script_name
from livehost.system.debounce import Debouncer

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.3


def _names(event: FileSystemEvent) -> list[str]:
    paths = [event.src_path, getattr(event, "dest_path", "")]
    return [os.path.basename(os.fsdecode(p)) for p in paths if p]


class _FolderHandler(FileSystemEventHandler):
    def __init__(self, poke: Callable[[], None]) -> None:
        self.poke = poke

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        if any(is_script_name(name) for name in _names(event)):
            self.poke()


class _ParentHandler(FileSystemEventHandler):
    """Notices the scripts folder being created, removed or moved in or out."""

    def __init__(self, folder: str, changed: Callable[[], None]) -> None:
        self.folder = folder
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("created", "deleted", "moved") and self.folder in _names(event):
            self.changed()


class ScriptWatcher:
    """Calls `on_change()` once per burst of saves in `folder` (from a timer thread)."""

    def __init__(
        self, folder: Path, on_change: Callable[[], object], debounce: float = DEBOUNCE_SECONDS
    ) -> None:
        self.folder = Path(folder).resolve()
        self.on_change = on_change
        self.debounce = debounce
        self._debouncer = Debouncer(debounce, on_change, "scripts reload")
        self._lock = threading.Lock()  # the folder's watch is redone from watchdog's thread
        self._watch: ObservedWatch | None = None
        self._observer = Observer()
        self._observer.daemon = True

    def start(self) -> None:
        self._observer.start()
        try:
            handler = _ParentHandler(self.folder.name, self._folder_changed)
            self._observer.schedule(handler, str(self.folder.parent), recursive=False)
        except OSError as exc:  # no parent folder: nothing to watch, nothing to air
            log.warning("cannot watch %s: %s", self.folder.parent, exc)
            return
        if self._rewatch():
            log.info("watching %s for script changes", self.folder)
        else:
            log.info("no scripts folder %s yet; waiting for it", self.folder)

    def stop(self) -> None:
        self._debouncer.cancel()
        self._observer.stop()
        self._observer.join(timeout=2)

    def _rewatch(self) -> bool:
        """Watch the folder afresh: a folder made again is a new folder to the kernel."""
        with self._lock:
            if self._watch is not None:
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(self._watch)
                self._watch = None
            if not self.folder.is_dir():
                return False
            try:
                self._watch = self._observer.schedule(
                    _FolderHandler(self._debouncer.poke), str(self.folder), recursive=False
                )
            except OSError as exc:
                log.warning("cannot watch %s: %s", self.folder, exc)
                return False
            return True

    def _folder_changed(self) -> None:
        self._rewatch()
        self._debouncer.poke()  # files may already be in it, or all gone with it

    def __enter__(self) -> ScriptWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
