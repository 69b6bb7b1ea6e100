"""The show loop in-process with the real voice, face and encoder, recording to a file."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import av
import numpy as np
import pytest

from livehost.config.device import load_config
from livehost.daemon import load_face, load_speech
from livehost.render.compositor import Compositor
from livehost.schedule.store import ScheduleStore
from livehost.schedule.watcher import ScheduleWatcher
from livehost.show.director import Director
from livehost.show.inbox import Pause, Pin, Say
from livehost.show.loop import ShowLoop, ShowOptions
from livehost.show.status import ShowStatus
from livehost.stream.encoder import EncoderSettings
from livehost.stream.recording import Recorder

from .conftest import wait_for
from .daemon_helpers import ALL_DAY_SCHEDULE, write_setup

FPS = 25
UTC = ZoneInfo("UTC")


class SlowSpeech:
    """The real voice, made slower than real time on purpose (a stalled upstream)."""

    def __init__(self, engine, delay: float) -> None:
        self.engine, self.delay = engine, delay

    @property
    def sample_rate(self) -> int:
        return self.engine.sample_rate

    @property
    def language(self) -> str:
        return self.engine.language

    def synthesize(self, text, cancel=None):
        for chunk in self.engine.synthesize(text, cancel):
            time.sleep(self.delay)
            yield chunk


class Show:
    def __init__(
        self, folder: Path, slow: float = 0.0, schedule: str | None = None, live=None
    ) -> None:
        config_path = write_setup(folder, fps=FPS)
        self.loaded = load_config(config_path)
        if schedule is not None:
            self.loaded.schedule_path.write_text(schedule, encoding="utf-8")
        self.status = ShowStatus()
        self.store = ScheduleStore(self.loaded.schedule_path, UTC, folder / "state")
        self.store.start()
        compositor = Compositor(640, 360)
        speech = load_speech(self.loaded, self.status)
        if slow:
            speech = SlowSpeech(speech, slow)
        face = load_face(self.loaded, compositor.layout.host_width, 360, self.status)
        self.director = Director.for_schedule(lambda: self.store.current.schedule, UTC, seed=3)
        self.recorder = Recorder(folder / "rec", EncoderSettings(640, 360, FPS, 1000, 64, 2.0))
        ten_am = datetime.now(timezone.utc).replace(hour=10, minute=0, second=0, microsecond=0)
        self.loop = ShowLoop(
            self.director,
            speech,
            face,
            compositor,
            [self.recorder],
            self.status,
            ShowOptions(fps=FPS),
            start_wall=ten_am,
            live=live,
        )

    def __enter__(self) -> Show:
        self.recorder.start()
        self.loop.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.stop()
        self.recorder.stop()


def packet_times(path: Path) -> tuple[list[float], list[float]]:
    video, audio = [], []
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is None:
                continue
            when = float(packet.pts * packet.time_base)
            (video if packet.stream.type == "video" else audio).append(when)
    return sorted(video), sorted(audio)


def test_stalled_upstream_gives_idle_frames_and_silence_with_continuous_timestamps(
    tmp_path,
) -> None:
    with Show(tmp_path / "unit", slow=4.0) as show:
        time.sleep(10)
    assert show.status.upstream_late_seconds > 1.0  # the voice was late, and it was counted
    assert show.status.ticks >= 9 * FPS
    video, audio = packet_times(show.recorder.files[0])
    assert len(video) >= 9 * FPS
    assert np.allclose(np.diff(video), 1 / FPS, atol=1e-3), "video timestamps jump or gap"
    steps = np.diff(audio)
    assert np.allclose(steps, 1024 / 48000, atol=1e-3), "audio timestamps jump or gap"
    assert audio[-1] - audio[0] == pytest.approx(video[-1] - video[0], abs=0.1)


def test_schedule_edit_switches_product_at_next_utterance_and_broken_edit_changes_nothing(
    tmp_path,
) -> None:
    with (
        Show(tmp_path / "unit") as show,
        ScheduleWatcher(show.loaded.schedule_path, show.store.reload),
    ):
        wait_for(lambda: show.status.product_id == "kettle", 20, 0.05)
        show.loaded.schedule_path.write_text(ALL_DAY_SCHEDULE.format(first="mug", second="kettle"))
        took = wait_for(lambda: show.status.product_id == "mug", 20, 0.05)
        assert took < 15
        assert show.store.version == 2
        show.loaded.schedule_path.write_text("store: [this is broken")
        wait_for(lambda: bool(show.store.last_problems), 5, 0.05)
        seen = set()
        for _ in range(80):
            seen.add(show.status.product_id)
            time.sleep(0.1)
        assert seen <= {"mug", None}
        assert show.store.version == 2


def test_operator_line_interrupts_within_a_sentence(tmp_path) -> None:
    with Show(tmp_path / "unit") as show:
        wait_for(lambda: show.status.utterances >= 2, 20, 0.05)
        # the inbox raises the urgent signal itself: nobody interrupts the loop by hand
        show.director.inbox.put(Say("Attention please: the store closes in ten minutes."))
        took = wait_for(lambda: "store closes" in show.status.utterance, 10, 0.02)
        assert took < 3.0

        wait_for(lambda: placed(show, "store closes"), 5, 0.02)  # on the clock, not only said


def placed(show: Show, words: str) -> list[str]:
    """Captions containing `words` that are on the clock from the renderer's position on."""
    upcoming = show.loop.timeline.captions_from(show.loop.rendered * show.loop.spt)
    return [c.text for c in upcoming if words in c.text]


