"""A countdown in whole days, hours and minutes, for the talk in any language."""

from __future__ import annotations


def countdown_parts(seconds: float) -> tuple[int, int, int]:
    """(days, hours, minutes) left, rounded down to the minute."""
    days, rest = divmod(int(seconds // 60), 24 * 60)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes
