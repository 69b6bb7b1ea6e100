"""State, telemetry and events of a running daemon, as the contract's messages.

Read-only over the daemon's public parts. `changes()` compares what it saw last time
and turns differences into events (schedule swapped or refused, output up or down,
voice silent), so the daemon needs no hooks for them.
"""

from __future__ import annotations

import os
import platform
import time
from typing import TYPE_CHECKING

import psutil

from livehost import __version__
from livehost.fleet.messages import Event, ProblemOut, ScheduleState, State, Telemetry
from livehost.system.hardware import HardwareProbe, refresh

if TYPE_CHECKING:
    from livehost.daemon import Daemon
    from livehost.fleet.bridge import DaemonControl


class DaemonReport:
    def __init__(self, daemon: Daemon, control: DaemonControl) -> None:
        self.daemon = daemon
        self.control = control
        self.process = psutil.Process()
        self.process.cpu_percent()  # the first reading only starts the measurement
        self.hardware = HardwareProbe(machine=platform.machine(), cpu_count=os.cpu_count() or 1)
        self._bytes: tuple[float, int] | None = None
        self._seen: dict[str, object] = {}

    # --- state ---

    def state(self) -> State:
        d = self.daemon
        s = d.status
        controls = d.director.controls if d.director else None
        current = d.director.current if d.director else None
        paused = controls.paused if controls else None
        return State(
            ts=time.time(),
            unit=d.config.unit.id,
            site=d.config.unit.site,
            on_air=s.on_air,
            why=self._why(),
            display=s.display,
            paused=paused,  # type: ignore[arg-type]
            pinned=controls.pinned if controls else None,
            streaming=not d.stopped_outputs,
            slot=current.slot.name if current is not None and current.slot else None,
            product_id=s.product_id,
            schedule=ScheduleState(
                version=d.store.version,
                hash=s.schedule_hash,
                loaded_at=d.store.loaded_at,
                errors=[
                    ProblemOut.model_validate(p.to_dict()) for p in self.control.schedule_problems()
                ],
            ),
            software={"livehost": __version__, "python": platform.python_version()},
            engines={"speech": s.speech_engine, "lipsync": s.lipsync_engine, "encoder": s.encoder},
            outputs=[_output_state(o) for o in s.outputs],
            speech_problem=s.speech_problem,
        )

    def _why(self) -> str:
        d = self.daemon
        s = d.status
        paused = d.director.controls.paused if d.director else None
        if paused:
            return f"paused by the operator ({paused})"
        if not d.outputs:
            return "no output configured"
        if d.stopped_outputs and len(d.stopped_outputs) >= len(d.outputs):
            return "stream stopped by the operator"
        if s.display == "slate":
            return "off air by the schedule"
        if s.on_air:
            return "on air"
        errors = [o.status.last_error or o.status.state for o in d.outputs]
        return "no output reachable: " + "; ".join(errors)

    # --- telemetry ---

    def telemetry(self, mqtt_reconnects: int, telemetry_dropped: int, commands: int) -> Telemetry:
        s = self.daemon.status
        outputs = self.daemon.outputs
        now = time.monotonic()
        sent = sum(o.status.bytes_sent for o in outputs)
        bitrate = None
        if self._bytes is not None and now > self._bytes[0]:
            bitrate = round((sent - self._bytes[1]) * 8 / 1000 / (now - self._bytes[0]), 1)
        self._bytes = (now, sent)
        refresh(self.hardware)
        try:
            cpu = round(self.process.cpu_percent(), 1)
            rss = round(self.process.memory_info().rss / 2**20, 1)
        except psutil.Error:
            cpu = rss = None
        return Telemetry(
            ts=time.time(),
            uptime=round(time.time() - s.started, 1),
            fps=round(s.fps, 2),
            late_frames=s.late_frames,
            upstream_late_seconds=round(s.upstream_late_seconds, 2),
            bitrate_kbps=bitrate,
            rtmp_reconnects=sum(o.status.reconnects for o in outputs),
            dropped_ticks=sum(o.status.dropped_ticks for o in outputs),
            speech_rtf=s.speech_rtf,
            cpu_percent=cpu,
            rss_mb=rss,
            temperatures={z.name: z.celsius for z in self.hardware.thermal},
            power_watts={r.name: r.watts for r in self.hardware.power if r.watts is not None},
            mqtt_reconnects=mqtt_reconnects,
            telemetry_dropped=telemetry_dropped,
            commands=commands,
        )

    # --- events ---

    def changes(self) -> list[Event]:
        """Notable changes since the last call; the first call reports `started` and the
        problems the unit started with."""
        d = self.daemon
        events: list[Event] = []
        now = time.time()
        first = not self._seen
        seen: dict[str, object] = {
            "version": d.store.version,
            "problems": tuple(str(p) for p in self.control.schedule_problems()),
            "voice": d.status.speech_problem,
        }
        for o in d.outputs:
            seen[f"output:{o.name}"] = o.status.state == "on_air"
        if first:
            self._seen = seen
            # a voice silent or a schedule broken from the start is news too
            old = {**seen, "voice": "", "problems": ()}
            events.append(Event(ts=now, kind="started", message=f"livehost {__version__} started"))
        else:
            old = self._seen
            self._seen = seen
        if seen["version"] != old["version"]:
            events.append(
                Event(
                    ts=now,
                    kind="schedule_swapped",
                    message=f"schedule version {d.store.version} in effect",
                    data={"version": d.store.version, "hash": d.status.schedule_hash},
                )
            )
        if seen["problems"] and seen["problems"] != old["problems"]:
            problems = self.control.schedule_problems()
            events.append(
                Event(
                    ts=now,
                    kind="schedule_refused",
                    message=f"schedule refused: {problems[0]}",
                    data={"problems": [p.to_dict() for p in problems[:20]]},
                )
            )
        for o in d.outputs:
            key = f"output:{o.name}"
            if key in old and seen[key] != old[key]:
                up = bool(seen[key])
                why = o.status.last_error or o.status.state
                events.append(
                    Event(
                        ts=now,
                        kind="output_up" if up else "output_down",
                        message=f"output {o.name} is " + ("on air" if up else f"down: {why}"),
                        data={"output": o.name},
                    )
                )
        if seen["voice"] and seen["voice"] != old["voice"]:
            events.append(
                Event(ts=now, kind="voice_silent", message=f"the voice is silent: {seen['voice']}")
            )
        return events


def _output_state(status: dict[str, object]) -> dict[str, object]:
    keys = ("name", "state", "on_air_since", "reconnects", "last_error")
    return {k: status.get(k) for k in keys}
