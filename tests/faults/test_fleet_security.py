"""Rogue fleet clients against the shipped broker setup (etc/mosquitto/ conf, ACL and
certificates, on loopback ports): each rogue logs in with its own valid credentials and
tries to act as another unit. Every test reproduces a hole found by the attack on the
fleet setup; docs/mqtt.md (Broker) says what the config does about each."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tests.fleet.conftest import Recorder, make_agent, wait_until
from tests.fleet.test_acl import FleetBroker, RawClient

from livehost.fleet.connection import BrokerSettings, make_client
from livehost.fleet.ctl import main
from livehost.fleet.operator import Operator

VICTIM = "livehost/site-1/unit-b"


@pytest.fixture
def shipped(tmp_path: Path) -> Iterator[FleetBroker]:
    broker = FleetBroker(tmp_path / "broker")
    broker.start()
    try:
        yield broker
    finally:
        broker.server.stop()


def ctl(broker: FleetBroker, capsys, *args: str) -> tuple[int, str]:
    code = main([*broker.ctl_args(), "--timeout", "2", *args])
    return code, capsys.readouterr().out


def eventually(predicate, timeout: float) -> bool:
    """Whether predicate() becomes true within `timeout` (for an assert that says why)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def connect_once(settings: BrokerSettings, client_id: str, hold: float) -> None:
    """Connect with `client_id`, stay `hold` seconds, leave (a rogue's hit-and-run)."""
    client = make_client(client_id, settings)
    answered = threading.Event()
    client.on_connect = lambda *a: answered.set()
    client.connect(settings.host, settings.port)
    client.loop_start()
    try:
        answered.wait(3)
        time.sleep(hold)
    finally:
        client.disconnect()
        client.loop_stop()


@pytest.mark.parametrize("login", ["password", "certificate"])
def test_a_stolen_client_id_does_not_kick_the_victim_off(shipped, tmp_path, login):
    victim, _, _ = make_agent(0, tmp_path, "unit-b", "site-1", settings=shipped.as_user("unit-b"))
    victim.start()
    rogue = shipped.as_user("unit-a") if login == "password" else shipped.as_certificate("unit-c")
    try:
        wait_until(victim.connected.is_set, 5)
        for _ in range(4):  # the victim's own client id, again and again
            connect_once(rogue, "livehost-unit-b", hold=0.4)
        time.sleep(1.0)  # time for the victim's reconnects to show
        assert victim.connected.is_set()
        assert victim.connects == 1, f"the victim was kicked off {victim.connects - 1} times"
        assert victim.takeovers == 0 and victim.duplicate_id == ""
    finally:
        victim.stop()
    log = (shipped.folder / "mosquitto.log").read_text()
    rogue_name = "unit-a" if login == "password" else "unit-c"
    assert f" as {rogue_name} (" in log  # admitted, under its own name as the client id


def test_a_stolen_client_id_does_not_cost_the_victim_its_queued_commands(shipped, tmp_path):
    (tmp_path / "first").mkdir()
    (tmp_path / "back").mkdir()
    unit_b = shipped.as_user("unit-b")
    victim, _, _ = make_agent(0, tmp_path / "first", "unit-b", "site-1", settings=unit_b)
    victim.start()
    wait_until(victim.connected.is_set, 5)
    victim.stop()  # away for a while: its session (1 h) queues its commands
    with Operator(shipped.as_operator()) as op:
        op.send("site-1/unit-b", "say", {"text": "for unit B only"}, expected=set())
    time.sleep(0.3)

    got: list[mqtt.MQTTMessage] = []
    rogue = make_client("livehost-unit-b", shipped.as_user("unit-a"))
    rogue.on_message = lambda c, u, m: got.append(m)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    rogue.connect("127.0.0.1", shipped.password_port, clean_start=False, properties=props)
    rogue.loop_start()
    try:
        time.sleep(1.5)
    finally:
        rogue.disconnect()
        rogue.loop_stop()
    # mosquitto 2.0 drops, rather than hands over, queued messages that the new
    # username may not read: a rogue taking the session makes the unit lose them
    assert [m.topic for m in got] == [], "the rogue was handed unit B's queued command"

    back, control, _ = make_agent(0, tmp_path / "back", "unit-b", "site-1", settings=unit_b)
    back.start()
    try:
        assert eventually(lambda: control.calls, 5), "unit B's queued command was lost"
        assert control.calls == [("say", "for unit B only", 0)]
    finally:
        back.stop()


