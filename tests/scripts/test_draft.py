"""Drafting against a real llama.cpp server, and against dead, slow and garbled ones."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from tests.scripts.helpers import fake_endpoint, make_unit, reply, run

from livehost.devservers import free_port
from livehost.schedule.model import Schedule
from livehost.scripts.claims import check_line
from livehost.scripts.client import ChatClient, ScriptDraftError
from livehost.scripts.draft import draft_file, draft_lines, line_counts
from livehost.scripts.facts import facts_hash
from livehost.scripts.load import load_script_file
from livehost.scripts.model import ScriptFile, ScriptLine
from livehost.scripts.prompt import clean_text, parse_answer
from livehost.scripts.save import script_text

ONE_EACH = {"intro": 1, "feature": 1}  # four small requests: an intro, one per feature
# the config's counts: the kinds left out keep their defaults, so name them all
FEW = (
    "  lines_per_kind: {intro: 1, price: 1, feature: 0, benefit: 0, story: 0, comparison: 0,\n"
    "                   cta: 0, idle: 0}\n"
)


def existing_script(schedule: Schedule) -> ScriptFile:
    old_facts = "0123456789ab"  # approved against older facts: must stay pinned to them
    return ScriptFile(
        product="kettle",
        facts=old_facts,
        drafted_by="hand-written",
        lines=[
            ScriptLine(
                kind="intro",
                text="Meet the {name}, everyone here.",
                status="approved",
                approved_by="Ana",
                approved_at="2026-11-30T10:12:00",
            ),
            ScriptLine(kind="cta", text="Buy two, they are the best!", status="rejected"),
            ScriptLine(kind="idle", text="An old draft that should go away now."),
        ],
    )


def test_script_draft_against_llama_cpp_writes_checked_drafts(
    llama_endpoint: str, tmp_path: Path, schedule: Schedule
) -> None:
    config = make_unit(tmp_path / "etc", endpoint=llama_endpoint, extra=FEW)
    result = run("script", "draft", "--product", "kettle", "--config", str(config))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("kettle: ") and "lines drafted" in out and "tokens/s" in out, out
    assert "flagged by the claim check" in out and "-> scripts/kettle.yaml" in out
    path = tmp_path / "etc" / "scripts" / "kettle.yaml"
    loaded = load_script_file(path, schedule)  # it validates
    script = loaded.script
    product = schedule.product("kettle")
    assert script.facts == facts_hash(product)
    assert script.drafted_by and script.drafted_by.endswith(f"@ {llama_endpoint}")
    assert "SmolLM2" in script.drafted_by
    assert script.lines and all(line.status == "draft" for line in script.lines)
    for line in script.lines:
        assert line.claims == check_line(line.text, product, schedule)


def test_drafting_keeps_approved_and_rejected_lines_and_replaces_old_drafts(
    llama_endpoint: str, tmp_path: Path, schedule: Schedule
) -> None:
    path = tmp_path / "kettle.yaml"
    path.write_text(script_text(existing_script(schedule)))
    client = ChatClient(llama_endpoint, timeout=120, seed=7)
    result = draft_file(path, client, schedule.product("kettle"), schedule, ONE_EACH)
    assert result.requests == 4  # the intro, then a request per feature
    assert result.completion_tokens > 0 and result.tokens_per_second > 0
    merged = load_script_file(path, schedule).script
    kept = [line for line in merged.lines if line.status != "draft"]
    before = existing_script(schedule).lines
    assert [line.text for line in kept] == [before[0].text, before[1].text]
    assert kept[0].facts == "0123456789ab"  # still stale: the file's hash moved on
    assert merged.facts == facts_hash(schedule.product("kettle"))
    assert "An old draft that should go away now." not in [line.text for line in merged.lines]
    assert len(merged.lines) == 2 + len(result.lines)


def test_a_dead_endpoint_is_a_clear_error_and_the_file_stays(
    tmp_path: Path, schedule: Schedule
) -> None:
    port = free_port()  # nothing listens there
    endpoint = f"http://127.0.0.1:{port}/v1"
    config = make_unit(tmp_path / "etc", endpoint=endpoint)
    path = tmp_path / "etc" / "scripts" / "kettle.yaml"
    path.parent.mkdir()
    path.write_text(script_text(existing_script(schedule)))
    before = path.read_bytes()
    result = run("script", "draft", "--product", "kettle", "--config", str(config))
    assert result.returncode == 1
    assert f"livehost: kettle: {endpoint}: connection refused" in result.stderr
    assert "scripts/kettle.yaml is unchanged" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_a_garbled_endpoint_is_a_clear_error_and_the_file_stays(
    tmp_path: Path, schedule: Schedule
) -> None:
    def garbage(handler, body):  # type: ignore[no-untyped-def]
        reply(handler, 200, b"<html>upstream busy</html>")

    path = tmp_path / "kettle.yaml"
    path.write_text(script_text(existing_script(schedule)))
    before = path.read_bytes()
    with fake_endpoint(garbage) as endpoint:
        client = ChatClient(endpoint, timeout=5)
        with pytest.raises(ScriptDraftError) as caught:
            draft_file(path, client, schedule.product("kettle"), schedule, ONE_EACH)
    assert str(caught.value) == (
        f"{endpoint}: the answer is not JSON (it starts with '<html>upstream busy</html>')"
    )
    assert path.read_bytes() == before


def test_a_slow_endpoint_times_out_with_the_endpoint_named(schedule: Schedule) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:  # accepts, never answers
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        started = time.monotonic()
        with pytest.raises(ScriptDraftError) as caught:
            ChatClient(endpoint, timeout=0.5).chat([{"role": "user", "content": "hi"}], 10)
    assert str(caught.value) == f"{endpoint}: no answer within 0.5 s"
    assert time.monotonic() - started < 5


def test_json_that_is_not_a_chat_answer_and_http_errors(schedule: Schedule) -> None:
    def wrong(handler, body):  # type: ignore[no-untyped-def]
        reply(handler, 200, b'{"result": "ok"}')

    def failing(handler, body):  # type: ignore[no-untyped-def]
        reply(handler, 503, b'{"error": "loading model"}')

    for answer, gist in ((wrong, "has no choices[0].message.content"), (failing, "HTTP 503")):
        with fake_endpoint(answer) as endpoint, pytest.raises(ScriptDraftError) as caught:
            ChatClient(endpoint).chat([{"role": "user", "content": "hi"}], 10)
        assert str(caught.value).startswith(f"{endpoint}: ") and gist in str(caught.value)


def test_a_server_without_structured_output_is_asked_again_in_plain_words(
    schedule: Schedule,
) -> None:
    asked: list[dict] = []

    def old_server(handler, body):  # type: ignore[no-untyped-def]
        request = json.loads(body)
        asked.append(request)
        if "response_format" in request:
            reply(handler, 400, b'{"error": "response_format is not supported"}')
            return
        content = "intro: Hello everyone, meet the {name} today!\nprice: It costs $5 now, friends."
        answer = {"choices": [{"message": {"content": content}}], "usage": {"completion_tokens": 9}}
        reply(handler, 200, json.dumps(answer).encode())

    with fake_endpoint(old_server) as endpoint:
        client = ChatClient(endpoint)
        result = draft_lines(client, schedule.product("kettle"), schedule, {"intro": 1})
    assert not client.structured and len(asked) == 2
    assert [(line.kind, line.text) for line in result.lines] == [
        ("intro", "Hello everyone, meet the {name} today!"),
        ("price", "It costs $5 now, friends."),
    ]
    assert result.lines[1].claims == [
        "'$5': prices come from the schedule: write {price} or {sale}"
    ]


@pytest.mark.parametrize(
    "content",
    [
        '{"lines": [{"kind": "intro", "text": "Hello there, meet the kettle."}]}',
        'Sure! Here you go:\n```json\n{"lines": [{"kind": "intro", "text": "Hello there, '
        'meet the kettle."}]}\n```',
        '["Hello there, meet the kettle."]',
        "Here are the lines:\n1. intro: Hello there, meet the kettle.",
        '- "Hello there, meet the kettle."',
    ],
)
def test_answers_are_read_however_they_come(content: str) -> None:
    read = [(kind, clean_text(text)) for kind, text in parse_answer(content, "intro")]
    assert read == [("intro", "Hello there, meet the kettle.")]


def test_counts_come_from_defaults_config_or_the_command_line() -> None:
    assert line_counts()["intro"] == 6 and line_counts()["feature"] == 3
    assert line_counts({"intro": 2})["intro"] == 2
    assert set(line_counts({"intro": 2}, every=1).values()) == {1}
