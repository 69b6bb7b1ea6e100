"""A voice takeover in the real show loop: the microphone's sound is what goes on air,
the mouth moves with its loudness within a frame or two, the scripted talk pauses and
comes back after the takeover. The voice, face, encoder and recorder are real; the
microphone is a thread feeding the live feed at real time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import av
import numpy as np
from tests.onair.conftest import wait_for
from tests.onair.test_show_loop import FPS, Show

from livehost.listen.live import LiveFeed
from livehost.show.inbox import Takeover
from livehost.stream.encoder import AUDIO_RATE

PIECE = 0.02  # seconds per piece, as a sound card delivers them


def syllables(seconds: float, seed: int = 5) -> np.ndarray:
    """A voice-like test signal: a 160 Hz buzz in syllables of random length and
    loudness with pauses between them, int16 at the show's rate."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
    buzz = sum(np.sin(2 * np.pi * 160 * k * t) / k for k in range(1, 12))
    envelope = np.zeros_like(t)
    at = 0.3
    while at < seconds - 0.5:
        length = rng.uniform(0.15, 0.45)
        loud = rng.uniform(0.4, 1.0)
        mask = (t >= at) & (t < at + length)
        envelope[mask] = loud * np.sin(np.pi * (t[mask] - at) / length)
        at += length + rng.uniform(0.1, 0.5)
    return (buzz / np.max(np.abs(buzz)) * envelope * 16000).astype(np.int16)


class FakeMicrophone:
    """Hands `signal` to the feed in pieces at real time, like a sound card."""

    def __init__(self, feed: LiveFeed, signal: np.ndarray) -> None:
        self.feed, self.signal = feed, signal
        self.started: float | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        n = int(PIECE * AUDIO_RATE)
        self.started = time.monotonic()
        for i in range(0, len(self.signal), n):
            due = self.started + (i + n) / AUDIO_RATE
            time.sleep(max(0.0, due - time.monotonic()))
            self.feed(self.signal[i : i + n], time.monotonic())


def recorded_audio(files: list[Path]) -> np.ndarray:
    pcm = []
    for path in files:
        with av.open(str(path)) as container:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    pcm.append(out.to_ndarray().reshape(-1))
    return np.concatenate(pcm)


def envelope(x: np.ndarray, hop: int) -> np.ndarray:
    n = len(x) // hop
    frames = x[: n * hop].astype(np.float64).reshape(n, hop)
    return np.sqrt((frames**2).mean(axis=1))


def test_a_voice_takeover_puts_the_microphone_on_air_and_moves_the_mouth(tmp_path) -> None:
    feed = LiveFeed(AUDIO_RATE)
    signal = syllables(8.0)
    with Show(tmp_path / "unit", live=feed) as show:
        loop = show.loop
        wait_for(lambda: show.status.utterances >= 1, 20, 0.05)
        show.director.inbox.put(Takeover("voice", "test"))
        wait_for(lambda: feed.active, 5, 0.01)
        talk_before = show.status.utterances
        mouth_open: list[tuple[int, float]] = []  # (frame, jaw) as the face drew it
        face = loop.face
        original = face.weights

        def spy(t: float):  # the face's own mouth weights per drawn frame
            w, pose, mouth = original(t)
            mouth_open.append((round(t * FPS), mouth.jaw))
            return w, pose, mouth

        face.weights = spy
        mic = FakeMicrophone(feed, signal)
        first_tick = loop.next_tick
        mic.start()
        wait_for(lambda: loop.next_tick >= first_tick + 8.5 * FPS, 20, 0.05)
        assert show.status.utterances == talk_before, "the scripted talk went on"
        latencies = sorted(show.status.live_latency_ms)
        show.director.inbox.put(Takeover(None))
        wait_for(lambda: show.status.utterances > talk_before, 20, 0.05)
        face.weights = original
    # the delay from a sample at the microphone to the tick that carries it
    assert latencies, "no live ticks went out"
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[int(len(latencies) * 0.95)]
    print(f"live latency p50 {p50} ms, p95 {p95} ms over {len(latencies)} ticks")
    assert p50 <= 400  # the 200 ms target is the benchmark's (bench.run listen)
    # what went on air is the microphone's sound: the envelopes line up at a short lag
    aired = recorded_audio(show.recorder.files)
    hop = AUDIO_RATE // 100
    a, s = envelope(aired, hop), envelope(signal, hop)
    scores = [
        (np.corrcoef(a[lag : lag + len(s)], s)[0, 1], lag)
        for lag in range(0, len(a) - len(s))
        if len(a[lag : lag + len(s)]) == len(s)
    ]
    best, lag = max(scores)
    print(f"aired vs microphone: correlation {best:.3f} at {lag * 10} ms into the recording")
    assert best > 0.9
    # the mouth followed the loudness of what it heard
    jaw = dict(mouth_open)
    start_frame = first_tick
    loud = envelope(signal, AUDIO_RATE // FPS)
    best_mouth = max(
        np.corrcoef([jaw.get(start_frame + i + shift, 0.0) for i in range(len(loud))], loud)[0, 1]
        for shift in range(0, 12)
    )
    print(f"mouth opening vs loudness: correlation {best_mouth:.3f}")
    assert best_mouth > 0.7
