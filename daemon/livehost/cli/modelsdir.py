"""Where the models folder is for the `models` and `say` commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from livehost.cli.common import find_config, load_chosen
from livehost.config.device import LoadedConfig
from livehost.config.discover import SYSTEM_CONFIG


def add_models_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--models", metavar="DIR", default=None,
        help="models folder (default: $LIVEHOST_MODELS, else paths.models of the device "
        "config, else ./models)",
    )
    parser.add_argument(
        "--config", metavar="FILE", default=None,
        help=f"device config (default: $LIVEHOST_CONFIG, else {SYSTEM_CONFIG} or the "
        "checkout's etc/livehost/livehost.yaml if one exists)",
    )


def device_config(args: argparse.Namespace) -> LoadedConfig | None:
    """The device config named by --config or $LIVEHOST_CONFIG, else the system one or a
    checkout's sample, if present.

    Raises ProblemsError when a named config is broken; None when there is none at all,
    in which case the defaults apply.
    """
    choice = find_config(args.config)
    return load_chosen(choice) if choice is not None else None


def models_dir(args: argparse.Namespace, loaded: LoadedConfig | None) -> Path:
    if args.models:
        return Path(args.models)
    if os.environ.get("LIVEHOST_MODELS"):
        return Path(os.environ["LIVEHOST_MODELS"])
    if loaded is not None:
        return loaded.resolve(loaded.config.paths.models)
    return Path("models")
