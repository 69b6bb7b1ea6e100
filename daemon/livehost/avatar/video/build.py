"""`livehost avatar build --video clip.mp4`: a clip of a real person in, a package out.

One pass over the clip writes its frames at the package's size and finds the face on
each; then the lip shapes and head pose, the idle loop, the takes (the guide's timeline
or a sidecar segments.yaml), the sound features, and a report: how much of the clip is
usable, which mouth shapes are missing, and how well the person's own mouths, chosen from
their own sound, match speech the build did not learn from (held out), against a mouth
that never moves.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import cv2
import numpy as np
import yaml

from livehost.avatar.manifest import Consent, PublicDomainSource
from livehost.avatar.package import MANIFEST, AvatarError
from livehost.avatar.video import clip as clips
from livehost.avatar.video import mouthmap
from livehost.avatar.video.loop import IdleLoop, find_loop, seam_difference, thumbs
from livehost.avatar.video.manifest import LoopPart, SegmentPart, SourceClip, VideoManifest
from livehost.avatar.video.select import choose
from livehost.avatar.video.timeline import Segment, segments
from livehost.avatar.video.track import Shapes, Tracks, check_tracks, shapes, track
from livehost.modelstore.hashing import sha256_file

if TYPE_CHECKING:
    from livehost.avatar.detect import LandmarkDetector

Progress = Callable[[str, float], None]
HEIGHT = 720  # the package's frame height (the host's height at 720p)
HELD_OUT = 0.3  # the share of the reading kept out of the map, to test it on
SPEAKING_DBFS = -38.0  # a frame louder than this is speech
# mouth shapes a host needs, as (opening, width) bounds in eye distances, relative to
# the person's own mouth at rest; fewer than MIN_SHAPE_FRAMES of one: missing
MIN_SHAPE_FRAMES = 5


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
) -> Report:
    """Build the package in `out` (replaced only when the build succeeds)."""
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
        held, constant, mouth_map = _held_out(shape, features, speaking, reading, tracks.good)
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
            held_out_error=None if held is None else round(held, 4),
            constant_mouth_error=None if constant is None else round(constant, 4),
            warnings=warnings + [f"mouth shape missing: {m}" for m in missing],
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
            features=features.astype(np.float16),
            **({} if mouth_map is None else _map_arrays(mouth_map)),
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


def _held_out(
    shape: Shapes, features: np.ndarray, speaking: np.ndarray, reading: slice, good: np.ndarray
) -> tuple[float | None, float | None, mouthmap.MouthMap | None]:
    """Held-out lip error of the atlas chosen from the person's own sound, and of a
    constant mouth, over the last HELD_OUT of the reading's speech (eye distances)."""
    frames = np.arange(reading.start, reading.stop)
    frames = frames[good[frames] & ~np.isnan(shape.lips[frames, 0, 0])]
    if len(frames) < 20:
        return None, None, None
    split = frames[int(len(frames) * (1 - HELD_OUT))]
    train, test = frames[frames < split], frames[frames >= split]
    test = test[speaking[test]]
    if len(train) < 10 or len(test) < 5:
        return None, None, None
    mouth_map = mouthmap.fit(features[train], shape.lips[train])
    atlas = mouth_map.components(shape.lips[train])
    chosen = choose(mouth_map.predict(features[test]), atlas, train)
    truth = shape.lips[test]
    held = float(np.linalg.norm(shape.lips[train][chosen] - truth, axis=2).mean())
    constant = float(np.linalg.norm(mouth_map.mean_lips[None] - truth, axis=2).mean())
    whole = mouthmap.fit(features[frames], shape.lips[frames])  # the map the package keeps
    return held, constant, whole


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


def _map_arrays(mouth_map: mouthmap.MouthMap) -> dict[str, np.ndarray]:
    return {f"map_{k}": v for k, v in asdict(mouth_map).items()}


def _report_dict(report: Report) -> dict:
    out = asdict(report)
    out["error_ratio"] = None if report.error_ratio is None else round(report.error_ratio, 3)
    return out

