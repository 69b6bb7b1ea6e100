"""IRC for the bridges: lines with IRCv3 message tags, and a small client that stays on.

Parsing follows RFC 1459/2812 for the line and the IRCv3 message-tags specification for
the `@key=value;...` part in front of it (Twitch's TMI sends one on every PRIVMSG and
USERNOTICE once `twitch.tv/tags` is granted). Bytes off the wire are UTF-8; a line that
is not valid UTF-8 is decoded with U+FFFD in place of the bad bytes, never refused.

The client speaks only what a reader needs: CAP REQ (then CAP END, so servers that
negotiate capabilities finish registration), PASS/NICK/USER, JOIN, PING/PONG, QUIT.
It reconnects by itself, with exponential backoff, after a closed or dead connection,
an ERROR from the server, or a Twitch RECONNECT (that one at once).
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

# Twitch allows 8191 bytes of tags plus the classic 512 for the rest; anything longer
# than this is not chat and is skipped up to its newline.
MAX_LINE = 16 * 1024

_TAG_UNESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_TAG_ESCAPES = {";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"}


class IrcError(Exception):
    """The connection cannot go on (the server said so, or the link is dead)."""


class AuthError(IrcError):
    """The server refused our login (wrong or expired token): retrying soon will not help."""


# -- lines ------------------------------------------------------------------------------


def unescape_tag_value(raw: str) -> str:
    """IRCv3 tag value escaping undone: \\: \\s \\\\ \\r \\n; any other escaped character
    stands for itself, and a lone backslash at the end is dropped."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, None)
        if nxt is None:
            break  # trailing backslash: dropped
        out.append(_TAG_UNESCAPES.get(nxt, nxt))
    return "".join(out)


def escape_tag_value(value: str) -> str:
    return "".join(_TAG_ESCAPES.get(char, char) for char in value)


def parse_tags(raw: str) -> dict[str, str]:
    """`key=value;key2;key3=` -> dict; a key without a value maps to ""; the last of
    repeated keys wins; empty entries are skipped."""
    tags: dict[str, str] = {}
    for item in raw.split(";"):
        if not item:
            continue
        key, _, value = item.partition("=")
        if key:
            tags[key] = unescape_tag_value(value)
    return tags


@dataclass(frozen=True)
class Message:
    """One IRC line: tags, source (`nick!user@host` or a server name), command, params."""

    command: str
    params: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None

    @property
    def nick(self) -> str | None:
        if not self.source:
            return None
        return self.source.split("!", 1)[0].split("@", 1)[0]

    @property
    def trailing(self) -> str:
        """The last parameter (the text of a PRIVMSG), or ""."""
        return self.params[-1] if self.params else ""


def decode_line(raw: bytes) -> str:
    """Wire bytes of one line (without its newline) as text; bad UTF-8 becomes U+FFFD."""
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    return raw.decode("utf-8", errors="replace")


def parse_line(line: str) -> Message | None:
    """A decoded line as a Message; None for a blank line or one without a command."""
    line = line.rstrip("\r\n")
    rest = line.lstrip(" ")
    tags: dict[str, str] = {}
    if rest.startswith("@"):
        raw_tags, _, rest = rest[1:].partition(" ")
        tags = parse_tags(raw_tags)
        rest = rest.lstrip(" ")
    source = None
    if rest.startswith(":"):
        source, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")
    command, _, rest = rest.partition(" ")
    if not command:
        return None
    params: list[str] = []
    while rest:
        rest = rest.lstrip(" ")
        if not rest:
            break
        if rest.startswith(":"):
            params.append(rest[1:])
            break
        param, _, rest = rest.partition(" ")
        params.append(param)
    return Message(command.upper(), tuple(params), tags, source or None)


def format_line(command: str, *params: str) -> bytes:
    """An outgoing line with CRLF. Only the last parameter may hold spaces or start with
    ':'; no parameter may hold CR, LF or NUL (they would end or corrupt the line)."""
    for part in (command, *params):
        if any(bad in part for bad in ("\r", "\n", "\0")):
            raise ValueError("an IRC line cannot hold CR, LF or NUL")
    if not command or " " in command:
        raise ValueError(f"bad IRC command {command!r}")
    words = [command]
    for index, param in enumerate(params):
        last = index == len(params) - 1
        if last and (not param or " " in param or param.startswith(":")):
            words.append(":" + param)
        elif not param or " " in param or param.startswith(":"):
            raise ValueError(f"IRC middle parameter {param!r} is empty, has a space or a ':'")
        else:
            words.append(param)
    return (" ".join(words) + "\r\n").encode("utf-8")


