"""A product's pitch as it would go on air, rendered to an MP4 file instead of streamed.

The real show runs here (director pinned to the product, with the approved scripts, voice,
face, compositor with the product card, captions and the AI label) without pacing, for
as long as asked. Frames are stamped from the media clock as on air.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import cv2
import numpy as np

from livehost.lipsync.engine import LipSyncEngine
from livehost.preview.sheet import contact_sheet
from livehost.render.compositor import Compositor
from livehost.schedule.model import Schedule
from livehost.show.director import ApprovedScripts, Director
from livehost.show.inbox import Pin
from livehost.show.loop import ShowLoop, ShowOptions
from livehost.show.status import ShowStatus
from livehost.speech.engine import SpeechEngine
from livehost.stream.encoder import EncoderSettings, PyAVEncoder, Tick

DEFAULT_SECONDS = 90.0  # long enough for an intro, features, the price and a call to action


@dataclass(frozen=True)
class PreviewResult:
    path: Path
    duration: float  # seconds, audio and video alike
    frames: int
    utterances: int


class FileOutput:
    """Encodes every tick on the caller's thread (so an unpaced show waits for it) and
    keeps every `every`-th frame for the contact sheet."""

    def __init__(
        self, target: str | BinaryIO, settings: EncoderSettings, every: int, format: str = "mp4"
    ) -> None:
        self.encoder = PyAVEncoder(
            target, format, settings, {"comment": "AIGC preview: AI-generated host (livehost)"}
        )
        self.every = every
        self.picked: list[tuple[float, np.ndarray]] = []
        self.frames = 0
        self.fps = settings.fps

    def offer(self, tick: Tick) -> None:
        self.encoder.encode(tick)
        self.frames += 1
        if tick.index % self.every == 0:
            rgb = cv2.cvtColor(tick.video, cv2.COLOR_YUV2RGB_I420)
            self.picked.append((tick.index / self.fps, rgb))


def render_preview(
    schedule: Schedule,
    product_id: str,
    zone: ZoneInfo,
    speech: SpeechEngine,
    face: LipSyncEngine,
    compositor: Compositor,
    out: Path,
    sheet: Path | None = None,
    image_path: Callable[[str | None], str | None] = lambda p: p,
    progress: Callable[[str, float], None] | None = None,
    seconds: float = DEFAULT_SECONDS,
    scripts: ApprovedScripts | None = None,
) -> PreviewResult:
    lay = compositor.layout
    settings = EncoderSettings(lay.width, lay.height, face.fps, 2500, 128, 2.0)
    output = FileOutput(str(out), settings, every=face.fps * 3)
    status = ShowStatus()
    director = Director.for_schedule(lambda: schedule, zone, seed=7, scripts=lambda: scripts)
    director.inbox.put(Pin(product_id))
    loop = ShowLoop(
        director,
        speech,
        face,
        compositor,
        [output],
        status,
        ShowOptions(fps=face.fps, paced=False),
        image_path=image_path,
        start_wall=datetime.now(timezone.utc),
    )
    loop.start(duration=seconds)
    while not loop.finished.wait(1.0):
        if progress:
            progress("rendering", min(0.99, status.ticks / (face.fps * seconds)))
    loop.stop()
    output.encoder.close()
    if sheet is not None and output.picked:
        contact_sheet(output.picked[:12], sheet)
    if progress:
        progress("done", 1.0)
    return PreviewResult(out, output.frames / face.fps, output.frames, status.utterances)
