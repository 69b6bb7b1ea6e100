"""Picking the lip-sync engine named in config. It lives beside the interface, not in
it, so the engines import the interface and nothing imports back."""

from __future__ import annotations

from pathlib import Path

from livehost.config.engines import EnginesConfig
from livehost.lipsync.engine import LipSyncEngine


def load_lipsync_engine(engines: EnginesConfig, width: int, height: int, fps: int,
                        cache_dir: Path | None = None, model_dir: Path | None = None
                        ) -> LipSyncEngine:
    """The engine named in config (`engines.lipsync`), not yet prepared with an avatar."""
    if engines.lipsync == "warp":
        from livehost.lipsync.warp.engine import WarpEngine

        return WarpEngine(width, height, fps, cache_dir=cache_dir)
    from livehost.lipsync.onnx.engine import OnnxEngine

    if not engines.lipsync_model:
        raise ValueError("engines.lipsync is onnx but engines.lipsync_model names no model "
                         "manifest (a .json next to the user-supplied .onnx)")
    manifest = Path(engines.lipsync_model)
    if model_dir is not None and not manifest.is_absolute():
        manifest = model_dir / manifest
    return OnnxEngine.from_manifest(manifest, width, height, fps, providers=engines.providers,
                                    threads=engines.threads, cache_dir=cache_dir)
