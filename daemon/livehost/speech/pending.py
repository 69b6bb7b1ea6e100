"""A voice that loads while the show is already on air.

Loading the voice (an ONNX session for a 60 MB model) takes a second or more and nothing
on the first frame needs it, so the daemon goes on air at once and the voice follows:
the first line waits for it, the picture (the idle host, the card, the AI label) does not.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

from livehost.speech.chunk import SpeechChunk
from livehost.speech.engine import SpeechEngine

log = logging.getLogger(__name__)


class PendingSpeech:
    """A SpeechEngine whose real engine `load()` makes in a thread of its own.

    `language` is the expected one until the engine is there; `synthesize` and
    `sample_rate` wait for it. `load` must not raise: it returns a silent engine with a
    `reason` when the voice cannot load (daemon.load_speech does)."""

    def __init__(self, load: Callable[[], SpeechEngine], language: str) -> None:
        self._expected = language
        self._engine: SpeechEngine | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=self._load, args=(load,), name="voice-load", daemon=True
        )
        self._thread.start()

    def _load(self, load: Callable[[], SpeechEngine]) -> None:
        try:
            self._engine = load()
        except Exception:  # a bug in loading: the show still needs an engine
            from livehost.speech.silent import SilentSpeech

            log.exception("the voice failed to load; the host goes on with captions")
            self._engine = SilentSpeech("the voice failed to load", locale=self._expected)
        finally:
            self._ready.set()

    @property
    def loading(self) -> bool:
        return not self._ready.is_set()

    def wait(self, timeout: float | None = None) -> SpeechEngine | None:
        self._ready.wait(timeout)
        return self._engine

    @property
    def engine(self) -> SpeechEngine:
        self._ready.wait()
        assert self._engine is not None
        return self._engine

    @property
    def language(self) -> str:
        return self._engine.language if self._engine is not None else self._expected

    @property
    def reason(self) -> str:
        """Why the voice is silent (SilentSpeech's reason), once it is known."""
        return str(getattr(self._engine, "reason", "")) if self._engine is not None else ""

    @property
    def sample_rate(self) -> int:
        return self.engine.sample_rate

    def synthesize(
        self, text: str, cancel: threading.Event | None = None
    ) -> Iterator[SpeechChunk]:
        while not self._ready.wait(0.05):
            if cancel is not None and cancel.is_set():
                return
        yield from self.engine.synthesize(text, cancel)
