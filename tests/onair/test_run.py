"""`livehost run` as systemd runs it: a real process streaming to a real nginx-rtmp."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from .conftest import ffprobe, wait_for
from .daemon_helpers import REPO, start_daemon, stop_daemon, write_setup


def log_text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_stream_is_h264_and_aac_at_the_configured_size_and_fps(tmp_path, rtmp) -> None:
    config = write_setup(tmp_path / "unit", width=640, height=360, fps=25)
    url = f"rtmp://127.0.0.1:{rtmp.port}/live/test"
    log = tmp_path / "daemon.log"
    proc = start_daemon(config, "--output", url, "--for", "40", log=log)
    try:
        wait_for(lambda: "is on air" in log_text(log), 30, 0.1)
        info = ffprobe(url, "-show_streams", "-show_format", "-analyzeduration", "3000000")
    finally:
        code = stop_daemon(proc)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert (streams["video"]["width"], streams["video"]["height"]) == (640, 360)
    assert streams["video"]["r_frame_rate"] == "25/1"
    assert streams["audio"]["codec_name"] == "aac"
    assert streams["audio"]["sample_rate"] == "48000"
    tags = {k.lower(): v for k, v in info["format"].get("tags", {}).items()}
    assert tags.get("aigc") == "1" and "AI-generated" in tags.get("comment", "")
    assert code == 0
    assert "Traceback" not in log_text(log)


def test_sigterm_stops_within_two_seconds(tmp_path, rtmp) -> None:
    config = write_setup(tmp_path / "unit")
    log = tmp_path / "daemon.log"
    proc = start_daemon(config, "--output", f"rtmp://127.0.0.1:{rtmp.port}/live/t", log=log)
    try:
        wait_for(lambda: "is on air" in log_text(log), 30, 0.1)
    finally:
        started = time.monotonic()
        code = stop_daemon(proc)
        took = time.monotonic() - started
    assert code == 0 and took < 2.0, f"exit {code} after {took:.2f} s"


def test_daemon_rides_out_an_ingest_restart(tmp_path, rtmp) -> None:
    config = write_setup(tmp_path / "unit")
    log = tmp_path / "daemon.log"
    proc = start_daemon(config, "--output", f"rtmp://127.0.0.1:{rtmp.port}/live/t", log=log)
    try:
        wait_for(lambda: log_text(log).count("is on air") == 1, 30, 0.1)
        rtmp.kill()
        wait_for(lambda: "is down" in log_text(log), 10, 0.1)
        time.sleep(1.0)
        rtmp.start()
        wait_for(lambda: log_text(log).count("is on air") == 2, 5, 0.05)
        assert proc.poll() is None
    finally:
        stop_daemon(proc)
    assert "Traceback" not in log_text(log)


def test_broken_voice_model_keeps_the_show_on_air_silently(tmp_path, rtmp) -> None:
    config = write_setup(tmp_path / "unit")
    text = config.read_text().replace(
        str(Path(__file__).resolve().parents[2] / "models"), str(tmp_path / "no-models")
    )
    config.write_text(text)
    log = tmp_path / "daemon.log"
    proc = start_daemon(config, "--output", f"rtmp://127.0.0.1:{rtmp.port}/live/t", log=log)
    try:
        wait_for(lambda: "is on air" in log_text(log), 30, 0.1)
        assert "the voice cannot load" in log_text(log)
        assert proc.poll() is None
    finally:
        assert stop_daemon(proc) == 0


def sample_setup(folder: Path) -> Path:
    """The sample schedule in its New York zone, with no output (the show runs anyway)."""
    config = write_setup(folder)
    (folder / "schedule.yaml").write_text((REPO / "etc" / "livehost" / "schedule.yaml").read_text())
    data = yaml.safe_load(config.read_text())
    data["unit"]["timezone"] = "America/New_York"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    return config


@pytest.mark.parametrize(
    ("now", "product"), [("2026-03-10 03:00", None), ("2026-03-10 10:00", "grinder")]
)
def test_now_starts_the_shows_clock_at_that_local_time(tmp_path, now: str, product) -> None:
    log = tmp_path / "daemon.log"
    proc = start_daemon(sample_setup(tmp_path / "unit"), "--now", now, "--for", "8", log=log)
    try:
        wait_for(lambda: "ready:" in log_text(log), 30, 0.1)
    finally:
        code = stop_daemon(proc)
    text = log_text(log)
    assert f"the show's clock starts at {now} America/New_York (--now)" in text
    ready = next(line for line in text.splitlines() if "ready:" in line)
    # on air the status names the product on the card (the morning slot's second, six
    # minutes each from 09:00); the night slate has none
    if product is None:
        assert "product " not in ready, ready
    else:
        assert f"product {product}" in ready, ready
    assert code == 0 and "Traceback" not in text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"engines": {"lipsync": "onnx"}}, "engines.onnx.model names no model"),
        ({"avatar": {"path": "no-such-avatar"}}, "no-such-avatar"),
    ],
)
def test_a_face_that_cannot_load_keeps_the_daemon_on_air(tmp_path, rtmp, change, reason) -> None:
    """systemd would only restart a daemon that exits into the same failure: the show goes
    on with the warp engine and the demo avatar, and says why."""
    config = write_setup(tmp_path / "unit")
    data = yaml.safe_load(config.read_text())
    for section, values in change.items():
        data.setdefault(section, {}).update(values)
    config.write_text(yaml.safe_dump(data))
    log = tmp_path / "daemon.log"
    url = f"rtmp://127.0.0.1:{rtmp.port}/live/face"
    proc = start_daemon(config, "--output", url, "--for", "10", log=log)
    try:
        wait_for(lambda: "ready:" in log_text(log), 40, 0.1)
        info = ffprobe(url, "-show_streams")
    finally:
        code = stop_daemon(proc)
    text = log_text(log)
    ready = next(line for line in text.splitlines() if "ready:" in line)
    assert "on air" in ready and "face fallback warp:" in ready and reason in ready, ready
    assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
    assert code == 0 and "Traceback" not in text
