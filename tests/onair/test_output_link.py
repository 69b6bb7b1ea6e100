"""An RTMP output against a real nginx-rtmp that dies, comes back, and hangs."""

from __future__ import annotations

import itertools
import subprocess
import time
from pathlib import Path

from livehost.devservers import free_port
from livehost.stream.encoder import EncoderSettings
from livehost.stream.output import RtmpOutput

from .conftest import NoiseSource, wait_for

SETTINGS = EncoderSettings(640, 360, 25, 1500, 64, 2.0)


def test_killed_ingest_is_noticed_and_back_on_air_within_a_second(rtmp) -> None:
    output = RtmpOutput("main", f"rtmp://127.0.0.1:{rtmp.port}/live/key", SETTINGS)
    output.start()
    try:
        with NoiseSource([output]):
            wait_for(lambda: output.status.state == "on_air", 10)
            sent_before = output.status.sent_ticks
            bytes_before = output.status.bytes_sent
            rtmp.kill()
            # ffmpeg reports the broken pipe ~0.8 s after the kill (measured); allow slack
            noticed = wait_for(lambda: output.status.state != "on_air", 5)
            assert noticed < 3.0
            rtmp.start()  # returns once the server accepts connections
            back = wait_for(lambda: output.status.state == "on_air", 5)
            assert back < 1.0, f"back on air {back:.2f} s after the server was ready"
            wait_for(lambda: output.status.sent_ticks > sent_before + 25, 5)
            # counted over both sessions: per session it fell back to 0 and the fleet's
            # bitrate went negative
            assert output.status.bytes_sent > bytes_before > 0
        assert output.status.reconnects == 1
        assert output.status.sessions == 2
    finally:
        output.stop()


def test_hung_ingest_is_detected_within_five_seconds(rtmp) -> None:
    output = RtmpOutput("main", f"rtmp://127.0.0.1:{rtmp.port}/live/key", SETTINGS)
    output.start()
    try:
        with NoiseSource([output]):
            wait_for(lambda: output.status.state == "on_air", 10)
            rtmp.pause()
            try:
                detected = wait_for(lambda: output.status.state != "on_air", 8)
            finally:
                rtmp.resume()
            assert detected <= 5.0, f"hung link noticed after {detected:.1f} s"
            error = output.status.last_error
            assert any(words in error for words in ("hung", "took no data", "timed out")), error
            wait_for(lambda: output.status.state == "on_air", 10)
    finally:
        output.stop()


def test_unreachable_ingest_never_blocks_the_caller() -> None:
    output = RtmpOutput("main", f"rtmp://127.0.0.1:{free_port()}/live/key", SETTINGS)
    output.start()
    try:
        started = time.monotonic()
        with NoiseSource([output]):
            wait_for(lambda: output.status.dropped_ticks > 25, 5)
        # offer() never waited: more than a second of ticks went by at the real-time pace
        assert time.monotonic() - started < 3
        assert output.status.state == "connecting"
        assert "cannot reach" in output.status.last_error
    finally:
        output.stop()


def _capture(port: int, out: Path) -> None:
    """Two seconds of video as a player of the `atc` application sees them."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i",
         f"rtmp://127.0.0.1:{port}/atc/key", "-map", "0:v", "-frames:v", "50", "-c", "copy",
         "-copyts", "-f", "flv", str(out)],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=True)


def _video_times(path: Path) -> list[float]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
         "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True)
    return [float(line) for line in out.stdout.split()]


def test_timestamps_continue_across_a_reconnect(rtmp, tmp_path) -> None:
    output = RtmpOutput("main", f"rtmp://127.0.0.1:{rtmp.port}/atc/key", SETTINGS)
    output.start()
    try:
        with NoiseSource([output]):
            wait_for(lambda: output.status.state == "on_air", 10)
            wait_for(lambda: output.status.sent_ticks > 75, 10)  # three seconds in
            _capture(rtmp.port, tmp_path / "before.flv")
            between = time.monotonic()
            rtmp.kill()
            wait_for(lambda: output.status.state != "on_air", 5)
            rtmp.start()
            wait_for(lambda: output.status.state == "on_air", 10)
            _capture(rtmp.port, tmp_path / "after.flv")
            between = time.monotonic() - between  # wall time from one capture to the next
    finally:
        output.stop()
    before, after = _video_times(tmp_path / "before.flv"), _video_times(tmp_path / "after.flv")
    assert len(before) >= 45 and len(after) >= 45
    # the second session carries on the media clock past the first and the outage,
    # instead of starting again from zero; within a session no frame goes back
    assert before[0] > 2.5, before[0]
    assert before[-1] < after[0] < before[-1] + between + 3, (before[-1], after[0], between)
    assert all(b > a for a, b in itertools.pairwise(before + after))
    assert output.status.sessions == 2
