"""`livehostctl`: the fleet operator's tool (status, watch, send, push-schedule,
push-scripts, snapshot, events, questions, audience simulate) over MQTT. Broker and TLS
settings come from flags or a small YAML file; for the shipped broker config, the
operators' listener and an operator certificate (docs/mqtt.md, Broker):

    broker: mqtts://broker.example.com:8885
    ca_file: ~/.config/livehost/ca.crt
    cert_file: ~/.config/livehost/operator.crt
    key_file: ~/.config/livehost/operator.key
    # username / password_file for a broker that logs operators in with a password
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
import threading
import time
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from livehost.fleet.connection import BrokerSettings
from livehost.fleet.operator import NotConnected, Operator, UnitView, update
from livehost.fleet.sees import sees
from livehost.textwidth import ljust, width

DEFAULT_CONFIG = "~/.config/livehost/livehostctl.yaml"
# A unit that was offline gets its queued commands on return (persistent session): an
# operator's `say` should not play an hour late, so commands expire unless told otherwise.
DEFAULT_EXPIRY = 600.0
SETTINGS_KEYS = ("broker", "username", "password_file", "ca_file", "cert_file", "key_file")
CELL_COLUMNS = 48  # a long `why` must not push the table off an 80-column terminal


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livehostctl", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config", help=f"settings file (default: $LIVEHOSTCTL_CONFIG or {DEFAULT_CONFIG})"
    )
    parser.add_argument("--broker", help="mqtt://HOST:PORT or mqtts://HOST:PORT")
    parser.add_argument("--username")
    parser.add_argument("--password-file", help="file holding the password")
    parser.add_argument("--ca-file", help="CA certificate of the broker (mqtts)")
    parser.add_argument("--cert-file", help="client certificate (mqtts)")
    parser.add_argument("--key-file", help="client key (mqtts)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for acks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    status = commands.add_parser("status", help="a table of all units (retained messages)")
    status.add_argument("--json", action="store_true", help="print JSON instead of a table")
    status.add_argument("--wide", action="store_true", help="whole cells, none cut short")
    status.set_defaults(func=cmd_status)

    watch = commands.add_parser("watch", help="the status table, refreshed live")
    watch.add_argument("--interval", type=float, default=2.0)
    watch.add_argument("--count", type=int, default=0, help="stop after N refreshes")
    watch.add_argument("--wide", action="store_true", help="whole cells, none cut short")
    watch.set_defaults(func=cmd_watch)

    send = commands.add_parser(
        "send",
        help="send a command and show each unit's ack",
        description="TARGET is a unit id, SITE/UNIT, SITE/all or all. ARGS are key=value "
        "(values read as JSON when they parse, else as text), e.g. "
        "`livehostctl send all say text='Welcome!' priority=5`.",
    )
    send.add_argument("target")
    send.add_argument("cmd", metavar="CMD")
    send.add_argument("args", nargs="*", metavar="KEY=VALUE")
    send.add_argument("--id", help="command id (default: random); a repeat is not re-run")
    send.add_argument(
        "--expires",
        type=float,
        default=DEFAULT_EXPIRY,
        metavar="SECONDS",
        help="units refuse the command once this many seconds have passed, e.g. when "
        f"they were offline (default {DEFAULT_EXPIRY:.0f}; 0: never)",
    )
    send.set_defaults(func=cmd_send)

    push = commands.add_parser("push-schedule", help="validate a schedule here, then push it")
    push.add_argument("target", metavar="UNIT")
    push.add_argument("file", type=Path)
    push.set_defaults(func=cmd_push)

    scripts = commands.add_parser(
        "push-scripts", help="validate script files here, then push them (one per product)"
    )
    scripts.add_argument("target", metavar="UNIT")
    scripts.add_argument("files", type=Path, nargs="+", metavar="FILE", help="scripts/ID.yaml")
    scripts.add_argument(
        "--schedule",
        type=Path,
        metavar="FILE",
        help="also claim-check approved lines against this schedule's facts (the unit does)",
    )
    scripts.set_defaults(func=cmd_push_scripts)

    snap = commands.add_parser("snapshot", help="save a unit's current frame as JPEG")
    snap.add_argument("target", metavar="UNIT")
    snap.add_argument("--out", type=Path, required=True)
    snap.add_argument(
        "--full", action="store_true", help="the frame at the stream's size, not a thumbnail"
    )
    snap.set_defaults(func=cmd_snapshot)

    events = commands.add_parser("events", help="print events as they happen")
    events.add_argument("target", nargs="?", default="all", help="UNIT, SITE/all or all")
    events.add_argument("--for", dest="duration", type=float, help="stop after SECONDS")
    events.add_argument("--count", type=int, default=0, help="stop after N events")
    events.add_argument(
        "--utc", action="store_true", help="your side of each time in UTC, not your zone"
    )
    events.set_defaults(func=cmd_events)

    questions = commands.add_parser(
        "questions", help="viewers' questions a unit found no approved answer for"
    )
    questions.add_argument("target", metavar="UNIT")
    questions.add_argument("--json", action="store_true", help="print JSON instead of a list")
    questions.set_defaults(func=cmd_questions)

    audience = commands.add_parser("audience", help="a unit's audience")
    audience_commands = audience.add_subparsers(dest="audience", metavar="ACTION", required=True)
    simulate = audience_commands.add_parser(
        "simulate",
        help="play a simulated audience to a unit (for demos and tests)",
        description="Publish simulated comments, joins, gifts, viewer counts, spam and abuse "
        "to the unit's audience topic, as a platform bridge would.",
    )
    simulate.add_argument("target", metavar="UNIT")
    simulate.add_argument("--rate", type=float, default=0.5, help="events a second (default 0.5)")
    simulate.add_argument("--script", type=Path, help="YAML list of {after, type, user, text}")
    simulate.add_argument(
        "--schedule", type=Path, help="ask about the FAQ of the product on air, from this file"
    )
    simulate.add_argument("--for", dest="duration", type=float, help="stop after SECONDS")
    simulate.add_argument("--seed", type=int, help="the same audience every time")
    simulate.add_argument(
        "--wait", type=float, default=60.0, help="seconds to wait for the unit to appear"
    )
    simulate.set_defaults(func=cmd_simulate)
    return parser


def settings_from(args: argparse.Namespace) -> BrokerSettings:
    path = args.config or os.environ.get("LIVEHOSTCTL_CONFIG") or DEFAULT_CONFIG
    file: dict = {}
    if Path(path).expanduser().is_file():
        file = yaml.safe_load(Path(path).expanduser().read_text()) or {}
        unknown = set(file) - set(SETTINGS_KEYS)
        if unknown:
            raise SystemExit(f"livehostctl: unknown settings in {path}: {', '.join(unknown)}")
    elif args.config:
        raise SystemExit(f"livehostctl: no settings file {path}")

    def pick(key: str) -> str | None:
        value = getattr(args, key, None) or file.get(key)
        return str(Path(value).expanduser()) if value and key.endswith("_file") else value

    broker = pick("broker") or "mqtt://127.0.0.1:1883"
    password_file = pick("password_file")
    password = Path(password_file).read_text().strip() if password_file else None
    return BrokerSettings.from_url(
        broker,
        username=pick("username"),
        password=password,
        ca_file=pick("ca_file"),
        cert_file=pick("cert_file"),
        key_file=pick("key_file"),
    )


# --- status ---

# SEES, not ON AIR + PRODUCT: a unit streaming its slate is on air, with no product seen
COLUMNS = ("UNIT", "ONLINE", "SEES", "FPS", "RECONN", "TEMP", "UPTIME", "LAST ERROR")


def row(view: UnitView) -> tuple[str, ...]:
    state, tele = view.state, view.telemetry
    online = view.availability
    fps = f"{tele['fps']:.1f}" if isinstance(tele.get("fps"), (int, float)) else "-"
    reconnects = str(tele.get("rtmp_reconnects", "-"))
    temps = [t for t in (tele.get("temperatures") or {}).values() if isinstance(t, (int, float))]
    temp = f"{max(temps):.0f}C" if temps else "-"
    uptime = duration(tele["uptime"]) if isinstance(tele.get("uptime"), (int, float)) else "-"
    return (
        view.name,
        online,
        sees(view.availability, state),
        fps,
        reconnects,
        temp,
        uptime,
        last_error(state),
    )


def last_error(state: dict) -> str:
    if state.get("duplicate_id"):  # the other columns may mix two units' reports
        return f"two units share this id: {state['duplicate_id']}"
    errors = (state.get("schedule") or {}).get("errors") or []
    if errors:
        e = errors[0]
        return f"schedule {Path(str(e.get('file'))).name}:{e.get('line')}: {e.get('message')}"
    if state.get("speech_problem"):
        return f"voice: {state['speech_problem']}"
    if state.get("listen_problem"):
        return str(state["listen_problem"])
    if state and not state.get("on_air"):
        return str(state.get("why", ""))
    return ""


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 86400:
        return f"{seconds // 86400}d{seconds % 86400 // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def shorten(text: str, columns: int) -> str:
    """`text` in at most `columns` terminal columns, ending in "…" if it was cut."""
    if width(text) <= columns:
        return text
    kept, used = [], 1  # the ellipsis takes one column
    for ch in text:
        if used + width(ch) > columns:
            break
        kept.append(ch)
        used += width(ch)
    return "".join(kept) + "…"


def table(
    rows: list[tuple[str, ...]],
    header: tuple[str, ...] = COLUMNS,
    limit: int | None = CELL_COLUMNS,
) -> str:
    """Rows in columns lined up by terminal width; cells over `limit` columns are cut
    (None: whole cells)."""
    cut = [tuple(shorten(c, limit) if limit else c for c in r) for r in rows]
    widths = [max(width(r[i]) for r in [header, *cut]) for i in range(len(header))]
    lines = [
        "  ".join(ljust(c, w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *cut]
    ]
    return "\n".join(lines)


def cmd_status(op: Operator, args: argparse.Namespace) -> int:
    units = op.fleet()
    if args.json:
        print(json.dumps({n: as_json(u) for n, u in units.items()}, indent=2))
        return 0
    print(table([row(u) for u in units.values()], limit=None if args.wide else CELL_COLUMNS))
    online = sum(u.availability == "online" for u in units.values())
    print(f"\n{len(units)} units, {online} online")
    return 0


def as_json(view: UnitView) -> dict:
    """A unit for `status --json`: the retained messages as they came, plus the table's
    own readings of them (`sees`, `last_error`, `shared_id`)."""
    return {
        **view.__dict__,
        "sees": sees(view.availability, view.state),
        "last_error": last_error(view.state),
        "shared_id": bool(view.state.get("duplicate_id")),  # two units publish as this one
    }


def cmd_watch(op: Operator, args: argparse.Namespace) -> int:
    units: dict[str, UnitView] = {}
    lock = threading.Lock()  # paho's thread adds units while this one draws them

    def take(message) -> None:
        with lock:
            update(units, message)

    op.listen(take)
    op.subscribe([f"livehost/+/+/{leaf}" for leaf in ("availability", "state", "telemetry")])
    shown = 0
    while True:
        time.sleep(args.interval if shown else 0.5)
        if sys.stdout.isatty():
            print("\033[H\033[J", end="")
        with lock:
            rows = [row(u) for _, u in sorted(units.items())]
        print(time.strftime("%H:%M:%S"), f"{len(rows)} units")
        print(table(rows, limit=None if args.wide else CELL_COLUMNS), flush=True)
        shown += 1
        if args.count and shown >= args.count:
            return 0


# --- commands ---


def parse_args(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"livehostctl: '{pair}' is not KEY=VALUE")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def show_acks(acks: dict[str, dict], expected: set[str]) -> int:
    rows = []
    failed = 0
    for name in sorted(expected | set(acks)):
        ack = acks.get(name)
        if ack is None:
            rows.append((name, "NO REPLY", ""))
            failed += 1
            continue
        if ack.get("ok"):
            detail = json.dumps(ack.get("result") or {}, separators=(",", ":"))
            rows.append((name, "ok" + (" (repeat)" if ack.get("duplicate") else ""), detail))
        else:
            error = ack.get("error") or {}
            rows.append((name, str(error.get("code")), str(error.get("message"))))
            for p in error.get("problems") or []:
                rows.append(
                    (
                        "",
                        "",
                        f"  {Path(str(p.get('file'))).name}:{p.get('line')}: "
                        f"{p.get('path') or ''} {p.get('message')}",
                    )
                )
            failed += 1
    print(table(rows, ("UNIT", "RESULT", "DETAIL")))
    return 1 if failed else 0


def cmd_send(op: Operator, args: argparse.Namespace) -> int:
    target, expected = op.resolve(args.target, op.fleet())
    fields = parse_args(args.args)
    if args.cmd == "takeover" and "by" not in fields:
        with contextlib.suppress(OSError, KeyError):  # no login name in some containers
            fields["by"] = getpass.getuser()  # the state and events record who drives
    acks = op.send(
        target,
        args.cmd,
        fields,
        expected=expected,
        timeout=args.timeout,
        command_id=args.id,
        expires_in=args.expires or None,
    )
    return show_acks(acks, expected)


def cmd_push(op: Operator, args: argparse.Namespace) -> int:
    from livehost.problems import ProblemsError
    from livehost.schedule.load import load_schedule_file

    try:
        load_schedule_file(args.file)
    except ProblemsError as exc:
        print(f"{args.file} is not pushed: it does not validate here", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    target, expected = op.resolve(args.target, op.fleet())
    text = args.file.read_text(encoding="utf-8")
    acks = op.send(target, "push_schedule", {"yaml": text}, expected=expected, timeout=args.timeout)
    return show_acks(acks, expected)


def cmd_push_scripts(op: Operator, args: argparse.Namespace) -> int:
    from livehost.problems import ProblemsError
    from livehost.schedule.load import load_schedule_file
    from livehost.scripts.load import load_script_file

    schedule = None
    try:
        if args.schedule:
            schedule = load_schedule_file(args.schedule).schedule
        for file in args.files:
            load_script_file(file, schedule)
    except ProblemsError as exc:
        print("nothing is pushed: a file does not validate here", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    target, expected = op.resolve(args.target, op.fleet())
    worst = 0
    for file in args.files:
        fields = {"file": file.name, "yaml": file.read_text(encoding="utf-8")}
        acks = op.send(target, "push_scripts", fields, expected=expected, timeout=args.timeout)
        worst = max(worst, show_acks(acks, expected))
    return worst


def cmd_snapshot(op: Operator, args: argparse.Namespace) -> int:
    target, expected = op.resolve(args.target, op.fleet())
    if target.endswith("/all") or target == "all":
        raise SystemExit("livehostctl: snapshot takes one unit")
    frames: list[bytes] = []
    topic = f"livehost/{target}/snapshot"
    op.listen(lambda m: frames.append(m.payload) if m.topic == topic and not m.retain else None)
    op.subscribe([topic])
    fields = {"full": True} if args.full else {}
    ack = op.send(target, "snapshot", fields, expected=expected, timeout=args.timeout).get(target)
    result = (ack or {}).get("result") or {}
    if not ack or not ack.get("ok") or not result.get("published"):
        return show_acks({target: ack} if ack else {}, expected) or 1
    size = result.get("bytes")
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        # a periodic thumbnail may arrive meanwhile: the ack says how big ours is
        picture = next((f for f in list(frames) if size is None or len(f) == size), None)
        if picture is not None:
            break
        time.sleep(0.02)
    else:
        print(f"{target} acknowledged but no picture arrived", file=sys.stderr)
        return 1
    args.out.write_bytes(picture)
    shape = f" ({result['width']}x{result['height']})" if "width" in result else ""
    print(f"{target}: {len(picture)} bytes{shape} -> {args.out}")
    return 0


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def unit_zone(name: object) -> ZoneInfo | None:
    """The zone a unit's state names, or None (an older unit, or unknown here)."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_label(zone: ZoneInfo) -> str:
    """`America/New_York` -> `New York`: the city says where, an abbreviation may not."""
    return str(zone.key).rsplit("/", 1)[-1].replace("_", " ")


