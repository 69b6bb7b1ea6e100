"""Thread death and the watchdog: a show thread that fails is started again (counted),
one that keeps failing stops the show with a reason (the daemon exits non-zero), and
one stuck inside a call stops the systemd watchdog's pings, not only a stuck ticker.

The faults are injected by wrapping the real face and voice; the show, the recorder and
the encoder are real, and the recording must carry a moving picture after a recovery.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import av
import numpy as np
from tests.onair.conftest import wait_for
from tests.onair.daemon_helpers import write_setup
from tests.onair.test_show_loop import FPS, Show

import livehost.daemon as daemon_module
from livehost.config.device import load_config
from livehost.daemon import Daemon, RunOptions
from livehost.show import loop as loop_module
from livehost.system import supervise
from livehost.system.notify import Notifier
from livehost.system.watchdog import Watchdog


class FailingFace:
    """The real face, raising on `fail_frames` calls of frame() (every call when None)."""

    def __init__(self, face, fail_frames: int | None, hang: threading.Event | None = None):
        self.face = face
        self.left = fail_frames
        self.hang = hang  # set: frame() blocks until it is cleared (a hung engine)
        self.calls = 0

    def frame(self, index: int) -> np.ndarray:
        self.calls += 1
        if self.hang is not None and self.hang.is_set():
            while self.hang.is_set():
                time.sleep(0.05)
        if self.left is None or self.left > 0:
            if self.left is not None:
                self.left -= 1
            raise RuntimeError("injected face failure")
        return self.face.frame(index)

    def __getattr__(self, name: str):
        return getattr(self.face, name)


def mean_motion(path: Path, start: float) -> float:
    """Mean absolute difference between consecutive decoded frames after `start` seconds."""
    diffs, last = [], None
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is None or frame.time < start:
                continue
            gray = frame.to_ndarray(format="gray").astype(np.int16)
            if last is not None:
                diffs.append(np.abs(gray - last).mean())
            last = gray
    assert diffs, "no frames after the recovery"
    return float(np.mean(diffs))


def stream_ends_and_voice(path: Path, start: float) -> tuple[float, float, float]:
    """End times of the video and audio streams, and the RMS of the audio after `start`."""
    ends = {"video": 0.0, "audio": 0.0}
    samples = []
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is None or packet.duration is None:
                continue
            kind = packet.stream.type
            end = float((packet.pts + packet.duration) * packet.time_base)
            ends[kind] = max(ends[kind], end)
            if kind == "audio" and float(packet.pts * packet.time_base) >= start:
                for frame in packet.decode():
                    samples.append(frame.to_ndarray().astype(np.float32).reshape(-1))
    audio = np.concatenate(samples) if samples else np.zeros(1, np.float32)
    if np.abs(audio).max() <= 1.0:  # AAC decodes to float in [-1, 1]
        audio = audio * 32768
    return ends["video"], ends["audio"], float(np.sqrt(np.mean(audio**2)))


def test_a_renderer_that_fails_is_started_again_and_the_picture_moves(tmp_path) -> None:
    show = Show(tmp_path / "unit")
    show.loop.face = FailingFace(show.loop.face, fail_frames=3)
    with show:
        wait_for(lambda: show.status.thread_restarts.get("renderer", 0) >= 3, 20, 0.05)
        recovered = show.status.ticks / FPS
        time.sleep(4)
    assert show.loop.failure is None
    assert show.status.thread_restarts == {"renderer": 3}
    assert "injected face failure" in show.status.thread_problem
    assert show.status.ticks >= 4 * FPS  # the ticker never stopped
    # the renderer draws again: the face moves in the recording after the failures,
    # the voice goes on, and picture and sound stay within a frame of each other
    recording = show.recorder.files[0]
    assert mean_motion(recording, recovered + 0.5) > 0.05
    video_end, audio_end, loudness = stream_ends_and_voice(recording, recovered + 0.5)
    assert loudness > 300, "no voice after the recovery"
    assert abs(video_end - audio_end) <= 1 / FPS + 1024 / 48000


def test_a_renderer_that_keeps_failing_stops_the_show_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(supervise, "RESTART_BUDGET", 2)
    show = Show(tmp_path / "unit")
    show.loop.face = FailingFace(show.loop.face, fail_frames=None)
    with show:
        assert show.loop.finished.wait(20), "the loop went on with a dead renderer"
    assert show.loop.failure is not None
    assert "renderer failed 3 times" in show.loop.failure
    assert "injected face failure" in show.loop.failure


def test_a_hung_face_stops_the_watchdog_although_the_ticker_beats(tmp_path, monkeypatch):
    monkeypatch.setitem(loop_module.STALL_AFTER, "renderer", 1.0)
    pings: list[str] = []
    hang = threading.Event()
    show = Show(tmp_path / "unit")
    show.loop.face = FailingFace(show.loop.face, fail_frames=0, hang=hang)
    watchdog = Watchdog(
        Notifier(lambda m: pings.append(m) or True, 0.4), stale_after=2.0, also=show.loop.stalled
    )
    show.loop.heartbeat = watchdog.beat
    with show:
        watchdog.start()
        try:
            wait_for(lambda: pings.count("WATCHDOG=1") >= 3, 10, 0.05)
            hang.set()
            wait_for(lambda: any("renderer has not moved" in p for p in pings), 10, 0.05)
            ticks = show.status.ticks
            withheld = watchdog.pings_withheld
            time.sleep(1.0)
            assert show.status.ticks > ticks  # the ticker still beats: late frames go out
            assert watchdog.pings_withheld > withheld  # but no WATCHDOG=1 while hung
            assert pings[-1] != "WATCHDOG=1"
            hang.clear()
            wait_for(lambda: pings[-1] == "WATCHDOG=1", 10, 0.05)
        finally:
            watchdog.stop()


def test_a_hung_voice_stops_the_watchdog(tmp_path, monkeypatch):
    monkeypatch.setitem(loop_module.STALL_AFTER, "producer", 1.5)
    show = Show(tmp_path / "unit")
    hang = threading.Event()
    real = show.loop.speech

    class HungSpeech:
        sample_rate = real.sample_rate
        language = real.language

        def synthesize(self, text, cancel=None):
            while not hang.is_set():
                time.sleep(0.05)
            yield from real.synthesize(text, cancel)

    show.loop.speech = HungSpeech()
    with show:
        took = wait_for(lambda: show.loop.stalled() is not None, 10, 0.05)
        assert "producer has not moved" in show.loop.stalled()
        assert took >= 1.4
        hang.set()
        wait_for(lambda: show.loop.stalled() is None, 10, 0.05)


def test_the_daemon_exits_non_zero_when_the_show_gives_up(tmp_path, monkeypatch):
    """A fatal state must not end with status 0: Restart=on-failure would not restart."""
    monkeypatch.setattr(supervise, "RESTART_BUDGET", 1)
    real_load_face = daemon_module.load_face
    monkeypatch.setattr(
        daemon_module,
        "load_face",
        lambda *a, **k: FailingFace(real_load_face(*a, **k), fail_frames=None),
    )
    loaded = load_config(write_setup(tmp_path / "unit"))
    daemon = Daemon(loaded, RunOptions(duration=60))
    safety = threading.Timer(40, daemon.request_exit, (0,))  # it must end well before this
    safety.start()
    try:
        code = daemon.run()  # in the main thread: it installs signal handlers
    finally:
        safety.cancel()
    assert code == daemon_module.EXIT_SHOW_FAILED
    assert "renderer failed" in (daemon.loop.failure or "")


def test_an_output_thread_that_fails_goes_on_and_one_that_keeps_failing_is_given_up(
    rtmp_recording, monkeypatch
) -> None:
    from tests.onair.conftest import NoiseSource

    from livehost.stream.encoder import EncoderSettings
    from livehost.stream.output import RtmpOutput

    url = f"rtmp://127.0.0.1:{rtmp_recording.port}/live/threads"
    output = RtmpOutput("main", url, EncoderSettings(640, 360, 25, 800, 64, 2.0))
    real_open = output.open_session
    calls = {"n": 0}

    def flaky_open():
        calls["n"] += 1
        if calls["n"] <= 2:  # a bug in the session code, not a broken link
            raise RuntimeError("injected output failure")
        return real_open()

    output.open_session = flaky_open
    output.start()
    try:
        with NoiseSource([output]):
            wait_for(lambda: output.status.state == "on_air", 20, 0.05)
        assert output.status.thread_restarts == 2
    finally:
        output.stop()

    monkeypatch.setattr(supervise, "RESTART_BUDGET", 1)
    broken = RtmpOutput("broken", url, EncoderSettings(640, 360, 25, 800, 64, 2.0))
    broken.open_session = lambda: (_ for _ in ()).throw(RuntimeError("always broken"))
    broken.start()
    try:
        with NoiseSource([broken]):
            wait_for(lambda: broken.status.state == "failed", 20, 0.05)
        assert "failed 2 times" in broken.status.last_error
    finally:
        broken.stop()