class LineReader:
    """Bytes in, complete lines out; a line longer than MAX_LINE is skipped whole."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buffer = bytearray()
        self._skipping = False
        self.too_long = 0

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        lines: list[bytes] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > self.max_line:
                    if not self._skipping:
                        self.too_long += 1
                    self._skipping = True
                    self._buffer.clear()
                return lines
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._skipping:  # the tail of an over-long line
                self._skipping = False
                continue
            if len(line) > self.max_line:
                self.too_long += 1
                continue
            lines.append(line)


# -- client -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IrcServer:
    host: str
    port: int
    tls: bool

    @classmethod
    def from_url(cls, url: str) -> IrcServer:
        parts = urlsplit(url)
        if parts.scheme not in ("irc", "ircs") or not parts.hostname:
            raise ValueError(f"IRC URL '{url}' is not irc://HOST[:PORT] or ircs://HOST[:PORT]")
        tls = parts.scheme == "ircs"
        return cls(parts.hostname, parts.port or (6697 if tls else 6667), tls)

    @property
    def url(self) -> str:
        return f"{'ircs' if self.tls else 'irc'}://{self.host}:{self.port}"


@dataclass
class Backoff:
    """Seconds to wait before reconnect attempt n: min·2ⁿ up to max, ±20 % jitter."""

    minimum: float = 1.0
    maximum: float = 60.0
    jitter: float = 0.2
    attempt: int = 0

    def next(self) -> float:
        delay = min(self.maximum, self.minimum * (2**self.attempt))
        self.attempt = min(self.attempt + 1, 30)
        return delay * (1 + random.uniform(-self.jitter, self.jitter))

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class ClientStats:
    connects: int = 0  # TCP (and TLS) connections made
    registered: int = 0  # of them, how many got as far as the welcome (001)
    disconnects: int = 0
    pings_answered: int = 0
    lines: int = 0
    too_long: int = 0


class IrcClient:
    """Connects, registers, joins `channels`, hands every other line to `on_message`.

    `run(stop)` blocks until `stop` is set, reconnecting as needed. Callbacks run on the
    thread that called run(). `nick_factory`, when given, makes a fresh nick after a
    433 (nick in use) during registration; without it a taken nick ends the attempt.
    """

    def __init__(
        self,
        server: IrcServer,
        nick: str,
        *,
        on_message: Callable[[Message], None],
        channels: Iterable[str] = (),
        password: str | None = None,
        caps: Iterable[str] = (),
        nick_factory: Callable[[], str] | None = None,
        on_status: Callable[[str], None] | None = None,
        on_tick: Callable[[], None] | None = None,
        ca_file: str | None = None,
        backoff: Backoff | None = None,
        auth_backoff: float = 300.0,
        idle_ping: float = 60.0,
        pong_timeout: float = 20.0,
        register_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        stable_after: float = 10.0,
        tick: float = 1.0,
    ) -> None:
        self.server = server
        self.nick = nick
        self.password = password
        self.channels = tuple(c if c.startswith(("#", "&")) else "#" + c for c in channels)
        self.caps = tuple(caps)
        self.on_message = on_message
        self.on_status = on_status or (lambda text: None)
        self.on_tick = on_tick or (lambda: None)
        self.nick_factory = nick_factory
        self.ca_file = ca_file
        self.backoff = backoff or Backoff()
        self.auth_backoff = auth_backoff
        self.idle_ping = idle_ping
        self.pong_timeout = pong_timeout
        self.register_timeout = register_timeout
        self.connect_timeout = connect_timeout
        self.stable_after = stable_after
        self.tick = tick
        self.stats = ClientStats()
        self.joined: set[str] = set()
        self._sock: socket.socket | None = None
        self._registered_at: float | None = None
        self._send_lock = threading.Lock()

    # -- the loop ------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        last_asked = -1e9  # when the server last asked us to reconnect (RECONNECT)
        while not stop.is_set():
            again_now = False
            delay: float | None = None
            self._registered_at = None
            try:
                sock = self._connect()
            except OSError as exc:
                self.on_status(f"cannot connect to {self.server.url}: {exc}")
                log.warning("IRC: cannot connect to %s: %s", self.server.url, exc)
            else:
                try:
                    again_now = self._session(sock, stop)
                except AuthError as exc:
                    log.error("IRC: %s; retrying in %.0f s", exc, self.auth_backoff)
                    self.on_status(f"login refused: {exc}")
                    delay = self.auth_backoff
                except (OSError, IrcError) as exc:
                    log.warning("IRC: connection to %s lost: %s", self.server.url, exc)
                    self.on_status(f"disconnected: {exc}")
                finally:
                    self._close()
            if stop.is_set():
                break
            now = time.monotonic()
            if self._registered_at is not None and now - self._registered_at >= self.stable_after:
                self.backoff.reset()
            if again_now and now - last_asked >= self.stable_after:
                delay = 0.0  # at once, but not in a loop if the server keeps asking
                last_asked = now
            elif delay is None:
                delay = self.backoff.next()
            if delay > 0:
                log.info("IRC: reconnecting in %.1f s", delay)
            self._wait(stop, delay)

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            stop.wait(min(left, self.tick))
            self.on_tick()

    def _connect(self) -> socket.socket:
        self.on_status(f"connecting to {self.server.url}")
        raw = socket.create_connection(
            (self.server.host, self.server.port), timeout=self.connect_timeout
        )
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock: socket.socket = raw
            if self.server.tls:
                context = ssl.create_default_context(cafile=self.ca_file)
                sock = context.wrap_socket(raw, server_hostname=self.server.host)
        except BaseException:
            raw.close()
            raise
        sock.settimeout(self.tick)
        self._sock = sock
        self.stats.connects += 1
        return sock

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        self.joined.clear()
        if sock is not None:
            self.stats.disconnects += 1
            with contextlib.suppress(OSError):
                sock.close()

    def send(self, command: str, *params: str) -> None:
        data = format_line(command, *params)
        with self._send_lock:
            if self._sock is None:
                raise IrcError("not connected")
            self._sock.sendall(data)

    def _session(self, sock: socket.socket, stop: threading.Event) -> bool:
        """One connection, until it ends; True when the server asked for a reconnect."""
        reader = LineReader()
        registered = False
        cap_pending = bool(self.caps)
        opened = last_data = time.monotonic()
        pinged = False
        if self.caps:
            self.send("CAP", "REQ", " ".join(self.caps))
        if self.password:
            self.send("PASS", self.password)
        self.send("NICK", self.nick)
        self.send("USER", self.nick, "0", "*", self.nick)
        while True:
            if stop.is_set():
                self._quit()
                return False
            self.on_tick()
            now = time.monotonic()
            if not registered and now - opened > self.register_timeout:
                raise IrcError(f"not registered after {self.register_timeout:.0f} s")
            silent = now - last_data
            if silent > self.idle_ping + self.pong_timeout:
                raise IrcError(f"nothing heard for {silent:.0f} s (dead link)")
            if silent > self.idle_ping and not pinged:
                self.send("PING", "keepalive")
                pinged = True
            try:
                data = sock.recv(65536)
            except (TimeoutError, ssl.SSLWantReadError):
                continue
            if not data:
                raise IrcError("the server closed the connection")
            last_data, pinged = time.monotonic(), False
            skipped = reader.too_long
            lines = reader.feed(data)
            self.stats.too_long += reader.too_long - skipped
            for raw in lines:
                msg = parse_line(decode_line(raw))
                if msg is None:
                    continue
                self.stats.lines += 1
                outcome = self._handle(msg, registered, cap_pending)
                if outcome == "registered":
                    registered = True
                    self._registered_at = time.monotonic()
                    self.stats.registered += 1
                    log.info("IRC: registered on %s as %s", self.server.url, self.nick)
                    self.on_status(f"registered on {self.server.url} as {self.nick}")
                    for channel in self.channels:
                        self.send("JOIN", channel)
                elif outcome == "cap-done":
                    cap_pending = False
                elif outcome == "reconnect":
                    log.info("IRC: the server asked us to reconnect")
                    self.on_status("server asked to reconnect")
                    return True

    def _handle(self, msg: Message, registered: bool, cap_pending: bool) -> str | None:
        command = msg.command
        if command == "PING":
            self.send("PONG", *(msg.params or ("pong",)))
            self.stats.pings_answered += 1
            log.debug("IRC: PING answered")
            return None
        if command == "PONG":
            return None
        if command == "CAP" and len(msg.params) >= 2 and msg.params[1] in ("ACK", "NAK"):
            if msg.params[1] == "NAK":
                log.info("IRC: the server refused capabilities: %s", msg.trailing)
            else:
                log.info("IRC: capabilities granted: %s", msg.trailing)
            if cap_pending and not registered:
                self.send("CAP", "END")
            return "cap-done"
        if command == "001":
            if msg.params:
                self.nick = msg.params[0]
            return "registered"
        if command in ("432", "433", "436") and not registered:
            if self.nick_factory is None:
                raise IrcError(f"nick {self.nick} refused ({command})")
            self.nick = self.nick_factory()
            log.info("IRC: nick taken; trying %s", self.nick)
            self.send("NICK", self.nick)
            return None
        if command == "464":
            raise AuthError("the server refused the password")
        if command == "NOTICE" and not registered and _is_login_failure(msg.trailing):
            raise AuthError(msg.trailing)
        if command == "RECONNECT":
            return "reconnect"
        if command == "ERROR":
            if not registered and "password" in msg.trailing.lower():
                raise AuthError(msg.trailing)  # ngircd: "Access denied: Bad password?"
            raise IrcError(f"server: {msg.trailing}")
        if command == "JOIN" and msg.nick and msg.nick.lower() == self.nick.lower():
            channel = (msg.params[0] if msg.params else "").lower()
            self.joined.add(channel)
            log.info("IRC: joined %s", channel)
            self.on_status(f"joined {channel}")
            return None
        if command == "PART" and msg.nick and msg.nick.lower() == self.nick.lower():
            self.joined.discard((msg.params[0] if msg.params else "").lower())
            return None
        self.on_message(msg)
        return None

    def _quit(self) -> None:
        with contextlib.suppress(OSError, IrcError):
            self.send("QUIT", "bridge stopping")


def _is_login_failure(text: str) -> bool:
    text = text.lower()
    return "authentication failed" in text or "improperly formatted auth" in text


def random_digits(count: int = 8) -> str:
    return "".join(random.choice("0123456789") for _ in range(count))
