"""From a command payload to an ack: validate, de-duplicate, check expiry, execute.

Pure of MQTT: the agent hands in (name, payload) and publishes the ack it gets back, so
the whole command path is testable (and fuzzed) in-process. Whatever the payload, it
returns an ack and never raises: a bad command must not disturb the show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from livehost.fleet import commands as c
from livehost.fleet.idstore import IdStore
from livehost.fleet.messages import Ack, AckError, ProblemOut
from livehost.frontdoor import Refused

log = logging.getLogger(__name__)

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class ShowControl(Protocol):
    """What commands act on: the show's front door (livehost.frontdoor.FrontDoor)."""

    def pause(self, mode: str) -> dict: ...
    def resume(self) -> dict: ...
    def skip(self) -> dict: ...
    def say(self, text: str, priority: int) -> dict: ...
    def pin(self, product: str | None) -> dict: ...
    def push_schedule(self, text: str) -> dict: ...
    def push_scripts(self, file_name: str, text: str) -> dict: ...
    def reload(self) -> dict: ...
    def stream(self, action: str, output: str | None) -> dict: ...
    def restart(self) -> dict: ...
    def questions(self) -> dict: ...
    def takeover(self, mode: str, by: str, minutes: float | None) -> dict: ...


class CommandHandler:
    def __init__(
        self,
        control: ShowControl,
        ids: IdStore,
        unit: str,
        site: str,
        snapshot: Callable[..., dict] = lambda full=False: {},
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.control = control
        self.ids = ids
        self.unit = unit
        self.site = site
        self.snapshot = snapshot
        self.clock = clock
        self.executed = 0  # commands run (not duplicates, not refused payloads)

    def handle(self, name: str, payload: bytes) -> Ack:
        command = self._parse(name, payload)
        if isinstance(command, Ack):
            return command
        earlier = self._repeat(command.id)
        if earlier is not None:
            return earlier
        if command.expires is not None and self.clock() > command.expires:
            late = self.clock() - command.expires
            return self._ack(
                name,
                command.id,
                error=AckError(code="expired", message=f"expired {late:.1f} s before it arrived"),
            )
        try:
            result = self._execute(command)
            ack = self._ack(name, command.id, result=result)
        except Refused as refused:
            problems = [ProblemOut.model_validate(p.to_dict()) for p in refused.problems]
            ack = self._ack(
                name,
                command.id,
                error=AckError(code="refused", message=str(refused), problems=problems),
            )
        except Exception as exc:  # the show goes on whatever a command does
            log.exception("command %s (%s) failed", name, command.id)
            ack = self._ack(name, command.id, error=AckError(code="failed", message=repr(exc)))
        self.executed += 1
        self.ids.remember(command.id, ack.model_dump(mode="json"))
        return ack

    def busy(self, name: str, payload: bytes, waiting: int, stopping: bool = False) -> Ack:
        """The ack for a command that found the queue full (or the unit stopping): not
        run and not remembered, so the same id can be sent again. A payload that is
        refused anyway says why; an id that already ran gets its earlier ack again."""
        command = self._parse(name, payload)
        if isinstance(command, Ack):
            return command
        earlier = self._repeat(command.id)
        if earlier is not None:  # it did run: "busy, send it again" would be untrue
            return earlier
        if stopping:
            message = "the unit is stopping; not run, send it again"
        else:
            message = f"{waiting} commands are waiting; not run, send it again in a moment"
        return self._ack(name, command.id, error=AckError(code="busy", message=message))

    def _repeat(self, command_id: str) -> Ack | None:
        """The ack an id got when it ran, marked `duplicate`; None for a new id."""
        earlier = self.ids.get(command_id)
        if earlier is None:
            return None
        earlier.update(duplicate=True, ts=self.clock())
        return Ack.model_validate(earlier)

    def _parse(self, name: str, payload: bytes) -> c.Command | Ack:
        """The command, or the ack refusing its payload."""
        try:
            return c.parse_command(name, payload)
        except c.CommandRefused as refused:
            return self._ack(
                name, refused.command_id, error=AckError(code=refused.code, message=refused.message)
            )  # type: ignore[arg-type]

    def _execute(self, command: c.Command) -> dict:
        log.info("command %s (%s)", type(command).__name__, command.id)
        control = self.control
        match command:
            case c.Pause(mode=mode):
                return control.pause(mode)
            case c.Resume():
                return control.resume()
            case c.Skip():
                return control.skip()
            case c.Say(text=text, priority=priority):
                return control.say(text, priority)
            case c.Pin(product=product):
                return control.pin(product)
            case c.Unpin():
                return control.pin(None)
            case c.PushSchedule(yaml=text):
                return control.push_schedule(text)
            case c.PushScripts(file=file_name, yaml=text):
                return control.push_scripts(file_name, text)
            case c.Reload():
                return control.reload()
            case c.Stream(action=action, output=output):
                return control.stream(action, output)
            case c.Snapshot(full=full):
                # a plain snapshot calls without arguments, as snapshot hooks always did
                return self.snapshot(full=True) if full else self.snapshot()
            case c.LogLevel(level=level, logger=name):
                logging.getLogger(name).setLevel(LOG_LEVELS[level])
                return {"logger": name, "level": level}
            case c.Restart():
                return control.restart()
            case c.Questions():
                return control.questions()
            case c.Takeover(mode=mode, by=by, minutes=minutes):
                return control.takeover(mode, by, minutes)
        raise AssertionError(f"no executor for {command!r}")  # COMMANDS and this match agree

    def _ack(
        self,
        name: str,
        command_id: str | None,
        result: dict | None = None,
        error: AckError | None = None,
    ) -> Ack:
        return Ack(
            id=command_id,
            unit=self.unit,
            site=self.site,
            command=name[:64],
            ok=error is None,
            ts=self.clock(),
            result=result or {},
            error=error,
        )
