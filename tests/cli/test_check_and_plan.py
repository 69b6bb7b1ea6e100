"""`livehost check` and `livehost plan` as staff run them: real processes, real files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from tests.onair.conftest import wait_for

LIVEHOST = [sys.executable, "-m", "livehost"]


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*LIVEHOST, *args], capture_output=True, text=True, timeout=timeout)


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def test_check_sample_prints_today_and_week(sample_config: Path) -> None:
    result = run("check", "--config", str(sample_config), "--now", "2026-11-27 15:02")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "is OK: 5 products, 4 slots" in out
    assert "On air now: Weekday afternoons: Hinoki 5-Piece Knife Set until Fri 15:05" in out
    assert "Today, Friday 27 November" in out and "This week:" in out
    assert "Sat 28 Nov  10:00-18:00 Weekend deals" in out
    assert "$44.99 instead of $59.99" in out
    assert len(out.splitlines()) <= 30  # one screen
    # the sample ships approved scripts enough for every turn: nothing to warn about
    assert "warning" not in out


def test_check_warns_about_thin_products_and_waiting_drafts(tmp_path: Path, sample_schedule):
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(sample_schedule.read_text())
    (tmp_path / "scripts").mkdir()
    kettle = yaml.safe_load((sample_schedule.parent / "scripts" / "kettle.yaml").read_text())
    kettle["lines"].append({"kind": "story", "text": "Tea for the table.", "status": "draft"})
    (tmp_path / "scripts" / "kettle.yaml").write_text(yaml.safe_dump(kettle, sort_keys=False))
    result = subprocess.run(
        [sys.executable, "-m", "livehost", "check", str(schedule), "--now", "2026-11-27 14:00"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out  # warnings only
    assert "warning: products[2]: 'pan' has about 20 s of talk for a 5 min turn" in out
    assert "kettle.yaml: 1 draft waiting for review (livehost script review kettle)" in out
    assert "'kettle' has about" not in out  # its approved lines count


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def alias_bomb() -> bytes:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "content", "gist"),
    [
        ("binary.yaml", bytes(range(256)) * 20, "not a text file"),
        ("latin1.yaml", "store:\n  name: Caf\xe9\n".encode("latin-1"), "not UTF-8"),
        ("empty.yaml", b"", "empty"),
        ("comments.yaml", b"# nothing here yet\n", "empty"),
        ("bomb.yaml", alias_bomb(), "too many entries"),
        ("huge.yaml", b"# " + b"x" * (50 * 1024 * 1024) + b"\n", "limit is"),
        ("scalar.yaml", b"just some words\n", "should be a section"),
    ],
)
def test_check_refuses_bad_input_without_a_traceback(tmp_path, name, content, gist) -> None:
    path = write(tmp_path, name, content)
    started = time.monotonic()
    result = run("check", str(path))
    assert result.returncode == 1
    assert gist in result.stderr, result.stderr
    assert_no_traceback(result)
    assert time.monotonic() - started < 20


def test_check_refuses_a_directory_and_a_missing_file(tmp_path: Path) -> None:
    result = run("check", str(tmp_path), str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "folder, not a file" in result.stderr and "does not exist" in result.stderr
    assert_no_traceback(result)


def test_check_shows_the_line_and_a_caret(tmp_path: Path, sample_schedule: Path) -> None:
    text = sample_schedule.read_text().replace("    price: 129.00", "    prce: 129.00")
    path = write(tmp_path, "schedule.yaml", text.encode())
    line = text.splitlines().index("    prce: 129.00") + 1
    result = run("check", str(path))
    assert result.returncode == 1
    assert f"schedule.yaml:{line}:5: products[1].prce: 'prce' is not a setting" in result.stderr
    assert "did you mean 'price'?" in result.stderr
    assert f"{line:>4} |     prce: 129.00" in result.stderr
    assert "'price' is missing" in result.stderr  # all problems, not just the first


def test_check_json_lists_problems(tmp_path: Path) -> None:
    import json

    path = write(tmp_path, "s.yaml", b"store: {name: x}\nproducts: []\nfallback: {message: m}\n")
    result = run("check", "--json", str(path))
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["ok"] is False
    assert data["problems"][0]["line"] == 2


def test_plan_at_a_time_and_next(sample_config: Path) -> None:
    result = run("plan", "--config", str(sample_config), "--at", "2026-11-27 23:58")
    assert result.returncode == 0, result.stderr
    assert "23:55-00:00  Black Friday late show: Hinoki 5-Piece Knife Set" in result.stdout
    assert "Next: 00:00-00:05  Black Friday late show: Aurora Glass Kettle" in result.stdout


def test_plan_day_covers_the_whole_day(sample_config: Path) -> None:
    result = run("plan", "--config", str(sample_config), "--day", "2026-12-25")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("00:00-00:00  off air (Christmas Day)")


def test_plan_refuses_a_bad_time(sample_config: Path) -> None:
    result = run("plan", "--config", str(sample_config), "--at", "tomorrow")
    assert result.returncode != 0 and "not a date and time" in result.stderr
    assert_no_traceback(result)


def test_plan_follow_reloads_on_sighup_and_reports_bad_saves(
    tmp_path: Path, sample_config: Path, sample_schedule: Path
) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    config = etc / "livehost.yaml"
    config.write_text(sample_config.read_text())
    schedule = etc / "schedule.yaml"
    schedule.write_text(sample_schedule.read_text())
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err_file:  # a file: a full pipe nobody reads would stall it
        proc = subprocess.Popen(
            [
                *LIVEHOST,
                "plan",
                "--config",
                str(config),
                "--follow",
                "--for",
                "20",
                "--state-dir",
                str(tmp_path / "state"),
            ],
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
        )
    printed: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            printed.append(line)

    def shows(text: str) -> bool:
        return any(text in line for line in printed)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for(lambda: shows("v1 "), 30)  # printed once the watcher runs
        schedule.write_text(sample_schedule.read_text().replace("price: 59.99", "price: free"))
        wait_for(lambda: shows("The schedule on air is unchanged."), 10)
        schedule.write_text(
            sample_schedule.read_text().replace(
                "Maple Street Home & Kitchen\n", "Maple Street Home & Kitchen\n  language: en\n", 1
            )
        )
        wait_for(lambda: shows("v2 "), 10)
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert proc.poll() is None  # a reload, not the default action of SIGHUP
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        reader.join(5)
    out = "".join(printed)
    err = errors.read_text()
    assert proc.returncode == 0, err
    assert "Following" in out and "should be a number" in out
    assert (tmp_path / "state" / "schedule.last-good.yaml").exists()
    assert_no_traceback(subprocess.CompletedProcess([], 0, out, err))


def test_version_flag() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("livehost ")


@pytest.fixture(autouse=True)
def _no_site_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # Never let a developer's /etc/livehost leak into these tests.
    monkeypatch.setenv("LIVEHOST_CONFIG", os.devnull + ".missing")


def test_check_warns_when_the_voice_cannot_speak_the_schedules_language(tmp_path: Path) -> None:
    from tests.onair.daemon_helpers import write_setup
    from tests.show.zh_schedule import ZH_SCHEDULE

    config = write_setup(tmp_path / "unit")  # the default English voice, from models/
    (tmp_path / "unit" / "schedule.yaml").write_text(ZH_SCHEDULE, encoding="utf-8")
    result = run("check", "--config", str(config), "--now", "2026-11-27 15:02")
    assert result.returncode == 0, result.stderr  # a warning: the show can still run
    assert "store.language: the talk is in zh but the voice en_US-joe-medium speaks en" in (
        result.stdout
    )
    english = run("check", "--config", str(write_setup(tmp_path / "en")), "--now",
                  "2026-11-27 15:02")
    assert english.returncode == 0 and "speaks" not in english.stdout


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_schedule_saved_as_utf16_is_read(tmp_path, sample_schedule, encoding) -> None:
    # Windows editors save "Unicode" as UTF-16 with a byte-order mark; before, it was
    # "not a text file"
    text = sample_schedule.read_text(encoding="utf-8")
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    path = write(tmp_path, "schedule.yaml", raw)
    (tmp_path / "scripts").mkdir()
    # a moment of the sample's own week: its kettle sale ends on 1 December 2026
    result = run("check", str(path), "--now", "2026-11-27 15:02")
    assert result.returncode == 0, result.stderr
    assert "Aurora Glass Kettle" in result.stdout
    assert_no_traceback(result)
