"""Add a model file the user supplies (a voice from elsewhere, an avatar, a lip-sync net)."""

from __future__ import annotations

import shutil
from pathlib import Path

from livehost.modelstore.errors import ModelError
from livehost.modelstore.hashing import sha256_file
from livehost.modelstore.manifest import Kind, ModelEntry, load_manifest, save_manifest


def add_model(
    source: Path,
    models_dir: Path,
    *,
    kind: Kind,
    licence: str,
    origin: str,
    model_id: str | None = None,
) -> ModelEntry:
    """Copy `source` (and a Piper voice's .onnx.json beside it) in and record both hashes.

    The file is checked to be a loadable ONNX model first, so a wrong download is refused
    here rather than at 3 am on air.
    """
    if not source.is_file():
        raise ModelError(source, "no such file")
    _check_onnx(source)
    config_source = source.with_name(source.name + ".json")
    if kind == "voice" and not config_source.is_file():
        raise ModelError(config_source, "a Piper voice needs its .onnx.json next to the .onnx")
    model = _copy_in(source, models_dir)
    config = _copy_in(config_source, models_dir) if config_source.is_file() else None
    entry = ModelEntry(
        kind=kind,
        id=model_id or source.name.removesuffix(".onnx"),
        file=model.name,
        sha256=sha256_file(model),
        licence=licence,
        origin=origin,
        config=config.name if config else None,
        config_sha256=sha256_file(config) if config else None,
    )
    manifest = load_manifest(models_dir)
    manifest.put(entry)
    save_manifest(models_dir, manifest)
    return entry


def _check_onnx(path: Path) -> None:
    import onnx

    try:
        onnx.checker.check_model(str(path))
    except Exception as exc:  # protobuf and checker errors alike
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else repr(exc)
        raise ModelError(path, f"not a valid ONNX model: {reason}") from None


def _copy_in(source: Path, models_dir: Path) -> Path:
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / source.name
    if source.resolve() != target.resolve():
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return target
