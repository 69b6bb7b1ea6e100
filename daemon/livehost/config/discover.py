"""Which device config a command uses when none is named, and the checkout's layout.

On a unit the config is /etc/livehost/livehost.yaml. In a source checkout there is none:
there the checkout's own sample (etc/livehost/livehost.yaml) is used, with a development
layout, so that every command in the README works as written after `make setup`: state,
cache, logs and secrets under var/, models in models/, the demo avatar `make setup` built.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SYSTEM_CONFIG = Path("/etc/livehost/livehost.yaml")
SAMPLE_CONFIG = Path("etc/livehost/livehost.yaml")  # inside a checkout
DEMO_AVATAR = Path("var/avatars/default")  # inside a checkout, built by `make setup`


@dataclass(frozen=True)
class ConfigChoice:
    path: Path
    checkout: Path | None  # the checkout whose sample this is: development layout
    why: str  # in one line, for people


def is_checkout(folder: Path) -> bool:
    return (
        (folder / SAMPLE_CONFIG).is_file()
        and (folder / "pyproject.toml").is_file()
        and (folder / "daemon" / "livehost").is_dir()
    )


def find_checkout(start: Path | None = None) -> Path | None:
    """The checkout holding the working folder (like git, from any folder below its
    root), else the one this package runs from; None on an installed unit."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_checkout(folder):
            return folder
    package_root = Path(__file__).resolve().parents[3]
    return package_root if is_checkout(package_root) else None


def checkout_of(config: Path) -> Path | None:
    """The checkout whose sample config `config` is, if it is one."""
    config = config.resolve()
    root = config.parents[2] if len(config.parents) > 2 else None
    if root is not None and config == root / SAMPLE_CONFIG and is_checkout(root):
        return root
    return None


def choose_config(named: str | Path | None) -> ConfigChoice | None:
    """--config, else $LIVEHOST_CONFIG, else the system config, else a checkout's sample.
    None when there is none of them."""
    if named:
        path = Path(named)
        return ConfigChoice(path, checkout_of(path) if path.exists() else None, f"{path}")
    if os.environ.get("LIVEHOST_CONFIG"):
        path = Path(os.environ["LIVEHOST_CONFIG"])
        return ConfigChoice(path, checkout_of(path) if path.exists() else None,
                            f"{path} ($LIVEHOST_CONFIG)")
    if SYSTEM_CONFIG.is_file():
        return ConfigChoice(SYSTEM_CONFIG, None, str(SYSTEM_CONFIG))
    root = find_checkout()
    if root is None:
        return None
    return ConfigChoice(
        root / SAMPLE_CONFIG,
        root,
        f"the checkout's {SAMPLE_CONFIG} ({SYSTEM_CONFIG} does not exist)",
    )


def development_paths(root: Path) -> dict[str, str]:
    """Where a checkout keeps what a unit keeps under /var, /opt and /etc."""
    var = root / "var"
    return {
        "state": str(var / "state"),
        "cache": str(var / "cache"),
        "logs": str(var / "logs"),
        "models": str(root / "models"),
        "secrets": str(var / "secrets.yaml"),
    }


def layout_note(root: Path) -> str:
    return f"development layout: state, cache, logs and secrets under {root / 'var'}/, " \
           f"models in {root / 'models'}/"
