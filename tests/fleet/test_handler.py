"""The command path in-process: every command, duplicates, expiry, refusals, and fuzzed
payloads that must all end in an ack without disturbing the show."""

from __future__ import annotations

import json
import logging
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fleet.conftest import FakeControl

from livehost.fleet import commands
from livehost.fleet.handler import CommandHandler
from livehost.fleet.idstore import IdStore
from livehost.fleet.messages import Ack


def handler_in(folder: Path | None, clock=None) -> tuple[CommandHandler, FakeControl]:
    """A handler whose ids persist in `folder` (None: memory only, for fuzzing)."""
    control = FakeControl()
    kw = {"clock": clock} if clock else {}
    store = IdStore(folder / "ids.json" if folder else None)
    h = CommandHandler(control, store, "unit-a", "site-1", **kw)
    return h, control


def send(h: CommandHandler, name: str, **body: object) -> Ack:
    return h.handle(name, json.dumps(body).encode())


CASES = [
    ("pause", {"mode": "slate"}, ("pause", "slate")),
    ("pause", {}, ("pause", "idle")),
    ("resume", {}, ("resume",)),
    ("skip", {}, ("skip",)),
    ("say", {"text": "Hello shoppers", "priority": 3}, ("say", "Hello shoppers", 3)),
    ("pin", {"product": "kettle"}, ("pin", "kettle")),
    ("unpin", {}, ("pin", None)),
    ("push_schedule", {"yaml": "store: {}"}, ("push_schedule", 9)),
    ("reload", {}, ("reload",)),
    ("stream", {"action": "stop"}, ("stream", "stop", None)),
    ("stream", {"action": "restart", "output": "main"}, ("stream", "restart", "main")),
    ("restart", {}, ("restart",)),
]


