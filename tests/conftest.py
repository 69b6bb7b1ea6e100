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
