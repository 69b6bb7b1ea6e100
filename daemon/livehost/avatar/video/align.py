"""The reading text's phonemes laid on the clip's own timeline.

On air the mouths are chosen for the voice's phonemes, not for a sound. To judge a build
by what airs, the reading text is spoken by the voice (Piper), its sound and the clip's
reading are described alike (log-mel, normalised per recording) and aligned by dynamic
time warping. The path carries the voice's mouth curves (speechmouth.py, what the engine
computes for each sentence) onto the clip's frames: the mouth the engine would want at
each moment of the person's reading.

The curves are warped whole rather than rebuilt from warped phonemes and the clip's own
loudness: the engine's gate and jaw depend on the voice's loudness scale, which a clip's
recording level does not share, and warping keeps one source for the curves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from livehost.avatar.video import mouthmap
from livehost.lipsync.speechmouth import speech_mouth
from livehost.lipsync.visemes import RATE as CURVE_RATE
from livehost.speech.chunk import PhonemeTiming
from livehost.speech.resample import resample_pcm

if TYPE_CHECKING:
    from livehost.speech.engine import SpeechEngine

HOP_RATE = mouthmap.RATE / mouthmap.HOP  # feature rows per second (100)
BAND_SECONDS = 4.0  # the path keeps within this of where a common pace would put it
BAND_SHARE = 0.3  # ... or this share of the longer recording, whichever is wider
PENALTY = 0.3  # extra cost of a step that holds one side still (in feature-cost units)
# An aligned path costlier than this: the reading does not sound like the text. Measured:
# the voice's own reading of the right text 0.04, of another text 0.34; a real person
# (another voice) reading some other text 0.66-0.76. A person reading the right text is
# expected between; not measured on a real capture yet.
MISMATCH = 0.6


@dataclass(frozen=True)
class Spoken:
    """The voice's reading of a text, its sentences end to end."""

    audio: np.ndarray  # int16 at sample_rate
    sample_rate: int
    phonemes: tuple[PhonemeTiming, ...]  # starts in samples from the first sentence's
    mouth: np.ndarray  # T x 4 at CURVE_RATE: opening, spread, round, voiced


@dataclass(frozen=True)
class Alignment:
    """A monotone map between the clip's reading and the voice's, in seconds."""

    clip: np.ndarray  # the path's clip times, rising
    spoken: np.ndarray  # the voice's time at each
    cost: float = 0.0  # mean squared feature difference along the path (0: identical)

    def to_clip(self, seconds: np.ndarray) -> np.ndarray:
        """Voice times -> clip times (past the path's end: its last clip time)."""
        keys, values = _mean_per_key(self.spoken, self.clip)
        return np.interp(seconds, keys, values)

    def to_spoken(self, seconds: np.ndarray) -> np.ndarray:
        keys, values = _mean_per_key(self.clip, self.spoken)
        return np.interp(seconds, keys, values)


def speak(voice: SpeechEngine, text: str) -> Spoken:
    """The voice's reading of `text` with the engine's mouth curves for each sentence;
    without the voice's random variation where it has some (Piper), so that the same
    clip is measured the same way every time."""
    steady = getattr(voice, "steady", None)
    chunks = list((steady() if steady else voice).synthesize(text))
    if not chunks:
        raise ValueError("the voice says nothing for the reading text")
    rate = chunks[0].sample_rate
    audio = np.concatenate([c.audio for c in chunks])
    grid = np.arange(int(np.ceil(len(audio) / rate * CURVE_RATE)) + 1) / CURVE_RATE
    mouth = np.zeros((len(grid), 4), np.float32)
    phonemes: list[PhonemeTiming] = []
    at = 0
    for chunk in chunks:
        phonemes += [PhonemeTiming(p.phoneme, p.start + at, p.length) for p in chunk.phonemes]
        curves = speech_mouth(chunk)
        inside = (grid >= at / rate) & (grid < (at + len(chunk.audio)) / rate)
        x = (grid[inside] - at / rate) * CURVE_RATE
        steps = np.arange(len(curves.opening))
        for k, curve in enumerate((curves.opening, curves.spread, curves.round, curves.voiced)):
            mouth[inside, k] = np.interp(x, steps, curve)
        at += len(chunk.audio)
    return Spoken(audio, rate, tuple(phonemes), mouth)


def features(audio: np.ndarray, rate: int) -> np.ndarray:
    """Log-mel rows at HOP_RATE, each band normalised over the recording (so a clip's
    level and microphone colour do not count as a difference of sound)."""
    mel = mouthmap.log_mel(resample_pcm(audio, rate, mouthmap.RATE)).astype(np.float64)
    return (mel - mel.mean(axis=0)) / (mel.std(axis=0) + 1e-6)