def event_time(
    ts: float,
    unit: ZoneInfo | None,
    mine: tzinfo | None = None,
    now: float | None = None,
) -> str:
    """When an event happened, in the operator's zone (`mine`, default this machine's)
    and, where its offset differs, in the unit's: `14:03:07 (08:03:07 New York)`. The
    date leads when it is not today here; the unit's weekday joins its time when its
    calendar day differs from ours: `01:10:00 (Wed 19:10:00 New York)`."""
    here = datetime.fromtimestamp(ts, timezone.utc).astimezone(mine)
    today = datetime.fromtimestamp(time.time() if now is None else now, timezone.utc)
    stamp = here.strftime("%H:%M:%S")
    if here.date() != today.astimezone(mine).date():
        stamp = f"{here:%Y-%m-%d} {stamp}"
    if mine is timezone.utc:
        stamp += " UTC"
    if unit is None:
        return stamp
    there = here.astimezone(unit)
    if there.utcoffset() == here.utcoffset():
        return stamp  # one clock: the two times would be the same
    day = f"{WEEKDAYS[there.weekday()]} " if there.date() != here.date() else ""
    return f"{stamp} ({day}{there:%H:%M:%S} {zone_label(unit)})"


def cmd_events(op: Operator, args: argparse.Namespace) -> int:
    if args.target == "all":
        base = "livehost/+/+"
    elif args.target.endswith("/all"):
        base = f"livehost/{args.target.split('/')[0]}/+"
    else:
        target, _ = op.resolve(args.target, op.fleet())
        base = f"livehost/{target}"
    mine = timezone.utc if args.utc else None
    zones: dict[str, ZoneInfo | None] = {}  # SITE/UNIT -> its zone, from the retained state
    seen = [0]

    def show(message) -> None:
        leaf = message.topic.rsplit("/", 1)[-1]
        if leaf not in ("events", "state"):
            return
        try:
            body = json.loads(message.payload)
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        unit = "/".join(message.topic.split("/")[1:3])
        if leaf == "state":
            zones[unit] = unit_zone(body.get("timezone"))
            return
        ts = body.get("ts")
        try:
            stamp = event_time(float(ts), zones.get(unit), mine)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError, OSError):  # no time, or none a clock has
            stamp = event_time(time.time(), zones.get(unit), mine) + " (received)"
        print(f"{stamp} {unit} {body.get('kind')}: {body.get('message')}", flush=True)
        seen[0] += 1

    op.listen(show)
    # the states first (retained, they arrive at once): each unit's zone is known
    # before its first event is printed
    op.subscribe([f"{base}/state", f"{base}/events"])
    deadline = time.monotonic() + args.duration if args.duration else None
    while not (args.count and seen[0] >= args.count):
        if deadline is not None and time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return 0


