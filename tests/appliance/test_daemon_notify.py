"""The real `livehost run` under a fake $NOTIFY_SOCKET, as systemd runs it: READY only
once on air, WATCHDOG=1 only while the output loop ticks, RELOADING/READY around SIGHUP,
STOPPING and a clean exit within two seconds on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.onair.daemon_helpers import REPO, write_setup

from livehost.devservers import nginx_rtmp


def test_real_daemon_notifies_systemd_through_its_whole_life(tmp_path, notify_socket) -> None:
    config = write_setup(tmp_path / "unit")
    # No WATCHDOG_PID: the daemon's pid is not known before it starts, and without it
    # the watchdog applies to whoever reads WATCHDOG_USEC.
    env = dict(os.environ, NOTIFY_SOCKET=notify_socket.address, WATCHDOG_USEC="2000000")
    env.pop("WATCHDOG_PID", None)
    with nginx_rtmp(tmp_path / "nginx").start() as server:
        url = f"rtmp://127.0.0.1:{server.port}/live/notify"
        log = open(tmp_path / "daemon.log", "wb")  # noqa: SIM115 - closed below
        child = subprocess.Popen(
            [sys.executable, "-m", "livehost", "run", "--config", str(config), "--output", url],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            ready = notify_socket.wait_for(lambda m: m.startswith("READY=1"), 30)
            assert "STATUS=on air (out1)" in ready, ready
            pings = notify_socket.drain(2.5).count("WATCHDOG=1")
            assert pings >= 2  # every second (half of WatchdogSec)

            child.send_signal(signal.SIGUSR1)  # test hook: the output loop freezes
            time.sleep(1.2)  # let the last fresh heartbeat go stale
            notify_socket.flush()
            assert "WATCHDOG=1" not in notify_socket.drain(2.5)
            child.send_signal(signal.SIGUSR2)
            notify_socket.wait_for(lambda m: m == "WATCHDOG=1", 3)

            child.send_signal(signal.SIGHUP)
            notify_socket.wait_for(lambda m: m.startswith("RELOADING=1"), 3)
            again = notify_socket.wait_for(lambda m: m.startswith("READY=1"), 3)
            assert "schedule unchanged" in again

            sent = time.monotonic()
            child.send_signal(signal.SIGTERM)
            notify_socket.wait_for(lambda m: m.startswith("STOPPING=1"), 2)
            assert child.wait(3) == 0
            assert time.monotonic() - sent < 2.0
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            log.close()
