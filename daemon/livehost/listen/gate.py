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
from collections import deque
from collections.abc import Callable

import numpy as np

SPEAKING_DBFS = -45.0  # a tick of the host's audio louder than this is the host speaking
MARGIN = 0.4  # seconds after the host's last sound the microphone still hears it
HISTORY = 2000  # loud ticks remembered: over a minute of the host speaking at 30 fps


class EchoGate:
    def __init__(self, margin: float = MARGIN, clock: Callable[[], float] = time.monotonic):
        self.margin = margin
        self.clock = clock
        # time.monotonic() of the host's loud ticks lately (a few per second of speech)
        self._spoke: deque[float] = deque(maxlen=HISTORY)
        self._lock = threading.Lock()

    def host_audio(self, samples: np.ndarray, when: float | None = None) -> None:
        """From the show's ticker: one tick of what goes on air now."""
        if len(samples) == 0:
            return
        power = float(np.mean(samples.astype(np.float64) ** 2)) / 32768.0**2
        if 10 * np.log10(power + 1e-12) > SPEAKING_DBFS:
            with self._lock:
                self._spoke.append(self.clock() if when is None else when)

    def deaf(self, since: float, until: float | None = None) -> bool:
        """Whether input heard from `since` to `until` (time.monotonic(); until: now) may
        be the host's own voice: the host spoke during it, or just before it began. The
        host speaking again after a shopper finished does not make their question echo."""
        until = self.clock() if until is None else until
        with self._lock:
            for spoke in reversed(self._spoke):
                if spoke < since - self.margin:
                    return False
                if spoke <= until:
                    return True
        return False
