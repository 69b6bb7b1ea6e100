"""A talking clip made at test time, whose mouth shapes are known exactly.

The demo portrait is animated by today's warp engine along the capture guide's timeline
(avatar/video/timeline.py): the idle take and the gaps between takes show only the
engine's idle motion and blinks, the reading take speaks Piper speech, and the gesture
takes are simulated so that a build can find them:

- "follow" / "cart": the whole picture slides up / down (as if the person leaned towards
  a button), "product" / "wave": it slides sideways, "nod": it dips a little;
- "happy": the lips spread (a smile), "concerned": they round. The engine has no hook for
  this, so a small subclass adds the offset to the weights `mouth_at` returns, which
  `render` then draws; `SyntheticClip.mouths` records the weights with the offset.

Every gesture follows a sin² bump over its take, so each take starts and ends at rest,
as the guide asks of a person. Takes with other names are left at rest.

The clip is an .mp4 (H.264 yuv420p at a constant frame rate, AAC mono at 48 kHz), written
with PyAV. Per frame it records the (jaw, spread, round) weights the engine drew and
whether speech was placed there, which is the ground truth a video-avatar build is judged
against. A sidecar `<clip>.segments.yaml` beside it gives a build the (short) timeline
in place of the guide's. `make_bad_clips` writes clips a build must refuse, each wrong in
one way.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np
import yaml

from livehost.avatar.package import Avatar
from livehost.avatar.video.timeline import GAP, TAKES, Segment, Take, segments
from livehost.lipsync.warp.engine import Mouth, WarpEngine
from livehost.speech.chunk import SILENCE, SpeechChunk
from livehost.speech.piper import PiperEngine

AUDIO_RATE = 48_000
CRF = 18
PRESET = "veryfast"  # the tests run on two cores; quality is set by the CRF
BAD_PRESET = "ultrafast"  # seven files at once: speed over size for the refusals

_GUIDE = {take.name: take for take in TAKES}


def guide_take(name: str, seconds: float) -> Take:
    """The guide's take `name` (with its instruction), shortened to `seconds`."""
    return replace(_GUIDE[name], seconds=seconds)


# A short timeline for tests: 25 s with the gaps, instead of the guide's ~1.5 min.
SHORT_TAKES: tuple[Take, ...] = (
    guide_take("idle", 6.0),
    guide_take("reading", 12.0),
    guide_take("follow", 2.0),
    guide_take("happy", 2.0),
)

# Open vowels, spread "ee"s, rounded "oo"s and "oh"s, and p/b/m closures.
READING_TEXT = (
    "Good evening, everyone, and welcome back to the show. "
    "Today we open a box of cool blue mugs, wide and deep, made for slow Sunday mornings. "
    "Pick one up, feel the smooth rim, and keep your coffee warm for hours. "
    "Who wants to see the purple one?"
)

# Phonemes a cut may end on: the word has been said and the mouth is relaxing.
_PAUSES = frozenset({SILENCE, " ", ",", ".", "!", "?", ";", ":"})


@dataclass(frozen=True)
class Gesture:
    """What a gesture take does at its peak."""

    dx: float = 0.0  # picture shift, in frame widths (positive: right)
    dy: float = 0.0  # in frame heights (positive: down)
    spread: float = 0.0  # added to the mouth weights the engine draws
    round: float = 0.0


GESTURES: dict[str, Gesture] = {
    "follow": Gesture(dy=-0.06),
    "cart": Gesture(dy=0.06),
    "product": Gesture(dx=0.06),
    "wave": Gesture(dx=-0.06),
    "nod": Gesture(dy=0.03),
    "happy": Gesture(spread=1.0),
    "concerned": Gesture(round=0.6),
}


