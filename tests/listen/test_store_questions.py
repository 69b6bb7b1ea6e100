"""Questions asked in the store: a Korean question said by espeak-ng, played by the file
source as a microphone would hear it, recognised by the real Vosk model in grammar mode
(the schedule's FAQ keywords), matched by the real audience desk and answered "you in the
store"; and nothing is heard while the host itself speaks (half duplex)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from tests.listen.conftest import RATE, read_wav, say_korean, write_wav

from livehost.audience.desk import AudienceDesk
from livehost.audience.limits import RateLimiter
from livehost.audience.matching import Matcher
from livehost.audience.moderation import Moderator
from livehost.listen.gate import EchoGate
from livehost.listen.listener import StoreListener
from livehost.listen.source import MicSource
from livehost.schedule.load import load_schedule_text
from livehost.show.inbox import Inbox
from livehost.show.programme import Programme

# an English shop whose staff gave Korean keywords to the pot's FAQ (shoppers at the
# screen speak Korean; the host answers in the store's language)
SCHEDULE = """\
store:
  name: Test Shop
products:
  - id: pot
    name: Steel Pot
    price: 39.0
    features: [Five litres, Steel all through]
    faq:
      - question: Does it work on induction?
        answer: Yes, it works on every hob, induction included.
        keywords: [induction, 인덕션]
      - question: Is it dishwasher safe?
        answer: Yes, it can go in the dishwasher.
        keywords: [dishwasher, 식기세척기]
slots:
  - name: All day
    days: daily
    start: "00:00"
    end: "23:59"
    products: [pot]
    per_product: 1h
fallback:
  message: Back soon
"""
QUESTION = "인덕션에서 사용할 수 있나요"  # can it be used on induction?
UTC = ZoneInfo("UTC")


@pytest.fixture(scope="module")
def question_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The question between pauses, as the file source loops it."""
    folder = tmp_path_factory.mktemp("store")
    said = read_wav(say_korean(QUESTION, folder / "said.wav"))
    pause = np.zeros(RATE, np.int16)
    samples = np.concatenate([pause, said, pause, pause])
    return write_wav(folder / "question.wav", samples, RATE)


def desk_for(schedule_text: str, tmp_path: Path) -> tuple[AudienceDesk, Inbox]:
    schedule = load_schedule_text(schedule_text, "schedule.yaml").schedule
    inbox = Inbox()
    programme = Programme(lambda: schedule, UTC, inbox)
    ten_am = datetime.now(timezone.utc).replace(hour=10, minute=0)
    desk = AudienceDesk(
        inbox,
        programme,
        lambda: ten_am,
        Moderator(tmp_path / "blocked-words.txt"),
        RateLimiter(),
        Matcher,
    )
    return desk, inbox


def listen(wav: Path, model: Path, ask, gate: EchoGate | None, seconds: float) -> StoreListener:
    """The real listener on the real file source for `seconds`."""
    listener = StoreListener(
        model, "vosk-ko", ask, gate, phrases=lambda: ["인덕션", "식기세척기", "냄비"]
    )
    source = MicSource(f"file:{wav}", rate=48000, sinks=[listener])
    listener.start()
    source.start()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not listener.status.heard:
            time.sleep(0.1)
    finally:
        source.stop()
        listener.stop(timeout=5)
    return listener


def test_a_question_in_the_store_is_heard_matched_and_answered(
    question_wav, korean_model, tmp_path
) -> None:
    desk, inbox = desk_for(SCHEDULE, tmp_path)
    heard: list[str] = []

    def ask(text: str) -> None:
        heard.append(text)
        desk.store_question(text)

    listener = listen(question_wav, korean_model, ask, EchoGate(), seconds=20)
    print(f"heard {heard}, status {listener.status}")
    assert heard and "인덕션" in heard[0]
    assert listener.status.rtf is not None
    # the desk's worker takes it as a comment from `store` and words the answer
    desk.start()
    try:
        reply = None
        deadline = time.monotonic() + 30  # the sentence model loads on first use
        while reply is None and time.monotonic() < deadline:
            reply = inbox.take_reply()
            time.sleep(0.05)
    finally:
        desk.stop(timeout=5)
    assert reply is not None, desk.take_fates()
    assert (
        reply.text
        == "You in the store, good question. Yes, it works on every hob, induction included."
    )
    assert reply.reply_to[0].startswith("store:")
    assert desk.questions() == {}  # a shopper's words are never kept


def test_the_listener_is_deaf_while_the_host_speaks(question_wav, korean_model) -> None:
    """The same question, heard while the show says the host is speaking (its voice in
    the room, picked up by the microphone): thrown away, not asked."""
    gate = EchoGate(margin=0.4)
    speaking = threading.Event()
    speaking.set()
    loud = (np.sin(np.arange(1920) / 5) * 8000).astype(np.int16)

    def host_talks() -> None:  # the show's ticker, telling the gate what goes on air
        while speaking.is_set():
            gate.host_audio(loud)
            time.sleep(0.04)

    talker = threading.Thread(target=host_talks, daemon=True)
    talker.start()
    asked: list[str] = []
    try:
        listener = listen(question_wav, korean_model, asked.append, gate, seconds=8)
    finally:
        speaking.clear()
        talker.join()
    print(f"status while the host spoke: {listener.status}")
    assert asked == []
    assert listener.status.ignored_echo >= 1  # it did hear speech, and dropped it


def test_nothing_is_asked_while_a_person_drives_the_host(question_wav, korean_model) -> None:
    asked: list[str] = []
    listener = StoreListener(korean_model, "vosk-ko", asked.append, None, deaf=lambda: True)
    source = MicSource(f"file:{question_wav}", rate=48000, sinks=[listener])
    listener.start()
    source.start()
    time.sleep(6)
    source.stop()
    listener.stop(timeout=5)
    assert asked == [] and listener.status.state == "deaf"


def test_no_model_leaves_the_listener_off_with_a_reason() -> None:
    listener = StoreListener(None, "vosk-ko", lambda text: None, None)
    listener.start()
    listener.stop(timeout=2)
    assert listener.status.state == "off" and "listen.model" in listener.status.problem


def test_a_folder_that_is_no_model_fails_with_its_name(tmp_path) -> None:
    listener = StoreListener(tmp_path, "vosk-ko", lambda text: None, None)
    listener.start()
    listener.stop(timeout=2)
    assert listener.status.state == "failed" and str(tmp_path) in listener.status.problem
