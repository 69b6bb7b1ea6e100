"""models/manifest.yaml: what each model file is, its sha256, licence and origin."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from livehost.modelstore.errors import ModelError

MANIFEST_NAME = "manifest.yaml"
_HEADER = """\
# livehost models: every model file in this folder, with its sha256, licence and origin.
# Managed by `livehost models collect|add|optimize`; `livehost models verify` checks it.
# Files are relative to this folder. A file whose hash differs is refused at load time.
"""

Kind = Literal["voice", "avatar", "lipsync", "asr"]
Precision = Literal["fp32", "fp16", "int8"]
LANGUAGE = r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"  # ko, en, zh-CN, pt_BR


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    id: str = Field(description="Name used in the device config, e.g. voice.id.")
    file: str = Field(
        description="Model file, relative to the models folder; for an ASR model (a Vosk "
        "model is a folder of files) the folder."
    )
    sha256: str = Field(
        description="The file's sha256; for a folder, the sha256 of its list of file "
        "hashes (see modelstore/verify.py)."
    )
    licence: str
    origin: str = Field(description="Where the file came from: package, URL or person.")
    language: str | None = Field(
        None,
        pattern=LANGUAGE,
        description="Language the model understands or speaks: ko, en, zh-CN. Required "
        "for ASR models: a recogniser hears one language only.",
    )
    precision: Precision = "fp32"
    derived_from: str | None = Field(None, description="Id of the model this was converted from.")
    config: str | None = Field(None, description="Companion config file (Piper's .onnx.json).")
    config_sha256: str | None = None

    @model_validator(mode="after")
    def _asr_has_language(self) -> ModelEntry:
        if self.kind == "asr" and self.language is None:
            raise ValueError(f"ASR model {self.id!r} needs `language:`, e.g. `language: ko`")
        return self


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[ModelEntry] = Field(default_factory=list)

    def find(self, model_id: str, precision: Precision = "fp32") -> ModelEntry | None:
        for entry in self.models:
            if entry.id == model_id and entry.precision == precision:
                return entry
        return None

    def put(self, entry: ModelEntry) -> None:
        """Add `entry`, replacing one with the same id and precision."""
        self.models = [
            e for e in self.models if (e.id, e.precision) != (entry.id, entry.precision)
        ] + [entry]


def manifest_path(models_dir: Path) -> Path:
    return models_dir / MANIFEST_NAME


def load_manifest(models_dir: Path) -> Manifest:
    """The manifest in `models_dir`; an empty one when the folder has none yet."""
    path = manifest_path(models_dir)
    if not path.exists():
        return Manifest()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Manifest.model_validate(data)
    except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()
        raise ModelError(path, f"manifest is not readable: {' '.join(first[:3])}") from None


def save_manifest(models_dir: Path, manifest: Manifest) -> Path:
    """Write atomically: a crash mid-write must not leave a box without its manifest."""
    models_dir.mkdir(parents=True, exist_ok=True)
    path = manifest_path(models_dir)
    data = manifest.model_dump(mode="json", exclude_none=True)
    text = _HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    fd, tmp = tempfile.mkstemp(dir=models_dir, prefix=".manifest.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the manifest is not a secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
