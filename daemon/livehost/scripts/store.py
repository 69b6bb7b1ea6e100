"""The running scripts: validate each file, then swap; keep each product's last good copy.

Like the schedule store, one file at a time: a file that fails validation keeps that
product's last good copy on air (other products are not affected), and that copy is
kept under the state directory so a broken file at boot still airs its approved lines.
A missing folder is fine: no product has a script. Removing a file removes its lines.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path

from livehost.config.atomic import atomic_write
from livehost.config.yamlfile import read_text_file
from livehost.problems import Problem, ProblemsError
from livehost.schedule.model import Schedule
from livehost.schedule.store import ReloadResult
from livehost.scripts.load import LoadedScript, load_script_text, text_digest
from livehost.scripts.scriptset import ScriptSet

log = logging.getLogger(__name__)

LAST_GOOD_DIR = "scripts-last-good"
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\.yaml$")

Listener = Callable[[ScriptSet], None]


def is_script_name(name: str) -> bool:
    """`<product-id>.yaml`, nothing else: no folders, no hidden or temporary files."""
    return bool(FILE_NAME.match(name)) and not name.endswith("..yaml")


class ScriptStore:
    def __init__(self, folder: Path, state_dir: Path, schedule: Schedule | None = None) -> None:
        self.folder = Path(folder)
        self.state_dir = Path(state_dir)
        self.version = 0  # counts swaps since start
        self._schedule = schedule
        self._files: dict[str, LoadedScript] = {}  # running, by file name
        self._problems: dict[str, list[Problem]] = {}  # by file name, files refused now
        self._current = ScriptSet({}, schedule, self.folder)
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []

    @property
    def current(self) -> ScriptSet:
        """The scripts in effect; a new object after every swap, never changed in place."""
        return self._current

    @property
    def last_problems(self) -> list[Problem]:
        """Why files are refused right now (their last good copies air meanwhile)."""
        with self._lock:
            return [p for name in sorted(self._problems) for p in self._problems[name]]

    @property
    def last_good_dir(self) -> Path:
        return self.state_dir / LAST_GOOD_DIR

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(script_set)` after every swap (from the thread that swapped)."""
        self._listeners.append(listener)

    def start(self) -> ScriptSet:
        """Load every file at boot; a broken one falls back to its copy in the state dir."""
        self.reload()
        return self.current

    def set_schedule(self, schedule: Schedule | None) -> ReloadResult:
        """Check every file again against a new schedule (call it on each schedule swap)."""
        with self._lock:
            self._schedule = schedule
            return self._reload(force=True)

    def reload(self) -> ReloadResult:
        """Re-read the folder; swap when any file changed and is valid."""
        with self._lock:
            return self._reload(force=False)

    def write_and_apply(self, file_name: str, text: str) -> ReloadResult:
        """For a pushed file: validate, then write it atomically and swap.

        The file is only written when the text validated, so a refused push leaves both
        the file and the running scripts untouched.
        """
        if not is_script_name(file_name):
            problem = Problem(file_name, None, None, "", "a script file is named <product-id>.yaml")
            return ReloadResult(False, [problem])
        path = self.folder / file_name
        with self._lock:
            try:
                load_script_text(text, str(path), self._schedule)
            except ProblemsError as exc:
                return ReloadResult(False, exc.problems)
            atomic_write(path, text)
            return self._reload(force=False)

    def _names(self) -> list[str]:
        try:
            return sorted(p.name for p in self.folder.iterdir() if is_script_name(p.name))
        except FileNotFoundError:
            return []
        except OSError as exc:
            log.error("cannot read the scripts folder %s: %s", self.folder, exc)
            return sorted(self._files)

    def _reload(self, force: bool) -> ReloadResult:
        running: dict[str, LoadedScript] = {}
        problems: dict[str, list[Problem]] = {}
        for name in self._names():
            path = self.folder / name
            old = self._files.get(name)
            try:
                text = read_text_file(path)
                if old is not None and not force and text_digest(text) == old.sha256:
                    running[name] = old
                    continue
                loaded = load_script_text(text, str(path), self._schedule)
            except ProblemsError as exc:
                problems[name] = exc.problems
                fallback = self._fallback(name, old)
                if fallback is not None:
                    running[name] = fallback
                continue
            running[name] = loaded
            # a copy is only "good" once checked against the products' facts
            if self._schedule is not None and (old is None or old.sha256 != loaded.sha256):
                self._keep_copy(name, loaded.text)
        for name in set(self._files) - set(running) - set(problems):
            (self.last_good_dir / name).unlink(missing_ok=True)  # removed on purpose
        for name, found in problems.items():
            if self._problems.get(name) != found:
                for problem in found:
                    log.error("script refused: %s", problem, extra={"event": "script_refused"})
        self._problems = problems
        changed = force or _digests(running) != _digests(self._files)
        self._files = running
        if changed:
            self._swap()
        refused = [p for name in sorted(problems) for p in problems[name]]
        return ReloadResult(changed, refused)

    def _fallback(self, name: str, old: LoadedScript | None) -> LoadedScript | None:
        """The last good copy: the one running, else the one kept in the state dir."""
        if old is not None:
            log.warning("%s is broken; its last good copy stays on air", name)
            return old
        copy = self.last_good_dir / name
        if not copy.exists():
            return None
        try:
            # messages and line numbers name the real file: that is the one to fix
            loaded = load_script_text(read_text_file(copy), str(self.folder / name), self._schedule)
        except ProblemsError as exc:
            log.error("%s is broken and so is its last good copy: %s", name, exc.problems[0])
            return None
        log.warning("%s is broken; airing its last good copy from %s", name, copy)
        return loaded

    def _keep_copy(self, name: str, text: str) -> None:
        try:
            atomic_write(self.last_good_dir / name, text)
        except OSError as exc:  # a full or read-only disk must not stop the show
            log.error("could not keep a copy of the good script %s: %s", name, exc)

    def _swap(self) -> None:
        by_product = {loaded.product: loaded for loaded in self._files.values()}
        self._current = ScriptSet(by_product, self._schedule, self.folder)
        self.version += 1
        log.info(
            "scripts version %s in effect (%d files)",
            self.version,
            len(by_product),
            extra={"event": "scripts_swapped"},
        )
        for listener in list(self._listeners):
            try:
                listener(self._current)
            except Exception:
                log.exception("scripts listener failed")


def _digests(files: dict[str, LoadedScript]) -> dict[str, str]:
    return {name: loaded.sha256 for name, loaded in files.items()}


def scripts_folder(schedule_path: Path, folder: str) -> Path:
    """The scripts folder of the config's `scripts.folder`, relative to the schedule file."""
    return (Path(schedule_path).parent / Path(folder).expanduser()).resolve()
