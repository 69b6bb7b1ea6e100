"""The frames the mouth goes on: the person's idle loop, and their recorded takes when a
cue plays one (pointing at the cart, a smile).

Which clip frame shows at a media time is a pure function of that time and the takes
scheduled so far, so a frame drawn twice is the same frame. A take is entered at the
frame of its first moments that looks most like the loop frame it replaces, and left
for the loop frame that looks most like its last, with a short cross-fade at both ends:
no pop. After a take the loop goes on from there, so the loop's phase at any time
follows from the last take that ended before it; that take is kept until a later one
has started.
"""

from __future__ import annotations

import bisect
import logging
from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)
ENTRY_SEARCH = 0.5  # seconds at a take's start searched for the frame to enter at
FADE = 4  # clip frames cross-faded when a take starts and ends (fewer in a short take)
JPEG_QUALITY = 92  # takes are kept compressed: a minute of raw frames is a gigabyte
DECODED = 8  # take frames kept decoded (frames may be drawn again)


@dataclass(frozen=True)
class Take:
    name: str
    first: int  # clip frame number of its first frame
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

    def fade(self) -> int:
        return min(FADE, self.length() // 2)


@dataclass(frozen=True)
class Loop:
    """The idle loop as it plays (its seam already faded), kept as I420 (half the memory
    of RGB: the loop is the largest thing the engine holds)."""

    frames: list[np.ndarray]  # I420, one per loop frame
    landmarks: np.ndarray  # L x 468 x 3
    pose: np.ndarray  # L x 3
    thumbs: np.ndarray  # L small grey pictures

    def __len__(self) -> int:
        return len(self.frames)

    def picture(self, k: int) -> np.ndarray:
        return cv2.cvtColor(self.frames[k], cv2.COLOR_YUV2RGB_I420)


@dataclass(frozen=True)
class Base:
    picture: np.ndarray  # H x W x 3 uint8, a copy the caller may draw on
    landmarks: np.ndarray  # 468 x 3 (NaN: no face)
    pose: np.ndarray  # 3


def i420(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


class BaseFrames:
    def __init__(self, *, loop: Loop, takes: dict[str, Take], fps: float,
                 landmarks: np.ndarray, pose: np.ndarray) -> None:
        self.loop = loop
        self.takes = takes
        self.fps = fps  # the clip's
        self.landmarks = landmarks  # every clip frame's (the takes' frames among them)
        self.pose = pose
        self._playing: list[Playing] = []
        self._decoded: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()

    # what plays when

    def _where(self, t: float) -> tuple[Playing | None, int]:
        """(the take playing at `t`, the frame within it) or (None, the loop frame)."""
        i = bisect.bisect_right([p.start for p in self._playing], t) - 1
        if i >= 0:
            p = self._playing[i]
            k = int((t - p.start) * self.fps + 1e-6)
            if k < p.length():
                return p, p.entry + k
        return None, self._loop_frame(t, i + 1)

    def _loop_frame(self, t: float, before: int) -> int:
        """The loop frame at `t` when only the takes before index `before` count."""
        count = len(self.loop)
        if before <= 0:
            return int(t * self.fps + 1e-6) % count
        p = self._playing[before - 1]
        k = int((t - p.start) * self.fps + 1e-6)
        return (p.resume + k - p.length()) % count

    def playing(self, t: float) -> str | None:
        p, _ = self._where(t)
        return None if p is None else p.take.name

    def start(self, name: str, t: float) -> bool:
        """Schedule take `name` from media time `t`. False (the cue is dropped) while
        another take plays then, or when one is scheduled after `t`: one take at a time,
        in order."""
        take = self.takes.get(name)
        if take is None:
            return False
        if self._playing:
            last = self._playing[-1]
            if last.start + last.length() / self.fps > t:
                log.debug("take %s not played at %.2f s: %s still plays", name, t,
                          last.take.name)
                return False
        k = self._loop_frame(t, len(self._playing))
        search = max(1, min(len(take.jpegs) // 3, round(ENTRY_SEARCH * self.fps)))
        here = self.loop.thumbs[k]
        entry = int(np.argmin(np.abs(take.thumbs[:search] - here).mean(axis=(1, 2))))
        resume = int(np.argmin(np.abs(self.loop.thumbs - take.thumbs[-1]).mean(axis=(1, 2))))
        resume = (resume + 1) % len(self.loop)  # the take's last frame stands for it
        self._playing.append(Playing(t, take, entry, resume))
        return True

    def flush(self, after: float) -> None:
        """Forget takes scheduled from `after` on (the speech they went with is cut)."""
        self._playing = [p for p in self._playing if p.start < after]

    def forget(self, before: float) -> None:
        """Drop takes a later take has replaced as the loop's anchor by `before`."""
        while len(self._playing) > 1 and self._playing[1].start <= before:
            self._playing.pop(0)

    def at_pose(self, t: float) -> np.ndarray:
        """The head pose of the frame at `t` (without drawing it)."""
        playing, k = self._where(t)
        if playing is None:
            return self.loop.pose[k]
        return self.pose[playing.take.first + k]

    # the pictures

    def at(self, t: float) -> Base:
        playing, k = self._where(t)
        if playing is None:
            return Base(self.loop.picture(k), self.loop.landmarks[k], self.loop.pose[k])
        take = playing.take
        n = take.first + k
        picture = self._take_frame(take, k).copy()
        lm, pose = self.landmarks[n], self.pose[n]
        into = k - playing.entry
        left = playing.length() - 1 - into
        fade = playing.fade()
        if into < fade or left < fade:
            # cross-fade with the loop frame that would show without the take
            index = self._playing.index(playing)
            if into < fade:
                j = self._loop_frame(t, index)
                w = (into + 1) / (fade + 1)
            else:
                j = (playing.resume - 1 - left) % len(self.loop)
                w = (left + 1) / (fade + 1)
            picture = cv2.addWeighted(picture, w, self.loop.picture(j), 1 - w, 0.0)
            other = self.loop.landmarks[j]
            if not np.isnan(lm[0, 0]) and not np.isnan(other[0, 0]):
                lm = lm * w + other * (1 - w)
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
