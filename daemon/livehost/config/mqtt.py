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
