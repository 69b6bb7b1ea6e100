"""`make demo` off air: the demo starts the show's clock where the sample schedule is on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from livehost.demo import demo_start
from livehost.schedule.load import load_schedule_file

ZONE = ZoneInfo("America/New_York")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def test_at_night_the_demo_starts_the_clock_at_the_next_airing(sample_schedule) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    start, why = demo_start(schedule, ZONE, local("2026-03-10 03:00"))  # a Tuesday
    assert start == local("2026-03-10 09:00")
    assert why.startswith(
        "the sample schedule is off air now (Night, 01:00-07:00 America/New_York)"
    )
    assert "Aurora Glass Kettle" in why and "Weekday mornings, today at 09:00" in why
    assert "--now '2026-03-10 09:00'" in why and "the card's clock shows that time" in why
    start, why = demo_start(schedule, ZONE, local("2026-03-14 02:00"))  # a Saturday
    assert start == local("2026-03-14 10:00") and "Weekend deals" in why


def test_on_air_or_idle_the_demo_runs_at_the_real_time(sample_schedule) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    assert demo_start(schedule, ZONE, local("2026-03-10 10:00")) == (None, "")
    assert demo_start(schedule, ZONE, local("2026-03-10 22:00")) == (None, "")  # idle host


def test_the_demo_has_its_own_unit_id_and_broker_port(tmp_path) -> None:
    from livehost.config.device import load_config
    from livehost.demo import DEMO_UNIT, REPO, demo_config

    sample = load_config(REPO / "etc" / "livehost" / "livehost.yaml")
    loaded = load_config(demo_config(tmp_path, 1935, 41883))
    assert loaded.config.unit.id == DEMO_UNIT != sample.config.unit.id
    assert loaded.config.mqtt.url == "mqtt://127.0.0.1:41883"
    assert loaded.state_dir == tmp_path / "state"


def test_the_dev_broker_writes_its_log_and_database_without_errors(tmp_path) -> None:
    import subprocess
    import time

    from livehost.devservers import mosquitto

    with mosquitto(tmp_path / "mq").start() as broker:
        subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-t", "t", "-m", "m",
                        "-q", "1", "-r"], check=True, timeout=10)
        time.sleep(1.5)  # autosave_interval 1: the database is written
    log = (tmp_path / "mq" / "mosquitto.log").read_text()
    assert "Saving in-memory database" in log
    assert (tmp_path / "mq" / "mosquitto.db").is_file()
    out = (tmp_path / "mq" / "mosquitto.out").read_text() + log
    assert "Error" not in out and "Unable" not in out, out
