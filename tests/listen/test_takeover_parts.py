"""The parts of a takeover, each with the real thing beside it: the front door's command,
the inbox's expiry, the director's silence, the desk ignoring the chat, the state, the
events and the status table, the live feed's short buffer and the mouth from live sound."""

from __future__ import annotations

import time
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from tests.fleet.test_report import report_for, stand_in
from tests.onair.daemon_helpers import ALL_DAY_SCHEDULE

from livehost.fleet.sees import sees
from livehost.frontdoor import Refused
from livehost.lipsync.live import LiveMouth
from livehost.listen.live import LiveFeed
from livehost.schedule.load import load_schedule_text
from livehost.show.director import Director
from livehost.show.inbox import Inbox, Reply, Say, Takeover
from livehost.stream.encoder import AUDIO_RATE

UTC = ZoneInfo("UTC")
SCHEDULE = load_schedule_text(ALL_DAY_SCHEDULE.format(first="kettle", second="mug"), "s.yaml")


def microphone(problem: str = "") -> SimpleNamespace:
    """A Listening stand-in: usable() says why the microphone cannot be the voice."""
    return SimpleNamespace(
        usable=lambda: problem,
        problem=lambda: f"microphone: {problem}" if problem else "",
        report=dict,
    )


def test_a_voice_takeover_needs_a_microphone_that_delivers_sound() -> None:
    door = stand_in()
    with pytest.raises(Refused, match="no microphone"):
        door.takeover("voice", "ana")
    door.listening = microphone("cannot open ALSA device 'hw:1,0'")
    with pytest.raises(Refused, match="not delivering sound: cannot open ALSA"):
        door.takeover("voice", "ana")
    assert door.inbox.controls.takeover is None  # refused: nothing changed
    door.listening = microphone()
    result = door.takeover("voice", "ana", minutes=5)
    assert result["takeover"] == "voice" and result["by"] == "ana"
    assert result["until"] == pytest.approx(time.time() + 300, abs=2)
    # text needs no microphone; switching keeps the takeover's start
    since = result["since"]
    assert door.takeover("text", "ana")["since"] == since
    assert door.takeover("off") == {"takeover": None}
    assert door.inbox.controls.takeover is None


def test_a_forgotten_takeover_ends_by_itself() -> None:
    inbox = Inbox()
    inbox.put(Takeover("text", "ana", until=time.time() + 60))
    inbox.urgent.clear()
    assert not inbox.expire_takeover(time.time())
    assert inbox.expire_takeover(time.time() + 61)
    assert inbox.controls.takeover is None and inbox.urgent.is_set()
    with pytest.raises(ValueError, match="voice, text or off"):
        inbox.put(Takeover("puppet"))
    # answers waiting when a takeover starts would air stale after it: dropped
    inbox.put(Reply("faq:kettle:0", "Yes, the lid lifts off.", ("c1",)))
    inbox.put(Takeover("voice", "ana"))
    assert inbox.replies_waiting() == 0


def test_while_a_person_drives_only_their_lines_and_the_notice_are_said() -> None:
    director = Director.for_schedule(lambda: SCHEDULE.schedule, UTC, seed=1, notice_every=60)
    at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    first = director.next_planned(at)
    assert first is not None and first.kind == "opening"
    director.inbox.put(Takeover("voice", "ana"))
    assert director.next_planned(at) is None  # no pitch, no idle talk
    director.inbox.put(Say("Hello from the shop floor"))
    line = director.next_urgent(at)
    assert line is not None and line.text == "Hello from the shop floor"
    # the AI notice keeps its cadence
    director.clock = lambda: time.time() + 120
    notice = director.next_planned(at)
    assert notice is not None and notice.kind == "notice"
    director.inbox.put(Takeover(None))
    assert director.next_planned(at) is not None  # the host's own talk again


def test_the_state_events_and_status_table_say_who_drives() -> None:
    door = stand_in()
    door.listening = microphone()
    door.listening.source = SimpleNamespace(status=SimpleNamespace(state="listening", problem=""))
    report = report_for(door)
    report.changes()  # started
    door.takeover("voice", "ana", minutes=10)
    state = report.state()
    assert state.takeover is not None and state.takeover.by == "ana"
    assert state.why == "driven by a person (voice, ana)"
    started = [e for e in report.changes() if e.kind == "takeover_started"]
    assert started and started[0].data["mode"] == "voice"
    row = sees("online", state.model_dump(mode="json"))
    assert row == "show: kettle (driven: voice, ana)"
    door.takeover("off")
    ended = [e for e in report.changes() if e.kind == "takeover_ended"]
    assert ended and ended[0].data["reason"] == "operator" and ended[0].data["by"] == "ana"
    assert report.state().takeover is None


def test_the_live_feed_keeps_the_delay_short() -> None:
    feed = LiveFeed(AUDIO_RATE, most=0.1)
    feed(np.ones(4800, np.int16), time.monotonic())  # nothing kept outside a takeover
    assert feed.held_seconds() == 0
    feed.start()
    piece = AUDIO_RATE // 50  # 20 ms
    now = time.monotonic()
    for n in range(20):  # 0.4 s arrive while nobody takes: only the newest 0.1 s stay
        feed(np.full(piece, n, np.int16), now + n * 0.02)
    assert feed.held_seconds() == pytest.approx(0.1)
    assert feed.dropped_seconds == pytest.approx(0.3)
    taken = feed.take(1920)  # one tick at 25 fps: the oldest kept samples, in order
    assert taken.samples[0] == 15 and taken.samples[-1] == 16
    assert taken.oldest == pytest.approx(now + 15 * 0.02 - (piece - 1) / AUDIO_RATE)
    feed.take(1920)
    short = feed.take(1920)  # ran dry: padded with silence, counted
    assert feed.underruns == 1 and not short.samples[-100:].any()


