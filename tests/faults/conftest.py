"""The fault suite (`make test-faults`): each class of failure from the reliability
attack, reproduced against real servers. The servers come from the on-air and fleet
fixtures, shared here so each fault file can use them."""

from tests.fleet.conftest import broker  # noqa: F401  (pytest fixtures, used by name)
from tests.onair.conftest import rtmp_recording  # noqa: F401
