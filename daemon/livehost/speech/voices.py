"""Which language an installed voice speaks, without loading it (for `livehost check`)."""

from __future__ import annotations

import json
from pathlib import Path

from livehost.modelstore.errors import ModelError
from livehost.modelstore.manifest import load_manifest
from livehost.speech.normalize import language_of


def voice_language(models_dir: Path, voice_id: str) -> str | None:
    """The language the voice `voice_id` speaks ("en", "zh"), from its Piper config; None
    when it cannot be told (no manifest entry or config yet: `livehost models` reports it)."""
    try:
        entry = load_manifest(models_dir).find(voice_id)
        if entry is None or entry.config is None:
            return None
        config = json.loads((models_dir / entry.config).read_text(encoding="utf-8"))
        return language_of(str(config["espeak"]["voice"]))
    except (ModelError, OSError, ValueError, KeyError, TypeError):
        return None
