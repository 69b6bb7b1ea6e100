"""The listening parts of a running unit, built from the device config's `listen:`.

One microphone source feeds two consumers: the listener (questions from the store, when
an ASR model is configured) and the live feed (the host's voice in a voice takeover).
The show loop tells the echo gate what goes on air. A microphone that stops delivering
sound for LOST_AFTER seconds in a voice takeover (the live feed runs dry, or the source
reports a problem) ends it: the host's own talk comes back rather than silence on air.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from livehost.config.listen import ListenConfig
from livehost.listen.gate import EchoGate
from livehost.listen.listener import StoreListener
from livehost.listen.live import LiveFeed
from livehost.listen.source import MicSource
from livehost.modelstore.errors import ModelError
from livehost.modelstore.manifest import load_manifest
from livehost.stream.encoder import AUDIO_RATE

log = logging.getLogger(__name__)

LOST_AFTER = 2.0  # seconds without sound from the microphone that end a voice takeover


class Listening:
    def __init__(
        self,
        config: ListenConfig,
        models: Path,
        ask: Callable[[str], None] | None,
        driving: Callable[[], bool],
        phrases: Callable[[], list[str]] | None = None,
        voice: Callable[[], bool] = lambda: False,
        lost: Callable[[str], None] = lambda problem: None,
    ) -> None:
        self.config = config
        self.voice = voice  # whether the microphone is the host's voice now
        self.lost = lost  # ends the voice takeover, with the microphone's problem
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="listen-watch", daemon=True)
        self.source = MicSource(config.device, rate=AUDIO_RATE)
        self.feed = LiveFeed(AUDIO_RATE)
        self.source.add_sink(self.feed)
        self.gate = EchoGate(config.echo_margin) if config.half_duplex else None
        self.listener: StoreListener | None = None
        if ask is not None and config.model:
            self.listener = StoreListener(
                self._model_dir(models, config.model),
                config.model,
                ask,
                self.gate,
                deaf=driving,
                phrases=phrases if config.grammar and phrases else lambda: None,
                rate=AUDIO_RATE,
            )
            self.source.add_sink(self.listener)

    def _model_dir(self, models: Path, model_id: str) -> Path | None:
        """The folder of the configured Vosk model, from the manifest (None: the listener
        reports why, and takeovers still work)."""
        try:
            entry = load_manifest(models).find(model_id)
        except ModelError as exc:
            log.error("listen.model: %s", exc)
            return None
        if entry is None or entry.kind != "asr":
            log.error(
                "listen.model: no ASR model '%s' in %s (livehost models add --kind asr FOLDER)",
                model_id,
                models,
            )
            return None
        return models / entry.file

    def on_air(self, samples: np.ndarray) -> None:
        """From the show's ticker: what goes on air now (the echo gate's reference)."""
        if self.gate is not None:
            self.gate.host_audio(samples)

    def start(self) -> None:
        self.source.start()
        if self.listener is not None:
            self.listener.start()
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self.listener is not None:
            self.listener.stop()
        self.source.stop()
        if self._watcher.is_alive():
            self._watcher.join(1.0)

    def _watch(self) -> None:
        """End a voice takeover whose microphone went away (unplugged, stalled, or open
        with nothing coming): whichever shows first, the feed running dry or the source
        reporting a problem, for LOST_AFTER seconds."""
        lost_since: float | None = None
        while not self._stop.wait(0.25):
            if not self.voice():
                lost_since = None
                continue
            problem = self.usable()
            dry = self.feed.dry_for()
            if not problem and not dry:
                lost_since = None
                continue
            lost_since = lost_since or time.monotonic()
            if max(dry, time.monotonic() - lost_since) < LOST_AFTER:
                continue
            lost_since = None
            try:
                self.lost(problem or f"no sound from {self.config.device} for {dry:.1f} s")
            except Exception:  # the watch goes on
                log.exception("ending the takeover failed")

    def usable(self) -> str:
        """Why the microphone cannot be the host's voice now, or "" if it can."""
        status = self.source.status
        if status.state == "listening":
            return ""
        return status.problem or f"the microphone is {status.state}"

    def problem(self) -> str:
        """In words, what is wrong with listening now ("" when nothing is): the
        microphone first, then the recogniser of store questions."""
        if problem := self.usable():
            return f"microphone: {problem}"
        if self.listener is not None and self.listener.status.state in ("failed", "off"):
            return f"store questions: {self.listener.status.problem}"
        return ""

    def report(self) -> dict[str, object]:
        """The microphone and the listener, for telemetry."""
        source = self.source.status
        out: dict[str, object] = {
            "microphone": source.state,
            "microphone_problem": source.problem,
            "live_underruns": self.feed.underruns,
            "live_dropped_seconds": round(self.feed.dropped_seconds, 2),
        }
        if self.listener is not None:
            s = self.listener.status
            out.update(
                listener=s.state,
                listener_problem=s.problem,
                store_heard=s.heard,
                store_echo=s.ignored_echo,
                asr_rtf=s.rtf,
            )
        return out
