"""The last device config that put the show on air, and a start that cannot crash-loop.

A unit nobody watches must not sit in a restart loop because of its config: under
systemd every failed start is dead air, and the old unit file rebooted the box into the
same failure. So the daemon keeps a copy of the config that last went on air and stayed
there (`proven()`), and at start (`choose()`) runs that copy instead of the file when

- the file cannot be used (unreadable, not YAML, invalid): its problems are reported;
- the file failed FAILED_STARTS starts in a row before it was proven (it validates but
  something below it crashes: a native library, a device);
- the file lost every output or the fleet broker the last good one had (a file cut in
  half validates: the defaults fill the rest). Written out (`outputs: []`, `mqtt: {url:
  null}`), the removal is meant and the file runs.

The copy lives in the service's state folder, found without trusting the config (it may
be the broken part): --state-dir, else $STATE_DIRECTORY (systemd's StateDirectory=), else
a checkout's var/state (its sample runs in the development layout), else the config's
`paths.state` if the file reads as YAML at all, else /var/lib/livehost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from livehost.config.atomic import atomic_write
from livehost.config.device import LoadedConfig, load_config_text
from livehost.config.paths import PathsConfig
from livehost.config.yamlfile import parse_yaml, read_text_file
from livehost.problems import Problem, ProblemsError

log = logging.getLogger(__name__)

LAST_GOOD_NAME = "livehost.last-good.yaml"
RECORD_NAME = "config-starts.json"  # failed starts per config digest, and what was saved
FAILED_STARTS = 2  # starts in a row that never went on air before the last good one runs
# a dry run of what a start builds from a config (livehost.show.rehearse.rehearse_config)
Rehearsal = Callable[[LoadedConfig], list[Problem]]


def state_folder(option: Path | None, checkout: Path | None, config: Path | None = None) -> Path:
    if option is not None:
        return Path(option)
    systemd = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if systemd:
        return Path(systemd)
    if checkout is not None:
        return checkout / "var" / "state"
    named = _paths_state(config) if config is not None else None
    return named or Path(PathsConfig().state)


def _paths_state(config: Path) -> Path | None:
    """`paths.state` as the file writes it, read leniently (the rest may be broken)."""
    try:
        data = parse_yaml(read_text_file(config), str(config)).data
        state = data["paths"]["state"]
    except (ProblemsError, KeyError, TypeError):
        return None
    if not isinstance(state, str) or not state.strip():
        return None
    return (config.resolve().parent / Path(state).expanduser()).resolve()


@dataclass(frozen=True)
class StartConfig:
    """The config a start runs with, and why it is not the file when it is not."""

    loaded: LoadedConfig
    text: str
    last_good: bool = False  # running the last good copy, not the file
    reason: str = ""  # why the file is not used (for STATUS, the log and the fleet)
    problems: list[Problem] = field(default_factory=list)  # the file's own problems

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class ConfigKeeper:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @property
    def copy_path(self) -> Path:
        return self.folder / LAST_GOOD_NAME

    # --- at start ---

    def choose(
        self, path: Path, checkout: Path | None, rehearse: Rehearsal = lambda loaded: []
    ) -> StartConfig:
        """The config to start with; raises ProblemsError (the file's problems) when the
        file is unusable and there is no last good copy. `rehearse` says whether a start
        can build what a valid config asks for."""
        try:
            text = read_text_file(path)
            start = StartConfig(load_config_text(text, path, checkout), text)
            problems = rehearse(start.loaded)
            if problems:
                raise ProblemsError(problems)
        except ProblemsError as exc:
            return self._instead(exc, f"{len(exc.problems)} problem(s) in {path}", exc.problems)
        record = self._record()
        failed = record.get("failed", {}).get(start.digest, 0)
        same = (record.get("saved") or {}).get("sha256") == start.digest
        if failed >= FAILED_STARTS and not same:  # the same text again would not help
            why = f"{path} failed its last {failed} starts before going on air"
            return self._instead(None, why, [], fallback_to=start)
        lost = self._lost_parts(start.loaded)
        if lost:
            why = f"{path} has {lost} the last good config had (is it cut short?)"
            return self._instead(None, why, [], fallback_to=start)
        return start

    def _instead(
        self,
        error: ProblemsError | None,
        why: str,
        problems: list[Problem],
        fallback_to: StartConfig | None = None,
    ) -> StartConfig:
        saved = self._saved()
        if saved is None:
            if fallback_to is not None:  # nothing better: try the file once more
                log.warning("%s; there is no last good config, so it runs", why)
                return fallback_to
            assert error is not None
            raise error
        loaded, text, saved_at = saved
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(saved_at))
        reason = f"{why}; running the last good config (on air {when})"
        log.error("%s", reason, extra={"event": "config_refused"})
        for problem in problems[:5]:
            log.error("config: %s", problem)
        return StartConfig(loaded, text, last_good=True, reason=reason, problems=problems)

    def _saved(self) -> tuple[LoadedConfig, str, float] | None:
        record = self._record().get("saved")
        if not record or not self.copy_path.is_file():
            return None
        try:
            text = read_text_file(self.copy_path)
            checkout = Path(record["checkout"]) if record.get("checkout") else None
            loaded = load_config_text(text, record["file"], checkout)
        except (ProblemsError, KeyError, TypeError) as exc:
            log.error("the last good config cannot be used either: %s", exc)
            return None
        return loaded, text, float(record.get("at", 0))

    def _lost_parts(self, loaded: LoadedConfig) -> str:
        saved = self._saved()
        if saved is None:
            return ""
        old, new = saved[0].config, loaded.config
        # only what the file leaves out: a section written out empty is meant
        lost = []
        if old.outputs and "outputs" not in new.model_fields_set:
            lost.append(f"no outputs where {len(old.outputs)}")
        if old.mqtt.url and "url" not in new.mqtt.model_fields_set:
            lost.append("no fleet broker where one")
        return " and ".join(lost)

    # --- the start's outcome ---

    def starting(self, start: StartConfig) -> None:
        """Count this start as failed until it is proven (a crash never reaches proven)."""
        if start.last_good:
            return
        record = self._record()
        failed = record.setdefault("failed", {})
        failed[start.digest] = failed.get(start.digest, 0) + 1
        self._write(record)

    def ended_cleanly(self, start: StartConfig) -> None:
        """Stopped on purpose before it was proven: that start did not fail."""
        if start.last_good:
            return
        record = self._record()
        failed = record.get("failed", {})
        if failed.get(start.digest, 0) > 0:
            failed[start.digest] -= 1
            if not failed[start.digest]:
                del failed[start.digest]
            self._write(record)

    def proven(self, start: StartConfig) -> None:
        """The show went on air with this config and stayed: keep it as the last good."""
        if start.last_good:
            return
        record = self._record()
        record.get("failed", {}).pop(start.digest, None)  # it did not fail, copy or not
        loaded = start.loaded
        try:
            atomic_write(self.copy_path, start.text)
        except OSError as exc:  # a full or read-only disk must not stop the show
            log.error("could not keep a copy of the good config: %s", exc)
            self._write(record)
            return
        record["saved"] = {
            "file": str(loaded.file),
            "checkout": str(loaded.checkout) if loaded.checkout else None,
            "sha256": start.digest,
            "at": time.time(),
        }
        self._write(record)
        log.info("config kept as the last good one (%s)", self.copy_path)

    def _record(self) -> dict:
        try:
            data = json.loads((self.folder / RECORD_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, record: dict) -> None:
        try:
            atomic_write(self.folder / RECORD_NAME, json.dumps(record, indent=1))
        except OSError as exc:
            log.error("could not write %s: %s", self.folder / RECORD_NAME, exc)