def cmd_questions(op: Operator, args: argparse.Namespace) -> int:
    target, _ = op.resolve(args.target, op.fleet())
    ack = op.command(target, "questions", {}, timeout=args.timeout)
    if not ack.get("ok"):
        print(f"{target}: {(ack.get('error') or {}).get('message', 'refused')}", file=sys.stderr)
        return 1
    found = ack.get("result", {}).get("questions", {})
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(f"{target}: every question so far had an approved answer")
    for product, asked in found.items():
        print(f"{product}:")
        for item in asked:
            print(f"  {item['count']:>4}x  {item['text']}")
    return 0


def _wait_for_unit(op: Operator, name: str, seconds: float) -> str:
    """SITE/UNIT of `name` once it is known and `online`, waiting up to `seconds` (a
    unit starting). One subscription for the whole wait: the retained reports come at
    once, and later ones as the unit publishes them."""
    units: dict[str, UnitView] = {}
    lock = threading.Lock()  # paho's thread fills `units`

    def take(message) -> None:
        with lock:
            update(units, message)

    filters = [f"livehost/+/+/{leaf}" for leaf in ("availability", "state")]
    stop = op.listen(take)
    try:
        op.subscribe(filters)
        deadline = time.monotonic() + seconds
        while True:
            with lock:
                known = dict(units)
            try:
                target = op.resolve(name, known)[0]  # SITE/UNIT never raises: checked below
                if target in known and known[target].availability == "online":
                    return target
                problem = (
                    f"unit '{target}' is {known[target].availability}"
                    if target in known
                    else f"unit '{target}' is not known to the broker"
                )
            except LookupError as exc:
                if sum(u.unit == name for u in known.values()) > 1:
                    raise  # in several sites: waiting does not make it one
                problem = str(exc)
            if time.monotonic() >= deadline:
                raise LookupError(f"{problem} (waited {seconds:g} s)")
            time.sleep(0.1)
    finally:
        stop()
        op.client.unsubscribe(filters)


