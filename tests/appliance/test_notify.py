"""sd_notify messages, checked on a real unix datagram socket."""

from __future__ import annotations

import os
import socket

import pytest

from livehost.system.notify import Notifier, watchdog_interval_from_env


def test_ready_with_status_is_one_datagram(notify_socket):
    notifier = Notifier.from_env({"NOTIFY_SOCKET": notify_socket.address})
    assert notifier.enabled
    assert notifier.ready("on air: main")
    assert notify_socket.receive() == "READY=1\nSTATUS=on air: main"


def test_status_is_flattened_to_one_line(notify_socket):
    notifier = Notifier.from_env({"NOTIFY_SOCKET": notify_socket.address})
    notifier.status("output main\nunreachable,  retrying")
    assert notify_socket.receive() == "STATUS=output main unreachable, retrying"


def test_reloading_then_ready(notify_socket):
    notifier = Notifier.from_env({"NOTIFY_SOCKET": notify_socket.address})
    notifier.reloading()
    notifier.ready()
    first = notify_socket.receive().split("\n")
    assert first[0] == "RELOADING=1"
    assert first[1].startswith("MONOTONIC_USEC=") and int(first[1].split("=")[1]) > 0
    assert first[2] == "STATUS=reloading"
    assert notify_socket.receive() == "READY=1"


def test_stopping_and_watchdog(notify_socket):
    notifier = Notifier.from_env({"NOTIFY_SOCKET": notify_socket.address})
    notifier.stopping()
    notifier.watchdog()
    assert notify_socket.receive() == "STOPPING=1\nSTATUS=stopping"
    assert notify_socket.receive() == "WATCHDOG=1"


def test_abstract_namespace_socket(abstract_notify_socket):
    notifier = Notifier.from_env({"NOTIFY_SOCKET": abstract_notify_socket.address})
    notifier.ready()
    assert abstract_notify_socket.receive() == "READY=1"


def test_outside_systemd_everything_is_a_quiet_no_op():
    notifier = Notifier.from_env({})
    assert not notifier.enabled
    assert notifier.ready("x") is False
    assert notifier.watchdog_interval is None


def test_vanished_socket_does_not_raise(tmp_path):
    notifier = Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert notifier.ready() is False


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WATCHDOG_USEC": "20000000"}, 20.0),
        ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": str(os.getpid())}, 20.0),
        ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "1"}, None),  # someone else's
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_from_env(env, expected):
    assert watchdog_interval_from_env(env, os.getpid()) == expected


def test_systemd_python_path_reaches_the_socket(notify_socket, monkeypatch):
    pytest.importorskip("systemd.daemon", reason="systemd-python not installed (extra 'systemd')")
    monkeypatch.setenv("NOTIFY_SOCKET", notify_socket.address)
    notifier = Notifier.from_env()
    notifier.ready("via libsystemd")
    assert notify_socket.receive() == "READY=1\nSTATUS=via libsystemd"


def test_systemd_python_path_survives_a_vanished_socket(tmp_path, monkeypatch):
    # libsystemd raises ConnectionRefusedError where the stdlib sender returns False:
    # a notify socket that goes away must not end the daemon (it did, in the bench).
    pytest.importorskip("systemd.daemon", reason="systemd-python not installed (extra 'systemd')")
    gone = tmp_path / "gone.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(gone))  # a socket file nobody listens on any more
    monkeypatch.setenv("NOTIFY_SOCKET", str(gone))
    notifier = Notifier.from_env()
    assert notifier.status("on air") is False and notifier.watchdog() is False
