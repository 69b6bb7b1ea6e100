"""Build the configured speech engine from the models manifest, or silence with a reason."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import cast

from livehost.config.engines import EnginesConfig, VoiceConfig
from livehost.inference import pick_providers, provider_names
from livehost.modelstore.errors import ModelError
from livehost.modelstore.manifest import ModelEntry, Precision, load_manifest, manifest_path
from livehost.modelstore.verify import checked_file
from livehost.speech.engine import SpeechEngine

log = logging.getLogger(__name__)


def load_speech_engine(
    voice: VoiceConfig,
    engines: EnginesConfig,
    models_dir: Path,
    cache_dir: Path | None = None,
) -> SpeechEngine:
    """The voice `voice.id` from the manifest in `models_dir`, hash-checked, on the best
    provider available. Raises ModelError naming the file when it cannot be used."""
    from livehost.speech.piper import PiperEngine  # onnxruntime and espeak load only here

    providers = pick_providers(voice.providers or engines.providers, cache_dir=cache_dir)
    entry = pick_voice(models_dir, voice.id, voice.precision)
    model = checked_file(models_dir, entry.file, entry.sha256)
    config = None
    if entry.config is not None:
        config = (
            checked_file(models_dir, entry.config, entry.config_sha256)
            if entry.config_sha256
            else models_dir / entry.config
        )
    engine = PiperEngine.load(model, voice, providers, engines.threads, config, cache_dir)
    log.info(
        "voice %s (%s) on %s, %d thread(s)",
        entry.id, entry.precision, provider_names(providers)[0], engines.threads,
    )
    return engine


def pick_voice(models_dir: Path, voice_id: str, precision: str) -> ModelEntry:
    """The voice's fp32 model unless fp16 is asked for by name: fp16 gained nothing on the
    CPU and lost on the CUDA provider (bench_speech, bench_speech_gpu)."""
    manifest = load_manifest(models_dir)
    wanted: Precision = "fp32" if precision == "auto" else cast(Precision, precision)
    entry = manifest.find(voice_id, wanted)
    if entry is None or entry.kind != "voice":
        raise ModelError(
            manifest_path(models_dir),
            f"no {wanted} voice {voice_id!r} listed; run `livehost models collect` for the "
            "default voice or `livehost models add FILE.onnx` for another",
        )
    return entry

