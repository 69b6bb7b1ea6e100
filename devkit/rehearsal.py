"""A show run without audio: the real director over simulated time, each line lasting as
long as the voice takes to say it (`material.speaking_seconds`, measured on the voice).

It answers what a viewer would hear in an hour: the share of time the host speaks, the
longest silence, and any sentence said twice within ten minutes, per stretch of the
programme (a product turn, the idle host). The talk benchmark and the tests use it (not
installed with the appliance); it runs an hour of show in well under a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from livehost.schedule.model import Schedule
from livehost.show import talk
from livehost.show.director import QUIET_STEP, ApprovedScripts, Director
from livehost.show.material import speaking_seconds
from livehost.show.memory import REPEAT_WINDOW
from livehost.show.utterance import Utterance


@dataclass
class Stretch:
    """One stretch of the programme: a product turn, or the idle host."""

    label: str  # "Weekday afternoons: kettle", "idle host"
    start: float  # seconds from the rehearsal's start
    end: float = 0.0
    speech: float = 0.0  # seconds spoken
    longest_silence: float = 0.0
    lines: int = 0
    _last_word: float = 0.0

    @property
    def share(self) -> float:
        length = self.end - self.start
        return self.speech / length if length > 0 else 1.0


@dataclass
class Rehearsal:
    stretches: list[Stretch] = field(default_factory=list)
    said: list[tuple[float, Utterance]] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)  # sentences said twice within 10 min

    @property
    def speech_share(self) -> float:
        total = sum(s.end - s.start for s in self.stretches)
        return sum(s.speech for s in self.stretches) / total if total else 1.0

    @property
    def longest_silence(self) -> float:
        return max((s.longest_silence for s in self.stretches), default=0.0)


def rehearse(
    schedule: Schedule,
    zone: ZoneInfo,
    start: datetime,
    seconds: float,
    scripts: ApprovedScripts | None = None,
    seed: int = 1,
    prepare: Callable[[Director], None] = lambda director: None,
    min_stretch: float = 30.0,
) -> Rehearsal:
    """Run the director from `start` for `seconds`; `prepare` may pin or pause first.
    Stretches shorter than `min_stretch` (a turn cut by the end) are left out."""
    director = Director.for_schedule(lambda: schedule, zone, seed=seed, scripts=lambda: scripts)
    prepare(director)
    result = Rehearsal()
    position = 0.0
    stretch: Stretch | None = None
    last_said: dict[str, float] = {}
    while position < seconds:
        at = start + timedelta(seconds=position)
        label = _label(director, at)
        if stretch is None or stretch.label != label:
            _close(stretch, position, result, min_stretch)
            stretch = Stretch(label, position, _last_word=position)
        utterance = director.next_utterance(at)
        if utterance is None:
            position += QUIET_STEP
            continue
        length = speaking_seconds(utterance.text, utterance.language)
        stretch.longest_silence = max(stretch.longest_silence, position - stretch._last_word)
        stretch.speech += length
        stretch.lines += 1
        result.said.append((position, utterance))
        for sentence in talk.sentences(utterance.text):
            before = last_said.get(sentence)
            repeated = before is not None and position - before < REPEAT_WINDOW
            if repeated and utterance.source != "operator":
                result.repeats.append(sentence)
            last_said[sentence] = position
        position += length
        stretch._last_word = position
        position += utterance.pause_after
    _close(stretch, position, result, min_stretch)
    return result


def _label(director: Director, at: datetime) -> str:
    on = director.programme.at(at)
    if on.display == "slate":
        return "off air"
    if on.product is None:
        return "idle host"
    slot = on.segment.slot
    where = slot.label(on.segment.slot_index or 0) if slot is not None else "pinned"
    began = on.segment.start
    when = f" ({began.astimezone(director.zone):%a %H:%M})" if began else ""
    return f"{where}: {on.product.id}{when}"


def _close(
    stretch: Stretch | None, position: float, result: Rehearsal, min_stretch: float
) -> None:
    if stretch is None:
        return
    stretch.end = position
    stretch.longest_silence = max(stretch.longest_silence, position - stretch._last_word)
    if stretch.label != "off air" and stretch.end - stretch.start >= min_stretch:
        result.stretches.append(stretch)
