"""`livehost plan`: what is on air at a time, over a day, or live as the schedule changes."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from livehost.cli.common import (
    add_config_argument,
    load_config_or_report,
    parse_when,
    print_problems,
)
from livehost.problems import ProblemsError
from livehost.schedule.currencies import format_price
from livehost.schedule.fields import parse_date
from livehost.schedule.load import load_schedule_file
from livehost.schedule.model import Schedule
from livehost.schedule.planner import Planner, Segment
from livehost.schedule.store import ScheduleStore
from livehost.schedule.watcher import ScheduleWatcher


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "plan",
        help="show what is on air at a time, over a day, or live",
        description="Show what the schedule puts on air. Times are in the unit's time zone.",
    )
    add_config_argument(parser)
    parser.add_argument("--schedule", metavar="FILE", help="schedule file (default: from config)")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--at", metavar="'YYYY-MM-DD HH:MM'", help="what is on air at this time")
    when.add_argument("--day", metavar="YYYY-MM-DD", help="every change during this day")
    when.add_argument(
        "--follow",
        action="store_true",
        help="keep running: print each change, reload when the schedule file is saved or on SIGHUP",
    )
    parser.add_argument(
        "--for",
        dest="duration",
        type=float,
        default=0,
        metavar="SECONDS",
        help="with --follow: stop after this long (0: run until Ctrl-C)",
    )
    parser.add_argument("--state-dir", metavar="DIR", help="where the last good schedule is kept")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded_config = load_config_or_report(args.config)
    if loaded_config is None:
        return 2
    zone = loaded_config.config.unit.zone
    schedule_path = Path(args.schedule) if args.schedule else loaded_config.schedule_path
    if args.follow:
        state_dir = Path(args.state_dir) if args.state_dir else loaded_config.state_dir
        return follow(schedule_path, zone, state_dir, args.duration)
    try:
        schedule = load_schedule_file(schedule_path).schedule
    except ProblemsError as exc:
        print_problems(exc.problems)
        return 1
    planner = Planner(schedule, zone)
    if args.day:
        try:
            day = parse_date(args.day)
        except ValueError as exc:
            raise SystemExit(f"livehost: {exc}") from None
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        for segment in planner.timeline(start, start + timedelta(days=1)):
            print(segment_line(segment, zone, schedule))
        return 0
    at = parse_when(args.at, zone)
    segment = planner.at(at)
    print(f"At {at:%a %d %b %Y %H:%M %Z}:")
    print(segment_line(segment, zone, schedule))
    if segment.end is not None:
        following = planner.at(segment.end)
        print(f"Next: {segment_line(following, zone, schedule)}")
    return 0


def segment_line(segment: Segment, zone: ZoneInfo, schedule: Schedule) -> str:
    start = f"{segment.start.astimezone(zone):%H:%M}" if segment.start else "  ?  "
    end = f"{segment.end.astimezone(zone):%H:%M}" if segment.end else "  ?  "
    line = f"{start}-{end}  {segment.title()}"
    product = segment.product
    if product is not None:
        currency = schedule.currency_of(product)
        line += f"  [{format_price(product.price, currency)}"
        if (
            product.sale
            and segment.start
            and product.on_sale(segment.start.astimezone(zone).replace(tzinfo=None))
        ):
            line += f", sale {format_price(product.sale.price, currency)}"
        line += "]"
    elif segment.kind == "fallback":
        line += f'  "{schedule.fallback.message}"'
    return line


def follow(schedule_path: Path, zone: ZoneInfo, state_dir: Path, duration: float) -> int:
    """Run the schedule machinery live: watcher, SIGHUP reload, and the planner's clock."""
    store = ScheduleStore(schedule_path, zone, state_dir)
    if store.start() is None:
        print_problems(store.last_problems)
        return 1
    stop = threading.Event()
    wake = threading.Event()

    def reload() -> None:
        result = store.reload()
        if result.problems:
            print_problems(result.problems, sys.stdout)
            print("The schedule on air is unchanged.", flush=True)
        wake.set()

    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=reload, daemon=True).start())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    deadline = time.monotonic() + duration if duration > 0 else None
    shown: tuple | None = None
    with ScheduleWatcher(schedule_path, reload):
        print(f"Following {schedule_path} (Ctrl-C to stop)", flush=True)
        try:
            while not stop.is_set():
                current = store.current
                assert current is not None
                segment = Planner(current.schedule, zone).at(datetime.now(timezone.utc))
                if (segment.key, store.version) != shown:
                    shown = (segment.key, store.version)
                    stamp = datetime.now(zone).strftime("%H:%M:%S")
                    line = segment_line(segment, zone, current.schedule)
                    print(f"[{stamp}] v{store.version} {line}", flush=True)
                wait = 1.0
                if segment.end is not None:
                    wait = max(
                        0.05, min(wait, (segment.end - datetime.now(timezone.utc)).total_seconds())
                    )
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    wait = min(wait, remaining)
                wake.wait(wait)
                wake.clear()
        except KeyboardInterrupt:
            pass
    return 0