@dataclass(frozen=True)
class SyntheticClip:
    path: Path  # an .mp4: H.264 video + AAC audio, constant frame rate
    fps: int
    size: tuple[int, int]  # width, height
    mouths: np.ndarray  # N x 3 float32: (jaw, spread, round) the warp engine drew
    speaking: np.ndarray  # N bool: speech is placed at that frame
    segments: list[Segment]  # the timeline the clip follows
    audio_rate: int

    @property
    def frame_count(self) -> int:
        return len(self.mouths)

    def frames_of(self, name: str) -> range:
        """The frame indices shown during segment `name` (the first one of that name)."""
        for seg in self.segments:
            if seg.name == name:
                return range(_first_frame(seg.start, self.fps),
                             min(_first_frame(seg.end, self.fps), self.frame_count))
        raise KeyError(name)


def make_clip(
    path: Path,
    avatar: Avatar,
    voice: PiperEngine,
    takes: tuple[Take, ...] = SHORT_TAKES,
    fps: int = 25,
    width: int = 360,
    height: int = 480,
    text: str = READING_TEXT,
    seed: int = 7,
    gestures: bool = True,
    sidecar: bool = True,
) -> SyntheticClip:
    """Render the demo avatar along `takes` (with GAP between them) into `path`; with
    `sidecar`, also write the timeline beside it (`write_segments`)."""
    plan = _Plan(avatar, voice, takes, fps, width, height, text, seed, gestures)
    mouths = np.zeros((plan.frame_count, 3), np.float32)
    speaking = np.zeros(plan.frame_count, bool)
    with _Mp4(path, (width, height), fps) as out:
        for i, frame, mouth, speech in plan.render():
            out.write(frame, i, plan.audio_of(i))
            mouths[i] = (mouth.jaw, mouth.spread, mouth.round)
            speaking[i] = speech
    if sidecar:
        write_segments(path, plan.segments)
    return SyntheticClip(path, fps, (width, height), mouths, speaking, plan.segments,
                         AUDIO_RATE)


def make_bad_clips(
    folder: Path,
    avatar: Avatar,
    voice: PiperEngine,
    takes: tuple[Take, ...] = SHORT_TAKES,
    fps: int = 25,
    width: int = 360,
    height: int = 480,
) -> dict[str, Path]:
    """Clips a video-avatar build must refuse, each wrong in one way, by name:

    short (5 s), no_audio (no audio stream), dark (brightness x 0.1), two_faces (the
    picture twice, side by side: twice as wide), tiny_face (the picture at 20 % on a grey
    canvas of the usual size), no_face (a plain gradient), variable_rate (frame
    durations alternating 33 and 47 ms, time base 1/1000).

    All follow `takes` like a good clip (speech included, a sidecar timeline beside each),
    except "short", which stops after 5 s. The talking head is rendered once and fanned
    out to the seven files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    plan = _Plan(avatar, voice, takes, fps, width, height, READING_TEXT, 7, True)
    size = (width, height)
    short = round(5 * fps)
    gradient = _gradient(width, height)
    with ExitStack() as files:
        def mp4(name: str, frame_size: tuple[int, int] = size, audio: bool = True,
                time_base: Fraction | None = None) -> _Mp4:
            out = _Mp4(folder / f"{name}.mp4", frame_size, fps, audio, time_base, BAD_PRESET)
            return files.enter_context(out)

        outs = {
            "short": mp4("short"),
            "no_audio": mp4("no_audio", audio=False),
            "dark": mp4("dark"),
            "two_faces": mp4("two_faces", (2 * width, height)),
            "tiny_face": mp4("tiny_face"),
            "no_face": mp4("no_face"),
            "variable_rate": mp4("variable_rate", time_base=Fraction(1, 1000)),
        }
        for i, frame, _, _ in plan.render():
            sound = plan.audio_of(i)
            if i < short:
                outs["short"].write(frame, i, sound)
            outs["no_audio"].write(frame, i, None)
            outs["dark"].write((frame * 0.1).astype(np.uint8), i, sound)
            outs["two_faces"].write(np.hstack([frame, frame]), i, sound)
            outs["tiny_face"].write(_tiny(frame, 0.2), i, sound)
            outs["no_face"].write(gradient, i, sound)
            outs["variable_rate"].write(frame, _irregular_pts(i), sound)
    for out in outs.values():
        write_segments(out.path, plan.segments)
    return {name: out.path for name, out in outs.items()}


def write_segments(clip: Path, timeline: list[Segment]) -> Path:
    """The timeline as `<clip>.segments.yaml` (- name: idle, start: 0, end: 6 ...), the
    sidecar a build reads instead of the guide's full-length timeline."""
    sidecar = clip.with_suffix(".segments.yaml")
    rows = [{"name": seg.name, "start": seg.start, "end": seg.end} for seg in timeline]
    sidecar.write_text(yaml.safe_dump(rows, sort_keys=False), encoding="utf-8")
    return sidecar


