"""JSON from the network, read strictly: RFC 8259 numbers only (Python's json takes NaN
and Infinity), no stack-deep nesting. Commands and audience events both come this way."""

from __future__ import annotations

import json


def loads_object(payload: bytes) -> dict:
    """The JSON object in `payload`; ValueError saying why it is not one."""
    try:
        data = json.loads(payload.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    except RecursionError:  # a few thousand nested brackets
        raise ValueError("not JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError("the payload must be a JSON object")
    return data


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")
