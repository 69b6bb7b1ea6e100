"""Picking the lip-sync engine named in config. It lives beside the interface, not in
it, so the engines import the interface and nothing imports back."""

from __future__ import annotations

from pathlib import Path

from livehost.config.engines import EnginesConfig
from livehost.lipsync.engine import LipSyncEngine


def load_lipsync_engine(engines: EnginesConfig, width: int, height: int, fps: int,
                        cache_dir: Path | None = None, model_dir: Path | None = None,
                        kind: str = "portrait") -> LipSyncEngine:
    """The engine named in config (`engines.lipsync`) for an avatar of `kind` (portrait
    or video), not yet prepared with it. ValueError when that engine cannot play it."""
    name = engines.lipsync
    if name == "auto":
        name = "atlas" if kind == "video" else "warp"
    if name == "atlas":
        from livehost.lipsync.atlas.engine import AtlasEngine

        engine: LipSyncEngine = AtlasEngine(width, height, fps)
    elif name == "warp":
        from livehost.lipsync.warp.engine import WarpEngine

        engine = WarpEngine(width, height, fps, cache_dir=cache_dir)
    else:
        engine = _onnx(engines, width, height, fps, cache_dir, model_dir)
    if kind not in engine.kinds:
        want = "a video avatar (livehost avatar build --video)" if "video" in engine.kinds \
            else "a photo avatar (livehost avatar build --photo)"
        raise ValueError(f"engines.lipsync {name} plays {want}, and this avatar is a {kind}; "
                         "set engines.lipsync: auto to pick the engine from the avatar")
    return engine


def _onnx(engines: EnginesConfig, width: int, height: int, fps: int, cache_dir: Path | None,
          model_dir: Path | None) -> LipSyncEngine:
    from livehost.lipsync.onnx.engine import OnnxEngine

    if not engines.onnx.model:
        raise ValueError("engines.lipsync is onnx but engines.onnx.model names no model "
                         "manifest (a .json next to the user-supplied .onnx)")
    manifest = Path(engines.onnx.model)
    if model_dir is not None and not manifest.is_absolute():
        manifest = model_dir / manifest
    return OnnxEngine.from_manifest(manifest, width, height, fps, providers=engines.providers,
                                    threads=engines.threads, cache_dir=cache_dir)
