"""A live takeover against a real daemon on air (real nginx-rtmp recording the stream,
real mosquitto, `livehostctl send UNIT takeover ...`): the microphone's sound is in the
stream, the mouth in the stream moves with it, the scripted talk pauses and comes back
after `mode=off`, the state and the events say who drove and when, and a takeover ends
by itself at its expiry. The microphone is a file source playing a voice-like signal."""

from __future__ import annotations

import getpass
import time
from pathlib import Path

import av
import numpy as np
import pytest
import yaml
from tests.fleet.conftest import Recorder, wait_until
from tests.listen.conftest import write_wav
from tests.listen.test_takeover_loop import envelope, syllables
from tests.onair.daemon_helpers import start_daemon, stop_daemon, write_setup

from livehost.config.device import load_config
from livehost.daemon import load_face
from livehost.fleet.ctl import main as ctl_main
from livehost.render.compositor import Compositor
from livehost.show.status import ShowStatus
from livehost.stream.encoder import AUDIO_RATE

UNIT = "test-site/test-unit"
BASE = f"livehost/{UNIT}"
FPS = 25
SIGNAL_SECONDS = 8.0


def listening_setup(folder: Path, device: str, **listen: object) -> Path:
    config = write_setup(folder, fps=FPS)
    data = yaml.safe_load(config.read_text())
    data["listen"] = {"enabled": True, "device": device, **listen}
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    return config


def ctl(broker, *args: str) -> int:
    return ctl_main(["--broker", f"mqtt://127.0.0.1:{broker.port}", "--timeout", "5", *args])


def states(rec: Recorder) -> list[dict]:
    return rec.json(f"{BASE}/state")


def events(rec: Recorder, kind: str) -> list[dict]:
    return [e for e in rec.json(f"{BASE}/events") if e.get("kind") == kind]


@pytest.fixture
def unit_with_microphone(tmp_path: Path, broker, rtmp_recording):
    signal = syllables(SIGNAL_SECONDS)
    wav = write_wav(tmp_path / "microphone.wav", signal, AUDIO_RATE)
    config = listening_setup(tmp_path / "unit", f"file:{wav}")
    log = tmp_path / "daemon.log"
    rec = Recorder(broker.port, [f"{BASE}/#"])
    url = f"rtmp://127.0.0.1:{rtmp_recording.port}/live/takeover"
    proc = start_daemon(
        config, "--mqtt", f"mqtt://127.0.0.1:{broker.port}", "--output", url, log=log
    )
    try:
        wait_until(
            lambda: proc.poll() is not None or any(s.get("on_air") for s in states(rec)), 60, 0.1
        )
        assert proc.poll() is None, log.read_text()[-3000:]
        yield proc, rec, signal, config, log
    finally:
        rec.close()
        stop_daemon(proc)


