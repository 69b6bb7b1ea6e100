"""State, telemetry and events from a daemon's parts (stand-ins for the heavy ones)."""

from __future__ import annotations

from types import SimpleNamespace

from livehost.fleet.bridge import DaemonControl
from livehost.fleet.messages import State, Telemetry
from livehost.fleet.report import DaemonReport
from livehost.problems import Problem
from livehost.show.director import Controls
from livehost.show.status import ShowStatus

PROBLEM = Problem("/srv/schedule.yaml", 10, 5, "products[1].price", "must be more than 0")


def stand_in(speech_problem: str = "", problems: list | None = None) -> SimpleNamespace:
    status = ShowStatus(on_air=True, product_id="kettle", speech_problem=speech_problem)
    output = SimpleNamespace(
        name="main",
        status=SimpleNamespace(
            state="on_air", last_error="", reconnects=1, bytes_sent=0, dropped_ticks=0
        ),
    )
    return SimpleNamespace(
        status=status,
        outputs=[output],
        store=SimpleNamespace(version=1, loaded_at=None, last_problems=problems or []),
        director=SimpleNamespace(controls=Controls(), current=None),
        stopped_outputs=set(),
        config=SimpleNamespace(unit=SimpleNamespace(id="u1", site="s1")),
    )


def report_for(daemon) -> DaemonReport:
    return DaemonReport(daemon, DaemonControl(daemon))


def test_first_look_reports_start_and_standing_problems():
    daemon = stand_in(speech_problem="voice model missing", problems=[PROBLEM])
    kinds = [e.kind for e in report_for(daemon).changes()]
    assert kinds == ["started", "schedule_refused", "voice_silent"]


def test_changes_become_events_once():
    daemon = stand_in()
    report = report_for(daemon)
    assert [e.kind for e in report.changes()] == ["started"]
    daemon.outputs[0].status.state = "down"
    daemon.outputs[0].status.last_error = "connection refused"
    daemon.store.version = 2
    events = report.changes()
    assert [e.kind for e in events] == ["schedule_swapped", "output_down"]
    assert "connection refused" in events[1].message
    assert report.changes() == []
    daemon.outputs[0].status.state = "on_air"
    assert [e.kind for e in report.changes()] == ["output_up"]


def test_state_says_why_and_carries_schedule_errors():
    daemon = stand_in(problems=[PROBLEM])
    state = State.model_validate(report_for(daemon).state().model_dump())
    assert state.why == "on air" and state.product_id == "kettle"
    assert [(e.line, e.path) for e in state.schedule.errors] == [(10, "products[1].price")]
    daemon.director.controls.paused = "slate"
    assert report_for(daemon).state().why == "paused by the operator (slate)"
    daemon.director.controls.paused = None
    daemon.stopped_outputs.add("main")
    state = report_for(daemon).state()
    assert state.why == "stream stopped by the operator" and not state.streaming


def test_telemetry_bitrate_from_bytes_sent():
    daemon = stand_in()
    report = report_for(daemon)
    first = report.telemetry(0, 0, 0)
    assert first.bitrate_kbps is None and first.rtmp_reconnects == 1
    assert first.rss_mb and first.rss_mb > 10
    daemon.outputs[0].status.bytes_sent = 250_000
    second = Telemetry.model_validate(report.telemetry(1, 2, 3).model_dump())
    assert second.bitrate_kbps and second.bitrate_kbps > 0
    assert (second.mqtt_reconnects, second.telemetry_dropped, second.commands) == (1, 2, 3)
