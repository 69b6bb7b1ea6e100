"""The status table's SEES column: what viewers see, never the product behind a slate."""

from __future__ import annotations

import pytest

from livehost.fleet.sees import sees

ON_AIR = [{"name": "main", "state": "on_air"}]


def state(**fields: object) -> dict:
    base = {
        "on_air": True,
        "display": "show",
        "paused": None,
        "pinned": None,
        "streaming": True,
        "product_id": "kettle",
        "outputs": ON_AIR,
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("availability", "retained", "words"),
    [
        ("online", state(), "show: kettle"),
        ("online", state(pinned="kettle"), "show: kettle (pinned)"),
        ("online", state(display="idle", product_id=None), "idle host"),
        ("online", state(display="idle", product_id=None, paused="idle"), "idle (paused)"),
        # the schedule's slate while a product is still named: viewers see the slate
        ("online", state(display="slate", product_id="kettle"), "slate (off air)"),
        ("online", state(display="slate", product_id=None, paused="slate"), "slate (paused)"),
        ("online", state(display="slate", paused="slate", pinned="kettle"), "slate (paused)"),
        ("online", state(streaming=False, on_air=False), "stopped"),
        (
            "online",
            state(on_air=False, outputs=[{"name": "main", "state": "reconnecting"}]),
            "reconnecting",
        ),
        ("online", state(on_air=False, outputs=[]), "no output"),
        ("offline", state(), "offline"),
        ("stopped", state(), "offline"),
        ("offline", {}, "offline"),
        ("unknown", {}, "-"),
        ("online", {"on_air": True, "product_id": "kettle"}, "-"),  # older than `display`
    ],
)
def test_sees(availability: str, retained: dict, words: str) -> None:
    assert sees(availability, retained) == words
