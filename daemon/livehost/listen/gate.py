"""Half duplex: the recogniser is deaf while the host itself speaks.

The store's loudspeaker plays the host's voice, and the microphone hears it. Without an
echo-cancelling microphone the simple cure is the one two-way radios use: the show loop
tells the gate, tick by tick, how loud the host is; speech heard while the host spoke,
or within `margin` seconds after (the room's echo, and the sound card's delay), is
thrown away. A shopper who talks over the host is not heard; they ask again in the pause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

SPEAKING_DBFS = -45.0  # a tick of the host's audio louder than this is the host speaking
MARGIN = 0.4  # seconds after the host's last sound the microphone still hears it


class EchoGate:
    def __init__(self, margin: float = MARGIN, clock: Callable[[], float] = time.monotonic):
        self.margin = margin
        self.clock = clock
        self._last_spoke = -1e9  # time.monotonic() of the host's last loud tick
        self._lock = threading.Lock()
        self.deaf_seconds = 0.0  # input thrown away because the host was speaking

    def host_audio(self, samples: np.ndarray, when: float | None = None) -> None:
        """From the show's ticker: one tick of what goes on air now."""
        if len(samples) == 0:
            return
        power = float(np.mean(samples.astype(np.float64) ** 2)) / 32768.0**2
        if 10 * np.log10(power + 1e-12) > SPEAKING_DBFS:
            with self._lock:
                self._last_spoke = self.clock() if when is None else when

    def deaf(self, since: float) -> bool:
        """Whether input that started at `since` (time.monotonic()) may be the host's own
        voice: the host spoke after it began, or shortly before."""
        with self._lock:
            return self._last_spoke + self.margin >= since

    def open(self, at: float | None = None) -> bool:
        """Whether the microphone hears the room (not the host) at `at` (default: now)."""
        return not self.deaf(self.clock() if at is None else at)

    def count_deaf(self, seconds: float) -> None:
        with self._lock:
            self.deaf_seconds += seconds
