"""Reduced-precision variants of a model: fp16 for the GPU path, int8 for comparison only."""

from __future__ import annotations

import logging
import shutil
import warnings
from pathlib import Path

from livehost.modelstore.errors import ModelError
from livehost.modelstore.hashing import sha256_file
from livehost.modelstore.manifest import ModelEntry, load_manifest, save_manifest
from livehost.modelstore.verify import verify_entry


def convert_fp16(source: Path, target: Path) -> None:
    """fp16 weights and activations, fp32 inputs and outputs (callers feed fp32 scales).

    onnxruntime's own converter: onnxconverter-common 1.16 left Cast nodes typed float32
    in this graph and the result would not load. Random-noise ops stay fp32 so the
    variant still runs on the CPU (for tests and the benchmark).
    """
    import onnx
    from onnxruntime.transformers.float16 import DEFAULT_OP_BLOCK_LIST, convert_float_to_float16

    model = onnx.load(str(source))
    with warnings.catch_warnings():  # one warning per tiny weight clipped to fp16 range
        warnings.simplefilter("ignore")
        converted = convert_float_to_float16(
            model,
            keep_io_types=True,
            op_block_list=[*DEFAULT_OP_BLOCK_LIST, "RandomNormalLike", "RandomUniformLike"],
        )
    onnx.save(converted, str(target))


def convert_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weights (MatMul/Gemm); a CPU experiment only."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs a warning per tensor it skips
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


def optimize_fp16(models_dir: Path, entry: ModelEntry) -> ModelEntry:
    """Write `<file stem>.fp16.onnx` next to the model and record it in the manifest."""
    if entry.precision != "fp32":
        raise ModelError(models_dir / entry.file, "only an fp32 model can be converted")
    verify_entry(models_dir, entry)  # never derive a variant from a damaged file
    source = models_dir / entry.file
    target = source.with_name(source.name.removesuffix(".onnx") + ".fp16.onnx")
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        convert_fp16(source, tmp)
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        raise ModelError(source, f"fp16 conversion failed: {exc}") from None
    tmp.replace(target)
    config = None
    if entry.config is not None:  # Piper looks for <model>.json beside the model
        config = target.with_name(target.name + ".json")
        shutil.copyfile(models_dir / entry.config, config)
    variant = entry.model_copy(
        update={
            "file": target.name,
            "sha256": sha256_file(target),
            "precision": "fp16",
            "derived_from": entry.id,
            "origin": f"{entry.origin}, converted to fp16 by `livehost models optimize`",
            "config": config.name if config else None,
            "config_sha256": sha256_file(config) if config else None,
        }
    )
    manifest = load_manifest(models_dir)
    manifest.put(variant)
    save_manifest(models_dir, manifest)
    return variant
