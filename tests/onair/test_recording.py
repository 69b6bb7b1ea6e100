"""Local recording: AIGC-marked Matroska segments, keyframes every 2 s, size-capped rotation."""

from __future__ import annotations

import itertools
import time

import av
import yaml

from livehost.stream.encoder import EncoderSettings
from livehost.stream.recording import Recorder

from .conftest import NoiseSource, ffprobe
from .daemon_helpers import start_daemon, write_setup


def test_daemon_records_segments_marked_as_ai_generated(tmp_path) -> None:
    config = write_setup(tmp_path / "unit")
    data = yaml.safe_load(config.read_text())
    data["recording"] = {"enabled": True, "segment_minutes": 1}
    config.write_text(yaml.safe_dump(data))
    proc = start_daemon(config, "--for", "9", log=tmp_path / "daemon.log")
    assert proc.wait(timeout=60) == 0
    segments = sorted((tmp_path / "unit" / "state" / "recordings").glob("*.mkv"))
    assert len(segments) == 1
    info = ffprobe(str(segments[0]), "-show_format", "-show_streams")
    tags = {k.lower(): v for k, v in info["format"]["tags"].items()}
    assert tags["aigc"] == "1" and "AI-generated" in tags["comment"]
    assert float(info["format"]["duration"]) > 5
    with av.open(str(segments[0])) as container:
        stream = container.streams.video[0]
        keys = [
            float(p.pts * stream.time_base)
            for p in container.demux(stream)
            if p.is_keyframe and p.pts is not None
        ]
    assert len(keys) >= 3 and max(b - a for a, b in itertools.pairwise(keys)) <= 2.0 + 1e-6


def test_segments_rotate_and_the_oldest_go_when_over_the_cap(tmp_path) -> None:
    settings = EncoderSettings(640, 360, 25, 1500, 64, 2.0)
    recorder = Recorder(tmp_path, settings, segment_seconds=1.0, max_bytes=600_000)
    recorder.start()
    with NoiseSource([recorder]):
        time.sleep(6)
    recorder.stop()
    left = sorted(tmp_path.glob("*.mkv"))
    assert len(recorder.files) >= 5  # one per second
    assert 1 <= len(left) < len(recorder.files)  # the oldest were deleted
    assert left[-1] == recorder.files[-1]
    assert recorder.status.last_error == ""
