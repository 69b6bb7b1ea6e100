"""Add a model the user supplies: a voice from elsewhere, an avatar, a lip-sync net (ONNX
files), or a Vosk speech recognition model (a folder)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from livehost.modelstore.errors import ModelError
from livehost.modelstore.hashing import sha256_file
from livehost.modelstore.manifest import (
    LANGUAGE,
    Kind,
    ModelEntry,
    load_manifest,
    save_manifest,
)
from livehost.modelstore.verify import folder_digest, folder_hashes, sums_path, sums_text

# An ASR model's id names its folder in the models folder
_FOLDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def add_model(
    source: Path,
    models_dir: Path,
    *,
    kind: Kind,
    licence: str,
    origin: str,
    model_id: str | None = None,
    language: str | None = None,
) -> ModelEntry:
    """Copy `source` (and a Piper voice's .onnx.json beside it) in and record both hashes.

    The file is checked to be a loadable ONNX model first, so a wrong download is refused
    here rather than at 3 am on air. An ASR model goes to add_asr_model.
    """
    if kind == "asr":
        if language is None:
            raise ModelError(source, "an ASR model needs its language, e.g. --language ko")
        return add_asr_model(source, models_dir, licence=licence, origin=origin,
                             language=language, model_id=model_id)
    _check_language(source, language)
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
        language=language,
        config=config.name if config else None,
        config_sha256=sha256_file(config) if config else None,
    )
    manifest = load_manifest(models_dir)
    manifest.put(entry)
    save_manifest(models_dir, manifest)
    return entry


def _check_language(source: Path, language: str | None) -> None:
    if language is not None and not re.match(LANGUAGE, language):
        raise ModelError(source, f"{language!r} is not a language code like ko, en or zh-CN")


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


def add_asr_model(
    source: Path,
    models_dir: Path,
    *,
    licence: str,
    origin: str,
    language: str,
    model_id: str | None = None,
    try_load: bool = True,
) -> ModelEntry:
    """Copy the Vosk model folder `source` into `models_dir/<id>` and record its digest.

    Checked first to have a Vosk model's layout and (unless `try_load` is false, for
    tests with a fake folder) to load with Vosk, which takes seconds. A folder already in
    place (`models_dir/<id>`, e.g. unzipped there) is recorded without a copy.
    """
    from livehost.listen.recognizer import AsrUnavailable, check_model_folder

    _check_language(source, language)
    model_id = model_id or source.name
    if not _FOLDER_ID.fullmatch(model_id):
        raise ModelError(source, f"{model_id!r} cannot name a folder; pass --id, e.g. "
                         "--id vosk-model-small-ko-0.22")
    try:
        check_model_folder(source)
        if try_load:
            _try_load(source)
    except AsrUnavailable as exc:
        raise ModelError(source, str(exc).removeprefix(f"{source}: ")) from None
    target = _copy_folder_in(source, models_dir, model_id)
    hashes = folder_hashes(target)
    sums_path(models_dir, target.name).write_text(sums_text(hashes), encoding="utf-8")
    entry = ModelEntry(kind="asr", id=model_id, file=target.name, sha256=folder_digest(hashes),
                       licence=licence, origin=origin, language=language)
    manifest = load_manifest(models_dir)
    manifest.put(entry)
    save_manifest(models_dir, manifest)
    return entry


def _copy_folder_in(source: Path, models_dir: Path, name: str) -> Path:
    """`source` as `models_dir/name`, swapped in whole: never half a model under the name."""
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / name
    if source.resolve() == target.resolve():
        return target
    tmp, old = models_dir / f".{name}.tmp", models_dir / f".{name}.old"
    for leftover in (tmp, old):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(source, tmp)  # symlinked files are copied as files
    if target.exists():
        target.replace(old)
    tmp.replace(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def _try_load(source: Path) -> None:
    """Load the model once with Kaldi's stderr (fd 2, below Python) caught: on failure
    its last ERROR line is the reason, where vosk itself only says "Failed to create a
    model". What a good load wrote (warnings) is passed on."""
    from livehost.listen.recognizer import AsrUnavailable, open_asr_model

    sys.stderr.flush()
    saved = os.dup(2)
    failure: AsrUnavailable | None = None
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            open_asr_model(source)
        except AsrUnavailable as exc:
            failure = exc
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        caught.seek(0)
        text = caught.read().decode("utf-8", "replace")
    if failure is None:
        sys.stderr.write(text)
        return
    errors = [line for line in text.splitlines() if line.startswith("ERROR")]
    reason = errors[-1].partition(") ")[2].strip() if errors else ""
    raise AsrUnavailable(f"{failure}; Kaldi says: {reason}" if reason else str(failure))
