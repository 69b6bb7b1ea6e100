"""The operator's side of the contract: read the fleet from retained messages, send a
command to a unit or a group and gather each unit's ack. Used by `livehostctl`, the
tests and the benchmark.

An ack counts only when it comes on the ack topic of the unit it names
(`livehost/SITE/UNIT/ack`), which the shipped ACL lets no other unit write: a unit that
reads a group command cannot answer it for a hung neighbour. So no command names a
reply topic (any unit could write ours, and a unit acks only on its own ack topic); the
unit echoes the command's MQTT 5 correlation data there.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from livehost.fleet.connection import BrokerSettings, make_client
from livehost.fleet.topics import (
    ACKS,
    ALL,
    ROOT,
    ack_sender,
    addresses,
    split_unit_topic,
    target_topic,
)

SETTLE = 0.3  # seconds without a new retained message: the picture is complete


@dataclass
class UnitView:
    site: str
    unit: str
    availability: str = "unknown"
    state: dict = field(default_factory=dict)
    telemetry: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.site}/{self.unit}"


class NotConnected(ConnectionError):
    pass


class Operator:
    def __init__(self, settings: BrokerSettings, timeout: float = 5.0) -> None:
        self.client_id = f"livehostctl-{uuid.uuid4().hex[:12]}"
        self.client = make_client(self.client_id, settings)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[mqtt.MQTTMessage], None]] = []
        self._subacks: dict[int, threading.Event] = {}
        self._connected = threading.Event()
        self._refused: str | None = None
        self._acks_subscribed = False
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.connect(settings.host, settings.port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(timeout) or self._refused:
            self.close()
            raise NotConnected(self._refused or f"no answer from {settings.url} in {timeout} s")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def __enter__(self) -> Operator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- paho callbacks (paho's thread) ---

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._refused = f"the broker refused us: {reason_code}"
        self._connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        with self._lock:
            event = self._subacks.pop(mid, None)
        if event is not None:
            event.set()

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        for listener in list(self._listeners):
            listener(message)

    # --- building blocks ---

    def subscribe(self, filters: list[str], timeout: float = 5.0) -> None:
        """Subscribe and wait for the SUBACK (retained messages follow it)."""
        event = threading.Event()
        with self._lock:
            result, mid = self.client.subscribe([(f, 1) for f in filters])
            if result != mqtt.MQTT_ERR_SUCCESS:
                raise NotConnected(f"subscribe failed: {mqtt.error_string(result)}")
            self._subacks[mid] = event
        if not event.wait(timeout):
            raise NotConnected("no SUBACK from the broker")

    def listen(self, listener: Callable[[mqtt.MQTTMessage], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # --- the fleet from retained messages ---

    def fleet(self, wait: float = 3.0, settle: float = SETTLE) -> dict[str, UnitView]:
        units: dict[str, UnitView] = {}
        last = [time.monotonic()]
        lock = threading.Lock()  # paho's thread fills `units`

        def take(message: mqtt.MQTTMessage) -> None:
            with lock:
                if update(units, message):
                    last[0] = time.monotonic()

        stop = self.listen(take)
        try:
            leaves = ("availability", "state", "telemetry")
            self.subscribe([f"{ROOT}/+/+/{leaf}" for leaf in leaves])
            last[0] = time.monotonic()
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and time.monotonic() - last[0] < settle:
                time.sleep(0.02)
        finally:
            stop()
            self.client.unsubscribe([f"{ROOT}/+/+/{leaf}" for leaf in leaves])
        with lock:
            return dict(sorted(units.items()))

    def resolve(self, target: str, units: dict[str, UnitView]) -> tuple[str, set[str]]:
        """(topic target, expected responders) for `all`, `SITE/all`, `SITE/UNIT`, `UNIT`."""
        online = {name for name, u in units.items() if u.availability == "online"}
        if target == ALL:
            return ALL, online
        if "/" in target:
            site, _, unit = target.partition("/")
            if unit == ALL:
                return target, {n for n in online if n.startswith(f"{site}/")}
            return target, {target}
        matches = [name for name, u in units.items() if u.unit == target]
        if len(matches) != 1:
            raise LookupError(
                f"unit '{target}' is not known to the broker"
                if not matches
                else f"unit '{target}' is in several sites: {', '.join(matches)}; say SITE/UNIT"
            )
        return matches[0], {matches[0]}

    # --- commands ---

    def send(
        self,
        target: str,
        command: str,
        args: dict | None = None,
        expected: set[str] | None = None,
        timeout: float = 5.0,
        command_id: str | None = None,
        expires_in: float | None = None,
        raw: bytes | None = None,
    ) -> dict[str, dict]:
        """Publish one command (QoS 1, MQTT 5 correlation data) and return the acks by
        SITE/UNIT, waiting until every expected unit answered or `timeout`. Without
        `expected`, the first ack ends the wait. An ack is matched by its correlation
        data where the unit echoes it (every current unit does), else by its id: from
        an older unit, the ack of a `raw` command whose id cannot be read is not
        recognised."""
        command_id = command_id or uuid.uuid4().hex[:16]
        body = {"id": command_id, **(args or {})}
        if expires_in is not None:
            body["expires"] = time.time() + expires_in
        payload = raw if raw is not None else json.dumps(body).encode()
        acks: dict[str, dict] = {}
        done = threading.Event()
        correlation = command_id.encode()

        def take(message: mqtt.MQTTMessage) -> None:
            unit = ack_sender(message.topic)
            if unit is None or not addresses(target, unit):
                return
            try:
                ack = json.loads(message.payload)
            except ValueError:
                return
            if not isinstance(ack, dict) or f"{ack.get('site')}/{ack.get('unit')}" != unit:
                return  # names another unit than the topic it came on: forged
            got = getattr(message.properties, "CorrelationData", None)
            ours = got == correlation if got is not None else ack.get("id") == command_id
            if not ours:
                return  # another command's (or another operator's) ack
            acks[unit] = ack
            if expected is None or expected <= set(acks):
                done.set()

        stop = self.listen(take)
        try:
            if not self._acks_subscribed:
                self.subscribe([ACKS])  # once: a SUBACK per command costs a trip
                self._acks_subscribed = True
            props = Properties(PacketTypes.PUBLISH)
            props.CorrelationData = correlation  # echoed on the unit's own ack topic
            info = self.client.publish(
                target_topic(target, command), payload, qos=1, properties=props
            )
            info.wait_for_publish(timeout)
            if expected is None or expected:
                done.wait(timeout)
        finally:
            stop()
        return acks

    def command(self, target: str, command: str, args: dict | None = None, **kw) -> dict:
        """One unit's ack for one command (SITE/UNIT target); raises TimeoutError."""
        acks = self.send(target, command, args, expected={target}, **kw)
        if target not in acks:
            raise TimeoutError(f"no ack from {target} for {command}")
        return acks[target]


def update(units: dict[str, UnitView], message: mqtt.MQTTMessage) -> bool:
    """Fold one availability/state/telemetry message into the view; False if foreign."""
    parsed = split_unit_topic(message.topic)
    if parsed is None:
        return False
    site, unit, leaf = parsed
    view = units.setdefault(f"{site}/{unit}", UnitView(site, unit))
    if leaf == "availability":
        view.availability = message.payload.decode("utf-8", "replace")
    elif leaf in ("state", "telemetry"):
        try:
            data = json.loads(message.payload)
        except ValueError:
            return True
        if isinstance(data, dict):
            setattr(view, leaf, data)
    return True
