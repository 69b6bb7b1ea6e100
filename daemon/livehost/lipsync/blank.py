"""The face of last resort: a dark host area, when neither the configured face nor the
demo avatar can load. The show stays on air with voice, captions, card and AI label."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from livehost.avatar.package import Avatar
from livehost.lipsync.engine import LipSyncEngine
from livehost.lipsync.timeline import Placed


class BlankEngine(LipSyncEngine):
    name = "blank"

    def __init__(self, width: int, height: int, fps: int) -> None:
        super().__init__(width, height, fps)
        self._frame = np.full((height, width, 3), 24, np.uint8)  # dark grey, not black

    def prepare(self, avatar: Avatar | None = None) -> None:
        pass

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        for _ in range(first, stop):
            yield self._frame

    def _analyse(self, placed: Placed) -> None:
        pass
