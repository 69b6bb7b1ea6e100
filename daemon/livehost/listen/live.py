"""The microphone as the host's voice during a takeover: a small buffer between the
sound card's clock and the show's.

The source hands in pieces as they arrive; the show's renderer takes exactly one tick's
samples for each frame it draws. The buffer is kept short: when it holds more than
MOST seconds (the sound card runs a little fast, or the renderer stalled) the oldest
samples go, so the delay from a word to the picture never creeps up; when it runs dry
the tick is padded with silence. Both are counted. Outside a takeover nothing is kept.

LiveTicks hands the buffer out to frames in frame order, each frame's share once: the
renderer drawing ahead and the ticker covering a frame the renderer was late with ask
for the same frame and get the same samples, and frames skipped over get theirs in turn,
so the person's words go on air whole and in order.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

MOST = 0.12  # seconds buffered at most
BEHIND = 10  # frames: a frame further past the last one given is a fresh start


@dataclass(frozen=True)
class Taken:
    samples: np.ndarray  # int16, exactly the count asked for
    oldest: float | None  # time.monotonic() when the oldest real sample in it arrived
    newest: float | None


class LiveFeed:
    def __init__(self, rate: int, most: float = MOST) -> None:
        self.rate = rate
        self.most = int(most * rate)
        self._pieces: deque[tuple[np.ndarray, float]] = deque()  # (samples, arrival of last)
        self._held = 0
        self._lock = threading.Lock()
        self.active = False
        self.underruns = 0  # ticks padded with silence
        self.dropped_seconds = 0.0  # audio let go to keep the delay short
        self._dry_since: float | None = None  # time.monotonic() the feed ran dry

    def __call__(self, samples: np.ndarray, arrived: float) -> None:
        """From the source's thread: a piece of audio at `rate`."""
        if not self.active or len(samples) == 0:
            return
        with self._lock:
            self._pieces.append((samples.astype(np.int16, copy=False), arrived))
            self._held += len(samples)
            while self._held > self.most and self._pieces:
                drop = min(self._held - self.most, len(self._pieces[0][0]))
                self._cut_front(drop)
                self.dropped_seconds += drop / self.rate

    def take(self, count: int) -> Taken:
        """`count` samples for one tick: the oldest held, padded with silence."""
        out = np.zeros(count, np.int16)
        filled = 0
        oldest = newest = None
        with self._lock:
            while filled < count and self._pieces:
                piece, arrived = self._pieces[0]
                n = min(count - filled, len(piece))
                out[filled : filled + n] = piece[:n]
                # arrival of the first and last sample taken from this piece
                first = arrived - (len(piece) - 1) / self.rate
                oldest = first if oldest is None else oldest
                newest = first + (n - 1) / self.rate
                self._cut_front(n)
                filled += n
            if self.active and filled < count:
                self.underruns += 1
                if filled == 0 and self._dry_since is None:
                    self._dry_since = time.monotonic()
            elif filled:
                self._dry_since = None
        return Taken(out, oldest, newest)

    def dry_for(self) -> float:
        """Seconds the feed has had nothing to give (0 while sound comes)."""
        dry = self._dry_since
        return 0.0 if dry is None or not self.active else time.monotonic() - dry

    def start(self) -> None:
        with self._lock:
            self._pieces.clear()
            self._held = 0
            self._dry_since = None
            self.active = True

    def stop(self) -> None:
        with self._lock:
            self.active = False
            self._pieces.clear()
            self._held = 0
            self._dry_since = None

    def held_seconds(self) -> float:
        with self._lock:
            return self._held / self.rate

    def _cut_front(self, n: int) -> None:
        """Drop `n` samples from the front (held: the lock)."""
        piece, arrived = self._pieces[0]
        if n >= len(piece):
            self._pieces.popleft()
        else:
            self._pieces[0] = (piece[n:], arrived)
        self._held -= min(n, len(piece))


class LiveTicks:
    def __init__(self, feed: LiveFeed, count: int) -> None:
        self.feed = feed
        self.count = count  # samples per tick
        self._lock = threading.Lock()
        self._next: int | None = None  # the first frame not given its share yet
        self._given: dict[int, Taken] = {}

    def for_frame(self, index: int) -> Taken | None:
        """Frame `index`'s share of the feed (the same on every ask), None for a frame
        that went out before the feed started."""
        with self._lock:
            if index in self._given:
                return self._given[index]
            if self._next is None or index >= self._next + BEHIND:
                self._next = index
            if index < self._next:
                return None
            for frame in range(self._next, index + 1):
                self._given[frame] = self.feed.take(self.count)
            self._next = index + 1
            return self._given[index]

    def aired(self, index: int) -> Taken | None:
        """Frame `index` goes out: its share, forgotten with every older one."""
        with self._lock:
            taken = self._given.pop(index, None)
            for old in [i for i in self._given if i < index]:
                del self._given[old]
            return taken

    def reset(self) -> None:
        with self._lock:
            self._next = None
            self._given.clear()
