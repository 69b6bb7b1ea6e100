"""Writing H.264 + AAC to an MP4 file with PyAV, stamped from frame and sample counts."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


class Mp4Writer:
    def __init__(self, path: Path, width: int, height: int, fps: int, sample_rate: int,
                 video_kbps: int = 2500, audio_kbps: int = 128) -> None:
        self.container = av.open(str(path), "w")
        self.container.metadata["comment"] = "AIGC: AI-generated host (livehost preview)"
        v = self.container.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = width, height, "yuv420p"
        v.bit_rate = video_kbps * 1000
        v.options = {"preset": "veryfast"}
        a = self.container.add_stream("aac", rate=sample_rate, layout="mono")
        a.bit_rate = audio_kbps * 1000
        self.video, self.audio = v, a
        self.video_tb, self.audio_tb = Fraction(1, fps), Fraction(1, sample_rate)
        self.frames = 0
        self.samples = 0
        self.sample_rate = sample_rate

    def write_frame(self, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = self.frames  # the frame counter is the clock, never wall time
        frame.time_base = self.video_tb
        self.frames += 1
        for packet in self.video.encode(frame):
            self.container.mux(packet)

    def write_audio(self, pcm: np.ndarray) -> None:
        """Mono int16 samples; any length (the encoder re-blocks them)."""
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1).astype(np.int16), format="s16",
                                           layout="mono")
        frame.sample_rate = self.sample_rate
        frame.pts = self.samples
        frame.time_base = self.audio_tb
        self.samples += len(pcm)
        for packet in self.audio.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for stream in (self.video, self.audio):
            for packet in stream.encode(None):
                self.container.mux(packet)
        self.container.close()
