"""The Piper engine keeps the speech contract: timing, captions, streaming, cancel."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from livehost.config.engines import VoiceConfig
from livehost.speech.chunk import SILENCE, SpeechChunk
from livehost.speech.engine import SpeechEngine
from livehost.speech.piper import PiperEngine

PITCH = (
    "Welcome back to Maple Street! The X200 blender is only $49.99 today, that's 30% off. "
    "It crushes ice in 10 seconds and holds 1.5 L. Offer ends at 8 pm, so order now."
)


def _samples(chunks: list[SpeechChunk]) -> int:
    return sum(len(c.audio) for c in chunks)


def test_is_a_speech_engine(engine) -> None:
    assert isinstance(engine, SpeechEngine)
    assert engine.sample_rate == 22050


def test_audio_grows_with_the_text(engine) -> None:
    short = _samples(list(engine.synthesize("Only $5.")))
    medium = _samples(list(engine.synthesize("Only $5. Get yours today.")))
    long = _samples(list(engine.synthesize(PITCH)))
    assert 0 < short < medium < long
    assert long / engine.sample_rate > 8  # about 10-12 s of speech for this pitch


def test_one_chunk_per_sentence_of_int16_mono(engine) -> None:
    chunks = list(engine.synthesize(PITCH))
    assert len(chunks) == 4
    for chunk in chunks:
        assert chunk.audio.dtype == np.int16 and chunk.audio.ndim == 1
        assert chunk.sample_rate == engine.sample_rate
        assert np.abs(chunk.audio).max() > 1000  # speech, not silence


def test_phoneme_timings_tile_the_audio_exactly(engine) -> None:
    for chunk in engine.synthesize(PITCH):
        position = 0
        for timing in chunk.phonemes:
            assert timing.start == position and timing.length >= 0
            position += timing.length
        assert position == len(chunk.audio)
        assert chunk.phonemes[0].phoneme == SILENCE and chunk.phonemes[-1].phoneme == SILENCE
        # Real alignments, not an even spread: phoneme lengths differ.
        assert len({t.length for t in chunk.phonemes}) > 3


def test_caption_spans_cover_the_text(engine) -> None:
    chunks = list(engine.synthesize(PITCH))
    assert [c.text for c in chunks] == [PITCH[a:b] for a, b in (c.text_span for c in chunks)]
    covered = "".join(PITCH[a:b] for a, b in (c.text_span for c in chunks))
    assert covered.replace(" ", "") == PITCH.replace(" ", "")
    starts = [c.text_span[0] for c in chunks]
    assert starts == sorted(starts)
    # The source text is kept for captions; the spoken form is what Piper read.
    assert "$49.99" in chunks[1].text
    assert "forty-nine dollars" in chunks[1].metadata["spoken"]


def test_first_audio_comes_before_the_paragraph_is_done(engine) -> None:
    started = time.perf_counter()
    stream = engine.synthesize(PITCH)
    next(stream)
    first = time.perf_counter() - started
    list(stream)
    total = time.perf_counter() - started
    assert first < total / 2


def test_cancel_stops_within_one_sentence(engine) -> None:
    cancel = threading.Event()
    got = []
    for chunk in engine.synthesize(PITCH, cancel):
        got.append(chunk)
        cancel.set()  # an urgent answer arrives while the first sentence plays
    assert len(got) == 1


def test_cancel_before_start_yields_nothing(engine) -> None:
    cancel = threading.Event()
    cancel.set()
    assert list(engine.synthesize(PITCH, cancel)) == []


def test_text_with_nothing_to_say_yields_nothing(engine) -> None:
    assert list(engine.synthesize("😀 🔥")) == []


def test_volume_and_speed_come_from_config(engine, models_dir: Path) -> None:
    text = "Thirty percent off every pair of shoes."
    normal = next(iter(engine.synthesize(text)))
    slow_quiet = PiperEngine(
        engine.voice, VoiceConfig(length_scale=1.5, volume=0.5), name="slow"
    )
    slow = next(iter(slow_quiet.synthesize(text)))
    assert len(slow.audio) > 1.3 * len(normal.audio)
    assert np.abs(slow.audio).max() < 0.6 * np.abs(normal.audio).max()


def test_same_noise_free_settings_give_the_same_audio(engine) -> None:
    # Piper's noise is random; with noise off the engine is deterministic (no hidden state).
    quiet = PiperEngine(engine.voice, VoiceConfig(noise_scale=0.0, noise_w=0.0))
    first = next(iter(quiet.synthesize("Only $5.")))
    second = next(iter(quiet.synthesize("Only $5.")))
    assert np.array_equal(first.audio, second.audio)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_are_passed_to_the_session(models_dir: Path, threads: int) -> None:
    engine = PiperEngine.load(
        models_dir / "en_US-joe-medium.onnx", VoiceConfig(), ["CPUExecutionProvider"], threads
    )
    options = engine.voice.session.get_session_options()
    assert options.intra_op_num_threads == threads


def test_the_aligned_model_is_cached_by_the_source_hash(models_dir: Path, tmp_path: Path) -> None:
    model = models_dir / "en_US-joe-medium.onnx"
    first = PiperEngine.load(model, VoiceConfig(), ["CPUExecutionProvider"], cache_dir=tmp_path)
    cached = list((tmp_path / "voices").glob("en_US-joe-medium.*.aligned.onnx"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    second = PiperEngine.load(model, VoiceConfig(), ["CPUExecutionProvider"], cache_dir=tmp_path)
    assert cached[0].stat().st_mtime_ns == stamp  # reused, not rewritten
    for engine in (first, second):
        chunk = next(iter(engine.synthesize("Thirty percent off.")))
        assert len({t.length for t in chunk.phonemes}) > 3  # real alignments
