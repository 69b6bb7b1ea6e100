"""Fleet fixtures: a real mosquitto on a free loopback port, a fake show for in-process
agents, and a small MQTT client that records what it sees."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from tests.onair.conftest import wait_for

from livehost.config.mqtt import MqttConfig
from livehost.devservers import Server, mosquitto
from livehost.fleet.agent import FleetAgent
from livehost.fleet.connection import BrokerSettings, make_client
from livehost.fleet.handler import CommandHandler, Refused
from livehost.fleet.idstore import IdStore
from livehost.fleet.messages import Event, ScheduleState, State, Telemetry
from livehost.fleet.topics import UnitTopics


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Server]:
    with mosquitto(tmp_path / "mosquitto").start() as server:
        yield server


class FakeControl:
    """Records what commands asked for; refuses what the real show would refuse."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.products = {"kettle", "mug"}

    def _log(self, *call: object) -> dict:
        self.calls.append(call)
        return {"call": call[0]}

    def pause(self, mode: str) -> dict:
        return self._log("pause", mode)

    def resume(self) -> dict:
        return self._log("resume")

    def skip(self) -> dict:
        return self._log("skip")

    def say(self, text: str, priority: int) -> dict:
        return self._log("say", text, priority)

    def pin(self, product: str | None) -> dict:
        if product is not None and product not in self.products:
            raise Refused(f"no product '{product}'")
        return self._log("pin", product)

    def push_schedule(self, text: str) -> dict:
        return self._log("push_schedule", len(text))

    def push_scripts(self, file_name: str, text: str) -> dict:
        return self._log("push_scripts", file_name, len(text))

    def reload(self) -> dict:
        return self._log("reload")

    def stream(self, action: str, output: str | None) -> dict:
        return self._log("stream", action, output)

    def questions(self) -> dict:
        return self._log("questions") | {"questions": {}}

    def restart(self) -> dict:
        return self._log("restart")

    def takeover(self, mode: str, by: str, minutes: float | None) -> dict:
        return self._log("takeover", mode, by, minutes)


class FakeSource:
    """A show's reports without a show: state fields tests can change."""

    def __init__(self, unit: str = "unit-a", site: str = "site-1") -> None:
        self.unit, self.site = unit, site
        self.product_id: str | None = "kettle"
        self.pending: list[Event] = []

    def state(self) -> State:
        return State(
            ts=time.time(),
            unit=self.unit,
            site=self.site,
            on_air=True,
            why="on air",
            display="show",
            paused=None,
            pinned=None,
            streaming=True,
            slot="Morning",
            product_id=self.product_id,
            schedule=ScheduleState(version=1, hash="abc", loaded_at=None),
            software={"livehost": "test"},
            engines={},
            outputs=[],
        )

    def telemetry(
        self, mqtt_reconnects: int, telemetry_dropped: int, commands: int, busy: int = 0
    ) -> Telemetry:
        return Telemetry(
            ts=time.time(),
            uptime=1.0,
            fps=25.0,
            late_frames=0,
            upstream_late_seconds=0.0,
            bitrate_kbps=None,
            rtmp_reconnects=0,
            dropped_ticks=0,
            speech_rtf=None,
            cpu_percent=None,
            rss_mb=None,
            temperatures={"cpu": 40.0},
            power_watts={},
            mqtt_reconnects=mqtt_reconnects,
            telemetry_dropped=telemetry_dropped,
            commands=commands,
            busy=busy,
        )

    def changes(self) -> list[Event]:
        out, self.pending = self.pending, []
        return out


def make_agent(
    port: int,
    tmp: Path,
    unit: str = "unit-a",
    site: str = "site-1",
    settings: BrokerSettings | None = None,
    **config: object,
) -> tuple[FleetAgent, FakeControl, FakeSource]:
    control, source = FakeControl(), FakeSource(unit, site)
    handler = CommandHandler(control, IdStore(tmp / f"{unit}-ids.json"), unit, site)
    options = {"telemetry_seconds": 1.0, **config}
    agent = FleetAgent(
        settings or BrokerSettings("127.0.0.1", port),
        UnitTopics(site, unit),
        MqttConfig.model_validate(options),
        source,
        handler,
    )
    return agent, control, source


class Recorder:
    """An MQTT 5 client that keeps every message it receives, in order."""

    def __init__(self, port: int, filters: list[str], settings: BrokerSettings | None = None):
        self.messages: list[mqtt.MQTTMessage] = []
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = make_client(
            f"recorder-{id(self)}", settings or BrokerSettings("127.0.0.1", port)
        )
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_connect = lambda c, *a: c.subscribe([(f, 1) for f in filters])
        self.client.connect(
            (settings.host if settings else "127.0.0.1"), settings.port if settings else port
        )
        self.client.loop_start()
        assert self.subscribed.wait(5), "the recorder could not subscribe"

    def _on_message(self, client, userdata, message) -> None:
        with self.lock:
            self.messages.append(message)

    def on(self, topic: str) -> list[mqtt.MQTTMessage]:
        with self.lock:
            return [m for m in self.messages if m.topic == topic]

    def payloads(self, topic: str) -> list[str]:
        return [m.payload.decode("utf-8", "replace") for m in self.on(topic)]

    def json(self, topic: str) -> list[dict]:
        return [json.loads(m.payload) for m in self.on(topic)]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


wait_until = wait_for  # one waiting helper for every suite
