"""The spoken AI notice: when the host first comes on screen and then every `every`
seconds while it is there.

The on-screen label never leaves the picture; this is the spoken half of telling viewers
they face an AI. A schedule cannot switch it off.
"""

from __future__ import annotations

from livehost.show.sources import Line, Moment

NOTICE_EVERY = 600.0  # seconds between spoken AI notices


class NoticeSource:
    name = "notice"

    def __init__(self, every: float = NOTICE_EVERY) -> None:
        self.every = every
        self._last: float | None = None

    def next(self, moment: Moment) -> Line | None:
        # nothing is spoken over the slate (only an operator's lines): the opening waits
        # until the host is on screen
        if moment.on.controls.paused or moment.on.display == "slate":
            return None
        store = moment.schedule.store.name
        writer = moment.writer
        if self._last is None:
            self._last = moment.now
            line = writer.pick(moment.lang.OPENING, key="opening", store=store)
            return Line(line, "opening", pause_after=0.8) if line else None
        if moment.now - self._last < self.every:
            return None
        line = writer.pick(moment.lang.NOTICE, key="notice", store=store)
        if line is None:
            return None
        self._last = moment.now
        return Line(line, "notice")
