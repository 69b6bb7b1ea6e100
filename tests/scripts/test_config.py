"""The scripts: section of the device config."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.scripts.helpers import SAMPLE

from livehost.config.device import load_config
from livehost.problems import ProblemsError
from livehost.scripts.store import scripts_folder

UNIT = "unit:\n  id: a\n  site: b\n  timezone: UTC\n"


def test_the_sample_config_names_the_scripts_folder_next_to_the_schedule() -> None:
    loaded = load_config(SAMPLE / "livehost.yaml")
    settings = loaded.config.scripts
    assert settings.endpoint is None and settings.model == "local"
    assert scripts_folder(loaded.schedule_path, settings.folder) == SAMPLE / "scripts"


def test_scripts_settings_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "livehost.yaml"
    path.write_text(
        UNIT
        + "scripts:\n"
        + "  endpoint: 127.0.0.1:8081\n"  # line 6
        + "  lines_per_kind: {intro: 6, outro: 2}\n"  # line 7
        + "  timeout_secs: 5\n"  # line 8
    )
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    by_line = {p.line: p.message for p in caught.value.problems}
    assert "should be an http:// or https:// address" in by_line[6]
    assert "should be one of 'intro'" in by_line[7]
    assert "did you mean 'timeout_seconds'" in by_line[8]


def test_an_endpoint_loses_its_trailing_slash(tmp_path: Path) -> None:
    path = tmp_path / "livehost.yaml"
    path.write_text(UNIT + "scripts:\n  endpoint: http://127.0.0.1:8081/v1/\n")
    assert load_config(path).config.scripts.endpoint == "http://127.0.0.1:8081/v1"
