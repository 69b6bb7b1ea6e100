"""The agent against a real mosquitto, with a fake show: the connection life cycle,
acks, groups, events, snapshots and Home Assistant discovery."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import paho.mqtt.client as mqtt
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tests.fleet.conftest import FakeControl, FakeSource, Recorder, make_agent, wait_until

from livehost.devservers import Server, mosquitto
from livehost.fleet.agent import FleetAgent
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


@contextmanager
def connected_to_a_broker_that_will_fail(
    tmp_path: Path,
) -> Iterator[tuple[Server, FleetAgent, FakeSource]]:
    """An agent connected to a mosquitto of its own, which the test pauses or kills; a
    second broker started on `first.port` stands in for it coming back."""
    first = mosquitto(tmp_path / "m1").start()
    agent, _, source = make_agent(first.port, tmp_path)
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        yield first, agent, source
    finally:
        agent.stop()
        first.stop()


def test_state_is_republished_within_2s_after_the_broker_restarts(tmp_path):
    with connected_to_a_broker_that_will_fail(tmp_path) as (first, agent, source):
        first.kill()  # a crash: retained messages and sessions are gone with it
        wait_until(lambda: not agent.connected.is_set(), 3)
        source.product_id = "mug"  # changed while the broker was away
        time.sleep(3.0)  # the backoff reaches its cap; telemetry falls due while away
        with mosquitto(tmp_path / "m2", first.port).start() as second:
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


def test_acks_land_on_the_ack_topic_with_the_correlation_data_whatever_the_command_names(
    broker, tmp_path
):
    # the shipped ACL lets a unit write no ack topic but its own: an ack sent to a
    # response topic or `reply_to` elsewhere was refused there, and lost
    agent, control, _ = make_agent(broker.port, tmp_path)
    agent.start()
    rec = Recorder(broker.port, [f"{BASE}/ack", "my/replies", "livehost/reply/#"])
    v5 = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    v3 = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    try:
        wait_until(agent.connected.is_set, 5)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            ack = op.command("site-1/unit-a", "say", {"text": "Hello"})
        assert ack["ok"] and ack["command"] == "say" and ("say", "Hello", 0) in control.calls
        for client in (v5, v3):
            client.connect("127.0.0.1", broker.port)
            client.loop_start()
        # an MQTT 5 client names a response topic (and correlation data) ...
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = "livehost/reply/tool-1"
        props.CorrelationData = b"corr-5"
        body = json.dumps({"id": "v5-1"})
        v5.publish(f"{BASE}/cmd/skip", body, qos=1, properties=props).wait_for_publish(3)
        # ... an MQTT 3.1.1 client its `reply_to` (accepted in the payload, and ignored)
        body = json.dumps({"id": "v3-1", "action": "restart", "reply_to": "my/replies"})
        v3.publish(f"{BASE}/cmd/stream", body, qos=1).wait_for_publish(3)
        # ... and a group command reaches the unit too
        v5.publish("livehost/all/cmd/resume", json.dumps({"id": "all-1"}), qos=1, properties=props)

        def acked() -> list[tuple[str | None, bytes | None]]:
            return [
                (Ack.model_validate_json(m.payload).id, correlation_of(m))
                for m in rec.on(f"{BASE}/ack")
            ]

        wait_until(lambda: len(acked()) == 4, 3)
        time.sleep(0.2)  # nothing more comes, on any topic
        assert acked() == [
            (ack["id"], ack["id"].encode()),  # livehostctl's correlation data is its id
            ("v5-1", b"corr-5"),
            ("v3-1", None),
            ("all-1", b"corr-5"),
        ]
        assert {m.topic for m in rec.messages} == {f"{BASE}/ack"}
        assert control.calls[1:] == [("skip",), ("stream", "restart", None), ("resume",)]
    finally:
        for client in (v5, v3):
            client.disconnect()
            client.loop_stop()
        rec.close()
        agent.stop()


def correlation_of(message: mqtt.MQTTMessage) -> bytes | None:
    return getattr(message.properties, "CorrelationData", None)


def test_a_command_named_audience_is_a_command_not_an_audience_event(broker, tmp_path):
    agent, _, _ = make_agent(broker.port, tmp_path)
    heard: list[bytes] = []
    agent.audience = heard.append
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            ack = op.command("site-1/unit-a", "audience")  # .../cmd/audience
            assert ack["error"]["code"] == "unknown_command"
            for topic in (f"{BASE}/audience", "livehost/site-1/all/audience"):
                op.client.publish(topic, b'{"to": "the desk"}', qos=1).wait_for_publish(3)
        wait_until(lambda: len(heard) == 2, 3)
        assert heard == [b'{"to": "the desk"}'] * 2
    finally:
        agent.stop()


class HeldControl(FakeControl):
    """A show whose first `skip` waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def skip(self) -> dict:
        if not self.calls:
            self.release.wait(5)
        return super().skip()


