"""The unit's MQTT agent: availability, state, telemetry, snapshots, events, commands.

One thread owns the paho client's network loop and periodic publishing, so the media
path never waits on the broker; commands run in arrival order on a worker thread, which
only publishes (acks, the state after a stateful command, snapshots): what both threads
publish is serialised where order matters (the retained state). At stop, every command
already taken from the broker runs and is acked before the unit says goodbye.
Reconnects use a jittered backoff capped at `reconnect_max_seconds`; a persistent MQTT 5
session (session expiry) keeps commands sent while the unit was away. While
disconnected, telemetry is dropped and counted; on every connect the state goes out
first, then `online`.

Two units configured with one unit id share one client id, and each connect takes the
other's session: the agent recognises that (MQTT 5 reason 142, or the broker closing
the connection right after each connect, as mosquitto 2.0 does without a reason), says
so once, flags it in the state and backs off from 1 s up to TAKEOVER_MAX_SECONDS.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import ssl
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from livehost.config.mqtt import MqttConfig
from livehost.fleet import discovery
from livehost.fleet.commands import MAX_SCHEDULE_BYTES
from livehost.fleet.connection import BrokerSettings, make_client
from livehost.fleet.handler import CommandHandler
from livehost.fleet.messages import Ack, Event, State, Telemetry
from livehost.fleet.snapshot import i420_to_full_jpeg, i420_to_jpeg
from livehost.fleet.topics import UnitTopics, command_name

if TYPE_CHECKING:
    from livehost.config.device import LoadedConfig
    from livehost.frontdoor import FrontDoor

log = logging.getLogger(__name__)

LOOP_STEP = 0.05  # seconds the network loop waits for traffic before periodic work
CHANGE_EVERY = 0.5  # seconds between looks for state changes and events
BACKOFF_FIRST = 0.1
CONNECT_TIMEOUT = 1.0  # seconds for TCP (and TLS) to connect
SESSION_TAKEN_OVER = 142  # MQTT 5 DISCONNECT reason: another client took our client id
TAKEOVER_FIRST = 1.0  # seconds before reconnecting after the first takeover of a burst
TAKEOVER_MAX_SECONDS = 30.0  # cap (or reconnect_max_seconds if higher): flap slowly
STABLE_SECONDS = 10.0  # a connection lasting this long (and 2x the delay) ends a burst
EARLY_LOSSES = 2  # broker-closed connections in a row, each short, that mean a takeover
# Made once per process: two processes behind one unit id show two boot ids.
BOOT_ID = uuid.uuid4().hex[:12]
QUEUED_EVENTS = 100  # events kept while disconnected (newest win)
TELEMETRY_LIFETIMES = 3  # retained telemetry expires after this many intervals
# Commands that change what `state` shows: state goes out right after their ack.
# Commands waiting to run: the network thread only queues them, so the broker's queue
# for this unit never overflows (a flood of 2,000 in 4 s lost hundreds without an ack
# while each ran in turn on the network thread); beyond this many, each gets a `busy` ack.
COMMAND_QUEUE = 100
# At stop, the commands already queued (PUBACKed: the broker never sends them again) get
# this long to run and be acked before the goodbye; the daemon's stop leaves 1.5 s in all.
FINISH_SECONDS = 0.5
STATEFUL = {"pause", "resume", "skip", "pin", "unpin", "push_schedule", "reload", "stream"}


class Source(Protocol):
    """What the agent reports on (livehost.fleet.report.ShowReport for a running show)."""

    def state(self) -> State: ...
    def telemetry(
        self, mqtt_reconnects: int, telemetry_dropped: int, commands: int, busy: int = 0
    ) -> Telemetry: ...
    def changes(self) -> list[Event]: ...


class FleetAgent:
    def __init__(
        self,
        settings: BrokerSettings,
        topics: UnitTopics,
        config: MqttConfig,
        source: Source,
        handler: CommandHandler,
        frame: Callable[[], np.ndarray | None] = lambda: None,
        audience: Callable[[bytes], None] | None = None,
    ) -> None:
        self.settings = settings
        self.topics = topics
        self.config = config
        self.source = source
        self.handler = handler
        self.frame = frame
        self.audience = audience  # the show's audience desk (offer() never blocks)
        handler.snapshot = self.snapshot_now
        self.connected = threading.Event()
        self.connects = 0
        self.reconnects = 0
        self.telemetry_dropped = 0
        self.snapshots = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fleet-agent", daemon=True)
        self._commands: queue.Queue[mqtt.MQTTMessage | None] = queue.Queue(COMMAND_QUEUE)
        self._worker = threading.Thread(
            target=self._run_commands, name="fleet-commands", daemon=True
        )
        self.busy = 0  # commands answered `busy` (the queue was full, or stopping)
        self._events: deque[Event] = deque(maxlen=QUEUED_EVENTS)
        # the worker (after a stateful command) and the network thread both publish the
        # state: without the lock an older state could go out after a newer one, retained
        self._state_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()  # snapshot_now runs on both threads too
        self._last_state: str | None = None
        # exact topics: a command named `audience` (.../cmd/audience) is still a command
        self._audience_topics = set(topics.audience_filters())
        self._retained_seen: set[str] = set()  # command topics a retained message was on
        self._state_after_connect = False
        self._socket_open = False
        self._ever_opened = False  # after the first attempt, reconnect() with backoff
        self._backoff = BACKOFF_FIRST
        self._retry_at: float | None = None  # monotonic time of the next connect attempt
        self._last_problem: str | None = None
        self.boot_id = BOOT_ID
        self.takeovers = 0  # times another client took this unit's session
        self.last_takeover: float | None = None  # wall clock of the latest
        self.duplicate_id = ""  # plain words for the state while a burst lasts
        self._takeover_delay = 0.0  # 0: not in a takeover burst
        self._early_losses = 0
        self._connected_at: float | None = None
        self.client = make_client(f"livehost-{topics.unit}", settings)
        # a blackholed broker must not hold a SIGTERM past the daemon's two seconds
        self.client.connect_timeout = CONNECT_TIMEOUT
        self.client.will_set(topics.availability, "offline", qos=1, retain=True)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    @classmethod
    def for_show(cls, door: FrontDoor, loaded: LoadedConfig, url: str) -> FleetAgent:
        from livehost.config.secrets import SecretMissing, read_secret
        from livehost.fleet.idstore import IdStore
        from livehost.fleet.report import ShowReport
        from livehost.fleet.snapshot import FrameTap

        mq = loaded.config.mqtt
        secrets = loaded.resolve(loaded.config.paths.secrets)

        def secret(name: str | None) -> str | None:
            if not name:
                return None
            try:
                return read_secret(name, secrets)
            except SecretMissing as exc:
                log.error("fleet: %s; connecting without it", exc)
                return None

        settings = BrokerSettings.from_url(
            url,
            username=mq.username,
            password=secret(mq.password_secret),
            ca_file=str(loaded.resolve(mq.ca_file)) if mq.ca_file else None,
            cert_file=str(loaded.resolve(mq.cert_file)) if mq.cert_file else None,
            key_file=secret(mq.key_secret),
        )
        unit = loaded.config.unit
        handler = CommandHandler(
            door, IdStore.in_state_dir(door.schedules.state_dir), unit.id, unit.site
        )
        tap = FrameTap()
        door.add_sink(tap)  # a reference per tick; converted only when due
        return cls(
            settings,
            UnitTopics(unit.site, unit.id),
            mq,
            ShowReport(door, unit.id, unit.site),
            handler,
            lambda: tap.video,
            audience=door.audience.offer if door.audience is not None else None,
        )

    # --- control ---

    def start(self) -> None:
        if self.topics.unit == "all":  # `all` addresses a group; a unit cannot be called so
            log.error("fleet: the unit id 'all' is reserved; the MQTT agent stays off")
            return
        log.info("fleet: connecting to %s as %s", self.settings.url, self.topics.base)
        self._worker.start()
        self._thread.start()

    def stop(self, timeout: float = 1.5) -> None:
        """Run and ack the commands already queued, say `stopped` (retained), disconnect
        cleanly (no last will), end the threads."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # --- the agent thread ---

    def _run(self) -> None:
        now = time.monotonic()
        next_change = now
        next_telemetry = now + min(self.config.telemetry_seconds, 2.0)
        next_snapshot = now + min(self.config.snapshot_seconds, 5.0)
        while not self._stop.is_set():
            if not self._socket_open:
                self._maybe_open()
            if self._socket_open:
                self._network()
                self._check_stable()
            # periodic work goes on while away: events queue up, telemetry is counted
            now = time.monotonic()
            try:
                if self._state_after_connect and self.connected.is_set():
                    self._state_after_connect = False  # see _on_connect
                    self._publish_state(force=True)
                if now >= next_change:
                    next_change = now + CHANGE_EVERY
                    self._look_for_changes()
                if now >= next_telemetry:
                    next_telemetry = now + self.config.telemetry_seconds
                    self._publish_telemetry()
                if now >= next_snapshot:
                    next_snapshot = now + self.config.snapshot_seconds
                    if self.connected.is_set():
                        self.snapshot_now()
            except Exception:  # reporting must never end the agent
                log.exception("fleet: periodic publishing failed")
        self._finish_commands()
        self._goodbye()

    def _finish_commands(self) -> None:
        """Let the worker run (and ack) every command queued so far, then end it. The
        network loop goes on meanwhile so the acks go out; what arrives now is answered
        `busy` by _on_message, so nothing lands behind the sentinel unanswered."""
        if not self._worker.is_alive():
            return
        deadline = time.monotonic() + FINISH_SECONDS
        ended = False
        while self._worker.is_alive() and time.monotonic() < deadline:
            if not ended:
                try:
                    self._commands.put_nowait(None)  # after the last queued command
                    ended = True
                except queue.Full:
                    pass  # the worker is taking them: room comes soon
            if self._socket_open:
                self._network()
            else:
                self._worker.join(LOOP_STEP)
        if self._worker.is_alive():
            log.warning(
                "fleet: %d commands still waiting at stop; they are not acked",
                self._commands.qsize() - ended,
            )

    def _network(self) -> None:
        """One pass of paho's loop: read, write, keepalive (waits up to LOOP_STEP)."""
        try:
            looped = self.client.loop(timeout=LOOP_STEP)
        except (OSError, ssl.SSLError) as exc:
            log.warning("fleet: connection lost: %s", exc)
            looped = mqtt.MQTT_ERR_CONN_LOST
        if looped != mqtt.MQTT_ERR_SUCCESS:
            self._socket_open = False
            self.connected.clear()

    def _maybe_open(self) -> None:
        """Connect when the retry is due; meanwhile wait a loop step, so periodic work
        (queueing events, counting dropped telemetry) goes on during a long backoff."""
        now = time.monotonic()
        if self._ever_opened and self._retry_at is None:
            # every retry waits (a refused login must not spin); jitter: no herd
            delay = random.uniform(0.5, 1.0) * self._backoff
            self._backoff = min(self._backoff * 2, self.config.reconnect_max_seconds)
            if self._takeover_delay:
                delay = max(delay, random.uniform(0.8, 1.0) * self._takeover_delay)
            self._retry_at = now + delay
        if self._retry_at is not None and now < self._retry_at:
            self._stop.wait(min(LOOP_STEP, self._retry_at - now))
            return
        self._retry_at = None
        if not self._stop.is_set():
            self._open()

    def _stable_after(self) -> float:
        """Seconds a connection must last to count as normal (not taken over at once)."""
        return max(STABLE_SECONDS, 2 * self._takeover_delay)

    def _check_stable(self) -> None:
        """A connection that lasts ends a takeover burst: the unit id looks unique again."""
        if self._connected_at is None or not (self._early_losses or self._takeover_delay):
            return
        lasted = time.monotonic() - self._connected_at
        if lasted < self._stable_after():
            return
        if self._takeover_delay:
            log.info("fleet: no other client took the session for %.0f s; carrying on", lasted)
        self._early_losses = 0
        self._takeover_delay = 0.0
        self.duplicate_id = ""

    def _open(self) -> bool:
        """Open the socket and send CONNECT; the CONNACK arrives in the loop."""
        try:
            if self._ever_opened:
                self.client.reconnect()
            else:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = self.config.session_expiry_seconds
                props.MaximumPacketSize = MAX_SCHEDULE_BYTES + 64 * 1024
                self._ever_opened = True
                self.client.connect(
                    self.settings.host,
                    self.settings.port,
                    keepalive=self.config.keepalive_seconds,
                    clean_start=False,
                    properties=props,
                )
        except (OSError, ssl.SSLError, ValueError) as exc:
            self._complain(f"broker {self.settings.url} unreachable: {exc}")
            return False
        self._socket_open = True
        return True

    def _complain(self, problem: str) -> None:
        """Log a connection problem once (a retry every 2 s must not flood the journal)."""
        if problem != self._last_problem:
            log.warning("fleet: %s; retrying", problem)
            self._last_problem = problem
        else:
            log.debug("fleet: %s", problem)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._complain(f"broker refused the connection: {reason_code}")
            return
        self._last_problem = None
        self._backoff = BACKOFF_FIRST  # a takeover burst has its own delay (_check_stable)
        self._connected_at = time.monotonic()
        self.connects += 1
        if self.connects > 1:
            self.reconnects += 1
        log.info(
            "fleet: connected to %s (session present: %s)", self.settings.url, flags.session_present
        )
        # no local: the unit's own clearing of a retained command never comes back to it
        options = SubscribeOptions(qos=1, noLocal=True)
        client.subscribe([(f, options) for f in self.topics.command_filters()])
        if self.config.home_assistant:
            client.subscribe(self.topics.ha_command("+"), options=options)
        if self.audience is not None:
            # QoS 0: comments from while the unit was away are stale; let none queue up
            client.subscribe([(f, 0) for f in self.topics.audience_filters()])
        # paho re-sends what was in flight when the link went *after* this callback: a
        # state from before the loss would land last and stay retained, so the state is
        # published again once this pass of the network loop is done (in _run)
        self._state_after_connect = True
        try:
            self._publish_state(force=True)
        except Exception:  # never stay silent about availability because of a report bug
            log.exception("fleet: building the state failed")
        client.publish(self.topics.availability, "online", qos=1, retain=True)
        if self.config.home_assistant:
            for topic, payload in discovery.configs(self.topics, self.config.discovery_prefix):
                client.publish(topic, json.dumps(payload), qos=1, retain=True)
        self.connected.set()
        while self._events:
            self._publish_event(self._events.popleft())

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        lasted = None if self._connected_at is None else time.monotonic() - self._connected_at
        self._connected_at = None
        taken = getattr(reason_code, "value", None) == SESSION_TAKEN_OVER
        if lasted is not None and not self._stop.is_set():
            # mosquitto 2.0 closes a taken-over connection without a DISCONNECT: a second
            # short-lived connection in a row, closed by the broker, reads the same
            from_broker = getattr(flags, "is_disconnect_packet_from_server", False)
            if lasted < self._stable_after() and not from_broker:
                self._early_losses += 1
            elif not taken:
                self._early_losses = 0
            if taken or self._early_losses >= EARLY_LOSSES:
                self._taken_over(certain=taken)
            elif self.connected.is_set():
                log.warning("fleet: disconnected from the broker (%s); reconnecting", reason_code)
        self.connected.clear()
        self._socket_open = False

    def _taken_over(self, certain: bool) -> None:
        """Another client connected with our client id: say so once per burst, flag it in
        the state and back off (doubling) so the two do not flap many times a second."""
        self.takeovers += 1
        self.last_takeover = time.time()
        client_id = f"livehost-{self.topics.unit}"
        unit = self.topics.unit
        how = "connected as" if certain else "seems to be connected as"
        self.duplicate_id = (
            f"another client {how} {client_id} ({self.takeovers}x, last "
            f"{time.strftime('%H:%M:%S', time.gmtime(self.last_takeover))} UTC)"
        )
        cap = max(TAKEOVER_MAX_SECONDS, self.config.reconnect_max_seconds)
        first = not self._takeover_delay
        self._takeover_delay = min(max(self._takeover_delay * 2, TAKEOVER_FIRST), cap)
        if first:
            log.warning(
                "fleet: another client %s %s: two units may share the unit id '%s'; "
                "backing off (up to %.0f s between connects)",
                how,
                client_id,
                unit,
                cap,
            )
        else:
            log.debug("fleet: session taken over again; retry in %.0f s", self._takeover_delay)

    # --- commands ---

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        try:
            if self.audience is not None and message.topic in self._audience_topics:
                if not message.retain:  # a retained comment is stale by definition
                    self.audience(message.payload)
                return
            if message.retain:
                self._retained_command(client, message)
                return
            if self._stop.is_set():
                # the worker is finishing: queued now, it would never run nor be acked
                self._refuse_busy(client, message, stopping=True)
                return
            try:
                self._commands.put_nowait(message)  # run by the worker, in arrival order
            except queue.Full:
                self._refuse_busy(client, message)
        except Exception:  # a paho callback that raises would end the agent's loop
            log.exception("fleet: handling a message on %s failed", message.topic)

    def _run_commands(self) -> None:
        # to the sentinel, also after stop(): each queued command was PUBACKed already
        while True:
            message = self._commands.get()
            if message is None:
                return
            try:
                self._command(self.client, message)
            except Exception:  # one command must not end the worker
                log.exception("fleet: handling a message on %s failed", message.topic)

    def _refuse_busy(
        self, client: mqtt.Client, message: mqtt.MQTTMessage, stopping: bool = False
    ) -> None:
        name = command_name(message.topic)
        if name is None:  # Home Assistant's entity topics: dropped, HA sends state again
            return
        self.busy += 1
        if not stopping and (self.busy == 1 or self.busy % 100 == 0):
            log.warning(
                "fleet: %d commands waiting; answering busy (%d so far)", COMMAND_QUEUE, self.busy
            )
        ack = self.handler.busy(name, message.payload, COMMAND_QUEUE, stopping=stopping)
        self._publish_ack(client, message, ack)

    def _retained_command(self, client: mqtt.Client, message: mqtt.MQTTMessage) -> None:
        """Commands are never retained (docs/mqtt.md): one the broker kept (left by any
        client, or restored from a backup) would run again at every start. Ignored, said
        once per topic, and cleared where the unit's ACL lets it write there."""
        if message.topic not in self._retained_seen:
            self._retained_seen.add(message.topic)
            log.warning(
                "fleet: a retained message on %s is ignored (commands are never retained); "
                "clearing it",
                message.topic,
            )
        client.publish(message.topic, b"", qos=1, retain=True)

    def _command(self, client: mqtt.Client, message: mqtt.MQTTMessage) -> None:
        topic = message.topic
        ha_entity = discovery.ha_entity(self.topics, topic) if self.config.home_assistant else None
        if ha_entity is not None:
            name, payload = discovery.to_command(ha_entity, message.payload, f"ha-{uuid.uuid4()}")
            if name is None:
                return
        else:
            name, payload = command_name(topic), message.payload
            if name is None:
                return
        started = time.perf_counter()
        ack = self.handler.handle(name, payload)
        self._publish_ack(client, message, ack)
        log.debug(
            "fleet: %s %s -> %s in %.1f ms",
            name,
            ack.id,
            "ok" if ack.ok else ack.error,
            (time.perf_counter() - started) * 1000,
        )
        if not ack.duplicate and ack.id is not None:
            self._command_event(ack)
        if ack.ok and not ack.duplicate and name in STATEFUL:
            self._publish_state()

    def _publish_ack(self, client: mqtt.Client, message: mqtt.MQTTMessage, ack: Ack) -> None:
        """Always on the unit's own ack topic, the only one the shipped ACL lets it write
        (a response topic or `reply_to` elsewhere would be refused and the ack lost),
        with the command's MQTT 5 correlation data when it has some."""
        props = message.properties
        correlation = getattr(props, "CorrelationData", None) if props else None
        reply_props = None
        if correlation is not None:
            reply_props = Properties(PacketTypes.PUBLISH)
            reply_props.CorrelationData = correlation
        client.publish(self.topics.ack, ack.model_dump_json(), qos=1, properties=reply_props)

    def _command_event(self, ack: Ack) -> None:
        outcome = "ok" if ack.ok else f"{ack.error.code}: {ack.error.message}" if ack.error else ""
        self._publish_event(
            Event(
                ts=time.time(),
                kind="command",
                message=f"{ack.command} ({ack.id}): {outcome}",
                data={"id": ack.id, "command": ack.command, "ok": ack.ok},
            )
        )

    def snapshot_now(self, full: bool = False) -> dict:
        """Publish the current frame and say where; a command result. The thumbnail is
        retained; a `full` frame is not (the retained one stays small for status tools)."""
        video = self.frame()
        if video is None:
            return {"published": False, "reason": "no frame yet"}
        if full:
            jpeg, (width, height) = i420_to_full_jpeg(video)
            with self._snapshot_lock:
                self.client.publish(self.topics.snapshot, jpeg, qos=0, retain=False)
                self.snapshots += 1
            return {
                "published": True,
                "topic": self.topics.snapshot,
                "bytes": len(jpeg),
                "width": width,
                "height": height,
            }
        jpeg = i420_to_jpeg(video)  # encoded outside the lock: the network thread waits less
        with self._snapshot_lock:
            self.client.publish(self.topics.snapshot, jpeg, qos=0, retain=True)
            self.snapshots += 1
        return {"published": True, "topic": self.topics.snapshot, "bytes": len(jpeg)}

    # --- publishing ---

    def _publish_state(self, force: bool = False) -> None:
        """The state, if it changed (`force`: anyway, after a connect). Built, compared
        and handed to paho under one lock, so the two threads publish states in the
        order they built them and the retained one is the newest."""
        with self._state_lock:
            state = self.source.state().model_copy(
                update={"boot_id": self.boot_id, "duplicate_id": self.duplicate_id}
            )
            body = state.model_dump_json(exclude={"ts"})
            if body == self._last_state and not force:
                return
            self._last_state = body
            self.client.publish(self.topics.state, state.model_dump_json(), qos=1, retain=True)

    def _look_for_changes(self) -> None:
        for event in self.source.changes():
            if self.connected.is_set():
                self._publish_event(event)
            else:
                self._events.append(event)
        if self.connected.is_set():
            self._publish_state()

    def _publish_event(self, event: Event) -> None:
        self.client.publish(self.topics.events, event.model_dump_json(), qos=1)

    def _publish_telemetry(self) -> None:
        if not self.connected.is_set():
            self.telemetry_dropped += 1  # stale telemetry is worthless: drop, do not queue
            return
        telemetry = self.source.telemetry(
            self.reconnects, self.telemetry_dropped, self.handler.executed, busy=self.busy
        )
        # retained for a status table, but not forever: a dead unit shows no stale numbers
        props = Properties(PacketTypes.PUBLISH)
        props.MessageExpiryInterval = round(TELEMETRY_LIFETIMES * self.config.telemetry_seconds)
        self.client.publish(
            self.topics.telemetry, telemetry.model_dump_json(), qos=0, retain=True, properties=props
        )

    def _goodbye(self) -> None:
        if not self.connected.is_set():
            return
        info = self.client.publish(self.topics.availability, "stopped", qos=1, retain=True)
        deadline = time.monotonic() + 1.0
        while not info.is_published() and time.monotonic() < deadline:
            if self.client.loop(timeout=LOOP_STEP) != mqtt.MQTT_ERR_SUCCESS:
                break
        self.client.disconnect()  # reason 0: the broker drops the last will
        self.client.loop(timeout=LOOP_STEP)
        self.connected.clear()
        log.info("fleet: disconnected (stopped)")


def start_for_show(door: FrontDoor, loaded: LoadedConfig, url: str) -> Callable[[], None]:
    """Start the agent for a running show; return its stop. A fleet problem (a bad
    certificate path, say) is logged and the show goes on without the agent."""
    try:
        agent = FleetAgent.for_show(door, loaded, url)
        agent.start()
    except Exception:
        log.exception("fleet: the MQTT agent cannot start; running without it")
        return lambda: None
    return agent.stop

