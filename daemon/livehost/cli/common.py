"""Pieces the subcommands share: finding the config, printing problems, parsing times."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from livehost.config.device import LoadedConfig, load_config
from livehost.config.discover import SYSTEM_CONFIG, ConfigChoice, choose_config, layout_note
from livehost.problems import Problem, ProblemsError
from livehost.schedule.fields import parse_local_datetime
from livehost.textwidth import width


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help=f"device config (default: $LIVEHOST_CONFIG, else {SYSTEM_CONFIG}, else the "
        "checkout's etc/livehost/livehost.yaml)",
    )


# `out` defaults to the sys.stderr of the call, not of the import (a test capturing
# stderr replaces it; a default bound at import time wrote to a closed stream later)


def find_config(named: str | None, out: TextIO | None = None) -> ConfigChoice | None:
    """The config to use (None: there is none). A checkout's sample is said in one line:
    it runs in the development layout."""
    out = out or sys.stderr
    choice = choose_config(named)
    if choice is not None and choice.checkout is not None:
        print(f"livehost: config {choice.why}; {layout_note(choice.checkout)}", file=out)
    return choice


def find_config_or_system(named: str | None, out: TextIO | None = None) -> ConfigChoice:
    """find_config(), or the system config's path when there is none (for its error)."""
    return find_config(named, out) or ConfigChoice(SYSTEM_CONFIG, None, str(SYSTEM_CONFIG))


def load_chosen(choice: ConfigChoice) -> LoadedConfig:
    return load_config(choice.path, choice.checkout)


def load_config_or_report(path: str | None, out: TextIO | None = None) -> LoadedConfig | None:
    """Load the device config; print its problems and return None if it is unusable."""
    out = out or sys.stderr
    try:
        return load_chosen(find_config_or_system(path, out))
    except ProblemsError as exc:
        print_problems(exc.problems, out)
        return None


def print_problems(problems: list[Problem], out: TextIO | None = None) -> None:
    """Each problem with the offending line quoted and a caret under the column."""
    out = out or sys.stderr
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    files = sorted({p.file for p in problems})
    counts = []
    if errors:
        counts.append(f"{errors} problem{'s' if errors != 1 else ''}")
    if warnings:
        counts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    print(f"{' and '.join(counts)} in {', '.join(files)}:", file=out)
    lines_of: dict[str, list[str]] = {}
    for problem in problems:
        print(f"\n  {problem}", file=out)
        source = _source_line(problem, lines_of)
        if source is not None:
            print(f"    {problem.line:>4} | {source}", file=out)
            if problem.column:
                lead = width(source[: problem.column - 1])  # CJK takes two columns
                print(f"         | {' ' * lead}^", file=out)


def _source_line(problem: Problem, cache: dict[str, list[str]]) -> str | None:
    if problem.line is None:
        return None
    if problem.file not in cache:
        try:
            cache[problem.file] = Path(problem.file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            cache[problem.file] = []
    lines = cache[problem.file]
    if not 1 <= problem.line <= len(lines):
        return None
    return lines[problem.line - 1].replace("\t", "→")[:160]


def parse_when(text: str | None, zone: ZoneInfo) -> datetime:
    """A local 'YYYY-MM-DD HH:MM' in the unit's zone, or now."""
    if text is None:
        return datetime.now(timezone.utc).astimezone(zone)
    try:
        return parse_local_datetime(text).replace(tzinfo=zone)
    except ValueError as exc:
        raise SystemExit(f"livehost: {exc}") from None
