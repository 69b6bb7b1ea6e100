"""Fixtures for the appliance tests: a fake systemd notify socket."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class NotifyListener:
    """A bound unix datagram socket standing in for systemd's $NOTIFY_SOCKET."""

    def __init__(self, address: str) -> None:
        self.address = address  # what goes into NOTIFY_SOCKET ('@...' for abstract)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        bind_to = b"\0" + address[1:].encode() if address.startswith("@") else address
        self.sock.bind(bind_to)
        self.received: list[str] = []

    def receive(self, timeout: float = 2.0) -> str | None:
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return None
        message = data.decode()
        self.received.append(message)
        return message

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message is not None and predicate(message):
                return message
        raise AssertionError(f"no matching notify message within {timeout} s; got {self.received}")

    def drain(self, seconds: float) -> list[str]:
        """Everything that arrives within `seconds`."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            message = self.receive(left)
            if message is not None:
                got.append(message)
        return got

    def flush(self) -> list[str]:
        """Whatever is queued already, without waiting."""
        got: list[str] = []
        while (message := self.receive(0.001)) is not None:
            got.append(message)
        return got

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_socket() -> Iterator[NotifyListener]:
    # A short folder of our own: unix socket paths must stay under 108 bytes.
    folder = Path(tempfile.mkdtemp(prefix="lh-notify-"))
    listener = NotifyListener(str(folder / "notify"))
    yield listener
    listener.close()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def abstract_notify_socket() -> Iterator[NotifyListener]:
    listener = NotifyListener(f"@livehost-test-{time.monotonic_ns()}")
    yield listener
    listener.close()