class _ClipEngine(WarpEngine):
    """The warp engine, plus the gesture takes' mouth offsets (a smile, rounded lips)."""

    def __init__(self, width: int, height: int, fps: int, seed: int,
                 director: _Director) -> None:
        super().__init__(width, height, fps, seed)
        self.director = director

    def mouth_at(self, t: float) -> Mouth:
        mouth = super().mouth_at(t)
        gesture, weight = self.director.at(t)
        if weight == 0.0:
            return mouth
        return replace(mouth,
                       spread=min(1.0, mouth.spread + weight * gesture.spread),
                       round=min(1.0, mouth.round + weight * gesture.round))


class _Director:
    """Which gesture plays at a time, and how far into its bump (0 rest .. 1 peak)."""

    def __init__(self, timeline: list[Segment], enabled: bool) -> None:
        self.takes = [(seg, GESTURES[seg.name]) for seg in timeline
                      if enabled and seg.name in GESTURES]

    def at(self, t: float) -> tuple[Gesture, float]:
        for seg, gesture in self.takes:
            if seg.start <= t < seg.end:
                return gesture, math.sin(math.pi * (t - seg.start) / (seg.end - seg.start)) ** 2
        return Gesture(), 0.0


class _Plan:
    """The engine prepared and the speech placed: frames can be rendered in order."""

    def __init__(self, avatar: Avatar, voice: PiperEngine, takes: tuple[Take, ...], fps: int,
                 width: int, height: int, text: str, seed: int, gestures: bool) -> None:
        self.segments = segments(takes, GAP)
        self.fps = fps
        self.frame_count = round(self.segments[-1].end * fps)
        self.director = _Director(self.segments, gestures)
        self.engine = _ClipEngine(width, height, fps, seed, self.director)
        self.engine.prepare(avatar)
        rate = voice.sample_rate
        track = np.zeros(round(self.segments[-1].end * rate), np.int16)
        readings = [seg for seg in self.segments if seg.name == "reading"]
        chunks = list(voice.synthesize(text)) if readings else []
        if readings and not chunks:
            raise ValueError(f"the voice says nothing for {text!r}")
        for seg in readings:
            for start, chunk in _fill(seg, chunks):
                self.engine.push(chunk, start)
                at = round(start * rate)
                track[at:at + len(chunk.audio)] = chunk.audio[:len(track) - at]
        self.audio = _resample(track, rate, AUDIO_RATE, self._sample(self.frame_count))

    def _sample(self, frame: int) -> int:
        return round(frame * AUDIO_RATE / self.fps)

    def audio_of(self, frame: int) -> np.ndarray:
        """The 48 kHz samples that play while `frame` is shown."""
        return self.audio[self._sample(frame):self._sample(frame + 1)]

    def render(self) -> Iterator[tuple[int, np.ndarray, Mouth, bool]]:
        """(index, RGB frame, mouth weights drawn, speech placed) for every frame."""
        engine = self.engine
        h, w = engine.height, engine.width
        for i in range(self.frame_count):
            t = engine.time_of(i)
            frame = engine.render(t)
            gesture, weight = self.director.at(t)
            if weight and (gesture.dx or gesture.dy):
                frame = _shift(frame, weight * gesture.dx * w, weight * gesture.dy * h)
            yield i, frame, engine.mouth_at(t), engine.timeline.at(t) is not None


def _fill(seg: Segment, chunks: list[SpeechChunk]) -> Iterator[tuple[float, SpeechChunk]]:
    """Chunks one after another from the take's start (the text again if it runs out);
    the one that would overrun the take is cut at its last pause that fits."""
    at = seg.start
    for chunk in itertools.cycle(chunks):
        room = seg.end - at
        if chunk.duration > room:
            cut = _trim(chunk, room)
            if cut is not None:
                yield at, cut
            return
        yield at, chunk
        at += chunk.duration


