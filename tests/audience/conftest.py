"""Audience fixtures: the real servers from the fleet and on-air suites."""

from tests.fleet.conftest import broker  # noqa: F401  (pytest fixtures, used by name)
from tests.onair.conftest import rtmp_recording  # noqa: F401
