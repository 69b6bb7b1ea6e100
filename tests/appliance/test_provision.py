"""First-boot provisioning into a scratch /etc, through the real shell wrapper too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from livehost.config.device import load_config
from livehost.system.provision import ProvisionError, apply, read_provisioning, set_value

REPO = Path(__file__).resolve().parents[2]
WRAPPER = REPO / "image" / "livehost-provision"

GOOD = """\
unit_id: shop-0042
site: harbour-road
timezone: Europe/Berlin
mqtt_url: mqtts://fleet.example.net:8883
mqtt_username: shop-0042
mqtt_password: "p@ss: word"
stream_key: live_abc123
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc/livehost").mkdir(parents=True)
    shutil.copy(REPO / "etc/livehost/livehost.yaml", tmp_path / "etc/livehost/livehost.yaml")
    shutil.copy(REPO / "etc/livehost/schedule.yaml", tmp_path / "etc/livehost/schedule.yaml")
    return tmp_path


def test_values_are_replaced_and_comments_kept(root):
    config = root / "etc/livehost/livehost.yaml"
    (root / "p.yaml").write_text(GOOD)
    done = apply(read_provisioning(root / "p.yaml"), config, root / "etc/livehost/credentials")
    loaded = load_config(config).config
    assert (loaded.unit.id, loaded.unit.site, loaded.unit.timezone) == (
        "shop-0042", "harbour-road", "Europe/Berlin")
    assert loaded.mqtt.url == "mqtts://fleet.example.net:8883"
    assert loaded.mqtt.username == "shop-0042"
    assert loaded.mqtt.password_secret == "mqtt_password"
    text = config.read_text()
    assert "# unique in the fleet" in text and "p@ss" not in text and "live_abc" not in text
    creds = root / "etc/livehost/credentials"
    assert (creds / "main_stream_key").read_text() == "live_abc123\n"
    assert (creds / "mqtt_password").read_text() == "p@ss: word\n"
    assert oct((creds / "mqtt_password").stat().st_mode & 0o777) == "0o600"
    assert done[-2:] == ["credential main_stream_key", "credential mqtt_password"]


def test_invalid_values_leave_the_old_config(root):
    config = root / "etc/livehost/livehost.yaml"
    before = config.read_text()
    (root / "p.yaml").write_text("unit_id: Shop 42\nsite: x\ntimezone: Mars/Olympus\n")
    with pytest.raises(Exception, match="time zone"):
        apply(read_provisioning(root / "p.yaml"), config, root / "creds")
    assert config.read_text() == before
    assert not (root / "creds").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("unit_id: a\n", "missing site, timezone"), ("- a\n", "name: value"),
     ("unit_id: a\nsite: b\ntimezone: UTC\nstreamkey: x\n", "unknown keys streamkey")],
)
def test_bad_provisioning_files(tmp_path, text, message):
    (tmp_path / "p.yaml").write_text(text)
    with pytest.raises(ProvisionError, match=message):
        read_provisioning(tmp_path / "p.yaml")


def test_set_value_adds_a_missing_key_and_section():
    text = "unit:\n  id: a   # the id\n\nvideo:\n  fps: 30\n"
    text = set_value(text, "unit", "id", "b")
    text = set_value(text, "unit", "site", "s")
    text = set_value(text, "mqtt", "url", "mqtt://h:1883")
    assert text == (
        'unit:\n  site: "s"\n  id: "b"   # the id\n\nvideo:\n  fps: 30\n'
        '\nmqtt:\n  url: "mqtt://h:1883"\n'
    )


def run_wrapper(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LIVEHOST_ROOT=str(root), LIVEHOST_PYTHON=sys.executable)
    return subprocess.run(["sh", str(WRAPPER)], env=env, capture_output=True, text=True)


def test_wrapper_applies_the_boot_file_once_and_removes_it(root):
    (root / "boot").mkdir()
    (root / "boot/livehost-provision.yaml").write_text(GOOD)
    result = run_wrapper(root)
    assert result.returncode == 0, result.stderr
    assert "credential main_stream_key" in result.stdout
    assert not (root / "boot/livehost-provision.yaml").exists()  # it held secrets
    assert len((root / "var/lib/livehost/provisioned").read_text().strip()) == 64
    assert load_config(root / "etc/livehost/livehost.yaml").config.unit.id == "shop-0042"
    again = run_wrapper(root)
    assert again.returncode == 0 and again.stdout == ""


def test_wrapper_says_when_nothing_is_there(root):
    result = run_wrapper(root)
    assert result.returncode == 0
    assert "not provisioned yet" in result.stdout


def test_wrapper_fails_and_keeps_a_bad_boot_file(root):
    (root / "boot").mkdir()
    (root / "boot/livehost-provision.yaml").write_text("unit_id: x\n")
    result = run_wrapper(root)
    assert result.returncode != 0
    assert "not applied: " in result.stderr
    assert (root / "boot/livehost-provision.yaml").exists()
