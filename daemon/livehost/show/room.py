"""The room: how many are watching, and what that asks of the sales talk.

The platform's viewer count (an audience bridge reports it; `AudienceDesk.status.viewers`
holds the latest) puts the room in one of the schedule's tiers (`audience:` section):
a quiet room gets a calmer host and fewer calls to action, a packed one an energetic
host who asks for the order more often. The host steps up a tier as soon as the count
reaches it, and down only when the count falls the hysteresis fraction below the
tier's start, so a count hovering around a threshold does not flip the talk back and
forth. A sudden rise (many late joiners within a minute) asks for one short recap of the
product on air, at most once per `recap_after` seconds (a rise during that time is not
saved up for later), once the turn's intro is out, and only within a minute of the rise.

Without a count (no bridge, or one that reports none) the room has no tier and says
nothing: the slot's style and the director's pacing apply, exactly as before.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from livehost.schedule.model import Audience, Tier
from livehost.show.sources.pitch import Pacing

log = logging.getLogger(__name__)

RECAP_WINDOW = 60.0  # seconds: a rise counts when it happens within this
RECAP_MIN_NEW = 3  # the percentage rule needs at least this many new viewers
# the energy of each style, for the delivery: the pause after a line is scaled by the
# room's style against the slot's (an energetic room in a calm slot talks faster)
PAUSE = {"calm": 1.3, "friendly": 1.0, "energetic": 0.7}
DEFAULT_AUDIENCE = Audience()

Viewers = Callable[[], int | None]


def _count(value: object) -> int | None:
    """A usable viewer count, or None (missing, not a number, negative)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(value)


class Room:
    """The current tier (with hysteresis) and the late joiners' recap, from a count."""

    def __init__(self, viewers: Viewers | None = None, pacing: Pacing | None = None) -> None:
        self.viewers = viewers
        self.base = pacing or Pacing()
        self.count: int | None = None  # the latest usable count
        self._settings = DEFAULT_AUDIENCE
        self._index: int | None = None  # into self._settings.tiers
        self._samples: deque[tuple[float, int]] = deque()
        self._pending: float | None = None  # when the rise that wants a recap came
        self._last_recap: float | None = None
        self._last_seen: float | None = None

    # --- reading the count ---

    def observe(self, now: float, settings: Audience | None = None) -> None:
        """Read the count (once per line asked for) under the schedule's settings."""
        settings = settings or DEFAULT_AUDIENCE
        if settings.tiers != self._settings.tiers:  # a reload changed the tiers
            self._index = None
        self._settings = settings
        count = None
        if settings.adapt and self.viewers is not None:
            try:
                count = _count(self.viewers())
            except Exception:  # a broken bridge must not stop the talk
                log.exception("reading the viewer count failed; the slot's style holds")
        if self._last_seen is not None and now < self._last_seen:
            self._samples.clear()  # the clock went back (a new preview): start over
        self._last_seen = now
        self.count = count
        if count is None:
            self._forget()
            return
        self._step(count)
        self._watch_rise(now, count)

    def _forget(self) -> None:
        if self._index is not None:
            log.info("room: no viewer count; back to the slot's style and pacing")
        self._index = None
        self._samples.clear()
        self._pending = None

    def _step(self, count: int) -> None:
        tiers = self._settings.tiers
        reached = max(i for i, tier in enumerate(tiers) if tier.viewers <= count)
        index = self._index
        if index is None or reached >= index:
            index = reached  # up at once
        else:
            # down only below the hysteresis band of the tier the room is in
            keep = 1.0 - self._settings.hysteresis
            while index > reached and count < tiers[index].viewers * keep:
                index -= 1
        if index != self._index:
            tier = tiers[index]
            log.info(
                "room: %d viewers, tier %s (%s, a call to action every %gs)",
                count,
                tier.name or index + 1,
                tier.style,
                tier.cta_every,
            )
        self._index = index

    def _watch_rise(self, now: float, count: int) -> None:
        samples = self._samples
        while samples and now - samples[0][0] > RECAP_WINDOW:
            samples.popleft()
        base = min((c for _, c in samples), default=None)
        samples.append((now, count))
        if base is None:  # the first count is the room as it is, not a rise
            return
        new = count - base
        settings = self._settings
        rise = new >= settings.recap_joiners or (
            new >= RECAP_MIN_NEW and new >= base * settings.recap_jump
        )
        if not rise:
            return
        # the rise is used up either way: the same joiners do not ask twice
        samples.clear()
        samples.append((now, count))
        if self._pending is None and not self._cooling(now):
            self._pending = now
            log.info("room: %d new viewers within a minute; a recap is due", new)

    def _cooling(self, now: float) -> bool:
        last = self._last_recap
        return last is not None and now - last < self._settings.recap_after

    # --- what the talk asks ---

    @property
    def tier(self) -> Tier | None:
        """The tier the room is in; None without a count."""
        return None if self._index is None else self._settings.tiers[self._index]

    def style(self, default: str | None = None) -> str | None:
        """The room's style, or `default` (the slot's) without a count."""
        tier = self.tier
        return tier.style if tier is not None else default

    def pacing(self) -> Pacing:
        """The director's pacing with the tier's call-to-action cadence (the early
        reminder between facts scales with it); the pacing as given without a count."""
        tier = self.tier
        base = self.base
        if tier is None or tier.cta_every == base.cta_every:
            return base
        scale = tier.cta_every / base.cta_every if base.cta_every > 0 else 1.0
        return replace(
            base,
            cta_every=tier.cta_every,
            cta_reminder_every=base.cta_reminder_every * scale,
        )

    def pause(self, pause_after: float, slot_style: str) -> float:
        """The pause after a line, in the room's energy rather than the slot's."""
        style = self.style(slot_style) or slot_style
        if style == slot_style:
            return pause_after
        factor = PAUSE.get(style, 1.0) / PAUSE.get(slot_style, 1.0)
        return round(pause_after * factor, 2)

    def wants_recap(self, now: float) -> bool:
        """Whether many came in lately and no recap was said within `recap_after`."""
        pending = self._pending
        if pending is None:
            return False
        if now - pending > RECAP_WINDOW or now < pending:  # stale: they have seen enough
            self._pending = None
            return False
        return not self._cooling(now)

    def recapped(self, now: float) -> None:
        """A recap was said: the next waits `recap_after`."""
        self._last_recap = now
        self._pending = None
