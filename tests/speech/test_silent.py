"""Without a usable voice the show runs on: silent chunks with captions and a reason."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from livehost.speech.chunk import SILENCE
from livehost.speech.engine import SpeechEngine
from livehost.speech.silent import SilentSpeech

TEXT = "The X200 blender is only $49.99 today. Order now!"


def test_silent_chunks_keep_the_contract() -> None:
    engine = SilentSpeech("voice missing")
    assert isinstance(engine, SpeechEngine)
    chunks = list(engine.synthesize(TEXT))
    assert [c.text for c in chunks] == ["The X200 blender is only $49.99 today.", "Order now!"]
    for chunk in chunks:
        assert chunk.audio.dtype == np.int16 and not chunk.audio.any()
        assert [(t.phoneme, t.start, t.length) for t in chunk.phonemes] == [
            (SILENCE, 0, len(chunk.audio))
        ]
        assert chunk.metadata == {"silent": True, "reason": "voice missing"}


def test_silence_lasts_about_as_long_as_speech_would(engine) -> None:
    spoken = sum(c.duration for c in engine.synthesize(TEXT))
    silent = sum(c.duration for c in SilentSpeech("x").synthesize(TEXT))
    assert 0.6 * spoken < silent < 1.6 * spoken


def test_silent_speech_can_be_cancelled() -> None:
    cancel = threading.Event()
    got = []
    for chunk in SilentSpeech("x").synthesize(TEXT, cancel):
        got.append(chunk)
        cancel.set()
    assert len(got) == 1


def daemon_config(tmp_path: Path, models: Path):
    """The daemon's config for a unit whose models folder is `models`."""
    import yaml
    from tests.onair.daemon_helpers import write_setup

    from livehost.config.device import load_config

    path = write_setup(tmp_path / "unit")
    data = yaml.safe_load(path.read_text())
    data["paths"]["models"] = str(models)
    data["engines"] = {"providers": ["cpu"]}
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


def test_the_daemon_gets_silence_and_the_reason_for_a_bad_model(
    broken_models: Path, tmp_path: Path, caplog
):
    from livehost.daemon import load_speech
    from livehost.show.status import ShowStatus

    model = broken_models / "en_US-joe-medium.onnx"
    model.write_bytes(b"not a model")
    status = ShowStatus()
    with caplog.at_level(logging.ERROR):
        engine = load_speech(daemon_config(tmp_path, broken_models), status)
    assert isinstance(engine, SilentSpeech)
    assert str(model) in engine.reason and status.speech_problem == engine.reason
    assert status.speech_engine == "silent"
    assert any(str(model) in r.getMessage() for r in caplog.records)
    assert next(iter(engine.synthesize("Still on air."))).text == "Still on air."


def test_the_daemon_gets_the_voice_when_it_is_fine(models_dir: Path, tmp_path: Path) -> None:
    from livehost.daemon import load_speech
    from livehost.show.status import ShowStatus

    status = ShowStatus()
    engine = load_speech(daemon_config(tmp_path, models_dir), status)
    assert not isinstance(engine, SilentSpeech)
    assert status.speech_engine == "piper:en_US-joe-medium" and status.speech_problem == ""
