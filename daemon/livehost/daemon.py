"""`livehost run`: everything wired together, supervised, and reporting to systemd.

Order at start: config -> schedule (file, else the last good copy, else an emergency
idle schedule) -> voice (else silence, reported) -> face -> outputs -> show loop. READY=1
goes to systemd once the loop ticks and an output is on air, or after READY_GRACE
seconds with no reachable output (STATUS says which). WATCHDOG=1 goes out only while
the ticker beats. SIGHUP reloads the schedule (RELOADING=1 ... READY=1); SIGTERM stops
within two seconds.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from livehost.config.device import LoadedConfig
from livehost.config.lastgood import ConfigKeeper, StartConfig
from livehost.config.secrets import SecretMissing, read_secret
from livehost.frontdoor import RESTART_EXIT_CODE, FrontDoor
from livehost.schedule.load import load_schedule_text
from livehost.schedule.model import Schedule
from livehost.schedule.store import ScheduleStore
from livehost.schedule.watcher import ScheduleWatcher
from livehost.scripts.store import ScriptStore, scripts_folder
from livehost.scripts.watcher import ScriptWatcher
from livehost.show.director import Director
from livehost.show.inbox import Inbox
from livehost.show.loop import ShowLoop, ShowOptions
from livehost.show.programme import Programme
from livehost.show.rehearse import rehearse
from livehost.show.status import ShowStatus
from livehost.speech.pending import PendingSpeech
from livehost.stream.encoder import EncoderSettings
from livehost.stream.output import RtmpOutput
from livehost.stream.recording import Recorder
from livehost.system.hardware import NVENC_ELEMENT, EncoderChoice, choose_encoder, probe
from livehost.system.memory import limit_malloc_arenas
from livehost.system.notify import Notifier
from livehost.system.signals import ServiceSignals
from livehost.system.watchdog import Watchdog

if TYPE_CHECKING:  # heavy imports (onnxruntime, OpenCV) load when the parts are built
    from livehost.audience.desk import AudienceDesk
    from livehost.lipsync.engine import LipSyncEngine
    from livehost.listen.service import Listening
    from livehost.speech.engine import SpeechEngine

log = logging.getLogger(__name__)

READY_GRACE = 10.0  # seconds to wait for an output before telling systemd we run anyway
EXIT_SHOW_FAILED = 70  # EX_SOFTWARE: a show thread failed beyond its budget; systemd restarts
# On air this long with nothing fatal: the config is kept as the last good one.
PROVEN_AFTER = 10.0
BLOCKED_WORDS = "blocked-words.txt"  # staff's own moderation list, beside the schedule
STATUS_EVERY = 5.0

EMERGENCY_SCHEDULE = """\
store:
  name: {name}
products:
  - id: none
    name: (no products)
    price: 1
    features: [no schedule could be loaded]
fallback:
  message: Welcome! Our live show will be back shortly.
