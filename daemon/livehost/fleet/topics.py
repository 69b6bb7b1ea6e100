"""Topic names of the fleet contract (docs/mqtt.md), in one place for both ends."""

from __future__ import annotations

from dataclasses import dataclass

ROOT = "livehost"
ALL = "all"  # the group name: livehost/<site>/all/cmd/... and livehost/all/cmd/...
REPLY_ROOT = f"{ROOT}/reply"  # operators' reply topics live below this
LEAVES = ("availability", "state", "telemetry", "snapshot", "events", "ack")


@dataclass(frozen=True)
class UnitTopics:
    site: str
    unit: str

    @property
    def base(self) -> str:
        return f"{ROOT}/{self.site}/{self.unit}"

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def state(self) -> str:
        return f"{self.base}/state"

    @property
    def telemetry(self) -> str:
        return f"{self.base}/telemetry"

    @property
    def snapshot(self) -> str:
        return f"{self.base}/snapshot"

    @property
    def events(self) -> str:
        return f"{self.base}/events"

    @property
    def ack(self) -> str:
        """Where acks go when a command names no reply topic."""
        return f"{self.base}/ack"

    def cmd(self, name: str) -> str:
        return f"{self.base}/cmd/{name}"

    def command_filters(self) -> list[str]:
        """What a unit subscribes to: its own commands and both groups it belongs to."""
        return [
            f"{self.base}/cmd/+",
            f"{ROOT}/{self.site}/{ALL}/cmd/+",
            f"{ROOT}/{ALL}/cmd/+",
        ]

    def ha_command(self, entity: str) -> str:
        """Home Assistant command topic of one entity (plain ON/OFF or text payloads)."""
        return f"{self.base}/ha/{entity}/set"


def target_topic(target: str, command: str) -> str:
    """The command topic for an operator's target: `all`, `SITE/all` or `SITE/UNIT`."""
    if target == ALL:
        return f"{ROOT}/{ALL}/cmd/{command}"
    site, _, unit = target.partition("/")
    if not site or not unit or "/" in unit:
        raise ValueError(f"target '{target}' is not all, SITE/all or SITE/UNIT")
    return f"{ROOT}/{site}/{unit}/cmd/{command}"


def command_name(topic: str) -> str | None:
    """`.../cmd/<name>` -> name; None for any other topic."""
    parts = topic.split("/")
    if len(parts) >= 3 and parts[-2] == "cmd":
        return parts[-1]
    return None


def split_unit_topic(topic: str) -> tuple[str, str, str] | None:
    """`livehost/SITE/UNIT/LEAF` -> (site, unit, leaf) for the unit's own leaves."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == ROOT and parts[3] in LEAVES and parts[2] != ALL:
        return parts[1], parts[2], parts[3]
    return None
