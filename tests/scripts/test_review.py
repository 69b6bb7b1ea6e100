"""`livehost script review` driven through stdin, and `livehost script check`."""

from __future__ import annotations

from pathlib import Path

from tests.scripts.helpers import make_unit, run

from livehost.schedule.model import Schedule
from livehost.scripts.facts import facts_hash
from livehost.scripts.load import load_script_file
from livehost.scripts.model import ScriptFile, ScriptLine
from livehost.scripts.save import script_text


def drafts(schedule: Schedule) -> ScriptFile:
    return ScriptFile(
        product="kettle",
        facts=facts_hash(schedule.product("kettle")),
        drafted_by="test",
        lines=[
            ScriptLine(kind="intro", text="Say hello to the {name}, everyone."),
            ScriptLine(kind="price", text="Only $19.99 today, friends!"),
            ScriptLine(kind="cta", text="This is the best kettle in the world."),
            ScriptLine(kind="idle", text="Ask me anything about the {name} in the chat."),
        ],
    )


def unit_with_drafts(tmp_path: Path, schedule: Schedule) -> tuple[Path, Path]:
    config = make_unit(tmp_path / "etc")
    path = tmp_path / "etc" / "scripts" / "kettle.yaml"
    path.parent.mkdir()
    path.write_text(script_text(drafts(schedule)))
    return config, path


def test_review_approves_edits_rejects_and_refuses_a_failing_line(
    tmp_path: Path, schedule: Schedule
) -> None:
    config, path = unit_with_drafts(tmp_path, schedule)
    answers = [
        "a",  # line 1 passes: approved
        "a",  # line 2 fails the claim check: refused
        "e",
        "Only {price} today, friends!",  # edited: passes now
        "a",
        "r",  # line 3 rejected
        "s",  # line 4 skipped
    ]
    result = run(
        "script",
        "review",
        "kettle",
        "--as",
        "Ana",
        "--config",
        str(config),
        stdin="\n".join(answers) + "\n",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "'$19.99': prices come from the schedule: write {price} or {sale}" in out
    assert "Not approved: the claim check fails" in out
    assert "kettle: 2 approved, 1 rejected, 1 edited, 1 skipped" in out
    lines = load_script_file(path, schedule).script.lines
    assert [line.status for line in lines] == ["approved", "approved", "rejected", "draft"]
    assert lines[1].text == "Only {price} today, friends!"
    assert {lines[0].approved_by, lines[1].approved_by} == {"Ana"}
    assert lines[0].facts == facts_hash(schedule.product("kettle"))
    assert lines[0].approved_at is not None and lines[1].claims == []
    assert lines[2].claims and "superlative" in lines[2].claims[0]


def test_review_saves_after_every_decision_and_quits_cleanly(
    tmp_path: Path, schedule: Schedule
) -> None:
    config, path = unit_with_drafts(tmp_path, schedule)
    result = run("script", "review", "--config", str(config), "--as", "Bo", stdin="a\n")
    assert result.returncode == 0, result.stderr  # stdin ended: quit, nothing lost
    assert "Traceback" not in result.stderr
    lines = load_script_file(path, schedule).script.lines
    assert [line.status for line in lines] == ["approved", "draft", "draft", "draft"]
    result = run("script", "review", "--config", str(config), "--as", "Bo", stdin="q\n")
    assert load_script_file(path, schedule).script.lines == lines


def test_review_of_a_broken_file_shows_the_line(tmp_path: Path, schedule: Schedule) -> None:
    config, path = unit_with_drafts(tmp_path, schedule)
    path.write_text(path.read_text().replace("kind: idle", "kind: outro"))
    result = run("script", "review", "--config", str(config), stdin="")
    assert result.returncode == 1
    assert "scripts/kettle.yaml:" in result.stderr and "should be one of" in result.stderr


def test_script_check_counts_lines_and_reports_drafts(tmp_path: Path, schedule: Schedule) -> None:
    config = make_unit(tmp_path / "etc", scripts=True)
    result = run("script", "check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "kettle" in result.stdout and "45 airing · 45 approved · 0 draft" in result.stdout
    path = tmp_path / "etc" / "scripts" / "kettle.yaml"
    path.write_text(script_text(drafts(schedule)))
    result = run("script", "check", "--config", str(config))
    assert "warning: scripts/kettle.yaml: 4 drafts waiting for review" in result.stdout
    path.write_text(path.read_text().replace("kind: idle", "kind: outro"))
    result = run("script", "check", "--config", str(config))
    assert result.returncode == 1 and "should be one of" in result.stderr


def test_draft_without_an_endpoint_says_where_to_set_one(tmp_path: Path) -> None:
    config = make_unit(tmp_path / "etc")
    result = run("script", "draft", "--all", "--config", str(config))
    assert result.returncode == 1
    assert "no endpoint to draft with: set scripts.endpoint" in result.stderr
