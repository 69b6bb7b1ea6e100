"""Write a script file back: readable YAML, atomically, so a crash never leaves half a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from livehost.config.atomic import atomic_write
from livehost.scripts.model import ScriptFile, ScriptLine

_HEADER = """\
# Script lines for the product '{product}'. Only lines with status: approved air, and only
# while the facts they were approved against are the product's facts in the schedule.
# Review the drafts with:  livehost script review {product}
# The format and the claim check: docs/scripts.md
"""


def _line(line: ScriptLine) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": line.kind, "text": line.text, "status": line.status}
    if line.approved_by is not None:
        data["approved_by"] = line.approved_by
    if line.approved_at is not None:
        data["approved_at"] = line.approved_at.strftime("%Y-%m-%dT%H:%M:%S")
    if line.facts is not None:
        data["facts"] = line.facts
    if line.claims:
        data["claims"] = list(line.claims)
    return data


def script_text(script: ScriptFile) -> str:
    data: dict[str, Any] = {"product": script.product, "facts": script.facts}
    if script.drafted_by is not None:
        data["drafted_by"] = script.drafted_by
    data["lines"] = [_line(line) for line in script.lines]
    body = yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    return _HEADER.format(product=script.product) + "\n" + body


def write_script(path: Path, script: ScriptFile) -> str:
    """Write `script` to `path` atomically; returns the text written."""
    text = script_text(script)
    atomic_write(Path(path), text)
    return text
