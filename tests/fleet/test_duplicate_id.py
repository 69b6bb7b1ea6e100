"""Two units answering to one unit id: each connect takes the other's MQTT session. The
agents must say so, flag it in the state and back off instead of flapping."""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode
from tests.fleet.conftest import Recorder, make_agent, wait_until

from livehost.fleet.agent import SESSION_TAKEN_OVER, TAKEOVER_FIRST
from livehost.fleet.ctl import main
from livehost.fleet.messages import State

UNIT = "demo-unit-01"
BASE = f"livehost/site-1/{UNIT}"


def test_two_agents_with_one_unit_id_back_off_and_say_so(broker, tmp_path, caplog, capsys):
    caplog.set_level(logging.WARNING, logger="livehost.fleet.agent")
    rec = Recorder(broker.port, [f"{BASE}/state"])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _, _ = make_agent(broker.port, tmp_path / "a", UNIT)
    second, _, _ = make_agent(broker.port, tmp_path / "b", UNIT)
    first.start()
    try:
        wait_until(first.connected.is_set, 5)
        second.start()
        started = time.monotonic()
        wait_until(lambda: first.duplicate_id, 5)
        assert "livehost-demo-unit-01" in first.duplicate_id and first.takeovers >= 1
        assert first.last_takeover is not None
        time.sleep(max(0.0, 5.0 - (time.monotonic() - started)))
        connects = first.connects + second.connects - 1  # the first's own first connect
        assert connects < 10, f"{connects} connects in 5 s"  # dozens without the backoff
        warnings = [r.getMessage() for r in caplog.records if "may share" in r.getMessage()]
        assert any(f"two units may share the unit id '{UNIT}'; backing off" in w for w in warnings)
        assert len(warnings) <= 2  # once per agent for the burst, not once per connect
        wait_until(lambda: any(s.get("duplicate_id") for s in rec.json(f"{BASE}/state")), 5)
        flagged = next(s for s in rec.json(f"{BASE}/state") if s.get("duplicate_id"))
        State.model_validate(flagged)
        assert flagged["boot_id"] == first.boot_id
        code = main(["--broker", f"mqtt://127.0.0.1:{broker.port}", "status", "--wide"])
        out = capsys.readouterr().out
        assert code == 0
        line = next(ln for ln in out.splitlines() if ln.startswith(f"site-1/{UNIT}"))
        assert "two units share this id" in line
    finally:
        first.stop()
        second.stop()
        rec.close()


def test_reason_142_is_a_takeover_at_once_and_a_lasting_connect_clears_it(tmp_path):
    agent, _, _ = make_agent(1, tmp_path)  # never started: the callbacks are called directly
    flags = SimpleNamespace(is_disconnect_packet_from_server=True)
    taken = ReasonCode(PacketTypes.DISCONNECT, identifier=SESSION_TAKEN_OVER)
    agent._connected_at = time.monotonic() - 60  # even after a long connection
    agent._on_disconnect(agent.client, None, flags, taken, None)
    assert agent.takeovers == 1 and agent._takeover_delay == TAKEOVER_FIRST
    assert agent.duplicate_id.startswith("another client connected as livehost-unit-a")
    agent._connected_at = time.monotonic()
    agent._on_disconnect(agent.client, None, flags, taken, None)
    assert agent._takeover_delay == 2 * TAKEOVER_FIRST  # doubling
    agent._connected_at = time.monotonic() - agent._stable_after()
    agent._check_stable()
    assert agent._takeover_delay == 0 and agent.duplicate_id == ""


def test_one_lost_connection_is_not_a_takeover(tmp_path):
    agent, _, _ = make_agent(1, tmp_path)
    lost = ReasonCode(PacketTypes.DISCONNECT, identifier=128)
    flags = SimpleNamespace(is_disconnect_packet_from_server=False)
    agent._connected_at = time.monotonic()  # e.g. a broker restart right after connecting
    agent._on_disconnect(agent.client, None, flags, lost, None)
    assert agent.takeovers == 0 and agent.duplicate_id == "" and agent._takeover_delay == 0
