"""Loading a video avatar package (`kind: video`) for the clip-atlas engine.

The package keeps the frames as one H.264 file and everything measured on them in
features.npz; `cues.yaml` says which recorded take plays for which cue, so a shop can
point its own cue names at its own takes (a segments.yaml at build time adds takes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import ClassVar

import av
import numpy as np
import yaml
from pydantic import ValidationError

from livehost.avatar.package import MANIFEST, AvatarError, Recorded, first_error
from livehost.avatar.video.manifest import SegmentPart, VideoManifest
from livehost.avatar.video.mouthmap import MouthMap

log = logging.getLogger(__name__)

CUES = "cues.yaml"
# cue (what the director and the scripts say) -> take (what the guide records)
DEFAULT_CUES = {
    "follow": "follow",
    "cart": "cart",
    "present": "product",
    "product": "product",
    "wave": "wave",
    "nod": "nod",
    "happy": "happy",
    "concerned": "concerned",
}
NOT_GESTURES = frozenset({"idle", "reading"})  # takes the engine plays otherwise
VOICE_MAP = "voice_"  # features.npz prefix of the voice map's arrays


@dataclass(frozen=True)
class VideoAvatar(Recorded):
    kind: ClassVar[str] = "video"
    folder: Path
    manifest: VideoManifest
    landmarks: np.ndarray  # N x 468 x 3 float32, the package's pixels (NaN: no face)
    opening: np.ndarray  # N: inner lip gap, eye distances
    width: np.ndarray  # N: mouth width, eye distances
    pose: np.ndarray  # N x 3: yaw, roll, pitch in degrees
    speaking: np.ndarray  # N bool: the clip's sound is speech there
    lips: np.ndarray  # N x 40 x 2: head-normalised lip points (eye distances)
    cues: dict[str, str]  # cue name -> segment name
    voice_map: MouthMap | None = None  # the person's map from voice curves to mouths

    @property
    def frames_path(self) -> Path:
        return self.folder / self.manifest.frames

    def segment(self, name: str) -> SegmentPart | None:
        return next((s for s in self.manifest.segments if s.name == name), None)


def load_video_avatar(folder: str | Path) -> VideoAvatar:
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        manifest = VideoManifest.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise AvatarError(f"{path}: cannot be read ({exc})") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise AvatarError(f"{path}: refusing this avatar: {first_error(exc)}") from None
    if not (folder / manifest.frames).is_file():
        raise AvatarError(f"{folder / manifest.frames}: the frames are missing; build again")
    try:
        with np.load(folder / manifest.features) as f:
            arrays = {k: f[k] for k in ("landmarks", "opening", "width", "pose", "speaking",
                                        "lips")}
            voice_map = read_map(f, VOICE_MAP)
    except (OSError, KeyError, ValueError) as exc:
        raise AvatarError(f"{folder / manifest.features}: cannot be read ({exc}); build again"
                          ) from None
    count = manifest.frame_count
    if any(len(a) != count for a in arrays.values()):
        raise AvatarError(f"{folder}: features.npz does not match the {count} frames; build again")
    avatar = VideoAvatar(
        folder,
        manifest,
        arrays["landmarks"].astype(np.float32),
        arrays["opening"].astype(np.float32),
        arrays["width"].astype(np.float32),
        arrays["pose"].astype(np.float32),
        arrays["speaking"].astype(bool),
        arrays["lips"].astype(np.float32),
        read_cues(folder / CUES, manifest),
        voice_map,
    )
    if avatar.demo_only:
        log.warning("avatar %s is a public-domain demo: build your own avatar with a consent "
                    "record before going live", avatar.name)
    return avatar


def map_arrays(mouth_map: MouthMap, prefix: str) -> dict[str, np.ndarray]:
    """A map's arrays, named for features.npz."""
    return {f"{prefix}{k}": v for k, v in asdict(mouth_map).items()}


def read_map(arrays: Mapping[str, np.ndarray], prefix: str) -> MouthMap | None:
    """The map saved under `prefix`, or None when the build made none."""
    names = [f.name for f in fields(MouthMap)]
    present = set(getattr(arrays, "files", arrays))  # an NpzFile lists its arrays in files
    if not all(f"{prefix}{n}" in present for n in names):
        return None
    return MouthMap(**{n: np.asarray(arrays[f"{prefix}{n}"], np.float64) for n in names})


def default_cues(manifest: VideoManifest) -> dict[str, str]:
    takes = {s.name for s in manifest.segments}
    return {cue: take for cue, take in DEFAULT_CUES.items() if take in takes}


def read_cues(path: Path, manifest: VideoManifest) -> dict[str, str]:
    """The package's cue library (the defaults for its takes when there is no file)."""
    if not path.is_file():
        return default_cues(manifest)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AvatarError(f"{path}: not readable YAML ({exc})") from None
    if not isinstance(data, dict):
        raise AvatarError(f"{path}: write one `cue: take` per line (cart: cart)")
    takes = {s.name for s in manifest.segments} - NOT_GESTURES
    cues = {}
    for cue, take in data.items():
        if str(take) not in takes:
            raise AvatarError(
                f"{path}: cue {cue!r} names take {take!r}, which this clip does not have "
                f"(its takes: {', '.join(sorted(takes)) or 'none'})"
            )
        cues[str(cue)] = str(take)
    return cues


def write_cues(path: Path, manifest: VideoManifest) -> None:
    lines = [
        "# Which recorded take the host plays for each cue: `cue: take`.",
        "# The director cues follow, cart, present (a product's introduction), wave,",
        "# happy and concerned; approved scripts can add their own. Add a line to play one",
        "# of this clip's takes for another cue.",
    ]
    lines += [f"{cue}: {take}" for cue, take in default_cues(manifest).items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def decode(path: Path) -> Iterator[tuple[int, np.ndarray]]:
    """(frame number, RGB picture) for every frame of the package, in order."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for n, frame in enumerate(container.decode(stream)):
                yield n, frame.to_ndarray(format="rgb24")
    except av.FFmpegError as exc:
        raise AvatarError(f"{path}: the frames cannot be decoded ({exc}); build again") from None
