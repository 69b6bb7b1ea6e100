"""The GStreamer backend: the pipeline built from config, and its software version on air."""

from __future__ import annotations

import shutil

import pytest

from livehost.stream.encoder import EncoderSettings
from livehost.stream.gstreamer import build_pipeline
from livehost.stream.output import RtmpOutput

from .conftest import NoiseSource, ffprobe, wait_for

SETTINGS = EncoderSettings(640, 360, 25, 1500, 96, 2.0)
needs_gst = pytest.mark.skipif(shutil.which("gst-launch-1.0") is None, reason="no GStreamer")


def test_jetson_pipeline_uses_nvenc_with_cbr_and_two_second_keyframes() -> None:
    pipeline = build_pipeline(
        SETTINGS, "rtmp://ingest/live/key", nvenc=True, video_fd=7, audio_fd=8
    )
    assert "fdsrc fd=7" in pipeline and "fdsrc fd=8" in pipeline
    assert "nvvidconv ! video/x-raw(memory:NVMM),format=NV12 ! nvv4l2h264enc" in pipeline
    assert "bitrate=1500000 control-rate=1" in pipeline  # CBR, bits per second
    assert "iframeinterval=50" in pipeline and "x264enc" not in pipeline
    assert "flvmux name=mux streamable=true" in pipeline
    assert "rawaudioparse format=pcm pcm-format=s16le sample-rate=48000" in pipeline


def test_software_pipeline_uses_x264_with_the_same_shape() -> None:
    pipeline = build_pipeline(SETTINGS, "rtmp://ingest/live/key", nvenc=False)
    assert "x264enc bitrate=1500 tune=zerolatency" in pipeline and "key-int-max=50" in pipeline
    assert "nvv4l2h264enc" not in pipeline
    assert "'rtmp://ingest/live/key live=1'" in pipeline


@needs_gst
def test_software_gstreamer_pipeline_goes_on_air(rtmp) -> None:
    url = f"rtmp://127.0.0.1:{rtmp.port}/live/gst"
    output = RtmpOutput("gst", url, SETTINGS, backend="gstreamer", nvenc=False)
    output.start()
    try:
        with NoiseSource([output]):
            wait_for(lambda: output.status.state == "on_air", 15)
            info = ffprobe(url, "-show_streams", "-analyzeduration", "3000000")
        streams = {s["codec_type"]: s for s in info["streams"]}
        assert streams["video"]["codec_name"] == "h264"
        assert (streams["video"]["width"], streams["video"]["height"]) == (640, 360)
        assert streams["audio"]["codec_name"] == "aac"
        assert output.status.reconnects == 0
        # bytes, not ticks: the telemetry's bitrate is the stream's, within the CBR
        sent, ticks = output.status.bytes_sent, output.status.sent_ticks
        kbps = sent * 8 / 1000 / (ticks / SETTINGS.fps)
        assert kbps == pytest.approx(SETTINGS.video_kbps + SETTINGS.audio_kbps, rel=0.02)
    finally:
        output.stop()


@needs_gst
def test_daemon_with_encoder_gstreamer_streams_through_gst_launch(tmp_path, rtmp) -> None:
    import yaml

    from .daemon_helpers import start_daemon, stop_daemon, write_setup

    config = write_setup(tmp_path / "unit")
    data = yaml.safe_load(config.read_text())
    data["engines"] = {"encoder": "gstreamer"}
    config.write_text(yaml.safe_dump(data))
    log = tmp_path / "daemon.log"
    url = f"rtmp://127.0.0.1:{rtmp.port}/live/gstd"
    proc = start_daemon(config, "--output", url, "--for", "30", log=log)
    try:
        wait_for(lambda: "is on air" in log.read_text(errors="replace"), 30, 0.1)
        info = ffprobe(url, "-show_streams", "-analyzeduration", "3000000")
    finally:
        stop_daemon(proc)
    assert "encoder: gstreamer x264enc" in log.read_text()
    codecs = {s.get("codec_name") for s in info["streams"]}
    assert {"aac", "h264"} <= codecs
