"""What viewers see, in plain words, from a unit's retained availability and state.

`on_air` and `product_id` alone mislead: a unit streams its slate with `on_air` true,
so the status table says what is on the picture, from `display`, `paused` and `pinned`.
"""

from __future__ import annotations


def sees(availability: str, state: dict) -> str:
    """`show: kettle`, `show: kettle (pinned)`, `idle host`, `idle (paused)`,
    `show: kettle (driven: voice, ana)` while a person drives the host,
    `slate (off air)`, `slate (paused)`, `stopped`, `reconnecting`, `no output` or
    `offline`; `-` when the unit has not said enough to tell."""
    if availability in ("offline", "stopped"):
        return "offline"  # no process sending: viewers see no stream at all
    if not state:
        return "-"
    if state.get("streaming") is False:
        return "stopped"
    if not state.get("on_air", True):
        outputs = state.get("outputs") or []
        if any(isinstance(o, dict) and o.get("state") != "on_air" for o in outputs):
            return "reconnecting"
        return "no output"
    display = state.get("display")
    paused = state.get("paused")
    takeover = state.get("takeover")
    if isinstance(takeover, dict) and display in ("show", "idle"):
        # viewers see the host, but a person's voice (or typed lines) drives it
        product = state.get("product_id")
        shown = f"show: {product}" if display == "show" and product else str(display)
        return f"{shown} (driven: {takeover.get('mode')}, {takeover.get('by') or '?'})"
    if display == "slate":
        return "slate (paused)" if paused else "slate (off air)"
    if display == "idle":
        return "idle (paused)" if paused else "idle host"
    if display == "show":
        product = state.get("product_id")
        shown = f"show: {product}" if product else "show"
        return f"{shown} (pinned)" if state.get("pinned") else shown
    # a unit older than `display` (or a value this tool does not know): do not guess
    return str(display) if display else "-"
