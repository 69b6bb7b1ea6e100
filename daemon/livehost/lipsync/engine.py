"""The one interface every lip-sync engine implements (registry.py picks one from config).

The on-air loop owns the media clock: audio samples are the master count and video frame
n is shown at n / fps. It pushes each speech chunk with the media time its first sample
plays and pulls frame n when it needs it; the engine never looks at wall time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np

from livehost.avatar.package import Avatar
from livehost.lipsync.live import LiveTrack
from livehost.lipsync.timeline import Placed, Timeline
from livehost.speech.chunk import SpeechChunk


class LipSyncEngine(ABC):
    name = "base"
    kinds: tuple[str, ...] = ("portrait",)  # the avatar kinds (package `kind`) it plays

    def __init__(self, width: int, height: int, fps: int) -> None:
        if width % 2 or height % 2:
            raise ValueError("frame size must be even (H.264 4:2:0)")
        self.width, self.height, self.fps = width, height, fps
        self.timeline = Timeline()
        self.live = LiveTrack()  # a person's voice in a takeover: no phonemes, no text

    @abstractmethod
    def prepare(self, avatar: Avatar) -> None:  # a VideoAvatar for engines of kind video
        """Do the per-avatar work once (fields, crops, sessions) before frames are pulled."""

    def push(self, chunk: SpeechChunk, start: float | None = None,
             cues: tuple[str, ...] = ()) -> float:
        """Add speech that plays from media time `start` (default: after the last chunk),
        with the gestures and emotions its line asks for (`cues`: cart, follow, happy ...;
        an engine ignores those it cannot play). Returns the start used."""
        placed = self.timeline.place(chunk, start, cues)
        self._analyse(placed)
        return placed.start

    def push_live(self, audio: np.ndarray, rate: int, start: float) -> None:
        """Add live audio (int16 mono at `rate`) playing from media time `start`: a
        person's voice, a tick at a time, for the mouth to follow at once. Engines that
        shape the mouth from phonemes read `live` where no speech is placed."""
        self.live.add(audio, rate, start)

    def frame(self, index: int) -> np.ndarray:
        """Frame `index` (shown at index / fps): H x W x 3 uint8 RGB."""
        return next(self.frames(index, index + 1))

    @abstractmethod
    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        """Frames first .. stop-1, in order; engines may batch inside the range."""

    def flush(self, after: float) -> None:
        """Forget speech from media time `after` on (an urgent utterance replaces it)."""
        self.timeline.flush(after)

    def forget(self, before: float) -> None:
        """Release speech that finished playing before media time `before`."""
        self.timeline.forget(before)

    def time_of(self, index: int) -> float:
        return index / self.fps

    @abstractmethod
    def _analyse(self, placed: Placed) -> None:
        """Derive what the engine needs from a chunk once, when it is pushed."""
