"""Rogue fleet clients against the shipped broker setup (etc/mosquitto/ conf, ACL and
certificates, on loopback ports): each rogue logs in with its own valid credentials and
tries to act as another unit. Every test reproduces a hole found by the attack on the
fleet setup; docs/mqtt.md (Broker) says what the config does about each."""

# ruff: noqa: F811  (`fleet_broker` is tests/fleet/test_acl.py's fixture, used by name)
from __future__ import annotations

import json
import threading
import time

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tests.fleet.conftest import Recorder, make_agent, wait_until
from tests.fleet.test_acl import FleetBroker, RawClient, fleet_broker  # noqa: F401

from livehost.fleet.connection import BrokerSettings, make_client
from livehost.fleet.ctl import main
from livehost.fleet.operator import Operator

VICTIM = "livehost/site-1/unit-b"


def ctl(broker: FleetBroker, capsys, *args: str) -> tuple[int, str]:
    code = main([*broker.ctl_args(), "--timeout", "2", *args])
    return code, capsys.readouterr().out


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
def test_a_stolen_client_id_does_not_kick_the_victim_off(fleet_broker, tmp_path, login):
    broker = fleet_broker
    victim, _, _ = make_agent(0, tmp_path, "unit-b", "site-1", settings=broker.as_user("unit-b"))
    victim.start()
    rogue = broker.as_user("unit-a") if login == "password" else broker.as_certificate("unit-c")
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
    log = (fleet_broker.folder / "mosquitto.log").read_text()
    rogue_name = "unit-a" if login == "password" else "unit-c"
    assert f" as {rogue_name} (" in log  # admitted, under its own name as the client id


def test_a_stolen_client_id_does_not_cost_the_victim_its_queued_commands(fleet_broker, tmp_path):
    (tmp_path / "first").mkdir()
    (tmp_path / "back").mkdir()
    unit_b = fleet_broker.as_user("unit-b")
    victim, _, _ = make_agent(0, tmp_path / "first", "unit-b", "site-1", settings=unit_b)
    victim.start()
    wait_until(victim.connected.is_set, 5)
    victim.stop()  # away for a while: its session (1 h) queues its commands
    with Operator(fleet_broker.as_operator()) as op:
        op.send("site-1/unit-b", "say", {"text": "for unit B only"}, expected=set())
    time.sleep(0.3)

    rogue = make_client("livehost-unit-b", fleet_broker.as_user("unit-a"))
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    rogue.connect("127.0.0.1", fleet_broker.password_port, clean_start=False, properties=props)
    rogue.loop_start()
    try:
        time.sleep(1.5)
    finally:
        rogue.disconnect()
        rogue.loop_stop()
    # the rogue got a session of its own name, not unit B's
    log = (fleet_broker.folder / "mosquitto.log").read_text()
    assert " as unit-a (" in log and " as livehost-unit-b (" not in log

    # mosquitto 2.0 drops, rather than hands over, queued messages that the new
    # username may not read (so the rogue never reads them either way): a rogue that
    # took the session made the unit lose them
    back, control, _ = make_agent(0, tmp_path / "back", "unit-b", "site-1", settings=unit_b)
    back.start()
    try:
        wait_until(lambda: control.calls, 5)  # else unit B's queued command was lost
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


def test_a_forged_ack_does_not_make_livehostctl_report_ok(fleet_broker, capsys):
    hung = RawClient(fleet_broker.as_user("unit-b"), client_id="livehost-unit-b")
    hung.client.publish(f"{VICTIM}/availability", "online", qos=1, retain=True)
    forger = AckForger(fleet_broker.as_user("unit-a"))
    try:
        time.sleep(0.3)
        code, out = ctl(fleet_broker, capsys, "send", "site-1/all", "skip")
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


def test_a_unit_reads_only_its_own_sites_group_commands(fleet_broker):
    filters = ["livehost/+/all/cmd/+", "livehost/all/cmd/+", "livehost/#"]
    site_2 = Recorder(0, filters, settings=fleet_broker.as_certificate("unit-c"))  # in site-2
    site_1 = Recorder(0, filters, settings=fleet_broker.as_user("unit-a"))
    try:
        with Operator(fleet_broker.as_operator()) as op:
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


def test_a_unit_cannot_appear_in_another_site(fleet_broker):
    rogue = RawClient(fleet_broker.as_user("unit-a"))
    try:
        # unit A (site-1) announcing itself in site-2 would show a phantom unit there
        # that `send site-2/all` waits for and that makes `send unit-a` ambiguous
        assert rogue.publish("livehost/site-2/unit-a/availability", "online").is_failure
        assert rogue.publish("livehost/site-2/unit-a/state", "{}").is_failure
        assert not rogue.publish("livehost/site-1/unit-a/availability", "online").is_failure
    finally:
        rogue.close()


def test_a_session_taken_with_the_units_own_credentials_is_reported(fleet_broker, tmp_path, capsys):
    # the binding cannot tell a copied password (or a second box configured with the
    # same unit id) from the unit: the victim must notice and say so
    (tmp_path / "real").mkdir()
    (tmp_path / "copy").mkdir()
    unit_b = fleet_broker.as_user("unit-b")
    victim, _, _ = make_agent(0, tmp_path / "real", "unit-b", "site-1", settings=unit_b)
    copy, _, _ = make_agent(0, tmp_path / "copy", "unit-b", "site-1", settings=unit_b)
    victim.start()
    try:
        wait_until(victim.connected.is_set, 5)
        copy.start()
        wait_until(lambda: victim.duplicate_id, 10)
        assert victim.takeovers >= 1
        wait_until(lambda: "two units share this id" in status_line(fleet_broker, capsys), 10)
    finally:
        copy.stop()
        victim.stop()
    log = (fleet_broker.folder / "mosquitto.log").read_text()
    assert "already connected, closing old connection" in log  # the broker's side of it


def status_line(broker: FleetBroker, capsys) -> str:
    _, out = ctl(broker, capsys, "status", "--wide")
    return next((ln for ln in out.splitlines() if ln.startswith("site-1/unit-b")), "")
