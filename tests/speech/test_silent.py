"""Without a usable voice the show runs on: silent chunks with captions and a reason."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from livehost.config.engines import EnginesConfig, VoiceConfig
from livehost.speech.chunk import SILENCE
from livehost.speech.engine import SpeechEngine
from livehost.speech.load import open_speech_engine
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


def test_the_daemon_gets_silence_and_the_reason_for_a_bad_model(broken_models: Path, caplog):
    model = broken_models / "en_US-joe-medium.onnx"
    model.write_bytes(b"not a model")
    with caplog.at_level(logging.ERROR):
        engine = open_speech_engine(VoiceConfig(), EnginesConfig(providers=["cpu"]), broken_models)
    assert isinstance(engine, SilentSpeech)
    assert str(model) in engine.reason
    assert any(str(model) in r.getMessage() for r in caplog.records)
    assert next(iter(engine.synthesize("Still on air."))).text == "Still on air."


def test_the_daemon_gets_the_voice_when_it_is_fine(models_dir: Path) -> None:
    engine = open_speech_engine(VoiceConfig(), EnginesConfig(providers=["cpu"]), models_dir)
    assert not isinstance(engine, SilentSpeech)
