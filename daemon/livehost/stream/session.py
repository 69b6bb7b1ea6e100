"""One connection to an ingest, as the output thread sees it: send ticks until it breaks.

Two kinds: PyAV encodes in this process and an ffmpeg child carries the FLV to the
ingest (the default, x264); GStreamer runs the whole encode-and-send pipeline in a
gst-launch child fed raw frames and samples (the Jetson's NVENC path). Either way the
network lives in a child process that can be killed when the link hangs.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

import av

from livehost.stream.encoder import EncoderSettings, PyAVEncoder, Tick
from livehost.stream.relay import FfmpegRelay, LinkDown
from livehost.stream.uplink import Totals

# What a broken session raises from send(): the output thread reconnects on these.
SESSION_ERRORS = (LinkDown, av.error.FFmpegError, OSError, ValueError)


class Session(Totals, Protocol):
    """A session's totals so far (`Totals`, what stream/uplink.py reads), and its verbs."""

    def send(self, tick: Tick) -> None: ...

    def finish(self) -> None:
        """End cleanly (flush the encoder, close the stream)."""

    def abort(self) -> None:
        """End at once; the link is broken or hung."""


class PyAVSession:
    def __init__(
        self, url: str, settings: EncoderSettings, metadata: dict[str, str], write_timeout: float
    ) -> None:
        self.relay = FfmpegRelay(url, write_timeout)
        try:
            self.encoder = PyAVEncoder(
                self.relay,
                "flv",
                settings,
                metadata,
                container_options={"flvflags": "no_duration_filesize"},
            )
        except Exception:
            self.relay.kill()
            raise

    @property
    def connected(self) -> bool:
        return self.relay.connected.is_set()

    @property
    def bytes_out(self) -> int:
        return self.encoder.bytes_out

    @property
    def video_bytes_out(self) -> int:
        return self.encoder.video_bytes_out

    @property
    def backlog_bytes(self) -> int:
        return self.relay.backlog_bytes

    @property
    def send_buffer_bytes(self) -> int:
        return self.relay.link.send_buffer()

    @property
    def blocked_seconds(self) -> float:
        return self.relay.blocked_seconds

    def send(self, tick: Tick) -> None:
        self.encoder.encode(tick)

    def finish(self) -> None:
        try:
            self.encoder.close(flush=True)
            self.relay.close()
        finally:
            self.relay.kill()

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the link is broken: nothing more to save
            self.encoder.container.close()
        self.relay.kill()
