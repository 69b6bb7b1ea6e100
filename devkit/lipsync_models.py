"""Generated stand-in models with the Wav2Lip I/O, for tests and benchmarks (not part of
the installed package).

No usable lip-sync weights may be shipped, so the plumbing (feature extraction,
batching, providers, paste-back) is exercised with models made here:
- `tiny_model`: a few ops; its output is the reference face dimmed by the audio's
  loudness, so a test can tell that audio and face reached the model and came back;
- `wav2lip_sized_model`: Wav2Lip's layer structure and size (~36 M parameters) with
  random weights. It outputs noise; it exists to time the real amount of compute.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

if TYPE_CHECKING:
    from livehost.lipsync.onnx.engine import OnnxEngine

OPSET = 17


def _io(face_size: int) -> tuple[list, list]:
    inputs = [
        helper.make_tensor_value_info("audio_sequences", TensorProto.FLOAT, ["B", 1, 80, 16]),
        helper.make_tensor_value_info("face_sequences", TensorProto.FLOAT,
                                      ["B", 6, face_size, face_size]),
    ]
    outputs = [helper.make_tensor_value_info("output", TensorProto.FLOAT,
                                             ["B", 3, face_size, face_size])]
    return inputs, outputs


def tiny_model(path: Path, face_size: int = 96, qdq: bool = False) -> Path:
    """output = reference face (channels 3..5) x sigmoid(mean log-mel + 2).

    With `qdq`, the face passes through an int8 QuantizeLinear/DequantizeLinear pair,
    the explicit quantization TensorRT runs as int8."""
    inputs, outputs = _io(face_size)
    consts = [
        numpy_helper.from_array(np.array([3], np.int64), "starts"),
        numpy_helper.from_array(np.array([6], np.int64), "ends"),
        numpy_helper.from_array(np.array([1], np.int64), "axes"),
        numpy_helper.from_array(np.array(2.0, np.float32), "bias"),
    ]
    face = "face_sequences"
    nodes = []
    if qdq:
        consts += [numpy_helper.from_array(np.array(1 / 127, np.float32), "q_scale"),
                   numpy_helper.from_array(np.array(0, np.int8), "q_zero")]
        nodes += [helper.make_node("QuantizeLinear", [face, "q_scale", "q_zero"], ["face_q"]),
                  helper.make_node("DequantizeLinear", ["face_q", "q_scale", "q_zero"],
                                   ["face_dq"])]
        face = "face_dq"
    nodes += [
        helper.make_node("Slice", [face, "starts", "ends", "axes"], ["ref"]),
        helper.make_node("ReduceMean", ["audio_sequences"], ["level"], axes=[1, 2, 3],
                         keepdims=1),
        helper.make_node("Add", ["level", "bias"], ["shifted"]),
        helper.make_node("Sigmoid", ["shifted"], ["gain"]),
        helper.make_node("Mul", ["ref", "gain"], ["output"]),
    ]
    graph = helper.make_graph(nodes, "tiny_wav2lip_io", inputs, outputs, consts)
    return _save(graph, path)


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list = []
        self.inits: list = []
        self.n = 0
        self.params = 0

    def _name(self, kind: str) -> str:
        self.n += 1
        return f"{kind}{self.n}"

    def _weight(self, shape: tuple[int, ...], fan_in: int) -> str:
        name = self._name("w")
        w = (self.rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        self.inits.append(numpy_helper.from_array(w, name))
        self.params += w.size
        return name

    def _bias(self, n: int) -> str:
        name = self._name("b")
        self.inits.append(numpy_helper.from_array(np.zeros(n, np.float32), name))
        self.params += n
        return name

    def conv(self, x: str, cin: int, cout: int, k: int = 3, s: tuple[int, int] = (1, 1),
             p: int = 1, residual: bool = False, act: bool = True) -> str:
        """Conv (BatchNorm folded in) + optional residual + ReLU, as Wav2Lip's Conv2d."""
        w = self._weight((cout, cin, k, k), cin * k * k)
        y = self._name("conv")
        self.nodes.append(helper.make_node("Conv", [x, w, self._bias(cout)], [y],
                                           kernel_shape=[k, k], strides=list(s), pads=[p] * 4))
        if residual:
            z = self._name("add")
            self.nodes.append(helper.make_node("Add", [y, x], [z]))
            y = z
        if act:
            r = self._name("relu")
            self.nodes.append(helper.make_node("Relu", [y], [r]))
            y = r
        return y

    def deconv(self, x: str, cin: int, cout: int, k: int, s: int, p: int, op: int) -> str:
        w = self._weight((cin, cout, k, k), cin * k * k)
        y = self._name("deconv")
        self.nodes.append(helper.make_node(
            "ConvTranspose", [x, w, self._bias(cout)], [y], kernel_shape=[k, k],
            strides=[s, s], pads=[p] * 4, output_padding=[op, op]))
        r = self._name("relu")
        self.nodes.append(helper.make_node("Relu", [y], [r]))
        return r

    def cat(self, a: str, b: str) -> str:
        y = self._name("cat")
        self.nodes.append(helper.make_node("Concat", [a, b], [y], axis=1))
        return y


