"""Speech, face and captions on one media clock, into an MP4 file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from livehost.lipsync.engine import LipSyncEngine
from livehost.preview.mp4 import Mp4Writer
from livehost.preview.overlay import draw_caption, draw_label
from livehost.preview.sheet import contact_sheet
from livehost.speech.chunk import SpeechChunk

log = logging.getLogger(__name__)
LEAD_IN = 0.3  # seconds of the idle face before the first word
PAUSE = 0.25  # between sentences


@dataclass(frozen=True)
class PreviewResult:
    path: Path
    duration: float  # seconds, audio and video alike
    frames: int
    chunks: int


def render_preview(chunks: list[SpeechChunk], face: LipSyncEngine, out: Path,
                   sheet: Path | None = None, sheet_frames: int = 12,
                   progress: Callable[[str, float], None] | None = None) -> PreviewResult:
    """Place the chunks on the media clock, then write every frame and its audio."""
    if not chunks:
        raise ValueError("nothing to say: the speech engine returned no audio")
    rate = chunks[0].sample_rate
    captions: list[tuple[float, float, str]] = []
    start = LEAD_IN
    for chunk in chunks:
        if chunk.sample_rate != rate:
            raise ValueError("speech chunks changed sample rate mid-pitch")
        face.push(chunk, start)
        captions.append((start, start + chunk.duration, chunk.text))
        start += chunk.duration + PAUSE
    end = face.timeline.end + LEAD_IN
    total_samples = round(end * rate)
    audio = np.zeros(total_samples, np.int16)
    for chunk, (t0, _, _) in zip(chunks, captions, strict=True):
        i = round(t0 * rate)
        audio[i: i + len(chunk.audio)] = chunk.audio[: total_samples - i]
    n_frames = int(np.ceil(end * face.fps))
    wanted = set(np.linspace(0, n_frames - 1, sheet_frames).round().astype(int)) if sheet else set()
    picked: list[tuple[float, np.ndarray]] = []
    writer = Mp4Writer(out, face.width, face.height, face.fps, rate)
    try:
        per_frame = rate / face.fps
        for n, frame in enumerate(face.frames(0, n_frames)):
            t = n / face.fps
            draw_caption(frame, next((c for a, b, c in captions if a <= t < b), ""))
            draw_label(frame)
            writer.write_frame(frame)
            # Audio up to the end of this frame, by sample count: no drift by construction.
            upto = min(total_samples, round((n + 1) * per_frame))
            if upto > writer.samples:
                writer.write_audio(audio[writer.samples: upto])
            if n in wanted:
                picked.append((t, frame.copy()))
            if progress and n % face.fps == 0:
                progress("rendering", n / n_frames)
        if writer.samples < total_samples:
            writer.write_audio(audio[writer.samples:])
    finally:
        writer.close()
    if sheet is not None:
        contact_sheet(picked, sheet)
    if progress:
        progress("done", 1.0)
    return PreviewResult(out, end, n_frames, len(chunks))
