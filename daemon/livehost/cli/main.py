"""`livehost`: the daemon and the staff tools, one subcommand per module in this package."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from livehost import __version__

# Each module defines register(subparsers) and sets `func` on its parser.
COMMAND_MODULES = [
    "livehost.cli.check",
    "livehost.cli.plan",
    "livehost.cli.run",
    "livehost.cli.avatar",
    "livehost.cli.preview",
    "livehost.cli.hardware",
    "livehost.cli.say",
    "livehost.cli.models",
    "livehost.cli.script",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livehost", description="AI livestream host for a shop: daemon and staff tools."
    )
    parser.add_argument("--version", action="version", version=f"livehost {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `livehost plan --day ... | head`
        return 0
