"""The systemd units: `systemd-analyze verify` with any output a failure, the hardening
exposure under a ceiling, and the tmpfiles/sysusers files applied to a scratch root.

verify runs with --root on the tree `make install-files DESTDIR=...` lays out, plus
the host's own units (for the targets ours order against). The venv is the one part
of the tree not built here; a copy of this checkout's `livehost` entry point stands
in for it (the slow image test verifies against the real one).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = [
    "livehost.service",
    "livehost-engines.service",
    "livehost-provision.service",
    "livehost-llm.service",
    "livehost-bridge@test.service",  # a template: verified as an instance
]
# Recorded with systemd 252: livehost 1.6, engines 0.7, provision 1.9, llm 1.4. Ceilings leave
# room for one small, deliberate loosening; anything more should be a decision.
EXPOSURE_CEILING = {
    "livehost.service": 1.8,
    "livehost-engines.service": 1.0,
    "livehost-provision.service": 2.2,
    "livehost-llm.service": 1.6,  # recorded 1.4: loopback only, no privileges
    "livehost-bridge@test.service": 1.5,  # recorded 1.3: a dynamic user, no devices
}

pytestmark = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed"
)


def install_tree(root: Path) -> None:
    subprocess.run(
        ["make", "-s", "-C", str(REPO), "install-files", f"DESTDIR={root}"],
        check=True, capture_output=True,
    )


def host_units_into(root: Path) -> None:
    # usr-merged layout, as on Debian 12 and Ubuntu 22.04
    for name in ("bin", "lib"):
        (root / name).symlink_to(f"usr/{name}")
    units = root / "usr/lib/systemd/system"
    for unit in Path("/usr/lib/systemd/system").iterdir():
        if not (units / unit.name).exists() and not unit.is_dir():
            shutil.copy(unit, units / unit.name, follow_symlinks=True)
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    shutil.copy(shutil.which("kill") or "/bin/kill", root / "usr/bin/kill")


@pytest.fixture(scope="module")
def unit_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    install_tree(root)
    host_units_into(root)
    venv_bin = root / "opt/livehost/venv/bin"
    venv_bin.mkdir(parents=True)
    for command in ("livehost", "livehost-bridge"):
        shutil.copy(Path(sys.executable).with_name(command), venv_bin / command)
    return root


def verify(root: Path, unit: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", f"/usr/lib/systemd/system/{unit}"],
        capture_output=True, text=True,
    )


@pytest.mark.parametrize("unit", UNITS)
def test_unit_verifies_without_a_word(unit_root, unit):
    result = verify(unit_root, unit)
    # verify exits 0 on settings it ignores; its output is the real verdict.
    assert (result.stdout + result.stderr).strip() == ""
    assert result.returncode == 0


def test_verify_would_catch_a_mistake(unit_root):
    unit = unit_root / "usr/lib/systemd/system/livehost.service"
    original = unit.read_text()
    try:
        unit.write_text(original.replace("ProtectHome=yes", "ProtectHome=yes\nProtectHomes=yes"))
        assert "Unknown key 'ProtectHomes'" in verify(unit_root, "livehost.service").stderr
        unit.write_text(original.replace("ExecStart=/opt/livehost/venv", "ExecStart=/opt/lh/venv"))
        assert "is not executable" in verify(unit_root, "livehost.service").stderr
    finally:
        unit.write_text(original)


def template(unit: str) -> str:
    """The file of a unit: livehost-bridge@test.service is livehost-bridge@.service."""
    name, at, rest = unit.partition("@")
    return f"{name}@{rest[rest.index('.'):]}" if at else unit


def exposure(unit: str) -> float:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(REPO / "systemd" / template(unit))],
        capture_output=True, text=True,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


@pytest.mark.parametrize("unit", UNITS)
def test_exposure_stays_under_its_ceiling(unit):
    value = exposure(unit)
    print(f"{unit}: exposure {value}")
    assert value <= EXPOSURE_CEILING[unit] < 3.0


def test_daemon_unit_keeps_the_settings_jetpack_6_needs():
    text = (REPO / "systemd" / "livehost.service").read_text()
    settings = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#"
    )
    assert settings["Type"] == "notify"  # not notify-reload: systemd 249 lacks it
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert settings["NotifyAccess"] == "main"
    assert int(settings["RestartSec"]) >= 5
    assert settings["Restart"] == "on-failure"
    assert settings["User"] == "livehost" and settings["SupplementaryGroups"] == "video"
    assert "PrivateDevices" not in settings  # it would hide the GPU
    # a start limit would end in dead air (or, with StartLimitAction=reboot, in a reboot
    # loop into the same failure): the daemon breaks its own crash loops
    assert settings["StartLimitIntervalSec"] == "0"
    assert "StartLimitAction" not in settings


def test_the_drafting_server_runs_at_the_lowest_priority():
    """Drafting during a show must never cost the show a frame."""
    text = (REPO / "systemd" / "livehost-llm.service").read_text()
    settings = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#"
    )
    assert settings["Nice"] == "19" and settings["CPUSchedulingPolicy"] == "idle"
    assert settings["IOSchedulingClass"] == "idle"
    assert "--host 127.0.0.1" in settings["ExecStart"]
    assert "[Install]" not in text  # started by staff when they draft, not at boot


def test_sysusers_creates_the_user_in_group_video(tmp_path):
    tool = shutil.which("systemd-sysusers")
    if tool is None:
        pytest.skip("systemd-sysusers not installed")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\nvideo:x:44:\n")
    conf = REPO / "systemd" / "livehost.sysusers"
    subprocess.run([tool, f"--root={tmp_path}", str(conf)], check=True, capture_output=True)
    passwd = (etc / "passwd").read_text()
    assert re.search(r"^livehost:x:\d+:\d+:livehost AI livestream host:/var/lib/livehost:", passwd,
                     re.M)
    assert re.search(r"^video:x:44:livehost$", (etc / "group").read_text(), re.M)


def test_tmpfiles_makes_empty_credentials_and_keeps_filled_ones(tmp_path):
    tool = shutil.which("systemd-tmpfiles")
    if tool is None:
        pytest.skip("systemd-tmpfiles not installed")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text("root:x:0:0::/root:/bin/sh\nlivehost:x:990:990::/:/bin/false\n")
    (etc / "group").write_text("root:x:0:\nlivehost:x:990:\n")
    conf = REPO / "systemd" / "livehost.tmpfiles"
    creds = etc / "livehost/credentials"
    run = [tool, "--create", f"--root={tmp_path}", str(conf)]
    subprocess.run(run, check=True, capture_output=True)
    assert (creds / "main_stream_key").read_text() == ""
    assert oct((creds / "main_stream_key").stat().st_mode & 0o777) == "0o600"
    assert oct(creds.stat().st_mode & 0o777) == "0o700"
    assert (tmp_path / "var/cache/livehost/engines").stat().st_uid == 990
    (creds / "main_stream_key").write_text("live_123\n")
    subprocess.run(run, check=True, capture_output=True)
    assert (creds / "main_stream_key").read_text() == "live_123\n"


def test_install_keeps_an_edited_config(tmp_path):
    install_tree(tmp_path)
    config = tmp_path / "etc/livehost/livehost.yaml"
    config.write_text(config.read_text().replace("demo-unit-01", "shop-0042"))
    install_tree(tmp_path)
    assert "shop-0042" in config.read_text()
    assert (tmp_path / "opt/livehost/bin/livehost-provision").stat().st_mode & 0o111
    assert (tmp_path / "etc/livehost/credentials").stat().st_mode & 0o777 == 0o700
