"""Lip-sync: speech chunks in, face frames out, by one of two engines behind one interface.

`warp` animates a single portrait with landmark-driven displacement fields (CPU);
`onnx` runs a user-supplied neural model (Wav2Lip family) on TensorRT, CUDA or the CPU.
"""

from livehost.lipsync.engine import LipSyncEngine
from livehost.lipsync.registry import load_lipsync_engine

__all__ = ["LipSyncEngine", "load_lipsync_engine"]
