"""Topic names of the fleet contract (docs/mqtt.md), in one place for both ends."""

from __future__ import annotations

from dataclasses import dataclass

ROOT = "livehost"
ALL = "all"  # the group name: livehost/<site>/all/cmd/... and livehost/all/cmd/...
LEAVES = ("availability", "state", "telemetry", "snapshot", "events", "ack")
ACKS = f"{ROOT}/+/+/ack"  # every unit's ack topic: what an operator listens to


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
        """Where the unit acks: the one ack topic the broker's ACL lets it write."""
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

    @property
    def audience(self) -> str:
        """Where bridges publish this unit's audience events (comments, gifts, viewers)."""
        return f"{self.base}/audience"

    def audience_filters(self) -> list[str]:
        """The unit's own audience topic and its site's shared one (one bridge per site)."""
        return [self.audience, f"{ROOT}/{self.site}/{ALL}/audience"]

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


def ack_sender(topic: str) -> str | None:
    """`livehost/SITE/UNIT/ack` -> `SITE/UNIT`: under the shipped ACL only that unit
    can publish there, so the topic, not the payload, says whose ack it is."""
    parsed = split_unit_topic(topic)
    if parsed is None or parsed[2] != "ack":
        return None
    return f"{parsed[0]}/{parsed[1]}"


def addresses(target: str, unit: str) -> bool:
    """Whether a command to `target` (`all`, `SITE/all`, `SITE/UNIT`) is for `unit`
    (`SITE/UNIT`)."""
    if target in (ALL, unit):
        return True
    site, _, name = target.partition("/")
    return name == ALL and unit.partition("/")[0] == site
