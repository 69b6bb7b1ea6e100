"""Which avatar package a unit airs: the one named in config, else the built-in demo."""

from __future__ import annotations

from pathlib import Path

from livehost.config.device import LoadedConfig
from livehost.config.discover import DEMO_AVATAR, find_checkout


def demo_avatar(models: Path) -> Path:
    """The built-in demo host: installed with the models on a unit, or where `make setup`
    built it in a checkout (found from any folder of it)."""
    installed = models / "avatars" / "default"
    if (installed / "manifest.yaml").is_file():
        return installed
    checkout = find_checkout()
    return checkout / DEMO_AVATAR if checkout is not None else installed


def resolve_avatar_path(loaded: LoadedConfig, models: Path, override: Path | None = None) -> Path:
    """The avatar folder to load; load_avatar() explains what is wrong with it, if anything."""
    if override is not None:
        return override
    if loaded.config.avatar.path:
        return loaded.resolve(loaded.config.avatar.path)
    return demo_avatar(models)
