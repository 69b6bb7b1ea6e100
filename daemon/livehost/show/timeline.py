"""Speech placed on the media clock: audio samples and the captions that go with them.

The producer writes utterances ahead of time at sample positions; the renderer reads the
samples for each tick. Positions are counts of samples at the media clock's rate since
the show started: the one clock everything is stamped from. Where nothing was written
the reader gets silence, so a late producer means silence, never a gap.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Caption:
    start: int  # sample position where the sentence starts playing
    end: int
    text: str
    utterance_id: int
    # where words end inside it (sample positions of the pauses between words): an answer
    # may cut the sentence at the next one instead of waiting for its end
    breaks: tuple[int, ...] = ()
    whole: bool = False  # said to its end whatever cuts in (an urgent line, the AI notice)


class SpeechTimeline:
    def __init__(self) -> None:
        self._starts: list[int] = []
        self._pieces: list[np.ndarray] = []
        self._captions: list[Caption] = []
        self._lock = threading.Lock()
        self.end = 0  # first sample after the last piece written

    def write(self, position: int, samples: np.ndarray, caption: Caption | None = None) -> None:
        """Place int16 samples at `position` (at or after `end`)."""
        with self._lock:
            if position < self.end:
                raise ValueError(f"position {position} overlaps speech up to {self.end}")
            self._starts.append(position)
            self._pieces.append(samples.astype(np.int16, copy=False))
            self.end = position + len(samples)
            if caption is not None:
                self._captions.append(caption)

    def read(self, position: int, count: int) -> np.ndarray:
        """Samples [position, position + count); silence where nothing was written."""
        out = np.zeros(count, np.int16)
        stop = position + count
        with self._lock:
            first = max(0, bisect.bisect_right(self._starts, position) - 1)
            for i in range(first, len(self._starts)):
                start = self._starts[i]
                if start >= stop:
                    break
                piece = self._pieces[i]
                lo, hi = max(start, position), min(start + len(piece), stop)
                if lo < hi:
                    out[lo - position : hi - position] = piece[lo - start : hi - start]
        return out

    def caption_at(self, position: int) -> Caption | None:
        with self._lock:
            for caption in reversed(self._captions):
                if caption.start <= position < caption.end:
                    return caption
                if caption.end <= position:
                    return None
        return None

    def captions_from(self, position: int) -> list[Caption]:
        """Sentences that end after `position`: what is playing or still to come."""
        with self._lock:
            return [c for c in self._captions if c.end > position]

    def flush(self, after: int) -> None:
        """Forget everything that starts at or after `after` (an urgent line replaces it);
        a piece that is playing at `after` is cut there."""
        with self._lock:
            keep = bisect.bisect_left(self._starts, after)
            del self._starts[keep:]
            del self._pieces[keep:]
            if self._pieces:
                last_start = self._starts[-1]
                piece = self._pieces[-1]
                if last_start + len(piece) > after:
                    self._pieces[-1] = piece[: after - last_start]
            self._captions = [
                Caption(
                    c.start,
                    min(c.end, after),
                    c.text,
                    c.utterance_id,
                    tuple(b for b in c.breaks if b < after),
                    c.whole,
                )
                for c in self._captions
                if c.start < after
            ]
            if self._starts:
                self.end = self._starts[-1] + len(self._pieces[-1])
            else:
                self.end = min(self.end, after)

    def forget(self, before: int) -> None:
        """Drop pieces that finished playing before `before` (keeps memory flat)."""
        with self._lock:
            drop = 0
            while (
                drop < len(self._starts) and self._starts[drop] + len(self._pieces[drop]) <= before
            ):
                drop += 1
            del self._starts[:drop]
            del self._pieces[:drop]
            self._captions = [c for c in self._captions if c.end > before]
