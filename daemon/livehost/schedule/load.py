"""Load a schedule from text or a file: parse, validate fields, then cross-check."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from livehost.config.explain import validation_problems
from livehost.config.yamlfile import parse_yaml, read_text_file
from livehost.problems import Problem, ProblemsError
from livehost.schedule.checks import check_schedule
from livehost.schedule.model import Schedule

# the schedule's top-level sections, as a file spells them
SECTIONS = tuple(info.alias or name for name, info in Schedule.model_fields.items())


@dataclass(frozen=True)
class LoadedSchedule:
    schedule: Schedule
    text: str
    sha256: str
    source: str
    warnings: list[Problem] = field(default_factory=list)

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


def load_schedule_text(text: str, name: str, now: datetime | None = None) -> LoadedSchedule:
    """Validate schedule text completely; raise ProblemsError listing every problem.

    `name` is the file name used in messages and the folder product images are found in.
    `now` (local wall time) enables warnings about sales that already ended.
    """
    doc = parse_yaml(text, name)
    if not isinstance(doc.data, dict):
        raise ProblemsError(
            [
                doc.problem(
                    (),
                    "the schedule should be a section of 'name: value' "
                    "lines starting with store:, products: and slots:",
                )
            ]
        )
    if not any(key in SECTIONS for key in doc.data):
        # none of the schedule's sections: another file (a wrong path, a symlink to a
        # system file). Nothing of it is quoted into logs or the fleet's state.
        raise ProblemsError(
            [
                doc.problem(
                    (),
                    "this is not a schedule: it has none of "
                    + ", ".join(f"{k}:" for k in SECTIONS),
                )
            ]
        )
    try:
        schedule = Schedule.model_validate(doc.data)
    except ValidationError as exc:
        raise ProblemsError(_by_line(validation_problems(exc, doc, Schedule))) from None
    problems = _by_line(check_schedule(schedule, doc, now))
    if any(p.severity == "error" for p in problems):
        raise ProblemsError(problems)
    return LoadedSchedule(schedule, text, text_digest(text), name, warnings=problems)


def load_schedule_file(path: str | Path, now: datetime | None = None) -> LoadedSchedule:
    return load_schedule_text(read_text_file(path), str(path), now)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