def test_a_voice_takeover_over_mqtt_is_heard_and_seen_in_the_stream(
    unit_with_microphone, broker, rtmp_recording
) -> None:
    proc, rec, signal, config, _ = unit_with_microphone
    time.sleep(3)  # the host's own talk first
    assert ctl(broker, "send", UNIT, "takeover", "mode=voice") == 0
    wait_until(lambda: (states(rec)[-1].get("takeover") or {}).get("mode") == "voice", 10, 0.05)
    driving = states(rec)[-1]
    assert driving["takeover"]["by"] == getpass.getuser()
    assert driving["why"].startswith("driven by a person (voice")
    wait_until(lambda: events(rec, "takeover_started"), 10, 0.05)
    time.sleep(2 * SIGNAL_SECONDS)  # the file plays twice through the host's mouth
    assert ctl(broker, "send", UNIT, "takeover", "mode=off") == 0
    wait_until(lambda: states(rec)[-1].get("takeover") is None, 10, 0.05)
    wait_until(lambda: events(rec, "takeover_ended"), 10, 0.05)
    ended = events(rec, "takeover_ended")[-1]
    assert ended["data"]["reason"] == "operator" and ended["data"]["seconds"] >= SIGNAL_SECONDS
    telemetry = rec.json(f"{BASE}/telemetry")[-1]["listen"]
    print(f"listen telemetry: {telemetry}")
    assert telemetry["microphone"] == "listening"
    # the target (200 ms) is the benchmark's (bench.run listen); on a busy test machine
    # the delay stays well under half a second
    assert telemetry["live_latency_ms_p50"] <= 400

    # a takeover nobody ends ends by itself
    assert ctl(broker, "send", UNIT, "takeover", "mode=text", "minutes=0.05") == 0
    wait_until(lambda: (states(rec)[-1].get("takeover") or {}).get("mode") == "text", 10, 0.05)
    wait_until(lambda: len(events(rec, "takeover_ended")) >= 2, 15, 0.1)
    assert events(rec, "takeover_ended")[-1]["data"]["reason"] == "expired"
    time.sleep(8)  # the host's own talk again
    assert proc.poll() is None
    stop_daemon(proc)
    rtmp_recording.stop()
    recordings = sorted((rtmp_recording.workdir / "recordings").glob("takeover*.flv"))
    assert recordings, "nginx recorded nothing"
    audio, frames = decode(recordings[0])

    # the microphone's sound is in the stream: one pass of the file lines up with it
    hop = AUDIO_RATE // FPS  # one value per frame
    aired, heard = envelope(audio, hop), envelope(signal, hop)
    best, at = max(
        (np.corrcoef(aired[i : i + len(heard)], heard)[0, 1], i)
        for i in range(len(aired) - len(heard))
    )
    print(f"stream vs microphone: correlation {best:.3f} at {at / FPS:.2f} s")
    assert best > 0.7  # 0.83-0.98 seen; the host's own talk or silence gives < 0.4
    # the mouth in the stream moves with that sound, in step with it: how far the
    # mouth and jaw are from their rest follows the loudness, within two frames
    box = mouth_box(config)
    pictures = np.array([f[box] for f in frames], np.float64)
    span = slice(at, at + len(heard))
    quietest = at + np.argsort(aired[span])[: len(heard) // 10]
    rest = pictures[quietest].mean(axis=0)
    moved = np.abs(pictures - rest).mean(axis=(1, 2))
    mouth = {
        shift: np.corrcoef(moved[span.start + shift : span.stop + shift], aired[span])[0, 1]
        for shift in range(0, 3)
    }
    print(f"mouth movement vs loudness in the stream, by frames of delay: {mouth}")
    assert max(mouth.values()) > 0.6
    # after the takeover the host's own voice is back: speech that is not the signal
    after = aired[at + 2 * len(heard) + 3 * FPS :]
    assert len(after) > 4 * FPS and (after > 300).mean() > 0.3, "no talk after the takeover"


def decode(recording: Path) -> tuple[np.ndarray, list[np.ndarray]]:
    """The recording's audio at the show's rate and its frames in gray."""
    pcm, frames = [], []
    with av.open(str(recording)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        for frame in container.decode(audio=0, video=0):
            if isinstance(frame, av.AudioFrame):
                pcm += [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
            else:
                frames.append(frame.to_ndarray(format="gray"))
    return np.concatenate(pcm), frames


def mouth_box(config: Path) -> tuple[slice, slice]:
    """Where the host's mouth and chin are in the stream's picture (the face's own rig)."""
    loaded = load_config(config)
    compositor = Compositor(640, 360)
    face = load_face(loaded, compositor.layout.host_width, 360, ShowStatus())
    lips = face.rig.lips
    x0, x1 = lips[:, 0].min(), lips[:, 0].max()
    y0, y1 = lips[:, 1].min(), lips[:, 1].max()
    # the lips and a margin below them: the jaw drops as the mouth opens
    return slice(int(y0) - 6, int(y1) + 12), slice(int(x0) - 12, int(x1) + 12)
