"""A start that cannot crash-loop: the last good device config, kept once the show has
been on air with it, runs when the file cannot be used, keeps failing, or was cut short;
parts that cannot load are left out with the reason instead of ending the daemon."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import yaml
from tests.onair.conftest import wait_for
from tests.onair.daemon_helpers import start_daemon, stop_daemon, write_setup

from livehost.config.lastgood import FAILED_STARTS, ConfigKeeper
from livehost.problems import ProblemsError


def edit(config: Path, **sections: object) -> None:
    data = yaml.safe_load(config.read_text())
    data.update(sections)
    config.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture
def unit(tmp_path: Path) -> tuple[Path, ConfigKeeper]:
    config = write_setup(tmp_path / "unit")
    edit(config, outputs=[{"name": "main", "url": "rtmp://127.0.0.1:9/live"}])
    return config, ConfigKeeper(tmp_path / "state")


# --- the keeper's choices, in-process ---


def test_a_broken_config_with_no_last_good_is_refused_with_its_problems(unit) -> None:
    config, keeper = unit
    config.write_text(config.read_text() + "engines: {lipsync: nosuch}\n")
    with pytest.raises(ProblemsError) as caught:
        keeper.choose(config, None)
    assert "engines.lipsync" in str(caught.value.problems[0])


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text + "engines: {lipsync: nosuch}\n",  # validates no longer
        lambda text: text.replace("unit:", "unit: [", 1),  # not YAML
        lambda text: text[: text.index("outputs:")],  # cut short: valid, outputs gone
    ],
    ids=["invalid", "not-yaml", "cut-short"],
)
def test_a_damaged_config_gives_way_to_the_last_good_one(unit, damage) -> None:
    config, keeper = unit
    good = keeper.choose(config, None)
    assert not good.last_good
    keeper.starting(good)
    keeper.proven(good)
    config.write_text(damage(config.read_text()))
    start = keeper.choose(config, None)
    assert start.last_good
    assert start.loaded.config.outputs[0].name == "main"
    assert start.loaded.file == config.resolve()  # relative paths resolve as before
    assert "running the last good config" in start.reason


def test_a_config_that_keeps_failing_at_start_gives_way_and_a_fixed_one_is_tried(unit) -> None:
    config, keeper = unit
    good = keeper.choose(config, None)
    keeper.proven(good)
    edit(config, video={"width": 640, "height": 360, "fps": 25, "bitrate_kbps": 900})
    for _ in range(FAILED_STARTS):  # each start crashed before it was proven
        start = keeper.choose(config, None)
        assert not start.last_good
        keeper.starting(start)
    start = keeper.choose(config, None)
    assert start.last_good and f"failed its last {FAILED_STARTS} starts" in start.reason
    edit(config, video={"width": 640, "height": 360, "fps": 25, "bitrate_kbps": 800})
    assert not keeper.choose(config, None).last_good  # staff changed it: worth a try


def test_a_start_stopped_on_purpose_does_not_count_as_failed(unit) -> None:
    config, keeper = unit
    keeper.proven(keeper.choose(config, None))
    edit(config, video={"width": 640, "height": 360, "fps": 25, "bitrate_kbps": 900})
    for _ in range(FAILED_STARTS + 1):
        start = keeper.choose(config, None)
        keeper.starting(start)
        keeper.ended_cleanly(start)
    assert not keeper.choose(config, None).last_good


# --- the real daemon ---


def run_for(config: Path, state: Path, seconds: float, log: Path) -> tuple[int, str]:
    proc = start_daemon(config, "--state-dir", str(state), "--for", str(seconds), log=log)
    try:
        code = proc.wait(timeout=seconds + 40)
    finally:
        stop_daemon(proc)
    return code, log.read_text(errors="replace")


def test_the_daemon_keeps_a_config_that_went_on_air_and_runs_it_when_the_file_breaks(
    tmp_path, rtmp_recording
) -> None:
    config = write_setup(tmp_path / "unit")
    edit(config, outputs=[{"name": "main", "url": f"rtmp://127.0.0.1:{rtmp_recording.port}/live/proof"}])
    state = tmp_path / "state"
    code, out = run_for(config, state, 16, tmp_path / "first.log")
    assert code == 0, out[-2000:]
    assert "config kept as the last good one" in out

    config.write_text(config.read_text() + "engines: {lipsync: nosuch}\n")
    code, out = run_for(config, state, 6, tmp_path / "second.log")
    assert code == 0, out[-2000:]
    assert "running the last good config" in out
    assert "engines.lipsync" in out  # the file's own problem is in the journal
    assert "output main is on air" in out
    assert "config: 1 problem(s) in" in out  # and in the ready line (STATUS)


def test_a_config_whose_starts_crash_gives_way_after_two(tmp_path) -> None:
    config = write_setup(tmp_path / "unit")
    state = tmp_path / "state"
    code, out = run_for(config, state, 13, tmp_path / "first.log")
    assert code == 0 and "config kept as the last good one" in out, out[-2000:]
    edit(config, video={"width": 640, "height": 360, "fps": 25, "bitrate_kbps": 700})
    for attempt in range(FAILED_STARTS):  # a native crash: nothing runs after it
        log = tmp_path / f"crash{attempt}.log"
        proc = start_daemon(config, "--state-dir", str(state), log=log)
        wait_for(lambda log=log: "ready:" in log.read_text(errors="replace"), 40, 0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    code, out = run_for(config, state, 4, tmp_path / "after.log")
    assert code == 0, out[-2000:]
    assert f"failed its last {FAILED_STARTS} starts before going on air" in out


def test_an_unusable_recording_folder_leaves_the_show_running(tmp_path) -> None:
    config = write_setup(tmp_path / "unit")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the recordings should go")
    edit(config, recording={"enabled": True, "folder": str(blocker / "recordings")})
    code, out = run_for(config, tmp_path / "state", 4, tmp_path / "run.log")
    assert code == 0, out[-2000:]
    assert "Traceback" not in out
    assert "recording is off" in out and "ready:" in out


def test_a_config_that_drops_a_section_on_purpose_runs(unit) -> None:
    config, keeper = unit
    keeper.proven(keeper.choose(config, None))
    edit(config, outputs=[])  # written out empty: meant, not cut short
    assert not keeper.choose(config, None).last_good


def test_the_same_text_as_the_last_good_one_is_not_swapped_for_itself(unit) -> None:
    config, keeper = unit
    good = keeper.choose(config, None)
    keeper.proven(good)
    for _ in range(FAILED_STARTS):  # crashes below the config (a device), text unchanged
        keeper.starting(keeper.choose(config, None))
    start = keeper.choose(config, None)
    assert not start.last_good  # the file runs (and is counted), not a copy of itself
