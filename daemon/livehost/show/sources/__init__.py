"""Line sources: each proposes the next line of its kind, or says "nothing now".

The director asks them in priority order (operator, answers, notice, pitch, idle) and
the first that proposes a line wins; a source with nothing to say never silences the
ones after it. A source sees one `Moment` and keeps only its own bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Protocol
from zoneinfo import ZoneInfo

from livehost.schedule.model import Product, Schedule
from livehost.show.memory import TalkMemory
from livehost.show.programme import OnAir
from livehost.show.talk import Writer

# kind -> approved script lines (placeholders unfilled) for a product
ApprovedLines = Callable[[Product], dict[str, list[str]]]


@dataclass(frozen=True)
class Moment:
    at: datetime  # when the line will start playing (aware)
    local: datetime  # the same instant on the shop's wall clock (naive)
    zone: ZoneInfo  # the shop's time zone
    now: float  # the director's clock, for cadences and the repeat window
    schedule: Schedule
    on: OnAir
    writer: Writer
    memory: TalkMemory
    approved: ApprovedLines

    @property
    def lang(self) -> ModuleType:
        return self.writer.lang


@dataclass(frozen=True)
class Line:
    """A source's proposal; the director turns the winner into an Utterance."""

    text: str
    kind: str
    product_id: str | None = None
    pause_after: float = 0.5
    fact: tuple | None = None  # which fact it tells, for the fact cadence
    cadence: str | None = None  # price, countdown, cta: kinds with their own rhythm
    scripted: bool = False
    urgent: bool = False
    at_word: bool = False  # an urgent line that may cut in between two words
    language: str | None = None  # None: the schedule's language
    reply_to: tuple[str, ...] = ()  # the comments an answer answers
    cues: tuple[str, ...] = ()  # cues beyond those the kind and the words give


def script_values(moment: Moment, product: Product) -> dict[str, object]:
    """Placeholder values for approved script lines: as the templates', except that
    {price} is the price the viewer pays now (the sale price during a sale)."""
    values = moment.writer.product_values(product)
    if "sale" in values and product.on_sale(moment.local):
        values["price"] = values["sale"]
    return values


class Source(Protocol):
    name: str

    def next(self, moment: Moment) -> Line | None: ...
