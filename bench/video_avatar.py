"""Video avatar packages for the benchmarks (face, onair), built once and cached.

- the synthetic one: bench_avatar_build's 60 s talking clip (the warp engine animating
  the demo portrait with Piper speech along a 60 s version of the capture guide) at
  404 x 720, so its package is 720 px tall, as a 720p host shows it;
- the real one: the talking clip in ../shared/clips (10 s, no idle or gesture takes: its
  whole length serves as both, as in bench_avatar_build); None when it is absent.

Everything lives under var/cache/bench/ (ignored by git): clips by what they are made
from, packages by their clip's sha256, so a rerun builds nothing. Delete the folder to
rebuild from scratch.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.face.synthetic_clip import READING_TEXT  # noqa: E402

from bench.bench_avatar_build import CONSENT, REAL_CLIP, REAL_TEXT, SIXTY  # noqa: E402
from livehost.modelstore.hashing import sha256_file  # noqa: E402

CACHE = REPO / "var" / "cache" / "bench"
SYNTHETIC_SIZE = (404, 720)  # width, height: the package's height is min(720, clip height)


LIVEHOST = REPO / "daemon" / "livehost"
# what draws the synthetic clip, and what builds a package: a change to either makes new
WARP_CODE = (LIVEHOST / "lipsync" / "layout.py",
             *sorted((LIVEHOST / "lipsync" / "warp").glob("*.py")))
BUILD_CODE = tuple(sorted((LIVEHOST / "avatar" / "video").glob("*.py")))


def code_key(paths: list[Path] | tuple[Path, ...]) -> bytes:
    return b"".join(p.read_bytes() for p in paths)


def synthetic_clip() -> Path:
    """bench_avatar_build's 60 s synthetic clip (with its segments sidecar), cached by the
    clip maker's source, the takes and the size."""
    import tests.face.synthetic_clip as maker

    key = hashlib.sha256(
        code_key([Path(maker.__file__), *WARP_CODE]) + repr((SIXTY, SYNTHETIC_SIZE)).encode()
    ).hexdigest()[:16]
    path = CACHE / "clips" / f"synthetic-60s-{key}.mp4"
    if path.is_file() and path.with_suffix(".segments.yaml").is_file():
        return path
    from livehost.avatar.package import load_avatar

    path.parent.mkdir(parents=True, exist_ok=True)
    avatar = load_avatar(REPO / "var" / "avatars" / "default")
    voice = _voice()
    partial = path.with_name(f"partial-{path.name}")
    width, height = SYNTHETIC_SIZE
    maker.make_clip(partial, avatar, voice, SIXTY, width=width, height=height)
    partial.with_suffix(".segments.yaml").replace(path.with_suffix(".segments.yaml"))
    partial.replace(path)
    return path


def package(clip: Path, name: str, takes, text: str | None = None) -> tuple[Path, dict]:
    """The package built from `clip` (cached by its sha256, the build's code and the text;
    with the voice when the words read are known) and how it was had:
    {"cached": bool, "build_seconds": float | None, "clip_sha256": str}."""
    from livehost.avatar.kinds import load_any_avatar
    from livehost.avatar.video.build import build_video_avatar

    digest = sha256_file(clip)
    key = hashlib.sha256(digest.encode() + code_key(BUILD_CODE) + (text or "").encode())
    folder = CACHE / "packages" / f"{name}-{key.hexdigest()[:16]}"
    info: dict[str, object] = {"clip": clip.name, "clip_sha256": digest}
    if (folder / "manifest.yaml").is_file():
        try:
            load_any_avatar(folder)
            return folder, info | {"cached": True, "build_seconds": None}
        except Exception:  # an older package format, a half-written folder: build again
            shutil.rmtree(folder, ignore_errors=True)
    partial = folder.with_name(f"partial-{folder.name}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    build_video_avatar(clip, partial, name=name, consent=CONSENT, takes=takes,
                       voice=_voice() if text else None, text=text)
    seconds = round(time.perf_counter() - started, 1)
    partial.replace(folder)
    return folder, info | {"cached": False, "build_seconds": seconds}


def synthetic_package() -> tuple[Path, dict]:
    from livehost.avatar.video.build import read_segments

    clip = synthetic_clip()
    # make_clip reads the text again to fill the 36 s reading
    text = " ".join([READING_TEXT] * 3)
    return package(clip, "synthetic", read_segments(clip.with_suffix(".segments.yaml")), text)


def real_package() -> tuple[Path, dict] | None:
    """The package of the real talking clip, or None without ../shared/clips."""
    if not REAL_CLIP.is_file():
        return None
    from livehost.avatar.video.timeline import Segment

    whole = [Segment("idle", 0.0, 10.0), Segment("reading", 0.0, 10.0)]
    text = REAL_TEXT.read_text(encoding="utf-8") if REAL_TEXT.is_file() else None
    return package(REAL_CLIP, "real", whole, text)


def _voice():
    from livehost.config.engines import VoiceConfig
    from livehost.speech.piper import PiperEngine

    model = REPO / "models" / "en_US-joe-medium.onnx"
    return PiperEngine.load(
        model, VoiceConfig(), ["CPUExecutionProvider"], config=model.with_suffix(".onnx.json")
    )
