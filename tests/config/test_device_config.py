"""The device config: clear errors, suggestions, secrets read by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from livehost.config.device import load_config
from livehost.config.secrets import SecretMissing, read_secret
from livehost.problems import ProblemsError


def test_sample_config_loads_and_points_at_the_sample_schedule(sample_config: Path) -> None:
    loaded = load_config(sample_config)
    assert loaded.config.unit.timezone == "America/New_York"
    assert loaded.schedule_path == sample_config.parent / "schedule.yaml"
    assert loaded.config.outputs[0].stream_key_secret == "main_stream_key"


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "livehost.yaml"
    path.write_text(body)
    return path


def test_unknown_time_zone_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = write_config(tmp_path, "unit:\n  id: a\n  site: b\n  timezone: Europe/Berln\n")
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    problem = caught.value.problems[0]
    assert problem.line == 4 and "did you mean 'Europe/Berlin'" in problem.message


def test_misspelt_section_and_bad_values_are_all_reported(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        (
            "unit:\n  id: a\n  site: b\n  timezone: UTC\n"
            "vidoe:\n  width: 1280\n"
            "mqtt:\n  url: http://broker\n"
            "outputs:\n  - name: main\n    url: rtmp://x/live\n    stream_key: abc\n"
        ),
    )
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    by_line = {p.line: p.message for p in caught.value.problems}
    assert "did you mean 'video'" in by_line[5]
    assert "should match" in by_line[8]
    assert "did you mean 'stream_key_secret'" in by_line[12]


def test_secret_from_credentials_directory_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "main_stream_key").write_text("from-systemd\n")
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("main_stream_key: from-file\nmqtt_password: pw\n")
    secrets.chmod(0o600)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert read_secret("main_stream_key", secrets) == "from-systemd"
    assert read_secret("mqtt_password", secrets) == "pw"


def test_missing_secret_names_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(SecretMissing, match="'main_stream_key' is not set"):
        read_secret("main_stream_key", tmp_path / "none.yaml")


def test_empty_credential_file_counts_as_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "main_stream_key").write_text("")  # laid out by tmpfiles, not provisioned yet
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("main_stream_key: from-file\n")
    secrets.chmod(0o600)
    assert read_secret("main_stream_key", secrets) == "from-file"
    with pytest.raises(SecretMissing):
        read_secret("main_stream_key", tmp_path / "none.yaml")


@pytest.mark.parametrize(("width", "height"), [(1281, 720), (1280, 721)])
def test_an_odd_frame_size_is_refused_where_it_is_written(tmp_path: Path, width, height) -> None:
    # Before: it validated and the first frame's 4:2:0 conversion stopped the show.
    path = write_config(
        tmp_path,
        f"unit:\n  id: a\n  site: b\n  timezone: UTC\nvideo:\n  width: {width}\n"
        f"  height: {height}\n",
    )
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert problem.line == (6 if width % 2 else 7) and "multiple of 2" in problem.message
