"""The on-air picture: the AI label on every frame at the required size, cached overlays."""

from __future__ import annotations

import numpy as np
import pytest

from livehost.render.card import CardContent
from livehost.render.compositor import LABEL_MIN_HEIGHT, Compositor

CARD = CardContent(
    "Shop",
    "14:05",
    "show",
    "Glass Kettle",
    "$44.99",
    "$59.99",
    "Sale ends in 4 days",
    ("Boils fast", "Soft light"),
)


def host(compositor: Compositor, value: int = 90) -> np.ndarray:
    lay = compositor.layout
    return np.full((lay.height, lay.host_width, 3), value, np.uint8)


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080), (640, 360)])
def test_label_text_is_at_least_five_percent_of_the_short_side(width, height) -> None:
    compositor = Compositor(width, height)
    assert compositor.label_text_height >= LABEL_MIN_HEIGHT * min(width, height)


@pytest.mark.parametrize("mode", ["show", "idle", "slate"])
def test_label_is_on_every_kind_of_frame_even_the_test_flash(mode) -> None:
    compositor = Compositor(1280, 720)
    card = CardContent("Shop", "14:05", mode, message="Back soon") if mode != "show" else CARD
    label = compositor.label
    h, w = label.shape[:2]
    for flash in (False, True):
        frame = compositor.compose(host(compositor), card, "A caption", flash=flash)
        assert frame.shape == (720, 1280, 3)
        found = [
            (y, x)
            for y in range(0, 40)
            for x in range(0, 40)
            if np.array_equal(frame[y : y + h, x : x + w], label)
        ]
        assert found, f"no label on a {mode} frame (flash={flash})"


def test_host_is_left_and_panel_right_and_caption_only_when_speaking() -> None:
    compositor = Compositor(1280, 720)
    lay = compositor.layout
    quiet = compositor.compose(host(compositor, 200), CARD, None)
    speaking = compositor.compose(host(compositor, 200), CARD, "Right now only $44.99.")
    assert lay.host_width == 800
    assert (quiet[400, 400] == 200).all()  # the host, untouched below the label
    assert not np.array_equal(quiet[600:700, : lay.host_width], speaking[600:700, : lay.host_width])
    assert np.array_equal(quiet[:, lay.host_width :], speaking[:, lay.host_width :])


def test_panel_is_drawn_once_per_change() -> None:
    compositor = Compositor(1280, 720)
    first = compositor.compose(host(compositor), CARD, None)
    panel = compositor._panel
    compositor.compose(host(compositor), CARD, None)
    assert compositor._panel is panel  # same content: reused, not redrawn
    other = CardContent(**{**CARD.__dict__, "price": "$39.99"})
    second = compositor.compose(host(compositor), other, None)
    assert compositor._panel is not panel
    assert not np.array_equal(first[:, 800:], second[:, 800:])
