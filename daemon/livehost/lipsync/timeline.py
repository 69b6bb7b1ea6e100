"""Speech chunks placed on the media clock, so any frame time finds what is being said."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from livehost.speech.chunk import SpeechChunk


@dataclass
class Placed:
    chunk: SpeechChunk
    start: float  # media seconds at which the chunk's first sample plays
    features: dict[str, object] = field(default_factory=dict)  # what an engine derived
    stop: float | None = None  # cut short here (an answer cut in between two words)
    cues: tuple[str, ...] = ()  # gestures and emotions the line asks the face for

    @property
    def end(self) -> float:
        end = self.start + self.chunk.duration
        return end if self.stop is None else min(end, self.stop)


class Timeline:
    """Chunks in play order. Times are media-clock seconds, never wall time."""

    def __init__(self) -> None:
        self._items: list[Placed] = []

    def place(self, chunk: SpeechChunk, start: float | None = None,
              cues: tuple[str, ...] = ()) -> Placed:
        """Put a chunk at `start`, or right after the last one. Overlaps are refused:
        the caller flushes first when an urgent utterance cuts in."""
        if start is None:
            start = self.end
        if self._items and start < self._items[-1].end - 1e-9:
            raise ValueError(f"chunk at {start:.3f}s overlaps speech until "
                             f"{self._items[-1].end:.3f}s; flush first")
        placed = Placed(chunk, start, cues=cues)
        self._items.append(placed)
        return placed

    @property
    def end(self) -> float:
        return self._items[-1].end if self._items else 0.0

    def at(self, t: float) -> Placed | None:
        i = bisect.bisect_right([p.start for p in self._items], t) - 1
        if i >= 0 and t < self._items[i].end:
            return self._items[i]
        return None

    def between(self, t0: float, t1: float) -> list[Placed]:
        return [p for p in self._items if p.end > t0 and p.start < t1]

    def flush(self, after: float) -> None:
        """Drop speech that starts at or after `after` (an urgent utterance replaces it);
        a chunk playing at `after` ends there."""
        self._items = [p for p in self._items if p.start < after]
        if self._items and self._items[-1].end > after:
            self._items[-1].stop = after

    def forget(self, before: float) -> None:
        """Drop speech that ended before `before` (already on air)."""
        self._items = [p for p in self._items if p.end >= before]

    def __len__(self) -> int:
        return len(self._items)
