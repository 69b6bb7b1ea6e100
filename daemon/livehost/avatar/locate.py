"""Which avatar package a unit airs: the one named in config, else the built-in demo."""

from __future__ import annotations

from pathlib import Path

from livehost.config.device import LoadedConfig

# Where `make setup` builds the demo avatar in a checkout (relative to the working folder).
DEV_AVATAR = Path("var/avatars/default")


def resolve_avatar_path(loaded: LoadedConfig, models: Path, override: Path | None = None) -> Path:
    """The avatar folder to load; load_avatar() explains what is wrong with it, if anything."""
    if override is not None:
        return override
    if loaded.config.avatar.path:
        return loaded.resolve(loaded.config.avatar.path)
    for candidate in (models / "avatars" / "default", DEV_AVATAR):
        if (candidate / "manifest.yaml").is_file():
            return candidate
    return models / "avatars" / "default"
