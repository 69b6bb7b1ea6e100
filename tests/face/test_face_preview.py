"""`livehost preview` writes an MP4 staff can play: H.264 + AAC, as long as the speech."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from livehost.cli.main import main
from livehost.lipsync.warp.engine import WarpEngine
from livehost.preview.render import render_preview

FFPROBE = shutil.which("ffprobe")
pytestmark = pytest.mark.skipif(FFPROBE is None, reason="ffprobe (Debian ffmpeg) is missing")


def probe(path: Path) -> dict:
    out = subprocess.run(
        [
            FFPROBE,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_preview_is_the_pitch_as_on_air(tmp_path, avatar, voice, repo_root):
    from zoneinfo import ZoneInfo

    from livehost.render.compositor import Compositor
    from livehost.schedule.load import load_schedule_file

    schedule = load_schedule_file(repo_root / "etc/livehost/schedule.yaml").schedule
    compositor = Compositor(320, 180)
    face = WarpEngine(compositor.layout.host_width, 180, 25)
    face.prepare(avatar)
    result = render_preview(
        schedule,
        "pan",
        ZoneInfo("UTC"),
        voice,
        face,
        compositor,
        tmp_path / "p.mp4",
        tmp_path / "sheet.png",
        seconds=30,
    )
    assert result.utterances >= 5  # opening, intro, features, price, call to action
    assert result.duration == pytest.approx(30, abs=0.1)
    assert result.duration == pytest.approx(result.frames / 25)
    info = probe(result.path)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["audio"]["codec_name"] == "aac"
    assert (streams["video"]["width"], streams["video"]["height"]) == (320, 180)
    for kind in ("video", "audio"):
        assert float(streams[kind]["duration"]) == pytest.approx(result.duration, abs=0.1)
    assert (tmp_path / "sheet.png").stat().st_size > 10_000


def test_cli_preview_renders_ten_minutes_as_they_would_air(tmp_path, avatar_dir, repo_root, capsys):
    """Ten minutes of the pan's turn, unpaced, with the approved scripts beside the sample
    schedule: the audio never goes quiet for more than 5 s."""
    config = yaml.safe_load((repo_root / "etc/livehost/livehost.yaml").read_text())
    config["schedule"] = str(repo_root / "etc/livehost/schedule.yaml")
    config["paths"] = {
        **config["paths"],
        "models": str(tmp_path / "models"),
        "cache": str(tmp_path / "cache"),
    }
    (tmp_path / "livehost.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "pan.mp4"
    code = main(
        [
            "preview",
            "--config",
            str(tmp_path / "livehost.yaml"),
            "--product",
            "pan",
            "--for",
            "10m",
            "--out",
            str(out),
            "--avatar",
            str(avatar_dir),
            "--size",
            "320x180",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    said = float(captured.out.split(": ")[1].split(" s,")[0])
    assert said == pytest.approx(600, abs=0.1)
    info = probe(out)
    assert sorted(s["codec_name"] for s in info["streams"]) == ["aac", "h264"]
    assert float(info["format"]["duration"]) == pytest.approx(said, abs=0.1)
    silence = longest_silence(out)
    assert silence <= 5.0, silence


def longest_silence(path: Path, window: float = 0.05, floor_db: float = -45.0) -> float:
    """Seconds of the longest stretch whose 50 ms loudness stays under `floor_db` dBFS."""
    import av
    import numpy as np

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        samples = np.concatenate(
            [f.to_ndarray().reshape(-1) for f in container.decode(stream)]
        ).astype(np.float32)  # AAC decodes to float planar: full scale is 1.0
    step = int(rate * window)
    count = len(samples) // step
    rms = np.sqrt((samples[: count * step].reshape(count, step) ** 2).mean(axis=1))
    quiet = 20 * np.log10(rms + 1e-9) < floor_db
    longest = run = 0
    for is_quiet in quiet:
        run = run + 1 if is_quiet else 0
        longest = max(longest, run)
    assert not quiet.all(), "the preview is silent"
    return longest * window


def test_cli_preview_names_the_products_when_one_is_unknown(tmp_path, repo_root, capsys):
    config = yaml.safe_load((repo_root / "etc/livehost/livehost.yaml").read_text())
    config["schedule"] = str(repo_root / "etc/livehost/schedule.yaml")
    (tmp_path / "livehost.yaml").write_text(yaml.safe_dump(config))
    code = main(
        [
            "preview",
            "--config",
            str(tmp_path / "livehost.yaml"),
            "--product",
            "toaster",
            "--out",
            str(tmp_path / "x.mp4"),
        ]
    )
    assert code == 2
    assert "no product 'toaster'" in capsys.readouterr().err
