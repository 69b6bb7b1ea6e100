"""Logging: structured journald entries under systemd, plain lines on stderr otherwise.

    setup_logging(verbose=False, unit_id="shop-0042")     # once, at start
    log.info("now showing %s", name, extra={"event": "segment_start", "product": sku})

Under systemd (stderr is the journal stream named by $JOURNAL_STREAM) each record goes
to journald with fields LIVEHOST_UNIT, LIVEHOST_PRODUCT and LIVEHOST_EVENT besides the
usual PRIORITY and CODE_* ones, so the box can be asked
`journalctl -u livehost LIVEHOST_EVENT=output_lost`. (Not UNIT=: journalctl -u matches
that field, and it belongs to systemd.) systemd-python sends them when installed; if not,
a few lines of standard library speak journald's native protocol. Anywhere else (a
developer's terminal, CI) records are plain text lines on stderr.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

JOURNAL_SOCKET = "/run/systemd/journal/socket"
IDENTIFIER = "livehost"
# record attribute (from `extra=`) -> journal field
FIELDS = {"unit": "LIVEHOST_UNIT", "product": "LIVEHOST_PRODUCT", "event": "LIVEHOST_EVENT"}
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def syslog_priority(levelno: int) -> int:
    if levelno >= logging.CRITICAL:
        return 2
    if levelno >= logging.ERROR:
        return 3
    if levelno >= logging.WARNING:
        return 4
    if levelno >= logging.INFO:
        return 6
    return 7


def stderr_is_journal(env: Mapping[str, str], stream: TextIO) -> bool:
    """systemd's rule: $JOURNAL_STREAM holds the device:inode of the stream it connected."""
    wanted = env.get("JOURNAL_STREAM", "")
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return wanted == f"{st.st_dev}:{st.st_ino}"


def encode_native(fields: Mapping[str, str]) -> bytes:
    """journald's native datagram: KEY=value lines, or KEY, length, data for multi-line values."""
    out = bytearray()
    for key, value in fields.items():
        data = value.encode("utf-8", "replace")
        if b"\n" in data:
            out += key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key.encode() + b"=" + data + b"\n"
    return bytes(out)


def stdlib_journal_sender(path: str = JOURNAL_SOCKET) -> Callable[[dict[str, str]], None]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    def send(fields: dict[str, str]) -> None:
        sock.sendto(encode_native(fields), path)

    return send


def systemd_python_journal_sender() -> Callable[[dict[str, str]], None] | None:
    try:
        from systemd import journal  # type: ignore[import-not-found]
    except ImportError:
        return None

    def send(fields: dict[str, str]) -> None:
        message = fields.pop("MESSAGE")
        journal.send(message, **fields)

    return send


class JournalHandler(logging.Handler):
    """Sends each record to journald with our structured fields."""

    def __init__(self, send: Callable[[dict[str, str]], None], unit_id: str | None = None) -> None:
        super().__init__()
        self._send = send
        self.unit_id = unit_id

    def fields(self, record: logging.LogRecord) -> dict[str, str]:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        fields = {
            "MESSAGE": message,
            "PRIORITY": str(syslog_priority(record.levelno)),
            "SYSLOG_IDENTIFIER": IDENTIFIER,
            "LOGGER": record.name,
            "THREAD_NAME": record.threadName or "",
            "CODE_FILE": record.pathname,
            "CODE_LINE": str(record.lineno),
            "CODE_FUNC": record.funcName,
        }
        values = {"unit": self.unit_id} | {
            attr: getattr(record, attr) for attr in FIELDS if getattr(record, attr, None)
        }
        for attr, value in values.items():
            if value is not None:
                fields[FIELDS[attr]] = str(value)
        return fields

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._send(self.fields(record))
        except Exception:
            self.handleError(record)


class StderrFallbackHandler(logging.StreamHandler):
    """Journal stream without a reachable socket: `<N>` prefixes keep the priorities."""

    def format(self, record: logging.LogRecord) -> str:
        return f"<{syslog_priority(record.levelno)}>{super().format(record)}"


def setup_logging(
    verbose: bool = False,
    *,
    unit_id: str | None = None,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
    journal_socket: str = JOURNAL_SOCKET,
    prefer_systemd_python: bool = True,
) -> str:
    """Configure the root logger; returns "journal" or "stderr" (what was chosen)."""
    env = os.environ if env is None else env
    stream = sys.stderr if stream is None else stream
    handler: logging.Handler
    chosen = "stderr"
    if stderr_is_journal(env, stream):
        send = systemd_python_journal_sender() if prefer_systemd_python else None
        if send is None and os.path.exists(journal_socket):
            send = stdlib_journal_sender(journal_socket)
        if send is not None:
            handler, chosen = JournalHandler(send, unit_id), "journal"
        else:
            handler = StderrFallbackHandler(stream)
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return chosen
