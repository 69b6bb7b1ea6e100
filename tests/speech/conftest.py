"""Speech fixtures: the default voice collected into a temporary models folder, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from livehost.config.engines import EnginesConfig, VoiceConfig
from livehost.modelstore.collect import collect_default_voice


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    collect_default_voice(folder)
    return folder


@pytest.fixture(scope="session")
def engine(models_dir: Path):
    from livehost.speech.load import load_speech_engine

    return load_speech_engine(VoiceConfig(), EnginesConfig(providers=["cpu"]), models_dir)


@pytest.fixture
def broken_models(models_dir: Path, tmp_path: Path) -> Path:
    """A copy of the models folder whose manifest and files can be damaged per test."""
    folder = tmp_path / "models"
    folder.mkdir()
    for path in models_dir.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder
