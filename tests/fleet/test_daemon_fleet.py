"""A real `livehost run` under fleet control: a real mosquitto, a real nginx-rtmp, every
command end to end with its ack, the last will on SIGKILL and `restart` for systemd."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.fleet.conftest import Recorder, wait_until
from tests.onair.daemon_helpers import ALL_DAY_SCHEDULE, start_daemon, stop_daemon, write_setup

from livehost.fleet.connection import BrokerSettings
from livehost.fleet.messages import State
from livehost.fleet.operator import Operator
from livehost.frontdoor import RESTART_EXIT_CODE

UNIT = "test-site/test-unit"
BASE = f"livehost/{UNIT}"
GOOD = ALL_DAY_SCHEDULE.format(first="kettle", second="mug")


def mug_script(line: str) -> str:
    """A script file for the test schedule's mug with one approved line."""
    from livehost.schedule.load import load_schedule_text
    from livehost.scripts.facts import facts_hash

    mug = load_schedule_text(GOOD, "s.yaml").schedule.product("mug")
    return (
        f"product: mug\nfacts: {facts_hash(mug)}\nlines:\n  - kind: feature\n"
        f"    text: {line}\n    status: approved\n    approved_by: Ana\n"
        "    approved_at: 2026-11-30T10:00:00\n"
    )


def run_unit(folder: Path, broker_port: int, rtmp_port: int, log_name: str = "daemon.log"):
    config = folder / "unit" / "livehost.yaml"
    if not config.exists():
        config = write_setup(folder / "unit")
    return start_daemon(
        config,
        "--mqtt",
        f"mqtt://127.0.0.1:{broker_port}",
        "--output",
        f"rtmp://127.0.0.1:{rtmp_port}/live/fleet",
        log=folder / log_name,
    )


def latest_state(rec: Recorder) -> dict:
    states = rec.json(f"{BASE}/state")
    return State.model_validate(states[-1]).model_dump() if states else {}


