"""Fixtures for the script tests: the sample and a Chinese schedule (the llama.cpp server
is in tests/conftest.py: the README test drafts too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.scripts.helpers import SAMPLE, ZH_SCHEDULE

from livehost.schedule.load import load_schedule_file, load_schedule_text
from livehost.schedule.model import Schedule


@pytest.fixture(scope="session")
def schedule() -> Schedule:
    return load_schedule_file(SAMPLE / "schedule.yaml").schedule


@pytest.fixture(scope="session")
def zh_schedule() -> Schedule:
    return load_schedule_text(ZH_SCHEDULE, "zh.yaml").schedule


@pytest.fixture
def scripts_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    return folder