class AckForger(RawClient):
    """Unit A answers every command it can read as if it were unit B, on every path a
    reply could take: the response topic, unit B's ack topic, and its own ack topic."""

    def __init__(self, settings: BrokerSettings) -> None:
        super().__init__(settings)
        self.forged: list[str] = []
        self.client.on_message = self._forge
        self.client.subscribe([("livehost/site-1/all/cmd/+", 1), ("livehost/all/cmd/+", 1)])
        wait_until(lambda: self.subacks, 3)

    def _forge(self, client, userdata, message) -> None:
        body = json.loads(message.payload)
        name = message.topic.rsplit("/", 1)[-1]
        ack = {
            "id": body["id"],
            "unit": "unit-b",
            "site": "site-1",
            "command": name,
            "ok": True,
            "duplicate": False,
            "ts": time.time(),
            "result": {"skips": 1},
            "error": None,
        }
        props = Properties(PacketTypes.PUBLISH)
        correlation = getattr(message.properties, "CorrelationData", None)
        if correlation is not None:
            props.CorrelationData = correlation
        topics = [f"{VICTIM}/ack", "livehost/site-1/unit-a/ack"]
        response = getattr(message.properties, "ResponseTopic", None)
        if response:
            topics.insert(0, response)
        for topic in topics:
            client.publish(topic, json.dumps(ack), qos=1, properties=props)
        self.forged.append(name)


def test_a_forged_ack_does_not_make_livehostctl_report_ok(shipped, capsys):
    hung = RawClient(shipped.as_user("unit-b"), client_id="livehost-unit-b")
    hung.client.publish(f"{VICTIM}/availability", "online", qos=1, retain=True)
    forger = AckForger(shipped.as_user("unit-a"))
    try:
        time.sleep(0.3)
        code, out = ctl(shipped, capsys, "send", "site-1/all", "skip")
        assert forger.forged == ["skip"]  # the rogue read the command and answered it
        rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:] if line}
        assert rows == {"site-1/unit-b": "NO"}, out  # NO REPLY: the hung unit said nothing
        assert code == 1
        # and the ACL lets a unit write no ack topic but its own
        forged = json.dumps({"id": "x", "unit": "unit-b", "site": "site-1", "ok": True})
        assert forger.publish(f"{VICTIM}/ack", forged).is_failure
        assert forger.publish("livehost/reply/livehostctl-0123456789ab", forged).is_failure
        assert not forger.publish("livehost/site-1/unit-a/ack", forged).is_failure
    finally:
        forger.close()
        hung.close()


def test_a_unit_reads_only_its_own_sites_group_commands(shipped):
    filters = ["livehost/+/all/cmd/+", "livehost/all/cmd/+", "livehost/#"]
    site_2 = Recorder(0, filters, settings=shipped.as_certificate("unit-c"))  # in site-2
    site_1 = Recorder(0, filters, settings=shipped.as_user("unit-a"))
    try:
        with Operator(shipped.as_operator()) as op:
            for target in ("site-1/all", "site-2/all", "all"):
                op.send(target, "skip", expected=set())
        time.sleep(1.0)
        assert {m.topic for m in site_2.messages} == {
            "livehost/site-2/all/cmd/skip",
            "livehost/all/cmd/skip",
        }
        assert {m.topic for m in site_1.messages} == {
            "livehost/site-1/all/cmd/skip",
            "livehost/all/cmd/skip",
        }
    finally:
        site_2.close()
        site_1.close()


def test_a_unit_cannot_appear_in_another_site(shipped):
    rogue = RawClient(shipped.as_user("unit-a"))
    try:
        # unit A (site-1) announcing itself in site-2 would show a phantom unit there
        # that `send site-2/all` waits for and that makes `send unit-a` ambiguous
        assert rogue.publish("livehost/site-2/unit-a/availability", "online").is_failure
        assert rogue.publish("livehost/site-2/unit-a/state", "{}").is_failure
        assert not rogue.publish("livehost/site-1/unit-a/availability", "online").is_failure
    finally:
        rogue.close()


def test_a_session_taken_with_the_units_own_credentials_is_reported(shipped, tmp_path, capsys):
    # the binding cannot tell a copied password (or a second box configured with the
    # same unit id) from the unit: the victim must notice and say so
    (tmp_path / "real").mkdir()
    (tmp_path / "copy").mkdir()
    unit_b = shipped.as_user("unit-b")
    victim, _, _ = make_agent(0, tmp_path / "real", "unit-b", "site-1", settings=unit_b)
    copy, _, _ = make_agent(0, tmp_path / "copy", "unit-b", "site-1", settings=unit_b)
    victim.start()
    try:
        wait_until(victim.connected.is_set, 5)
        copy.start()
        wait_until(lambda: victim.duplicate_id, 10)
        assert victim.takeovers >= 1
        assert eventually(lambda: "two units share this id" in status_line(shipped, capsys), 10)
    finally:
        copy.stop()
        victim.stop()
    log = (shipped.folder / "mosquitto.log").read_text()
    assert "already connected, closing old connection" in log  # the broker's side of it


def status_line(broker: FleetBroker, capsys) -> str:
    _, out = ctl(broker, capsys, "status", "--wide")
    return next((ln for ln in out.splitlines() if ln.startswith("site-1/unit-b")), "")
