"""Load a script file: parse, validate its fields, then check it against the schedule."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from livehost.config.explain import closest, validation_problems
from livehost.config.yamlfile import YamlDocument, parse_yaml, read_text_file
from livehost.problems import Problem, ProblemsError
from livehost.schedule.model import Schedule
from livehost.scripts.claims import check_line
from livehost.scripts.facts import facts_hash
from livehost.scripts.model import ScriptFile

SUFFIX = ".yaml"


@dataclass(frozen=True)
class LoadedScript:
    script: ScriptFile
    text: str
    sha256: str
    source: str  # the path, for messages
    line_numbers: tuple[int | None, ...]  # where each of script.lines starts in the file
    warnings: list[Problem] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return os.path.basename(self.source)

    @property
    def product(self) -> str:
        return self.script.product


def load_script_text(text: str, name: str, schedule: Schedule | None = None) -> LoadedScript:
    """Validate a script file completely; raise ProblemsError listing every problem.

    `name` is the file's path (its name must be the product id). With `schedule`, approved
    lines that are not stale must pass the claim check against the product's facts now.
    """
    doc = parse_yaml(text, name)
    if not isinstance(doc.data, dict):
        raise ProblemsError(
            [
                doc.problem(
                    (), "a script file is a section starting with product:, facts: and lines:"
                )
            ]
        )
    try:
        script = ScriptFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ProblemsError(_by_line(validation_problems(exc, doc, ScriptFile))) from None
    problems = _by_line(list(_check(script, doc, name, schedule)))
    if any(p.severity == "error" for p in problems):
        raise ProblemsError(problems)
    numbers = tuple(doc.locate(("lines", i))[0] for i in range(len(script.lines)))
    return LoadedScript(script, text, text_digest(text), name, numbers, problems)


def load_script_file(path: str | Path, schedule: Schedule | None = None) -> LoadedScript:
    return load_script_text(read_text_file(path), str(path), schedule)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check(
    script: ScriptFile, doc: YamlDocument, name: str, schedule: Schedule | None
) -> Iterator[Problem]:
    base = os.path.basename(name)
    if base.endswith(SUFFIX) and base[: -len(SUFFIX)] != script.product:
        yield doc.problem(
            ("product",),
            f"this file is for '{script.product}' but is named {base}; "
            f"name it {script.product}{SUFFIX} (one file per product)",
        )
    if schedule is None:
        return
    known = [p.id for p in schedule.products]
    if script.product not in known:
        guess = closest(script.product, known)
        hint = f"; did you mean '{guess}'?" if guess else ""
        yield doc.problem(
            ("product",),
            f"there is no product '{script.product}' in the schedule{hint}; these lines do not air",
            "warning",
        )
        return
    product = schedule.product(script.product)
    now = facts_hash(product)
    for index, line in enumerate(script.lines):
        if line.status != "approved" or script.line_facts(line) != now:
            continue  # drafts may fail; stale lines do not air until approved again
        for reason in check_line(line.text, product, schedule):
            yield doc.problem(
                ("lines", index, "text"), f"cannot be approved until edited: {reason}"
            )


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
