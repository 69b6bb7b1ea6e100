"""Only approved words air: a draft never does; approved, it does; once the product's facts
change it stops airing and `livehost check` says why. The real script store, watcher and
director, as the daemon wires them."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from devkit.rehearsal import rehearse
from livehost.schedule.load import load_schedule_file, load_schedule_text
from livehost.scripts.facts import facts_hash
from livehost.scripts.store import ScriptStore
from livehost.show.inbox import Pin

NY = ZoneInfo("America/New_York")
FRIDAY_2PM = datetime(2026, 11, 27, 14, 0, tzinfo=NY)
LINE = "Put the kettle on and watch the bubbles rise through the glass."


def script(product, status: str) -> str:
    line = {"kind": "story", "text": LINE, "status": status}
    if status == "approved":
        line.update(approved_by="Ana", approved_at="2026-11-30T10:00:00")
    return yaml.safe_dump(
        {"product": product.id, "facts": facts_hash(product), "lines": [line]}, sort_keys=False
    )


def aired(schedule, scripts) -> bool:
    rehearsal = rehearse(
        schedule, NY, FRIDAY_2PM, 300, scripts,
        prepare=lambda director: director.inbox.put(Pin("kettle")),
    )
    return any(LINE in u.text for _, u in rehearsal.said)


def test_a_line_airs_only_while_approved_for_the_facts_it_was_written_for(
    tmp_path: Path, sample_schedule: Path
) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    kettle = schedule.product("kettle")
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "kettle.yaml").write_text(script(kettle, "draft"))
    store = ScriptStore(folder, tmp_path / "state", schedule)
    store.start()
    assert not aired(schedule, store.current)  # a draft never airs

    (folder / "kettle.yaml").write_text(script(kettle, "approved"))
    assert store.reload().changed
    assert aired(schedule, store.current)  # approved: it airs

    # staff change a fact of the kettle: the line was approved for the old facts
    edited_text = sample_schedule.read_text().replace(
        "Boils a full litre and a half in under four minutes",
        "Boils a full litre and a half in under five minutes",
    )
    edited = load_schedule_text(edited_text, "schedule.yaml").schedule
    store.set_schedule(edited)
    assert not aired(edited, store.current)  # stale: it stops airing
    assert [ref.line for ref in store.current.stale(edited.product("kettle"))] == [4]

    unit = tmp_path / "schedule.yaml"
    unit.write_text(edited_text)
    result = subprocess.run(
        [sys.executable, "-m", "livehost", "check", str(unit)],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kettle.yaml line 4: approved before the facts changed (stale)" in result.stdout


def test_a_price_edit_never_stales_a_script(sample_schedule: Path) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    cheaper = load_schedule_text(
        sample_schedule.read_text().replace("price: 44.99", "price: 39.99"), "s.yaml"
    ).schedule
    assert facts_hash(schedule.product("kettle")) == facts_hash(cheaper.product("kettle"))
