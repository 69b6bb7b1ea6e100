"""Where the models folder is for the `models` and `say` commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from livehost.config.device import DEFAULT_CONFIG, LoadedConfig, load_config


def add_models_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--models", metavar="DIR", default=None,
        help="models folder (default: $LIVEHOST_MODELS, else paths.models of the device "
        "config, else ./models)",
    )
    parser.add_argument(
        "--config", metavar="FILE", default=None,
        help=f"device config (default: $LIVEHOST_CONFIG or {DEFAULT_CONFIG} if it exists)",
    )


def device_config(args: argparse.Namespace) -> LoadedConfig | None:
    """The device config named by --config or $LIVEHOST_CONFIG, or the system one if present.

    Raises ProblemsError when a named config is broken; None when there is none at all
    (a developer machine), in which case the defaults apply.
    """
    path = args.config or os.environ.get("LIVEHOST_CONFIG")
    if path is None and Path(DEFAULT_CONFIG).is_file():
        path = DEFAULT_CONFIG
    return load_config(path) if path else None


def models_dir(args: argparse.Namespace, loaded: LoadedConfig | None) -> Path:
    if args.models:
        return Path(args.models)
    if os.environ.get("LIVEHOST_MODELS"):
        return Path(os.environ["LIVEHOST_MODELS"])
    if loaded is not None:
        return loaded.resolve(loaded.config.paths.models)
    return Path("models")
