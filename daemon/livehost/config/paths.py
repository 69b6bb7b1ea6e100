"""Where the unit keeps its files. Relative paths are taken from the config file's folder."""

from __future__ import annotations

from pydantic import Field

from livehost.config.base import Section


class PathsConfig(Section):
    state: str = Field(
        "/var/lib/livehost", description="Last good schedule, command ids, recordings."
    )
    cache: str = Field("/var/cache/livehost", description="Engine caches (TensorRT plans).")
    logs: str = Field("/var/log/livehost")
    models: str = Field(
        "/opt/livehost/models", description="Folder holding manifest.yaml and models."
    )
    secrets: str = Field(
        "/etc/livehost/secrets.yaml",
        description="YAML file of name: value secrets; systemd credentials take precedence.",
    )
