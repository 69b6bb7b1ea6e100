"""Reading and writing avatar package folders."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import cv2
import numpy as np
import yaml
from pydantic import ValidationError

from livehost.avatar.manifest import AvatarManifest

if TYPE_CHECKING:
    from livehost.avatar.video.manifest import VideoManifest

log = logging.getLogger(__name__)

MANIFEST = "manifest.yaml"
N_LANDMARKS = 468


class AvatarError(Exception):
    """An avatar cannot be built or used; the message says why, for a person to fix."""


class Recorded:
    """What both kinds of package say of themselves, from their manifest."""

    manifest: AvatarManifest | VideoManifest

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def demo_only(self) -> bool:
        pd = self.manifest.public_domain
        return pd is not None and pd.demo_only


@dataclass(frozen=True)
class Avatar(Recorded):
    kind: ClassVar[str] = "portrait"
    folder: Path
    manifest: AvatarManifest
    image: np.ndarray  # H x W x 3 uint8, RGB
    landmarks: np.ndarray  # 468 x 3 float32, pixels of `image` (z in the same scale)


def load_avatar(folder: str | Path) -> Avatar:
    """Load and check a package; refuses one without a consent or public-domain record."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise AvatarError(f"{folder}: not an avatar package (no {MANIFEST}); "
                          "build one with `livehost avatar build --photo FILE --out DIR`")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("kind") == "video":
            raise AvatarError(
                f"{folder}: a video avatar (built from a clip), not a photo: it plays on the "
                "atlas engine (engines.lipsync: auto or atlas)"
            )
        manifest = AvatarManifest.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        # The usual cause: a real person's avatar without a consent record.
        raise AvatarError(f"{path}: refusing this avatar: {first_error(exc)}") from None
    image = cv2.imread(str(folder / manifest.image), cv2.IMREAD_COLOR)
    if image is None:
        raise AvatarError(f"{folder / manifest.image}: the portrait cannot be read")
    image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if (image.shape[1], image.shape[0]) != tuple(manifest.image_size):
        raise AvatarError(f"{folder}: portrait size {image.shape[1]}x{image.shape[0]} does not "
                          f"match the manifest's {manifest.image_size}")
    landmarks = np.load(folder / manifest.landmarks).astype(np.float32)
    if landmarks.shape != (N_LANDMARKS, 3):
        raise AvatarError(f"{folder}: landmarks have shape {landmarks.shape}, want (468, 3)")
    avatar = Avatar(folder, manifest, image, landmarks)
    if avatar.demo_only:
        log.warning("avatar %s is a public-domain demo portrait: build your own avatar "
                    "with a consent record before going live", avatar.name)
    return avatar


def write_avatar(folder: Path, manifest: AvatarManifest, image_rgb: np.ndarray,
                 landmarks: np.ndarray) -> Path:
    """Write the package; the manifest goes last so a half-written folder never loads."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    cv2.imwrite(str(folder / manifest.image), cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_JPEG_QUALITY, 95])
    np.save(folder / manifest.landmarks, landmarks.astype(np.float32))
    text = yaml.safe_dump(manifest.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(folder / MANIFEST)
    return folder


def first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return f"{where}: {err['msg']}" if where else err["msg"]
    return str(exc)
