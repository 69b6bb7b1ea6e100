"""Check model files against the manifest before anything loads them."""

from __future__ import annotations

from pathlib import Path

from livehost.modelstore.errors import ModelError
from livehost.modelstore.hashing import sha256_file
from livehost.modelstore.manifest import ModelEntry


def checked_file(models_dir: Path, name: str, expected_sha256: str) -> Path:
    """The path of a model file whose content is what the manifest recorded."""
    path = models_dir / name
    if not path.is_file():
        raise ModelError(path, "file is missing (run `livehost models verify` to see all)")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelError(
            path,
            f"sha256 {actual[:12]}... does not match the manifest's {expected_sha256[:12]}...: "
            "the file is damaged or was replaced; collect or add it again",
        )
    return path


def verify_entry(models_dir: Path, entry: ModelEntry) -> None:
    checked_file(models_dir, entry.file, entry.sha256)
    if entry.config is not None and entry.config_sha256 is not None:
        checked_file(models_dir, entry.config, entry.config_sha256)


def verify_all(models_dir: Path, entries: list[ModelEntry]) -> list[ModelError]:
    problems = []
    for entry in entries:
        try:
            verify_entry(models_dir, entry)
        except ModelError as exc:
            problems.append(exc)
    return problems
