"""Encoding ticks to H.264 + AAC with PyAV (libx264 in software; the Jetson uses GStreamer).

A tick is one video frame plus the audio that plays during it. Timestamps come from the
tick index only (video pts = n in 1/fps, audio pts = n * samples_per_tick in
1/sample_rate), never from wall time, so A/V drift is zero by construction and a
reconnect continues the same timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import av
import cv2
import numpy as np

from livehost.config.outputs import VideoConfig

AUDIO_RATE = 48_000  # the media clock's sample rate; 48000 / 25 and / 30 are whole numbers

# Written into the stream's metadata (FLV onMetaData, MP4/MKV tags): the content is
# synthetic, as the EU AI Act (Art. 50) and China's GB 45438-2025 ask.
AIGC_METADATA = {
    "comment": "AI-generated content: the host is a synthetic person (livehost)",
    "AIGC": "1",
    "aigc_label": "AI-generated",
    "encoder_app": "livehost",
}


@dataclass
class Tick:
    index: int  # frame number on the media clock
    # I420 planes as one (height * 3 / 2, width) uint8 array, converted off the encode
    # thread. Shared by every output and never written to: each encoder wraps its own
    # frame around it, so a repeated picture can carry different timestamps safely.
    video: np.ndarray
    audio: np.ndarray  # int16 mono, exactly samples_per_tick long


def samples_per_tick(fps: int, rate: int = AUDIO_RATE) -> int:
    if rate % fps:
        raise ValueError(f"{rate} Hz audio does not divide into {fps} fps ticks")
    return rate // fps


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """RGB (h, w, 3) to the I420 layout Tick.video carries (BT.601, like x264's default)."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


@dataclass(frozen=True)
class EncoderSettings:
    width: int
    height: int
    fps: int
    video_kbps: int
    audio_kbps: int
    keyframe_seconds: float
    preset: str = "veryfast"
    # A poor uplink may step an RTMP output's video bitrate down to this (stream/uplink.py);
    # None, or video_kbps itself, keeps the bitrate fixed.
    min_video_kbps: int | None = None
    step_up_seconds: float = 30.0  # a clean link for this long tries the next rung up

    @classmethod
    def from_config(cls, video: VideoConfig) -> EncoderSettings:
        return cls(
            video.width,
            video.height,
            video.fps,
            video.bitrate_kbps,
            video.audio_bitrate_kbps,
            video.keyframe_seconds,
            min_video_kbps=video.min_bitrate_kbps,
            step_up_seconds=video.step_up_seconds,
        )

    @property
    def gop(self) -> int:
        return max(1, round(self.fps * self.keyframe_seconds))


class PyAVEncoder:
    """One output container with an H.264 and an AAC stream, fed tick by tick."""

    def __init__(
        self,
        target: str | BinaryIO,
        format: str,
        settings: EncoderSettings,
        metadata: dict[str, str] | None = None,
        container_options: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        # Into a pipe, write in small pieces: PyAV's default 32 kB buffer adds latency.
        extra = {} if isinstance(target, str) else {"buffer_size": 4096}
        self.container = av.open(
            target, "w", format=format, container_options=container_options or {}, **extra
        )
        for key, value in {**AIGC_METADATA, **(metadata or {})}.items():
            self.container.metadata[key] = value
        kbps = settings.video_kbps
        self.video = self.container.add_stream(
            "libx264",
            rate=settings.fps,
            options={
                "preset": settings.preset,
                "tune": "zerolatency",  # no lookahead: frames leave as they come in
                "g": str(settings.gop),
                "keyint_min": str(settings.gop),
                "sc_threshold": "0",  # keyframes on the clock, not on scene cuts
                # Constant bitrate, as ingests ask for; it also makes a hung link show up in
                # a predictable time (the buffers on the way fill at a known rate).
                "x264-params": "nal-hrd=cbr",
                "minrate": f"{kbps}k",
                "maxrate": f"{kbps}k",
                "bufsize": f"{kbps * 2}k",
                "profile": "main",
            },
        )
        self.video.width, self.video.height = settings.width, settings.height
        self.video.pix_fmt = "yuv420p"
        self.video.bit_rate = kbps * 1000
        self.video.codec_context.time_base = Fraction(1, settings.fps)
        self.audio = self.container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        self.audio.bit_rate = settings.audio_kbps * 1000
        self.samples_per_tick = samples_per_tick(settings.fps)
        self.bytes_out = 0
        self.video_bytes_out = 0  # of bytes_out: what a poor uplink's bitrate steps act on

    def encode(self, tick: Tick) -> None:
        frame = av.VideoFrame.from_ndarray(tick.video, format="yuv420p")
        frame.pts = tick.index
        frame.time_base = Fraction(1, self.settings.fps)
        for packet in self.video.encode(frame):
            self.bytes_out += packet.size
            self.video_bytes_out += packet.size
            self.container.mux(packet)
        sound = av.AudioFrame.from_ndarray(tick.audio.reshape(1, -1), format="s16", layout="mono")
        sound.sample_rate = AUDIO_RATE
        sound.pts = tick.index * self.samples_per_tick
        sound.time_base = Fraction(1, AUDIO_RATE)
        for packet in self.audio.encode(sound):
            self.bytes_out += packet.size
            self.container.mux(packet)

    def close(self, flush: bool = True) -> None:
        try:
            if flush:
                for stream in (self.video, self.audio):
                    for packet in stream.encode(None):
                        self.container.mux(packet)
        finally:
            self.container.close()
