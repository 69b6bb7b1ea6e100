"""Status counters of the running show, kept in one place for the fleet agent and systemd."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class ShowStatus:
    started: float = field(default_factory=time.time)
    on_air: bool = False
    display: str = "show"  # show | idle | slate
    ticks: int = 0
    # the renderer missed a tick: the last picture was repeated (the speech went on)
    late_frames: int = 0
    # speech was not ready when due: how often a sentence (or the start of a line) was
    # moved later, and the seconds of silence that added
    late_audio: int = 0
    upstream_late_seconds: float = 0.0
    # words that were ready but went out as silence (a cut inside a sentence): should
    # stay 0; late frames carry their speech and late speech moves whole sentences
    dropped_words: int = 0
    utterances: int = 0
    product_id: str | None = None
    utterance: str = ""
    speech_engine: str = ""
    speech_rtf: float | None = None
    speech_problem: str = ""  # why the voice is silent, if it is
    lipsync_engine: str = ""
    face_problem: str = ""  # why the configured face is not on air, if it is not
    encoder: str = ""
    schedule_version: int = 0
    schedule_hash: str = ""
    outputs: list[dict[str, object]] = field(default_factory=list)
    # show threads started again after they failed, by name, and the last failure
    thread_restarts: dict[str, int] = field(default_factory=dict)
    thread_problem: str = ""
    config_problem: str = ""  # why the unit runs its last good config, not the file
    recording_problem: str = ""  # why recording is off although configured
    output_problem: str = ""  # why a configured output is off (its stream key)
    recording: dict[str, object] | None = None  # the recorder's status, when recording
    # a voice takeover: ms from a sample at the microphone to the tick that carries it
    live_latency_ms: deque[float] = field(default_factory=lambda: deque(maxlen=300), repr=False)
    _tick_times: deque[float] = field(default_factory=lambda: deque(maxlen=120), repr=False)

    def tick(self, now: float) -> None:
        self.ticks += 1
        self._tick_times.append(now)

    @property
    def fps(self) -> float:
        times = self._tick_times
        if len(times) < 2 or times[-1] == times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])
