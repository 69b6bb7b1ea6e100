"""Script files: every mistake reported with its file and line; stale lines are no error."""

from __future__ import annotations

from pathlib import Path

import pytest

from livehost.problems import ProblemsError
from livehost.schedule.model import Schedule
from livehost.scripts.facts import facts_hash
from livehost.scripts.load import load_script_file, load_script_text
from livehost.scripts.model import ScriptFile, ScriptLine
from livehost.scripts.save import script_text


def script(facts: str, body: str, product: str = "kettle") -> str:
    return f"product: {product}\nfacts: {facts}\nlines:\n{body}"


def errors(text: str, schedule: Schedule, name: str = "scripts/kettle.yaml") -> dict[int, str]:
    with pytest.raises(ProblemsError) as caught:
        load_script_text(text, name, schedule)
    return {p.line: p.message for p in caught.value.problems if p.line is not None}


def test_an_approved_line_that_fails_the_claim_check_is_refused_at_its_line(
    schedule: Schedule,
) -> None:
    now = facts_hash(schedule.product("kettle"))
    text = script(
        now,
        "  - kind: intro\n"
        "    text: Meet the {name}.\n"
        "    status: approved\n"
        "    approved_by: Ana\n"
        "  - kind: price\n"
        "    text: Only $19.99 today!\n"  # line 9
        "    status: approved\n"
        "    approved_by: Ana\n",
    )
    found = errors(text, schedule)
    assert list(found) == [9]
    assert found[9].startswith("cannot be approved until edited: '$19.99': prices come from")


def test_a_failing_draft_or_a_stale_approved_line_is_no_error(schedule: Schedule) -> None:
    text = script(
        "000000000abc",  # drafted from other facts: every approved line here is stale
        "  - kind: price\n"
        "    text: Only $19.99 today!\n"
        "    status: approved\n"
        "    approved_by: Ana\n"
        "  - kind: price\n"
        "    text: Only $19.99 today!\n"
        "    claims: [\"'$19.99': prices come from the schedule\"]\n",
    )
    loaded = load_script_text(text, "scripts/kettle.yaml", schedule)
    assert [line.status for line in loaded.script.lines] == ["approved", "draft"]
    assert loaded.line_numbers == (4, 8)


def test_unknown_placeholders_keys_kinds_and_a_missing_approver(schedule: Schedule) -> None:
    now = facts_hash(schedule.product("kettle"))
    text = script(
        now,
        "  - kind: intro\n"  # 4
        "    text: Use {discount} today.\n"
        "  - kind: outro\n"  # 6
        "    text: Bye now, see you soon.\n"
        "  - kind: cta\n"  # 8
        "    txt: Tap the cart.\n"
        "  - kind: cta\n"  # 10
        "    text: Tap the cart below, everyone.\n"
        "    status: approved\n",
    )
    found = errors(text, schedule)
    assert "{discount} in the text is not a placeholder; use {name}" in found[4]
    assert "should be one of 'intro'" in found[6]
    assert "'txt' is not a setting we know here; did you mean 'text'?" in found[9]
    assert "an approved line needs approved_by" in found[10]


def test_the_file_name_must_be_the_product_id(schedule: Schedule) -> None:
    text = script(facts_hash(schedule.product("kettle")), "  - {kind: idle, text: Hello all.}\n")
    found = errors(text, schedule, "scripts/mugs.yaml")
    assert "this file is for 'kettle' but is named mugs.yaml; name it kettle.yaml" in found[1]


def test_a_product_missing_from_the_schedule_is_a_warning(schedule: Schedule) -> None:
    text = "product: toaster\nfacts: 0123456789ab\nlines: []\n"
    loaded = load_script_text(text, "scripts/toaster.yaml", schedule)
    assert [p.severity for p in loaded.warnings] == ["warning"]
    assert "there is no product 'toaster' in the schedule" in loaded.warnings[0].message


def test_broken_yaml_and_a_bad_hash_point_at_the_line(schedule: Schedule) -> None:
    found = errors('product: kettle\nfacts: abc\nlines:\n  - kind: "intro\n', schedule)
    assert found == {4: "a quote is opened on this line but never closed"}
    found = errors("product: kettle\nfacts: xyz\nlines: []\n", schedule)
    assert "should match pattern" in found[2]


def test_written_files_read_back_the_same(schedule: Schedule, tmp_path: Path) -> None:
    product = schedule.product("kettle")
    original = ScriptFile(
        product="kettle",
        facts=facts_hash(product),
        drafted_by="qwen2.5-1.5b-instruct @ http://127.0.0.1:8081/v1",
        lines=[
            ScriptLine(
                kind="intro",
                text="Meet the {name}: a kettle you will actually want on the counter.",
                status="approved",
                approved_by="Ana",
                approved_at="2026-11-30T10:12:00",
            ),
            ScriptLine(kind="price", text="Yes: 123", claims=["'123': this number is not"]),
            ScriptLine(kind="idle", text="true"),
        ],
    )
    path = tmp_path / "kettle.yaml"
    path.write_text(script_text(original))
    assert load_script_file(path, schedule).script == original
