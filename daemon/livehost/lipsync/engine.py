"""The one interface both lip-sync engines implement, and picking one from config.

The on-air loop owns the media clock: audio samples are the master count and video frame
n is shown at n / fps. It pushes each speech chunk with the media time its first sample
plays and pulls frame n when it needs it; the engine never looks at wall time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from livehost.avatar.package import Avatar
from livehost.config.engines import EnginesConfig
from livehost.lipsync.timeline import Placed, Timeline
from livehost.speech.chunk import SpeechChunk


class LipSyncEngine(ABC):
    name = "base"

    def __init__(self, width: int, height: int, fps: int) -> None:
        if width % 2 or height % 2:
            raise ValueError("frame size must be even (H.264 4:2:0)")
        self.width, self.height, self.fps = width, height, fps
        self.timeline = Timeline()

    @abstractmethod
    def prepare(self, avatar: Avatar) -> None:
        """Do the per-avatar work once (fields, crops, sessions) before frames are pulled."""

    def push(self, chunk: SpeechChunk, start: float | None = None) -> float:
        """Add speech that plays from media time `start` (default: after the last chunk).
        Returns the start used."""
        placed = self.timeline.place(chunk, start)
        self._analyse(placed)
        return placed.start

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


def load_lipsync_engine(engines: EnginesConfig, width: int, height: int, fps: int,
                        cache_dir: Path | None = None, model_dir: Path | None = None
                        ) -> LipSyncEngine:
    """The engine named in config (`engines.lipsync`), not yet prepared with an avatar."""
    if engines.lipsync == "warp":
        from livehost.lipsync.warp.engine import WarpEngine

        return WarpEngine(width, height, fps, cache_dir=cache_dir)
    from livehost.lipsync.onnx.engine import OnnxEngine

    if not engines.lipsync_model:
        raise ValueError("engines.lipsync is onnx but engines.lipsync_model names no model "
                         "manifest (a .json next to the user-supplied .onnx)")
    manifest = Path(engines.lipsync_model)
    if model_dir is not None and not manifest.is_absolute():
        manifest = model_dir / manifest
    return OnnxEngine.from_manifest(manifest, width, height, fps, providers=engines.providers,
                                    threads=engines.threads, cache_dir=cache_dir)
