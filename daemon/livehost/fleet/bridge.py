"""Commands acting on the running daemon, through its public parts only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from livehost.fleet.handler import Refused
from livehost.problems import Problem
from livehost.schedule.store import ReloadResult

if TYPE_CHECKING:
    from livehost.daemon import Daemon

# `restart` exits with this status; the unit's Restart=on-failure starts the daemon again.
RESTART_EXIT_CODE = 75  # EX_TEMPFAIL


class DaemonControl:
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        # A refused push leaves the store untouched; remember why (with the schedule
        # version it was refused against) so the state and events can report it.
        self.refused_push: tuple[int, list[Problem]] | None = None

    @property
    def director(self):
        if self.daemon.director is None:
            raise Refused("the show is still starting")
        return self.daemon.director

    def pause(self, mode: str) -> dict:
        self.director.pause(mode)
        return {"paused": mode}

    def resume(self) -> dict:
        self.director.resume()
        return {"paused": None}

    def skip(self) -> dict:
        self.director.skip()
        return {"skips": self.director.controls.skip}

    def say(self, text: str, priority: int) -> dict:
        try:
            self.director.say(text, priority)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        if self.daemon.loop is not None:
            self.daemon.loop.interrupt()  # flush what is buffered: the line goes out next
        return {"queued": len(self.director.controls.lines)}

    def pin(self, product: str | None) -> dict:
        try:
            self.director.pin(product)
        except KeyError:
            raise Refused(f"no product '{product}' in the running schedule") from None
        return {"pinned": product}

    def push_schedule(self, text: str) -> dict:
        result = self.daemon.store.write_and_apply(text)
        self.refused_push = (
            (self.daemon.store.version, result.problems) if result.problems else None
        )
        return self._schedule_result(result)

    def schedule_problems(self) -> list[Problem]:
        """Why the last schedule change was refused: a file edit, reload or push."""
        store = self.daemon.store
        if store.last_problems:
            return store.last_problems
        if self.refused_push and self.refused_push[0] == store.version:
            return self.refused_push[1]
        return []

    def reload(self) -> dict:
        return self._schedule_result(self.daemon.store.reload())

    def _schedule_result(self, result: ReloadResult) -> dict:
        if result.problems:
            count = len(result.problems)
            raise Refused(
                f"schedule refused ({count} problem{'s' * (count != 1)}); the old one stays",
                result.problems,
            )
        store = self.daemon.store
        current = store.current
        return {
            "changed": result.changed,
            "version": store.version,
            "hash": current.short_hash if current else "",
        }

    def stream(self, action: str, output: str | None) -> dict:
        names = [o.name for o in self.daemon.outputs]
        if output is not None and output not in names:
            raise Refused(f"no output '{output}'; outputs: {', '.join(names) or 'none'}")
        if not names:
            raise Refused("this unit has no output configured")
        chosen = [output] if output else names
        if action == "restart":
            for o in self.daemon.outputs:
                if o.name in chosen:
                    o.restart()
        else:
            for name in chosen:
                self.daemon.set_streaming(action == "start", name)
        return {"outputs": chosen, "action": action}

    def restart(self) -> dict:
        self.daemon.request_exit(RESTART_EXIT_CODE)
        return {"exit_code": RESTART_EXIT_CODE}
