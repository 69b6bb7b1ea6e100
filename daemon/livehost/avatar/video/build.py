"""`livehost avatar build --video clip.mp4`: a clip of a real person in, a package out.

One pass over the clip writes its frames at the package's size and finds the face on
each; then the lip shapes and head pose, the idle loop, the takes (the guide's timeline
or a sidecar segments.yaml), the sound features, and a report: how much of the clip is
usable, which mouth shapes are missing, and how well the person's own mouths match speech
the build did not learn from (held out), against a mouth that never moves. The held-out
mouths are chosen as on air: for the voice's phonemes of the reading text, laid on the
clip's reading by aligning the voice's sound with it (align.py); without a voice, or a
text in its language, they are chosen from the clip's own sound (the report says which).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import av
import cv2
import numpy as np
import yaml

from livehost.avatar.manifest import Consent, PublicDomainSource
from livehost.avatar.package import MANIFEST, AvatarError
from livehost.avatar.reading import READING
from livehost.avatar.video import align, mouthmap
from livehost.avatar.video import clip as clips
from livehost.avatar.video.loop import IdleLoop, find_loop, seam_difference, thumbs
from livehost.avatar.video.manifest import LoopPart, SegmentPart, SourceClip, VideoManifest
from livehost.avatar.video.package import CUES, VOICE_MAP, map_arrays, write_cues
from livehost.avatar.video.select import choose
from livehost.avatar.video.timeline import Segment, segments
from livehost.avatar.video.track import Shapes, Tracks, check_tracks, shapes, track
from livehost.lipsync.atlas.atlas import Curves, MouthAtlas
from livehost.modelstore.hashing import sha256_file

if TYPE_CHECKING:
    from livehost.avatar.detect import LandmarkDetector
    from livehost.speech.engine import SpeechEngine

Progress = Callable[[str, float], None]
Driver = Literal["phonemes", "sound"]
Chooser = Literal["voice map", "description"]
HEIGHT = 720  # the package's frame height (the host's height at 720p)
HELD_OUT = 0.3  # the share of the reading kept out of the map, to test it on
SPEAKING_DBFS = -38.0  # a frame louder than this is speech
# mouth shapes a host needs, as (opening, width) bounds in eye distances, relative to
# the person's own mouth at rest; fewer than MIN_SHAPE_FRAMES of one: missing
MIN_SHAPE_FRAMES = 5
SOUND_NOTE = "the held-out mouths were chosen from the clip's sound, not from phonemes"


@dataclass
class Report:
    seconds: float
    frames: int
    usable_share: float
    idle_loop_seconds: float
    seam: float
    clip_median_step: float
    fade_frames: int
    shapes: dict[str, int]
    missing_shapes: list[str]
    held_out_error: float | None
    constant_mouth_error: float | None
    # what chose the held-out mouths: the reading text's phonemes (as on air) or the
    # clip's sound (no voice, or no text in the voice's language)
    held_out_driver: Driver | None = None
    sound_held_out_error: float | None = None  # the sound's choice, for comparison
    # the chosen mouths' lip gap error over a constant gap's: the jaw alone, without the
    # lip width (which a poor spread/rounding calibration can spoil)
    opening_error_ratio: float | None = None
    # how the engine compares mouths: the person's voice map, or (when it chose worse on
    # the held-out speech, or there was no aligned text) the description of each mouth
    mouth_choice: Chooser | None = None
    description_error: float | None = None  # the description's held-out error
    warnings: list[str] = field(default_factory=list)

    @property
    def error_ratio(self) -> float | None:
        if self.held_out_error is None or not self.constant_mouth_error:
            return None
        return self.held_out_error / self.constant_mouth_error


def build_video_avatar(
    path: Path,
    out: Path,
    *,
    name: str,
    consent: Consent | None,
    public_domain: PublicDomainSource | None = None,
    takes: list[Segment] | None = None,
    height: int = HEIGHT,
    detector: LandmarkDetector | None = None,
    progress: Progress = lambda what, share: None,
    voice: SpeechEngine | None = None,
    text: str | None = None,
    language: str = "en",
) -> Report:
    """Build the package in `out` (replaced only when the build succeeds). With a `voice`,
    the held-out check chooses mouths for its phonemes of `text` (default: the guide's
    reading text in `language`), aligned to the clip's reading."""
    if consent is None and public_domain is None:
        raise AvatarError(
            "a video avatar of a real person needs a consent record: --person, "
            "--consent-reference and --consent-date"
        )
    progress("opening the clip", 0.0)
    info = clips.open_clip(path)
    warnings = []
    if info.seconds < clips.WANT_SECONDS:
        warnings.append(
            f"the clip is {info.seconds:.0f} s; under {clips.WANT_SECONDS:.0f} s some mouth "
            "shapes will be missing (record along `livehost avatar guide`)"
        )
    size = info.size_for(min(height, info.height))
    takes = takes if takes is not None else _takes_for(path, info)
    if detector is None:
        from livehost.avatar.detect import LandmarkDetector

        progress("loading the face detector", 0.05)
        detector = LandmarkDetector()
    work = out.with_name(f".{out.name}.building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        small, tracks = _one_pass(info, size, work / "frames.mp4", detector, progress)
        check_tracks(path.name, tracks)
        progress("measuring the mouth and the head", 0.72)
        shape = shapes(tracks)
        fps = info.fps
        by_name = {t.name: t for t in takes}
        idle = _frames_of(by_name.get("idle"), fps, len(small))
        loop = find_loop(small[idle], shape.pose[idle], fps, idle.start)
        seam = seam_difference(small, loop)
        progress("learning the mouth from the voice", 0.8)
        audio = clips.read_audio(info)
        features = mouthmap.frame_features(mouthmap.log_mel(audio), len(small), fps)
        speaking = _speaking(audio, len(small), fps)
        reading = _frames_of(by_name.get("reading"), fps, len(small))
        progress("aligning the reading with its text", 0.84)
        curves_at, why = _phoneme_curves(voice, text, language, audio, reading, fps)
        if why:
            warnings.append(why)
        held, voice_map = _held_out(shape, features, speaking, reading, tracks.good, fps,
                                    curves_at)
        counts, missing = _shape_counts(shape, reading, tracks.good, speaking)
        report = Report(
            seconds=round(info.seconds, 2),
            frames=len(small),
            usable_share=round(float(np.mean(tracks.good)), 3),
            idle_loop_seconds=round((loop.end - loop.start + 1) / fps, 2),
            seam=round(seam, 2),
            clip_median_step=round(loop.median_step, 2),
            fade_frames=loop.fade,
            shapes=counts,
            missing_shapes=missing,
            held_out_error=_rounded(held.error),
            constant_mouth_error=_rounded(held.constant),
            held_out_driver=held.driver,
            sound_held_out_error=_rounded(held.sound),
            opening_error_ratio=None if held.opening is None else round(held.opening, 3),
            mouth_choice=held.chooser or "description",
            description_error=_rounded(held.description),
            warnings=warnings + [f"mouth shape missing: {m}" for m in missing],
        )
        if held.driver == "phonemes" and report.error_ratio and report.error_ratio > 1.0:
            report.warnings.append(
                "the mouths chosen for the text's phonemes do worse than a still mouth: "
                "was the text read as written? Give the words read with --text"
            )
        progress("writing the package", 0.92)
        np.savez_compressed(
            work / "features.npz",
            landmarks=tracks.landmarks.astype(np.float16),
            lips=shape.lips,
            opening=shape.opening,
            width=shape.width,
            pose=shape.pose,
            align=shape.align,
            speaking=speaking,
            **({} if voice_map is None else map_arrays(voice_map, VOICE_MAP)),
        )
        manifest = VideoManifest(
            name=name,
            size=size,
            fps=fps,
            frame_count=len(small),
            source=SourceClip(
                file=path.name,
                sha256=sha256_file(path),
                seconds=info.seconds,
                fps=fps,
                size=(info.width, info.height),
            ),
            idle=LoopPart(start=loop.start, end=loop.end, fade=loop.fade),
            segments=[_segment_part(t, fps, len(small)) for t in takes if t.start < info.seconds],
            lower_face_lab=_lower_face_lab(work / "frames.mp4", tracks, loop),
            consent=consent,
            public_domain=public_domain,
            built_with=getattr(detector, "version", lambda: "")(),
        )
        (work / MANIFEST).write_text(
            yaml.safe_dump(manifest.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
        )
        (work / "report.yaml").write_text(yaml.safe_dump(_report_dict(report), sort_keys=False))
        write_cues(work / CUES, manifest)
        shutil.rmtree(out, ignore_errors=True)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress("done", 1.0)
    return report


def _one_pass(
    info: clips.ClipInfo,
    size: tuple[int, int],
    target: Path,
    detector: LandmarkDetector,
    progress: Progress,
) -> tuple[np.ndarray, Tracks]:
    """Write the frames at `size` while finding the face on each; small pictures too.
    Landmarks come from the clip's own resolution (a face a few dozen pixels wide at the
    package's size gives a mouth too coarse to measure), scaled to the package's."""
    frames: list[np.ndarray] = []
    rate = Fraction(info.fps).limit_denominator(1001)
    source = (info.width, info.height)
    scale = size[0] / info.width

    def written() -> Iterator[np.ndarray]:
        with av.open(str(target), "w") as container:
            stream = container.add_stream("libx264", rate=rate)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": "18", "preset": "veryfast", "g": str(round(info.fps))}
            for rgb in clips.read_frames(info, source):
                small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
                frames.append(thumbs([small])[0])
                for packet in stream.encode(av.VideoFrame.from_ndarray(small, format="rgb24")):
                    container.mux(packet)
                yield rgb
            for packet in stream.encode():
                container.mux(packet)

    tracks = track(written(), detector, info.frames, progress, scale=scale)
    return np.stack(frames), tracks


def _takes_for(path: Path, info: clips.ClipInfo) -> list[Segment]:
    """The sidecar segments.yaml beside the clip, else the guide's timeline."""
    for sidecar in (path.with_suffix(".segments.yaml"), path.parent / "segments.yaml"):
        if sidecar.is_file():
            return read_segments(sidecar)
    return segments()


def read_segments(path: Path) -> list[Segment]:
    """A list of {name, start, end} in seconds; AvatarError saying what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out = [Segment(str(d["name"]), float(d["start"]), float(d["end"])) for d in data]
    except (OSError, yaml.YAMLError, TypeError, KeyError, ValueError) as exc:
        raise AvatarError(
            f"{path}: not a list of segments (- name: idle, start: 0, end: 15) ({exc})"
        ) from None
    # NaN fails the comparison; an infinite end would size a slice of frames
    bad = [s.name for s in out if not (0 <= s.start < s.end and math.isfinite(s.end))]
    if bad:
        raise AvatarError(
            f"{path}: segment {bad[0]} must start at 0 or later and end after it starts"
        )
    return out


def _frames_of(take: Segment | None, fps: float, count: int) -> slice:
    if take is None:
        raise AvatarError("the timeline has no idle or no reading take")
    first, last = round(take.start * fps), min(count, round(take.end * fps))
    if last - first < 2:
        raise AvatarError(
            f"the clip ends before the {take.name} take ({take.start:.0f}-{take.end:.0f} s); "
            "record along `livehost avatar guide`, or give a segments.yaml"
        )
    return slice(first, last)


def _speaking(audio: np.ndarray, count: int, fps: float) -> np.ndarray:
    rate = clips.AUDIO_RATE
    out = np.zeros(count, bool)
    half = int(rate / fps / 2)
    for i in range(count):
        centre = int(i / fps * rate)
        piece = audio[max(0, centre - half) : centre + half].astype(np.float64)
        if piece.size:
            db = 10 * np.log10(np.mean(piece**2) / 32768.0**2 + 1e-12)
            out[i] = db > SPEAKING_DBFS
    return out


@dataclass(frozen=True)
class HeldOut:
    """Lip errors over the held-out speech (eye distances); None where not measured."""

    error: float | None = None  # of the mouths the driver chose
    constant: float | None = None  # of a mouth that never moves
    driver: Driver | None = None
    sound: float | None = None  # of the mouths the clip's sound chose
    opening: float | None = None  # the driver's lip gap error over a constant gap's
    chooser: Chooser | None = None  # how the engine will compare mouths (see atlas.py)
    description: float | None = None  # of the mouths the description chose


def _phoneme_curves(
    voice: SpeechEngine | None,
    text: str | None,
    language: str,
    audio: np.ndarray,
    reading: slice,
    fps: float,
) -> tuple[Curves | None, str]:
    """The voice's mouth curves for the reading text, aligned to the clip: a function of
    clip seconds; or None and why not."""
    if voice is None:
        return None, f"no voice: {SOUND_NOTE}"
    if text is None and language not in READING:
        return None, f"no reading text for language {language!r}: {SOUND_NOTE}"
    spoken_language = voice.language
    if spoken_language != language:
        return None, f"the voice speaks {spoken_language}, the reading {language}: {SOUND_NOTE}"
    rate = clips.AUDIO_RATE
    start, stop = round(reading.start / fps * rate), round(reading.stop / fps * rate)
    try:
        spoken = align.speak(voice, text if text is not None else READING[language])
        alignment = align.align(spoken, audio[start:stop], rate)
    except ValueError as exc:
        return None, f"the reading could not be aligned with its text ({exc}): {SOUND_NOTE}"
    if alignment.cost > align.MISMATCH:
        return None, (
            f"the reading does not sound like its text (alignment cost {alignment.cost:.2f}, "
            f"over {align.MISMATCH}): give the words read with --text; {SOUND_NOTE}"
        )
    offset = reading.start / fps
    return (lambda t: align.curves(spoken, alignment, t - offset)), ""


def _held_out(
    shape: Shapes,
    features: np.ndarray,
    speaking: np.ndarray,
    reading: slice,
    good: np.ndarray,
    fps: float,
    curves_at: Curves | None = None,
) -> tuple[HeldOut, mouthmap.MouthMap | None]:
    """Held-out lip error over the last HELD_OUT of the reading's speech: of the mouths
    the atlas engine chooses from the first part for the aligned voice's curves, or else
    for the person's own sound; and of a constant mouth. Also the voice map the package
    keeps (fitted on the whole reading): only when it chose better than the description,
    which a reading that is not the text (or a poor alignment) would spoil."""
    frames = np.arange(reading.start, reading.stop)
    frames = frames[good[frames] & ~np.isnan(shape.lips[frames, 0, 0])]
    if len(frames) < 20:
        return HeldOut(), None
    split = frames[int(len(frames) * (1 - HELD_OUT))]
    train, test = frames[frames < split], frames[frames >= split]
    test = test[speaking[test]]
    if len(train) < 10 or len(test) < 5:
        return HeldOut(), None
    truth, lips = shape.lips[test], shape.lips[train]
    constant = _lip_error(lips.mean(axis=0)[None], truth)
    by_sound = _sound_choice(features, lips, train, test)
    sound = _lip_error(lips[by_sound], truth)
    if curves_at is None:
        return HeldOut(sound, constant, "sound", sound, _gap_ratio(shape, by_sound, train,
                                                                  test)), None
    by_map = _phoneme_choice(shape, speaking, curves_at, fps, train, test, voice_map=True)
    by_description = _phoneme_choice(shape, speaking, curves_at, fps, train, test,
                                     voice_map=False)
    errors = {"voice map": _lip_error(lips[by_map], truth),
              "description": _lip_error(lips[by_description], truth)}
    chooser: Chooser = "voice map" if errors["voice map"] < errors["description"] \
        else "description"
    rows = by_map if chooser == "voice map" else by_description
    kept = None
    if chooser == "voice map":
        kept = mouthmap.fit(mouthmap.voice_features(curves_at, frames / fps), shape.lips[frames])
    return HeldOut(errors[chooser], constant, "phonemes", sound,
                   _gap_ratio(shape, rows, train, test), chooser, errors["description"]), kept


def _sound_choice(
    features: np.ndarray, lips: np.ndarray, train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    """Training rows for the test frames, from a sound-to-mouth map fitted on training."""
    mouth_map = mouthmap.fit(features[train], lips)
    return choose(mouth_map.predict(features[test]), mouth_map.components(lips), train)


def _phoneme_choice(
    shape: Shapes, speaking: np.ndarray, curves_at: Curves, fps: float, train: np.ndarray,
    test: np.ndarray, *, voice_map: bool,
) -> np.ndarray:
    """Training rows for the test frames, chosen as the atlas engine chooses: with a
    voice map learnt on the training frames only, or by the description; its Viterbi,
    each mouth for the test frame's own head pose."""
    learnt = None
    if voice_map:
        learnt = mouthmap.fit(mouthmap.voice_features(curves_at, train / fps), shape.lips[train])
    atlas = MouthAtlas.of([], train, shape.opening[train], shape.width[train],
                          speaking[train], shape.lips[train], shape.pose[train], learnt)
    return atlas.choose(atlas.wanted(curves_at, test / fps), shape.pose[test])


def _lip_error(chosen: np.ndarray, truth: np.ndarray) -> float:
    """Mean distance of the lip points (eye distances)."""
    return float(np.linalg.norm(chosen - truth, axis=2).mean())


def _gap_ratio(shape: Shapes, rows: np.ndarray, train: np.ndarray, test: np.ndarray) -> float:
    """The chosen mouths' lip gap error over that of the training's mean gap."""
    gap, truth = shape.opening[train], shape.opening[test]
    still = float(np.abs(gap.mean() - truth).mean())
    return float(np.abs(gap[rows] - truth).mean()) / max(still, 1e-9)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _shape_counts(
    shape: Shapes, reading: slice, good: np.ndarray, speaking: np.ndarray
) -> tuple[dict[str, int], list[str]]:
    frames = np.arange(reading.start, reading.stop)
    frames = frames[good[frames]]
    rest = frames[~speaking[frames]] if np.any(~speaking[frames]) else frames
    rest_width = float(np.nanmedian(shape.width[rest])) if len(rest) else 1.0
    opening, width = shape.opening[frames], shape.width[frames] / max(rest_width, 1e-6)
    counts = {
        "closed": int(np.sum(opening < 0.03)),
        "open": int(np.sum(opening > 0.18)),
        "spread": int(np.sum(width > 1.08)),
        "rounded": int(np.sum((width < 0.92) & (opening > 0.04))),
    }
    return counts, [name for name, n in counts.items() if n < MIN_SHAPE_FRAMES]


def _lower_face_lab(frames_path: Path, tracks: Tracks, loop: IdleLoop) -> tuple[float, ...]:
    """Mean and spread of L, a, b over the idle loop's lower face (nose to chin)."""
    values = []
    with av.open(str(frames_path)) as container:
        for n, frame in enumerate(container.decode(video=0)):
            if n < loop.start:
                continue
            if n > loop.end:
                break
            lm = tracks.landmarks[n]
            if np.isnan(lm[0, 0]):
                continue
            rgb = frame.to_ndarray(format="rgb24")
            x0, x1 = int(lm[:, 0].min()), int(lm[:, 0].max())
            y0, y1 = int(lm[1, 1]), int(lm[:, 1].max())
            patch = rgb[max(0, y0) : y1, max(0, x0) : x1]
            if patch.size:
                values.append(cv2.cvtColor(patch, cv2.COLOR_RGB2LAB).reshape(-1, 3))
    if not values:
        return (0.0,) * 6
    lab = np.concatenate(values).astype(np.float64)
    mean, spread = lab.mean(axis=0), lab.std(axis=0)
    return tuple(round(float(v), 2) for v in (*mean, *spread))


def _segment_part(take: Segment, fps: float, count: int) -> SegmentPart:
    return SegmentPart(
        name=take.name,
        start=min(count - 1, round(take.start * fps)),
        end=min(count - 1, round(take.end * fps)),
    )


def _report_dict(report: Report) -> dict:
    out = asdict(report)
    out["error_ratio"] = None if report.error_ratio is None else round(report.error_ratio, 3)
    return out

