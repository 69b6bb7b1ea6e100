"""The listener: the store's microphone to questions for the audience desk.

    source thread    microphone -> pieces of 48 kHz PCM -> this queue (and, in a
                     takeover, the live feed that becomes the host's voice)
    listener thread  -> 16 kHz -> voice activity -> Vosk -> the text of what was said
                     -> the desk, as a question from `store` (matched like a comment,
                     answered if it matches an approved fact, ignored otherwise)

Speech heard while the host spoke (or just after: the room's echo) is thrown away whole,
and nothing is heard while a person drives the host. What a shopper said is logged at
debug level only and never kept: the desk keeps no store question among the unanswered.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from livehost.listen.gate import EchoGate
from livehost.listen.vad import Speech, VoiceActivity

if TYPE_CHECKING:
    from livehost.listen.recognizer import Recognizer

log = logging.getLogger(__name__)

ASR_RATE = 16000
QUEUE = 500  # pieces of input waiting (10 s of 20 ms pieces): beyond, the oldest go


@dataclass
class ListenStatus:
    state: str = "off"  # off | loading | listening | deaf (a takeover) | failed
    problem: str = ""
    model: str = ""
    heard: int = 0  # utterances recognised and handed to the desk
    ignored_echo: int = 0  # utterances thrown away: the host was speaking
    empty: int = 0  # speech with no words recognised
    dropped: int = 0  # input pieces lost because the recogniser fell behind
    rtf: float | None = None  # recognition seconds per second of speech, last utterance


class StoreListener:
    def __init__(
        self,
        model_dir: Path | None,
        model_id: str,
        ask: Callable[[str], None],
        gate: EchoGate | None,
        deaf: Callable[[], bool] = lambda: False,
        phrases: Callable[[], list[str] | None] = lambda: None,
        rate: int = 48000,
    ) -> None:
        self.model_dir = model_dir
        self.ask = ask  # the desk's door for a question from the store
        self.gate = gate  # None: an echo-cancelling microphone, always open
        self.deaf = deaf  # True while a person drives the host
        self.phrases = phrases  # Vosk grammar (None: free recognition), read per utterance
        self.rate = rate
        self.status = ListenStatus(model=model_id)
        self._queue: queue.Queue[tuple[np.ndarray, float]] = queue.Queue(QUEUE)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="listen", daemon=True)

    def __call__(self, samples: np.ndarray, arrived: float) -> None:
        """From the source's thread: queue a piece, never wait."""
        try:
            self._queue.put_nowait((samples, arrived))
        except queue.Full:
            self.status.dropped += 1
            try:  # the oldest goes: what is said now matters more
                self._queue.get_nowait()
                self._queue.put_nowait((samples, arrived))
            except (queue.Empty, queue.Full):
                pass

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        make = self._load()
        if make is None:
            return
        vad = VoiceActivity(ASR_RATE)
        resampler = _Resampler(self.rate, ASR_RATE)
        heard: _Utterance | None = None
        failures = 0
        while not self._stop.is_set():
            try:
                samples, arrived = self._queue.get(timeout=0.25)
            except queue.Empty:
                continue
            if self.deaf():  # a person drives the host: their words are no questions
                if self.status.state != "deaf":
                    self.status.state = "deaf"
                    vad.reset()
                    heard = None
                continue
            try:
                for event in vad.feed(resampler(samples)):
                    heard = self._step(heard, event, arrived, make)
                self.status.state = "listening"
                self.status.problem = ""
                failures = 0
            except Exception as exc:  # one bad piece must not end listening
                failures += 1
                if failures == 1:
                    log.exception("store: recognising speech failed; listening on")
                self.status.problem = f"recognising speech failed ({exc!r})"
                vad.reset()
                heard = None

    def _step(
        self,
        heard: _Utterance | None,
        event: Speech,
        arrived: float,
        make: Callable[[list[str] | None], Recognizer],
    ) -> _Utterance | None:
        """One event of the voice activity detector; the utterance in progress after it."""
        if event.kind == "start":
            began = arrived - len(event.samples) / ASR_RATE
            # the host was speaking as it began: its own voice, most likely; not decoded
            echo = self.gate is not None and self.gate.deaf(began, arrived)
            heard = _Utterance(began, None if echo else make(self.phrases()))
        if heard is None:
            return None
        if event.kind in ("start", "audio"):
            heard.feed(event.samples)
            return heard
        self._heard(heard, arrived)
        return None

    def _heard(self, heard: _Utterance, ended: float) -> None:
        echo = self.gate is not None and self.gate.deaf(heard.began, ended)
        if heard.recognizer is None or echo:
            self.status.ignored_echo += 1
            log.debug("store: speech while the host spoke, not heard")
            return
        text = heard.finish()
        self.status.rtf = round(heard.work / max(1e-3, ended - heard.began), 3)
        if not text:
            self.status.empty += 1
            return
        self.status.heard += 1
        log.debug("store: heard %r", text)  # shoppers' words: debug only, never kept
        try:
            self.ask(text)
        except Exception:  # the desk's trouble must not stop listening
            log.exception("store: the question could not be handed on")

    def _load(self) -> Callable[[list[str] | None], Recognizer] | None:
        """A maker of recognisers (one per utterance, with the grammar of the moment),
        or None when there is no model to load (the status says why)."""
        from livehost.listen.grammar import known_words
        from livehost.listen.recognizer import AsrUnavailable, Recognizer, load_asr_model

        if self.model_dir is None:
            self.status.state = "off"
            self.status.problem = "no ASR model configured (listen.model): questions are not heard"
            return None
        self.status.state = "loading"
        try:
            model = load_asr_model(self.model_dir)
        except AsrUnavailable as exc:
            self.status.state = "failed"
            self.status.problem = str(exc)
            log.error("store questions are off: %s", exc)
            return None
        self.status.state = "listening"
        known = known_words(model)

        def recognizer(phrases: list[str] | None) -> Recognizer:
            # Vosk drops grammar words its model lacks (warning each time): keep the
            # known ones; none known leaves free recognition
            if phrases is not None:
                phrases = [p for p in phrases if all(known(w) for w in p.split())] or None
            return Recognizer(model, ASR_RATE, phrases)

        return recognizer


class _Resampler:
    """One stream of PCM from one rate to another (state kept between pieces)."""

    def __init__(self, rate: int, to: int) -> None:
        self.rate = rate
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=to)
        self._pts = 0

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        frame = av.AudioFrame.from_ndarray(
            samples.reshape(1, -1).astype(np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = self.rate
        frame.time_base = Fraction(1, self.rate)
        frame.pts = self._pts
        self._pts += len(samples)
        parts = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)


class _Utterance:
    """One stretch of speech being recognised (recognizer None: the host's echo)."""

    def __init__(self, began: float, recognizer: Recognizer | None) -> None:
        self.began = began  # time.monotonic() it began
        self.recognizer = recognizer
        self.said: list[str] = []  # what Vosk ended within it (a long one)
        self.work = 0.0  # seconds spent recognising

    def feed(self, samples: np.ndarray) -> None:
        if self.recognizer is None:
            return
        t0 = time.perf_counter()
        if text := self.recognizer.accept(samples):
            self.said.append(text)
        self.work += time.perf_counter() - t0

    def finish(self) -> str:
        assert self.recognizer is not None
        t0 = time.perf_counter()
        text = " ".join([*self.said, self.recognizer.finish()]).strip()
        self.work += time.perf_counter() - t0
        return text