def test_the_mouth_follows_live_sound() -> None:
    mouth = LiveMouth()
    t = np.arange(AUDIO_RATE // 25) / AUDIO_RATE
    quiet = np.zeros_like(t, dtype=np.int16)
    low = (np.sin(2 * np.pi * 250 * t) * 12000).astype(np.int16)  # a loud "oo"
    high = (np.sin(2 * np.pi * 3000 * t) * 12000).astype(np.int16)  # a loud "ee"/"s"
    start = 0.0
    curves = {}
    for name, piece in (("quiet", quiet), ("low", low), ("low2", low), ("gap", quiet),
                        ("high", high), ("high2", high)):
        curves[name] = mouth.analyse(piece, AUDIO_RATE, start)
        start += len(piece) / AUDIO_RATE
    assert curves["quiet"].opening.max() == 0  # silence: a closed, still mouth
    assert curves["low2"].opening[-1] > 0.5  # loud: open within two frames
    assert curves["low2"].round[-1] > 0.5 and curves["low2"].spread[-1] < 0.2
    assert curves["high2"].spread[-1] > 0.5 and curves["high2"].round[-1] < 0.2
    # pieces join up in time: each starts where the one before ended
    assert curves["low"].start == pytest.approx(curves["quiet"].end)


def test_a_microphone_lost_in_a_voice_takeover_gives_the_host_back(tmp_path) -> None:
    """Silence on air helps nobody: a microphone that stops delivering sound for a few
    seconds ends the voice takeover, and the events say why."""
    from livehost.config.listen import ListenConfig
    from livehost.listen.service import LOST_AFTER, Listening

    lost: list[str] = []
    listening = Listening(
        ListenConfig(enabled=True, device=f"file:{tmp_path / 'gone.wav'}"),
        tmp_path,
        ask=None,
        driving=lambda: True,
        voice=lambda: True,
        lost=lost.append,
    )
    listening.start()
    try:
        deadline = time.monotonic() + LOST_AFTER + 3
        while not lost and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        listening.stop()
    assert lost and "gone.wav" in lost[0]
    # the front door ends the takeover; the report's event names the microphone
    door = stand_in()
    door.listening = microphone()
    door.listening.source = SimpleNamespace(status=SimpleNamespace(state="listening", problem=""))
    report = report_for(door)
    report.changes()
    door.takeover("voice", "ana")
    report.changes()
    door.microphone_lost(lost[0])
    assert door.inbox.controls.takeover is None
    ended = [e for e in report.changes() if e.kind == "takeover_ended"]
    assert ended and ended[0].data["reason"] == "microphone"


def test_frames_get_the_microphone_in_order_whoever_asks_first() -> None:
    """The renderer (drawing ahead) and the ticker (covering a late frame) share each
    frame's samples; frames skipped over get theirs in turn, so nothing is lost or
    reordered."""
    from livehost.listen.live import LiveTicks

    feed = LiveFeed(AUDIO_RATE, most=1.0)
    feed.start()
    for n in range(10):
        feed(np.full(1920, n, np.int16), time.monotonic())
    ticks = LiveTicks(feed, 1920)
    assert ticks.for_frame(100).samples[0] == 0  # the first frame asked starts the count
    assert ticks.for_frame(103).samples[0] == 3  # the renderer skipped ahead ...
    assert ticks.for_frame(101).samples[0] == 1  # ... and the ticker covers 101, 102
    assert ticks.for_frame(102).samples[0] == 2
    assert ticks.for_frame(103).samples[0] == 3  # asked again (a redraw): the same
    assert ticks.aired(102).samples[0] == 2
    assert ticks.for_frame(101) is None  # gone out: nothing twice
    assert ticks.for_frame(104).samples[0] == 4


def test_the_gate_is_deaf_to_the_host_not_to_a_shopper_after_it() -> None:
    from livehost.listen.gate import EchoGate

    now = [0.0]
    gate = EchoGate(margin=0.4, clock=lambda: now[0])
    loud = np.full(1600, 8000, np.int16)
    for t in np.arange(0.0, 1.0, 0.04):  # the host speaks for a second
        gate.host_audio(loud, when=float(t))
    gate.host_audio(np.zeros(1600, np.int16), when=1.2)  # silence is not speaking
    assert gate.deaf(0.5, 0.9)  # heard while the host spoke
    assert gate.deaf(1.2, 2.0)  # began within the echo's margin
    assert not gate.deaf(1.6, 3.0)  # a shopper after the host
    gate.host_audio(loud, when=3.4)  # the host again, after they finished
    now[0] = 3.5
    assert not gate.deaf(1.6, 3.0)
    assert gate.deaf(3.2, 3.5) and gate.deaf(3.5)  # until: now


def test_a_microphone_problem_is_in_the_state_and_the_status_table() -> None:
    from livehost.fleet.ctl import last_error

    door = stand_in()
    door.listening = microphone("cannot open ALSA device 'hw:1,0'")
    state = report_for(door).state().model_dump(mode="json")
    assert state["listen_problem"] == "microphone: cannot open ALSA device 'hw:1,0'"
    assert last_error(state) == state["listen_problem"]
