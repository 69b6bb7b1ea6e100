"""Home Assistant MQTT discovery: the unit as a device with an on-air switch, the current
product and fps as sensors, and a text entity that makes the host say something.

HA's plain payloads (ON/OFF, free text) arrive on `.../ha/<entity>/set` and are turned
into ordinary commands, so they pass the same validation and logging as the operator's.
"""

from __future__ import annotations

import json

from livehost import __version__
from livehost.fleet.topics import UnitTopics

SAY_PRIORITY = 5


def configs(topics: UnitTopics, prefix: str = "homeassistant") -> list[tuple[str, dict]]:
    """(topic, payload) of every discovery message; published retained on connect."""
    unit = topics.unit
    device = {
        "identifiers": [f"livehost_{unit}"],
        "name": f"livehost {unit}",
        "manufacturer": "livehost",
        "model": "AI livestream host",
        "sw_version": __version__,
        "suggested_area": topics.site,
    }
    availability = {
        "topic": topics.availability,
        "value_template": "{{ 'online' if value == 'online' else 'offline' }}",
    }

    def entity(component: str, key: str, name: str, **fields: object) -> tuple[str, dict]:
        payload = {
            "name": name,
            "unique_id": f"livehost_{unit}_{key}",
            "object_id": f"livehost_{unit}_{key}",
            "device": device,
            "availability": [availability],
            **fields,
        }
        return f"{prefix}/{component}/{unit}/{key}/config", payload

    return [
        entity(
            "switch",
            "on_air",
            "On air",
            command_topic=topics.ha_command("on_air"),
            state_topic=topics.state,
            value_template="{{ 'ON' if value_json.streaming else 'OFF' }}",
            payload_on="ON",
            payload_off="OFF",
            icon="mdi:broadcast",
        ),
        entity(
            "sensor",
            "product",
            "Current product",
            state_topic=topics.state,
            value_template="{{ value_json.product_id or 'none' }}",
            icon="mdi:tag",
        ),
        entity(
            "sensor",
            "fps",
            "Frames per second",
            state_topic=topics.telemetry,
            value_template="{{ value_json.fps }}",
            unit_of_measurement="fps",
            state_class="measurement",
        ),
        entity(
            "text",
            "say",
            "Say",
            command_topic=topics.ha_command("say"),
            max=255,
            mode="text",
            icon="mdi:account-voice",
        ),
    ]


def ha_entity(topics: UnitTopics, topic: str) -> str | None:
    prefix, suffix = f"{topics.base}/ha/", "/set"
    if topic.startswith(prefix) and topic.endswith(suffix):
        return topic[len(prefix) : -len(suffix)]
    return None


def to_command(entity: str, payload: bytes, command_id: str) -> tuple[str | None, bytes]:
    """An HA entity's plain payload as (command name, JSON payload); None if meaningless."""
    text = payload.decode("utf-8", "replace").strip()
    if entity == "on_air" and text in ("ON", "OFF"):
        action = "start" if text == "ON" else "stop"
        return "stream", json.dumps({"id": command_id, "action": action}).encode()
    if entity == "say" and text:
        body = {"id": command_id, "text": text, "priority": SAY_PRIORITY}
        return "say", json.dumps(body).encode()
    return None, b""
