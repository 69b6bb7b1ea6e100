"""The onnx engine: a neural model redraws the lower face on top of the warp engine's
idle frames (which keep the blinks, breathing and head motion)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from livehost.avatar import geometry as geo
from livehost.avatar.package import Avatar
from livehost.lipsync.engine import LipSyncEngine
from livehost.lipsync.onnx.manifest import ManifestError, ModelManifest, read_manifest
from livehost.lipsync.onnx.mel import mel_window, resample
from livehost.lipsync.onnx.session import file_sha256, has_qdq, open_session
from livehost.lipsync.timeline import Placed
from livehost.lipsync.warp.engine import WarpEngine

log = logging.getLogger(__name__)
CACHE_FRAMES = 64  # frames rendered ahead by a batch and not yet pulled


class OnnxEngine(LipSyncEngine):
    name = "onnx"

    def __init__(self, manifest: ModelManifest, session, width: int, height: int,
                 fps: int, cache_dir: Path | None = None) -> None:
        super().__init__(width, height, fps)
        self.manifest = manifest
        self.session = session
        self.idle = WarpEngine(width, height, fps, cache_dir=cache_dir)
        self.box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in the frame
        self.reference: np.ndarray | None = None  # 3 x S x S float32
        self.feather: np.ndarray | None = None  # crop-sized alpha
        self._ready: OrderedDict[int, np.ndarray] = OrderedDict()
        inputs = {i.name: i for i in session.get_inputs()}
        self._dtype = np.float16 if "float16" in inputs[manifest.inputs.face].type else np.float32
        self.batch = _fixed_batch(inputs[manifest.inputs.face].shape) or manifest.batch

    @classmethod
    def from_manifest(cls, manifest_path: Path, width: int, height: int, fps: int, *,
                      providers: list[str], threads: int = 1, cache_dir: Path | None = None
                      ) -> OnnxEngine:
        manifest = read_manifest(manifest_path)
        model = manifest_path.parent / manifest.model
        if not model.is_file():
            raise ManifestError(f"{model}: lip-sync model file is missing")
        digest = file_sha256(model)
        if manifest.sha256 and digest != manifest.sha256:
            raise ManifestError(f"{model}: sha256 {digest[:12]}... does not match the manifest")
        quantized = has_qdq(model)
        if quantized != (manifest.precision == "int8-qdq"):
            raise ManifestError(
                f"{model}: the model {'is' if quantized else 'is not'} QDQ-quantized but the "
                f"manifest says precision {manifest.precision}")
        session = open_session(model, providers, manifest.precision, threads, cache_dir, digest)
        _check_io(manifest, session, model)
        return cls(manifest, session, width, height, fps, cache_dir)

    def prepare(self, avatar: Avatar) -> None:
        self.idle.prepare(avatar)
        assert self.idle.layout is not None and self.idle.base is not None
        lm = self.idle.layout.to_frame(avatar.landmarks.copy())
        x0, y0, x1, y1 = geo.face_box(np.column_stack([lm, np.zeros(len(lm))]))
        # Wav2Lip was trained on detector boxes with ~10 px more chin: square it up too.
        y1 += 0.08 * (y1 - y0)
        side = max(x1 - x0, y1 - y0)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        bx0 = int(max(0, cx - side / 2))
        by0 = int(max(0, cy - side / 2))
        bx1 = int(min(self.width, cx + side / 2))
        by1 = int(min(self.height, cy + side / 2))
        self.box = (bx0, by0, bx1, by1)
        self.reference = self._face_tensor(self.idle.base[by0:by1, bx0:bx1])
        self.feather = _feather(by1 - by0, bx1 - bx0)
        self._ready.clear()

    def _analyse(self, placed: Placed) -> None:
        chunk = placed.chunk
        placed.features["audio16"] = resample(chunk.audio, chunk.sample_rate,
                                              self.manifest.mel.sample_rate)

    def flush(self, after: float) -> None:
        super().flush(after)
        self._ready = OrderedDict((n, f) for n, f in self._ready.items()
                                  if self.time_of(n) < after)

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        n = first
        while n < stop:
            if n in self._ready:
                yield self._ready.pop(n)
                n += 1
                continue
            if self.timeline.at(self.time_of(n)) is None:
                yield self.idle.render(self.time_of(n))  # silence: no model needed
                n += 1
                continue
            # Batch ahead, but only over speech already pushed (more may be flushed).
            batch = [m for m in range(n, n + self.batch)
                     if self.timeline.at(self.time_of(m)) is not None]
            for m, frame in zip(batch, self._render_batch(batch), strict=True):
                self._ready[m] = frame
            while len(self._ready) > CACHE_FRAMES:
                self._ready.popitem(last=False)

    def _render_batch(self, indices: list[int]) -> list[np.ndarray]:
        assert self.box is not None and self.reference is not None and self.feather is not None
        x0, y0, x1, y1 = self.box
        frames = [self.idle.render(self.time_of(n)) for n in indices]
        faces = np.stack([self._face_tensor(f[y0:y1, x0:x1]) for f in frames])
        masked = faces.copy()
        masked[:, :, self.manifest.face_size // 2:] = 0  # the model draws the lower half
        face_in = np.concatenate([masked, np.broadcast_to(self.reference, faces.shape)], 1)
        audio_in = np.stack([self._mel_for(self.time_of(n)) for n in indices])[:, None]
        out = self.session.run([self.manifest.output], {
            self.manifest.inputs.audio: audio_in.astype(self._dtype),
            self.manifest.inputs.face: face_in.astype(self._dtype),
        })[0].astype(np.float32)
        for frame, face in zip(frames, out, strict=True):
            self._paste(frame, face)
        return frames

    def _face_tensor(self, crop: np.ndarray) -> np.ndarray:
        s = self.manifest.face_size
        img = cv2.resize(crop, (s, s), interpolation=cv2.INTER_AREA)
        if self.manifest.channels == "bgr":
            img = img[..., ::-1]
        return np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32) / 255.0

    def _paste(self, frame: np.ndarray, face: np.ndarray) -> None:
        assert self.box is not None and self.feather is not None
        x0, y0, x1, y1 = self.box
        img = np.clip(face.transpose(1, 2, 0) * 255.0, 0, 255).astype(np.uint8)
        if self.manifest.channels == "bgr":
            img = img[..., ::-1]
        img = cv2.resize(img, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        region = frame[y0:y1, x0:x1].astype(np.float32)
        a = self.feather[..., None]
        frame[y0:y1, x0:x1] = (region * (1 - a) + img.astype(np.float32) * a).astype(np.uint8)

    def _mel_for(self, t: float) -> np.ndarray:
        """The model's audio window for a frame at media time t, across chunk edges."""
        mel = self.manifest.mel
        start = t + self.manifest.audio_offset
        first = int(np.floor(start * mel.sample_rate / mel.hop)) * mel.hop  # on the mel grid
        lo = first - mel.win // 2
        hi = first + mel.hop * (mel.window_frames - 1) + mel.win // 2 + 1
        audio = np.zeros(hi - lo, np.float32)
        for placed in self.timeline.between(lo / mel.sample_rate, hi / mel.sample_rate):
            pcm: np.ndarray = placed.features["audio16"]  # type: ignore[assignment]
            offset = round(placed.start * mel.sample_rate)
            a, b = max(lo, offset), min(hi, offset + len(pcm))
            if b > a:
                audio[a - lo: b - lo] = pcm[a - offset: b - offset]
        return mel_window(audio, first - lo, mel)


