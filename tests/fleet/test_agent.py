"""The agent against a real mosquitto, with a fake show: the connection life cycle,
reply routing, groups, events, snapshots and Home Assistant discovery."""

from __future__ import annotations

import json
import time

import numpy as np
import paho.mqtt.client as mqtt
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fleet.conftest import Recorder, make_agent, wait_until

from livehost.devservers import mosquitto
from livehost.fleet.commands import COMMANDS
from livehost.fleet.connection import BrokerSettings
from livehost.fleet.messages import Ack, Event, State, Telemetry
from livehost.fleet.operator import Operator
from livehost.fleet.snapshot import FULL_MAX_BYTES, i420_to_full_jpeg

BASE = "livehost/site-1/unit-a"


def test_state_goes_out_before_online_and_stopped_on_clean_stop(broker, tmp_path):
    rec = Recorder(broker.port, [f"{BASE}/#"])
    agent, _, _ = make_agent(broker.port, tmp_path)
    agent.start()
    try:
        wait_until(lambda: "online" in rec.payloads(f"{BASE}/availability"), 5)
        order = [m.topic.rsplit("/", 1)[1] for m in rec.messages]
        assert order.index("state") < order.index("availability")
        State.model_validate(rec.json(f"{BASE}/state")[0])
        wait_until(lambda: rec.on(f"{BASE}/telemetry"), 5)
        Telemetry.model_validate(rec.json(f"{BASE}/telemetry")[0])
    finally:
        agent.stop()
    wait_until(lambda: rec.payloads(f"{BASE}/availability")[-1:] == ["stopped"], 3)
    time.sleep(0.3)  # a clean disconnect: the broker must not send the last will
    assert rec.payloads(f"{BASE}/availability")[-1] == "stopped"
    rec.close()


def test_state_is_republished_within_2s_after_the_broker_restarts(tmp_path):
    first = mosquitto(tmp_path / "m1").start()
    port = first.port
    agent, _, source = make_agent(port, tmp_path)
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        first.kill()  # a crash: retained messages and sessions are gone with it
        wait_until(lambda: not agent.connected.is_set(), 3)
        source.product_id = "mug"  # changed while the broker was away
        time.sleep(3.0)  # the backoff reaches its cap; telemetry falls due while away
        with mosquitto(tmp_path / "m2", port).start() as second:
            started = time.monotonic()
            rec = Recorder(second.port, [f"{BASE}/#"])

            def current() -> bool:  # a state from before the crash may be re-sent first
                states = rec.json(f"{BASE}/state")
                return bool(states) and states[-1]["product_id"] == "mug"

            wait_until(current, 2.5)
            elapsed = time.monotonic() - started
            assert elapsed < 2.0, f"state came back after {elapsed:.2f} s"
            time.sleep(0.5)  # and it stays the last word: nothing stale comes after it
            assert rec.json(f"{BASE}/state")[-1]["product_id"] == "mug"
            wait_until(lambda: "online" in rec.payloads(f"{BASE}/availability"), 2)
            assert agent.telemetry_dropped >= 1
            wait_until(lambda: rec.on(f"{BASE}/telemetry"), 3)
            telemetry = rec.json(f"{BASE}/telemetry")[-1]
            assert telemetry["telemetry_dropped"] >= 1 and telemetry["mqtt_reconnects"] == 1
            rec.close()
    finally:
        agent.stop()
        first.stop()


def test_acks_follow_response_topic_then_reply_to_then_the_ack_topic(broker, tmp_path):
    agent, control, _ = make_agent(broker.port, tmp_path)
    agent.start()
    rec = Recorder(broker.port, [f"{BASE}/ack", "my/replies"])
    try:
        wait_until(agent.connected.is_set, 5)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            ack = op.command("site-1/unit-a", "say", {"text": "Hello"})
        assert ack["ok"] and ack["command"] == "say" and ("say", "Hello", 0) in control.calls
        # an MQTT 3.1.1 client names its reply topic in the payload
        v3 = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        v3.connect("127.0.0.1", broker.port)
        v3.loop_start()
        body = {"id": "v3-1", "action": "restart", "reply_to": "my/replies"}
        v3.publish(f"{BASE}/cmd/stream", json.dumps(body), qos=1).wait_for_publish(3)
        v3.publish(f"{BASE}/cmd/skip", json.dumps({"id": "v3-2"}), qos=1).wait_for_publish(3)
        def acked() -> list[str | None]:
            return [Ack.model_validate(a).id for a in rec.json(f"{BASE}/ack")]

        wait_until(lambda: rec.on("my/replies") and "v3-2" in acked(), 3)
        assert Ack.model_validate(rec.json("my/replies")[0]).id == "v3-1"
        # livehostctl's own command named this ack topic as its response topic
        assert acked() == [ack["id"], "v3-2"]
        v3.disconnect()
        v3.loop_stop()
    finally:
        rec.close()
        agent.stop()


