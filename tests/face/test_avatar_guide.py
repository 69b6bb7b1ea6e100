"""`livehost avatar guide`: the capture card and the teleprompter follow the timeline, and
the reading texts pass through every mouth shape."""

from __future__ import annotations

import re

import av
import numpy as np
import pytest
import yaml

from livehost.avatar import guide
from livehost.avatar.reading import READING, coverage, length
from livehost.avatar.video import timeline
from livehost.cli.main import main

TAKE_LINE = re.compile(r"^\s+(\d\d:\d\d(?:\.\d)?)-(\d\d:\d\d(?:\.\d)?)\s+(\w+)\s+(.+)$")


def printed(capsys, *args: str) -> str:
    assert main(["avatar", "guide", *args]) == 0
    return capsys.readouterr().out


def seconds(clock: str) -> float:
    minutes, rest = clock.split(":")
    return int(minutes) * 60 + float(rest)


def test_printed_guide_lists_every_take_at_its_time(capsys):
    out = printed(capsys)
    takes = [m.groups() for m in map(TAKE_LINE.match, out.splitlines()) if m]
    what = {take.name: take.what for take in timeline.TAKES}
    assert [(seconds(a), seconds(b), name) for a, b, name, _ in takes] == [
        (s.start, s.end, s.name) for s in timeline.segments()]
    assert all(instruction == what[name] for _, _, name, instruction in takes)
    assert " ".join(READING["en"].split()) in " ".join(out.split())
    for needed in ("eye level", "plain background", "constant frame rate", "--consent-date",
                   "segments.yaml"):
        assert needed in out


def test_sidecar_example_is_the_timeline_in_yaml(capsys):
    out = printed(capsys)
    example = "\n".join(line for line in out.splitlines() if line.startswith("    - {name:"))
    assert yaml.safe_load(example) == [
        {"name": s.name, "start": s.start, "end": s.end} for s in timeline.segments()]


def test_chinese_guide_has_the_chinese_reading(capsys):
    out = printed(capsys, "--language", "zh")
    assert READING["zh"] in re.sub(r"\s", "", out)
    assert len(re.findall(r"[\u4e00-\u9fff]", out)) >= 180


def test_out_txt_writes_the_card(tmp_path, capsys):
    path = tmp_path / "guide.txt"
    assert main(["avatar", "guide", "--out", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == guide.card("en")


@pytest.mark.parametrize("args, message", [
    (["--language", "fr"], "no reading text for language 'fr'; choose one of: en, zh"),
    (["--out", "guide.pdf"], "write the guide as .txt"),
])
def test_bad_requests_exit_nonzero_and_say_why(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["avatar", "guide", *args]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "guide.pdf").exists()


# --- the reading texts ---------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "zh"])
def test_reading_covers_every_mouth_shape(language):
    counts = coverage(READING[language], language)
    assert len(counts) == (6 if language == "en" else 13)
    assert {name: n for name, n in counts.items() if n < 8} == {}


def test_readings_fill_about_45_seconds():
    assert 110 <= length(READING["en"], "en") <= 130  # words
    assert 180 <= length(READING["zh"], "zh") <= 220  # characters


def test_coverage_counts_what_it_says():
    assert coverage("Bob thumbs a map", "en") == {
        "open": 2, "spread": 0, "rounded": 1, "closure": 6, "labiodental": 0, "th": 1}
    zh = coverage("爸爸妈妈去哪里", "zh")
    assert zh["initial b"] == 2 and zh["initial m"] == 2 and zh["final a"] == 5
    assert zh["final ü"] == 1 and zh["final i"] == 1
    with pytest.raises(ValueError, match="fr"):
        coverage("bonjour", "fr")


# --- the teleprompter ------------------------------------------------------------------------

def test_reading_screens_advance_to_end_with_the_take():
    lines = ["first line", "second line", "third line", "fourth line", "fifth", "last line"]
    reading = next(s for s in timeline.segments() if s.name == "reading")
    start = guide.screen_at(reading.start, lines)
    end = guide.screen_at(reading.end - 0.01, lines)
    assert start.lines[start.current] == "first line" and start.countdown == 45
    assert end.lines[end.current] == "last line" and end.countdown == 1
    assert guide.screen_at(reading.end + 0.5, lines).heading == "rest"


@pytest.fixture(scope="module")
def teleprompter(tmp_path_factory):
    path = tmp_path_factory.mktemp("guide") / "guide.mp4"
    assert main(["avatar", "guide", "--out", str(path)]) == 0
    return path


def test_teleprompter_is_720p_25fps_and_as_long_as_the_timeline(teleprompter):
    with av.open(str(teleprompter)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (1280, 720)
        assert video.average_rate == 25
        assert container.streams.audio, "no audio track for the beeps"
        assert abs(container.duration / 1e6 - timeline.total_seconds()) <= 0.5
        frames = sum(1 for _ in container.decode(video=0))
    assert abs(frames / 25 - timeline.total_seconds()) <= 0.5


def decoded_audio(path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        pieces = []
        for frame in container.decode(audio=0):
            at = round(float(frame.time) * rate)  # placed by its time: AAC has a priming delay
            pieces.append((at, frame.to_ndarray()[0].astype(np.float32)))
    out = np.zeros(max(at + len(p) for at, p in pieces), np.float32)
    for at, piece in pieces:
        out[max(0, at):at + len(piece)] = piece[max(0, -at):]
    return out, rate


def tone_envelope(audio: np.ndarray, rate: int, hz: float = 1000.0, hop: float = 0.01):
    """The level at `hz` in 20 ms windows every `hop` seconds, and the share of each
    window's energy that lies at `hz` (a beep is nearly all of it)."""
    n, step = round(0.02 * rate), round(hop * rate)
    starts = np.arange(0, len(audio) - n, step)
    windows = audio[starts[:, None] + np.arange(n)]
    probe = np.exp(-2j * np.pi * hz * np.arange(n) / rate)
    level = np.abs(windows @ probe) * 2 / n
    energy = (windows ** 2).mean(axis=1)
    share = np.divide(level ** 2 / 2, energy, out=np.zeros_like(energy), where=energy > 1e-8)
    return starts / rate, level, share


def test_teleprompter_beeps_at_each_take_start(teleprompter):
    audio, rate = decoded_audio(teleprompter)
    times, level, share = tone_envelope(audio, rate)
    loud = np.concatenate([[False], level > 0.1])  # silence before the first frame
    onsets = times[loud[1:] & ~loud[:-1]]
    starts = [s.start for s in timeline.segments()]
    assert len(onsets) == len(starts), f"beeps at {onsets}"
    for onset, start in zip(onsets, starts, strict=True):
        assert abs(onset - start) <= 0.2
        peak = (times >= onset) & (times < onset + 0.08)
        assert share[peak].max() > 0.8  # a tone at 1 kHz, not a click