"""


@dataclass
class RunOptions:
    outputs: list[str] = field(default_factory=list)  # --output overrides the config
    duration: float | None = None  # --for
    state_dir: Path | None = None
    test_pattern: bool = False
    mqtt: str | None = None  # --mqtt (the fleet agent plugs in here)
    now: datetime | None = None  # --now: the show's clock starts here (aware)


def load_speech(loaded: LoadedConfig, status: ShowStatus) -> SpeechEngine:
    """The configured voice, or silence (with the reason in the status) if it cannot load."""
    from livehost.modelstore.errors import ModelError
    from livehost.speech.load import load_speech_engine
    from livehost.speech.silent import SilentSpeech

    config = loaded.config
    models = loaded.resolve(config.paths.models)
    try:
        engine = load_speech_engine(
            config.voice, config.engines, models, loaded.resolve(config.paths.cache)
        )
        status.speech_engine = f"piper:{config.voice.id}"
        return engine
    except (ModelError, OSError, ValueError) as exc:
        reason = str(exc)
        log.error("the voice cannot load (%s); the host goes on silently with captions", reason)
        status.speech_engine = "silent"
        status.speech_problem = reason
        return SilentSpeech(reason)


def load_face(loaded: LoadedConfig, width: int, height: int, status: ShowStatus) -> LipSyncEngine:
    """The configured lip-sync engine with the configured (or demo) avatar; when that
    cannot load, the warp engine with the demo avatar, and failing that a blank host
    area. The reason goes into the status: a broken face config must not take the show
    off air (systemd would only restart it into the same failure)."""
    from livehost.avatar.kinds import load_any_avatar
    from livehost.avatar.locate import demo_avatar, resolve_avatar_path
    from livehost.avatar.package import AvatarError
    from livehost.config.engines import EnginesConfig
    from livehost.lipsync.blank import BlankEngine
    from livehost.lipsync.registry import load_lipsync_engine
    from livehost.modelstore.errors import ModelError

    config = loaded.config
    models = loaded.resolve(config.paths.models)
    cache = loaded.resolve(config.paths.cache)
    attempts = [
        (config.engines, lambda: resolve_avatar_path(loaded, models)),
        (EnginesConfig(lipsync="warp"), lambda: demo_avatar(models)),
    ]
    problems: list[str] = []
    for engines, avatar_path in attempts:
        try:
            avatar = load_any_avatar(avatar_path())
            face = load_lipsync_engine(
                engines, width, height, config.video.fps, cache_dir=cache, model_dir=models,
                kind=avatar.kind,
            )
            face.prepare(avatar)
        except (AvatarError, ModelError, OSError, ValueError, RuntimeError) as exc:
            problems.append(str(exc))
            continue
        except Exception as exc:  # any face failure must leave the show on air
            log.exception("the face failed to load")
            problems.append(f"{type(exc).__name__}: {exc}")
            continue
        status.lipsync_engine = f"{face.name}:{avatar.name}"
        break
    else:
        face = BlankEngine(width, height, config.video.fps)
        status.lipsync_engine = "blank"
    if problems:
        status.face_problem = problems[0]
        log.error(
            "the face cannot load (%s); on air with %s instead",
            problems[0],
            status.lipsync_engine,
        )
    return face


def _exit_now(code: int, why: str = "the voice was still loading") -> None:
    """Stopped while a model is still busy in another thread (the voice loading, the
    audience's sentence model): every part is stopped, but the interpreter's own exit
    would tear the native library down under that thread (SIGABRT). Flush and leave at
    once instead."""
    log.info("stopped while %s", why)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Daemon:
    def __init__(
        self,
        loaded: LoadedConfig,
        options: RunOptions,
        start: StartConfig | None = None,
        keeper: ConfigKeeper | None = None,
    ) -> None:
        self.loaded = loaded
        self.config = loaded.config
        self.options = options
        self.start_config = start  # with keeper: proven after PROVEN_AFTER on air
        self.keeper = keeper
        self._proven = False
        self.status = ShowStatus()
        if start is not None:
            self.status.config_problem = start.reason
        self.notifier = Notifier.from_env()
        self.watchdog = Watchdog(self.notifier)
        self.signals = ServiceSignals()
        state_dir = options.state_dir or loaded.state_dir
        zone = self.config.unit.zone
        self.store = ScheduleStore(
            loaded.schedule_path,
            zone,
            state_dir,
            rehearse=lambda schedule: rehearse(schedule, zone, datetime.now(timezone.utc)),
        )
        # staff-approved script lines, one file per product beside the schedule
        self.scripts = ScriptStore(
            scripts_folder(loaded.schedule_path, self.config.scripts.folder), state_dir
        )
        self.outputs: list[RtmpOutput] = []
        self.recorder: Recorder | None = None
        self.loop: ShowLoop | None = None
        self.inbox = Inbox()  # every input to the show enters here
        self.programme = Programme(self.schedule, self.config.unit.zone, self.inbox)
        self.door: FrontDoor | None = None
        self.desk: AudienceDesk | None = None  # with a fleet broker: viewers' comments
        self.listening: Listening | None = None  # listen.enabled: the store's microphone
        self.on_stop: list[Callable[[], None]] = []  # extra parts (fleet agent) to stop
        self.exit_code = 0  # request_exit() changes it (the fleet's `restart` command)

    # --- building the parts ---

    def schedule(self) -> Schedule:
        current = self.store.current
        assert current is not None
        return current.schedule

    def _load_schedule(self) -> None:
        if self.store.start() is None:
            problems = "; ".join(str(p) for p in self.store.last_problems[:3])
            log.error("no usable schedule (%s); airing the idle host until one is saved", problems)
            text = EMERGENCY_SCHEDULE.format(name=self.config.unit.site.replace("-", " ").title())
            self.store.current = load_schedule_text(text, "(built-in idle schedule)")
        self.store.subscribe(self._on_schedule)
        self._on_schedule(self.store.current)

    def _on_schedule(self, loaded) -> None:
        self.status.schedule_version = self.store.version
        self.status.schedule_hash = loaded.short_hash
        # script lines are checked against the products they talk about, so the first
        # schedule loads them and every swap checks them again (the store logs refusals)
        self.scripts.set_schedule(loaded.schedule)

    def _report_scripts(self) -> None:
        log.info("scripts: %d files from %s", len(self.scripts.current), self.scripts.folder)

    def _recorder(self, settings: EncoderSettings) -> Recorder | None:
        recording = self.config.recording
        if not recording.enabled:
            return None
        folder = (self.options.state_dir or self.loaded.state_dir) / recording.folder
        try:  # an unusable folder turns recording off; the show goes on
            folder.mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK):
                raise PermissionError(f"{folder} is not writable")
        except OSError as exc:
            self.status.recording_problem = f"recording is off: {exc}"
            log.error("%s", self.status.recording_problem)
            return None
        log.info(
            "recording to %s (%g min segments, %g GB cap)",
            folder,
            recording.segment_minutes,
            recording.max_gb,
        )
        return Recorder(
            folder, settings, recording.segment_minutes * 60, int(recording.max_gb * 1e9)
        )

    def _choose_encoder(self) -> EncoderChoice:
        """NVENC through GStreamer where the hardware has it, else x264 through PyAV."""
        hardware = probe()
        choice = choose_encoder(hardware, self.config.engines.encoder)
        self.status.encoder = f"{choice.engine}:{choice.codec}"
        log.info("encoder: %s %s (%s)", choice.engine, choice.codec, choice.reason)
        return choice

    def _outputs(self, settings: EncoderSettings, encoder: EncoderChoice) -> list[RtmpOutput]:
        metadata = {"title": f"{self.config.unit.site} live (AI-generated host)"}
        outputs = []
        if self.options.outputs:
            targets = [(f"out{i + 1}", url, None) for i, url in enumerate(self.options.outputs)]
        else:
            targets = [
                (o.name, o.url, o.stream_key_secret) for o in self.config.outputs if o.enabled
            ]
        for name, url, secret in targets:
            if secret:
                try:
                    url = (
                        url.rstrip("/")
                        + "/"
                        + read_secret(secret, self.loaded.resolve(self.config.paths.secrets))
                    )
                except SecretMissing as exc:
                    log.error("output %s: %s; it stays off", name, exc)
                    self.status.output_problem = f"output {name} is off: {exc}"
                    continue
            outputs.append(
                RtmpOutput(
                    name,
                    url,
                    settings,
                    metadata,
                    backend=encoder.engine,
                    nvenc=encoder.codec == NVENC_ELEMENT,
                )
            )
        return outputs

    # --- running ---

    def run(self) -> int:
        limit_malloc_arenas()  # before the worker threads start: keeps RSS flat
        self.signals.install()
        self.notifier.status("starting")
        self._load_schedule()  # loads the scripts too: they are checked against it
        self._report_scripts()
        video = self.config.video
        settings = EncoderSettings.from_config(video)
        from livehost.render.compositor import Compositor

        compositor = Compositor(video.width, video.height)
        speech = self._voice()
        face = load_face(self.loaded, compositor.layout.host_width, video.height, self.status)
        director = Director(
            self.programme,
            scripts=lambda: self.scripts.current,
            notice_every=self.config.show.notice_minutes * 60,
            # the room: the platform's viewer count shapes style and pacing (read per line;
            # the audience desk is built a moment later)
            viewers=lambda: self.desk.status.viewers if self.desk is not None else None,
        )
        self.listening = self._listening() if self.config.listen.enabled else None
        self.outputs = self._outputs(settings, self._choose_encoder())
        self.recorder = self._recorder(settings)
        sinks = [*self.outputs, *([self.recorder] if self.recorder else [])]
        schedule_dir = self.loaded.schedule_path.parent
        self.loop = ShowLoop(
            director,
            speech,
            face,
            compositor,
            sinks,
            self.status,
            ShowOptions(
                fps=video.fps,
                test_pattern=self.options.test_pattern,
                off_air_message=self.config.show.off_air_message,
            ),
            heartbeat=self.watchdog.beat,
            image_path=lambda image: str(schedule_dir / image) if image else None,
            start_wall=self.options.now.astimezone(timezone.utc) if self.options.now else None,
            on_heard=lambda reply_to, when: self.desk and self.desk.heard(reply_to, when),
            live=self.listening.feed if self.listening else None,
            on_air_audio=self.listening.on_air if self.listening else None,
        )
        mqtt_url = self.options.mqtt or self.config.mqtt.url
        # the audience arrives over the fleet broker (bridges publish there); questions
        # asked in the store come from the microphone, matched the same way
        if mqtt_url or (self.listening is not None and self.listening.listener is not None):
            self.desk = self._audience_desk()
        self.door = FrontDoor(
            self.inbox,
            self.programme,
            self.store,
            self.status,
            self.outputs,  # type: ignore[arg-type]
            scripts=self.scripts,
            exit=self.request_exit,
            sinks=self.loop.outputs,
            off_air_stops=self.config.show.off_air == "stop",
            clock=self.loop.now,
            audience=self.desk,
            listening=self.listening,
            takeover_minutes=self.config.listen.takeover_minutes,
        )
        for sink in sinks:
            sink.start()
        watcher = ScheduleWatcher(self.loaded.schedule_path, self.store.reload)
        watcher.start()
        script_watcher = ScriptWatcher(self.scripts.folder, self.scripts.reload)
        script_watcher.start()
        # Test hook (as in tests/appliance/fake_show.py): SIGUSR1 freezes the output loop,
        # SIGUSR2 thaws it, so tests can see the watchdog pings stop and resume.
        signal.signal(signal.SIGUSR1, lambda *_: self.loop and self.loop.frozen.set())
        signal.signal(signal.SIGUSR2, lambda *_: self.loop and self.loop.frozen.clear())
        self.loop.start(self.options.duration)
        self.watchdog.also = self.loop.stalled  # the picture and the voice, not only the ticker
        self.watchdog.start()
        if self.desk is not None:
            self.desk.start()
            self.on_stop.append(self.desk.stop)
        if self.listening is not None:
            self.listening.start()
            self.on_stop.append(self.listening.stop)
        if mqtt_url:
            from livehost.fleet.agent import start_for_show

            self.on_stop.append(start_for_show(self.door, self.loaded, mqtt_url))
        try:
            self._supervise()
        finally:
            script_watcher.stop()
            self._shutdown(watcher)
        if self.loop.failure and self.exit_code == 0:
            log.critical("the show failed: %s; exiting for a restart", self.loop.failure)
            self.exit_code = EXIT_SHOW_FAILED
        elif (
            self.keeper is not None
            and self.start_config is not None
            and not self._proven
            and self.exit_code in (0, RESTART_EXIT_CODE)
        ):
            # stopped (signal, fleet `restart`, --for) before it was proven: not a failed
            # start; a crash, a traceback or exit 70 never gets here and counts against it
            self.keeper.ended_cleanly(self.start_config)
        if speech.loading and speech.wait(0.5) is None:
            _exit_now(self.exit_code)
        if self.desk is not None and self.desk.running():
            # the sentence model still inside a native call (preparing the answers):
            # tearing the interpreter down under it aborts (SIGABRT, seen on `restart`)
            _exit_now(self.exit_code, "the audience's sentence model was still busy")
        return self.exit_code

    def _audience_desk(self) -> AudienceDesk:
        """Moderation with the staff's word list beside the schedule (hot-reloaded), and
        answers matched to the schedule's approved facts (the sentence model loads on the
        first comment, not at start)."""
        from livehost.audience.desk import AudienceDesk
        from livehost.audience.limits import RateLimiter
        from livehost.audience.matching import Matcher
        from livehost.audience.moderation import Moderator

        assert self.loop is not None
        loop = self.loop
        words = self.loaded.schedule_path.parent / BLOCKED_WORDS
        return AudienceDesk(
            self.inbox,
            self.programme,
            loop.now,
            Moderator(words),
            RateLimiter(),
            Matcher,
        )

    def _listening(self) -> Listening:
        """The microphone: questions for the desk (built a moment later, hence the
        lambda) and the host's voice in a takeover."""
        from livehost.listen.grammar import grammar_phrases
        from livehost.listen.service import Listening

        inbox = self.inbox
        return Listening(
            self.config.listen,
            self.loaded.resolve(self.config.paths.models),
            ask=lambda text: self.desk.store_question(text) if self.desk else None,
            driving=lambda: inbox.controls.takeover is not None,
            phrases=lambda: grammar_phrases(self.schedule()),
            voice=lambda: inbox.controls.takeover == "voice",
            lost=lambda problem: self.door.microphone_lost(problem) if self.door else None,
        )

    def _voice(self) -> PendingSpeech:
        """The voice, loading in its own thread: nothing on the first frame needs it, so
        the show goes on air without waiting (READY about a second sooner); the first
        line waits for it."""
        from livehost.speech.voices import voice_language

        models = self.loaded.resolve(self.config.paths.models)
        expected = voice_language(models, self.config.voice.id) or "en"
        return PendingSpeech(lambda: load_speech(self.loaded, self.status), expected)

    def request_exit(self, code: int) -> None:
        """Stop cleanly and exit with `code` (systemd restarts the unit on non-zero)."""
        self.exit_code = code
        self.signals.stop.set()

    def _supervise(self) -> None:
        started = time.monotonic()
        ready = False
        on_air_since: float | None = None  # on air (or ticking, with no output) since
        last_status = 0.0
        assert self.loop is not None and self.door is not None
        while not self.signals.stop.is_set() and not self.loop.finished.is_set():
            if self.signals.take_reload():
                self.notifier.reloading()
                result = self.store.reload()
                text = (
                    "schedule reloaded"
                    if result.changed
                    else (
                        f"schedule refused: {result.problems[0]}"
                        if result.problems
                        else "schedule unchanged"
                    )
                )
                self.notifier.ready(text)
            self.door.follow_off_air()
            if self.outputs and all(o.status.state == "failed" for o in self.outputs):
                log.critical("every output has failed for good; exiting for a restart")
                self.request_exit(EXIT_SHOW_FAILED)
                break
            on_air = [o for o in self.outputs if o.status.state == "on_air"]
            self.status.on_air = bool(on_air) and self.status.ticks > 0
            self.status.outputs = [o.status.to_dict() for o in self.outputs]
            if self.recorder is not None:
                self.status.recording = self.recorder.status.to_dict()
            if (
                not ready
                and self.status.ticks > 0
                and (on_air or time.monotonic() - started > READY_GRACE or not self.outputs)
            ):
                ready = True
                self.notifier.ready(self._status_line())
                log.info("ready: %s", self._status_line())
            elif ready and time.monotonic() - last_status > STATUS_EVERY:
                last_status = time.monotonic()
                self.notifier.status(self._status_line())
            # proven only by being on air: READY also comes with no output reachable
            if self.status.on_air or (not self.outputs and self.status.ticks > 0):
                on_air_since = on_air_since or time.monotonic()
            else:
                on_air_since = None
            if (
                not self._proven
                and on_air_since is not None
                and time.monotonic() - on_air_since > PROVEN_AFTER
            ):
                self._prove()
            self.signals.stop.wait(0.1)

    def _prove(self) -> None:
        """On air long enough with nothing fatal: this config is the last good one."""
        self._proven = True
        if self.loop is not None and self.loop.failure:
            return
        if self.keeper is not None and self.start_config is not None:
            self.keeper.proven(self.start_config)

    def _status_line(self) -> str:
        s = self.status
        if not self.outputs:
            where = s.output_problem or "no output configured"
        elif s.on_air:
            names = ", ".join(o.name for o in self.outputs if o.status.state == "on_air")
            where = f"on air ({names})"
        else:
            where = "no output reachable: " + "; ".join(
                o.status.last_error or o.status.state for o in self.outputs
            )
        voice = f", voice silent: {s.speech_problem}" if s.speech_problem else ""
        voice += f", face fallback {s.lipsync_engine}: {s.face_problem}" if s.face_problem else ""
        if s.thread_restarts:
            restarts = ", ".join(f"{n} {c}x" for n, c in sorted(s.thread_restarts.items()))
            voice += f", restarted {restarts} ({s.thread_problem})"
        product = f", product {s.product_id}" if s.product_id else ""
        voice += f", {s.recording_problem}" if s.recording_problem else ""
        if self.listening is not None and (heard := self.listening.problem()):
            voice += f", {heard}"
        controls = self.inbox.controls
        if controls.takeover:
            voice += f", driven by {controls.takeover_by or 'an operator'} ({controls.takeover})"
        config = f"config: {s.config_problem}; " if s.config_problem else ""
        line = f"{where}, {s.fps:.1f} fps, {s.late_frames} late frames{product}{voice}"
        return config + line

    def _shutdown(self, watcher: ScheduleWatcher) -> None:
        self.notifier.stopping()
        self.watchdog.stop()
        for stop in self.on_stop:
            try:
                stop()
            except Exception:
                log.exception("stopping a part failed")
        sinks = [*self.outputs, *([self.recorder] if self.recorder else [])]
        stoppers = [threading.Thread(target=o.stop, daemon=True) for o in sinks]
        for thread in stoppers:
            thread.start()
        if self.loop is not None:
            self.loop.stop(timeout=1.0)
        watcher.stop()
        for thread in stoppers:
            thread.join(1.0)
