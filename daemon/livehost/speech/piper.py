"""Piper (piper-tts) behind the SpeechEngine contract, with phoneme timing per sentence."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnxruntime
from piper import PiperVoice
from piper.config import PiperConfig, SynthesisConfig
from piper.voice import AudioChunk

from livehost.config.engines import VoiceConfig
from livehost.inference import Provider
from livehost.modelstore.errors import ModelError
from livehost.modelstore.hashing import sha256_file
from livehost.speech.chunk import SILENCE, PhonemeTiming, SpeechChunk
from livehost.speech.normalize import language_of, normalizer_for
from livehost.speech.sentences import split_sentences

log = logging.getLogger(__name__)

_EDGE_SYMBOLS = {"^": SILENCE, "$": SILENCE}


class PiperEngine:
    """One loaded Piper voice. Load once. `synthesize` may run in two threads at once (the
    show's producer and its cutter): piper serialises its espeak phonemizer with its own
    lock, onnxruntime's session run is thread-safe, and this class keeps no state."""

    def __init__(self, voice: PiperVoice, settings: VoiceConfig, name: str = "") -> None:
        self.voice = voice
        self.name = name or settings.id
        self.normalize = normalizer_for(voice.config.espeak_voice)
        self.language = language_of(voice.config.espeak_voice)
        speaker = settings.speaker if voice.config.num_speakers > 1 else None
        self.syn_config = SynthesisConfig(
            speaker_id=speaker,
            length_scale=settings.length_scale,
            noise_scale=settings.noise_scale,
            noise_w_scale=settings.noise_w,
            volume=settings.volume,
        )

    @property
    def sample_rate(self) -> int:
        return self.voice.config.sample_rate

    def steady(self) -> PiperEngine:
        """The same voice without its random variation: the same words come out with the
        same timing every time (a reference to align a recording with)."""
        twin = copy.copy(self)
        twin.syn_config = dataclasses.replace(self.syn_config, noise_scale=0.0,
                                              noise_w_scale=0.0)
        return twin

    @classmethod
    def load(
        cls,
        model: Path,
        settings: VoiceConfig,
        providers: list[Provider],
        threads: int = 1,
        config: Path | None = None,
        cache_dir: Path | None = None,
    ) -> PiperEngine:
        """Load a voice with its alignment output; a bad file raises ModelError naming it.

        With a `cache_dir` the alignment-patched model is written there once and loaded
        from the file, which keeps ~100 MB of Python copies out of the daemon's memory.
        """
        config = config or model.with_name(model.name + ".json")
        piper_config = _read_voice_config(config)
        session = _open_session(model, providers, threads, cache_dir)
        return cls(PiperVoice(session=session, config=piper_config), settings, model.stem)

    def synthesize(self, text: str, cancel: threading.Event | None = None) -> Iterator[SpeechChunk]:
        for start, end in split_sentences(text):
            if cancel is not None and cancel.is_set():
                return
            chunk = self._sentence(text[start:end], (start, end))
            if chunk is not None:
                yield chunk

    def _sentence(self, written: str, span: tuple[int, int]) -> SpeechChunk | None:
        spoken = self.normalize(written)
        audio_parts: list[np.ndarray] = []
        timings: list[PhonemeTiming] = []
        offset = 0
        # espeak may split what we call one sentence further; keep it one caption chunk.
        for part in self.voice.synthesize(spoken, self.syn_config, include_alignments=True):
            audio = part.audio_int16_array
            for timing in _timings(part, len(audio)):
                timings.append(PhonemeTiming(timing.phoneme, timing.start + offset, timing.length))
            audio_parts.append(audio)
            offset += len(audio)
        if not audio_parts:
            return None  # nothing sayable (only emoji or punctuation)
        return SpeechChunk(
            audio=np.concatenate(audio_parts),
            sample_rate=self.sample_rate,
            phonemes=tuple(timings),
            text_span=span,
            text=written,
            metadata={"voice": self.name, "spoken": spoken},
        )


def _timings(part: AudioChunk, n_samples: int) -> list[PhonemeTiming]:
    """Phoneme timings tiling exactly n_samples, from Piper's alignments when it has them."""
    alignments = part.phoneme_alignments
    if alignments:
        symbols = [_EDGE_SYMBOLS.get(a.phoneme, a.phoneme) for a in alignments]
        lengths = [int(a.num_samples) for a in alignments]
    else:  # a voice without the duration output: spread the phonemes evenly
        symbols = [SILENCE, *part.phonemes, SILENCE]
        lengths = [n_samples // len(symbols)] * len(symbols)
    # Piper's counts equal the audio length (frames x hop); keep the tiling exact anyway.
    lengths[-1] += n_samples - sum(lengths)
    if lengths[-1] < 0:
        symbols, lengths = [SILENCE], [n_samples]
    out, start = [], 0
    for symbol, length in zip(symbols, lengths, strict=True):
        out.append(PhonemeTiming(symbol, start, length))
        start += length
    return out


def _read_voice_config(path: Path) -> PiperConfig:
    try:
        return PiperConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelError(path, "voice config is missing (Piper needs the .onnx.json)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(path, f"voice config is not a Piper voice config ({exc!r})") from None


def _open_session(
    model: Path, providers: list[Provider], threads: int, cache_dir: Path | None
) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # The arena keeps the largest sentence's buffers for good; on a small box we would
    # rather give them back (measured in bench/bench_onair.py: RSS, not speed, changes).
    options.enable_cpu_mem_arena = False
    try:
        source = _aligned_file(model, cache_dir) if cache_dir else _with_alignment_output(model)
        return onnxruntime.InferenceSession(source, sess_options=options, providers=providers)
    except ModelError:
        raise
    except Exception as exc:  # onnx/onnxruntime raise many types for a broken file
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ModelError(model, f"cannot load the model: {reason}") from None


def _aligned_file(model: Path, cache_dir: Path) -> str:
    """The patched model as a file in the cache, keyed by the source's hash."""
    if not model.is_file():
        raise ModelError(model, "file is missing")
    key = sha256_file(model)[:16]
    cached = cache_dir / "voices" / f"{model.name.removesuffix('.onnx')}.{key}.aligned.onnx"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.tmp")
        tmp.write_bytes(_with_alignment_output(model))
        tmp.replace(cached)
    return str(cached)


def _with_alignment_output(model: Path) -> bytes:
    """The model with Piper's per-phoneme duration exposed as an output, patched in memory."""
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    if not model.is_file():
        raise ModelError(model, "file is missing")
    proto = onnx.load(str(model))
    try:
        add_alignment_output(proto)
    except ValueError as exc:  # already patched, or a voice without durations
        log.debug("%s: alignment output not added: %s", model, exc)
    return proto.SerializeToString()