def _trim(chunk: SpeechChunk, seconds: float) -> SpeechChunk | None:
    """The chunk up to the end of its last pause phoneme within `seconds`, or None."""
    limit = seconds * chunk.sample_rate
    keep = None
    for k, p in enumerate(chunk.phonemes):
        if p.start + p.length > limit:
            break
        if k > 0 and p.phoneme in _PAUSES:
            keep = k
    if keep is None:
        return None
    last = chunk.phonemes[keep]
    end = last.start + last.length
    return replace(chunk, audio=chunk.audio[:end], phonemes=chunk.phonemes[:keep + 1],
                   metadata={**chunk.metadata, "trimmed": True})


def _resample(track: np.ndarray, rate: int, to: int, length: int) -> np.ndarray:
    """int16 mono `track` at `rate` resampled to `to`, cut or padded to `length`."""
    frame = av.AudioFrame.from_ndarray(track.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = rate
    resampler = av.AudioResampler(format="s16", layout="mono", rate=to)
    parts = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    out = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    out = out[:length]
    return np.pad(out, (0, length - len(out)))


def _shift(frame: np.ndarray, dx: float, dy: float) -> np.ndarray:
    h, w = frame.shape[:2]
    move = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(frame, move, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def _tiny(frame: np.ndarray, scale: float) -> np.ndarray:
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.full_like(frame, 128)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
    return canvas


def _gradient(width: int, height: int) -> np.ndarray:
    """A plain top-to-bottom gradient, blue-grey to sand: no face anywhere."""
    u = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top, bottom = np.float32([70, 90, 120]), np.float32([210, 190, 150])
    column = top + (bottom - top) * u
    return np.ascontiguousarray(np.broadcast_to(column, (height, width, 3)).astype(np.uint8))


def _irregular_pts(frame: int) -> int:
    """Milliseconds: frame durations alternate 33 and 47 ms (25 fps on average)."""
    return 80 * (frame // 2) + 33 * (frame % 2)


def _first_frame(seconds: float, fps: int) -> int:
    """The first frame shown at or after `seconds`."""
    return math.ceil(seconds * fps - 1e-6)


class _Mp4:
    """One .mp4: libx264 yuv420p video, optionally AAC mono at AUDIO_RATE."""

    def __init__(self, path: Path, size: tuple[int, int], fps: int, audio: bool = True,
                 time_base: Fraction | None = None, preset: str = PRESET) -> None:
        self.path = path
        self.container = av.open(str(path), "w")
        self.time_base = time_base or Fraction(1, fps)
        self.video = self.container.add_stream(
            "libx264", rate=fps, options={"crf": str(CRF), "preset": preset})
        self.video.width, self.video.height = size
        self.video.pix_fmt = "yuv420p"
        self.video.codec_context.time_base = self.time_base
        self.audio = (self.container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
                      if audio else None)
        self._samples = 0  # audio written so far
        self._closed = False

    def write(self, rgb: np.ndarray, pts: int, sound: np.ndarray | None) -> None:
        """One frame at `pts` (in the time base), and the audio that plays with it."""
        # OpenCV's BT.601 conversion: several times faster than PyAV's reformat here
        i420 = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
        frame.pts, frame.time_base = pts, self.time_base
        for packet in self.video.encode(frame):
            self.container.mux(packet)
        if self.audio is None or sound is None or not len(sound):
            return
        block = av.AudioFrame.from_ndarray(sound.reshape(1, -1), format="s16", layout="mono")
        block.sample_rate = AUDIO_RATE
        block.pts, block.time_base = self._samples, Fraction(1, AUDIO_RATE)
        self._samples += len(sound)
        for packet in self.audio.encode(block):
            self.container.mux(packet)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            for stream in (self.video, self.audio):
                if stream is not None:
                    for packet in stream.encode(None):
                        self.container.mux(packet)
        finally:
            self.container.close()

    def __enter__(self) -> _Mp4:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
