"""Command ids already executed, with their acks: a repeat is answered, not re-run.

Kept in memory as an ordered map bounded to the newest `limit` ids, and written to the
state directory (atomically) after every new id, so a command redelivered after a
restart (a persistent MQTT session does that) is still recognised.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path

from livehost.schedule.store import atomic_write

log = logging.getLogger(__name__)

FILE_NAME = "fleet-command-ids.json"
LIMIT = 1000


class IdStore:
    def __init__(self, path: Path | None, limit: int = LIMIT) -> None:
        self.path = path
        self.limit = limit
        self._acks: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()
        if path is not None:
            self._load(path)

    @classmethod
    def in_state_dir(cls, state_dir: Path, limit: int = LIMIT) -> IdStore:
        return cls(Path(state_dir) / FILE_NAME, limit)

    def get(self, command_id: str) -> dict | None:
        with self._lock:
            ack = self._acks.get(command_id)
            return dict(ack) if ack is not None else None

    def remember(self, command_id: str, ack: dict) -> None:
        with self._lock:
            self._acks[command_id] = ack
            self._acks.move_to_end(command_id)
            while len(self._acks) > self.limit:
                self._acks.popitem(last=False)
            snapshot = list(self._acks.items())
        self._save(snapshot)

    def __len__(self) -> int:
        return len(self._acks)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["acks"]
            for command_id, ack in entries[-self.limit :]:
                if isinstance(command_id, str) and isinstance(ack, dict):
                    self._acks[command_id] = ack
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # A damaged file must not stop the unit; it only weakens duplicate detection.
            log.error("command id store %s is unreadable (%s); starting empty", path, exc)

    def _save(self, entries: list[tuple[str, dict]]) -> None:
        if self.path is None:
            return
        try:
            atomic_write(self.path, json.dumps({"acks": entries}, separators=(",", ":")))
        except OSError as exc:
            log.error("could not save command ids to %s: %s", self.path, exc)
