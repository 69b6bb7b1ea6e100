"""Which stretches of the microphone are someone speaking: an energy detector.

The input is cut into frames (30 ms); a frame is voiced when its level is well above the
room's noise floor and above an absolute minimum. The floor is learnt from the input:
it falls at once to a quieter frame, rises within about a second towards quiet frames
and, much more slowly, towards loud ones, so a fan or a radio that stays on becomes part
of the room after a few seconds instead of one endless utterance (which `max_seconds`
cuts in any case). No model and no threads: the same input gives the same events
whatever the sizes of the chunks it comes in.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

_SILENT_DB = -120.0  # the level of digital silence, instead of -inf
_FULL_SCALE = 32768.0
# how fast the floor follows frames, as time constants in seconds
_FALL_SECONDS = 0.05  # to a quieter frame: almost at once
_QUIET_RISE_SECONDS = 1.0  # to a louder frame that is not voiced
_VOICED_RISE_SECONDS = 5.0  # to a voiced frame: slow, so speech hardly moves it

_EMPTY = np.zeros(0, dtype=np.int16)


@dataclass(frozen=True)
class Speech:
    """An event from the detector.

    kind "start": `samples` are the pre-roll (what came before speech was detected, so the
    first syllable is kept) and the frame that started it; "audio": the next frame
    inside the utterance; "end": the utterance is over (`samples` empty)."""

    kind: str
    samples: np.ndarray


def level_db(frame: np.ndarray) -> float:
    """The RMS of int16 samples in dB relative to full scale."""
    if frame.size == 0:
        return _SILENT_DB
    rms = math.sqrt(float(np.mean(np.square(frame, dtype=np.float64))))
    return max(_SILENT_DB, 20.0 * math.log10(rms / _FULL_SCALE)) if rms > 0 else _SILENT_DB


def _follow(alpha_seconds: float, frame_seconds: float) -> float:
    """The share of the distance to a frame that one frame moves the floor."""
    return 1.0 - math.exp(-frame_seconds / alpha_seconds)


class VoiceActivity:
    """Feed mono int16 samples (16 kHz by default) in any chunk sizes; get Speech events."""

    def __init__(
        self,
        rate: int = 16000,
        frame_seconds: float = 0.03,
        above_floor_db: float = 12.0,
        min_db: float = -50.0,
        start_frames: int = 3,
        hangover: float = 0.5,
        preroll: float = 0.3,
        max_seconds: float = 15.0,
    ) -> None:
        self.rate = rate
        self._frame = max(1, round(rate * frame_seconds))
        seconds = self._frame / rate
        self._above = above_floor_db
        self._min_db = min_db
        self._start_frames = max(1, start_frames)
        self._hangover_frames = max(1, math.ceil(hangover / seconds - 1e-9))
        self._preroll_frames = max(0, round(preroll / seconds))
        self._max_frames = max(1, round(max_seconds / seconds))
        self._fall = _follow(_FALL_SECONDS, seconds)
        self._quiet_rise = _follow(_QUIET_RISE_SECONDS, seconds)
        self._voiced_rise = _follow(_VOICED_RISE_SECONDS, seconds)
        self.floor_db: float | None = None  # None until the first frame
        self.reset()

    def reset(self) -> None:
        """Forget the utterance in progress and any buffered samples.

        The noise floor describes the room, not the utterance, so it is kept."""
        self._pending = _EMPTY
        self._history: deque[np.ndarray] = deque(maxlen=self._preroll_frames + 1)
        self._voiced_run = 0  # voiced frames in a row while not speaking
        self._quiet_run = 0  # unvoiced frames in a row while speaking
        self._speech_frames = 0  # frames since the utterance started
        self._speaking = False

    @property
    def speaking(self) -> bool:
        return self._speaking

    def feed(self, samples: np.ndarray) -> list[Speech]:
        # concatenate always copies, so events never share memory with the caller's array
        fresh = np.asarray(samples).astype(np.int16, copy=False).ravel()
        buffer = np.concatenate([self._pending, fresh])
        whole = buffer.size - buffer.size % self._frame
        self._pending = buffer[whole:]
        events: list[Speech] = []
        for start in range(0, whole, self._frame):
            events.extend(self._frame_events(buffer[start : start + self._frame]))
        return events

    def _voiced(self, level: float) -> bool:
        if self.floor_db is None:
            self.floor_db = level  # the room as it sounds when we start listening
        voiced = level > max(self._min_db, self.floor_db + self._above)
        if level < self.floor_db:
            rate = self._fall
        else:
            rate = self._voiced_rise if voiced else self._quiet_rise
        self.floor_db += (level - self.floor_db) * rate
        return voiced

    def _frame_events(self, frame: np.ndarray) -> list[Speech]:
        voiced = self._voiced(level_db(frame))
        self._history.append(frame)  # the pre-roll and, last, this frame
        if not self._speaking:
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run < self._start_frames:
                return []
            self._speaking, self._quiet_run, self._speech_frames = True, 0, 1
            return [Speech("start", np.concatenate(list(self._history)))]
        self._speech_frames += 1
        self._quiet_run = 0 if voiced else self._quiet_run + 1
        events = [Speech("audio", frame)]
        if self._quiet_run >= self._hangover_frames or self._speech_frames >= self._max_frames:
            # a cut at max_seconds starts over: still voiced, the next frames start anew
            self._speaking, self._voiced_run = False, 0
            events.append(Speech("end", _EMPTY))
        return events
