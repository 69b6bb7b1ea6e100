"""The running show's front door: commands in, status and snapshots out.

The fleet (and anything else that steers a unit) talks to the show only through this:
operator controls go into the inbox, schedules and scripts are validated by their stores
before anything changes, outputs are switched here, and `now()` says what viewers see.
It names no daemon and no MQTT, so the fleet depends on the show and never the reverse.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

from livehost.problems import Problem
from livehost.schedule.store import ReloadResult, ScheduleStore
from livehost.show.inbox import (
    Controls,
    Inbox,
    Message,
    Pause,
    Pin,
    Resume,
    Say,
    Skip,
    Takeover,
)
from livehost.show.programme import OnAir, Programme
from livehost.show.status import ShowStatus

if TYPE_CHECKING:
    from livehost.audience.desk import AudienceDesk
    from livehost.listen.service import Listening

log = logging.getLogger(__name__)

# `restart` exits with this status; the unit's Restart=on-failure starts the daemon again.
RESTART_EXIT_CODE = 75  # EX_TEMPFAIL


class Refused(Exception):
    """The show declined a valid command; `problems` locate schedule or script errors."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Output(Protocol):
    name: str
    status: object  # OutputStatus: state, last_error, bytes_sent, reconnects, ...

    def set_active(self, active: bool) -> None: ...
    def restart(self) -> None: ...


class ScriptStoreLike(Protocol):
    def write_and_apply(self, file_name: str, text: str) -> ReloadResult: ...
    def reload(self) -> ReloadResult: ...


