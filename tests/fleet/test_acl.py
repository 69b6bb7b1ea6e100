"""The example broker config (etc/mosquitto/) with a real mosquitto: units on TLS with
passwords and with client certificates, audience bridges with certificates on the units'
listener, operators and Home Assistant on their own listener with certificates of the
operators' CA, and an ACL under which a unit touches only its own topics while the
operator commands all. The rogue units of the attack on
this setup are in tests/faults/test_fleet_security.py."""

from __future__ import annotations

import getpass
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from tests.fleet.conftest import Recorder, make_agent, wait_until

from livehost.devservers import Server, free_port, wait_for_port
from livehost.fleet.connection import BrokerSettings, make_client
from livehost.fleet.operator import NotConnected, Operator

EXAMPLE = Path(__file__).resolve().parents[2] / "etc" / "mosquitto"
PASSWORDS = {"operator": "op-secret", "unit-a": "a-secret", "unit-b": "b-secret"}
SITES = {"unit-a": "site-1", "unit-b": "site-1", "unit-c": "site-2"}  # unit-c: a certificate
ROLES = ("operator", "homeassistant")  # certificates of the operators' CA
BRIDGES = {"bridge-twitch": None, "bridge-site-1": "site-1"}  # fleet CA; None: every site


class FleetBroker:
    """The shipped conf, ACL and scripts on loopback ports and in a temporary folder,
    set up the way docs/mqtt.md (Broker) tells an administrator to."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.password_port, self.cert_port = free_port(), free_port()
        self.operator_port = free_port()
        certs = folder / "certs"
        subprocess.run(
            [
                *(str(EXAMPLE / "make-certs.sh"), str(certs), "127.0.0.1", "unit-c"),
                *("--", *ROLES, *BRIDGES),
            ],
            check=True,
            timeout=30,
        )
        passwd = folder / "livehost.passwd"
        for i, (user, password) in enumerate(PASSWORDS.items()):
            create = ["-c"] if i == 0 else []
            subprocess.run(
                ["mosquitto_passwd", *create, "-b", str(passwd), user, password],
                check=True,
                timeout=30,
            )
        acl = folder / "livehost.acl"
        acl.write_text((EXAMPLE / "livehost.acl").read_text())
        for unit, site in SITES.items():
            subprocess.run(
                [str(EXAMPLE / "add-unit.sh"), str(acl), site, unit], check=True, timeout=30
            )
        for bridge, only in BRIDGES.items():
            sites = [only] if only else []
            subprocess.run(
                [str(EXAMPLE / "add-bridge.sh"), str(acl), bridge, *sites], check=True, timeout=30
            )
        conf = (EXAMPLE / "livehost.conf").read_text()
        conf = conf.replace("/etc/mosquitto/", f"{folder}/").replace(
            "/var/lib/mosquitto/", f"{folder}/"
        )
        conf = conf.replace("listener 8883", f"listener {self.password_port} 127.0.0.1")
        conf = conf.replace("listener 8884", f"listener {self.cert_port} 127.0.0.1")
        conf = conf.replace("listener 8885", f"listener {self.operator_port} 127.0.0.1")
        # stay the test's user: as root, mosquitto would drop to `mosquitto`, who cannot
        # read a pytest folder
        conf += f"\nlog_dest file {folder}/mosquitto.log\nuser {getpass.getuser()}\n"
        (folder / "mosquitto.conf").write_text(conf)
        self.server = Server(
            "mosquitto",
            self.password_port,
            folder,
            ["mosquitto", "-c", str(folder / "mosquitto.conf")],
        )
        self.ca = str(certs / "ca.crt")
        self.certs = certs

    def start(self) -> None:
        self.server.start()
        for port in (self.cert_port, self.operator_port):  # the server waited for the first
            wait_for_port(port, 10, self.server.proc)

    def as_user(self, user: str, password: str | None = None) -> BrokerSettings:
        return BrokerSettings(
            "127.0.0.1", self.password_port, True, user, password or PASSWORDS[user], self.ca
        )

    def as_certificate(self, unit: str) -> BrokerSettings:
        return BrokerSettings(
            "127.0.0.1",
            self.cert_port,
            True,
            ca_file=self.ca,
            cert_file=str(self.certs / f"{unit}.crt"),
            key_file=str(self.certs / f"{unit}.key"),
        )

    def as_bridge(self, bridge: str) -> BrokerSettings:
        """On the units' certificate listener, with the bridge's fleet CA certificate."""
        return BrokerSettings(
            "127.0.0.1",
            self.cert_port,
            True,
            ca_file=self.ca,
            cert_file=str(self.certs / "bridges" / f"{bridge}.crt"),
            key_file=str(self.certs / "bridges" / f"{bridge}.key"),
        )

    def as_operator(self, role: str = "operator") -> BrokerSettings:
        """On the operators' listener, with the role's certificate (no client id binding)."""
        return BrokerSettings(
            "127.0.0.1",
            self.operator_port,
            True,
            ca_file=self.ca,
            cert_file=str(self.certs / "operators" / f"{role}.crt"),
            key_file=str(self.certs / "operators" / f"{role}.key"),
        )

    def ctl_args(self) -> list[str]:
        """`livehostctl` flags that log in as the operator."""
        s = self.as_operator()
        return [
            *("--broker", f"mqtts://127.0.0.1:{s.port}", "--ca-file", str(s.ca_file)),
            *("--cert-file", str(s.cert_file), "--key-file", str(s.key_file)),
        ]


@pytest.fixture
def fleet_broker(tmp_path: Path) -> Iterator[FleetBroker]:
    broker = FleetBroker(tmp_path / "broker")
    broker.start()
    try:
        yield broker
    finally:
        broker.server.stop()


class RawClient:
    """A unit misbehaving on purpose: publishes where it should not, records PUBACKs."""

    def __init__(self, settings: BrokerSettings, client_id: str = "rogue-unit-a") -> None:
        self.pubacks: dict[int, object] = {}
        self.subacks: list[list] = []
        self.messages: list[mqtt.MQTTMessage] = []
        self.connected = threading.Event()
        self.client = make_client(client_id, settings)
        self.client.on_connect = lambda *a: self.connected.set()
        self.client.on_publish = lambda c, u, mid, rc, p: self.pubacks.__setitem__(mid, rc)
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.subacks.append(rcs)
        self.client.on_message = lambda c, u, m: self.messages.append(m)
        self.client.connect(settings.host, settings.port)
        self.client.loop_start()
        assert self.connected.wait(5)

    def publish(self, topic: str, payload: str) -> object:
        info = self.client.publish(topic, payload, qos=1)
        wait_until(lambda: info.mid in self.pubacks, 3)
        return self.pubacks[info.mid]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_a_unit_cannot_command_or_impersonate_another_unit(fleet_broker, tmp_path):
    agent_b, control_b, _ = make_agent(
        0, tmp_path, "unit-b", "site-1", settings=fleet_broker.as_user("unit-b")
    )
    agent_b.start()
    op_view = Recorder(0, ["livehost/site-1/unit-b/state"], settings=fleet_broker.as_operator())
    rogue = RawClient(fleet_broker.as_user("unit-a"))
    try:
        wait_until(agent_b.connected.is_set, 5)
        with Operator(fleet_broker.as_operator()) as op:
            # the operator sees unit B and commands it; B answers on its own ack topic
            assert op.fleet()["site-1/unit-b"].availability == "online"
            assert op.command("site-1/unit-b", "skip")["ok"]
            assert control_b.calls == [("skip",)]

            # unit A is refused when it commands B, B's site or the whole fleet
            say = json.dumps({"id": "evil", "text": "I am not your operator"})
            for topic in (
                "livehost/site-1/unit-b/cmd/say",
                "livehost/site-1/all/cmd/say",
                "livehost/all/cmd/say",
            ):
                assert rogue.publish(topic, say).is_failure, topic
            # ... and when it speaks for B
            assert rogue.publish("livehost/site-1/unit-b/state", '{"forged": true}').is_failure
            assert rogue.publish("livehost/site-1/unit-b/availability", "offline").is_failure
            # ... and it cannot read B's commands
            rogue.client.subscribe("livehost/site-1/unit-b/cmd/+", 1)
            wait_until(lambda: rogue.subacks, 3)
            assert op.command("site-1/unit-b", "resume")["ok"]
            # while A's own topics are open to it
            assert not rogue.publish("livehost/site-1/unit-a/state", "{}").is_failure

        time.sleep(0.3)
        assert control_b.calls == [("skip",), ("resume",)]
        assert not any(m.topic.startswith("livehost/site-1/unit-b/cmd") for m in rogue.messages)
        assert all("forged" not in m.payload.decode() for m in op_view.messages)
    finally:
        rogue.close()
        op_view.close()
        agent_b.stop()


def test_a_bridge_feeds_audiences_and_a_unit_hears_only_its_own(fleet_broker, tmp_path):
    agent, _, _ = make_agent(
        0, tmp_path, "unit-b", "site-1", settings=fleet_broker.as_user("unit-b")
    )
    agent.start()
    wait_until(agent.connected.is_set, 5)
    # on the units' certificate listener, with unit B's client id: bound to its CN, the
    # bridge cannot take B's session (on the operators' listener it could)
    bridge = RawClient(fleet_broker.as_bridge("bridge-twitch"), client_id="unit-b")
    site_bridge = RawClient(fleet_broker.as_bridge("bridge-site-1"), client_id="x")
    unit_a = RawClient(fleet_broker.as_user("unit-a"), client_id="ignored")
    try:
        # unit A reads its own and its site's audience, not unit B's nor another site's
        for topic in (
            "livehost/site-1/unit-a/audience",
            "livehost/site-1/all/audience",
            "livehost/site-1/unit-b/audience",
            "livehost/site-2/all/audience",
        ):
            unit_a.client.subscribe(topic, 1)
        wait_until(lambda: len(unit_a.subacks) == 4, 3)
        for topic in (
            "livehost/site-1/unit-a/audience",
            "livehost/site-1/all/audience",
            "livehost/site-1/unit-b/audience",
            "livehost/site-2/all/audience",
        ):
            assert not bridge.publish(topic, f'{{"to": "{topic}"}}').is_failure, topic
        # a bridge writes audiences only: no commands, no unit's reports
        assert bridge.publish("livehost/site-1/unit-a/cmd/say", '{"id": "x"}').is_failure
        assert bridge.publish("livehost/site-1/unit-a/state", "{}").is_failure
        assert bridge.publish("livehost/site-1/unit-b/ack", "{}").is_failure
        # a site's bridge, its site's audiences only
        assert not site_bridge.publish("livehost/site-1/all/audience", "{}").is_failure
        assert site_bridge.publish("livehost/site-2/all/audience", "{}").is_failure
        # and a unit cannot fake another unit's audience
        assert unit_a.publish("livehost/site-1/unit-b/audience", "{}").is_failure
        time.sleep(0.5)
        heard = sorted(m.topic for m in unit_a.messages)
        assert heard == ["livehost/site-1/all/audience"] * 2 + ["livehost/site-1/unit-a/audience"]
        assert agent.connected.is_set() and agent.connects == 1  # never kicked off
        assert bridge.client.is_connected()
    finally:
        bridge.close()
        site_bridge.close()
        unit_a.close()
        agent.stop()
    log = (fleet_broker.folder / "mosquitto.log").read_text()
    assert " as bridge-twitch (" in log  # its CN, not the client id it sent
    # a fleet CA certificate does not open the operators' listener
    bridge_settings = fleet_broker.as_bridge("bridge-twitch")
    on_operators_port = replace(bridge_settings, port=fleet_broker.operator_port)
    with pytest.raises((NotConnected, OSError)):
        Operator(on_operators_port, timeout=3).close()


def test_bridge_and_unit_names_are_checked(tmp_path):
    acl = tmp_path / "livehost.acl"
    acl.write_text("")
    for script, args in (
        ("add-bridge.sh", ["twitch"]),  # a bridge is named bridge-...
        ("add-bridge.sh", ["bridge-twitch", "all"]),
        ("add-bridge.sh", ["bridge-Twitch"]),
        ("add-unit.sh", ["site-1", "bridge-twitch"]),  # would share the bridge's login
    ):
        done = subprocess.run([str(EXAMPLE / script), str(acl), *args], capture_output=True)
        assert done.returncode == 2 and done.stderr, (script, args)
    done = subprocess.run(
        [str(EXAMPLE / "make-certs.sh"), str(tmp_path / "certs"), "h", "--", "bridge"],
        capture_output=True,
    )
    assert done.returncode == 2 and b"bridge-NAME" in done.stderr
    assert acl.read_text() == ""
    # written twice, a bridge keeps one block, the last one
    for site in ("site-1", "site-2"):
        subprocess.run([str(EXAMPLE / "add-bridge.sh"), str(acl), "bridge-a", site], check=True)
    assert acl.read_text() == (
        "# bridge bridge-a (site site-2)\nuser bridge-a\ntopic write livehost/site-2/+/audience\n\n"
    )


def test_strangers_are_refused(fleet_broker):
    with pytest.raises(NotConnected):
        Operator(fleet_broker.as_user("operator", "wrong password"), timeout=3)
    anonymous = BrokerSettings(
        "127.0.0.1", fleet_broker.password_port, True, ca_file=fleet_broker.ca
    )
    with pytest.raises(NotConnected):
        Operator(anonymous, timeout=3)


def test_operators_and_home_assistant_connect_at_once_and_units_cannot_join_them(
    fleet_broker, tmp_path
):
    agent, control, _ = make_agent(
        0, tmp_path, "unit-b", "site-1", settings=fleet_broker.as_user("unit-b")
    )
    agent.start()
    home_assistant = Recorder(
        0, ["livehost/+/+/state"], settings=fleet_broker.as_operator("homeassistant")
    )
    try:
        wait_until(agent.connected.is_set, 5)
        # one operator, two terminals (`watch` and `send`): each keeps its own client id
        with Operator(fleet_broker.as_operator()) as watch:
            with Operator(fleet_broker.as_operator()) as send:
                assert send.command("site-1/unit-b", "skip")["ok"]
                assert watch.fleet()["site-1/unit-b"].availability == "online"
                assert watch.client.is_connected() and send.client.is_connected()
            assert home_assistant.client.is_connected()
        assert control.calls == [("skip",)]
        assert home_assistant.on("livehost/site-1/unit-b/state")
    finally:
        home_assistant.close()
        agent.stop()
    # the operators' listener has no client id binding, so it admits no unit: neither
    # with its password nor with its certificate (it is from the fleet CA)
    for unit in (fleet_broker.as_user("unit-a"), fleet_broker.as_certificate("unit-c")):
        on_operators_port = replace(unit, port=fleet_broker.operator_port)
        with pytest.raises((NotConnected, OSError)):
            Operator(on_operators_port, timeout=3).close()


def test_a_unit_with_a_client_certificate_runs_under_the_acl(fleet_broker, tmp_path):
    agent, control, _ = make_agent(
        0, tmp_path, "unit-c", "site-2", settings=fleet_broker.as_certificate("unit-c")
    )
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        with Operator(fleet_broker.as_operator()) as op:
            units = op.fleet()
            assert units["site-2/unit-c"].availability == "online"
            assert units["site-2/unit-c"].state["unit"] == "unit-c"
            assert op.command("site-2/unit-c", "pause", {"mode": "idle"})["ok"]
        assert control.calls == [("pause", "idle")]
    finally:
        agent.stop()
    log = (fleet_broker.folder / "mosquitto.log").read_text()
    assert "u'unit-c'" in log  # the certificate's CN was the username the ACL saw


def test_a_refused_login_backs_off_instead_of_spinning(fleet_broker, tmp_path, caplog):
    wrong = fleet_broker.as_user("unit-b", "not the password")
    agent, _, _ = make_agent(0, tmp_path, "unit-b", "site-1", settings=wrong)
    agent.start()
    time.sleep(3.0)
    agent.stop()
    assert not agent.connected.is_set()
    log = (fleet_broker.folder / "mosquitto.log").read_text()
    attempts = log.count("New connection from")
    assert 2 <= attempts <= 9, attempts  # 0.1, 0.2, 0.4, 0.8, 1.5 s apart (jittered)
    refusals = [r for r in caplog.records if "refused the connection" in r.getMessage()]
    assert len([r for r in refusals if r.levelname == "WARNING"]) == 1  # logged once