def test_every_command_end_to_end_with_its_ack(broker, rtmp, tmp_path):
    rec = Recorder(broker.port, [f"{BASE}/#"])
    daemon = run_unit(tmp_path, broker.port, rtmp.port)
    try:
        wait_until(lambda: daemon.poll() is not None or latest_state(rec).get("on_air"), 40, 0.1)
        assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-2000:]
        op = Operator(BrokerSettings("127.0.0.1", broker.port))

        def ok(name: str, args: dict | None = None, **kw) -> dict:
            ack = op.command(UNIT, name, args, **kw)
            assert ack["ok"], ack
            return ack["result"]

        def state_shows(**want) -> None:
            wait_until(lambda: all(latest_state(rec).get(k) == v for k, v in want.items()), 5)

        assert ok("pause", {"mode": "slate"}) == {"paused": "slate"}
        state_shows(paused="slate", why="paused by the operator (slate)")
        ok("resume")
        state_shows(paused=None)
        ok("pin", {"product": "mug"})
        state_shows(pinned="mug")
        ok("skip")
        ok("unpin")
        state_shows(pinned=None)
        assert ok("say", {"text": "A word from the operator.", "priority": 5})["queued"] >= 1
        refused = op.command(UNIT, "pin", {"product": "unicorn"})
        assert refused["error"]["code"] == "refused"

        # a broken push is refused with its line; the old schedule runs on
        schedule_file = tmp_path / "unit" / "schedule.yaml"
        version = latest_state(rec)["schedule"]["version"]
        broken = GOOD.replace("price: 9.50", "price: -3")
        ack = op.command(UNIT, "push_schedule", {"yaml": broken})
        assert ack["error"]["code"] == "refused"
        assert [(p["line"], p["path"]) for p in ack["error"]["problems"]] == [
            (10, "products[1].price")
        ]
        assert schedule_file.read_text() == GOOD
        wait_until(lambda: latest_state(rec)["schedule"]["errors"], 5)
        assert latest_state(rec)["schedule"]["version"] == version
        # a good push is written and swapped in
        better = GOOD.replace("Glass Kettle", "Copper Kettle")
        result = ok("push_schedule", {"yaml": better})
        assert result["changed"] and result["version"] == version + 1
        assert schedule_file.read_text() == better
        wait_until(lambda: latest_state(rec)["schedule"]["version"] == version + 1, 5)
        assert latest_state(rec)["schedule"]["errors"] == []
        assert ok("reload")["changed"] is False

        # scripts: a line approved with a claim the facts do not make is refused with its
        # line; a good file is written into the scripts folder and swapped in
        script = mug_script("It comes with a ten-year warranty.")
        ack = op.command(UNIT, "push_scripts", {"file": "mug.yaml", "yaml": script})
        assert ack["error"]["code"] == "refused"
        assert ack["error"]["problems"][0]["line"] == 5
        scripts_dir = tmp_path / "unit" / "scripts"
        assert not (scripts_dir / "mug.yaml").exists()
        good_script = mug_script("Each mug is hand glazed, so every one has its own look.")
        result = ok("push_scripts", {"file": "mug.yaml", "yaml": good_script})
        assert result == {"file": "mug.yaml", "changed": True}
        assert (scripts_dir / "mug.yaml").read_text() == good_script
        refused = op.command(UNIT, "push_scripts", {"file": "../mug.yaml", "yaml": good_script})
        assert refused["error"]["code"] == "invalid"

        # streaming: stop, start, restart
        ok("stream", {"action": "stop"})
        state_shows(streaming=False, on_air=False)
        assert latest_state(rec)["why"] == "stream stopped by the operator"
        ok("stream", {"action": "start"})
        wait_until(lambda: latest_state(rec).get("on_air"), 20, 0.1)
        ok("stream", {"action": "restart", "output": "out1"})
        assert op.command(UNIT, "stream", {"action": "stop", "output": "nope"})["error"]

        # events trail their acks (the ack goes out first; the show's own events are
        # looked for every half second), so wait for the story to be complete
        def events_told() -> bool:
            kinds = [e["kind"] for e in rec.json(f"{BASE}/events")]
            story = ("started", "schedule_refused", "schedule_swapped", "output_down", "output_up")
            # one event for each of the 14 commands sent above
            return all(k in kinds for k in story) and kinds.count("command") >= 14

        wait_until(events_told, 5)

        rec.clear()
        assert ok("snapshot")["published"]
        wait_until(lambda: rec.on(f"{BASE}/snapshot"), 3)
        assert rec.on(f"{BASE}/snapshot")[0].payload[:2] == b"\xff\xd8"
        assert ok("log_level", {"level": "debug"}) == {"logger": "livehost", "level": "debug"}

        # a repeated id is acked again, not run again; an expired command is refused
        first = op.command(UNIT, "skip", command_id="skip-once")
        again = op.command(UNIT, "skip", command_id="skip-once")
        assert again["duplicate"] and again["result"] == first["result"]
        late = op.command(UNIT, "say", {"text": "stale"}, expires_in=-5)
        assert late["error"]["code"] == "expired"
        for raw in (b"\x00garbage", b'{"id": "x", "text": 5}', b"[]"):
            assert not op.command(UNIT, "say", raw=raw)["ok"]

        # the show is unaffected and the events tell the story
        telemetry_before = len(rec.on(f"{BASE}/telemetry"))
        wait_until(lambda: len(rec.on(f"{BASE}/telemetry")) > telemetry_before, 15, 0.1)
        assert rec.json(f"{BASE}/telemetry")[-1]["fps"] > 10
        assert daemon.poll() is None
        op.close()
    finally:
        code = stop_daemon(daemon)
    assert code == 0
    wait_until(lambda: "stopped" in rec.payloads(f"{BASE}/availability"), 3)
    log = (tmp_path / "daemon.log").read_text()
    assert [line for line in log.splitlines() if "ERROR livehost.fleet" in line] == []
    rec.close()


def test_restart_for_systemd_ids_survive_and_sigkill_leaves_offline(broker, rtmp, tmp_path):
    rec = Recorder(broker.port, [f"{BASE}/availability", f"{BASE}/events"])
    daemon = run_unit(tmp_path, broker.port, rtmp.port, "first.log")
    try:
        wait_until(lambda: rec.payloads(f"{BASE}/availability")[-1:] == ["online"], 40, 0.1)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            ack = op.command(UNIT, "restart", command_id="restart-1")
        assert ack["ok"] and ack["result"] == {"exit_code": RESTART_EXIT_CODE}
        assert daemon.wait(timeout=15) == RESTART_EXIT_CODE  # Restart=on-failure covers it
        assert rec.payloads(f"{BASE}/availability")[-1] == "stopped"

        rec.clear()
        daemon = run_unit(tmp_path, broker.port, rtmp.port, "second.log")  # what systemd does
        wait_until(lambda: rec.payloads(f"{BASE}/availability")[-1:] == ["online"], 40, 0.1)
        with Operator(BrokerSettings("127.0.0.1", broker.port)) as op:
            again = op.command(UNIT, "restart", command_id="restart-1")
        assert again["ok"] and again["duplicate"]  # remembered across the restart
        time.sleep(1.0)
        assert daemon.poll() is None, "a repeated restart id must not restart again"

        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=5)
        wait_until(lambda: rec.payloads(f"{BASE}/availability")[-1:] == ["offline"], 5)
    finally:
        if daemon.poll() is None:
            stop_daemon(daemon)
        rec.close()