def test_group_commands_reach_the_site_or_the_whole_fleet(broker, tmp_path):
    agents = [
        make_agent(broker.port, tmp_path, unit, site)
        for unit, site in (("unit-a", "site-1"), ("unit-c", "site-1"), ("unit-b", "site-2"))
    ]
    for agent, _, _ in agents:
        agent.start()
    try:
        for agent, _, _ in agents:
            wait_until(agent.connected.is_set, 5)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            units = op.fleet()
            assert set(units) == {"site-1/unit-a", "site-1/unit-c", "site-2/unit-b"}
            target, expected = op.resolve("site-1/all", units)
            acks = op.send(target, "skip", expected=expected)
            assert set(acks) == {"site-1/unit-a", "site-1/unit-c"}
            target, expected = op.resolve("all", units)
            acks = op.send(target, "pause", {"mode": "slate"}, expected=expected)
            assert set(acks) == set(units) and all(a["ok"] for a in acks.values())
            assert op.resolve("unit-b", units) == ("site-2/unit-b", {"site-2/unit-b"})
        calls = {a.topics.unit: c.calls for a, c, _ in agents}
        assert calls == {
            "unit-a": [("skip",), ("pause", "slate")],
            "unit-c": [("skip",), ("pause", "slate")],
            "unit-b": [("pause", "slate")],
        }
    finally:
        for agent, _, _ in agents:
            agent.stop()


def test_bad_payloads_over_the_broker_get_error_acks_and_the_agent_carries_on(broker, tmp_path):
    agent, control, _ = make_agent(broker.port, tmp_path)
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            cases = [
                ("say", b"{{{", "malformed"),
                ("say", json.dumps({"id": "big", "text": "x" * 20_000}).encode(), "too_large"),
                ("teleport", b'{"id": "t"}', "unknown_command"),
                ("pin", b'{"id": "p", "product": 7}', "invalid"),
                ("pin", b'{"id": "p2", "product": "unicorn"}', "refused"),
            ]
            for name, raw, code in cases:
                ack = op.command("site-1/unit-a", name, raw=raw)
                assert not ack["ok"] and ack["error"]["code"] == code, (name, ack)
            assert op.command("site-1/unit-a", "resume")["ok"]
            again = op.command("site-1/unit-a", "resume", command_id=ack_id(op))
            assert again["ok"]
        assert control.calls[0] == ("resume",) and agent._thread.is_alive()
    finally:
        agent.stop()


def ack_id(op: Operator) -> str:
    """A fixed id sent twice: the second ack says duplicate."""
    first = op.command("site-1/unit-a", "skip", command_id="twice")
    second = op.command("site-1/unit-a", "skip", command_id="twice")
    assert first["ok"] and second["duplicate"] and not first["duplicate"]
    return "fresh-id"