def wav2lip_sized_model(path: Path, seed: int = 0) -> tuple[Path, int]:
    """Random weights in Wav2Lip's shape (96 px faces). Returns (path, parameter count)."""
    b = _Builder(seed)
    # Face encoder: 96 -> 1, keeping each level's output for the skip connections.
    x, skips = "face_sequences", []
    plan = [(6, 16, 7, 1, 3, 0), (16, 32, 3, 2, 1, 2), (32, 64, 3, 2, 1, 3),
            (64, 128, 3, 2, 1, 2), (128, 256, 3, 2, 1, 2), (256, 512, 3, 2, 1, 1)]
    for cin, cout, k, s, p, res in plan:
        x = b.conv(x, cin, cout, k, (s, s), p)
        for _ in range(res):
            x = b.conv(x, cout, cout, residual=True)
        skips.append(x)
    x = b.conv(x, 512, 512, 3, (1, 1), 0)
    x = b.conv(x, 512, 512, 1, (1, 1), 0)
    skips.append(x)
    # Audio encoder: 80 x 16 mel -> 512 x 1 x 1.
    a = b.conv("audio_sequences", 1, 32)
    for _ in range(2):
        a = b.conv(a, 32, 32, residual=True)
    for cin, cout, s, res in ((32, 64, (3, 1), 2), (64, 128, (3, 3), 2), (128, 256, (3, 2), 1)):
        a = b.conv(a, cin, cout, 3, s, 1)
        for _ in range(res):
            a = b.conv(a, cout, cout, residual=True)
    a = b.conv(a, 256, 512, 3, (1, 1), 0)
    a = b.conv(a, 512, 512, 1, (1, 1), 0)
    # Decoder with skips back up to 96 px.
    y = b.cat(b.conv(a, 512, 512, 1, (1, 1), 0), skips[-1])
    y = b.deconv(y, 1024, 512, 3, 1, 0, 0)
    y = b.cat(b.conv(y, 512, 512, residual=True), skips[-2])
    for cin, cout, skip in ((1024, 512, -3), (768, 384, -4), (512, 256, -5), (320, 128, -6),
                            (160, 64, -7)):
        y = b.deconv(y, cin, cout, 3, 2, 1, 1)
        for _ in range(2):
            y = b.conv(y, cout, cout, residual=True)
        y = b.cat(y, skips[skip])
    y = b.conv(y, 80, 32)
    y = b.conv(y, 32, 3, 1, (1, 1), 0, act=False)
    b.nodes.append(helper.make_node("Sigmoid", [y], ["output"]))
    inputs, outputs = _io(96)
    graph = helper.make_graph(b.nodes, "wav2lip_sized_random", inputs, outputs, b.inits)
    return _save(graph, path), b.params


def write_manifest(model: Path, face_size: int = 96, batch: int = 8,
                   precision: str = "fp32") -> Path:
    manifest = {
        "family": "wav2lip", "model": model.name, "face_size": face_size,
        "inputs": {"audio": "audio_sequences", "face": "face_sequences"}, "output": "output",
        "channels": "bgr", "precision": precision, "batch": batch,
        "licence": "generated test model, no weights of any published model",
        "origin": "devkit.lipsync_models",
    }
    path = model.with_suffix(".json")
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def _save(graph, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def model_ms_per_frame(engine: OnnxEngine, reps: int = 3) -> float:
    """The model's own time per frame on random inputs of one batch, after a warm-up run
    (what a benchmark compares across providers, without crop and paste-back)."""
    b, s = engine.batch, engine.manifest.face_size
    feeds = {engine.manifest.inputs.audio: np.random.rand(b, 1, 80, 16).astype(np.float32),
             engine.manifest.inputs.face: np.random.rand(b, 6, s, s).astype(np.float32)}
    engine.session.run(None, feeds)
    started = time.perf_counter()
    for _ in range(reps):
        engine.session.run(None, feeds)
    return round((time.perf_counter() - started) / (reps * b) * 1000, 2)