def test_a_pin_cuts_the_pitch_at_a_sentence_boundary_and_the_card_follows(tmp_path) -> None:
    with Show(tmp_path / "unit") as show:
        wait_for(lambda: show.status.utterances >= 2 and show.status.product_id, 20, 0.05)
        other = "mug" if show.status.product_id == "kettle" else "kettle"
        show.director.inbox.put(Pin(other))  # the inbox cuts in; nobody interrupts the loop
        took = wait_for(lambda: show.status.product_id == other, 5, 0.02)
        assert took < 2.0  # the card: at the next rendered second (rendered 0.4 s ahead)
        name = "Stoneware Mug" if other == "mug" else "Glass Kettle"
        took = wait_for(lambda: placed(show, name), 10, 0.02)
        assert took < 5.0  # the talk, placed on the clock after the sentence playing at the cut


def test_a_second_urgent_message_does_not_cut_the_first_operator_line(tmp_path) -> None:
    first = "Attention please. The store closes in ten minutes. Thank you for shopping."
    with Show(tmp_path / "unit") as show:
        wait_for(lambda: show.status.utterances >= 2, 20, 0.05)
        show.director.inbox.put(Say(first))
        wait_for(lambda: placed(show, "Attention please"), 10, 0.02)
        show.director.inbox.put(Say("Doors open again at nine."))
        wait_for(lambda: placed(show, "Doors open"), 10, 0.02)
        captions = [c.text for c in show.loop.timeline.captions_from(0)]
        for sentence in ("Attention please.", "The store closes in ten minutes.",
                         "Thank you for shopping."):
            assert any(sentence in text for text in captions), (sentence, captions)


def test_a_chinese_schedule_with_an_english_voice_goes_on_with_captions_only(tmp_path) -> None:
    from tests.show.zh_schedule import HAN, ZH_SCHEDULE

    with Show(tmp_path / "unit", schedule=ZH_SCHEDULE) as show:
        wait_for(lambda: show.status.utterances >= 2, 20, 0.05)
        captions = show.loop.timeline.captions_from(0)
    assert show.status.speech_problem == (
        "the voice speaks en but the schedule is in zh: captions only"
    )
    assert captions and all(HAN.search(caption.text) for caption in captions)
    video, audio = packet_times(show.recorder.files[0])
    assert len(video) > FPS and audio  # on air all the while, with (silent) sound
    assert show.status.speech_engine.startswith("piper:")  # the voice is kept for en lines


def test_the_slate_is_in_the_schedules_language_unless_the_config_says(tmp_path) -> None:
    from tests.show.zh_schedule import ZH_SCHEDULE

    for folder, schedule, expected in (("en", None, "We're off air right now. See you soon!"),
                                       ("zh", ZH_SCHEDULE, "我们暂时下播了，稍后见！")):
        show = Show(tmp_path / folder, schedule=schedule)
        show.director.inbox.put(Pause("slate"))
        assert show.loop._card(datetime.now(timezone.utc)).message == expected
    show.loop.options = replace(show.loop.options, off_air_message="Closed for stocktaking")
    assert show.loop._card(datetime.now(timezone.utc)).message == "Closed for stocktaking"
