"""State, telemetry and events from a show's front door (stand-ins for the heavy parts:
the schedule store and the outputs; the inbox and programme are the real ones)."""

from __future__ import annotations

from types import SimpleNamespace
from zoneinfo import ZoneInfo

from tests.onair.daemon_helpers import ALL_DAY_SCHEDULE

from livehost.audience.desk import AudienceStatus
from livehost.fleet.messages import State, Telemetry
from livehost.fleet.report import ShowReport
from livehost.frontdoor import FrontDoor
from livehost.problems import Problem
from livehost.schedule.load import load_schedule_text
from livehost.show.inbox import Inbox, Pin
from livehost.show.programme import Programme
from livehost.show.status import ShowStatus

PROBLEM = Problem("/srv/schedule.yaml", 10, 5, "products[1].price", "must be more than 0")
SCHEDULE = load_schedule_text(ALL_DAY_SCHEDULE.format(first="kettle", second="mug"), "s.yaml")


def stand_in(speech_problem: str = "", problems: list | None = None) -> FrontDoor:
    status = ShowStatus(on_air=True, speech_problem=speech_problem)
    output = SimpleNamespace(
        name="main",
        status=SimpleNamespace(
            state="on_air", last_error="", reconnects=1, bytes_sent=0, dropped_ticks=0
        ),
        set_active=lambda active: None,
    )
    store = SimpleNamespace(
        version=1, loaded_at=None, last_problems=problems or [], state_dir=None, current=None
    )
    inbox = Inbox()
    inbox.put(Pin("kettle"))
    programme = Programme(lambda: SCHEDULE.schedule, ZoneInfo("UTC"), inbox)
    return FrontDoor(inbox, programme, store, status, [output])  # type: ignore[arg-type]


def report_for(door: FrontDoor) -> ShowReport:
    return ShowReport(door, "u1", "s1")


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
    daemon.schedules.version = 2
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
    daemon.pause("slate")
    state = report_for(daemon).state()
    assert state.why == "paused by the operator (slate)" and state.display == "slate"
    assert state.product_id is None  # viewers see the slate, not the kettle
    daemon.resume()
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


def test_telemetry_counts_the_audience_and_the_busy_answers():
    daemon = stand_in()
    assert report_for(daemon).telemetry(0, 0, 0).audience_dropped == 0  # no desk: defaults
    status = AudienceStatus(viewers=12, comments=5, dropped=3, malformed=2, likes=40)
    daemon.audience = SimpleNamespace(status=status)  # type: ignore[assignment]
    telemetry = Telemetry.model_validate(report_for(daemon).telemetry(0, 0, 9, busy=4).model_dump())
    assert (telemetry.viewers, telemetry.comments, telemetry.likes) == (12, 5, 40)
    assert (telemetry.audience_dropped, telemetry.audience_malformed) == (3, 2)
    assert (telemetry.commands, telemetry.busy) == (9, 4)


def test_state_names_the_zone_the_show_runs_in():
    daemon = stand_in()
    assert report_for(daemon).state().timezone == "UTC"
    daemon.programme.zone = ZoneInfo("America/New_York")
    state = State.model_validate_json(report_for(daemon).state().model_dump_json())
    assert state.timezone == "America/New_York"
