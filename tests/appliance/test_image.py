"""The image recipe end to end on a Debian 12 root (slow; `make image-test`).

debootstrap makes a bookworm root, image/build-appliance.sh turns it into the appliance
(x86_64 and Python 3.11 here; aarch64 and 3.10 on a Jetson), then inside it (chroot):
`livehost check` as the livehost user, first-boot provisioning from /boot, the
hardware probe, and `systemd-analyze verify` against the real installed tree.
Needs root, debootstrap and Debian's mirror; downloaded .debs are kept in CACHE.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("LIVEHOST_IMAGE_CACHE", "/var/cache/livehost-image-test"))
MIRROR = os.environ.get("LIVEHOST_DEBIAN_MIRROR", "http://deb.debian.org/debian")
UNITS = ["livehost.service", "livehost-engines.service", "livehost-provision.service"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (debootstrap, chroot)"),
    pytest.mark.skipif(shutil.which("debootstrap") is None, reason="apt-get install debootstrap"),
]


def run(*cmd: str | Path, **kw) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def appliance(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bookworm")
    root.chmod(0o755)  # it becomes "/": the service user must be able to enter it
    (CACHE / "debs").mkdir(parents=True, exist_ok=True)
    run("debootstrap", "--variant=minbase", "--include=python3,systemd,util-linux",
        f"--cache-dir={CACHE / 'debs'}", "bookworm", root, MIRROR)
    # The committed HEAD is what gets built; LIVEHOST_IMAGE_WORKTREE=1 builds the work tree.
    worktree = ["--worktree"] if os.environ.get("LIVEHOST_IMAGE_WORKTREE") == "1" else []
    run("bash", REPO / "image/build-appliance.sh", "--rootfs", root, "--not-jetson", "--apt",
        "--arch", platform.machine(), "--python", "3.11", *worktree)
    yield root
    # /proc etc. were bind-mounted only during the build; nothing is left mounted.
    shutil.rmtree(root, ignore_errors=True)


def chroot(root: Path, *cmd: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    spec = [f"--userspec={user}:{user}"] if user else []
    return subprocess.run(["chroot", *spec, str(root), *cmd], capture_output=True, text=True,
                          env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/nonexistent"})


def test_livehost_check_runs_inside_as_the_service_user(appliance):
    result = chroot(appliance, "/opt/livehost/venv/bin/livehost", "check",
                    "--config", "/etc/livehost/livehost.yaml", user="livehost")
    assert result.returncode == 0, result.stdout + result.stderr


def test_tree_layout_and_ownership(appliance):
    passwd = (appliance / "etc/passwd").read_text()
    assert "livehost:" in passwd
    uid = int(next(ln for ln in passwd.splitlines() if ln.startswith("livehost:")).split(":")[2])
    for folder in ("var/lib/livehost", "var/cache/livehost", "var/log/livehost"):
        assert (appliance / folder).stat().st_uid == uid
    creds = appliance / "etc/livehost/credentials"
    assert creds.stat().st_mode & 0o777 == 0o700 and creds.stat().st_uid == 0
    assert (creds / "main_stream_key").exists()
    assert (appliance / "usr/bin/ffmpeg").exists()  # the RTMP relay runs it
    wants = appliance / "etc/systemd/system/multi-user.target.wants"
    assert (wants / "livehost.service").is_symlink()
    info = (appliance / "opt/livehost/BUILD-INFO").read_text()
    assert "livehost==0.1.0" in info and "pydantic==" in info


def test_provisioning_from_boot_then_check(appliance):
    (appliance / "boot").mkdir(exist_ok=True)
    (appliance / "boot/livehost-provision.yaml").write_text(
        "unit_id: shop-0042\nsite: harbour-road\ntimezone: Europe/Berlin\nstream_key: k1\n")
    result = chroot(appliance, "/opt/livehost/bin/livehost-provision")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (appliance / "boot/livehost-provision.yaml").exists()
    assert "id: \"shop-0042\"" in (appliance / "etc/livehost/livehost.yaml").read_text()
    check = chroot(appliance, "/opt/livehost/venv/bin/livehost", "check",
                   "--config", "/etc/livehost/livehost.yaml", user="livehost")
    assert check.returncode == 0, check.stdout + check.stderr


def test_hardware_probe_inside(appliance):
    result = chroot(appliance, "/opt/livehost/venv/bin/livehost", "hardware", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["jetson"] is False and data["encoder"]["engine"] == "pyav"
    # --apt installed GStreamer's tools: the gst-launch pipeline can run there
    assert data["gstreamer_launch"] is True and data["gstreamer_nvenc"] is False


@pytest.mark.parametrize("unit", UNITS)
def test_units_verify_against_the_installed_tree(appliance, unit):
    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={appliance}", f"/usr/lib/systemd/system/{unit}"],
        capture_output=True, text=True,
    )
    assert (result.stdout + result.stderr).strip() == "" and result.returncode == 0