class FrontDoor:
    def __init__(
        self,
        inbox: Inbox,
        programme: Programme,
        schedules: ScheduleStore,
        status: ShowStatus,
        outputs: list[Output],
        scripts: ScriptStoreLike | None = None,
        exit: Callable[[int], None] = lambda code: None,
        sinks: list | None = None,
        off_air_stops: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        audience: AudienceDesk | None = None,
        listening: Listening | None = None,
        takeover_minutes: float = 30.0,
    ) -> None:
        self.inbox = inbox
        self.listening = listening  # the store's microphone, if configured
        self.takeover_minutes = takeover_minutes  # a takeover's expiry unless it names one
        self.audience = audience  # comments, gifts, viewers: the fleet agent feeds it
        self.programme = programme
        self.schedules = schedules
        self.status = status
        self.outputs = outputs
        self.scripts = scripts
        self._exit = exit
        self._sinks = sinks if sinks is not None else []
        self.off_air_stops = off_air_stops  # show.off_air: stop (no stream while off air)
        # the show's own clock (media time on air), so `now()` is the picture going out
        self.clock = clock
        self.stopped_outputs: set[str] = set()  # outputs the operator stopped
        # A refused push leaves the store untouched; remember why (with the schedule
        # version it was refused against) so the state and events can report it.
        self.refused_push: tuple[int, list[Problem]] | None = None

    # --- out: what viewers see, and the picture ---

    def now(self) -> OnAir:
        """What viewers see now: the programme at the show's clock."""
        return self.programme.at(self.clock())

    def add_sink(self, sink: object) -> None:
        """Another consumer of every tick (the fleet's snapshot tap)."""
        self._sinks.append(sink)

    # --- in: operator controls ---

    def pause(self, mode: str) -> dict:
        self._put(Pause(mode))
        return {"paused": mode}

    def resume(self) -> dict:
        self._put(Resume())
        return {"paused": None}

    def skip(self) -> dict:
        return {"skips": self._put(Skip()).skip}

    def say(self, text: str, priority: int = 0) -> dict:
        self._put(Say(text, priority))
        return {"queued": self.inbox.waiting()}

    def pin(self, product: str | None) -> dict:
        if product is not None:
            try:
                self.programme.schedule().product(product)
            except KeyError:
                raise Refused(f"no product '{product}' in the running schedule") from None
        self._put(Pin(product))
        return {"pinned": product}

    def _put(self, message: Message) -> Controls:
        try:
            return self.inbox.put(message)
        except ValueError as exc:
            raise Refused(str(exc)) from None

    # --- in: schedules and scripts, validated before anything changes ---

    def push_schedule(self, text: str) -> dict:
        result = self.schedules.write_and_apply(text)
        self.refused_push = (self.schedules.version, result.problems) if result.problems else None
        return self._schedule_result(result)

    def schedule_problems(self) -> list[Problem]:
        """Why the last schedule change was refused: a file edit, reload or push."""
        store = self.schedules
        if store.last_problems:
            return store.last_problems
        if self.refused_push and self.refused_push[0] == store.version:
            return self.refused_push[1]
        return []

    def reload(self) -> dict:
        """Re-read the schedule and the scripts folder (each keeps its last good copy)."""
        scripts = self.scripts.reload() if self.scripts is not None else None
        result = self._schedule_result(self.schedules.reload())
        if scripts is not None:
            result["scripts_changed"] = scripts.changed
            if scripts.problems:
                result["script_problems"] = [str(p) for p in scripts.problems[:20]]
        return result

    def _schedule_result(self, result: ReloadResult) -> dict:
        if result.problems:
            count = len(result.problems)
            raise Refused(
                f"schedule refused ({count} problem{'s' * (count != 1)}); the old one stays",
                result.problems,
            )
        current = self.schedules.current
        return {
            "changed": result.changed,
            "version": self.schedules.version,
            "hash": current.short_hash if current else "",
        }

    def push_scripts(self, file_name: str, text: str) -> dict:
        if self.scripts is None:
            raise Refused("this unit has no scripts folder")
        result = self.scripts.write_and_apply(file_name, text)
        if result.problems:
            count = len(result.problems)
            raise Refused(
                f"script {file_name} refused ({count} problem{'s' * (count != 1)}); "
                "the old one stays",
                result.problems,
            )
        return {"file": file_name, "changed": result.changed}

    # --- in: outputs and the process ---

    def stream(self, action: str, output: str | None) -> dict:
        names = [o.name for o in self.outputs]
        if output is not None and output not in names:
            raise Refused(f"no output '{output}'; outputs: {', '.join(names) or 'none'}")
        if not names:
            raise Refused("this unit has no output configured")
        chosen = [output] if output else names
        if action == "restart":
            for o in self.outputs:
                if o.name in chosen:
                    o.restart()
        else:
            for name in chosen:
                self.set_streaming(action == "start", name)
        return {"outputs": chosen, "action": action}

    def set_streaming(self, active: bool, name: str) -> None:
        """Operator's `stream start|stop` for one output; survives the off-air follower."""
        if active:
            self.stopped_outputs.discard(name)
        else:
            self.stopped_outputs.add(name)
        self.follow_off_air()

    def follow_off_air(self) -> None:
        """With show.off_air: stop, send nothing while off air (the loop keeps ticking for
        health); outputs the operator stopped stay stopped."""
        off_air = self.off_air_stops and self.status.display == "slate"
        for output in self.outputs:
            output.set_active(not off_air and output.name not in self.stopped_outputs)

    def restart(self) -> dict:
        self._exit(RESTART_EXIT_CODE)
        return {"exit_code": RESTART_EXIT_CODE}

    def takeover(self, mode: str, by: str = "", minutes: float | None = None) -> dict:
        """A person drives the host (voice: the microphone; text: typed lines), or `off`.
        A voice takeover needs a microphone that delivers sound: the host's own talk
        pauses, and a dead microphone would be dead air."""
        if mode == "off":
            before = self.inbox.controls
            self._put(Takeover(None))
            if before.takeover:
                log.info(
                    "takeover ended (%s by %s)",
                    before.takeover,
                    before.takeover_by or "an operator",
                    extra={"event": "takeover", "mode": "off"},
                )
            return {"takeover": None}
        if mode == "voice":
            if self.listening is None:
                raise Refused(
                    "this unit has no microphone: set listen.enabled and listen.device "
                    "in its device config"
                )
            problem = self.listening.usable()
            if problem:
                raise Refused(f"the microphone is not delivering sound: {problem}")
        seconds = (minutes if minutes is not None else self.takeover_minutes) * 60
        until = time.time() + seconds
        controls = self._put(Takeover(mode, by, until))
        log.info(
            "takeover: %s by %s until %s",
            mode,
            by or "an operator",
            datetime.fromtimestamp(until, timezone.utc).isoformat(timespec="seconds"),
            extra={"event": "takeover", "mode": mode},
        )
        return {
            "takeover": controls.takeover,
            "by": controls.takeover_by,
            "since": controls.takeover_since,
            "until": controls.takeover_until,
        }

    def microphone_lost(self, problem: str) -> None:
        """The microphone of a voice takeover stopped delivering sound: the host's own
        talk comes back (silence on air helps nobody); the events say why."""
        if self.inbox.controls.takeover != "voice":
            return
        log.warning(
            "the microphone stopped delivering sound (%s): the voice takeover ends",
            problem,
            extra={"event": "takeover", "mode": "off"},
        )
        self._put(Takeover(None, why="microphone"))

    def questions(self) -> dict:
        """Viewers' questions that found no approved answer, per product, most asked
        first: what staff could add to the FAQ."""
        if self.audience is None:
            raise Refused("this unit takes no audience events (no fleet broker configured)")
        return {"questions": self.audience.questions()}