def test_events_and_snapshots(broker, tmp_path):
    agent, _, source = make_agent(broker.port, tmp_path, snapshot_seconds=5)
    frame = np.full((360 * 3 // 2, 640), 128, np.uint8)  # mid-grey I420
    agent.frame = lambda: frame
    rec = Recorder(broker.port, [f"{BASE}/events", f"{BASE}/snapshot"])
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        source.pending.append(
            Event(ts=time.time(), kind="output_down", message="output main is down")
        )
        wait_until(lambda: rec.on(f"{BASE}/events"), 3)
        assert Event.model_validate(rec.json(f"{BASE}/events")[0]).kind == "output_down"
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            ack = op.command("site-1/unit-a", "snapshot")
        assert ack["ok"] and ack["result"]["published"], ack
        wait_until(lambda: rec.on(f"{BASE}/snapshot"), 3)
        jpeg = rec.on(f"{BASE}/snapshot")[0].payload
        assert jpeg[:2] == b"\xff\xd8" and len(jpeg) < 30_000
        # the command's event follows its ack (the ack goes out first), so wait for it
        wait_until(lambda: "command" in [e["kind"] for e in rec.json(f"{BASE}/events")], 3)
    finally:
        rec.close()
        agent.stop()


def test_full_snapshot_is_not_retained_and_fits_the_broker(broker, tmp_path):
    agent, _, _ = make_agent(broker.port, tmp_path, snapshot_seconds=3600)
    rng = np.random.default_rng(3)  # noise: the JPEG that compresses worst
    frame = rng.integers(0, 256, (1080 * 3 // 2, 1920), dtype=np.uint8)
    agent.frame = lambda: frame
    rec = Recorder(broker.port, [f"{BASE}/snapshot"])
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            thumb = op.command("site-1/unit-a", "snapshot")["result"]
            full = op.command("site-1/unit-a", "snapshot", {"full": True})["result"]
        assert full["published"] and full["bytes"] <= FULL_MAX_BYTES
        assert (full["width"], full["height"]) != (320, 180) and full["width"] > 320
        wait_until(lambda: len(rec.on(f"{BASE}/snapshot")) >= 2, 5)
        sizes = [len(m.payload) for m in rec.on(f"{BASE}/snapshot")]
        assert sizes == [thumb["bytes"], full["bytes"]]  # the broker passed the big one
        late = Recorder(broker.port, [f"{BASE}/snapshot"])  # gets only what is retained
        try:
            wait_until(lambda: late.on(f"{BASE}/snapshot"), 3)
            time.sleep(0.2)
            assert [len(m.payload) for m in late.on(f"{BASE}/snapshot")] == [thumb["bytes"]]
        finally:
            late.close()
    finally:
        rec.close()
        agent.stop()


def test_a_calm_1080p_frame_goes_out_whole():
    frame = np.full((1080 * 3 // 2, 1920), 128, np.uint8)
    jpeg, size = i420_to_full_jpeg(frame)
    assert size == (1920, 1080) and jpeg[:2] == b"\xff\xd8" and len(jpeg) <= FULL_MAX_BYTES


def test_home_assistant_discovery_and_commands(broker, tmp_path):
    agent, control, _ = make_agent(broker.port, tmp_path, home_assistant=True)
    rec = Recorder(broker.port, ["homeassistant/#"])
    agent.start()
    try:
        wait_until(lambda: len(rec.messages) >= 4, 5)
        configs = {m.topic: json.loads(m.payload) for m in rec.messages}
        assert set(configs) == {
            "homeassistant/switch/unit-a/on_air/config",
            "homeassistant/sensor/unit-a/product/config",
            "homeassistant/sensor/unit-a/fps/config",
            "homeassistant/text/unit-a/say/config",
        }
        late = Recorder(broker.port, ["homeassistant/#"])  # joins later: gets them retained
        wait_until(lambda: len(late.messages) >= 4, 3)
        assert all(m.retain for m in late.messages)
        late.close()
        switch = configs["homeassistant/switch/unit-a/on_air/config"]
        assert switch["device"]["identifiers"] == ["livehost_unit-a"]
        publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        publisher.connect("127.0.0.1", broker.port)
        publisher.loop_start()
        publisher.publish(switch["command_topic"], "OFF", qos=1).wait_for_publish(3)
        say = configs["homeassistant/text/unit-a/say/config"]["command_topic"]
        publisher.publish(say, "Hello from Home Assistant", qos=1).wait_for_publish(3)
        wait_until(lambda: len(control.calls) == 2, 3)
        assert control.calls == [("stream", "stop", None), ("say", "Hello from Home Assistant", 5)]
        publisher.disconnect()
        publisher.loop_stop()
    finally:
        rec.close()
        agent.stop()


def test_a_unit_called_all_stays_off_the_broker(broker, tmp_path):
    agent, _, _ = make_agent(broker.port, tmp_path, unit="all")  # `all` addresses groups
    agent.start()
    assert not agent._thread.is_alive()
    agent.stop()


def test_fuzzed_payloads_over_the_broker_each_get_one_ack(broker, tmp_path):
    agent, _, _ = make_agent(broker.port, tmp_path)
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            bodies = st.dictionaries(
                st.sampled_from(["id", "text", "mode", "action", "x"]),
                st.none() | st.integers() | st.text(max_size=20),
                max_size=4,
            )
            payloads = st.binary(max_size=300) | bodies.map(lambda b: json.dumps(b).encode())

            @settings(max_examples=40, deadline=None, database=None)
            @given(name=st.sampled_from([*COMMANDS, "nope"]), payload=payloads)
            def check(name: str, payload: bytes) -> None:
                ack = Ack.model_validate(op.command("site-1/unit-a", name, raw=payload))
                assert ack.command == name and (ack.ok or ack.error.code != "failed")

            check()
            assert op.command("site-1/unit-a", "skip")["ok"]  # still answering
        assert agent._thread.is_alive()
    finally:
        agent.stop()


def test_retained_telemetry_expires_after_three_intervals(broker, tmp_path):
    agent, _, _ = make_agent(broker.port, tmp_path)  # telemetry every second
    agent.start()
    try:
        wait_until(lambda: agent.connected.is_set(), 5)
        early = Recorder(broker.port, [f"{BASE}/telemetry"])
        wait_until(lambda: early.on(f"{BASE}/telemetry"), 3)
        early.close()
    finally:
        agent.stop()
    time.sleep(3.5)
    late = Recorder(broker.port, [f"{BASE}/telemetry", f"{BASE}/state"])
    wait_until(lambda: late.on(f"{BASE}/state"), 3)  # the state stays retained
    assert late.on(f"{BASE}/telemetry") == []
    late.close()


def test_state_carries_the_boot_id_and_no_duplicate_flag(broker, tmp_path):
    rec = Recorder(broker.port, [f"{BASE}/state"])
    agent, _, _ = make_agent(broker.port, tmp_path)
    agent.start()
    try:
        wait_until(lambda: rec.on(f"{BASE}/state"), 5)
        state = State.model_validate(rec.json(f"{BASE}/state")[0])
        assert state.boot_id == agent.boot_id and len(state.boot_id) == 12
        assert state.duplicate_id == "" and agent.takeovers == 0
    finally:
        agent.stop()
        rec.close()


def test_retained_commands_are_ignored_at_start_and_cleared(broker, tmp_path):
    # Left by any client (or a broker restored from a backup): before, a retained
    # `pause slate` or `stream stop` ran each time the unit started.
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", broker.port)
    publisher.loop_start()
    retained = {
        f"{BASE}/cmd/pause": {"id": "r1", "mode": "slate"},
        "livehost/site-1/all/cmd/stream": {"id": "r2", "action": "stop"},
        "livehost/all/cmd/say": {"id": "r3", "text": "old news"},
    }
    for topic, body in retained.items():
        publisher.publish(topic, json.dumps(body), qos=1, retain=True).wait_for_publish(5)
    agent, control, _ = make_agent(broker.port, tmp_path)
    acks = Recorder(broker.port, [f"{BASE}/ack"])
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        time.sleep(1.0)
        # a live command still runs, and nothing retained ran before it
        publisher.publish(f"{BASE}/cmd/skip", json.dumps({"id": "live-1"}), qos=1)
        wait_until(lambda: control.calls == [("skip",)], 5)
        assert [json.loads(m.payload)["id"] for m in acks.on(f"{BASE}/ack")] == ["live-1"]
    finally:
        agent.stop()
    # the retained copies are gone: a new subscriber gets none of them
    left = Recorder(broker.port, list(retained))
    time.sleep(0.5)
    assert [m.topic for m in left.messages if m.payload] == []
    publisher.loop_stop()


def test_a_state_in_flight_when_the_broker_dies_does_not_stay_retained(tmp_path):
    # paho re-sends what was in flight after the connect callback: without a second
    # state after it, the old product stayed the retained state after a broker crash.
    first = mosquitto(tmp_path / "m1").start()
    port = first.port
    agent, _, source = make_agent(port, tmp_path)
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        first.pause()  # hung: the next state goes out and is never acknowledged
        source.product_id = "pan"
        time.sleep(1.5)
        first.resume()
        first.kill()
        source.product_id = "mug"
        with mosquitto(tmp_path / "m2", port).start() as second:
            wait_until(agent.connected.is_set, 10)
            time.sleep(1.0)
            rec = Recorder(second.port, [f"{BASE}/state"])  # what a status table reads
            wait_until(lambda: rec.on(f"{BASE}/state"), 3)
            assert rec.json(f"{BASE}/state")[-1]["product_id"] == "mug"
            rec.close()
    finally:
        agent.stop()
        first.stop()
