"""Start a real nginx-rtmp ingest and a real mosquitto broker on loopback, for the demo and tests.

Configs are the templates in etc/dev/ (kept in the repo, not /etc); each server gets its
own working folder and a port chosen at run time, and is stopped (with its children)
when the `Server` is closed.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "etc" / "dev"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@dataclass
class Server:
    name: str
    port: int
    workdir: Path
    command: list[str]
    proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> Server:
        log = open(self.workdir / f"{self.name}.out", "ab")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        wait_for_port(self.port, timeout, self.proc)
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def kill(self) -> None:
        """Die like a crashed server: no goodbye to clients."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def pause(self) -> None:
        """SIGSTOP: the socket stays open but nothing answers (a hung link)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _fill(template: str, **values: object) -> str:
    text = (TEMPLATES / template).read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def nginx_rtmp(
    workdir: Path, port: int | None = None, record: bool = False, on_publish: str | None = None
) -> Server:
    """An nginx-rtmp server; publish to rtmp://127.0.0.1:PORT/live/KEY.

    `on_publish`: an HTTP URL nginx asks before each publish; a 2xx answer lets it on,
    a 4xx refuses it at the RTMP level with the TCP port still open (a platform that
    rejects the stream key, or an ingest in maintenance)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(RTMP_MODULE).exists():
        raise FileNotFoundError(f"{RTMP_MODULE} is missing: apt-get install libnginx-mod-rtmp")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "recordings").mkdir(exist_ok=True)
    port = port or free_port()
    config = workdir / "nginx.conf"
    text = _fill(
        "nginx-rtmp.conf.in",
        module=RTMP_MODULE,
        workdir=workdir,
        port=port,
        record="all" if record else "off",
        on_publish=f"on_publish {on_publish};" if on_publish else "",
    )
    config.write_text(text)
    command = [nginx, "-p", str(workdir), "-e", str(workdir / "nginx-error.log"), "-c", str(config)]
    return Server("nginx", port, workdir, command)


def mosquitto(workdir: Path, port: int | None = None) -> Server:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = workdir / "mosquitto.conf"
    user = getpass.getuser()  # as root, mosquitto would drop to a user who cannot write here
    config.write_text(_fill("mosquitto.conf.in", workdir=workdir, port=port, user=user))
    return Server("mosquitto", port, workdir, [binary, "-c", str(config)])
