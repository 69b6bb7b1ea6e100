"""The health gate: pings only while the output loop beats."""

from __future__ import annotations

import threading
import time

from livehost.system.notify import Notifier
from livehost.system.watchdog import Watchdog


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def recording_notifier(interval: float | None = 20.0) -> tuple[Notifier, list[str]]:
    sent: list[str] = []
    return Notifier(lambda m: sent.append(m) or True, interval), sent


def test_pings_at_half_the_interval_and_stale_before_that():
    notifier, _ = recording_notifier(20.0)
    watchdog = Watchdog(notifier)
    assert watchdog.period == 10.0
    assert watchdog.stale_after == 5.0


def test_no_ping_before_the_first_beat():
    notifier, sent = recording_notifier()
    watchdog = Watchdog(notifier, clock=FakeClock())
    assert watchdog.check_and_ping() is False
    assert sent == ["STATUS=output loop never ticked; waiting for the watchdog"]


def test_fresh_beat_pings_and_stale_beat_does_not():
    clock = FakeClock()
    notifier, sent = recording_notifier()
    watchdog = Watchdog(notifier, clock=clock)
    watchdog.beat()
    clock.now += 4.9
    assert watchdog.check_and_ping() is True
    clock.now += 0.2  # 5.1 s since the last beat
    assert watchdog.check_and_ping() is False
    assert watchdog.check_and_ping() is False  # the stall is reported once
    watchdog.beat()
    assert watchdog.check_and_ping() is True
    assert sent == [
        "WATCHDOG=1",
        "STATUS=output loop stalled for 5.1 s; waiting for the watchdog",
        "WATCHDOG=1",
    ]
    assert (watchdog.pings_sent, watchdog.pings_withheld) == (2, 2)


def test_no_thread_without_a_systemd_watchdog():
    notifier, _ = recording_notifier(None)
    watchdog = Watchdog(notifier)
    assert watchdog.start() is False
    assert Watchdog(Notifier(None, 20.0)).start() is False  # no socket either


def test_thread_pings_while_a_loop_beats_and_stops_when_it_freezes(notify_socket):
    notifier = Notifier.from_env(
        {"NOTIFY_SOCKET": notify_socket.address, "WATCHDOG_USEC": "200000"}
    )
    watchdog = Watchdog(notifier)  # pings every 0.1 s, stale after 0.1 s
    frozen, done = threading.Event(), threading.Event()

    def output_loop() -> None:
        while not done.wait(0.01):
            if not frozen.is_set():
                watchdog.beat()

    loop = threading.Thread(target=output_loop)
    loop.start()
    try:
        assert watchdog.start()
        ticking = notify_socket.drain(0.55)
        assert ticking.count("WATCHDOG=1") >= 3
        frozen.set()
        time.sleep(0.25)  # let the last fresh window pass
        notify_socket.flush()
        during_freeze = notify_socket.drain(0.5)
        assert "WATCHDOG=1" not in during_freeze
        frozen.clear()
        assert "WATCHDOG=1" in notify_socket.drain(0.4)
    finally:
        done.set()
        loop.join()
        watchdog.stop()
