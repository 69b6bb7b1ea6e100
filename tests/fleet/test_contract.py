"""docs/mqtt.md and the code agree: every JSON example validates against the message and
command models, and the doc's command table names exactly the commands the code runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from livehost.audience.events import AudienceEvent
from livehost.fleet import commands
from livehost.fleet.messages import Ack, Event, State, Telemetry
from livehost.fleet.topics import UnitTopics, command_name, split_unit_topic, target_topic

DOC = Path(__file__).resolve().parents[2] / "docs" / "mqtt.md"
MODELS = {
    "state": State,
    "telemetry": Telemetry,
    "event": Event,
    "ack": Ack,
    "audience": AudienceEvent,
}


def examples() -> list[tuple[str, str]]:
    text = DOC.read_text()
    return re.findall(r"```json ([a-z_ ]+)\n(.*?)```", text, flags=re.S)


def test_doc_has_an_example_of_every_message():
    kinds = {label.split()[0] for label, _ in examples()}
    assert kinds == {"state", "telemetry", "event", "ack", "command", "audience"}


@pytest.mark.parametrize(("label", "body"), examples(), ids=lambda v: str(v)[:24])
def test_doc_examples_validate(label: str, body: str):
    data = json.loads(body)
    kind, *rest = label.split()
    if kind == "command":
        parsed = commands.parse_command(rest[0], json.dumps(data).encode())
        assert parsed.id == data["id"]
    else:
        model = MODELS[kind]
        assert set(data) <= set(model.model_fields), "the doc shows fields the code lacks"
        model.model_validate(data)


def test_doc_state_and_telemetry_examples_show_every_field():
    found = {label.split()[0]: json.loads(body) for label, body in examples()}
    for kind in ("state", "telemetry"):
        assert set(found[kind]) == set(MODELS[kind].model_fields), kind


def test_doc_command_table_lists_exactly_the_commands():
    rows = re.findall(r"^\| `([a-z_]+)` \|", DOC.read_text(), flags=re.M)
    table = {r for r in rows if r in commands.COMMANDS or not r.startswith("livehost")}
    assert table == set(commands.COMMANDS)


def test_doc_error_codes_match_the_ack_model():
    codes = set(
        Ack.model_fields["error"].annotation.__args__[0].model_fields["code"].annotation.__args__
    )
    text = DOC.read_text()
    section = text[text.index("Error codes:") :]
    for code in codes:
        assert f"`{code}`" in section, code


def test_doc_event_kinds_match_the_event_model():
    kinds = set(Event.model_fields["kind"].annotation.__args__)
    text = DOC.read_text()
    section = text[text.index("## Events") : text.index("```json event")]
    for kind in kinds:
        assert f"`{kind}`" in section, kind


def table_topics() -> list[str]:
    """The topic column of the doc's topics table, for site maple-street, unit shop-01."""
    text = DOC.read_text()
    section = text[text.index("## Topics") : text.index("### Availability")]
    rows = re.findall(r"^\| `(livehost/[^`]+)` \|", section, flags=re.M)
    return [r.replace("<site>", "maple-street").replace("<unit>", "shop-01") for r in rows]


def test_topics_follow_the_doc():
    t = UnitTopics("maple-street", "shop-01")
    text = DOC.read_text()
    for leaf in ("availability", "state", "telemetry", "snapshot", "events", "ack"):
        assert f"`livehost/<site>/<unit>/{leaf}`" in text
        assert getattr(t, leaf) == f"livehost/maple-street/shop-01/{leaf}"
    assert t.command_filters() == [
        "livehost/maple-street/shop-01/cmd/+",
        "livehost/maple-street/all/cmd/+",
        "livehost/all/cmd/+",
    ]
    # the audience topics the unit listens to are the table's, and no others
    audience = [r for r in table_topics() if r.endswith("/audience")]
    assert audience == t.audience_filters() == [
        "livehost/maple-street/shop-01/audience",
        "livehost/maple-street/all/audience",
    ]
    assert t.audience == audience[0]
    assert target_topic("all", "say") == "livehost/all/cmd/say"
    assert target_topic("maple-street/all", "say") == "livehost/maple-street/all/cmd/say"
    assert target_topic("maple-street/shop-01", "say") == t.cmd("say")
    assert command_name(t.cmd("skip")) == "skip"
    assert command_name(t.state) is None
    assert split_unit_topic(t.state) == ("maple-street", "shop-01", "state")
    assert split_unit_topic("livehost/maple-street/all/cmd/say") is None
    with pytest.raises(ValueError):
        target_topic("shop-01", "say")  # a bare unit id must be resolved to SITE/UNIT first
