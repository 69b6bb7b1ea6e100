"""Who this box is and where it stands."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import Field, field_validator

from livehost.config.base import Section
from livehost.config.explain import closest


class UnitConfig(Section):
    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description="Unique name of this box in the fleet (lowercase letters, digits, - _).",
    )
    site: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        description="The shop or site this box belongs to; MQTT groups units by it.",
    )
    timezone: str = Field(
        description="IANA time zone the schedule's times are in, e.g. Europe/Berlin."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            guess = closest(name, available_timezones())
            hint = f"; did you mean '{guess}'?" if guess else " like Europe/Berlin or Asia/Shanghai"
            raise ValueError(f"'{name}' is not a time zone we know{hint}") from None
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
