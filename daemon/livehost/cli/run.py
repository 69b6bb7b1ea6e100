"""`livehost run`: the appliance daemon (what systemd starts)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from livehost.cli.common import (
    add_config_argument,
    find_config_or_system,
    parse_when,
    print_problems,
)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run the livestream host (the daemon)",
        description="Go on air: follow the schedule, speak, animate the host and stream to "
        "the configured RTMP outputs. Stops cleanly on SIGTERM or Ctrl-C; SIGHUP reloads "
        "the schedule.",
    )
    add_config_argument(parser)
    parser.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="URL",
        help="stream here instead of the configured outputs (repeatable); "
        "the URL includes the stream key",
    )
    parser.add_argument(
        "--for", dest="duration", type=float, metavar="SECONDS", help="stop cleanly after this long"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="where the last good schedule and config are kept (default: paths.state for "
        "the schedule; for the config $STATE_DIRECTORY, else a checkout's var/state, else "
        "paths.state, else /var/lib/livehost)",
    )
    parser.add_argument(
        "--test-pattern",
        action="store_true",
        help="flash white and beep every 2 s (for checking A/V sync)",
    )
    parser.add_argument(
        "--mqtt",
        metavar="URL",
        help="fleet broker as mqtt://HOST:PORT or mqtts://HOST:PORT (overrides mqtt.url)",
    )
    parser.add_argument(
        "--now",
        metavar="'YYYY-MM-DD HH:MM'",
        help="start the show's clock at this local time instead of the real time "
        "(for tests and the demo)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from livehost.daemon import Daemon, RunOptions
    from livehost.system.logging import setup_logging

    if args.mqtt:
        from livehost.fleet.connection import BrokerSettings

        try:
            BrokerSettings.from_url(args.mqtt)
        except ValueError as exc:
            print(f"livehost run: --mqtt: {exc}", file=sys.stderr)
            return 2
    from livehost.config.lastgood import ConfigKeeper, state_folder
    from livehost.problems import ProblemsError
    from livehost.show.rehearse import rehearse_config

    choice = find_config_or_system(args.config)
    keeper = ConfigKeeper(state_folder(args.state_dir, choice.checkout, choice.path))
    try:
        # the file, or the last good copy when the file is broken or keeps failing
        start = keeper.choose(choice.path, choice.checkout, rehearse_config)
    except ProblemsError as exc:
        print_problems(exc.problems, sys.stderr)
        return 2
    keeper.starting(start)  # counts against the file until proven: a crash from here on
    loaded = start.loaded
    now = parse_when(args.now, loaded.config.unit.zone) if args.now else None
    # structured fields in the journal under systemd, plain lines on a terminal
    setup_logging(args.verbose, unit_id=loaded.config.unit.id)
    if now is not None:
        logging.getLogger(__name__).warning(
            "the show's clock starts at %s %s (--now), not the real time",
            f"{now:%Y-%m-%d %H:%M}",
            loaded.config.unit.timezone,
        )
    options = RunOptions(
        outputs=args.output,
        duration=args.duration,
        state_dir=args.state_dir,
        test_pattern=args.test_pattern,
        mqtt=args.mqtt,
        now=now,
    )
    return Daemon(loaded, options, start=start, keeper=keeper).run()
