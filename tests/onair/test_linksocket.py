"""Copies of a child's TCP socket (stream/linksocket.py), without root or an ingest: a
python child connected to a listener of ours on loopback."""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from livehost.stream import linksocket
from livehost.stream.linksocket import LinkSocket, child_tcp_sockets

# connects to the port in argv[1], says so, and holds the connection until stdin closes
CHILD = """
import socket, sys
conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(conn.getsockname()[1], flush=True)
sys.stdin.read()
"""


@pytest.fixture
def connected_child(monkeypatch) -> Iterator[tuple[subprocess.Popen, socket.socket]]:
    """The child, and our end of its connection."""
    # each test starts with the syscall untried; a failure it remembers is undone after
    monkeypatch.setattr(linksocket, "_getfd_unavailable", False)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            listener.settimeout(10)
            ours, _ = listener.accept()
            assert child.stdout is not None
            assert int(child.stdout.readline()) == ours.getpeername()[1]
            with ours:
                yield child, ours
        finally:
            child.kill()
            child.wait(timeout=5)


def copies_or_skip(pid: int) -> list[socket.socket]:
    copies = child_tcp_sockets(pid)
    if linksocket._getfd_unavailable:
        pytest.skip("pidfd_getfd is missing or not permitted here")
    return copies


def test_the_childs_connection_is_found(connected_child) -> None:
    child, ours = connected_child
    copies = copies_or_skip(child.pid)
    try:
        assert [c.getsockname() for c in copies] == [ours.getpeername()]
    finally:
        for copy in copies:
            copy.close()


def test_a_reset_makes_the_childs_end_a_reset(connected_child) -> None:
    """The point of the copy: a killed sender's connection ends at once, not drained."""
    child, ours = connected_child
    copies_or_skip(child.pid)[0].close()
    link = LinkSocket(child.pid)
    link.reset()
    child.kill()
    child.wait(timeout=5)
    ours.settimeout(5)
    with pytest.raises(ConnectionResetError):
        ours.recv(1)


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.EPERM])
def test_without_pidfd_getfd_nothing_is_tried_again(connected_child, monkeypatch, code) -> None:
    child, _ = connected_child
    calls = []

    def refused(pidfd: int, fd: int) -> int:
        calls.append(fd)
        raise OSError(code, "refused")

    monkeypatch.setattr(linksocket, "_pidfd_getfd", refused)
    assert child_tcp_sockets(child.pid) == []
    assert len(calls) == 1
    assert child_tcp_sockets(child.pid) == []  # remembered: no second scan of /proc
    assert len(calls) == 1
    assert LinkSocket(child.pid).backlog() == 0
