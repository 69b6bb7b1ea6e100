"""The clip-atlas engine: a host made from a minute of video of a real person.

The picture is the person's own idle loop (their blinks, breathing and small head
motion) or, when a line's cue asks for it, one of their recorded takes (pointing at the
cart, a smile). While the voice speaks, the lower face of each frame is replaced by one
of the person's own recorded mouths, chosen for the voice's phonemes (atlas.py) and laid
on with a similarity transform, a colour match and a feathered edge (paste.py). In
silence nothing is laid on: the loop's own closed mouth shows, perfectly still.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from livehost.avatar.video.loop import IdleLoop, looped_frame, thumbs
from livehost.avatar.video.package import VideoAvatar, decode
from livehost.lipsync.atlas.atlas import AtlasBuilder, MouthAtlas
from livehost.lipsync.atlas.base import BaseFrames, Loop, Take, compress, i420
from livehost.lipsync.atlas.paste import paste
from livehost.lipsync.atlas.stage import Stage
from livehost.lipsync.engine import LipSyncEngine
from livehost.lipsync.speechmouth import smoothstep, speech_mouth
from livehost.lipsync.timeline import Placed
from livehost.lipsync.visemes import RATE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    """What the engine lays on a frame: an atlas row and how strongly (0: nothing)."""

    row: int
    alpha: float


class AtlasEngine(LipSyncEngine):
    name = "atlas"
    kinds = ("video",)

    def __init__(self, width: int, height: int, fps: int, mouths: bool = True) -> None:
        """`mouths=False`: only the body (another engine draws the mouth), so the person's
        mouths are not cut and compressed at start."""
        super().__init__(width, height, fps)
        self.mouths = mouths
        self.avatar: VideoAvatar | None = None
        self.atlas: MouthAtlas | None = None
        self.base: BaseFrames | None = None
        self.stage: Stage | None = None
        self._warned: set[str] = set()
        self._live_row: int | None = None
        self._paste_failed = False

    def prepare(self, avatar: VideoAvatar) -> None:  # type: ignore[override]
        if getattr(avatar, "kind", "portrait") != "video":
            raise ValueError("the atlas engine plays video avatars (built with "
                             "`livehost avatar build --video`); this one is a photo")
        m = avatar.manifest
        loop = IdleLoop(m.idle.start, m.idle.end, 0.0, 0.0, m.idle.fade)
        loop_range = range(max(0, loop.start - loop.fade), loop.end + 1)
        take_names = sorted(set(avatar.cues.values()))
        spans = {name: avatar.segment(name) for name in take_names}
        builder = AtlasBuilder(avatar) if self.mouths else None
        mouth_frames = builder.frames.tolist() if builder else []
        raw: dict[int, np.ndarray] = {}  # I420
        jpegs: dict[str, list[bytes]] = {name: [] for name in take_names}
        small: dict[str, list[np.ndarray]] = {name: [] for name in take_names}
        last = max([loop.end, *(s.end for s in spans.values() if s), *mouth_frames])
        small_loop: dict[int, np.ndarray] = {}
        for n, rgb in decode(avatar.frames_path):
            if n in loop_range:  # kept as I420, the loop's own fade blends them alike
                raw[n] = i420(rgb)
                small_loop[n] = thumbs([rgb])[0]
            for name, span in spans.items():
                if span is not None and span.start <= n <= span.end:
                    jpegs[name].append(compress(rgb))
                    small[name].append(thumbs([rgb])[0])
            if builder:
                builder.offer(n, rgb)
            if n >= last:
                break
        if loop.end not in raw:
            raise ValueError(f"{avatar.folder}: the frames end before the idle loop does")
        length = loop.end - loop.start + 1
        idle = Loop(
            frames=[looped_frame(raw, loop, k) for k in range(length)],
            landmarks=np.stack([looped_frame(avatar.landmarks, loop, k) for k in range(length)]),
            pose=np.stack([looped_frame(avatar.pose, loop, k) for k in range(length)]),
            thumbs=np.stack([looped_frame(small_loop, loop, k) for k in range(length)]),
        )
        del raw
        takes = {
            name: Take(name, spans[name].start, tuple(jpegs[name]), np.stack(small[name]))
            for name in take_names
            if spans[name] is not None and len(jpegs[name]) > 2
        }
        self.base = BaseFrames(loop=idle, takes=takes, fps=m.fps, landmarks=avatar.landmarks,
                               pose=avatar.pose)
        self.atlas = builder.build() if builder else None
        self.stage = Stage(idle.picture(0), self.width, self.height)
        self.avatar = avatar
        log.info("atlas engine: %d mouths, an idle loop of %.1f s, takes %s",
                 len(self.atlas.source) if self.atlas else 0, length / m.fps,
                 ", ".join(takes) or "none")

    # speech in

    def _analyse(self, placed: Placed) -> None:
        atlas, base = self._ready()
        self.cue(placed.cues, placed.start)
        mouth = speech_mouth(placed.chunk)
        first = math.ceil(placed.start * self.fps - 1e-6)
        stop = max(first + 1, math.ceil(placed.end * self.fps - 1e-6))
        times = np.arange(first, stop) / self.fps
        grid = np.arange(len(mouth.opening))

        def curves_at(t: np.ndarray) -> np.ndarray:  # seconds into the chunk
            x = t * RATE
            return np.column_stack([np.interp(x, grid, c)
                                    for c in (mouth.opening, mouth.spread, mouth.round)])

        wanted = atlas.wanted(curves_at, times - placed.start)
        base_pose = np.stack([base.at_pose(t) for t in times])
        rows = atlas.choose(wanted, base_pose)
        alpha = smoothstep(0.05, 0.5, np.interp((times - placed.start) * RATE, grid,
                                                mouth.voiced))
        placed.features["atlas"] = (first, rows, alpha.astype(np.float32))

    def cue(self, cues: tuple[str, ...], start: float) -> None:
        """Play the take of the first of `cues` that has one, from media time `start`."""
        base = self._body_ready()
        avatar = self.avatar
        assert avatar is not None
        for cue in cues:
            take = avatar.cues.get(cue)
            if take is None or take not in base.takes:
                if cue not in self._warned:
                    self._warned.add(cue)
                    log.warning("cue %r: avatar %s has no take for it (its cues.yaml); "
                                "ignored", cue, avatar.name)
                continue
            if base.start(take, start):
                log.debug("cue %r plays take %s at %.2f s", cue, take, start)
                return

    def flush(self, after: float) -> None:
        super().flush(after)
        if self.base is not None:
            self.base.flush(after)

    def forget(self, before: float) -> None:
        super().forget(before)
        if self.base is not None:
            self.base.forget(before)

    # frames out

    def choice(self, index: int) -> Choice | None:
        """The mouth laid on frame `index`, if any. For placed speech a pure function of
        the frame; for a live voice (a takeover) it follows on from the last frame drawn,
        since a live voice has no look-ahead to choose a path with."""
        atlas, _ = self._ready()
        t = self.time_of(index)
        placed = self.timeline.at(t)
        if placed is not None and "atlas" in placed.features:
            first, rows, alpha = placed.features["atlas"]  # type: ignore[misc]
            i = min(max(index - first, 0), len(rows) - 1)
            self._live_row = None
            return Choice(int(rows[i]), float(alpha[i]))
        live = self.live.at(t)  # a person's voice in a takeover: frame by frame
        if live is None:
            self._live_row = None
            return None
        opening, spread, rnd, _ = live
        now = np.array([[opening, spread, rnd]])  # no look-ahead in a live voice
        wanted = atlas.wanted(lambda t: np.repeat(now, len(t), axis=0), np.zeros(1))
        row = atlas.nearest(wanted[0], self._live_row)
        self._live_row = row
        return Choice(row, float(smoothstep(0.02, 0.15, np.array(opening))))

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        for n in range(first, stop):
            yield self.render(n)

    def render(self, index: int) -> np.ndarray:
        atlas, base = self._ready()
        assert self.stage is not None
        frame = base.at(self.time_of(index))
        choice = self.choice(index)
        if choice is not None and choice.alpha > 0.01 and not np.isnan(frame.landmarks[0, 0]):
            try:
                paste(frame.picture, frame.landmarks, atlas.patches[choice.row], choice.alpha)
            except cv2.error as exc:  # one bad frame shows the loop's own mouth, not a crash
                if not self._paste_failed:
                    self._paste_failed = True
                    log.warning("atlas engine: a mouth could not be laid on (%s); frames "
                                "like it show the idle mouth", exc)
        return self.stage.show(frame.picture)

    def body(self, index: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Frame `index` with no mouth laid on, and the face's landmarks in its pixels
        (None where the clip has no face): the body another engine draws a mouth on."""
        base = self._body_ready()
        assert self.stage is not None
        frame = base.at(self.time_of(index))
        if np.isnan(frame.landmarks[0, 0]):
            return self.stage.show(frame.picture), None
        return self.stage.show(frame.picture), self.stage.to_frame(frame.landmarks)

    def _body_ready(self) -> BaseFrames:
        if self.base is None:
            raise RuntimeError("prepare(avatar) first")
        return self.base

    def _ready(self) -> tuple[MouthAtlas, BaseFrames]:
        if self.atlas is None or self.base is None:
            raise RuntimeError("prepare(avatar) first")
        return self.atlas, self.base
