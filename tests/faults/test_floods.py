"""Floods: every command gets exactly one ack (run, or `busy` and not run), and operator
lines are capped with a clear refusal instead of hours of queued talk."""

from __future__ import annotations

import json
import time

import pytest
from tests.fleet.conftest import Recorder, make_agent, wait_until

from livehost.fleet.agent import COMMAND_QUEUE
from livehost.fleet.connection import BrokerSettings, make_client
from livehost.show.inbox import MAX_WAITING, Inbox, Say

BASE = "livehost/site-1/unit-a"
FLOOD = 2000


def test_a_flood_of_commands_gets_one_ack_each_and_busy_ones_do_not_run(broker, tmp_path):
    agent, control, _ = make_agent(broker.port, tmp_path)
    agent.start()
    recorder = Recorder(broker.port, [f"{BASE}/ack", f"{BASE}/telemetry"])
    sender = make_client("flooder", BrokerSettings("127.0.0.1", broker.port))
    sender.max_inflight_messages_set(200)
    sender.max_queued_messages_set(0)  # unlimited on our side: the unit is under test
    try:
        wait_until(agent.connected.is_set, 5)
        sender.connect("127.0.0.1", broker.port)
        sender.loop_start()
        started = time.monotonic()
        for n in range(FLOOD):
            payload = json.dumps({"id": f"flood-{n}"})
            sender.publish(f"{BASE}/cmd/skip", payload, qos=1)
        wait_until(lambda: len(recorder.on(f"{BASE}/ack")) >= FLOOD, 60, 0.1)
        took = time.monotonic() - started
        time.sleep(0.5)  # nothing more arrives: one ack per command
        acks = recorder.json(f"{BASE}/ack")
        ids = [a["id"] for a in acks]
        assert len(ids) == FLOOD and len(set(ids)) == FLOOD
        busy = {a["id"] for a in acks if not a["ok"]}
        assert all(a["error"]["code"] == "busy" for a in acks if not a["ok"])
        ran = len([c for c in control.calls if c == ("skip",)])
        assert ran == FLOOD - len(busy)  # a busy one never runs
        print(f"{FLOOD} commands: {ran} ran, {len(busy)} busy, all acked in {took:.1f} s")
        # the queue is bounded: what is not run at once is refused, not kept for later
        assert ran >= COMMAND_QUEUE
        # and telemetry counts the busy answers (every second here)
        assert agent.busy == len(busy)
        wait_until(
            lambda: any(t["busy"] == len(busy) for t in recorder.json(f"{BASE}/telemetry")), 5
        )
        # a busy id can be sent again and runs then
        if busy:
            again = sorted(busy)[0]
            recorder.clear()
            sender.publish(f"{BASE}/cmd/skip", json.dumps({"id": again}), qos=1)
            wait_until(lambda: recorder.json(f"{BASE}/ack"), 10, 0.05)
            assert recorder.json(f"{BASE}/ack")[0]["ok"]
        assert agent._thread.is_alive() and agent._worker.is_alive()
    finally:
        sender.loop_stop()
        sender.disconnect()
        recorder.close()
        agent.stop()


def test_operator_lines_are_capped_and_a_more_urgent_one_still_gets_in() -> None:
    inbox = Inbox()
    for n in range(MAX_WAITING):
        inbox.put(Say(f"line {n}", priority=0))
    with pytest.raises(ValueError, match="operator lines are waiting"):
        inbox.put(Say("one too many", priority=0))
    inbox.put(Say("the store closes in ten minutes", priority=5))
    assert inbox.waiting() == MAX_WAITING
    said = [inbox.take_line() for _ in range(MAX_WAITING)]
    assert said[0].text == "the store closes in ten minutes"
    assert "line 19" not in [s.text for s in said]  # the newest plain line made way
    assert inbox.take_line() is None

