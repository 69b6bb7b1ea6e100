"""The recorded clip: opened, checked, and read at the package's size.

A clip is refused with a message a person can act on: too short, no sound, a variable
frame rate (phones record one unless told not to; the build cuts by time and the mouth
must stay in step with the voice), or not a video at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from livehost.avatar.package import AvatarError

MIN_SECONDS = 8.0  # shorter: too few mouths to choose from
WANT_SECONDS = 45.0  # shorter: mouth shapes will be missing (a warning)
VFR_TOLERANCE = 0.1  # a frame interval this far off the median is a variable frame rate
AUDIO_RATE = 16000  # what the audio-to-lip map is fitted on


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    seconds: float
    fps: float
    width: int
    height: int
    frames: int
    has_audio: bool

    def size_for(self, height: int) -> tuple[int, int]:
        """The package's frame size: `height` tall, the clip's shape, even sides."""
        width = round(self.width * height / self.height / 2) * 2
        return width, height


def open_clip(path: Path) -> ClipInfo:
    """The clip's facts; AvatarError if it cannot be used at all."""
    if not path.is_file():
        raise AvatarError(f"{path}: no such file")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise AvatarError(f"{path}: not a video PyAV can read ({exc})") from None
    with container:
        if not container.streams.video:
            raise AvatarError(f"{path}: has no video stream")
        stream = container.streams.video[0]
        times = [
            float(packet.pts * packet.time_base)
            for packet in container.demux(stream)
            if packet.pts is not None and packet.size
        ]
        has_audio = bool(container.streams.audio)
        width, height = stream.codec_context.width, stream.codec_context.height
    if len(times) < 2 or width <= 0 or height <= 0:
        raise AvatarError(f"{path}: has no frames")
    times.sort()
    steps = np.diff(times)
    step = float(np.median(steps))
    if step <= 0:  # frames stamped alike: no frame rate to read
        raise AvatarError(f"{path}: its frames carry no usable timestamps; convert it: "
                          "ffmpeg -i IN -vf fps=30 -c:a copy OUT")
    seconds = times[-1] - times[0] + step
    info = ClipInfo(path, seconds, round(1 / step, 3), width, height, len(times), has_audio)
    if np.mean(np.abs(steps - step) > VFR_TOLERANCE * step) > 0.02:
        raise AvatarError(
            f"{path}: the frame rate varies (frames {steps.min() * 1000:.0f} to "
            f"{steps.max() * 1000:.0f} ms apart); record at a constant frame rate (25 or 30 "
            "fps; on a phone, switch off the automatic frame rate) or convert it: "
            "ffmpeg -i IN -vf fps=30 -c:a copy OUT"
        )
    if seconds < MIN_SECONDS:
        raise AvatarError(
            f"{path}: {seconds:.1f} s is too short; a host needs at least {MIN_SECONDS:.0f} s "
            "of you (about a minute along `livehost avatar guide`)"
        )
    if not has_audio:
        raise AvatarError(
            f"{path}: has no sound; the build learns your mouth from your own voice, so "
            "record with the microphone on"
        )
    return info


def read_frames(info: ClipInfo, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """Every frame as RGB at `size` (width, height), in order."""
    with av.open(str(info.path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            if (rgb.shape[1], rgb.shape[0]) != size:
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            yield rgb


def read_audio(info: ClipInfo, rate: int = AUDIO_RATE) -> np.ndarray:
    """The clip's sound as mono int16 at `rate`, from the clip's start."""
    parts = []
    with av.open(str(info.path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        for frame in container.decode(audio=0):
            parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
        parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)
