"""The energy voice detector, on synthetic speech and noise."""

from __future__ import annotations

import numpy as np

from livehost.listen.vad import Speech, VoiceActivity, level_db

RATE = 16000
FRAME = 480  # the detector's 30 ms frame, so positions below are exact


def db_to_rms(db: float) -> float:
    return 32768.0 * 10 ** (db / 20)


def noise(seconds: float, db: float, seed: int = 0) -> np.ndarray:
    white = np.random.default_rng(seed).normal(size=round(seconds * RATE))
    return white * db_to_rms(db) / np.sqrt(np.mean(white**2))


def fan(seconds: float, db: float, seed: int = 1) -> np.ndarray:
    """Noise with most of its energy low down, as a fan or an air conditioner makes."""
    white = np.random.default_rng(seed).normal(size=round(seconds * RATE))
    spectrum = np.fft.rfft(white)
    spectrum /= 1 + np.fft.rfftfreq(white.size, 1 / RATE) / 200
    low = np.fft.irfft(spectrum, white.size)
    return low * db_to_rms(db) / np.sqrt(np.mean(low**2))


def voice(seconds: float, db: float, syllables: bool = True) -> np.ndarray:
    """A 150 Hz voice with its harmonics, in 4 Hz syllables that start and end at zero."""
    t = np.arange(round(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 9))
    if syllables:
        tone = tone * 0.5 * (1 - np.cos(2 * np.pi * 4 * t))
    return tone * db_to_rms(db) / np.sqrt(np.mean(tone**2))


def pcm(*parts: np.ndarray) -> np.ndarray:
    return np.clip(np.concatenate(parts), -32768, 32767).astype(np.int16)


def events_at(vad: VoiceActivity, signal: np.ndarray) -> list[tuple[int, Speech]]:
    """Feed frame by frame; each event with the sample position where it came out."""
    out = []
    for start in range(0, signal.size, FRAME):
        chunk = signal[start : start + FRAME]
        out += [(start + chunk.size, event) for event in vad.feed(chunk)]
    return out


def kinds(events: list[tuple[int, Speech]]) -> list[str]:
    return [event.kind for _, event in events if event.kind != "audio"]


def test_level_is_in_dbfs() -> None:
    assert abs(level_db(pcm(noise(0.1, -30))) - -30) < 0.1
    assert level_db(np.zeros(480, dtype=np.int16)) == -120.0


def test_silence_and_low_noise_are_not_speech() -> None:
    vad = VoiceActivity()
    assert vad.feed(np.zeros(3 * RATE, dtype=np.int16)) == []
    assert vad.feed(pcm(noise(3, -60))) == []
    assert not vad.speaking


def test_one_utterance_starts_with_its_preroll_and_ends_after_the_hangover() -> None:
    onset, end = 1.0 * RATE, 2.5 * RATE
    signal = pcm(noise(1.0, -60), voice(1.5, -20), noise(1.5, -60, seed=3))
    vad = VoiceActivity()
    events = events_at(vad, signal)
    assert kinds(events) == ["start", "end"]
    (started, start), (ended, _) = [(p, e) for p, e in events if e.kind != "audio"]
    assert 0 <= started - onset <= 0.15 * RATE  # detected quickly
    first = started - start.samples.size
    assert onset - (0.3 + 0.1) * RATE <= first <= onset  # the pre-roll holds the onset
    assert end <= ended <= end + (0.5 + 0.1) * RATE
    # the utterance is the input, unbroken, from the pre-roll to the end
    utterance = np.concatenate([e.samples for _, e in events])
    assert np.array_equal(utterance, signal[first:ended])
    assert not vad.speaking


def test_speaking_is_true_inside_an_utterance() -> None:
    vad = VoiceActivity()
    vad.feed(pcm(noise(0.5, -60)))
    assert not vad.speaking
    events = vad.feed(pcm(voice(0.5, -20)))
    assert events and events[0].kind == "start"
    assert vad.speaking


def test_two_utterances_a_second_apart_are_two() -> None:
    signal = pcm(
        noise(0.5, -60),
        voice(1.0, -20),
        noise(1.0, -60, seed=4),
        voice(1.0, -25),
        noise(1.0, -60, seed=5),
    )
    assert kinds(events_at(VoiceActivity(), signal)) == ["start", "end", "start", "end"]


def test_the_floor_follows_a_fan_that_spins_up_and_speech_above_it_is_heard() -> None:
    ramp = np.linspace(0, 1, 5 * RATE)
    fan_up = fan(5.0, -35) * 10 ** ((1 - ramp) * -25 / 20)  # -60 to -35 dBFS over 5 s
    steady = fan(3.0, -35, seed=6)
    vad = VoiceActivity()
    assert vad.feed(pcm(noise(1.0, -60), fan_up, steady)) == []  # 9 s and no speech
    assert vad.floor_db is not None and vad.floor_db > -40
    # 15 dB above the fan is speech (and -35 dBFS alone would be, without the floor)
    heard = vad.feed(pcm(voice(1.0, -20) + fan(1.0, -35, seed=7), fan(1.0, -35, seed=8)))
    assert [e.kind for e in heard if e.kind != "audio"] == ["start", "end"]


def test_the_floor_falls_when_the_fan_stops() -> None:
    vad = VoiceActivity()
    assert vad.feed(pcm(fan(2.0, -30), noise(1.0, -60))) == []
    heard = vad.feed(pcm(voice(1.0, -40), noise(1.0, -60, seed=9)))  # quieter than the fan
    assert [e.kind for e in heard if e.kind != "audio"] == ["start", "end"]


def test_max_seconds_cuts_a_radio_left_on() -> None:
    signal = pcm(noise(0.5, -60), voice(5.0, -20, syllables=False))
    events = [(p, e.kind) for p, e in events_at(VoiceActivity(max_seconds=2.0), signal)]
    starts = [p for p, kind in events if kind == "start"]
    ends = [p for p, kind in events if kind == "end"]
    assert len(starts) >= 2 and len(ends) >= 1
    for began, ended in zip(starts, ends, strict=False):
        assert abs((ended - began) - 2.0 * RATE) <= FRAME  # cut at 2 s, not later


def test_chunk_sizes_do_not_change_the_events() -> None:
    signal = pcm(
        noise(0.5, -60),
        voice(1.0, -20),
        noise(1.0, -60, seed=10),
        voice(0.7, -30),
        noise(0.8, -60, seed=11),
    )

    def run(size: int) -> list[tuple[str, bytes]]:
        vad = VoiceActivity()
        events = []
        for start in range(0, signal.size, size):
            events += vad.feed(signal[start : start + size])
        return [(e.kind, e.samples.tobytes()) for e in events]

    small = run(160)
    assert [kind for kind, _ in small if kind != "audio"] == ["start", "end", "start", "end"]
    assert run(4800) == small
    assert run(777) == small


def test_reset_forgets_the_utterance_in_progress() -> None:
    vad = VoiceActivity()
    vad.feed(pcm(noise(0.5, -60), voice(0.5, -20)))
    assert vad.speaking
    vad.reset()
    assert not vad.speaking
    assert vad.feed(pcm(noise(1.0, -60))) == []  # no "end" for what was forgotten
