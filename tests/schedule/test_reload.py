"""Live reload: each save style reloads once with the final content; bad saves change nothing."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from livehost.schedule.store import LAST_GOOD_NAME, ScheduleStore
from livehost.schedule.watcher import ScheduleWatcher

ZONE = ZoneInfo("Europe/Berlin")
QUIET = 1.2  # well past the 0.3 s debounce


def schedule_text(name: str) -> str:
    return f"""\
store:
  name: {name}
products:
  - id: kettle
    name: Kettle
    price: 10
    features: [boils fast]
fallback:
  message: Back soon
"""


class Recorder:
    def __init__(self, store: ScheduleStore) -> None:
        self.names: list[str] = []
        self.changed = threading.Event()
        store.subscribe(self._on_swap)

    def _on_swap(self, loaded) -> None:
        self.names.append(loaded.schedule.store.name)
        self.changed.set()


@pytest.fixture
def live(tmp_path: Path):
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "schedule.yaml"
    path.write_text(schedule_text("Original"))
    store = ScheduleStore(path, ZONE, tmp_path / "state")
    assert store.start() is not None
    recorder = Recorder(store)
    watcher = ScheduleWatcher(path, store.reload)
    watcher.start()
    time.sleep(0.2)  # let the observer settle before the first save
    yield path, store, recorder
    watcher.stop()


def save_in_place(path: Path, text: str) -> None:
    with open(path, "r+", encoding="utf-8") as handle:
        handle.truncate(0)
        handle.write(text[: len(text) // 2])
        handle.flush()
        time.sleep(0.05)  # an editor that writes in two steps
        handle.write(text[len(text) // 2 :])


def save_rename_over(path: Path, text: str) -> None:
    tmp = path.with_name(".schedule.yaml.tmp123")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_vim_style(path: Path, text: str) -> None:
    backup = path.with_name("schedule.yaml~")
    probe = path.with_name("4913")
    probe.write_text("")
    probe.unlink()
    os.rename(path, backup)
    path.write_text(text)
    backup.unlink()


@pytest.mark.parametrize(
    "save",
    [save_in_place, save_rename_over, save_vim_style],
    ids=["in-place", "rename-over", "vim-style"],
)
def test_each_save_style_reloads_once_with_the_final_content(live, save) -> None:
    path, store, recorder = live
    save(path, schedule_text("Edited"))
    assert recorder.changed.wait(3), "no reload happened"
    time.sleep(QUIET)
    assert recorder.names == ["Edited"]
    assert store.current.schedule.store.name == "Edited"


def test_burst_of_saves_gives_one_reload_with_the_last_content(live) -> None:
    path, _store, recorder = live
    for n in range(10):
        save_rename_over(path, schedule_text(f"Draft {n}"))
        time.sleep(0.03)
    assert recorder.changed.wait(3)
    time.sleep(QUIET)
    assert recorder.names == ["Draft 9"]


def test_broken_save_keeps_old_plan_and_reports_the_line(live) -> None:
    path, store, recorder = live
    save_rename_over(path, schedule_text("Broken").replace("price: 10", "price: ten"))
    deadline = time.monotonic() + 3
    while not store.last_problems and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.last_problems and store.last_problems[0].line == 6
    assert recorder.names == []
    assert store.current.schedule.store.name == "Original"
    # Fixing the file clears the problem and swaps in the fix.
    save_rename_over(path, schedule_text("Fixed"))
    assert recorder.changed.wait(3)
    time.sleep(QUIET)
    assert recorder.names == ["Fixed"] and store.last_problems == []


def test_save_without_change_swaps_nothing(live) -> None:
    path, store, recorder = live
    save_rename_over(path, schedule_text("Original"))
    time.sleep(QUIET)
    assert recorder.names == [] and store.version == 1


def test_last_good_schedule_is_used_when_the_file_is_broken_at_boot(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(schedule_text("Good"))
    first = ScheduleStore(path, ZONE, tmp_path / "state")
    assert first.start() is not None
    assert (tmp_path / "state" / LAST_GOOD_NAME).read_text() == schedule_text("Good")
    path.write_text("store: [broken")
    second = ScheduleStore(path, ZONE, tmp_path / "state")
    loaded = second.start()
    assert loaded is not None and loaded.schedule.store.name == "Good"
    assert second.last_problems and second.last_problems[0].file == str(path)


def test_no_schedule_at_all_reports_why(tmp_path: Path) -> None:
    store = ScheduleStore(tmp_path / "missing.yaml", ZONE, tmp_path / "state")
    assert store.start() is None
    assert "does not exist" in store.last_problems[0].message


def test_pushed_schedule_is_validated_before_the_file_is_written(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(schedule_text("Good"))
    path.chmod(0o644)
    store = ScheduleStore(path, ZONE, tmp_path / "state")
    store.start()
    refused = store.write_and_apply(schedule_text("Bad").replace("price: 10", "price: -1"))
    assert not refused.changed and refused.problems[0].line == 6
    assert path.read_text() == schedule_text("Good")
    accepted = store.write_and_apply(schedule_text("Pushed"))
    assert accepted.changed and path.read_text() == schedule_text("Pushed")
    assert path.stat().st_mode & 0o777 == 0o644
    assert store.current.schedule.store.name == "Pushed"