def _feather(h: int, w: int) -> np.ndarray:
    """Alpha for pasting the model's face: the lower face only (the eyes keep the idle
    frame's blinks), fading out over the crop's edges."""
    yy = np.linspace(0, 1, h)[:, None]
    xx = np.linspace(0, 1, w)[None, :]
    vertical = np.clip((yy - 0.42) / 0.12, 0, 1) * np.clip((0.97 - yy) / 0.08, 0, 1)
    horizontal = np.clip(xx / 0.12, 0, 1) * np.clip((1 - xx) / 0.12, 0, 1)
    a = vertical * horizontal
    return (a * a * (3 - 2 * a)).astype(np.float32)


def _fixed_batch(shape: list) -> int | None:
    return shape[0] if isinstance(shape[0], int) and shape[0] > 0 else None


def _check_io(m: ModelManifest, session, model: Path) -> None:
    ins = {i.name: i.shape for i in session.get_inputs()}
    outs = {o.name: o.shape for o in session.get_outputs()}
    s = m.face_size
    want = {m.inputs.audio: [None, 1, m.mel.n_mels, m.mel.window_frames],
            m.inputs.face: [None, 6, s, s]}
    problems = []
    for name, shape in want.items():
        if name not in ins:
            problems.append(f"no input named {name!r} (it has {sorted(ins)})")
        elif not _matches(ins[name], shape):
            problems.append(f"input {name} has shape {ins[name]}, want {shape}")
    if m.output not in outs:
        problems.append(f"no output named {m.output!r} (it has {sorted(outs)})")
    elif not _matches(outs[m.output], [None, 3, s, s]):
        problems.append(f"output {m.output} has shape {outs[m.output]}, want [B, 3, {s}, {s}]")
    if problems:
        raise ManifestError(f"{model}: does not fit its manifest: " + "; ".join(problems))


def _matches(actual: list, want: list) -> bool:
    if len(actual) != len(want):
        return False
    return all(w is None or not isinstance(a, int) or a == w for a, w in zip(actual, want,
                                                                            strict=True))
