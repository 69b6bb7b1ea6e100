"""`livehostctl` against 20 units simulated as real MQTT clients on a real mosquitto."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tests.fleet.conftest import Recorder, make_agent, wait_until
from tests.onair.daemon_helpers import ALL_DAY_SCHEDULE

from livehost.audience.events import AudienceEvent
from livehost.fleet.audience_sim import Simulation
from livehost.fleet.ctl import CELL_COLUMNS, event_time, main, unit_zone, zone_label
from livehost.fleet.topics import UnitTopics, ack_sender, addresses

JPEG = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"
LONG_URL = "rtmp://live.example.com/app/0123456789abcdef0123456789abcdef"


class SimUnit:
    """Just enough of a unit: retained reports, last will, and acks where the agent puts
    them (its own ack topic, with the command's correlation data)."""

    def __init__(
        self,
        port: int,
        site: str,
        unit: str,
        answers: bool = True,
        claims: str | None = None,  # a rogue: the unit id its acks name instead of its own
        listens: tuple[str, ...] = (),  # filters beyond its own (no ACL on this broker)
        **state,
    ) -> None:
        self.topics = UnitTopics(site, unit)
        self.commands: list[tuple[str, dict]] = []
        self.answers = answers
        self.claims = claims or unit
        self.listens = listens
        self.ready = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"sim-{unit}", protocol=mqtt.MQTTv5
        )
        self.client.will_set(self.topics.availability, "offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self.ready.set()
        self.state = {
            "ts": time.time(),
            "unit": unit,
            "site": site,
            "on_air": True,
            "why": "on air",
            "display": "show",
            "paused": None,
            "pinned": None,
            "streaming": True,
            "product_id": "kettle",
            "outputs": [{"name": "main", "state": "on_air"}],
            "schedule": {"errors": []},
            **state,
        }
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        t = self.topics
        client.subscribe([(f, 1) for f in [*t.command_filters(), *self.listens]])
        client.publish(t.state, json.dumps(self.state), qos=1, retain=True)
        telemetry = {
            "fps": 29.9,
            "rtmp_reconnects": 2,
            "uptime": 3725.0,
            "temperatures": {"cpu": 51.0, "gpu": 47.5},
        }
        client.publish(t.telemetry, json.dumps(telemetry), qos=0, retain=True)
        client.publish(t.availability, "online", qos=1, retain=True)

    def _on_message(self, client, userdata, message) -> None:
        name = message.topic.rsplit("/", 1)[1]
        body = json.loads(message.payload)
        self.commands.append((name, body))
        if not self.answers:
            return
        if name == "snapshot":
            client.publish(self.topics.snapshot, JPEG, retain=True)
        ack = {
            "id": body["id"],
            "unit": self.claims,
            "site": self.topics.site,
            "command": name,
            "ok": True,
            "duplicate": False,
            "ts": time.time(),
            "result": {"published": True} if name == "snapshot" else {},
            "error": None,
        }
        correlation = getattr(message.properties, "CorrelationData", None)
        props = None
        if correlation is not None:
            props = Properties(PacketTypes.PUBLISH)
            props.CorrelationData = correlation
        client.publish(self.topics.ack, json.dumps(ack), qos=1, properties=props)

    def event(self, kind: str, message: str, ts: float | None = None) -> None:
        body = {"ts": time.time() if ts is None else ts, "kind": kind, "message": message}
        body["data"] = {}
        self.client.publish(self.topics.events, json.dumps(body), qos=1)

    def crash(self) -> None:
        self.client._sock_close()  # gone without DISCONNECT: the broker sends the will
        self.client.loop_stop()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def fleet(broker) -> Iterator[dict[str, SimUnit]]:
    units = {}
    for i in range(20):
        site = f"site-{i % 3 + 1}"
        extra = {}
        if i == 7:
            extra = {
                "on_air": False,
                "why": f"no output reachable: {LONG_URL}: connection refused",
                "outputs": [{"name": "main", "state": "reconnecting"}],
            }
        if i == 10:  # paused with the slate: on air, but nobody sees the kettle
            extra = {"display": "slate", "paused": "slate", "product_id": None}
        if i == 11:
            extra = {"display": "show", "pinned": "mug", "product_id": "mug"}
        if i == 13:
            extra = {"duplicate_id": "another client connected as livehost-unit-13 (3x)"}
        if i == 8:
            extra = {
                "schedule": {
                    "errors": [
                        {
                            "file": "/etc/livehost/schedule.yaml",
                            "line": 10,
                            "message": "must be more than 0",
                        }
                    ]
                }
            }
        unit = SimUnit(broker.port, site, f"unit-{i:02d}", answers=i != 5, **extra)
        units[f"{site}/unit-{i:02d}"] = unit
    for unit in units.values():
        assert unit.ready.wait(5)
    units["site-2/unit-19"].crash()
    # the broker sends the crashed unit's will when it notices the closed socket
    will = Recorder(broker.port, ["livehost/site-2/unit-19/availability"])
    try:
        wait_until(
            lambda: will.payloads("livehost/site-2/unit-19/availability")[-1:] == ["offline"], 5
        )
    finally:
        will.close()
    yield units
    for unit in units.values():
        unit.close()


def ctl(broker, capsys, *args: str) -> tuple[int, str]:
    code = main(["--broker", f"mqtt://127.0.0.1:{broker.port}", "--timeout", "2", *args])
    return code, capsys.readouterr().out


def test_status_lists_the_20_units(broker, fleet, capsys):
    code, out = ctl(broker, capsys, "status")
    assert code == 0
    lines = out.strip().splitlines()
    header, rows = lines[0].split(), [line for line in lines[1:] if line.startswith("site-")]
    assert header[:2] == ["UNIT", "ONLINE"]
    assert len(rows) == 20 and "20 units, 19 online" in out
    row = {line.split()[0]: line for line in rows}
    assert row["site-1/unit-00"].split()[1:8] == [
        "online",
        "show:",
        "kettle",
        "29.9",
        "2",
        "51C",
        "1h02m",
    ]
    assert "offline" in row["site-2/unit-19"]
    assert "no output reachable" in row["site-2/unit-07"]
    assert " reconnecting " in row["site-2/unit-07"]
    assert " slate (paused) " in row["site-2/unit-10"] and "kettle" not in row["site-2/unit-10"]
    assert " show: mug (pinned) " in row["site-3/unit-11"]
    assert "SEES" in lines[0] and "PRODUCT" not in lines[0]
    assert "schedule schedule.yaml:10: must be more than 0" in row["site-3/unit-08"]
    code, out = ctl(broker, capsys, "status", "--json")
    assert len(json.loads(out)) == 20


def test_long_cells_end_in_an_ellipsis_unless_wide(broker, fleet, capsys):
    _, out = ctl(broker, capsys, "status")
    line = next(ln for ln in out.splitlines() if ln.startswith("site-2/unit-07"))
    cell = line[line.index("no output reachable") :]
    assert cell.endswith("…") and len(cell) == CELL_COLUMNS and "refused" not in cell
    _, out = ctl(broker, capsys, "status", "--wide")
    line = next(ln for ln in out.splitlines() if ln.startswith("site-2/unit-07"))
    assert line.endswith(f"{LONG_URL}: connection refused") and "…" not in line


def test_snapshot_full_gives_the_stream_size(broker, capsys, tmp_path):
    agent, _, _ = make_agent(broker.port, tmp_path, snapshot_seconds=5)
    # a 1080p I420 frame with some detail: luma gradients and stripes, grey chroma
    frame = np.full((1080 * 3 // 2, 1920), 128, np.uint8)
    ys, xs = np.mgrid[0:1080, 0:1920]
    frame[:1080] = (xs // 8 + ys // 4 + 40 * ((xs // 60) % 2)) % 256
    agent.frame = lambda: frame
    agent.start()
    try:
        wait_until(agent.connected.is_set, 5)
        shots = {}
        for name, extra in (("thumb", []), ("full", ["--full"])):
            out_file = tmp_path / f"{name}.jpg"
            code, out = ctl(broker, capsys, "snapshot", "unit-a", "--out", str(out_file), *extra)
            assert code == 0, out
            shots[name] = cv2.imdecode(np.frombuffer(out_file.read_bytes(), np.uint8), 1)
        assert shots["thumb"].shape[:2] == (180, 320)
        assert shots["full"].shape[:2] == (1080, 1920)
        assert "(1920x1080)" in out
    finally:
        agent.stop()


def test_status_through_the_console_script_and_a_config_file(broker, fleet, tmp_path):
    settings = tmp_path / "livehostctl.yaml"
    settings.write_text(f"broker: mqtt://127.0.0.1:{broker.port}\n")
    script = shutil.which("livehostctl", path=str(Path(sys.executable).parent))
    assert script, "pip install -e . installs the livehostctl console script"
    result = subprocess.run(
        [script, "--config", str(settings), "status"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("site-") == 20


def test_send_to_the_fleet_a_site_and_one_unit(broker, fleet, capsys):
    code, out = ctl(broker, capsys, "send", "all", "say", "text=Welcome everyone!", "priority=5")
    assert code == 1  # unit-05 is online but silent: reported, and the exit status says so
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:] if line.strip()}
    assert len(rows) == 19 and rows["site-3/unit-05"] == "NO"
    assert sum(result == "ok" for result in rows.values()) == 18
    said = fleet["site-1/unit-00"].commands[-1]
    assert said[0] == "say" and said[1]["text"] == "Welcome everyone!" and said[1]["priority"] == 5
    assert said[1]["expires"] > time.time() + 500  # by default a command expires in 10 min

    code, out = ctl(broker, capsys, "send", "site-1/all", "skip")
    assert code == 0 and out.count(" ok") == 7  # site-1 holds units 0, 3, 6, ..., 18
    assert not any(c[0] == "skip" for c in fleet["site-2/unit-01"].commands)

    code, out = ctl(broker, capsys, "send", "unit-04", "pause", "mode=slate", "--expires", "30")
    assert code == 0 and "site-2/unit-04" in out
    name, body = fleet["site-2/unit-04"].commands[-1]
    assert name == "pause" and body["mode"] == "slate" and body["expires"] > time.time()
    code, _ = ctl(broker, capsys, "send", "unit-99", "skip")
    assert code == 3  # unknown unit


def test_send_takes_an_ack_only_from_the_ack_topic_of_the_unit_it_names(broker, capsys):
    units = [
        SimUnit(broker.port, "site-1", "unit-b", answers=False),  # hung
        SimUnit(broker.port, "site-1", "unit-a", claims="unit-b"),  # answers as unit-b
        SimUnit(broker.port, "site-2", "unit-c", listens=("livehost/+/all/cmd/+",)),
    ]
    try:
        for unit in units:
            assert unit.ready.wait(5)
        code, out = ctl(broker, capsys, "send", "site-1/all", "skip")
        assert all(u.commands for u in units)  # each read the command, each but B answered
        rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:] if line}
        # unit-a's ack in unit-b's name counts for neither; unit-c was not asked
        assert rows == {"site-1/unit-a": "NO", "site-1/unit-b": "NO"}, out
        assert code == 1
    finally:
        for unit in units:
            unit.close()


def test_an_ack_is_whose_topic_it_came_on_and_only_from_a_unit_addressed():
    assert ack_sender("livehost/site-1/unit-b/ack") == "site-1/unit-b"
    for topic in ("livehost/reply/livehostctl-1", "livehost/site-1/all/ack", "x/site-1/u/ack"):
        assert ack_sender(topic) is None, topic
    assert addresses("all", "site-2/unit-c") and addresses("site-1/all", "site-1/unit-b")
    assert addresses("site-1/unit-b", "site-1/unit-b")
    assert not addresses("site-1/all", "site-2/unit-c")
    assert not addresses("site-1/unit-b", "site-1/unit-a")
    assert not addresses("site-1/all", "site-10/unit-a")


def test_push_schedule_validates_locally_first(broker, fleet, capsys, tmp_path):
    good = ALL_DAY_SCHEDULE.format(first="kettle", second="mug")
    broken = tmp_path / "broken.yaml"
    broken.write_text(good.replace("price: 9.50", "price: -3"))
    code = main(
        ["--broker", f"mqtt://127.0.0.1:{broker.port}", "push-schedule", "unit-01", str(broken)]
    )
    err = capsys.readouterr().err
    assert code == 2 and "broken.yaml:10" in err
    assert fleet["site-2/unit-01"].commands == []
    fine = tmp_path / "schedule.yaml"
    fine.write_text(good)
    code, _out = ctl(broker, capsys, "push-schedule", "unit-01", str(fine))
    assert code == 0
    name, body = fleet["site-2/unit-01"].commands[-1]
    assert name == "push_schedule" and body["yaml"] == good


def test_push_scripts_validates_locally_first(broker, fleet, capsys, tmp_path):
    from tests.fleet.test_daemon_fleet import GOOD, mug_script

    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(GOOD)
    bad = tmp_path / "mug.yaml"
    bad.write_text(mug_script("Rated the best mug in the world."))
    args = ["push-scripts", "unit-01", str(bad), "--schedule", str(schedule)]
    code = main(["--broker", f"mqtt://127.0.0.1:{broker.port}", *args])
    err = capsys.readouterr().err
    assert code == 2 and "mug.yaml:5" in err and "best" in err
    assert fleet["site-2/unit-01"].commands == []
    good = mug_script("Each mug is hand glazed, so every one has its own look.")
    bad.write_text(good)
    code, _out = ctl(broker, capsys, *args)
    assert code == 0
    name, body = fleet["site-2/unit-01"].commands[-1]
    assert name == "push_scripts" and body["file"] == "mug.yaml" and body["yaml"] == good


def test_snapshot_and_events(broker, fleet, capsys, tmp_path):
    out_file = tmp_path / "shot.jpg"
    code, out = ctl(broker, capsys, "snapshot", "unit-02", "--out", str(out_file))
    assert code == 0 and out_file.read_bytes() == JPEG

    printed = []
    runner = threading.Thread(
        target=lambda: printed.append(ctl(broker, capsys, "events", "--count", "1", "--for", "5"))
    )
    runner.start()
    # the event may go out before `events` has subscribed: repeat it until it is seen
    deadline = time.monotonic() + 10
    while runner.is_alive() and time.monotonic() < deadline:
        fleet["site-1/unit-03"].event("output_down", "output main is down: refused")
        runner.join(0.5)
    assert not runner.is_alive(), "livehostctl events saw no event within 10 s"
    code, out = printed[0]
    assert code == 0 and "site-1/unit-03 output_down: output main is down" in out


def test_watch_redraws_the_table(broker, fleet, capsys):
    code, out = ctl(broker, capsys, "watch", "--interval", "0.2", "--count", "2")
    assert code == 0
    assert out.count("UNIT  ") == 2 and out.count("site-1/unit-00") == 2


def test_shorten_counts_terminal_columns():
    from livehost.fleet.ctl import shorten, table
    from livehost.textwidth import width

    assert shorten("kettle", 6) == "kettle" and shorten("kettles", 6) == "kettl…"
    cut = shorten("show: 玻璃电水壶玻璃电水壶", 12)  # CJK takes two columns each
    assert cut == "show: 玻璃…" and width(cut) <= 12
    assert table([("a", "x" * 60)], ("U", "V")).endswith("x" * 47 + "…")
    assert table([("a", "x" * 60)], ("U", "V"), limit=None).endswith("x" * 60)


def test_last_error_names_a_shared_unit_id_first():
    from livehost.fleet.ctl import last_error

    state = {
        "on_air": False,
        "why": "no output configured",
        "duplicate_id": "another client connected as livehost-u1 (2x, last 10:00:00 UTC)",
    }
    assert last_error(state).startswith("two units share this id: another client")
    assert last_error({**state, "duplicate_id": ""}) == "no output configured"


def test_status_json_carries_what_the_table_shows(broker, fleet, capsys):
    _, table_out = ctl(broker, capsys, "status")
    code, out = ctl(broker, capsys, "status", "--json")
    assert code == 0
    units = json.loads(out)
    assert len(units) == 20
    unit = units["site-1/unit-00"]
    # the keys it always had, with the retained messages as they came
    assert {"site", "unit", "availability", "state", "telemetry"} <= set(unit)
    assert unit["telemetry"]["fps"] == 29.9 and unit["state"]["product_id"] == "kettle"
    assert unit["sees"] == "show: kettle" and unit["last_error"] == ""
    assert units["site-2/unit-10"]["sees"] == "slate (paused)"  # on air, no kettle seen
    assert units["site-3/unit-11"]["sees"] == "show: mug (pinned)"
    assert units["site-2/unit-07"]["sees"] == "reconnecting"
    assert units["site-2/unit-19"]["sees"] == "offline"
    assert units["site-2/unit-07"]["last_error"].endswith(f"{LONG_URL}: connection refused")
    shared = units["site-2/unit-13"]
    assert shared["shared_id"] is True and shared["last_error"].startswith("two units share")
    assert not any(u["shared_id"] for n, u in units.items() if n != "site-2/unit-13")
    row = next(ln for ln in table_out.splitlines() if ln.startswith("site-2/unit-13"))
    assert "two units share this id" in row
    for name, u in units.items():  # every SEES cell of the table is in the JSON
        line = next(ln for ln in table_out.splitlines() if ln.startswith(f"{name} "))
        assert f"  {u['sees']}  " in line, name


@pytest.fixture
def berlin() -> Iterator[None]:
    """This process (the operator's side) in Europe/Berlin, whatever the machine says."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


# 2024-11-27 00:00 UTC: Wednesday 01:00 in Berlin, Tuesday 19:00 in New York
LAST_YEAR = datetime(2024, 11, 27, tzinfo=timezone.utc).timestamp()


def test_events_say_the_time_in_both_zones(broker, berlin, capsys):
    units = [
        SimUnit(broker.port, "site-1", "unit-ny", timezone="America/New_York"),
        SimUnit(broker.port, "site-1", "unit-fr", timezone="Europe/Paris"),  # Berlin's offset
        SimUnit(broker.port, "site-1", "unit-old"),  # no zone in its state
    ]
    try:
        for unit in units:
            assert unit.ready.wait(5)
        printed = []
        runner = threading.Thread(
            target=lambda: printed.append(ctl(broker, capsys, "events", "--for", "3"))
        )
        runner.start()
        now = time.time()
        while runner.is_alive():  # again and again: `events` subscribes meanwhile
            units[0].event("output_down", "output main is down: refused", ts=LAST_YEAR)
            units[0].event("command", "skip (s-1): ok", ts=now)
            units[1].event("output_up", "output main is on air", ts=now)
            units[2].event("started", "livehost 0.0.9 started", ts=now)
            units[2].event("started", "no clock", ts="soon")  # type: ignore[arg-type]
            runner.join(0.3)
        code, out = printed[0]
        lines = set(out.splitlines())
        received = {ln for ln in lines if ln.endswith("started: no clock")}
        assert code == 0 and received, out
        assert all(" (received) site-1/unit-old" in ln for ln in received)
        lines -= received
        here = datetime.fromtimestamp(now, ZoneInfo("Europe/Berlin"))
        there = datetime.fromtimestamp(now, ZoneInfo("America/New_York"))
        day = f"{there:%a} " if there.date() != here.date() else ""
        assert lines == {
            "2024-11-27 01:00:00 (Tue 19:00:00 New York) site-1/unit-ny output_down: "
            "output main is down: refused",
            f"{here:%H:%M:%S} ({day}{there:%H:%M:%S} New York) site-1/unit-ny command: "
            "skip (s-1): ok",
            f"{here:%H:%M:%S} site-1/unit-fr output_up: output main is on air",
            f"{here:%H:%M:%S} site-1/unit-old started: livehost 0.0.9 started",
        }
    finally:
        for unit in units:
            unit.close()


def test_event_time_in_two_zones():
    berlin, new_york = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
    # 2026-07-01 12:03:07 UTC: 14:03:07 in Berlin (CEST), 08:03:07 in New York (EDT)
    ts = datetime(2026, 7, 1, 12, 3, 7, tzinfo=timezone.utc).timestamp()
    same_day = ts + 3600
    assert event_time(ts, new_york, berlin, now=same_day) == "14:03:07 (08:03:07 New York)"
    assert event_time(ts, ZoneInfo("Europe/Paris"), berlin, now=same_day) == "14:03:07"
    assert event_time(ts, None, berlin, now=same_day) == "14:03:07"
    assert event_time(ts, berlin, berlin, now=same_day) == "14:03:07"
    assert event_time(ts, new_york, berlin, now=ts + 86400) == (
        "2026-07-01 14:03:07 (08:03:07 New York)"  # yesterday here: the date leads
    )
    late = ts + 11 * 3600  # 01:03:07 on Thursday in Berlin, still Wednesday in New York
    assert event_time(late, new_york, berlin, now=late) == "01:03:07 (Wed 19:03:07 New York)"
    assert event_time(ts, new_york, timezone.utc, now=same_day) == (
        "12:03:07 UTC (08:03:07 New York)"
    )
    assert event_time(ts, ZoneInfo("UTC"), timezone.utc, now=same_day) == "12:03:07 UTC"
    # in winter New York is six hours behind Berlin, not five or seven
    winter = datetime(2026, 1, 15, 13, 0, tzinfo=timezone.utc).timestamp()
    assert event_time(winter, new_york, berlin, now=winter) == "14:00:00 (08:00:00 New York)"


def test_unit_zones_by_name():
    assert zone_label(ZoneInfo("America/Argentina/Buenos_Aires")) == "Buenos Aires"
    assert zone_label(ZoneInfo("UTC")) == "UTC"
    assert unit_zone("Asia/Shanghai") == ZoneInfo("Asia/Shanghai")
    assert unit_zone("") is None and unit_zone(None) is None and unit_zone(3) is None
    assert unit_zone("Mars/Olympus_Mons") is None and unit_zone("../etc") is None


def simulate(broker, *args: str) -> int:
    return main(["--broker", f"mqtt://127.0.0.1:{broker.port}", "audience", "simulate", *args])


SCRIPT = """\
- {after: 0, type: comment, user: Anna, text: is the lid removable?}
- {after: 0.1, type: join, user: Ben}
- {after: 0, type: like}
"""


def test_audience_simulate_waits_for_the_unit_to_be_online_then_plays_the_script(
    broker, capsys, tmp_path
):
    script = tmp_path / "audience.yaml"
    script.write_text(SCRIPT)
    audience = "livehost/site-1/unit-a/audience"
    rec = Recorder(broker.port, [audience])
    units: list[SimUnit] = []
    started = [0.0]

    def come_online() -> None:
        started[0] = time.time()
        units.append(SimUnit(broker.port, "site-1", "unit-a"))

    # a SITE/UNIT target resolves without the broker: --wait must still wait for it
    threading.Timer(0.8, come_online).start()
    try:
        code = simulate(broker, "site-1/unit-a", "--script", str(script), "--wait", "10")
        assert code == 0, capsys.readouterr().err
        assert "site-1/unit-a: 3 simulated audience events sent" in capsys.readouterr().out
        wait_until(lambda: len(rec.on(audience)) == 3, 3)  # all out before it returned
        events = [AudienceEvent.model_validate_json(m.payload) for m in rec.on(audience)]
        assert [(e.type, e.user and e.user.name) for e in events][:2] == [
            ("comment", "Anna"),
            ("join", "Ben"),
        ]
        assert events[0].text == "is the lid removable?" and events[2].type == "like"
        # stamped as sent, once the unit was there
        assert all(e.ts >= started[0] > 0 for e in events)
    finally:
        rec.close()
        for unit in units:
            unit.close()


def test_audience_simulate_refuses_a_bad_script_before_sending_anything(
    broker, capsys, tmp_path
):
    audience = "livehost/site-1/unit-a/audience"
    rec = Recorder(broker.port, [audience])
    unit = SimUnit(broker.port, "site-1", "unit-a")
    bad = {
        "- {after: 0, type: join}\n- {after: -1, type: join}\n": "event 2: after must be",
        "- {after: 0, type: join}\n- {after: .inf, type: join}\n": "event 2: after must be",
        "- {type: join}\n- {type: dance}\n": "event 2: type must be one of",
        "- {type: comment, text: 5}\n": "event 1: text must be",
        "- {type: join, user: [a]}\n": "event 1: user must be",
        "- {type: join, txt: hi}\n": "event 1: unknown key 'txt'",
        "- join\n": "event 1: an event is a mapping",
        "type: join\n": "a script is a list of events",
        "- {type: join\n": "audience.yaml:",  # not YAML: the loader says where
    }
    try:
        for text, expected in bad.items():
            script = tmp_path / "audience.yaml"
            script.write_text(text)
            code = simulate(broker, "site-1/unit-a", "--script", str(script))
            err = capsys.readouterr().err
            assert code == 2 and expected in err, (text, err)
            assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        time.sleep(0.2)
        assert rec.on(audience) == []
    finally:
        rec.close()
        unit.close()


def test_audience_simulate_gives_up_on_a_unit_that_does_not_come(broker, capsys):
    offline = SimUnit(broker.port, "site-1", "unit-b")
    assert offline.ready.wait(5)
    will = Recorder(broker.port, ["livehost/site-1/unit-b/availability"])
    offline.crash()  # known to the broker, but offline (its last will)
    try:
        wait_until(
            lambda: will.payloads("livehost/site-1/unit-b/availability")[-1:] == ["offline"], 5
        )
        for target, expected in (
            ("site-1/unit-b", "is offline"),
            ("site-1/unit-z", "is not known"),
            ("unit-z", "is not known"),
        ):
            started = time.monotonic()
            code = simulate(broker, target, "--for", "1", "--wait", "0.5")
            err = capsys.readouterr().err
            assert code == 3 and expected in err, (target, err)
            assert time.monotonic() - started < 5
    finally:
        will.close()
        offline.close()


def test_a_seeded_simulated_audience_is_the_same_in_every_process():
    def audience(seed: int) -> list[tuple]:
        sim = Simulation(None, lambda: None, random.Random(seed))
        events = [sim.event() for _ in range(30)]
        return [(e.type, e.user and (e.user.id, e.user.name), e.text, e.count) for e in events]

    assert audience(7) == audience(7) and audience(7) != audience(8)
    # hash() differs per process: a --seed run named other viewer ids each time
    sim = Simulation(None, lambda: None, random.Random(7))
    assert sim.make("join", "Anna").user.id == "sim-74313"
