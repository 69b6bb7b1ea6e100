"""The fleet broker connection."""

from __future__ import annotations

from pydantic import Field

from livehost.config.base import Section


class MqttConfig(Section):
    url: str | None = Field(
        None,
        pattern=r"^mqtts?://[^\s/]+(:\d+)?/?$",
        description="Broker as mqtt://HOST:PORT or mqtts://HOST:PORT (TLS); none: run alone.",
    )
    username: str | None = None
    password_secret: str | None = Field(
        None, description="Name of the secret holding the password."
    )
    ca_file: str | None = Field(
        None, description="CA certificate that signed the broker's certificate."
    )
    cert_file: str | None = Field(None, description="This unit's client certificate (mutual TLS).")
    key_secret: str | None = Field(
        None, description="Name of the secret holding the client key path."
    )
    telemetry_seconds: float = Field(10.0, ge=1, le=3600)
    snapshot_seconds: float = Field(60.0, ge=5, le=3600)
    keepalive_seconds: int = Field(
        30, ge=5, le=600, description="MQTT keepalive; the broker declares us offline after 1.5x."
    )
    session_expiry_seconds: int = Field(
        3600,
        ge=0,
        le=7 * 86400,
        description="How long the broker keeps our subscriptions and queued commands while away.",
    )
    reconnect_max_seconds: float = Field(
        1.5, ge=0.5, le=60, description="Cap of the reconnect backoff (jittered)."
    )
    home_assistant: bool = Field(
        False, description="Publish Home Assistant MQTT discovery (on-air switch, sensors, say)."
    )
    discovery_prefix: str = Field("homeassistant", pattern=r"^[A-Za-z0-9_-]+$")
