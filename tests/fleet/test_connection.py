"""Broker settings: URLs, and a daemon's config plus secrets turned into TLS and login."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest
import yaml
from tests.onair.daemon_helpers import REPO, write_setup

from livehost.config.device import load_config
from livehost.fleet.agent import FleetAgent, start_for_show
from livehost.fleet.connection import BrokerSettings


def test_broker_urls():
    assert BrokerSettings.from_url("mqtt://broker") == BrokerSettings("broker", 1883)
    tls = BrokerSettings.from_url("mqtts://broker.example.com")
    assert (tls.port, tls.tls, tls.url) == (8883, True, "mqtts://broker.example.com:8883")
    assert BrokerSettings.from_url("mqtt://127.0.0.1:1999/").port == 1999
    for bad in ("http://broker", "broker:1883", "mqtt://"):
        with pytest.raises(ValueError):
            BrokerSettings.from_url(bad)


def test_the_daemon_config_and_secrets_become_tls_and_login(tmp_path):
    config_path = write_setup(tmp_path)
    data = yaml.safe_load(config_path.read_text())
    data["mqtt"] = {
        "url": "mqtts://broker.example.com:8883",
        "username": "test-unit",
        "password_secret": "mqtt_password",
        "ca_file": "certs/ca.crt",
        "cert_file": "certs/test-unit.crt",
        "key_secret": "mqtt_key",
        "home_assistant": True,
    }
    config_path.write_text(yaml.safe_dump(data))
    certs = tmp_path / "certs"
    make_certs = REPO / "etc" / "mosquitto" / "make-certs.sh"
    subprocess.run([str(make_certs), str(certs), "broker.example.com", "test-unit"], check=True)
    key = certs / "test-unit.key"
    (tmp_path / "secrets.yaml").write_text(f"mqtt_password: s3cret\nmqtt_key: {key}\n")
    (tmp_path / "secrets.yaml").chmod(0o600)
    loaded = load_config(config_path)
    door = SimpleNamespace(
        schedules=SimpleNamespace(state_dir=tmp_path), add_sink=lambda s: None, audience=None
    )
    agent = FleetAgent.for_show(door, loaded, loaded.config.mqtt.url)
    s = agent.settings
    assert (s.host, s.port, s.tls, s.username, s.password) == (
        "broker.example.com",
        8883,
        True,
        "test-unit",
        "s3cret",
    )
    assert s.ca_file == str(tmp_path / "certs" / "ca.crt")  # relative to the config file
    assert s.cert_file == str(tmp_path / "certs" / "test-unit.crt")
    assert s.key_file == str(key)
    assert agent.topics.base == "livehost/test-site/test-unit"
    assert agent.config.home_assistant

    # a certificate that is not there: logged, and the show goes on without the agent
    key.unlink()
    stop = start_for_show(door, loaded, loaded.config.mqtt.url)
    stop()  # a no-op, not an exception


def test_livehost_run_refuses_a_malformed_broker_url(tmp_path):
    config = write_setup(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "livehost", "run", "--config", str(config), "--mqtt", "tcp://x"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "--mqtt" in result.stderr