@pytest.mark.parametrize(
    ("name", "body", "call"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_command_reaches_the_show_and_is_acked(tmp_path, name, body, call):
    h, control = handler_in(tmp_path)
    ack = send(h, name, id="c1", **body)
    assert ack.ok, ack.error
    assert (ack.id, ack.unit, ack.site, ack.command) == ("c1", "unit-a", "site-1", name)
    assert control.calls == [call]


def test_snapshot_and_log_level(tmp_path):
    h, _ = handler_in(tmp_path)
    h.snapshot = lambda: {"published": True}
    assert send(h, "snapshot", id="s").result == {"published": True}
    logger = logging.getLogger("livehost.fleet.testlog")
    ack = send(h, "log_level", id="l", level="debug", logger="livehost.fleet.testlog")
    assert ack.ok and logger.level == logging.DEBUG
    logger.setLevel(logging.NOTSET)
    assert send(h, "log_level", id="l2", level="debug", logger="paho").error.code == "invalid"


def test_duplicate_id_is_acked_again_but_not_run_twice(tmp_path):
    h, control = handler_in(tmp_path)
    first = send(h, "say", id="dup-1", text="Only once")
    again = send(h, "say", id="dup-1", text="Only once")
    assert first.ok and again.ok and again.duplicate and not first.duplicate
    assert again.result == first.result
    assert control.calls == [("say", "Only once", 0)]


def test_busy_answers_a_new_id_busy_and_a_repeated_one_with_its_earlier_ack(tmp_path):
    h, control = handler_in(tmp_path)
    assert send(h, "skip", id="ran").ok
    again = h.busy("skip", json.dumps({"id": "ran"}).encode(), 100)
    # it did run: a `busy` ("send it again") would have the operator run it twice
    assert again.ok and again.duplicate and again.id == "ran"
    new = h.busy("skip", json.dumps({"id": "new"}).encode(), 100)
    assert not new.ok and new.error.code == "busy" and "100 commands" in new.error.message
    stopping = h.busy("skip", json.dumps({"id": "new"}).encode(), 100, stopping=True)
    assert stopping.error.code == "busy" and "stopping" in stopping.error.message
    assert control.calls == [("skip",)]
    # a busy id is not remembered: sent again, it runs
    assert send(h, "skip", id="new").ok and control.calls == [("skip",), ("skip",)]


def test_ids_survive_a_restart(tmp_path):
    h, _control = handler_in(tmp_path)
    send(h, "skip", id="before-restart")
    h2, control2 = handler_in(tmp_path)  # a new process reading the same state dir
    assert send(h2, "skip", id="before-restart").duplicate
    assert control2.calls == []


def test_id_store_is_bounded(tmp_path):
    store = IdStore(tmp_path / "ids.json", limit=5)
    for i in range(8):
        store.remember(f"id{i}", {"ok": True})
    assert len(store) == 5 and store.get("id0") is None and store.get("id7") is not None
    assert len(IdStore(tmp_path / "ids.json", limit=5)) == 5


def test_id_store_journal_is_compacted_and_survives_a_torn_line(tmp_path):
    path = tmp_path / "ids.jsonl"
    store = IdStore(path, limit=5)
    for i in range(23):
        store.remember(f"id{i}", {"ok": True, "n": i})
    assert len(path.read_text().splitlines()) <= 10  # compacted at twice the limit
    with path.open("a") as journal:
        journal.write('{"id": "torn", "ack": {"ok"')  # a power cut mid-write
    again = IdStore(path, limit=5)
    assert [again.get(f"id{i}")["n"] for i in range(18, 23)] == list(range(18, 23))
    assert again.get("torn") is None and again.get("id17") is None
    (tmp_path / "garbage.jsonl").write_bytes(b"\xff\xfe{not json")
    assert len(IdStore(tmp_path / "garbage.jsonl")) == 0


def test_expired_command_is_refused_and_not_run(tmp_path):
    h, control = handler_in(tmp_path, clock=lambda: 1000.0)
    ack = send(h, "say", id="late", text="Too late", expires=999.0)
    assert not ack.ok and ack.error.code == "expired"
    assert control.calls == []
    assert send(h, "say", id="late2", text="In time", expires=1001.0).ok


def test_refused_by_the_show_is_an_error_ack(tmp_path):
    h, _control = handler_in(tmp_path)
    ack = send(h, "pin", id="p", product="unicorn")
    assert not ack.ok and ack.error.code == "refused" and "unicorn" in ack.error.message


def test_a_failing_executor_is_an_error_ack_not_an_exception(tmp_path):
    h, control = handler_in(tmp_path)

    def boom():
        raise RuntimeError("the disk is on fire")

    control.skip = boom
    ack = send(h, "skip", id="x")
    assert ack.error.code == "failed" and "disk is on fire" in ack.error.message


@pytest.mark.parametrize(
    ("name", "payload", "code"),
    [
        ("say", b"not json", "malformed"),
        ("say", b"[1, 2]", "malformed"),
        ("say", b"\xff\xfe", "malformed"),
        ("say", json.dumps({"id": "a", "text": "x" * 9000}).encode(), "too_large"),
        ("push_schedule", json.dumps({"id": "a", "yaml": "x" * 300_000}).encode(), "too_large"),
        ("dance", b'{"id": "a"}', "unknown_command"),
        ("say", b'{"id": "a"}', "invalid"),
        ("say", b'{"id": "a", "text": "hi", "volume": 11}', "invalid"),
        ("say", json.dumps({"id": "a", "text": "x" * 301}).encode(), "invalid"),
        ("say", b'{"id": "a b", "text": "hi"}', "invalid"),
        ("pause", b'{"id": "a", "mode": "nap"}', "invalid"),
        ("stream", b'{"id": "a"}', "invalid"),
        ("say", b'{"text": "no id"}', "invalid"),
        # coerced before, now refused: a string or a boolean for a number
        ("say", b'{"id": "a", "text": "hi", "priority": "5"}', "invalid"),
        ("say", b'{"id": "a", "text": "hi", "priority": true}', "invalid"),
        # acked before and never heard: only zero-width characters; a NUL breaks the voice
        ("say", json.dumps({"id": "a", "text": "\u200b\u200b \u2060"}).encode(), "invalid"),
        ("say", json.dumps({"id": "a", "text": "50% off\u0000"}).encode(), "invalid"),
        # never expired before; Python's json reads NaN, JSON has none
        ("skip", b'{"id": "a", "expires": NaN}', "malformed"),
        ("skip", b'{"id": "a", "expires": 1e400}', "invalid"),
        # no ack at all before (RecursionError)
        ("skip", b"[" * 4000 + b"]" * 4000, "malformed"),
    ],
)
def test_bad_payloads_get_an_error_ack(tmp_path, name, payload, code):
    h, control = handler_in(tmp_path)
    ack = h.handle(name, payload)
    assert not ack.ok and ack.error.code == code, ack.error
    assert control.calls == []


def test_a_refused_payload_does_not_burn_its_id(tmp_path):
    h, control = handler_in(tmp_path)
    assert send(h, "say", id="fix-me", text="").error.code == "invalid"
    assert send(h, "say", id="fix-me", text="Fixed").ok
    assert control.calls == [("say", "Fixed", 0)]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
names = st.sampled_from([*commands.COMMANDS, "dance", "", "say/../x", "é"])
bodies = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "text",
            "priority",
            "mode",
            "product",
            "action",
            "output",
            "level",
            "logger",
            "expires",
            "reply_to",
            "yaml",
            "extra",
        ]
    ),
    json_values,
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(name=names, payload=st.binary(max_size=200) | bodies.map(lambda b: json.dumps(b).encode()))
def test_fuzzed_payloads_always_get_a_valid_ack(name, payload):
    h, control = handler_in(None)
    ack = h.handle(name, payload)
    Ack.model_validate(ack.model_dump(mode="json"))  # the ack itself follows the contract
    assert ack.ok == (ack.error is None)
    if not ack.ok:
        assert ack.error.code in {
            "malformed",
            "too_large",
            "unknown_command",
            "invalid",
            "expired",
            "refused",
        }, ack.error  # never an executor crash
    if ack.ok:
        assert len(control.calls) <= 1  # at most the one command it named
    else:
        assert control.calls == []


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=string.printable.replace("\x0b\x0c", "") + "äöü中文",
                 min_size=1, max_size=300).filter(lambda t: any(c.isalnum() for c in t)),
    priority=st.integers(0, 9),
)
def test_fuzzed_valid_say_lines_run(text, priority):
    h, control = handler_in(None)
    ack = send(h, "say", id="s", text=text, priority=priority)
    assert ack.ok and control.calls == [("say", text, priority)]
