"""Which engine does each job, and their settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from livehost.config.base import Section


class OnnxLipsyncConfig(Section):
    model: str | None = Field(
        None,
        description="The JSON manifest of a user-supplied model (family, inputs, outputs), "
        "relative to paths.models. No neural lip-sync weights are shipped.",
    )


class EnginesConfig(Section):
    speech: Literal["piper"] = "piper"
    lipsync: Literal["auto", "warp", "atlas", "onnx"] = Field(
        "auto",
        description="auto plays a photo avatar with warp and a video avatar (built from a "
        "clip) with atlas; onnx needs a user-supplied model (engines.onnx.model).",
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
    onnx: OnnxLipsyncConfig = Field(
        default_factory=lambda: OnnxLipsyncConfig(),
        description="Settings of the onnx lip-sync engine (engines.lipsync: onnx).",
    )

    @model_validator(mode="before")
    @classmethod
    def _old_lipsync_model(cls, data: Any) -> Any:
        """`lipsync_model: x.json` (before engines.onnx had its own section) still reads."""
        if isinstance(data, dict) and "lipsync_model" in data:
            data = dict(data)
            old = data.pop("lipsync_model")
            onnx = dict(data.get("onnx") or {})
            onnx.setdefault("model", old)
            data["onnx"] = onnx
        return data


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
