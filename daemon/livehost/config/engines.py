"""Which engine does each job, and their settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from livehost.config.base import Section


class EnginesConfig(Section):
    speech: Literal["piper"] = "piper"
    lipsync: Literal["auto", "warp", "atlas", "onnx"] = Field(
        "auto",
        description="auto plays a photo avatar with warp and a video avatar (built from a "
        "clip) with atlas; onnx needs a user-supplied model (lipsync_model).",
    )
    encoder: Literal["auto", "pyav", "gstreamer"] = Field(
        "auto",
        description="auto follows the hardware probe: NVENC through GStreamer where present.",
    )
    providers: list[Literal["tensorrt", "cuda", "cpu"]] = Field(
        default_factory=lambda: ["tensorrt", "cuda", "cpu"],
        description="Inference providers in order of preference; missing ones are skipped.",
    )
    threads: int = Field(1, ge=1, le=16, description="CPU threads per inference session.")
    lipsync_model: str | None = Field(
        None,
        description="For lipsync: onnx, the JSON manifest of a user-supplied model (family, "
        "inputs, outputs), relative to paths.models. No neural lip-sync weights are shipped.",
    )


class VoiceConfig(Section):
    id: str = Field("en_US-joe-medium", description="Voice id from the models manifest.")
    length_scale: float = Field(1.0, gt=0.3, le=3.0, description="Above 1 speaks slower.")
    noise_scale: float = Field(0.667, ge=0, le=2.0)
    noise_w: float = Field(0.8, ge=0, le=2.0)
    volume: float = Field(1.0, gt=0, le=4.0)
    speaker: int | None = Field(None, ge=0, description="Speaker id for multi-speaker voices.")
    providers: list[Literal["tensorrt", "cuda", "cpu"]] | None = Field(
        None,
        description="The voice's own inference providers, e.g. [cpu] to leave the GPU to the "
        "neural lip-sync; engines.providers if left out.",
    )
    precision: Literal["auto", "fp32", "fp16"] = Field(
        "auto",
        description="Model variant: auto takes fp32 everywhere (TensorRT makes its own fp16 "
        "kernels from it; on the CUDA provider the fp16 variant measured 1.3-1.5x slower). "
        "fp16 takes the variant `livehost models optimize` made.",
    )


class AvatarConfig(Section):
    path: str | None = Field(
        None, description="Avatar package folder; the built-in host if left out."
    )
