"""Either kind of avatar package: a photo (`kind: portrait`, the default) or a clip
(`kind: video`). Each lip-sync engine says which kinds it plays."""

from __future__ import annotations

from pathlib import Path

import yaml

from livehost.avatar.package import MANIFEST, Avatar, load_avatar
from livehost.avatar.video.package import VideoAvatar, load_video_avatar

AnyAvatar = Avatar | VideoAvatar


def avatar_kind(folder: Path) -> str:
    """`video` or `portrait` (also for a folder that load_avatar will refuse, so that the
    refusal, not this, says what is wrong)."""
    try:
        data = yaml.safe_load((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "portrait"
    return "video" if isinstance(data, dict) and data.get("kind") == "video" else "portrait"


def load_any_avatar(folder: str | Path) -> AnyAvatar:
    folder = Path(folder)
    if avatar_kind(folder) == "video":
        return load_video_avatar(folder)
    return load_avatar(folder)
