"""The onnx engine: a neural model redraws the lower face on top of a body: the warp
engine's idle frames for a photo avatar, the person's own clip for a video avatar (both
keep the blinks, breathing and head motion; the clip also plays its takes on cue)."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from livehost.avatar.package import Avatar
from livehost.avatar.video.package import VideoAvatar
from livehost.lipsync.engine import LipSyncEngine
from livehost.lipsync.onnx.body import Box, ClipBody, PortraitBody, face_box
from livehost.lipsync.onnx.manifest import ManifestError, ModelManifest, read_manifest
from livehost.lipsync.onnx.mel import mel_window, resample
from livehost.lipsync.onnx.session import file_sha256, has_qdq, open_session
from livehost.lipsync.timeline import Placed
from livehost.lipsync.warp.engine import WarpEngine

log = logging.getLogger(__name__)
CACHE_FRAMES = 64  # frames rendered ahead by a batch and not yet pulled
FEATHERS = 16  # alpha masks kept, one per face-box size


class OnnxEngine(LipSyncEngine):
    name = "onnx"
    kinds = ("portrait", "video")

    def __init__(self, manifest: ModelManifest, session, width: int, height: int,
                 fps: int, cache_dir: Path | None = None) -> None:
        super().__init__(width, height, fps)
        self.manifest = manifest
        self.session = session
        self.idle = WarpEngine(width, height, fps, cache_dir=cache_dir)
        self.body: PortraitBody | ClipBody | None = None
        self.box: Box | None = None  # x0, y0, x1, y1 in the frame (the first frame's)
        self.reference: np.ndarray | None = None  # 3 x S x S float32
        self.feather: np.ndarray | None = None  # crop-sized alpha of self.box
        self._feathers: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
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

    def prepare(self, avatar: Avatar | VideoAvatar) -> None:  # type: ignore[override]
        if avatar.kind == "video":
            from livehost.lipsync.atlas.engine import AtlasEngine

            clip = AtlasEngine(self.width, self.height, self.fps, mouths=False)
            clip.prepare(avatar)  # type: ignore[arg-type]
            self.body = ClipBody(clip)
        else:
            self.idle.prepare(avatar)  # type: ignore[arg-type]
            assert self.idle.layout is not None
            lm = self.idle.layout.to_frame(avatar.landmarks.copy())  # type: ignore[union-attr]
            self.body = PortraitBody(self.idle, face_box(lm, self.width, self.height))
        first, box = self.body.frame(0)
        if box is None:
            raise ValueError(f"{avatar.folder}: no face in the first frame to draw a mouth on")
        bx0, by0, bx1, by1 = self.box = box
        self.reference = self._face_tensor(first[by0:by1, bx0:bx1])
        self.feather = self._feather_for(box)
        self._ready.clear()

    def _feather_for(self, box: Box) -> np.ndarray:
        """The alpha for a box's size; a head that moves changes the size, so only the
        last few are kept."""
        size = (box[3] - box[1], box[2] - box[0])
        if size not in self._feathers:
            self._feathers[size] = _feather(*size)
            while len(self._feathers) > FEATHERS:
                self._feathers.popitem(last=False)
        self._feathers.move_to_end(size)
        return self._feathers[size]

    def _analyse(self, placed: Placed) -> None:
        chunk = placed.chunk
        placed.features["audio16"] = resample(chunk.audio, chunk.sample_rate,
                                              self.manifest.mel.sample_rate)
        if isinstance(self.body, ClipBody):
            self.body.cue(placed.cues, placed.start)

    def forget(self, before: float) -> None:
        super().forget(before)
        if isinstance(self.body, ClipBody):
            self.body.forget(before)

    def flush(self, after: float) -> None:
        super().flush(after)
        if isinstance(self.body, ClipBody):
            self.body.flush(after)
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
                yield self._body().frame(n)[0]  # silence: no model needed
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
        assert self.reference is not None
        drawn = [self._body().frame(n) for n in indices]
        faced = [i for i, (_, box) in enumerate(drawn) if box is not None]
        frames = [frame for frame, _ in drawn]
        if not faced:
            return frames
        faces = np.stack([self._face_tensor(_crop(*drawn[i])) for i in faced])
        masked = faces.copy()
        masked[:, :, self.manifest.face_size // 2:] = 0  # the model draws the lower half
        face_in = np.concatenate([masked, np.broadcast_to(self.reference, faces.shape)], 1)
        audio_in = np.stack([self._mel_for(self.time_of(indices[i])) for i in faced])[:, None]
        out = self.session.run([self.manifest.output], {
            self.manifest.inputs.audio: audio_in.astype(self._dtype),
            self.manifest.inputs.face: face_in.astype(self._dtype),
        })[0].astype(np.float32)
        for i, face in zip(faced, out, strict=True):
            self._paste(frames[i], face, drawn[i][1])  # type: ignore[arg-type]
        return frames

    def _body(self) -> PortraitBody | ClipBody:
        if self.body is None:
            raise RuntimeError("prepare(avatar) first")
        return self.body

    def _face_tensor(self, crop: np.ndarray) -> np.ndarray:
        s = self.manifest.face_size
        img = cv2.resize(crop, (s, s), interpolation=cv2.INTER_AREA)
        if self.manifest.channels == "bgr":
            img = img[..., ::-1]
        return np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32) / 255.0

    def _paste(self, frame: np.ndarray, face: np.ndarray, box: Box) -> None:
        x0, y0, x1, y1 = box
        img = np.clip(face.transpose(1, 2, 0) * 255.0, 0, 255).astype(np.uint8)
        if self.manifest.channels == "bgr":
            img = img[..., ::-1]
        img = cv2.resize(img, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        region = frame[y0:y1, x0:x1].astype(np.float32)
        a = self._feather_for(box)[..., None]
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


def _crop(frame: np.ndarray, box: Box) -> np.ndarray:
    x0, y0, x1, y1 = box
    return frame[y0:y1, x0:x1]


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