def align(spoken: Spoken, audio: np.ndarray, rate: int) -> Alignment:
    """Where the voice's reading falls in `audio` (the clip's reading, from its start)."""
    a, b = features(audio, rate), features(spoken.audio, spoken.sample_rate)
    band = max(BAND_SECONDS * HOP_RATE, BAND_SHARE * max(len(a), len(b)))
    path = dtw(a, b, int(band))
    cost = float(((a[path[:, 0]] - b[path[:, 1]]) ** 2).mean())
    return Alignment(path[:, 0] / HOP_RATE, path[:, 1] / HOP_RATE, cost)


def curves(spoken: Spoken, alignment: Alignment, times: np.ndarray) -> np.ndarray:
    """The voice's (opening, spread, round) at clip `times` (seconds): T x 3."""
    x = alignment.to_spoken(times) * CURVE_RATE
    steps = np.arange(len(spoken.mouth))
    return np.column_stack([np.interp(x, steps, spoken.mouth[:, k]) for k in range(3)])


def phoneme_starts(spoken: Spoken, alignment: Alignment) -> np.ndarray:
    """Each of the voice's phonemes' start on the clip's timeline (seconds)."""
    starts = np.array([p.start for p in spoken.phonemes], np.float64) / spoken.sample_rate
    return alignment.to_clip(starts)


def dtw(a: np.ndarray, b: np.ndarray, band: int, penalty: float = PENALTY) -> np.ndarray:
    """The cheapest monotone path from (0, 0) through rows `a` (N x F) and `b` (M x F),
    ending anywhere on a's last row (the clip may stop before the text does). Steps are
    diagonal, or hold one side (a pause longer on one side) at `penalty` more; the path
    keeps within `band` of |i - j|. Returns K x 2 (i, j)."""
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        raise ValueError("nothing to align")
    band = max(band, 1)
    b_sq = (b * b).sum(axis=1)
    moves = np.zeros((n, m), np.int8)  # 0 diagonal, 1 from the row above, 2 from the left
    previous = np.full(m, np.inf)
    for i in range(n):
        lo, hi = max(0, i - band), min(m, i + band + 1)
        if lo >= hi:
            raise ValueError("the recordings' lengths differ by more than the band")
        cost = (b_sq[lo:hi] + a[i] @ a[i] - 2 * b[lo:hi] @ a[i]) / a.shape[1]
        previous, moves[i, lo:hi] = _row(previous, np.maximum(cost, 0.0), lo, i == 0, penalty)
    j = int(np.argmin(previous))
    return _backtrack(moves, n - 1, j)


def _row(
    previous: np.ndarray, cost: np.ndarray, lo: int, first: bool, penalty: float
) -> tuple[np.ndarray, np.ndarray]:
    """One row of the accumulated cost (full width, inf outside the band) and its moves."""
    hi = lo + len(cost)
    shifted = np.concatenate([[np.inf], previous[:-1]])  # (i-1, j-1)
    diagonal, above = shifted[lo:hi], previous[lo:hi] + penalty
    start = np.where(diagonal <= above, diagonal, above)
    move = np.where(diagonal <= above, 0, 1).astype(np.int8)
    if first:
        start = np.full(len(cost), np.inf)
        if lo == 0:
            start[0] = 0.0
    entered = start + cost  # reaching (i, j) from the row above
    # from the left: D[j] = S[j] + min over k <= j of (entered[k] - S[k]), S the running
    # sum of cost + penalty along the row; vectorised instead of a loop over j
    run = np.cumsum(cost + penalty)
    offset = entered - run
    best = np.minimum.accumulate(offset)
    move[offset > best] = 2
    row = np.full(len(previous), np.inf)
    row[lo:hi] = run + best
    return row, move


def _backtrack(moves: np.ndarray, i: int, j: int) -> np.ndarray:
    path = [(i, j)]
    while i > 0 or j > 0:
        move = moves[i, j]
        if move == 0:
            i, j = i - 1, j - 1
        elif move == 1:
            i -= 1
        else:
            j -= 1
        path.append((i, j))
    return np.array(path[::-1], np.int64)


def _mean_per_key(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rising keys with the mean value at each (a path holds one side on a pause)."""
    unique, index = np.unique(keys, return_inverse=True)
    sums = np.bincount(index, weights=values)
    return unique, sums / np.bincount(index)
