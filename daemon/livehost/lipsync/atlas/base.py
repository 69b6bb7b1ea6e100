"""The frames the mouth goes on: the person's idle loop, and their recorded takes when a
cue plays one (pointing at the cart, a smile).

Which clip frame shows at a media time is a pure function of that time and the takes
scheduled so far, so a frame drawn twice is the same frame. A take is entered at the
frame of its first moments that looks most like the loop frame it replaces, and left
for the loop frame that looks most like its last, with a short cross-fade at both ends:
no pop.
"""

from __future__ import annotations

import bisect
import logging
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

from livehost.avatar.video.loop import thumbs

log = logging.getLogger(__name__)
ENTRY_SEARCH = 0.5  # seconds at a take's start searched for the frame to enter at
FADE = 4  # clip frames cross-faded when a take starts and ends
JPEG_QUALITY = 92  # takes are kept compressed: a minute of raw frames is a gigabyte
DECODED = 8  # take frames kept decoded (frames may be drawn again)


@dataclass(frozen=True)
class Take:
    name: str
    first: int  # clip frame numbers
    last: int
    jpegs: tuple[bytes, ...]
    thumbs: np.ndarray  # small grey pictures, to enter and leave smoothly


@dataclass(frozen=True)
class Playing:
    """A take scheduled at media time `start`."""

    start: float
    take: Take
    entry: int  # offset of the first frame played within the take
    resume: int  # loop frame played after it

    def length(self) -> int:
        return len(self.take.jpegs) - self.entry


@dataclass(frozen=True)
class Base:
    picture: np.ndarray  # H x W x 3 uint8, a copy the caller may draw on
    landmarks: np.ndarray  # 468 x 3 (NaN: no face)
    pose: np.ndarray  # 3


class BaseFrames:
    def __init__(self, loop: list[np.ndarray], loop_first: int, landmarks: np.ndarray,
                 pose: np.ndarray, takes: dict[str, Take], fps: float,
                 loop_landmarks: np.ndarray, loop_pose: np.ndarray) -> None:
        self.loop = loop  # the idle loop as it plays (its seam already faded)
        self.loop_first = loop_first
        self.landmarks = landmarks  # every clip frame's
        self.pose = pose
        self.loop_landmarks = loop_landmarks
        self.loop_pose = loop_pose
        self.loop_thumbs = thumbs(loop)
        self.takes = takes
        self.fps = fps  # the clip's
        self._playing: list[Playing] = []
        self._decoded: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()

    # what plays when

    def _where(self, t: float) -> tuple[Playing | None, int]:
        """(the take playing at `t` and the frame within it) or (None, loop frame)."""
        i = bisect.bisect_right([p.start for p in self._playing], t) - 1
        if i < 0:
            return None, int(t * self.fps) % len(self.loop)
        p = self._playing[i]
        k = int((t - p.start) * self.fps + 1e-6)
        if k < p.length():
            return p, p.entry + k
        return None, (p.resume + k - p.length()) % len(self.loop)

    def _loop_at(self, t: float) -> int:
        """The loop frame that plays at `t` if no take started at or after `t`'s take."""
        _, k = self._where(t)
        return k

    def playing(self, t: float) -> str | None:
        p, _ = self._where(t)
        return None if p is None else p.take.name

    def start(self, name: str, t: float) -> bool:
        """Schedule take `name` from media time `t`; False while another take still plays
        then (one at a time) or after `t` (a cue never reaches back)."""
        take = self.takes.get(name)
        if take is None:
            return False
        if self._playing:
            last = self._playing[-1]
            if last.start + last.length() / self.fps > t:
                return False
        current, k = self._where(t)
        if current is not None:
            return False
        search = max(1, min(len(take.jpegs) // 3, round(ENTRY_SEARCH * self.fps)))
        here = self.loop_thumbs[k]
        entry = int(np.argmin(np.abs(take.thumbs[:search] - here).mean(axis=(1, 2))))
        resume = int(np.argmin(np.abs(self.loop_thumbs - take.thumbs[-1]).mean(axis=(1, 2))))
        resume = (resume + 1) % len(self.loop)  # the take's last frame stands for it
        self._playing.append(Playing(t, take, entry, resume))
        return True

    def flush(self, after: float) -> None:
        """Forget takes scheduled from `after` on (the speech they went with is cut)."""
        self._playing = [p for p in self._playing if p.start < after]

    def forget(self, before: float) -> None:
        """Drop takes that ended before `before`, keeping the last (the loop's phase
        follows from it)."""
        while len(self._playing) > 1:
            p = self._playing[0]
            if p.start + p.length() / self.fps >= before:
                break
            self._playing.pop(0)

    def at_pose(self, t: float) -> np.ndarray:
        """The head pose of the frame at `t` (without drawing it)."""
        playing, k = self._where(t)
        if playing is None:
            return self.loop_pose[k]
        return self.pose[playing.take.first + k]

    # the pictures

    def at(self, t: float) -> Base:
        playing, k = self._where(t)
        if playing is None:
            return Base(self.loop[k].copy(), self.loop_landmarks[k], self.loop_pose[k])
        take = playing.take
        n = take.first + k
        picture = self._take_frame(take, k).copy()
        lm, pose = self.landmarks[n], self.pose[n]
        into = k - playing.entry
        left = playing.length() - 1 - into
        if into < FADE or left < FADE:
            # cross-fade with the loop frame that would show without the take
            if into < FADE:
                j = (self._loop_at(playing.start - 1e-6) + 1 + into) % len(self.loop)
                w = (into + 1) / (FADE + 1)
            else:
                j = (playing.resume - 1 - left) % len(self.loop)
                w = (left + 1) / (FADE + 1)
            picture = cv2.addWeighted(picture, w, self.loop[j], 1 - w, 0.0)
            if not np.isnan(lm[0, 0]) and not np.isnan(self.loop_landmarks[j][0, 0]):
                lm = lm * w + self.loop_landmarks[j] * (1 - w)
        return Base(picture, lm, pose)

    def _take_frame(self, take: Take, k: int) -> np.ndarray:
        key = (take.name, k)
        picture = self._decoded.get(key)
        if picture is None:
            bgr = cv2.imdecode(np.frombuffer(take.jpegs[k], np.uint8), cv2.IMREAD_COLOR)
            picture = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            self._decoded[key] = picture
            while len(self._decoded) > DECODED:
                self._decoded.popitem(last=False)
        self._decoded.move_to_end(key)
        return picture


def compress(rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("a take's frame cannot be compressed")
    return data.tobytes()
