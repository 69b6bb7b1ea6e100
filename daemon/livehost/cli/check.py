"""`livehost check`: validate the config and schedule, show what airs today and this week."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from livehost.cli.common import (
    add_config_argument,
    find_config_or_system,
    load_chosen,
    parse_when,
    print_problems,
)
from livehost.config.device import LoadedConfig
from livehost.config.yamlfile import parse_yaml
from livehost.listen.checks import listen_problems
from livehost.problems import Problem, ProblemsError
from livehost.schedule.currencies import format_price
from livehost.schedule.load import LoadedSchedule, load_schedule_file
from livehost.schedule.model import Slot
from livehost.schedule.planner import Occurrence, Planner, occurrences
from livehost.show.material import product_material
from livehost.show.rehearse import rehearse, rehearse_config
from livehost.speech.voices import voice_language
from livehost.textwidth import ljust


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check",
        help="check the schedule (and config) for mistakes",
        description="Check schedule files for mistakes. With no FILE, checks the device "
        "config and the schedule it names. Exit status 0 when everything can be used.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="schedule files to check")
    add_config_argument(parser)
    parser.add_argument("--now", metavar="'YYYY-MM-DD HH:MM'", help="pretend it is this local time")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    zone = ZoneInfo("UTC")
    zone_note = "no device config found; times are in UTC"
    files = [Path(f) for f in args.files]
    choice = find_config_or_system(args.config)
    loaded_config: LoadedConfig | None = None
    if args.config or choice.path.exists() or not files:
        try:
            loaded_config = load_chosen(choice)
            problems += rehearse_config(loaded_config)  # what a start builds from it
            problems += listen_problems(loaded_config)
            zone = loaded_config.config.unit.zone
            zone_note = f"time zone {loaded_config.config.unit.timezone}"
            if not files:
                files = [loaded_config.schedule_path]
        except ProblemsError as exc:
            problems += exc.problems
    now = parse_when(args.now, zone)
    results: list[LoadedSchedule] = []
    for file in files:
        try:
            loaded = load_schedule_file(file, now=now.replace(tzinfo=None))
        except ProblemsError as exc:
            problems += exc.problems
            continue
        # what the show would do with it: plan, paint, talk (no traceback, one problem)
        rehearsal = rehearse(loaded, zone, now)
        if rehearsal:
            problems += rehearsal
            continue
        results.append(loaded)
        problems += loaded.warnings
        script_problems, approved = _scripts(loaded, loaded_config)
        problems += script_problems
        problems += thin_products(loaded, approved)
        if loaded_config is not None:
            problems += _voice_mismatch(loaded_config, loaded)
    failed = any(p.severity == "error" for p in problems)
    if args.json:
        json.dump(
            {
                "ok": not failed,
                "problems": [p.to_dict() for p in problems],
                "schedules": [{"file": r.source, "sha256": r.sha256} for r in results],
            },
            sys.stdout,
            indent=2,
        )
        print()
        return 1 if failed else 0
    if problems:
        print_problems(problems, sys.stderr if failed else sys.stdout)
        print(file=sys.stderr if failed else sys.stdout)
    if failed:
        return 1
    for loaded in results:
        print(summary(loaded, zone, now, zone_note))
    return 0


def _voice_mismatch(loaded_config: LoadedConfig, loaded: LoadedSchedule) -> list[Problem]:
    """A warning when the voice cannot speak the schedule's language: the show still
    runs, with captions only, so it is not an error."""
    config = loaded_config.config
    wanted = loaded.schedule.store.language
    speaks = voice_language(loaded_config.resolve(config.paths.models), config.voice.id)
    if speaks is None or speaks == wanted:
        return []
    return [
        Problem(
            loaded.source,
            None,
            None,
            "store.language",
            f"the talk is in {wanted} but the voice {config.voice.id} speaks {speaks}: the "
            f"host will show captions without speaking. Add a {wanted} voice with "
            "`livehost models add` and name it in voice.id.",
            "warning",
        )
    ]


def _scripts(
    loaded: LoadedSchedule, config: LoadedConfig | None
) -> tuple[list[Problem], dict[str, dict[str, list[str]]]]:
    """The scripts folder beside the schedule, checked as the unit would load it: refused
    files (errors), drafts waiting and stale lines (warnings), and what would air."""
    import tempfile

    from livehost.scripts.report import script_report
    from livehost.scripts.store import ScriptStore, scripts_folder

    name = config.config.scripts.folder if config is not None else "scripts"
    folder = scripts_folder(Path(loaded.source), name)
    if not folder.is_dir():
        return [], {}
    logging.getLogger("livehost.scripts").setLevel(logging.WARNING)  # no "version 1 in effect"
    with tempfile.TemporaryDirectory() as state:  # a check keeps no last good copies
        store = ScriptStore(folder, Path(state), loaded.schedule)
        script_set = store.start()
    problems = list(store.last_problems)
    problems += [
        Problem(str(folder), None, None, "", message, "warning")
        for message in script_report(loaded.schedule, script_set)
    ]
    approved = {p.id: script_set.approved(p) for p in loaded.schedule.products}
    return problems, approved


def thin_products(
    loaded: LoadedSchedule,
    approved: Mapping[str, dict[str, list[str]]] | None = None,
) -> list[Problem]:
    """A warning, at the product's line, for each product whose facts said once each fill
    less than half of its longest turn: the host would go round the same few facts.
    `approved` holds approved script lines by product id, then by kind; they count too."""
    schedule = loaded.schedule
    doc = parse_yaml(loaded.text, loaded.source)
    problems = []
    for index, product in enumerate(schedule.products):
        turns = [slot.per_product for slot in schedule.slots if product.id in slot.products]
        if not turns:
            continue
        material = product_material(schedule, product, (approved or {}).get(product.id))
        if not material.thin_for(max(turns)):
            continue
        line, _ = doc.locate(("products", index))
        problems.append(
            Problem(
                loaded.source,
                line,
                None,
                f"products[{index}]",
                f"'{product.id}' has about {_about(material.fact_seconds)} s of talk for a "
                f"{_length(max(turns))} turn: add features, FAQ or approved script lines",
                "warning",
            )
        )
    return problems


def _about(seconds: float) -> int:
    return max(5, int(5 * round(seconds / 5)))


def _length(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 and seconds % 30 == 0 else f"{seconds:g} s"


def summary(loaded: LoadedSchedule, zone: ZoneInfo, now: datetime, zone_note: str) -> str:
    """One screen: what the schedule holds, what airs today and in the next six days."""
    schedule = loaded.schedule
    planner = Planner(schedule, zone)
    lines = [
        f"{loaded.source} is OK: {len(schedule.products)} products, {len(schedule.slots)} slots, "
        f"{len(schedule.off_air)} off-air periods (version {loaded.short_hash})",
        f"{schedule.store.name} · {zone_note} · now {now:%a %d %b %H:%M}",
        "",
    ]
    current = planner.at(now)
    until = f" until {current.end.astimezone(zone):%a %H:%M}" if current.end else ""
    lines.append(f"On air now: {current.title()}{until}")
    lines.append("")
    today = now.date()
    lines.append(f"Today, {now:%A %d %B}:")
    airings = planner.airings(today, today)
    for occ in airings:
        lines.append("  " + _airing_line(occ, zone))
    if not airings:
        lines.append("  no slots; the idle host shows the store's message")
    for period in _off_air_today(planner, today):
        lines.append(f"  off air {period}")
    lines.append("")
    lines.append("This week:")
    for offset in range(1, 7):
        day = today + timedelta(days=offset)
        day_airings = planner.airings(day, day)
        names = " · ".join(
            f"{o.start.astimezone(zone):%H:%M}-{o.end.astimezone(zone):%H:%M} "
            f"{o.window.label(o.index)}"
            for o in day_airings
        )
        off = _off_air_today(planner, day)
        if off and not day_airings:
            names = "off air " + ", ".join(off)
        lines.append(f"  {day:%a %d %b}  {names or 'idle host all day'}")
    sales = [p for p in schedule.products if p.sale and p.sale.ends > now.replace(tzinfo=None)]
    if sales:
        lines.append("")
        lines.append("Sales:")
        for product in sales:
            assert product.sale is not None
            currency = schedule.currency_of(product)
            lines.append(
                f"  {product.name}: {format_price(product.sale.price, currency)} instead of "
                f"{format_price(product.price, currency)} until {product.sale.ends:%a %d %b %H:%M}"
            )
    return "\n".join(lines)


def _airing_line(occ: Occurrence, zone: ZoneInfo) -> str:
    slot = occ.window
    assert isinstance(slot, Slot)
    start, end = occ.start.astimezone(zone), occ.end.astimezone(zone)
    each = f"{slot.per_product / 60:g} min each"
    return (
        f"{start:%H:%M}-{end:%H:%M}  {ljust(slot.label(occ.index), 24)} "
        f"{slot.style:<9} {', '.join(slot.products)} ({each})"
    )


def _off_air_today(planner: Planner, day: date) -> list[str]:
    found = []
    for occ in occurrences(planner.schedule.off_air, planner.zone, day, day):
        start, end = occ.start.astimezone(planner.zone), occ.end.astimezone(planner.zone)
        span = "all day" if (end - start) >= timedelta(hours=23) else f"{start:%H:%M}-{end:%H:%M}"
        found.append(f"{span} ({occ.window.label(occ.index)})")
    return found
