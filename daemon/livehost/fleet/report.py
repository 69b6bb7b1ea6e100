"""State, telemetry and events of a running show, as the contract's messages.

Read-only over the show's front door. `changes()` compares what it saw last time and
turns differences into events (schedule swapped or refused, output up or down, voice
silent, a person taking over the host, the microphone), so the show needs no hooks for them.
"""

from __future__ import annotations

import os
import platform
import time

import psutil

from livehost import __version__
from livehost.fleet.messages import (
    Event,
    ProblemOut,
    ScheduleState,
    State,
    TakeoverState,
    Telemetry,
)
from livehost.frontdoor import FrontDoor
from livehost.show.inbox import Controls
from livehost.show.programme import OnAir
from livehost.system.hardware import HardwareProbe, refresh


class ShowReport:
    def __init__(self, door: FrontDoor, unit: str, site: str) -> None:
        self.door = door
        self.unit = unit
        self.site = site
        self.process = psutil.Process()
        self.process.cpu_percent()  # the first reading only starts the measurement
        self.hardware = HardwareProbe(machine=platform.machine(), cpu_count=os.cpu_count() or 1)
        self._bytes: tuple[float, int] | None = None
        self._seen: dict[str, object] = {}

    # --- state ---

    def state(self) -> State:
        d = self.door
        s = d.status
        on = d.now()  # what viewers see, from the same programme the renderer reads
        segment = on.segment
        shown = on.product.id if on.product is not None and on.display == "show" else None
        return State(
            ts=time.time(),
            unit=self.unit,
            site=self.site,
            timezone=getattr(d.programme.zone, "key", None) or "",
            on_air=s.on_air,
            why=self._why(on),
            display=on.display,  # type: ignore[arg-type]
            paused=on.controls.paused,  # type: ignore[arg-type]
            pinned=on.controls.pinned,
            streaming=not d.stopped_outputs,
            slot=segment.slot.name if segment.slot is not None else None,
            product_id=shown,
            schedule=ScheduleState(
                version=d.schedules.version,
                hash=s.schedule_hash,
                loaded_at=d.schedules.loaded_at,
                errors=[ProblemOut.model_validate(p.to_dict()) for p in d.schedule_problems()],
            ),
            software={"livehost": __version__, "python": platform.python_version()},
            engines={"speech": s.speech_engine, "lipsync": s.lipsync_engine, "encoder": s.encoder},
            outputs=[_output_state(o) for o in s.outputs],
            speech_problem=s.speech_problem,
            config_problem=s.config_problem,
            takeover=_takeover(on.controls),
            listen_problem=d.listening.problem() if d.listening is not None else "",
        )

    def _why(self, on: OnAir) -> str:
        d = self.door
        s = d.status
        if on.controls.paused:
            return f"paused by the operator ({on.controls.paused})"
        if not d.outputs:
            return "no output configured"
        if d.stopped_outputs and len(d.stopped_outputs) >= len(d.outputs):
            return "stream stopped by the operator"
        if on.display == "slate":
            return "off air by the schedule"
        if s.on_air and on.controls.takeover:
            by = on.controls.takeover_by or "an operator"
            return f"driven by a person ({on.controls.takeover}, {by})"
        if s.on_air:
            return "on air"
        errors = [o.status.last_error or o.status.state for o in d.outputs]
        return "no output reachable: " + "; ".join(errors)

    # --- telemetry ---

    def telemetry(
        self, mqtt_reconnects: int, telemetry_dropped: int, commands: int, busy: int = 0
    ) -> Telemetry:
        s = self.door.status
        outputs = self.door.outputs
        now = time.monotonic()
        sent = sum(o.status.bytes_sent for o in outputs)
        bitrate = None
        if self._bytes is not None and now > self._bytes[0] and sent >= self._bytes[1]:
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
            late_audio=s.late_audio,
            dropped_words=s.dropped_words,
            thread_restarts=dict(s.thread_restarts),
            recording=s.recording,
            **self._audience(),
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
            busy=busy,
            listen=self._listen(),
        )

    def _listen(self) -> dict[str, object] | None:
        listening = self.door.listening
        if listening is None:
            return None
        out = listening.report()
        latencies = sorted(self.door.status.live_latency_ms)
        out["live_latency_ms_p50"] = latencies[len(latencies) // 2] if latencies else None
        out["live_latency_ms_p95"] = latencies[int(len(latencies) * 0.95)] if latencies else None
        return out

    def _audience(self) -> dict[str, object]:
        desk = self.door.audience
        if desk is None:
            return {}
        a = desk.status
        latencies = sorted(a.latencies_ms)
        return {
            "viewers": a.viewers,
            "comments": a.comments,
            "answered": a.answered,
            "ignored": a.ignored,
            "refused": a.refused,
            "answer_ms_p50": latencies[len(latencies) // 2] if latencies else None,
            "audience_dropped": a.dropped,
            "audience_malformed": a.malformed,
            "likes": a.likes,
        }

    # --- events ---

    def changes(self) -> list[Event]:
        """Notable changes since the last call; the first call reports `started` and the
        problems the unit started with."""
        d = self.door
        events: list[Event] = []
        now = time.time()
        first = not self._seen
        seen: dict[str, object] = {
            "version": d.schedules.version,
            "problems": tuple(str(p) for p in d.schedule_problems()),
            "voice": d.status.speech_problem,
            "config": d.status.config_problem,
            "restarts": sum(d.status.thread_restarts.values()),
            "takeover": _takeover(d.inbox.controls),
            "microphone": d.listening.source.status.state if d.listening is not None else "",
        }
        for o in d.outputs:
            seen[f"output:{o.name}"] = o.status.state == "on_air"
        if first:
            self._seen = seen
            # a voice silent or a schedule broken from the start is news too
            old = {**seen, "voice": "", "problems": (), "config": "", "restarts": 0,
                   "takeover": None}
            events.append(Event(ts=now, kind="started", message=f"livehost {__version__} started"))
        else:
            old = self._seen
            self._seen = seen
        if seen["version"] != old["version"]:
            events.append(
                Event(
                    ts=now,
                    kind="schedule_swapped",
                    message=f"schedule version {d.schedules.version} in effect",
                    data={"version": d.schedules.version, "hash": d.status.schedule_hash},
                )
            )
        if seen["problems"] and seen["problems"] != old["problems"]:
            problems = d.schedule_problems()
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
        if seen["config"] and seen["config"] != old["config"]:
            events.append(Event(ts=now, kind="config_refused", message=str(seen["config"])))
        if seen["restarts"] > old["restarts"]:  # type: ignore[operator]
            events.append(
                Event(
                    ts=now,
                    kind="thread_restarted",
                    message=d.status.thread_problem + "; started again",
                    data={"restarts": dict(d.status.thread_restarts)},
                )
            )
        events += _takeover_events(
            now,
            old["takeover"],  # type: ignore[arg-type]
            seen["takeover"],  # type: ignore[arg-type]
            d.inbox.controls.takeover_ended,
        )
        if not first and seen["microphone"] != old["microphone"] and d.listening is not None:
            status = d.listening.source.status
            events.append(
                Event(
                    ts=now,
                    kind="microphone",
                    message=f"the microphone is {status.state}"
                    + (f": {status.problem}" if status.problem else ""),
                    data={"state": status.state, "problem": status.problem},
                )
            )
        if d.audience is not None:
            for fate in d.audience.take_fates():
                events.append(
                    Event(ts=now, kind=fate.kind, message=fate.message, data=fate.data)  # type: ignore[arg-type]
                )
        if seen["voice"] and seen["voice"] != old["voice"]:
            events.append(
                Event(ts=now, kind="voice_silent", message=f"the voice is silent: {seen['voice']}")
            )
        return events


def _takeover(controls: Controls) -> TakeoverState | None:
    if controls.takeover is None or controls.takeover_since is None:
        return None
    return TakeoverState(
        mode=controls.takeover,  # type: ignore[arg-type]
        by=controls.takeover_by,
        since=controls.takeover_since,
        until=controls.takeover_until,
    )


def _takeover_events(
    now: float, old: TakeoverState | None, new: TakeoverState | None, why: str
) -> list[Event]:
    """A person took over or gave the host back (the platforms ask for proof of a
    human in the loop: the events log keeps who and when)."""
    events = []
    if old is not None and (new is None or new.since != old.since):
        endings = {
            "expired": " (the takeover expired)",
            "microphone": " (the microphone stopped delivering sound)",
        }
        events.append(
            Event(
                ts=now,
                kind="takeover_ended",
                message=f"{old.by or 'the operator'} gave the host back" + endings.get(why, ""),
                data={
                    "mode": old.mode,
                    "by": old.by,
                    "seconds": round(now - old.since, 1),
                    "reason": why or "operator",
                },
            )
        )
    if new is not None and (old is None or new.since != old.since or new.mode != old.mode):
        events.append(
            Event(
                ts=now,
                kind="takeover_started",
                message=f"{new.by or 'an operator'} drives the host ({new.mode})",
                data=new.model_dump(),
            )
        )
    return events


def _output_state(status: dict[str, object]) -> dict[str, object]:
    keys = (
        "name",
        "state",
        "on_air_since",
        "reconnects",
        "last_error",
        "video_kbps",
        "bitrate_steps",
        "uplink_kbps",
    )
    return {k: status.get(k) for k in keys}
