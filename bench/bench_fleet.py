"""Fleet: command round trip over a real mosquitto on loopback, and the CPU cost of the
agent's telemetry, state and snapshots.

Round trip: `livehostctl`'s Operator publishes a command (QoS 1, MQTT 5 correlation data)
and waits for its ack on the unit's ack topic; first to an in-process FleetAgent with a
stand-in show (the fleet path alone: validation, id journal with fdatasync, ack), then to
a real `livehost run` with the show on air (no RTMP output) competing for the same two
cores. Target p99 <=
20 ms. CPU costs are process CPU time per call on this machine.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np

from livehost.config.mqtt import MqttConfig
from livehost.devservers import mosquitto
from livehost.fleet.agent import FleetAgent
from livehost.fleet.connection import BrokerSettings
from livehost.fleet.handler import CommandHandler
from livehost.fleet.idstore import IdStore
from livehost.fleet.operator import Operator
from livehost.fleet.report import ShowReport
from livehost.fleet.snapshot import i420_to_jpeg
from livehost.fleet.topics import UnitTopics
from livehost.frontdoor import FrontDoor
from livehost.schedule.load import load_schedule_text
from livehost.show.inbox import Inbox
from livehost.show.programme import Programme
from livehost.show.status import ShowStatus

COMMANDS = 300
DAEMON_COMMANDS = 150
WARMUP = 20


class StandInShow:
    """Answers commands instantly: the round trip measures the fleet path, not the show."""

    def __getattr__(self, name: str):
        return lambda *args: {"done": name}


def stand_in_show() -> FrontDoor:
    """A front door over a real inbox and programme, with stand-in store and outputs."""
    from tests.onair.daemon_helpers import ALL_DAY_SCHEDULE

    status = ShowStatus(
        on_air=True,
        speech_engine="piper:x",
        speech_rtf=0.07,
        schedule_hash="abc",
    )
    for i in range(60):
        status.tick(i / 30)
    store = SimpleNamespace(version=1, loaded_at=time.time(), last_problems=[])
    schedule = load_schedule_text(ALL_DAY_SCHEDULE.format(first="kettle", second="mug"), "s")
    inbox = Inbox()
    programme = Programme(lambda: schedule.schedule, ZoneInfo("UTC"), inbox)
    return FrontDoor(inbox, programme, store, status, [])  # type: ignore[arg-type]


def round_trips(op: Operator, target: str, command: str, count: int) -> list[float]:
    times = []
    for i in range(count + WARMUP):
        started = time.perf_counter()
        ack = op.command(target, command)
        elapsed = (time.perf_counter() - started) * 1000
        if not ack["ok"]:
            raise RuntimeError(f"command failed: {ack}")
        if i >= WARMUP:
            times.append(elapsed)
    return sorted(times)


def summary(prefix: str, times: list[float]) -> dict:
    return {
        f"{prefix}p50_ms": round(statistics.median(times), 2),
        f"{prefix}p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 2),
        f"{prefix}max_ms": round(times[-1], 2),
    }


def daemon_round_trips(port: int, folder: Path) -> list[float]:
    """`resume` (harmless on air) to a real daemon showing the sample products."""
    from tests.onair.daemon_helpers import start_daemon, stop_daemon, write_setup

    config = write_setup(folder / "unit")
    daemon = start_daemon(config, "--mqtt", f"mqtt://127.0.0.1:{port}", log=folder / "d.log")
    try:
        with Operator(BrokerSettings("127.0.0.1", port)) as op:
            deadline = time.monotonic() + 60
            while True:
                view = op.fleet(wait=1).get("test-site/test-unit")
                if view is not None and view.availability == "online":
                    break
                if time.monotonic() > deadline or daemon.poll() is not None:
                    raise RuntimeError("the daemon did not come online")
                time.sleep(0.5)
            time.sleep(3)  # let the show settle into its steady state
            return round_trips(op, "test-site/test-unit", "resume", DAEMON_COMMANDS)
    finally:
        stop_daemon(daemon)


def per_call_ms(fn, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        fn()
    return (time.process_time() - started) / count * 1000


def frame(width: int, height: int) -> np.ndarray:
    """A studio-like I420 picture: gradients and some texture (JPEG-realistic)."""
    rng = np.random.default_rng(1)
    y = np.add.outer(np.arange(height), np.arange(width)) % 256
    y = (y * 0.6 + rng.integers(0, 60, (height, width))).astype(np.uint8)
    chroma = np.full((height // 2, width), 128, np.uint8)
    return np.vstack([y, chroma])


def run() -> dict:
    results: dict[str, object] = {}
    report = ShowReport(stand_in_show(), "bench-unit", "bench-site")
    telemetry_ms = per_call_ms(lambda: report.telemetry(0, 0, 0).model_dump_json(), 200)
    state_ms = per_call_ms(lambda: report.state().model_dump_json(), 500)
    snap = {}
    for name, (w, h) in {"720p": (1280, 720), "1080p": (1920, 1080)}.items():
        picture = frame(w, h)
        snap[f"snapshot_{name}_ms"] = round(per_call_ms(lambda p=picture: i420_to_jpeg(p), 30), 2)
        snap[f"snapshot_{name}_bytes"] = len(i420_to_jpeg(picture))
    results.update(
        telemetry_ms=round(telemetry_ms, 3),
        state_check_ms=round(state_ms, 3),
        **snap,
        # at the defaults: telemetry every 10 s, state checked every 0.5 s, snapshot every 60 s
        default_load_percent_of_one_core=round(
            (telemetry_ms / 10 + state_ms / 0.5 + snap["snapshot_720p_ms"] / 60) / 1000 * 100, 3
        ),
    )

    with tempfile.TemporaryDirectory() as tmp, mosquitto(Path(tmp) / "mq").start() as broker:
        settings = BrokerSettings("127.0.0.1", broker.port)
        handler = CommandHandler(
            StandInShow(), IdStore(Path(tmp) / "ids.json"), "bench-unit", "bench-site"
        )
        agent = FleetAgent(
            settings,
            UnitTopics("bench-site", "bench-unit"),
            MqttConfig(telemetry_seconds=10),
            report,
            handler,
        )
        agent.start()
        try:
            if not agent.connected.wait(10):
                raise RuntimeError("the agent did not connect")
            idle_start = time.process_time()
            time.sleep(5)
            idle_cpu = (time.process_time() - idle_start) / 5 * 100
            with Operator(settings) as op:
                times = round_trips(op, "bench-site/bench-unit", "skip", COMMANDS)
        finally:
            agent.stop()
        daemon_times = daemon_round_trips(broker.port, Path(tmp))
    results.update(
        commands=COMMANDS,
        **summary("round_trip_", times),
        target_p99_ms=20,
        agent_idle_cpu_percent=round(idle_cpu, 2),
        daemon_commands=DAEMON_COMMANDS,
        **summary("daemon_round_trip_", daemon_times),
    )
    return results
