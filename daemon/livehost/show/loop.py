"""The show loop: one media clock, three threads, never dead air.

    producer  director -> speech -> (resample to the clock's rate) -> speech timeline + face
    cutter    an operator line or an answer: its first sentence prepared at once (beside
              the producer, which may be busy with a sentence of its own), then cut into
              what is prepared at the next word break or sentence end
    renderer  frame n: face + compositor + the samples of tick n -> I420 -> render queue
    ticker    every 1/fps of wall time: tick n from the render queue (or, when the
              renderer is late, the last picture with tick n's samples from the speech
              timeline: a late frame never cuts a word) -> every output; watchdog beat

In a voice takeover a person's microphone is the host's voice: the renderer takes one
tick of it from the live feed for each frame it draws, and moves the mouth with it, and
draws only LIVE_AHEAD frames ahead, so a word reaches the picture within about 0.1 s.
The host's own speech (the AI notice, a typed line) still plays where it is placed;
the microphone is muted under it.

The audio sample count is the master: tick n carries samples [n * spt, (n + 1) * spt)
and video frame n, stamped n / fps. Wall time enters only in the ticker's pacing (and in
mapping media time to the schedule's clock). The producer runs up to LOOKAHEAD seconds
ahead; when it is late, the ticks it missed carry silence and the idle face, and the
sentence starts after them, whole (a chunk is a sentence: lateness moves a sentence,
never cuts one). Samples are read for a tick (by the renderer, or the ticker for a late
frame) and placed by the producer under one lock, so nothing is written where a tick
has already been read.

The producer and the ticker run SHOW_PRIORITY nice steps above the rest of the process
where that is permitted, so a busy machine takes its time from tools and logging first;
the renderer stays level with the encoders. A renderer that falls behind skips ahead by
as many frames as one takes to render. Late frames, late speech and dropped words are
counted in ShowStatus and logged by the ticker once per burst.

Each thread is supervised: one that raises is started again where the show is (counted in
`status.thread_restarts`), within system.supervise's budget (5 within 5 minutes);
beyond that the loop stops with `failure` set and the daemon exits non-zero for systemd
to restart it. Each thread marks its progress on every pass, so `stalled()` can tell a
thread stuck inside a call (a hung voice or face) from one that is merely waiting; the
systemd watchdog stops pinging when it says so.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

import numpy as np

from livehost.lipsync.engine import LipSyncEngine
from livehost.listen.live import LiveFeed, LiveTicks
from livehost.render.card import CardContent
from livehost.render.compositor import Compositor
from livehost.show.bursts import Burst
from livehost.show.director import QUIET_STEP, Director
from livehost.show.status import ShowStatus
from livehost.show.timeline import Caption, SpeechTimeline
from livehost.show.utterance import Utterance
from livehost.speech.chunk import SILENCE, SpeechChunk
from livehost.speech.engine import SpeechEngine
from livehost.speech.resample import resample_pcm
from livehost.speech.silent import SilentSpeech
from livehost.stream.encoder import AUDIO_RATE, Tick, rgb_to_i420, samples_per_tick
from livehost.system.memory import give_back_free_memory
from livehost.system.priority import Yielding, raise_thread_priority
from livehost.system.supervise import keep_running

log = logging.getLogger(__name__)

# Seconds of speech prepared ahead of the output: as long as a long sentence (~6 s), so
# the first sentence of a line is late only when the voice is slower than real time (a
# busy 2-core box: Piper's real-time factor went from 0.2 to 0.5-1.0 under a CPU hog).
LOOKAHEAD = 6.0
RENDER_AHEAD = 12  # frames rendered ahead of the output
LIVE_AHEAD = 2  # ... in a voice takeover: the delay from a word to the picture is this
START_MARGIN = 0.15  # seconds: a late utterance starts this far after the output position
# A cut falls at least this far after the tick going out: time for the renderer to draw
# the first frame after it again (frames drawn ahead of a cut are drawn again).
CUT_MARGIN = 0.08
# the voice's phonemes where a word has ended: the pause between words, punctuation, and
# the silence that ends a sentence
WORD_BREAKS = frozenset(" ,.;:!?") | {SILENCE}
# lines an answer never cuts between words: the spoken AI notice is said whole
WHOLE_KINDS = ("opening", "notice")  # the opening says it too
SHOW_PRIORITY = 5  # nice steps the voice and the ticker take above the process, if permitted
# Seconds without progress after which a thread counts as stuck: the ticker and the
# renderer pass through their loops many times a second; the producer may spend a few
# seconds in one sentence of a busy voice, or wait for the voice to load at start.
STALL_AFTER = {"ticker": 5.0, "renderer": 10.0, "producer": 60.0, "cutter": 60.0}


class Output(Protocol):
    def offer(self, tick: Tick) -> None: ...


@dataclass(frozen=True)
class ShowOptions:
    fps: int = 30
    paced: bool = True  # False: run as fast as possible (benchmarks, previews)
    test_pattern: bool = False  # a white flash and a 1 kHz beep every 2 s, for A/V sync tests
    off_air_message: str | None = None  # None: the default in the schedule's language


class ShowLoop:
    def __init__(
        self,
        director: Director,
        speech: SpeechEngine,
        face: LipSyncEngine,
        compositor: Compositor,
        outputs: Sequence[Output],
        status: ShowStatus,
        options: ShowOptions,
        heartbeat: Callable[[], None] = lambda: None,
        image_path: Callable[[str | None], str | None] = lambda p: p,
        start_wall: datetime | None = None,
        on_heard: Callable[[tuple[str, ...], float], None] = lambda reply_to, when: None,
        live: LiveFeed | None = None,
        on_air_audio: Callable[[np.ndarray], None] | None = None,
    ) -> None:
        self.director = director
        self.live = live  # the microphone, for a voice takeover (None: no microphone)
        # told every tick's samples as they go out (the listener's echo gate)
        self.on_air_audio = on_air_audio
        # told (comment ids, time.monotonic()) when an answer's first sample goes out
        self.on_heard = on_heard
        self._replies: dict[int, tuple[str, ...]] = {}  # utterance id -> comments it answers
        self._whole_in_progress: int | None = None  # an AI notice being prepared: cuts wait
        self.programme = director.programme
        self.inbox = director.inbox  # its `urgent` cuts what is prepared (operator `say`)
        self.speech = speech
        self._captions_only: dict[str, SilentSpeech] = {}
        self.face = face
        self.compositor = compositor
        self.outputs = list(outputs)
        self.status = status
        self.options = options
        self.heartbeat = heartbeat
        self.image_path = image_path
        self.spt = samples_per_tick(options.fps)
        # the microphone's samples given to frames in order, once each
        self._live_ticks = LiveTicks(live, self.spt) if live is not None else None
        self.start_wall = start_wall or datetime.now(timezone.utc)
        self.timeline = SpeechTimeline()
        self.next_tick = 0  # the ticker's position: ticks before it are on air
        self.rendered = 0  # the renderer's position
        self.produced_until = 0  # sample position up to which the producer has decided
        # Samples before `_heard_until` have been read for a tick (by the renderer, or by
        # the ticker for a late frame): the producer places speech only after it, and
        # reading and placing hold `_place_lock`, so a sentence is never half heard.
        self._heard_until = 0
        # re-entrant: a cut-in cuts and places its first sentence in one hold, so no
        # frame is drawn (and heard) in between
        self._place_lock = threading.RLock()
        self._queue: deque[Tick] = deque()
        self._queue_lock = threading.Condition()
        # Bumped by every cut: a sentence the producer prepared before it is not placed,
        # and a frame the renderer was drawing is thrown away and drawn again (from
        # `_redraw_from` when the cut took back frames drawn ahead).
        self._cut_generation = 0
        self._last_cut = 0  # where the latest cut fell
        self._redraw_from: int | None = None
        self._cutting = threading.Event()  # the cutter is placing a line: the producer waits
        self._resume_at: int | None = None  # where the producer goes on after a cut-in
        # the producer yields the CPU to the cutter while a line cuts in (only when its
        # own priority could be raised, so that it can be given back)
        self._producer_yields: Yielding | None = None
        self._face_lock = threading.Lock()  # the face timeline is shared by two threads
        self._late_frames = Burst(
            "late frames: the renderer fell behind; the picture is repeated, speech goes on",
            "late frames: %d within %.1f s (the picture was repeated; speech went on)",
        )
        self._late_audio = Burst(
            "late speech: the voice fell behind; sentences start later than planned",
            "late speech: %d sentences started late within %.1f s",
        )
        self._dropped = Burst(
            "dropped words: speech that was ready went out as silence",
            "dropped words: %d within %.1f s",
        )
        self._drop_run: tuple[int, int] | None = None  # (caption start, ticks) of a cut
        self._last_video: np.ndarray | None = None  # the ticker's last picture
        self._failed_outputs: set[str] = set()  # outputs whose offer() raised (logged once)
        self._priority_lock = threading.Lock()
        self._priority_said = False
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.frozen = threading.Event()  # test hook: stall the ticker (watchdog tests)
        self.finished = threading.Event()
        self.failure: str | None = None  # why the loop gave up (a thread beyond its budget)
        self._progress: dict[str, float] = {}  # thread name -> time.monotonic() of its last pass
        self._stop_after: int | None = None

    # --- control ---

    def start(self, duration: float | None = None) -> None:
        if duration:
            self._stop_after = round(duration * self.options.fps)
        # The renderer stays at the process's priority, with the encoders: when there is
        # not CPU enough for every frame, a late frame only repeats the picture, but an
        # encoder that falls behind drops ticks, speech and all.
        for name, target, boost in (
            ("producer", self._produce, SHOW_PRIORITY),
            ("cutter", self._cut_ins, SHOW_PRIORITY),
            ("renderer", self._render, 0),
            ("ticker", self._tick, SHOW_PRIORITY),
        ):
            self._progress[name] = time.monotonic()
            thread = threading.Thread(
                target=self._prioritised,
                args=(name, target, boost),
                name=f"show-{name}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 1.5) -> None:
        self._stop.set()
        with self._queue_lock:
            self._queue_lock.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.finished.set()

    def _prioritised(self, name: str, target: Callable[[], None], boost: int) -> None:
        refused = raise_thread_priority(boost) if boost else ""
        if name == "producer" and boost and not refused:
            self._producer_yields = Yielding(threading.get_native_id())
        if refused:
            with self._priority_lock:
                said, self._priority_said = self._priority_said, True
            if not said:
                log.info(
                    "the show's threads stay at the process's priority (%s); under load "
                    "other programs compete with the voice and the face on equal terms",
                    refused,
                )
        self._supervised(name, target)

    def _supervised(self, name: str, target: Callable[[], None]) -> None:
        """Run `target` and start it again when it raises, within the budget; beyond it
        the show stops with `failure` set."""

        def failed(why: str, restarts: int) -> None:
            self.status.thread_restarts[name] = self.status.thread_restarts.get(name, 0) + 1
            self.status.thread_problem = f"the {name} failed ({why})"
            self._progress[name] = time.monotonic()  # the pause before it starts again

        failure = keep_running(name, target, self._stop, failed)
        if failure is not None:
            self.failure = failure
            self.status.thread_problem = failure
            self._stop.set()
            self.finished.set()

    def _mark(self, name: str) -> None:
        self._progress[name] = time.monotonic()

    def stalled(self) -> str | None:
        """Which thread has made no progress for longer than it should, and for how long
        (None while every one moves). The ticker's own beat goes to the watchdog too."""
        if self.frozen.is_set():  # test hook: the ticker is held on purpose
            return None
        now = time.monotonic()
        for name, last in self._progress.items():
            if now - last > STALL_AFTER[name]:
                return f"the {name} has not moved for {now - last:.1f} s"
        return None

    def now(self) -> datetime:
        """The wall time of the tick going out now (media time mapped to the schedule's
        clock): what is on the picture at this moment."""
        return self.wall_time(self.next_tick * self.spt)

    def wall_time(self, sample: int) -> datetime:
        return self.start_wall + timedelta(seconds=sample / AUDIO_RATE)

    # --- producer ---

    def _produce(self) -> None:
        position = self.produced_until  # where it was, when started again after a failure
        failures = 0
        while not self._stop.is_set():
            self._mark("producer")
            try:
                position = self._produce_one(position)
                self.produced_until = position
                failures = 0
            except Exception:
                # One bad utterance must not silence the show: skip it and carry on.
                failures += 1
                log.exception("could not prepare the next utterance; skipping it")
                position = self._not_in_the_past(position, count=False)
                self._stop.wait(min(5.0, 0.1 * 2**failures))

    def _produce_one(self, position: int) -> int:
        """Prepare the next utterance (or a moment of quiet); return the next free position."""
        # taken first: a cut from here on makes what is decided below give way
        generation = self._cut_generation
        if self._cutting.is_set():  # a line is cutting in: go on after it
            self._stop.wait(0.005)
            return position
        if self._resume_at is not None:
            position, self._resume_at = self._resume_at, None
        ahead = position - self.next_tick * self.spt
        if ahead > LOOKAHEAD * AUDIO_RATE:
            self._stop.wait(0.02 if self.options.paced else 0.001)
            return position
        position = self._not_in_the_past(position, count=self.status.utterances > 0)
        utterance = self.director.next_planned(self.wall_time(position))
        if utterance is None:
            return position + int(QUIET_STEP * AUDIO_RATE)
        return self._speak(utterance, position, generation)

    def _not_in_the_past(self, position: int, count: bool) -> int:
        """Speech that comes too late to play where planned starts a little later instead;
        the ticks in between carry silence and the idle face. Counted when `count` (in
        late_audio and upstream_late_seconds, logged once per burst). Placing a sentence
        at the result is safe only under `_place_lock`."""
        earliest = self._heard_until
        if position >= earliest:
            return position
        if count:
            self.status.upstream_late_seconds += (earliest - position) / AUDIO_RATE
            self.status.late_audio += 1
            self._late_audio.event(earliest / AUDIO_RATE)
        return earliest + int(START_MARGIN * AUDIO_RATE)

    def _cut_ins(self) -> None:
        """The cutter: something urgent arrived (an operator line, an answer, or a control
        change: pause, pin, skip). An urgent line's first sentence is prepared at once,
        beside the producer, and only then is what was prepared cut (at the next word for
        an answer, else at the end of the sentence playing), so it follows without a gap;
        after a control change the prepared pitch makes way at the sentence's end."""
        while not self._stop.is_set():
            self._mark("cutter")
            self.inbox.expire_takeover(time.time())  # a forgotten takeover ends by itself
            if not self.inbox.urgent.wait(0.25):
                continue
            self._cutting.set()
            yielding = self._producer_yields
            if yielding is not None:  # a pitch sentence it may be preparing will go anyway
                yielding.lower()
            try:
                self.inbox.urgent.clear()
                utterance = self.director.next_urgent(self.wall_time(self._heard_until))
                if utterance is None:  # a control change (a person taking over: at once)
                    resume = self._cut(at_word=self.inbox.controls.takeover is not None)
                else:
                    resume = self._speak(utterance, None)
                    # lines that came together with it, or while it was prepared, follow
                    while (more := self.director.next_urgent(self.wall_time(resume))) is not None:
                        resume = self._speak(more, resume)
                self._resume_at = resume
            finally:
                if yielding is not None:
                    yielding.restore()
                self._cutting.clear()

    def _cut(self, at_word: bool) -> int:
        """Cut prepared speech: at the first word break far enough ahead of what is heard
        (`at_word`), else at the end of the sentence playing (voice and face stay in
        step); everything after the cut goes. Returns the cut's position."""
        with self._place_lock, self._queue_lock:
            # frames drawn ahead of the tick going out can be drawn again: a cut may fall
            # inside them (an answer follows within a fraction of a second, not after
            # the render queue), but on a tick's first sample, so no tick holds both
            earliest = self.next_tick * self.spt + int(CUT_MARGIN * AUDIO_RATE)
            playing = self.timeline.caption_at(earliest)
            cut = earliest
            if playing is not None:
                breaks = [b for b in playing.breaks if b >= earliest] if at_word else []
                cut = breaks[0] if breaks else playing.end
            # a line said whole (an urgent one, the AI notice) is kept to its last word,
            # with what comes before it: only what follows makes way
            cut = max([cut, *(c.end for c in self.timeline.captions_from(earliest) if c.whole)])
            cut = -(-cut // self.spt) * self.spt  # up to a tick's first sample
            self._cut_generation += 1
            self._last_cut = cut
            if cut < self._heard_until:
                self._take_back(cut // self.spt)
            self.timeline.flush(cut)
        with self._face_lock:
            self.face.flush(cut / AUDIO_RATE)
        return cut

    def _take_back(self, frame: int) -> None:
        """Forget the frames drawn from `frame` on (held: both locks): the renderer
        draws them again with what is placed after the cut."""
        while self._queue and self._queue[-1].index >= frame:
            self._queue.pop()
        self._redraw_from = frame
        self._heard_until = frame * self.spt

    def _speak(
        self, utterance: Utterance, position: int | None, generation: int | None = None
    ) -> int:
        """Say `utterance` from `position`; None: cut in (see _cut_ins) once its first
        sentence is ready. A line of the show's own talk gives way to a cut made after
        `generation` (the producer's snapshot); an urgent line never does."""
        self.status.utterances += 1
        self.status.utterance = utterance.text
        log.debug(
            "saying (%s): %s",
            utterance.kind,
            utterance.text,
            extra={"event": "utterance", "product": utterance.product_id},
        )
        who = threading.current_thread().name.removeprefix("show-")
        synth_time = 0.0
        spoken = 0.0
        started = time.perf_counter()
        generation = self._cut_generation if generation is None else generation
        cancel = _Cancel(
            self._stop,
            (lambda: False) if utterance.urgent else (lambda: generation != self._cut_generation),
        )
        whole = utterance.urgent or utterance.kind in WHOLE_KINDS
        voice = self._voice_for(utterance.language)
        if utterance.reply_to:
            self._replies[utterance.id] = utterance.reply_to
        if utterance.kind in WHOLE_KINDS:
            self._whole_in_progress = utterance.id
        # the show's first sentence is not late: the renderer simply starts before it
        count = self.status.utterances > 1
        placed = False
        try:
            for chunk in voice.synthesize(utterance.text, cancel):  # type: ignore[arg-type]
                self._mark(who)
                synth_time += time.perf_counter() - started
                if cancel.is_set():
                    break
                # round up: the face places the chunk at start + duration, and the next
                # chunk must not start before that
                length = math.ceil(chunk.duration * AUDIO_RATE)
                samples = _fit(_resample(chunk), length)
                if position is None:
                    self._wait_for_whole()
                with self._place_lock:  # no tick reads between the check and the write
                    if position is None:
                        position = self._cut(utterance.at_word)
                    if cancel.is_set():
                        break
                    position = self._not_in_the_past(position, count)
                    breaks = tuple(
                        position + round(p.start * AUDIO_RATE / chunk.sample_rate)
                        for p in chunk.phonemes
                        if p.phoneme in WORD_BREAKS
                    )
                    caption = Caption(
                        position, position + length, chunk.text, utterance.id, breaks, whole
                    )
                    self.timeline.write(position, samples, caption)
                    placed_at = self._cut_generation
                # the face outside the hold: a face stuck in a frame must not stop the
                # ticker, which reads samples under it
                with self._face_lock:
                    # the line's gestures start with its first sentence
                    cues = () if placed else utterance.cues
                    self.face.push(chunk, position / AUDIO_RATE, cues)
                    if self._cut_generation != placed_at:  # a cut came in between
                        self.face.flush(self._last_cut / AUDIO_RATE)
                placed = True
                position += length
                spoken += chunk.duration
                count = True
                started = time.perf_counter()
        finally:
            if self._whole_in_progress == utterance.id:
                self._whole_in_progress = None
            if not placed:  # never on air: the ticker would look for it forever
                self._replies.pop(utterance.id, None)
        if position is None:  # nothing was said (stopped): the cut still happens
            position = self._cut(utterance.at_word)
        if spoken:
            self.status.speech_rtf = round(synth_time / spoken, 3)
        give_back_free_memory()  # the voice's big per-sentence buffers, back to the system
        return position + int(utterance.pause_after * AUDIO_RATE)

    def _wait_for_whole(self) -> None:
        """The AI notice the producer is preparing is said whole before a line cuts in;
        the producer has its priority back meanwhile (it is the one to finish it)."""
        if self._whole_in_progress is None:
            return
        if self._producer_yields is not None:
            self._producer_yields.restore()
        while self._whole_in_progress is not None and not self._stop.wait(0.005):
            pass

    def _load_problem(self) -> str:
        """Why the voice could not load, if it could not (SilentSpeech carries the reason;
        a voice still loading knows it once loaded)."""
        return str(getattr(self.speech, "reason", ""))

    def _voice_for(self, language: str) -> SpeechEngine:
        """The voice for a line in `language`, or captions only when the voice speaks
        another language (a schedule switched to Chinese with an English voice): a
        voice reading a language it does not know would be noise on air."""
        if self.speech.language == language:
            self.status.speech_problem = self._load_problem()
            return self.speech
        reason = self._load_problem() or (
            f"the voice speaks {self.speech.language} but the schedule is in {language}: "
            "captions only"
        )
        if self.status.speech_problem != reason:
            log.warning("%s", reason)
            self.status.speech_problem = reason
        if language not in self._captions_only:
            self._captions_only[language] = SilentSpeech(
                reason, self.speech.sample_rate, locale=language
            )
        return self._captions_only[language]

    # --- renderer ---

    def _render(self) -> None:
        fps = self.options.fps
        index = self.rendered  # where it was, when started again after a failure
        card_cache: tuple[int, CardContent] | None = None
        frame_seconds = 0.0  # how long a frame takes to render, wall time (smoothed)
        while not self._stop.is_set():
            self._mark("renderer")
            with self._queue_lock:
                generation = self._cut_generation
                if self._redraw_from is not None:  # a cut took back frames drawn ahead
                    index = max(self.next_tick, min(index, self._redraw_from))
                    self._redraw_from = None
            live = self._live_on()
            ahead = LIVE_AHEAD if live else RENDER_AHEAD
            if index < self.next_tick:
                # fell behind: skip what the ticker already covered, and (paced) as
                # many frames more as one takes to render, or the frame for the tick
                # going out now is late again when done, and every one after it
                index = self.next_tick
                if self.options.paced:
                    index += min(ahead // 2, 1 + math.ceil(frame_seconds * fps))
            if index >= self.next_tick + ahead:
                self._stop.wait(0.004 if self.options.paced else 0.0005)
                continue
            position = index * self.spt
            if not self.options.paced and position + self.spt > self.produced_until:
                # unpaced (benchmarks): wait for speech rather than render idle frames
                self._stop.wait(0.0005)
                continue
            began = time.perf_counter()
            second = position // AUDIO_RATE
            if card_cache is None or card_cache[0] != second:
                card_cache = (second, self._card(self.wall_time(position)))
            card = card_cache[1]
            caption = self.timeline.caption_at(position)
            voice = self._live_voice(index, caption) if live else None
            with self._face_lock:
                if voice is not None:
                    self.face.push_live(voice, AUDIO_RATE, position / AUDIO_RATE)
                host = self.face.frame(index) if card.mode != "slate" else None
                if index % self.options.fps == 0:
                    self.face.forget(position / AUDIO_RATE - 2.0)
            if host is None:
                host = np.zeros(
                    (self.compositor.layout.height, self.compositor.layout.host_width, 3),
                    np.uint8,
                )
            audio = self._hear(position, generation)
            if voice is not None:
                audio = voice
            flash = self.options.test_pattern and index % (2 * self.options.fps) == 0
            if flash:
                audio = _beep(self.spt)
            rgb = self.compositor.compose(host, card, caption.text if caption else None, flash)
            tick = Tick(index, rgb_to_i420(rgb), audio)
            if index % self.options.fps == 0:
                # behind the ticker too: a late frame reads its samples from here
                heard = min(position, self.next_tick * self.spt)
                self.timeline.forget(heard - 2 * AUDIO_RATE)
            with self._queue_lock:
                if generation != self._cut_generation:
                    continue  # drawn before a cut that took it back: draw it again
                self._queue.append(tick)
                self._queue_lock.notify_all()
            index += 1
            self.rendered = index
            frame_seconds += (time.perf_counter() - began - frame_seconds) * 0.2

    def _live_on(self) -> bool:
        """Whether the microphone is the host's voice now (a voice takeover). The
        renderer's: it starts and stops the live feed as the takeover comes and goes."""
        if self.live is None or self._live_ticks is None:
            return False
        on = self.inbox.controls.takeover == "voice"
        if on != self.live.active:
            self._live_ticks.reset()
            if on:
                self.status.live_latency_ms.clear()  # this takeover's numbers
                self.live.start()
            else:
                self.live.stop()
                self.face.live.clear()  # its own lock: never wait on a drawing face
        return on

    def _live_voice(self, index: int, caption: Caption | None) -> np.ndarray | None:
        """Frame `index`'s tick of the person's voice, or None while the host's own
        speech plays there (the AI notice, a typed line): the microphone is muted under
        it, and what it heard meanwhile is let go, so the delay stays short."""
        taken = self._live_ticks.for_frame(index) if self._live_ticks is not None else None
        if taken is None or caption is not None:
            return None
        return taken.samples

    def _hear(self, position: int, generation: int | None = None) -> np.ndarray:
        """The samples of the tick at `position`, marked as heard: speech placed from now
        on starts after them. A frame drawn across a cut (its `generation` is gone) is
        thrown away, so its samples do not count as heard."""
        with self._place_lock:
            audio = self.timeline.read(position, self.spt)
            if generation is None or generation == self._cut_generation:
                self._heard_until = max(self._heard_until, position + self.spt)
        return audio

    def _card(self, at: datetime) -> CardContent:
        on, card = self.programme.card(at, self.options.off_air_message, self.image_path)
        self.status.display = on.display
        self.status.product_id = on.product.id if on.product and on.display == "show" else None
        return card

    # --- ticker ---

    def _tick(self) -> None:
        fps = self.options.fps
        index = self.next_tick  # where the show is, when started again after a failure
        start = time.monotonic() - index / fps
        last_video = self._last_video
        while not self._stop.is_set():
            self._mark("ticker")
            if self.frozen.is_set():  # test hook: a stalled loop stops the heartbeat
                time.sleep(0.05)
                start = time.monotonic() - index / fps
                continue
            tick = self._take(index)
            media = index / fps
            if tick is None:
                # the renderer is late: the last picture again, but this tick's own
                # samples (the speech is on the clock already; a word goes on)
                if last_video is None:
                    last_video = self._blank()
                audio = self._hear(index * self.spt)
                if self.live is not None and self.live.active:  # the person's words go on
                    voice = self._live_voice(index, self.timeline.caption_at(index * self.spt))
                    audio = audio if voice is None else voice
                tick = Tick(index, last_video, audio)
                self.status.late_frames += 1
                self._late_frames.event(media)
            else:
                last_video = self._last_video = tick.video
            self._check_words(tick)
            if self._live_ticks is not None:
                self._live_heard(tick.index)
            if self.on_air_audio is not None:
                self.on_air_audio(tick.audio)
            if self._replies:
                self._answer_heard(tick.index * self.spt)
            for output in self.outputs:
                try:
                    output.offer(tick)
                except Exception:  # one broken output must not stop the others
                    self._output_failed(output)
            for burst in (self._late_frames, self._late_audio, self._dropped):
                burst.say(media)
            now = time.monotonic()
            self.status.tick(now)
            self.heartbeat()
            index += 1
            self.next_tick = index
            if self._stop_after is not None and index >= self._stop_after:
                break
            if self.options.paced:
                delay = start + index / fps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -2.0:  # the machine stalled: do not burst to catch up
                    log.warning("output loop was %.1f s behind; resyncing", -delay)
                    start = time.monotonic() - index / fps
        # the end of the show (its duration, or stop()); a failure is restarted instead
        self._stop.set()
        self.finished.set()

    def _live_heard(self, index: int) -> None:
        """Frame `index` goes out now: the delay from its first sample at the microphone
        to the picture that shows it."""
        assert self._live_ticks is not None
        taken = self._live_ticks.aired(index)
        if taken is not None and taken.oldest is not None:
            self.status.live_latency_ms.append(round((time.monotonic() - taken.oldest) * 1000))

    def _answer_heard(self, position: int) -> None:
        """The first sample of an answer is going out now: its latency ends here."""
        caption = self.timeline.caption_at(position)
        if caption is None or caption.utterance_id not in self._replies:
            return
        reply_to = self._replies.pop(caption.utterance_id)
        try:
            self.on_heard(reply_to, time.monotonic())
        except Exception:  # the audience's bookkeeping must not stop the clock
            log.exception("reporting an answer failed")

    def _output_failed(self, output: Output) -> None:
        name = getattr(output, "name", type(output).__name__)
        self.status.thread_problem = f"output {name} refused a tick"
        if name not in self._failed_outputs:
            self._failed_outputs.add(name)
            log.exception("output %s refused a tick; the others go on", name)

    def _check_words(self, tick: Tick) -> None:
        """Count words that were ready but go out as silence: a silent tick inside a
        sentence whose samples are on the timeline. Nothing in this loop should cause
        one any more (late frames carry their samples, late speech moves whole
        sentences); the count is how we would know."""
        if tick.audio.any():
            self._drop_run = None
            return
        position = tick.index * self.spt
        caption = self.timeline.caption_at(position)
        if caption is None or not self.timeline.read(position, self.spt).any():
            self._drop_run = None
            return
        ticks = 1
        if self._drop_run is not None and self._drop_run[0] == caption.start:
            ticks = self._drop_run[1] + 1
        self._drop_run = (caption.start, ticks)
        words = len(caption.text.split()) or 1
        length = max(1, caption.end - caption.start)

        def cut(n: int) -> int:  # words in a cut of n ticks: its share, at least one
            return 0 if n == 0 else min(words, max(1, round(words * n * self.spt / length)))

        new = cut(ticks) - cut(ticks - 1)
        if new:
            self.status.dropped_words += new
            self._dropped.event(tick.index / self.options.fps, new)

    def _take(self, index: int) -> Tick | None:
        wait = 0.0 if self.options.paced else 1.0  # unpaced: the ticker waits for frames
        deadline = time.monotonic() + wait
        with self._queue_lock:
            while True:
                while self._queue and self._queue[0].index < index:
                    self._queue.popleft()
                if self._queue and self._queue[0].index == index:
                    return self._queue.popleft()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return None
                self._queue_lock.wait(remaining)

    def _blank(self) -> np.ndarray:
        lay = self.compositor.layout
        card = CardContent(self.programme.schedule().store.name, "", "slate", message="")
        rgb = self.compositor.compose(
            np.zeros((lay.height, lay.host_width, 3), np.uint8), card, None
        )
        return rgb_to_i420(rgb)


class _Cancel:
    """Stops a synthesis when the show stops or, for a line of the show's own talk, when
    a line cut in (checked by the voice before each sentence, and before placing one)."""

    def __init__(self, stop: threading.Event, cut: Callable[[], bool]) -> None:
        self.stop = stop
        self.cut = cut

    def is_set(self) -> bool:
        return self.stop.is_set() or self.cut()


def _resample(chunk: SpeechChunk) -> np.ndarray:
    """The chunk's audio at the clock's rate."""
    return resample_pcm(chunk.audio, chunk.sample_rate, AUDIO_RATE)


def _fit(samples: np.ndarray, length: int) -> np.ndarray:
    """Exactly `length` samples: the resampler may be a few samples short or long."""
    if len(samples) >= length:
        return samples[:length]
    return np.concatenate([samples, np.zeros(length - len(samples), np.int16)])


def _beep(count: int, frequency: float = 1000.0) -> np.ndarray:
    t = np.arange(count) / AUDIO_RATE
    return (np.sin(2 * np.pi * frequency * t) * 12000).astype(np.int16)
