"""Shared fixtures. Area-specific fixtures live in the conftest.py of each test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

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
