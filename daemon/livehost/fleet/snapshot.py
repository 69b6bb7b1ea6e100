"""Snapshots: the last frame on air as a small JPEG, converted only when one is due.

`FrameTap` sits among the show loop's outputs and keeps a reference to each tick's I420
picture (no copy, no conversion): the media path pays one attribute store per frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from livehost.stream.encoder import Tick

SNAPSHOT_WIDTH = 320
JPEG_QUALITY = 70


class FrameTap:
    def __init__(self) -> None:
        self.video: np.ndarray | None = None
        self.index = -1

    def offer(self, tick: Tick) -> None:
        self.video = tick.video  # frames are never modified after rendering
        self.index = tick.index


def i420_to_jpeg(
    i420: np.ndarray, width: int = SNAPSHOT_WIDTH, quality: int = JPEG_QUALITY
) -> bytes:
    """An I420 frame (height * 3/2 rows) as a JPEG `width` pixels wide."""
    bgr = cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)
    height = max(2, round(bgr.shape[0] * width / bgr.shape[1]))
    small = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()
