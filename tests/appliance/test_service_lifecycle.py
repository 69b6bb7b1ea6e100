"""A child process wired like the show loop, under a fake $NOTIFY_SOCKET and real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FAKE_SHOW = Path(__file__).with_name("fake_show.py")


def has_systemd_python() -> bool:
    try:
        import systemd.daemon  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize(
    "path",
    [
        "stdlib",
        pytest.param(
            "systemd-python",
            marks=pytest.mark.skipif(not has_systemd_python(), reason="no systemd-python"),
        ),
    ],
)
def test_ready_pings_freeze_reload_stop(notify_socket, path):
    env = dict(os.environ, NOTIFY_SOCKET=notify_socket.address, WATCHDOG_USEC="400000")
    child = subprocess.Popen([sys.executable, str(FAKE_SHOW), path], env=env)
    try:
        assert notify_socket.wait_for(lambda m: m.startswith("READY=1"), 10) == (
            "READY=1\nSTATUS=on air (fake output)"
        )
        assert notify_socket.drain(1.0).count("WATCHDOG=1") >= 3  # every 0.2 s

        child.send_signal(signal.SIGUSR1)  # test hook: the loop stops ticking
        time.sleep(0.45)  # the last fresh window passes
        notify_socket.flush()
        assert "WATCHDOG=1" not in notify_socket.drain(1.0)
        child.send_signal(signal.SIGUSR2)
        notify_socket.wait_for(lambda m: m == "WATCHDOG=1", 2)

        child.send_signal(signal.SIGHUP)
        reloading = notify_socket.wait_for(lambda m: m.startswith("RELOADING=1"), 2)
        assert "STATUS=reloading config" in reloading.split("\n")
        after = notify_socket.wait_for(lambda m: m.startswith("READY=1"), 2)
        assert after == "READY=1\nSTATUS=on air (fake output), config reloaded"

        sent_term = time.monotonic()
        child.send_signal(signal.SIGTERM)
        assert notify_socket.wait_for(lambda m: m.startswith("STOPPING=1"), 2) == (
            "STOPPING=1\nSTATUS=stopping: SIGTERM"
        )
        assert child.wait(2) == 0
        assert time.monotonic() - sent_term < 2.0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
