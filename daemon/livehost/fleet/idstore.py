"""Command ids already executed, with their acks: a repeat is answered, not re-run.

Kept in memory as an ordered map of the newest `limit` ids and on disk as an append-only
journal in the state directory (one JSON line per id, fdatasync'd), so a command that is
redelivered after a restart or a power cut (a persistent MQTT session does that) is
still recognised. Appending one line costs ~1 ms where rewriting the whole store cost
~8 ms per command; the journal is compacted (atomically) when it doubles `limit`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from livehost.config.atomic import atomic_write

log = logging.getLogger(__name__)

FILE_NAME = "fleet-command-ids.jsonl"
LIMIT = 1000


class IdStore:
    def __init__(self, path: Path | None, limit: int = LIMIT) -> None:
        self.path = Path(path) if path is not None else None
        self.limit = limit
        self._acks: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()
        self._lines = 0  # lines in the journal file
        if self.path is not None:
            self._load(self.path)

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
            if self.path is None:
                return
            try:
                if self._lines >= 2 * self.limit:
                    self._compact(self.path)
                else:
                    self._append(self.path, command_id, ack)
            except OSError as exc:  # a full disk weakens duplicate detection, nothing more
                log.error("could not record command id in %s: %s", self.path, exc)

    def __len__(self) -> int:
        return len(self._acks)

    def _append(self, path: Path, command_id: str, ack: dict) -> None:
        line = json.dumps({"id": command_id, "ack": ack}, separators=(",", ":")) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fdatasync(fd)
        finally:
            os.close(fd)
        self._lines += 1

    def _compact(self, path: Path) -> None:
        text = "".join(
            json.dumps({"id": i, "ack": a}, separators=(",", ":")) + "\n"
            for i, a in self._acks.items()
        )
        atomic_write(path, text)
        self._lines = len(self._acks)

    def _load(self, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            log.error("command id store %s is unreadable (%s); starting empty", path, exc)
            return
        damaged = 0
        for line in lines:
            try:
                entry = json.loads(line)
                command_id, ack = entry["id"], entry["ack"]
            except (ValueError, KeyError, TypeError):
                damaged += 1  # a line torn by a power cut: skip it, keep the rest
                continue
            if isinstance(command_id, str) and isinstance(ack, dict):
                self._acks[command_id] = ack
                self._acks.move_to_end(command_id)
        while len(self._acks) > self.limit:
            self._acks.popitem(last=False)
        self._lines = len(lines)
        if damaged:
            log.warning("command id store %s: skipped %d damaged lines", path, damaged)
