"""The running scripts: last good copies, stale lines, pushed files, the folder watcher."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from tests.scripts.helpers import SAMPLE

from livehost.schedule.load import load_schedule_text
from livehost.schedule.model import Schedule
from livehost.scripts.facts import facts_hash
from livehost.scripts.report import script_report
from livehost.scripts.scriptset import ScriptSet
from livehost.scripts.store import ScriptStore
from livehost.scripts.watcher import ScriptWatcher

BROKEN = "product: kettle\nfacts: 05366562f60c\nlines:\n  - kind: intro\n    text: 'oops\n"


def sample_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    shutil.copytree(SAMPLE / "scripts", folder)
    return folder


def changed_facts(schedule_text: str) -> Schedule:
    text = schedule_text.replace("then switches itself off", "then turns itself off")
    return load_schedule_text(text, "schedule.yaml").schedule


def test_the_sample_scripts_air(schedule: Schedule, tmp_path: Path) -> None:
    store = ScriptStore(sample_folder(tmp_path), tmp_path / "state", schedule)
    current = store.start()
    assert store.last_problems == []
    kettle = current.approved(schedule.product("kettle"))
    assert len(kettle["intro"]) == 6 and "{price}" in " ".join(kettle["price"])
    assert script_report(schedule, current) == []


def test_a_broken_file_keeps_its_last_good_copy_across_a_restart(
    schedule: Schedule, tmp_path: Path
) -> None:
    folder = sample_folder(tmp_path)
    store = ScriptStore(folder, tmp_path / "state", schedule)
    store.start()
    good = store.current.approved(schedule.product("kettle"))
    (folder / "kettle.yaml").write_text(BROKEN)
    result = store.reload()
    assert not result.changed
    assert [(p.line, p.message) for p in result.problems] == [
        (5, "a quote is opened on this line but never closed")
    ]
    assert result.problems[0].file == str(folder / "kettle.yaml")
    assert store.current.approved(schedule.product("kettle")) == good
    # a new boot with the file still broken airs the copy kept in the state dir
    again = ScriptStore(folder, tmp_path / "state", schedule)
    again.start()
    assert again.current.approved(schedule.product("kettle")) == good
    assert again.last_problems[0].line == 5
    # other products were never affected
    assert again.current.approved(schedule.product("mugs"))


def test_a_file_refused_on_air_cannot_replace_its_last_good_copy_at_the_next_boot(
    schedule: Schedule, tmp_path: Path
) -> None:
    """A file that only the claim check refuses (it parses) is not "good" until checked
    against the schedule: loading it before the schedule must not keep it as good."""
    folder = sample_folder(tmp_path)
    ScriptStore(folder, tmp_path / "state", schedule).start()
    kept = (tmp_path / "state" / "scripts-last-good" / "kettle.yaml").read_text()
    text = (folder / "kettle.yaml").read_text()
    bad = text.replace(
        "lines:\n", "lines:\n- kind: story\n  text: The best kettle in the world.\n"
        "  status: approved\n  approved_by: Ana\n  approved_at: 2026-11-30T10:00:00\n", 1
    )
    assert bad != text
    (folder / "kettle.yaml").write_text(bad)
    boot = ScriptStore(folder, tmp_path / "state")  # no schedule yet
    boot.start()
    assert (tmp_path / "state" / "scripts-last-good" / "kettle.yaml").read_text() == kept
    result = boot.set_schedule(schedule)  # the daemon's first schedule
    assert result.problems and "best" in result.problems[0].message
    lines = boot.current.approved(schedule.product("kettle"))
    assert "The best kettle in the world." not in [t for k in lines.values() for t in k]


def test_lines_go_stale_when_the_facts_change(schedule: Schedule, tmp_path: Path) -> None:
    store = ScriptStore(sample_folder(tmp_path), tmp_path / "state", schedule)
    store.start()
    new = changed_facts((SAMPLE / "schedule.yaml").read_text())
    kettle = new.product("kettle")
    assert facts_hash(kettle) != facts_hash(schedule.product("kettle"))
    result = store.set_schedule(new)
    assert result.changed and result.problems == []
    current = store.current
    assert current.approved(kettle) == {}
    assert len(current.stale(kettle)) == 45
    assert current.approved(new.product("mugs"))  # only the kettle's facts changed
    report = script_report(new, current)
    assert report[0] == (
        "scripts/kettle.yaml line 10: approved before the facts changed (stale): "
        "it does not air until approved again"
    )
    assert len(report) == 46 and report[-1].endswith(
        "no approved line airs; the host uses its own wordings"
    )


def test_a_price_change_does_not_stale_anything(schedule: Schedule, tmp_path: Path) -> None:
    text = (SAMPLE / "schedule.yaml").read_text().replace("price: 59.99", "price: 64.99")
    new = load_schedule_text(text, "schedule.yaml").schedule
    store = ScriptStore(sample_folder(tmp_path), tmp_path / "state", new)
    store.start()
    assert len(store.current.approved(new.product("kettle"))["price"]) == 6


def test_a_pushed_file_is_validated_before_it_is_written(
    schedule: Schedule, tmp_path: Path
) -> None:
    folder = tmp_path / "scripts"
    store = ScriptStore(folder, tmp_path / "state", schedule)
    store.start()
    swaps: list[ScriptSet] = []
    store.subscribe(swaps.append)
    now = facts_hash(schedule.product("kettle"))
    bad = (
        f"product: kettle\nfacts: {now}\nlines:\n  - kind: price\n    text: Only $19.99!\n"
        "    status: approved\n    approved_by: Ana\n"
    )
    result = store.write_and_apply("kettle.yaml", bad)
    assert not result.changed and result.problems[0].line == 5
    assert "cannot be approved until edited" in result.problems[0].message
    assert not (folder / "kettle.yaml").exists() and swaps == []
    for name in ("../kettle.yaml", "kettle.yml", ".kettle.yaml", "sub/kettle.yaml"):
        assert store.write_and_apply(name, bad).problems[0].message.startswith("a script file")
    good = bad.replace("Only $19.99!", "Only {price} today!")
    result = store.write_and_apply("kettle.yaml", good)
    assert result.changed and (folder / "kettle.yaml").read_text() == good
    assert swaps[-1].approved(schedule.product("kettle")) == {"price": ["Only {price} today!"]}


def test_a_missing_folder_means_no_scripts_and_removing_a_file_removes_its_lines(
    schedule: Schedule, tmp_path: Path
) -> None:
    store = ScriptStore(tmp_path / "nowhere", tmp_path / "state", schedule)
    assert len(store.start()) == 0 and store.last_problems == []
    folder = sample_folder(tmp_path)
    store = ScriptStore(folder, tmp_path / "state", schedule)
    store.start()
    (folder / "mugs.yaml").unlink()
    assert store.reload().changed
    assert store.current.approved(schedule.product("mugs")) == {}
    assert not (tmp_path / "state" / "scripts-last-good" / "mugs.yaml").exists()


def until(predicate, timeout: float = 5) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_watcher_follows_saves_and_the_folder_coming_and_going(
    schedule: Schedule, tmp_path: Path
) -> None:
    folder = tmp_path / "scripts"
    store = ScriptStore(folder, tmp_path / "state", schedule)
    store.start()
    mugs, kettle = schedule.product("mugs"), schedule.product("kettle")
    with ScriptWatcher(folder, store.reload, debounce=0.05):
        time.sleep(0.1)
        folder.mkdir()
        shutil.copy(SAMPLE / "scripts" / "mugs.yaml", folder / "mugs.yaml")
        assert until(lambda: store.current.approved(mugs))
        temp = folder / ".kettle.yaml.tmp"  # an editor's save: write aside, then rename
        temp.write_text((SAMPLE / "scripts" / "kettle.yaml").read_text())
        temp.replace(folder / "kettle.yaml")
        assert until(lambda: store.current.approved(kettle))
        shutil.rmtree(folder)  # gone: nothing airs
        assert until(lambda: len(store.current) == 0)
        shutil.copytree(SAMPLE / "scripts", folder)  # and back: a new folder to watch
        assert until(lambda: len(store.current) == 5)
        (folder / "mugs.yaml").unlink()
        assert until(lambda: not store.current.approved(mugs))
