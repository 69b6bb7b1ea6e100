"""Check model files against the manifest before anything loads them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from livehost.modelstore.errors import ModelError
from livehost.modelstore.hashing import sha256_file
from livehost.modelstore.manifest import ModelEntry

# Beside a model folder: its files' hashes in `sha256sum` format, so verify can name the
# file that changed (the manifest's digest covers this list) and a person can check by
# hand with `cd models/ID && sha256sum -c ../ID.sha256sums`.
SUMS_SUFFIX = ".sha256sums"


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


def folder_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by path relative to it, sorted by path."""
    files = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())
    return {name: sha256_file(path) for name, path in files}


def sums_text(hashes: dict[str, str]) -> str:
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(hashes.items()))


def folder_digest(hashes: dict[str, str]) -> str:
    """One sha256 for a folder: of its sorted relative paths, each with its file's sha256."""
    return hashlib.sha256(sums_text(hashes).encode("utf-8")).hexdigest()


def sums_path(models_dir: Path, name: str) -> Path:
    return models_dir / f"{name}{SUMS_SUFFIX}"


def checked_folder(models_dir: Path, name: str, expected_digest: str) -> Path:
    """The path of a model folder whose files are what the manifest recorded."""
    path = models_dir / name
    if not path.is_dir():
        raise ModelError(path, "folder is missing (run `livehost models verify` to see all)")
    hashes = folder_hashes(path)
    if folder_digest(hashes) != expected_digest:
        raise _folder_problem(models_dir, name, hashes, expected_digest)
    return path


def verify_entry(models_dir: Path, entry: ModelEntry) -> None:
    if entry.kind == "asr":
        checked_folder(models_dir, entry.file, entry.sha256)
        return
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


def _folder_problem(
    models_dir: Path, name: str, hashes: dict[str, str], expected_digest: str
) -> ModelError:
    """Which file differs, when the list of hashes beside the folder is the one the
    manifest recorded; else the folder as a whole."""
    folder = models_dir / name
    recorded = _recorded_hashes(sums_path(models_dir, name), expected_digest) or {}
    for file, digest in recorded.items():
        if file not in hashes:
            return ModelError(folder / file, "file is missing from the model folder")
        if hashes[file] != digest:
            return ModelError(
                folder / file,
                f"sha256 {hashes[file][:12]}... does not match the recorded "
                f"{digest[:12]}...: the file is damaged or was replaced; add the model again",
            )
    extra = sorted(set(hashes) - set(recorded))
    if recorded and extra:
        return ModelError(folder / extra[0], "file was added to the model folder after it "
                          "was recorded; remove it or add the model again")
    return ModelError(
        folder,
        f"the files' digest does not match the manifest's {expected_digest[:12]}...: a "
        f"file in it was changed, added or removed (and {sums_path(models_dir, name).name}, "
        "which would say which, is missing or altered); add the model again",
    )


def _recorded_hashes(path: Path, expected_digest: str) -> dict[str, str] | None:
    """The hashes listed in `path`, if the list is the one the manifest's digest covers."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != expected_digest:
        return None
    hashes = {}
    for line in data.decode("utf-8").splitlines():
        digest, _, name = line.partition("  ")
        hashes[name] = digest
    return hashes
