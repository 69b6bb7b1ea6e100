"""A real IRC server for the bridge tests: ngircd on a free loopback port, its config
written at test time (apt-get install ngircd), and a small "chatter" IRC client.

ngircd runs in the foreground (`-n`), without PAM, DNS or ident look-ups, with flood
penalties off (`MaxPenaltyTime = 0`: a chatter that sends ten lines at once is not slowed
down) and nicks up to 31 characters (`justinfan` + digits is longer than RFC's 9).
Started as root it drops to user nobody by itself; it writes nothing to disk.

What ngircd 26 does not do: IRCv3 message tags. It answers CAP REQ for twitch.tv/tags
with NAK, and a line that starts with `@tags` is an unknown command (421) to it, so no
tag ever reaches the bridge through it. Tag parsing is tested on recorded Twitch lines.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

from livehost.devservers import Server, free_port

CONFIG = """\
[Global]
Name = irc.test.invalid
AdminInfo1 = livehost bridge tests
AdminInfo2 = loopback only
AdminEMail = nobody@invalid
Info = livehost test IRC server
Listen = 127.0.0.1
Ports = {port}
MotdPhrase = livehost test server
{password}
[Limits]
MaxNickLength = 31
MaxPenaltyTime = 0
MaxConnectionsIP = 0
MaxJoins = 0
PingTimeout = {ping_timeout}
PongTimeout = {pong_timeout}

[Options]
PAM = no
DNS = no
Ident = no
{ssl}
"""

SSL_SECTION = """
[SSL]
CertFile = {cert}
KeyFile = {key}
Ports = {port}
"""


def ngircd(
    workdir: Path,
    port: int | None = None,
    *,
    password: str | None = None,
    ping_timeout: int = 120,
    pong_timeout: int = 20,
    tls: tuple[int, Path, Path] | None = None,
) -> Server:
    """An ngircd listening on 127.0.0.1:PORT; `tls` = (port, cert, key) adds a TLS port.

    `password`: the server password every client must send with PASS (ngircd without
    PAM compares it as is): how the tests check the bridge's token login."""
    binary = shutil.which("ngircd") or "/usr/sbin/ngircd"
    if not Path(binary).exists():
        raise FileNotFoundError("ngircd is missing: apt-get install ngircd")
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    ssl_text = ""
    if tls is not None:
        tls_port, cert, key = tls
        ssl_text = SSL_SECTION.format(cert=cert, key=key, port=tls_port)
    config = workdir / "ngircd.conf"
    config.write_text(
        CONFIG.format(
            port=port,
            password=f"Password = {password}" if password else "",
            ping_timeout=ping_timeout,
            pong_timeout=pong_timeout,
            ssl=ssl_text,
        )
    )
    workdir.chmod(0o755)  # ngircd reads its config again as nobody on REHASH
    return Server("ngircd", port, workdir, [binary, "-n", "-f", str(config)])


def server_log(server: Server) -> str:
    path = server.workdir / f"{server.name}.out"
    return path.read_text(errors="replace") if path.exists() else ""


class Chatter:
    """A viewer at an IRC server: registers, joins, sends raw lines, answers PING, and
    keeps every line it receives (decoded with replacement)."""

    def __init__(
        self, port: int, nick: str = "chatter", password: str | None = None, timeout: float = 10
    ) -> None:
        self.nick = nick
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._closed = False
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.settimeout(0.2)
        if password:
            self.send_raw(f"PASS {password}".encode())
        self.send_raw(f"NICK {nick}".encode())
        self.send_raw(f"USER {nick} 0 * :{nick}".encode())
        self._thread = threading.Thread(target=self._read, name=f"chatter-{nick}", daemon=True)
        self._thread.start()
        self.wait_for(lambda line: f" 001 {nick} " in line, timeout)

    def _read(self) -> None:
        buffer = b""
        while not self._closed:
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, ssl.SSLWantReadError):
                continue
            except OSError:
                return
            if not data:
                return
            buffer += data
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                line = raw.rstrip(b"\r").decode("utf-8", "replace")
                if line.startswith("PING"):
                    self.send_raw(b"PONG" + raw.rstrip(b"\r")[4:])
                with self._lock:
                    self.lines.append(line)

    def send_raw(self, line: bytes) -> None:
        self.sock.sendall(line + b"\r\n")

    def say(self, channel: str, text: str | bytes) -> None:
        body = text.encode("utf-8") if isinstance(text, str) else text
        self.send_raw(b"PRIVMSG " + channel.encode() + b" :" + body)

    def wait_for(
        self, predicate: Callable[[str], bool], timeout: float = 10, since: int = 0
    ) -> str:
        """The first line from index `since` on that matches (waits for it to come)."""
        deadline = time.monotonic() + timeout
        seen = since
        while time.monotonic() < deadline:
            with self._lock:
                fresh = self.lines[seen:]
                seen = len(self.lines)
            for line in fresh:
                if predicate(line):
                    return line
            time.sleep(0.02)
        raise TimeoutError(f"{self.nick}: no matching line within {timeout} s")

    def join(self, channel: str) -> None:
        with self._lock:
            mark = len(self.lines)
        self.send_raw(f"JOIN {channel}".encode())
        self.wait_for(lambda line: f" 366 {self.nick} {channel} " in line, since=mark)

    def wait_for_member(self, channel: str, nick: str, timeout: float = 20) -> None:
        """Until `nick` is in `channel` (asks NAMES every half second)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                mark = len(self.lines)
            self.send_raw(f"NAMES {channel}".encode())
            try:
                self.wait_for(lambda line: f" 366 {self.nick} {channel} " in line, 2, mark)
            except TimeoutError:
                continue
            with self._lock:
                replies = [line for line in self.lines[mark:] if f" 353 {self.nick} " in line]
            names = {n.lstrip("~&@%+") for r in replies for n in r.rsplit(":", 1)[-1].split()}
            if nick in names:
                return
            time.sleep(0.5)
        raise TimeoutError(f"{nick} did not join {channel} within {timeout} s")

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.send_raw(b"QUIT :bye")
        self.sock.close()
        self._thread.join(2)
