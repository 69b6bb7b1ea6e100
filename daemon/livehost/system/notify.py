"""Tell systemd how the service is doing (sd_notify), for `Type=notify` units.

The API the show loop uses (all methods are no-ops when not run by systemd):

    notifier = Notifier.from_env()
    notifier.status("loading voice")          # STATUS=, plain words for `systemctl status`
    notifier.ready("on air: main")            # READY=1 (+ STATUS) once the first frame is out
    notifier.reloading("reloading config")    # RELOADING=1 on SIGHUP, then ready() again
    notifier.stopping("stopping")             # STOPPING=1 on SIGTERM
    notifier.watchdog()                       # WATCHDOG=1; use livehost.system.watchdog instead
    notifier.watchdog_interval                # seconds from $WATCHDOG_USEC, or None

Messages go through systemd-python (`systemd.daemon.notify`) when it is installed, else
through a few lines of standard library: one datagram to the unix socket in
$NOTIFY_SOCKET ('@' at the start means the abstract namespace). A developer machine
needs no libsystemd.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

Sender = Callable[[str], bool]


def _socket_address(path: str) -> str | bytes:
    # '@name' is Linux's abstract namespace: a leading NUL byte on the wire.
    if path.startswith("@"):
        return b"\0" + path[1:].encode()
    return path


def stdlib_sender(socket_path: str) -> Sender:
    """A sender that writes each message as one datagram to `socket_path`."""
    address = _socket_address(socket_path)

    def send(message: str) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(address)
                sock.sendall(message.encode())
            return True
        except OSError as exc:
            # Never let a notification failure take the show down.
            log.debug("sd_notify to %s failed: %s", socket_path, exc)
            return False

    return send


def systemd_python_sender() -> Sender | None:
    """systemd-python's sd_notify, or None when the module is not installed."""
    try:
        from systemd import daemon  # type: ignore[import-not-found]
    except ImportError:
        return None

    def send(message: str) -> bool:
        try:
            return bool(daemon.notify(message))
        except OSError as exc:
            # libsystemd raises where the stdlib sender returns False: the same rule, never
            # let a notification failure take the show down (the socket can vanish while
            # systemd re-executes itself)
            log.debug("sd_notify failed: %s", exc)
            return False

    return send


def watchdog_interval_from_env(env: Mapping[str, str], pid: int) -> float | None:
    """The watchdog timeout in seconds, if systemd set one for this very process."""
    usec = env.get("WATCHDOG_USEC")
    if not usec:
        return None
    owner = env.get("WATCHDOG_PID")
    if owner and owner.strip() != str(pid):
        return None  # meant for another process (e.g. a wrapper that exec'd us)
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 if value > 0 else None


class Notifier:
    """Sends sd_notify messages; `enabled` is False outside systemd."""

    def __init__(self, send: Sender | None, watchdog_interval: float | None = None) -> None:
        self._send = send
        self.watchdog_interval = watchdog_interval

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, prefer_systemd_python: bool = True
    ) -> Notifier:
        env = os.environ if env is None else env
        path = env.get("NOTIFY_SOCKET")
        interval = watchdog_interval_from_env(env, os.getpid())
        if not path:
            return cls(None, interval)
        send = None
        # libsystemd reads $NOTIFY_SOCKET from the real environment, so it only
        # fits when we were handed that environment.
        if prefer_systemd_python and env is os.environ:
            send = systemd_python_sender()
        return cls(send or stdlib_sender(path), interval)

    @property
    def enabled(self) -> bool:
        return self._send is not None

    def notify(self, *fields: str, status: str | None = None) -> bool:
        lines = list(fields)
        if status is not None:
            # One line only: systemd splits the message on newlines.
            lines.append("STATUS=" + " ".join(status.split()))
        if self._send is None or not lines:
            return False
        return self._send("\n".join(lines))

    def status(self, text: str) -> bool:
        return self.notify(status=text)

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", status=status)

    def reloading(self, status: str | None = "reloading") -> bool:
        # MONOTONIC_USEC is what systemd >= 253 wants with RELOADING=1; older ones ignore it.
        stamp = f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}"
        return self.notify("RELOADING=1", stamp, status=status)

    def stopping(self, status: str | None = "stopping") -> bool:
        return self.notify("STOPPING=1", status=status)

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")
