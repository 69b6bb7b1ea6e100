"""Speech that holds under load: a busy machine must not cut a word.

The check is against what the voice produced: every sentence the producer places on the
media clock (its samples and its caption) is compared with what went to the outputs (a
tap, sample-exact) and with what the recording decodes to. A gap is a run of 40 ms or
more inside a sentence where the voice had sound but the output is silent. Piper never
makes such a run inside a sentence itself (its longest run of zeros is about 2 ms), so
every one found is a hole the show made.

The hog test runs the show as the daemon does by default (1280x720, 25 fps, the real
voice, the warp face, an x264 recording) at the nice level systemd/livehost.service gives
it (where the test may), next to four busy processes per core at the test's own nice
level: one per core does not starve a show of a dozen threads (the scheduler is fair per
thread), four per core do, like a parallel build next to it.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import av
import numpy as np

from livehost.config.device import load_config
from livehost.daemon import load_face, load_speech
from livehost.lipsync.blank import BlankEngine
from livehost.render.compositor import Compositor
from livehost.schedule.store import ScheduleStore
from livehost.show import loop as show_loop
from livehost.show.bursts import BURST_QUIET
from livehost.show.director import Director
from livehost.show.loop import ShowLoop, ShowOptions
from livehost.show.status import ShowStatus
from livehost.show.timeline import Caption
from livehost.speech.chunk import SILENCE, PhonemeTiming, SpeechChunk
from livehost.speech.sentences import split_sentences
from livehost.stream.encoder import AUDIO_RATE, EncoderSettings, Tick
from livehost.stream.recording import Recorder
from livehost.system import priority

from .conftest import wait_for
from .daemon_helpers import write_setup

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "systemd" / "livehost.service"
FPS = 25
UTC = ZoneInfo("UTC")
HOG = "while True: pass"
HOGS_PER_CORE = 4
UNDER_LOAD = 24.0  # seconds of show with every core busy
GAP = int(0.040 * AUDIO_RATE)  # a hole this long is heard as a cut word


class Tap:
    """An output that keeps the audio of every tick, by index."""

    def __init__(self) -> None:
        self.audio: dict[int, np.ndarray] = {}

    def offer(self, tick: Tick) -> None:
        self.audio[tick.index] = tick.audio


@dataclass
class Placed:
    position: int
    samples: np.ndarray
    caption: Caption | None


class Show:
    """The show loop in-process with a tap and a record of what the voice placed."""

    def __init__(
        self,
        folder: Path,
        width: int = 1280,
        height: int = 720,
        speech=None,  # a SpeechEngine; the configured voice if None
        face=None,  # a LipSyncEngine; the configured face if None
        record: bool = True,
    ) -> None:
        self.loaded = load_config(write_setup(folder, width, height, FPS))
        self.status = ShowStatus()
        self.store = ScheduleStore(self.loaded.schedule_path, UTC, folder / "state")
        self.store.start()
        compositor = Compositor(width, height)
        speech = speech or load_speech(self.loaded, self.status)
        face = face or load_face(self.loaded, compositor.layout.host_width, height, self.status)
        director = Director.for_schedule(lambda: self.store.current.schedule, UTC, seed=3)
        self.recorder = (
            Recorder(folder / "rec", EncoderSettings(width, height, FPS, 2500, 64, 2.0))
            if record
            else None
        )
        self.tap = Tap()
        ten_am = datetime.now(timezone.utc).replace(hour=10, minute=0, second=0, microsecond=0)
        self.loop = ShowLoop(
            director,
            speech,
            face,
            compositor,
            [*([self.recorder] if self.recorder else []), self.tap],
            self.status,
            ShowOptions(fps=FPS),
            start_wall=ten_am,
        )
        self.placed: list[Placed] = []
        write = self.loop.timeline.write

        def recording_write(position, samples, caption=None):
            self.placed.append(Placed(position, np.array(samples, np.int16), caption))
            write(position, samples, caption)

        self.loop.timeline.write = recording_write  # type: ignore[method-assign]

    def __enter__(self) -> Show:
        if self.recorder:
            self.recorder.start()
        self.loop.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.stop()
        if self.recorder:
            self.recorder.stop()

    # --- what came out ---

    def sent(self) -> np.ndarray:
        spt = self.loop.spt
        out = np.zeros((max(self.tap.audio) + 1) * spt, np.int16)
        for index, samples in self.tap.audio.items():
            out[index * spt : (index + 1) * spt] = samples
        return out

    def expected(self, length: int) -> np.ndarray:
        out = np.zeros(length, np.int16)
        for piece in self.placed:
            stop = min(length, piece.position + len(piece.samples))
            if stop > piece.position:
                out[piece.position : stop] = piece.samples[: stop - piece.position]
        return out

    def captions(self) -> list[Caption]:
        return [p.caption for p in self.placed if p.caption is not None]


def decoded_audio(path: Path, length: int) -> np.ndarray:
    """The recording's audio at the clock's rate, each frame placed at its timestamp (a
    tick the recorder dropped stays silent)."""
    out = np.zeros(length, np.float64)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        for frame in container.decode(stream):
            start = round(float(frame.pts * stream.time_base) * AUDIO_RATE)
            for piece in resampler.resample(frame):
                samples = piece.to_ndarray().reshape(-1)
                lo, hi = max(0, start), min(length, start + len(samples))
                if lo < hi:
                    out[lo:hi] = samples[lo - start : hi - start]
                start += len(samples)
    return out


def gaps_inside_sentences(
    captions: list[Caption], expected: np.ndarray, got: np.ndarray, quiet: float
) -> list[tuple[str, float, float]]:
    """(sentence, where in it, how long) for each run of at least GAP samples inside a
    sentence where the output is silent (|x| <= quiet) although the voice was not."""
    gaps = []
    for caption in captions:
        if caption.end > len(got):
            continue  # still to play when the show stopped
        want = np.abs(expected[caption.start : caption.end].astype(np.int32))
        silent = np.abs(got[caption.start : caption.end]) <= quiet
        run = 0
        for i, is_silent in enumerate(silent):
            run = run + 1 if is_silent else 0
            if run == GAP:
                begin = i + 1 - GAP
                loud = np.flatnonzero(~silent[begin:])
                length = int(loud[0]) if len(loud) else len(silent) - begin
                if want[begin : begin + length].max() > 200:  # the voice had sound there
                    gaps.append((caption.text, begin / AUDIO_RATE, length / AUDIO_RATE))
    return gaps


def burst_logs(caplog, words: str) -> int:
    return sum(1 for r in caplog.records if r.name == show_loop.__name__ and words in r.message)


# --- a late renderer, made late on purpose: fast, no CPU hog ---


class ToneSpeech:
    """A voice that says each sentence as a steady tone, 60 ms per character: never 40 ms
    of silence inside a sentence, so any such run is a hole."""

    language = "en"
    sample_rate = 22050

    def synthesize(self, text: str, cancel=None) -> Iterator[SpeechChunk]:
        for start, end in split_sentences(text):
            if cancel is not None and cancel.is_set():
                return
            n = int(0.06 * (end - start) * self.sample_rate)
            t = np.arange(n) / self.sample_rate
            audio = (np.sin(2 * np.pi * 220 * t) * 8000 + 3000).astype(np.int16)
            yield SpeechChunk(
                audio, self.sample_rate, (PhonemeTiming(SILENCE, 0, n),), (start, end),
                text[start:end],
            )


class StallingFace(BlankEngine):
    """A face that takes 0.6 s over every 20th frame (a renderer preempted by a busy
    machine) and 60 ms over each of ten frames after it (one that cannot keep up)."""

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        for index in range(first, stop):
            if index > 2 * FPS and index % 20 == 0:
                time.sleep(0.6)
            elif index > 2 * FPS and index % 20 < 10:
                time.sleep(0.06)
            yield self._frame


def test_a_late_frame_repeats_the_picture_and_keeps_the_words(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger=show_loop.__name__)
    face = StallingFace(Compositor(640, 360).layout.host_width, 360, FPS)
    show = Show(tmp_path / "unit", 640, 360, speech=ToneSpeech(), face=face, record=False)
    with show:
        wait_for(lambda: show.loop.next_tick >= 8 * FPS, 20, 0.05)
        threads = {t.name: t.native_id for t in threading.enumerate()}
        nice = {name: os.getpriority(os.PRIO_PROCESS, threads[f"show-{name}"])
                for name in ("producer", "renderer", "ticker")}
    sent = show.sent()
    gaps = gaps_inside_sentences(show.captions(), show.expected(len(sent)), sent, quiet=0)
    status = show.status
    assert status.late_frames >= 20, "the face did not make the renderer late"
    assert not gaps, f"late frames cut {len(gaps)} holes into sentences: {gaps[:5]}"
    assert status.dropped_words == 0
    # counted each time, said once per burst: a warning when it starts, a summary after
    starts = burst_logs(caplog, "late frames: the renderer fell behind")
    assert 1 <= starts <= 8 * FPS / (BURST_QUIET * FPS) + 1
    assert status.late_frames > 4 * starts
    # the voice and the ticker above the process (where permitted), the renderer level
    process = os.getpriority(os.PRIO_PROCESS, 0)
    if nice["ticker"] < process:
        assert nice["producer"] == nice["ticker"] == max(-20, process - show_loop.SHOW_PRIORITY)
    else:
        assert burst_logs(caplog, "stay at the process's priority") == 1
    assert nice["renderer"] == process


def test_no_priority_is_said_once_and_the_show_goes_on(tmp_path, caplog, monkeypatch) -> None:
    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(priority.os, "setpriority", refuse)
    caplog.set_level(logging.INFO, logger=show_loop.__name__)
    face = BlankEngine(Compositor(640, 360).layout.host_width, 360, FPS)
    show = Show(tmp_path / "unit", 640, 360, speech=ToneSpeech(), face=face, record=False)
    with show:
        wait_for(lambda: show.loop.next_tick >= FPS, 10, 0.02)
    assert burst_logs(caplog, "stay at the process's priority (Permission denied)") == 1


# --- the real show next to a CPU hog on every core ---


def unit_nice() -> int:
    """The Nice= systemd gives the daemon (0 when the unit sets none)."""
    found = re.search(r"^Nice=(-?\d+)\s*$", UNIT.read_text(), re.MULTILINE)
    return int(found[1]) if found else 0


def start_hogs(nice: int) -> list[subprocess.Popen]:
    """Busy loops at nice level `nice` (another program), four per core."""
    count = HOGS_PER_CORE * (os.cpu_count() or 1)
    step = nice - os.getpriority(os.PRIO_PROCESS, 0)
    command = ["nice", "-n", str(step), sys.executable, "-c", HOG]
    return [subprocess.Popen(command) for _ in range(count)]


def stop_hogs(hogs: list[subprocess.Popen]) -> float:
    """Stop them; returns the CPU seconds they got."""
    used = 0.0
    for hog in hogs:
        with open(f"/proc/{hog.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        hog.kill()
    for hog in hogs:
        hog.wait(5)
    return used


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (everyone's, not only ours)."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def test_a_cpu_hog_on_every_core_cuts_no_word(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger=show_loop.__name__)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    as_the_unit = True
    try:  # as the unit runs it: threads made from here on take this thread's nice
        os.setpriority(os.PRIO_PROCESS, 0, ours + unit_nice())
    except PermissionError:
        as_the_unit = False
    try:
        show = Show(tmp_path / "unit")
        with show:
            wait_for(lambda: show.status.utterances >= 1, 30, 0.05)
            hogs = start_hogs(ours)
            busy, mine = machine_busy(), time.process_time()
            try:
                time.sleep(UNDER_LOAD)
            finally:
                hogged = stop_hogs(hogs)
            busy, mine = machine_busy() - busy, time.process_time() - mine
            time.sleep(0.5)
    finally:
        os.setpriority(os.PRIO_PROCESS, 0, ours)
    status = show.status
    sent = show.sent()
    expected = show.expected(len(sent))
    captions = show.captions()
    spoken = [c for c in captions if c.end <= len(sent)]
    assert len(spoken) >= 4, f"only {len(spoken)} sentences on air"
    assert show.recorder is not None

    # what left the loop, sample-exact; what the recording decodes to (AAC: digital
    # silence decodes to within a few steps of zero)
    tap_gaps = gaps_inside_sentences(captions, expected, sent, quiet=0)
    recording = decoded_audio(show.recorder.files[0], len(sent))
    rec_gaps = gaps_inside_sentences(captions, expected, recording, quiet=8)
    counters = {
        name: getattr(status, name, None)
        for name in ("late_frames", "late_audio", "upstream_late_seconds", "dropped_words",
                     "speech_rtf")
    }
    print(f"\nnice {unit_nice()}, cores used: show {mine / UNDER_LOAD:.2f}, hogs "
          f"{hogged / UNDER_LOAD:.2f}, others {(busy - mine - hogged) / UNDER_LOAD:.2f}")
    print(f"{len(spoken)} sentences; holes: tap {len(tap_gaps)}, recording {len(rec_gaps)}; "
          f"recorder dropped {show.recorder.status.dropped_ticks} ticks; {counters}")
    for text, at, length in (tap_gaps or rec_gaps)[:10]:
        print(f"  {length * 1000:.0f} ms of silence {at:.2f} s into {text!r}")
    assert not tap_gaps, f"{len(tap_gaps)} holes inside sentences left the show loop"
    # The recorder drops ticks when its encoder is starved (its own counter): that it is
    # not takes the unit's priority, which only a privileged test can give it.
    if as_the_unit or not show.recorder.status.dropped_ticks:
        assert not rec_gaps, f"{len(rec_gaps)} holes inside sentences in the recording"
    else:
        print("not permitted to take the unit's Nice=: the recording is not checked")
    assert status.dropped_words == 0
    # however many late frames, a few lines of log: one warning and one summary per burst
    bursts = burst_logs(caplog, "late frames: the renderer fell behind")
    assert bursts <= (UNDER_LOAD + 10) / BURST_QUIET