def test_commands_queued_at_stop_each_run_and_are_acked_before_stopped(broker, tmp_path):
    # each queued command was PUBACKed: the broker never sends it again, so stopping
    # without running it lost it without an ack
    agent, _, _ = make_agent(broker.port, tmp_path)
    control = agent.handler.control = HeldControl()
    rec = Recorder(broker.port, [f"{BASE}/ack", f"{BASE}/availability"])
    agent.start()
    sender = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    try:
        wait_until(agent.connected.is_set, 5)
        sender.connect("127.0.0.1", broker.port)
        sender.loop_start()
        for n in range(10):
            sender.publish(f"{BASE}/cmd/skip", json.dumps({"id": f"q-{n}"}), qos=1)
        wait_until(lambda: agent._commands.qsize() == 9, 5)  # one held, nine waiting
        threading.Timer(0.2, control.release.set).start()
        agent.stop()
        assert not agent._worker.is_alive()
        wait_until(lambda: "stopped" in rec.payloads(f"{BASE}/availability"), 3)
        acks = [json.loads(m.payload) for m in rec.messages if m.topic == f"{BASE}/ack"]
        assert [(a["id"], a["ok"]) for a in acks] == [(f"q-{n}", True) for n in range(10)]
        assert rec.messages[-1].topic == f"{BASE}/availability"  # goodbye came last
        assert len(control.calls) == 10
    finally:
        control.release.set()
        sender.disconnect()
        sender.loop_stop()
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


def test_a_state_built_first_is_not_published_last(broker, tmp_path):
    # the worker (after a stateful command) and the network thread both publish the
    # state: one that lost the CPU between its compare and its publish sent an old state
    # after a newer one, and that old state stayed retained
    agent, _, source = make_agent(broker.port, tmp_path)
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        publish = agent.client.publish
        handing_over = threading.Event()

        def slow_publish(topic, *args, **kw):
            if threading.current_thread().name == "slow" and topic == agent.topics.state:
                handing_over.set()
                time.sleep(0.5)  # preempted after the compare, before the publish
            return publish(topic, *args, **kw)

        agent.client.publish = slow_publish
        source.product_id = "mug"
        slow = threading.Thread(target=agent._publish_state, kwargs={"force": True}, name="slow")
        slow.start()
        assert handing_over.wait(3)
        source.product_id = "pan"
        agent._publish_state()  # a newer state, from another thread
        slow.join()
        time.sleep(1.0)  # the periodic look (every 0.5 s) has had its chance
        late = Recorder(broker.port, [f"{BASE}/state"])  # what a status table reads
        try:
            wait_until(lambda: late.on(f"{BASE}/state"), 3)
            assert late.json(f"{BASE}/state")[-1]["product_id"] == "pan"
        finally:
            late.close()
    finally:
        agent.stop()


def test_a_state_in_flight_when_the_broker_dies_does_not_stay_retained(tmp_path):
    # paho re-sends what was in flight after the connect callback: without a second
    # state after it, the old product stayed the retained state after a broker crash.
    with connected_to_a_broker_that_will_fail(tmp_path) as (first, agent, source):
        first.pause()  # hung: the next state goes out and is never acknowledged
        source.product_id = "pan"
        time.sleep(1.5)
        first.resume()
        first.kill()
        source.product_id = "mug"
        with mosquitto(tmp_path / "m2", first.port).start() as second:
            wait_until(agent.connected.is_set, 10)
            time.sleep(1.0)
            rec = Recorder(second.port, [f"{BASE}/state"])  # what a status table reads
            wait_until(lambda: rec.on(f"{BASE}/state"), 3)
            assert rec.json(f"{BASE}/state")[-1]["product_id"] == "mug"
            rec.close()
