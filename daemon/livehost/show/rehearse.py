"""A dry run of a schedule before it is called good: do what the show will do with it.

Validation checks each value; it cannot prove that the show can use them together (a
duration that makes the planner divide by zero, a price the card cannot lay out, a line
the talk cannot fill in). So a schedule from a file save, a push or the last good copy
goes on air, and is saved as the last good one, only after a rehearsal: the next hour
planned, every segment's card painted and its talk written, and every product pinned,
painted and talked about once in a packed room (the schedule's `audience:` tiers). The
cards are laid out without the product pictures: `check` reads those by their headers,
and the card paints on without one it cannot open. A failure is one problem in plain words, never a
traceback. A rehearsal of the sample schedule takes about 0.17 s on this machine.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from livehost.config.device import LoadedConfig
from livehost.problems import Problem
from livehost.render.card import CardContent
from livehost.render.compositor import Compositor
from livehost.schedule.load import LoadedSchedule
from livehost.schedule.planner import Planner
from livehost.show.director import Director
from livehost.show.inbox import Pin

log = logging.getLogger(__name__)

HOURS = 1.0  # planned ahead
LINES = 3  # lines of talk written per segment and per product
MAX_SEGMENTS = 24  # segments rehearsed within the hour (a schedule of 1-minute turns)
SIZE = (640, 360)  # the frame the cards are laid out in (the layout scales with it)
PACKED = 10**8  # viewers: the top tier of any audience section


def rehearse(loaded: LoadedSchedule, zone: ZoneInfo, start: datetime) -> list[Problem]:
    """[] when the show can use the schedule; else one problem saying what broke."""
    schedule = loaded.schedule
    doing = "planning the next hour"
    viewers: list[int | None] = [None]  # no count for the plan, a packed room per product
    try:
        segments = Planner(schedule, zone).timeline(start, start + timedelta(hours=HOURS))
        compositor = Compositor(*SIZE)
        host = np.zeros((compositor.layout.height, compositor.layout.host_width, 3), np.uint8)
        director = Director.for_schedule(
            lambda: schedule, zone, seed=0, strict=True, viewers=lambda: viewers[0]
        )
        programme = director.programme

        def at(moment: datetime) -> None:
            _, card = programme.card(moment, None, lambda name: None)
            compositor.compose(host, card, "Caption")
            for n in range(LINES):
                director.next_utterance(moment + timedelta(seconds=10 * n))

        for segment in segments[:MAX_SEGMENTS]:
            moment = max(segment.start or start, start)
            doing = f"the segment at {moment.astimezone(zone):%H:%M} ({segment.title()})"
            at(moment)
        viewers[0] = PACKED
        for product in schedule.products:
            doing = f"product {product.id}"
            programme.inbox.put(Pin(product.id))
            at(start)
    except Exception as exc:
        log.debug("rehearsal of %s failed at %s", loaded.source, doing, exc_info=True)
        message = f"the schedule validates, but the show cannot use it: {doing} failed ({exc!s})"
        return [Problem(loaded.source, None, None, "", message)]
    return []


def rehearse_config(loaded: LoadedConfig) -> list[Problem]:
    """[] when a start can build what the config asks for: the frame at its size, the
    clock at its rate, one tick through the encoder; else one problem. (The timers are
    bounded and finite in the models themselves.)"""
    from livehost.stream.encoder import (
        EncoderSettings,
        PyAVEncoder,
        Tick,
        rgb_to_i420,
        samples_per_tick,
    )

    config = loaded.config
    video = config.video
    doing = "laying out a frame"
    try:
        compositor = Compositor(video.width, video.height)
        layout = compositor.layout
        host = np.zeros((layout.height, layout.host_width, 3), np.uint8)
        schedule_free = CardContent(config.unit.site, "00:00", "idle", message="Welcome")
        frame = rgb_to_i420(compositor.compose(host, schedule_free, "Caption"))
        doing = "the clock's audio ticks"
        samples = samples_per_tick(video.fps)
        doing = "encoding a frame"
        settings = EncoderSettings.from_config(video)
        encoder = PyAVEncoder(io.BytesIO(), "flv", settings, {})
        encoder.encode(Tick(0, frame, np.zeros(samples, np.int16)))
        encoder.close(flush=True)
    except Exception as exc:
        log.debug("rehearsal of %s failed at %s", loaded.file, doing, exc_info=True)
        message = f"the config validates, but a start cannot use it: {doing} failed ({exc!s})"
        return [Problem(str(loaded.file), None, None, "", message)]
    return []
