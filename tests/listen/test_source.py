"""The microphone source, with files and FIFOs standing in for a sound card."""

from __future__ import annotations

import logging
import os
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from livehost.listen.source import MicSource, SourceStatus


class Collect:
    """A sink that keeps what it gets."""

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.times: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, samples: np.ndarray, arrived: float) -> None:
        with self.lock:
            self.chunks.append(samples)
            self.times.append(arrived)

    @property
    def samples(self) -> np.ndarray:
        with self.lock:
            return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.01)
    return check()


def stop_time(source: MicSource) -> float:
    began = time.monotonic()
    source.stop(timeout=1.0)
    return time.monotonic() - began


@pytest.fixture
def sources() -> Iterator[list[MicSource]]:
    """Sources to stop whatever a test's outcome."""
    made: list[MicSource] = []
    yield made
    for source in made:
        source.stop()


def tone_wav(path: Path, seconds: float, hz: float = 440.0, rate: int = 16000) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes())
    return path


def test_a_file_plays_at_real_time_resampled_and_loops(
    tmp_path: Path, sources: list[MicSource]
) -> None:
    sink = Collect()
    source = MicSource(f"file:{tone_wav(tmp_path / 'tone.wav', 1.0)}", rate=48000, sinks=[sink])
    sources.append(source)
    began = time.monotonic()
    source.start()
    assert wait_for(lambda: sink.samples.size >= 48000, 3.0)
    assert 0.8 <= time.monotonic() - began <= 1.5  # one second of file, about one of wall
    assert wait_for(lambda: source.status.opened >= 2, 1.0)  # played again from the top
    status = source.status
    assert status.state == "listening" and status.problem == "" and status.failures == 0

    heard = sink.samples[:48000]
    assert heard.dtype == np.int16
    assert {chunk.size for chunk in sink.chunks[:-1]} == {960}  # 20 ms at 48 kHz
    spectrum = np.abs(np.fft.rfft(heard.astype(np.float64)))
    assert abs(np.argmax(spectrum) * 48000 / heard.size - 440) < 2  # the tone, at 48 kHz
    rms = np.sqrt(np.mean(heard.astype(np.float64) ** 2))
    assert abs(rms - 0.3 * 32767 / np.sqrt(2)) < 0.05 * rms
    assert np.all(np.diff(sink.times) >= 0) and sink.times[-1] <= time.monotonic()
    assert stop_time(source) < 1.0
    assert source.status.state == "off"


def test_a_missing_alsa_device_is_retried_and_said_once(
    sources: list[MicSource], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="livehost.listen.source")
    source = MicSource("hw:97,0", retry=(0.05, 0.2))
    sources.append(source)
    source.start()
    assert wait_for(lambda: source.status.failures >= 3, 2.0)
    status = source.status
    assert status.state == "retrying"
    assert "hw:97,0" in status.problem and "trying again in" in status.problem
    assert status.opened == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # the same problem is not logged at every retry
    assert stop_time(source) < 1.0
    assert source.status == SourceStatus("hw:97,0", "off", "", 0, status.failures, 0.0)


def test_a_missing_file_is_a_clear_problem(tmp_path: Path, sources: list[MicSource]) -> None:
    missing = tmp_path / "nothing.wav"
    source = MicSource(f"file:{missing}", retry=(0.05, 0.2))
    sources.append(source)
    source.start()
    assert wait_for(lambda: source.status.state == "retrying", 1.0)
    assert f"no audio file at {missing}" in source.status.problem
    assert stop_time(source) < 1.0


def test_a_file_without_audio_is_retried_not_spun_on(
    tmp_path: Path, sources: list[MicSource]
) -> None:
    source = MicSource(f"file:{tone_wav(tmp_path / 'empty.wav', 0.0)}", retry=(0.05, 0.2))
    sources.append(source)
    source.start()
    assert wait_for(lambda: source.status.state == "retrying", 1.0)
    assert "has no audio" in source.status.problem
    time.sleep(0.3)
    assert 1 <= source.status.opened <= 5  # waits between tries, however quick they fail
    assert stop_time(source) < 1.0


def pcm(seconds: float, rate: int = 16000) -> bytes:
    t = np.arange(round(seconds * rate)) / rate
    return (8000 * np.sin(2 * np.pi * 300 * t)).astype("<i2").tobytes()


def open_writer(fifo: Path, timeout: float = 2.0) -> int:
    """The writing end, once the source has opened the reading end (never hangs the test)."""
    end = time.monotonic() + timeout
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            if time.monotonic() > end:
                raise
            time.sleep(0.01)


def test_a_fifo_whose_writer_goes_quiet_is_stalled(
    tmp_path: Path, sources: list[MicSource]
) -> None:
    fifo = tmp_path / "mic"
    os.mkfifo(fifo)
    sink = Collect()
    source = MicSource(f"fifo:{fifo}", rate=16000, sinks=[sink], stall_after=0.5)
    sources.append(source)
    source.start()
    writer = open_writer(fifo)
    try:
        os.write(writer, pcm(0.5))
        assert wait_for(lambda: sink.samples.size == 8000, 1.0)
        assert source.status.state == "listening"
        assert wait_for(lambda: source.status.state == "stalled", 1.5)  # the writer is quiet
        assert str(fifo) in source.status.problem
        os.write(writer, pcm(0.1))  # and speaks again
        assert wait_for(lambda: source.status.state == "listening", 1.0)
        assert wait_for(lambda: source.status.state == "stalled", 1.5)
        assert np.array_equal(sink.samples, np.frombuffer(pcm(0.5) + pcm(0.1), "<i2"))
        assert stop_time(source) < 1.1  # stopping does not wait for the quiet writer
    finally:
        os.close(writer)


def test_a_fifo_nobody_writes_to_still_stops(tmp_path: Path, sources: list[MicSource]) -> None:
    fifo = tmp_path / "mic"
    os.mkfifo(fifo)
    source = MicSource(f"fifo:{fifo}", stall_after=0.2)
    sources.append(source)
    source.start()
    assert wait_for(lambda: source.status.state == "stalled", 1.0)
    assert "no program has opened" in source.status.problem
    assert stop_time(source) < 0.5


def test_a_fifo_that_is_not_there_is_retried(tmp_path: Path, sources: list[MicSource]) -> None:
    source = MicSource(f"fifo:{tmp_path / 'absent'}", retry=(0.05, 0.2))
    sources.append(source)
    source.start()
    assert wait_for(lambda: source.status.state == "retrying", 1.0)
    assert "no FIFO at" in source.status.problem and "mkfifo" in source.status.problem
    assert stop_time(source) < 1.0


def test_a_sink_that_raises_does_not_stop_the_others(
    tmp_path: Path, sources: list[MicSource], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(samples: np.ndarray, arrived: float) -> None:
        raise RuntimeError("a sink with a bug")

    first, later = Collect(), Collect()
    source = MicSource(f"file:{tone_wav(tmp_path / 'tone.wav', 0.5)}", sinks=[broken, first])
    sources.append(source)
    source.start()
    source.add_sink(later)  # while it runs
    assert wait_for(lambda: len(later.chunks) >= 10, 2.0)
    assert len(first.chunks) >= len(later.chunks)
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1  # logged once, not for every chunk
    assert source.status.state == "listening"
