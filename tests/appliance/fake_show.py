"""A stand-in for the show loop, run as a child process by test_service_lifecycle.py.

It wires the real appliance pieces the way the show loop will (notifier, health-gated
watchdog, signal flags) around a dummy 30 fps tick. Test hooks: SIGUSR1 freezes the
loop (it keeps running but stops ticking, like a hung encoder), SIGUSR2 thaws it.
`stdlib` as the first argument forces the standard-library notify path.
"""

from __future__ import annotations

import signal
import sys
import threading

from livehost.system.notify import Notifier
from livehost.system.signals import ServiceSignals
from livehost.system.watchdog import Watchdog


def main() -> int:
    notifier = Notifier.from_env(prefer_systemd_python=sys.argv[1:2] != ["stdlib"])
    watchdog = Watchdog(notifier)
    signals = ServiceSignals().install()
    frozen = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: frozen.set())
    signal.signal(signal.SIGUSR2, lambda *_: frozen.clear())

    notifier.status("starting")
    watchdog.beat()  # the first frame
    notifier.ready("on air (fake output)")
    watchdog.start()
    while not signals.stop.wait(1 / 30):
        if signals.take_reload():
            notifier.reloading("reloading config")
            notifier.ready("on air (fake output), config reloaded")
        if not frozen.is_set():
            watchdog.beat()
    watchdog.stop()
    notifier.stopping("stopping: SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
