"""The JSON manifest that comes with a user-supplied lip-sync model.

It says which family the model belongs to, its input and output names, the face size
and the audio features it expects. Example (Wav2Lip):

    {"family": "wav2lip", "model": "my-wav2lip.onnx", "face_size": 96,
     "inputs": {"audio": "audio_sequences", "face": "face_sequences"},
     "output": "output", "channels": "bgr", "precision": "fp32", "batch": 8,
     "licence": "...", "origin": "..."}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MelSettings(_Part):
    """Wav2Lip's audio front end: 16 kHz log-mel, 80 bands, 80 frames a second."""

    sample_rate: int = 16000
    n_fft: int = 800
    hop: int = 200
    win: int = 800
    n_mels: int = 80
    fmin: float = 55.0
    fmax: float = 7600.0
    preemphasis: float = 0.97
    min_level_db: float = -100.0
    ref_level_db: float = 20.0
    max_abs_value: float = 4.0
    window_frames: int = Field(16, description="mel frames per video frame (16 = 200 ms)")


class Inputs(_Part):
    audio: str = "audio_sequences"
    face: str = "face_sequences"


class ModelManifest(_Part):
    family: Literal["wav2lip"]
    model: str = Field(description="The .onnx file, relative to the manifest.")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    licence: str = Field(min_length=1, description="Say it: some weights are non-commercial.")
    origin: str = Field(min_length=1)
    inputs: Inputs = Field(default_factory=Inputs)
    output: str = "output"
    face_size: int = Field(96, ge=32, le=512)
    channels: Literal["bgr", "rgb"] = "bgr"
    precision: Literal["fp32", "fp16", "int8-qdq"] = "fp32"
    batch: int = Field(8, ge=1, le=64, description="frames per inference call")
    audio_offset: float = Field(0.0, description="seconds from a frame's time to its audio "
                                                 "window's start (Wav2Lip: 0)")
    mel: MelSettings = Field(default_factory=MelSettings)


class ManifestError(ValueError):
    pass


def read_manifest(path: Path) -> ModelManifest:
    try:
        return ModelManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ManifestError(f"{path}: lip-sync model manifest is missing") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ManifestError(f"{path}: {where}: {err['msg']}") from None
