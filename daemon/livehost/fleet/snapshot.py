"""Snapshots: the last frame on air as a small JPEG (or, asked for, one at the stream's
own size), converted only when one is due.

`FrameTap` sits among the show loop's outputs and keeps a reference to each tick's I420
picture (no copy, no conversion): the media path pays one attribute store per frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from livehost.stream.encoder import Tick

SNAPSHOT_WIDTH = 320
JPEG_QUALITY = 70
# A full frame must pass the broker's packet limit (etc/mosquitto: max_packet_size 400000)
# and stay under what the agent itself accepts (MaximumPacketSize, 320 KiB), topic included.
FULL_MAX_BYTES = 300 * 1024
FULL_QUALITIES = (85, 70, 55, 40)  # tried in turn until the JPEG fits


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


def i420_to_full_jpeg(
    i420: np.ndarray, max_bytes: int = FULL_MAX_BYTES
) -> tuple[bytes, tuple[int, int]]:
    """An I420 frame as a JPEG at its own size, (JPEG, (width, height)). A busy picture
    that will not fit `max_bytes` loses quality first, then size, so it always fits."""
    bgr = cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)
    while True:
        for quality in FULL_QUALITIES:
            ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            if data.nbytes <= max_bytes or bgr.shape[1] <= SNAPSHOT_WIDTH:
                return data.tobytes(), (bgr.shape[1], bgr.shape[0])
        size = (bgr.shape[1] * 3 // 4, max(2, bgr.shape[0] * 3 // 4))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
