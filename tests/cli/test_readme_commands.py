"""Every command in the README's staff and operator sections, run as written.

The commands run from a folder inside a checkout with no /etc/livehost: a copy of this
one (its etc/livehost copied, so drafts and edits land in the copy; the package, the
voice and the demo avatar linked). Only what a reader must change for their own machine
is substituted: the operator's broker (`mqtt://broker:1883`) by a real mosquitto, the
photo and voice files by real ones, /opt/livehost by a temporary folder, and the
preview's length. A command fails the test on a non-zero exit or a traceback.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

from livehost.config.discover import SYSTEM_CONFIG
from livehost.devservers import Server, mosquitto, nginx_rtmp

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
UNIT = "store-042"  # the unit the operator section addresses
STREAMING = {"watch", "events"}  # run until stopped: given a few seconds, then stopped

pytestmark = pytest.mark.skipif(
    SYSTEM_CONFIG.exists(), reason=f"{SYSTEM_CONFIG} exists: this is a unit, not a checkout"
)


def readme_commands(heading: str) -> list[str]:
    """The commands of the ```sh blocks under '## heading', one per line, comments cut."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(shlex.join(words))
    return commands


def make_checkout(tmp: Path) -> Path:
    """A checkout to try the commands in: what they write stays in it."""
    root = tmp / "checkout"
    shutil.copytree(REPO / "etc" / "livehost", root / "etc" / "livehost")
    shutil.copy(REPO / "pyproject.toml", root)
    (root / "daemon").mkdir()
    (root / "daemon" / "livehost").symlink_to(REPO / "daemon" / "livehost")
    (root / "models").mkdir()
    for item in (REPO / "models").iterdir():
        if item.name == "manifest.yaml":
            shutil.copy(item, root / "models")  # `models add` edits it
        else:
            (root / "models" / item.name).symlink_to(item)
    (root / "var" / "avatars").mkdir(parents=True)
    (root / "var" / "avatars" / "default").symlink_to(REPO / "var" / "avatars" / "default")
    (root / "docs").mkdir()
    return root


def edit_config(root: Path, change) -> None:
    path = root / "etc" / "livehost" / "livehost.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def run_command(line: str, cwd: Path, replace: dict[str, str], timeout: float = 300) -> str:
    for old, new in replace.items():
        line = line.replace(old, new)
    argv = shlex.split(line)
    argv[0] = str(BIN / argv[0])
    streaming = len(argv) > 1 and bool(STREAMING & set(argv))
    proc = subprocess.Popen(
        argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("LIVEHOST")},
    )
    try:
        out, _ = proc.communicate(timeout=6 if streaming else timeout)
    except subprocess.TimeoutExpired:
        if not streaming:
            proc.kill()
            pytest.fail(f"`{line}` did not finish in {timeout} s")
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
        code = 0
    else:
        code = proc.returncode
    assert "Traceback" not in out, f"`{line}` printed a traceback:\n{out}"
    assert code == 0, f"`{line}` exited {code}:\n{out}"
    return out


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    if not (REPO / "var" / "avatars" / "default" / "manifest.yaml").is_file():
        pytest.fail("the demo avatar is missing: run `make setup`")
    return make_checkout(tmp_path)


def test_staff_commands_work_as_written_from_a_folder_of_the_checkout(
    checkout: Path, tmp_path: Path, llama_endpoint: str
) -> None:
    from matplotlib import cbook

    # staff set the drafting model's endpoint as docs/scripts.md says; few lines a kind
    # keep the tiny test model's work short
    edit_config(checkout, lambda d: d["scripts"].update(
        endpoint=llama_endpoint, timeout_seconds=120, seed=7,
        lines_per_kind={k: 1 for k in ("intro", "feature", "benefit", "story",
                                       "comparison", "price", "cta", "idle")},
    ))
    voice = tmp_path / "my-voice.onnx"
    shutil.copy(REPO / "models" / "en_US-joe-medium.onnx", voice)
    shutil.copy(REPO / "models" / "en_US-joe-medium.onnx.json", f"{voice}.json")
    # the clip a person records along the guide: a synthetic talking clip of the demo
    # portrait (the warp engine and Piper), with its takes in a segments.yaml beside it
    clip = _talking_clip(tmp_path / "clip.mp4")
    replace = {
        "clip.mp4": str(clip),
        "me.jpg": str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)),
        "my-voice.onnx": str(voice),
        "/opt/livehost": str(tmp_path / "opt"),
        "--for 5m": "--for 10s",
    }
    commands = readme_commands("For store staff")
    assert len(commands) >= 12 and any(c.startswith("livehost preview") for c in commands)
    outputs = {c: run_command(c, checkout / "docs", replace) for c in commands}
    first = outputs[commands[0]]
    assert "config the checkout's etc/livehost/livehost.yaml" in first
    work = checkout / "docs"
    assert (work / "kettle.mp4").stat().st_size > 10_000 and (work / "kettle.png").is_file()
    assert (work / "test.wav").stat().st_size > 10_000
    drafted = yaml.safe_load((checkout / "etc" / "livehost" / "scripts" / "kettle.yaml")
                             .read_text())
    assert any(line.get("status") == "draft" for line in drafted["lines"])
    assert (tmp_path / "opt" / "models" / "avatars" / "shop" / "manifest.yaml").is_file()
    assert "kind: video" in (tmp_path / "opt" / "models" / "avatars" / "jane" /
                             "manifest.yaml").read_text()
    assert (work / "guide.mp4").stat().st_size > 10_000 and (work / "guide.txt").is_file()
    assert "my-voice" in (checkout / "models" / "manifest.yaml").read_text()
    assert not (REPO / "etc" / "livehost" / "kettle.mp4").exists()


def _talking_clip(path: Path) -> Path:
    from tests.face.synthetic_clip import make_clip

    from livehost.avatar.package import load_avatar
    from livehost.config.engines import VoiceConfig
    from livehost.speech.piper import PiperEngine

    model = REPO / "models" / "en_US-joe-medium.onnx"
    voice = PiperEngine.load(
        model, VoiceConfig(), ["CPUExecutionProvider"], config=model.with_suffix(".onnx.json")
    )
    return make_clip(path, load_avatar(REPO / "var" / "avatars" / "default"), voice).path


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    with nginx_rtmp(tmp_path / "nginx").start() as rtmp, \
            mosquitto(tmp_path / "mosquitto").start() as broker:
        yield rtmp, broker


def test_operator_commands_work_as_written_against_a_unit_on_air(
    checkout: Path, servers: tuple[Server, Server]
) -> None:
    rtmp, broker = servers
    url = f"mqtt://127.0.0.1:{broker.port}"

    # the shop's microphone, for `takeover mode=voice`: a file playing a tone in a loop
    microphone = checkout / "var" / "microphone.wav"
    microphone.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(microphone), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        tone = (np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000) * 8000).astype("<i2")
        out.writeframes(tone.tobytes())

    def unit(data: dict) -> None:
        data["unit"]["id"] = UNIT
        data["mqtt"]["url"] = url
        data["mqtt"]["snapshot_seconds"] = 5
        data["outputs"][0]["url"] = f"rtmp://127.0.0.1:{rtmp.port}/live"
        data["listen"] = {"enabled": True, "device": f"file:{microphone}"}

    edit_config(checkout, unit)
    (checkout / "var" / "secrets.yaml").write_text("main_stream_key: readme\n")
    (checkout / "var" / "secrets.yaml").chmod(0o600)
    daemon = subprocess.Popen(
        [str(BIN / "livehost"), "run", "--for", "120"], cwd=checkout,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_on_air(url)
        replace = {"mqtt://broker:1883": url}
        commands = readme_commands("For the fleet operator")
        assert any(" push-schedule " in c for c in commands) and len(commands) >= 6
        outputs = {c: run_command(c, checkout / "etc" / "livehost", replace, 60)
                   for c in commands}
        status = next(out for c, out in outputs.items() if c.endswith(" status"))
        assert UNIT in status
        assert (checkout / "etc" / "livehost" / "now.jpg").stat().st_size > 1000
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)


def _wait_on_air(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(
            [str(BIN / "livehostctl"), "--broker", url, "status", "--json"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout
        try:
            units = json.loads(out)
        except ValueError:
            units = {}
        if any(u.get("state", {}).get("on_air") for u in units.values()):
            return
        time.sleep(1)
    pytest.fail(f"{UNIT} did not go on air within {timeout} s")
