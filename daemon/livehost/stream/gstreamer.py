"""The GStreamer encoder backend: the same ticks, encoded and sent by a gst-launch child.

On a Jetson Orin NX/AGX the H.264 encode runs on NVENC (nvv4l2h264enc); elsewhere the
same pipeline uses x264enc. Raw I420 frames and s16 samples go in through two pipes;
rawvideoparse and rawaudioparse stamp them from frame and sample counts, so the media
clock stays the only clock. flvmux is always fed audio (it stalls on a starved pad).
No PyGObject is needed, and a hung link is ended by killing the child.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import threading
import time

from livehost.stream.encoder import AUDIO_RATE, EncoderSettings, Tick
from livehost.stream.linksocket import LinkSocket, ReaderWatch
from livehost.stream.relay import LinkDown, Waited, open_pipe_for_writing, write_with_deadline

VIDEO_FD, AUDIO_FD = 3, 4


def build_pipeline(
    settings: EncoderSettings,
    url: str,
    nvenc: bool,
    video_fd: int = VIDEO_FD,
    audio_fd: int = AUDIO_FD,
) -> str:
    """The gst-launch-1.0 pipeline description for one RTMP session."""
    s = settings
    frame_bytes = s.width * s.height * 3 // 2
    video_in = (
        f"fdsrc fd={video_fd} blocksize={frame_bytes} ! "
        f"rawvideoparse format=i420 width={s.width} height={s.height} framerate={s.fps}/1 ! "
        "queue max-size-buffers=30 max-size-bytes=0 max-size-time=0"
    )
    if nvenc:
        encode = (
            "nvvidconv ! video/x-raw(memory:NVMM),format=NV12 ! "
            f"nvv4l2h264enc bitrate={s.video_kbps * 1000} control-rate=1 "
            f"iframeinterval={s.gop} idrinterval={s.gop} insert-sps-pps=true "
            "preset-level=1 maxperf-enable=true"
        )
    else:
        encode = (
            f"x264enc bitrate={s.video_kbps} tune=zerolatency speed-preset={s.preset} "
            f"key-int-max={s.gop} option-string=nal-hrd=cbr"
        )
    audio_in = (
        f"fdsrc fd={audio_fd} blocksize={AUDIO_RATE // s.fps * 2} ! "
        f"rawaudioparse format=pcm pcm-format=s16le sample-rate={AUDIO_RATE} num-channels=1 ! "
        "queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! audioconvert ! "
        f"avenc_aac bitrate={s.audio_kbps * 1000} ! aacparse"
    )
    sink = f"rtmpsink location={shlex.quote(url + ' live=1')} sync=false"
    return (
        f"{video_in} ! {encode} ! h264parse config-interval=-1 ! queue ! mux. "
        f"{audio_in} ! queue ! mux. "
        f"flvmux name=mux streamable=true ! {sink}"
    )


def bytes_at_cbr(ticks: int, settings: EncoderSettings) -> int:
    """What `ticks` frames of the stream amount to at the configured video and audio rates."""
    seconds = ticks / settings.fps
    return int(seconds * (settings.video_kbps + settings.audio_kbps) * 1000 / 8)


class GStreamerSession:
    def __init__(
        self, url: str, settings: EncoderSettings, nvenc: bool, write_timeout: float = 2.0
    ) -> None:
        self.settings = settings
        self.write_timeout = write_timeout
        binary = shutil.which("gst-launch-1.0") or "gst-launch-1.0"
        video_r, self._video_w = os.pipe()
        audio_r, self._audio_w = os.pipe()
        # pass_fds keeps the numbers, so the pipeline names the read ends directly
        pipeline = build_pipeline(settings, url, nvenc, video_fd=video_r, audio_fd=audio_r)
        self.proc = subprocess.Popen(
            [binary, "-e", *shlex.split(pipeline)],
            pass_fds=(video_r, audio_r),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        os.close(video_r)
        os.close(audio_r)
        open_pipe_for_writing(self._video_w, 1 << 20)
        open_pipe_for_writing(self._audio_w, 1 << 16)
        self._playing = threading.Event()
        self.last_error = ""
        # a short uplink backs up through rtmpsink, flvmux and the queues to our pipes
        self.waited = Waited()
        self.link = LinkSocket(self.proc.pid)
        self.reader = ReaderWatch(self.link, write_timeout)
        self._sent = 0
        threading.Thread(target=self._read_log, name="gst-log", daemon=True).start()

    def _read_log(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if "PLAYING" in line:
                self._playing.set()
            elif line.startswith("ERROR") and not self.last_error:
                self.last_error = line

    @property
    def connected(self) -> bool:
        # rtmpsink connects with the first buffer; a pipeline that reached PLAYING and
        # took a second of data without an error is on air.
        return self._playing.is_set() and self._sent > self.settings.fps and not self.last_error

    @property
    def bytes_out(self) -> int:
        """Bytes sent, as the encoders' constant bitrates make them: the child encodes and
        muxes, so the exact count never comes back through the pipes."""
        return bytes_at_cbr(self._sent, self.settings)

    @property
    def backlog_bytes(self) -> int:
        return self.link.backlog() if self.connected else 0

    @property
    def send_buffer_bytes(self) -> int:
        return self.link.send_buffer()

    @property
    def video_bytes_out(self) -> int:
        s = self.settings  # bytes_at_cbr's sum, video only
        return int(self._sent / s.fps * s.video_kbps * 1000 / 8)

    @property
    def blocked_seconds(self) -> float:
        return self.waited.seconds

    def _check(self) -> None:
        if self.proc.poll() is not None:
            raise LinkDown(
                self.last_error or f"gst-launch exited with status {self.proc.returncode}"
            )
        if self.connected and self.reader.stopped(time.monotonic()):
            raise LinkDown(f"the ingest stopped reading for {self.write_timeout:g} s (hung link)")

    def send(self, tick: Tick) -> None:
        write_with_deadline(self._video_w, tick.video, self.write_timeout, self._check, self.waited)
        write_with_deadline(self._audio_w, tick.audio, self.write_timeout, self._check, self.waited)
        self._sent += 1

    def finish(self) -> None:
        self.link.close()
        self._close_pipes()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.abort()

    def abort(self) -> None:
        self._close_pipes()
        running = self.proc.poll() is None
        # the ingest hears at once that this publish is over; also when gst-launch exited
        # by itself: our copy is then the last holder, and a graceful close drains it
        self.link.reset(child_running=running)
        if running:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=5)
        self.link.close()

    def _close_pipes(self) -> None:
        for fd in (self._video_w, self._audio_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._video_w = self._audio_w = -1
