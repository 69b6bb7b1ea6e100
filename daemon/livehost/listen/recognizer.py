"""Vosk: speech in the shop -> text. The model is a folder the shop installs (models add)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import vosk

# Each model names its unknown word differently: "[unk]" in most of Alpha Cephei's
# models, "<UNK>" in the small Korean one. Never words a person said.
UNKNOWN_WORDS = ("[unk]", "<unk>", "<UNK>")

_models: dict[Path, vosk.Model] = {}
_models_lock = threading.Lock()  # the listener thread and a CLI check may load at once


class AsrUnavailable(Exception):
    """Speech recognition cannot start; the message says what to install or fix."""


def check_model_folder(folder: Path) -> None:
    """Raise AsrUnavailable unless `folder` has the layout of a Vosk model.

    Cheap, so a wrong folder is named at once rather than as Kaldi's "Failed to create
    a model" after seconds of loading.
    """
    if folder.is_file():
        raise AsrUnavailable(f"{folder}: a file, where a Vosk model is a folder (unzip it "
                             "and use the folder that holds am/, conf/ and graph/)")
    if not folder.is_dir():
        raise AsrUnavailable(f"{folder}: no such folder (a Vosk model is the unzipped folder "
                             "from https://alphacephei.com/vosk/models)")
    graph = folder / "graph"
    parts = {
        "am/final.mdl": (folder / "am" / "final.mdl").is_file(),
        "conf/": (folder / "conf").is_dir(),
        # a static graph, or the lookahead pair of the small models (grammar mode)
        "graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst": (graph / "HCLG.fst").is_file()
        or ((graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()),
    }
    missing = [name for name, there in parts.items() if not there]
    if missing:
        # a zip unpacks into a folder of its own: the model may be one level down
        inner = sorted(mdl.parent.parent for mdl in folder.glob("*/am/final.mdl"))
        hint = f"did you mean {inner[0]}?" if inner else (
            "use the unzipped folder from https://alphacephei.com/vosk/models, the one "
            "that holds am/, conf/ and graph/")
        raise AsrUnavailable(
            f"{folder}: not a Vosk model folder (missing {', '.join(missing)}); {hint}"
        )


def load_asr_model(folder: Path) -> vosk.Model:
    """The Vosk model in `folder`, loaded once per folder (loading takes seconds)."""
    key = folder.resolve()
    with _models_lock:
        if key not in _models:
            _models[key] = open_asr_model(folder)
        return _models[key]


def open_asr_model(folder: Path) -> vosk.Model:
    """Load the Vosk model in `folder` afresh, uncached (`models add` checks with this)."""
    try:
        import vosk
    except ImportError:
        raise AsrUnavailable("vosk is not installed: pip install 'vosk>=0.3.45,<0.4'") from None
    check_model_folder(folder)
    vosk.SetLogLevel(-1)  # no LOG lines per model and recogniser; warnings stay
    try:
        return vosk.Model(str(folder))
    except Exception:  # vosk raises a bare Exception; Kaldi's reason went to stderr
        raise AsrUnavailable(
            f"{folder}: Vosk could not load this model: damaged, or made for another "
            "Vosk version"
        ) from None


def unknown_word(model: vosk.Model) -> str | None:
    """The model's own word for "something else", which grammar mode needs."""
    for word in UNKNOWN_WORDS:
        if model.vosk_model_find_word(word) != -1:
            return word
    return None


class Recognizer:
    """One stream of int16 mono audio -> utterances, ended by Vosk's own endpointing.

    `phrases`: Vosk's grammar mode, where only these phrases (and the model's unknown
    word, added here) can come out; None: free recognition with the whole vocabulary.
    Grammar mode needs a lookahead graph (graph/Gr.fst + HCLr.fst, as the small models
    have); Vosk ignores the phrases of a model with a static HCLG.fst, with a warning.
    Not thread-safe: one per listening thread.
    """

    def __init__(
        self, model: vosk.Model, rate: int = 16000, phrases: Sequence[str] | None = None
    ) -> None:
        import vosk

        self.rate = rate
        self.phrases = list(phrases) if phrases is not None else None
        if self.phrases is None:
            self._vosk = vosk.KaldiRecognizer(model, float(rate))
        else:
            unknown = unknown_word(model)
            grammar = self.phrases + ([unknown] if unknown else [])
            self._vosk = vosk.KaldiRecognizer(
                model, float(rate), json.dumps(grammar, ensure_ascii=False)
            )

    def accept(self, samples: np.ndarray) -> str | None:
        """Feed samples; the utterance's text when Vosk ends one here ("" if it heard
        nothing it knows), else None."""
        if samples.dtype != np.int16 or samples.ndim != 1:
            raise TypeError(f"expected 1-D int16 samples, got {samples.ndim}-D {samples.dtype}")
        if not self._vosk.AcceptWaveform(np.ascontiguousarray(samples).tobytes()):
            return None
        return _text(self._vosk.Result(), "text")

    def finish(self) -> str:
        """The text of what was fed since the last utterance ended; starts afresh."""
        text = _text(self._vosk.FinalResult(), "text")
        self._vosk.Reset()
        return text

    def reset(self) -> None:
        """Forget what was fed since the last utterance ended (e.g. the host spoke)."""
        self._vosk.Reset()

    @property
    def partial(self) -> str:
        """Vosk's running guess at the utterance in progress."""
        return _text(self._vosk.PartialResult(), "partial")


def _text(result: str, field: str) -> str:
    words = json.loads(result).get(field, "").split()
    return " ".join(word for word in words if word not in UNKNOWN_WORDS)
