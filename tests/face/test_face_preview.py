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


def test_preview_is_one_round_of_the_pitch_as_on_air(tmp_path, avatar, voice, repo_root):
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
    )
    assert result.utterances >= 5  # opening, intro, features, price, call to action
    assert result.duration == pytest.approx(result.frames / 25)
    info = probe(result.path)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["audio"]["codec_name"] == "aac"
    assert (streams["video"]["width"], streams["video"]["height"]) == (320, 180)
    for kind in ("video", "audio"):
        assert float(streams[kind]["duration"]) == pytest.approx(result.duration, abs=0.1)
    assert (tmp_path / "sheet.png").stat().st_size > 10_000


def test_cli_preview_of_a_schedule_product(tmp_path, avatar_dir, repo_root, capsys):
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
    info = probe(out)
    assert sorted(s["codec_name"] for s in info["streams"]) == ["aac", "h264"]
    assert float(info["format"]["duration"]) == pytest.approx(said, abs=0.1)
    assert said > 5  # a pitch, not a blip


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
