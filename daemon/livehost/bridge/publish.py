"""The MQTT side of a bridge: validated audience events to one topic, QoS 1, not retained.

`livehost/<site>/<unit>/audience` for one unit, `livehost/<site>/all/audience` for every
unit of a site. Each candidate event is written as JSON and read with the unit's own
parser (livehost.audience.events, the contract) before it is queued: what fails is
dropped and counted (logged at debug with the reason, never the text).

While the broker is away events wait in a bounded queue (`buffer` events, the oldest
dropped first when it is full: on a live show a new comment is worth more than an old
one). Up to `inflight` events are handed to paho at a time; paho keeps those until the
broker's PUBACK and sends them again after a reconnect, so an event can arrive twice
(the unit drops repeats by id) but is not lost while it waits, unless the queue
overflows or the bridge stops before the broker is back. paho reconnects on its own,
1 s after a drop and doubling up to 30 s.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from livehost.audience.events import AudienceEvent, EventRefused, parse_event
from livehost.fleet.connection import BrokerSettings, make_client
from livehost.fleet.topics import ALL, ROOT

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # site and unit ids (livehost.config.unit)


def audience_topic(target: str) -> str:
    """`SITE/UNIT` or `SITE/all` -> its audience topic."""
    site, _, unit = target.partition("/")
    if not _NAME.match(site) or not (unit == ALL or _NAME.match(unit)):
        raise ValueError(f"target '{target}' is not SITE/UNIT or SITE/all")
    return f"{ROOT}/{site}/{unit}/audience"


def validate(candidate: dict) -> tuple[AudienceEvent, bytes]:
    """The event and its JSON, as the unit will read it; EventRefused if it would not.
    The bytes checked are the bytes sent: the unit's own parser (size cap included) reads
    the payload once, here."""
    try:
        payload = json.dumps(candidate, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # NaN, or a value JSON has no form for
        raise EventRefused(f"not JSON: {type(exc).__name__}") from None
    return parse_event(payload), payload


@dataclass
class PublishStats:
    offered: int = 0
    invalid: int = 0
    overflow: int = 0  # dropped because the queue was full
    published: int = 0  # acknowledged by the broker
    refused: int = 0  # PUBACK with a failure reason (the broker's ACL, say)
    connects: int = 0
    disconnects: int = 0


class AudiencePublisher:
    def __init__(
        self,
        settings: BrokerSettings,
        topic: str,
        *,
        client_id: str | None = None,
        buffer: int = 1000,
        inflight: int = 20,
        keepalive: int = 30,
        reconnect: tuple[int, int] = (1, 30),
    ) -> None:
        if buffer < 1 or inflight < 1:
            raise ValueError("buffer and inflight must be at least 1")
        self.settings = settings
        self.topic = topic
        self.client_id = client_id or f"livehost-bridge-{secrets.token_hex(4)}"
        self.keepalive = keepalive
        self.inflight_max = inflight
        self.stats = PublishStats()
        self._queue: deque[bytes] = deque()
        self._buffer = buffer
        self._inflight = 0
        self._connected = False
        self._lock = threading.Lock()
        self._client = make_client(self.client_id, settings)
        # paho must never refuse or queue beyond what we hand it
        self._client.max_inflight_messages_set(inflight)
        self._client.max_queued_messages_set(0)
        self._client.reconnect_delay_set(*reconnect)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._started = False

    # -- state ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def inflight(self) -> int:
        with self._lock:
            return self._inflight

    # -- life ----------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; events offered before the broker answers wait."""
        self._client.connect_async(self.settings.host, self.settings.port, self.keepalive)
        self._client.loop_start()
        self._started = True

    def stop(self, flush_timeout: float = 3.0) -> None:
        """Give what is queued `flush_timeout` seconds to reach the broker, then close."""
        if not self._started:
            return
        deadline = time.monotonic() + flush_timeout
        while time.monotonic() < deadline and self._connected and (self.queued or self.inflight):
            time.sleep(0.05)
        left = self.queued + self.inflight
        if left:
            log.warning("MQTT: %d audience events not delivered at stop", left)
        self._client.disconnect()
        self._client.loop_stop()
        self._started = False

    # -- events --------------------------------------------------------------------------

    def offer(self, candidate: dict) -> bool:
        """Validate and queue one event; False if it was dropped as invalid."""
        self.stats.offered += 1
        try:
            _, payload = validate(candidate)
        except EventRefused as exc:
            self.stats.invalid += 1
            log.debug("dropped a %s event that does not validate: %s", candidate.get("type"), exc)
            return False
        with self._lock:
            if len(self._queue) >= self._buffer:
                self._queue.popleft()
                self.stats.overflow += 1
                if self.stats.overflow == 1 or self.stats.overflow % 100 == 0:
                    log.warning(
                        "MQTT: the event queue is full (%d); dropped %d oldest so far",
                        self._buffer,
                        self.stats.overflow,
                    )
            self._queue.append(payload)
        self._pump()
        return True

    def _pump(self) -> None:
        """Hand queued events to paho while connected and under the in-flight cap.

        Never holds our lock while calling paho: paho calls on_publish with its own lock
        held, and on_publish takes ours."""
        while True:
            with self._lock:
                if not self._connected or self._inflight >= self.inflight_max or not self._queue:
                    return
                payload = self._queue.popleft()
                self._inflight += 1
            self._client.publish(self.topic, payload, qos=1, retain=False)

    # -- paho callbacks (its network thread) ----------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("MQTT: %s refused the connection: %s", self.settings.url, reason_code)
            return
        self.stats.connects += 1
        log.info("MQTT: connected to %s; publishing to %s", self.settings.url, self.topic)
        with self._lock:
            self._connected = True
        self._pump()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._lock:
            was, self._connected = self._connected, False
        if was:
            self.stats.disconnects += 1
            log.warning(
                "MQTT: disconnected from %s (%s); buffering", self.settings.url, reason_code
            )

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        with self._lock:
            self._inflight = max(0, self._inflight - 1)
        if reason_code.is_failure:
            self.stats.refused += 1
            log.warning("MQTT: the broker refused an audience event: %s", reason_code)
        else:
            self.stats.published += 1
        self._pump()