def cmd_simulate(op: Operator, args: argparse.Namespace) -> int:
    import random

    from livehost.fleet.audience_sim import ScriptRefused, Simulation, paced, payload, scripted
    from livehost.fleet.topics import UnitTopics
    from livehost.problems import ProblemsError
    from livehost.schedule.load import load_schedule_file

    on_air: dict[str, str | None] = {"product": None}
    # the files first: a mistake in them is said at once, not after waiting for the unit
    try:
        schedule = load_schedule_file(args.schedule).schedule if args.schedule else None
    except ProblemsError as exc:
        print(f"{args.schedule} cannot be used: it does not validate here", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    simulation = Simulation(schedule, lambda: on_air["product"], random.Random(args.seed))
    try:
        events = (
            scripted(simulation, args.script)
            if args.script
            else paced(simulation, max(0.01, args.rate), args.duration)
        )
    except ScriptRefused as exc:
        print(f"livehostctl: {exc}", file=sys.stderr)
        return 2
    target = _wait_for_unit(op, args.target, args.wait)
    site, _, unit = target.partition("/")
    topics = UnitTopics(site, unit)

    def follow(message) -> None:  # the product on air, from the unit's retained state
        if message.topic == topics.state:
            with contextlib.suppress(ValueError, AttributeError):
                on_air["product"] = json.loads(message.payload).get("product_id")

    op.listen(follow)
    op.subscribe([topics.state])
    sent = 0
    last = None
    for delay, make in events:
        time.sleep(delay)
        last = op.client.publish(topics.audience, payload(make()), qos=1)
        sent += 1
    if last is not None:
        # QoS 1 in order: once the broker has the last one, it has them all
        last.wait_for_publish(args.timeout)
    print(f"{target}: {sent} simulated audience events sent")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
        with Operator(settings, timeout=args.timeout) as op:
            return int(args.func(op, args) or 0)
    except (NotConnected, OSError, LookupError, ValueError) as exc:
        print(f"livehostctl: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
