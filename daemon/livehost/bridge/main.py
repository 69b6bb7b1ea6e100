"""`livehost-bridge`: a platform's live chat in, audience events out to the broker.

    livehost-bridge twitch --channel NAME --target SITE/UNIT|SITE/all --mqtt mqtt(s)://HOST:PORT
        [--irc ircs://irc.chat.twitch.tv:6697] [--nick NAME] [--token-file FILE]
        [--username NAME] [--password-file FILE] [--ca-file ...] [--buffer N] [-v]

Without a token (no --token-file, or an empty one) the bridge logs in read-only as
`justinfan<digits>`, which Twitch lets anyone do to read a channel's chat. With a token
(`oauth:...` or the bare token) --nick must be the login of the account it belongs to.
Runs until SIGTERM or SIGINT (SIGHUP, systemd's reload, changes nothing: there is nothing
to reload); exits 2 on a bad command line.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from livehost.bridge.irc import Backoff, IrcClient, IrcServer, Message, random_digits
from livehost.bridge.publish import AudiencePublisher, audience_topic
from livehost.bridge.twitch import TwitchMapper
from livehost.fleet.connection import BrokerSettings
from livehost.system.logging import setup_logging
from livehost.system.notify import Notifier
from livehost.system.signals import ServiceSignals

log = logging.getLogger("livehost.bridge")

TWITCH_IRC = "ircs://irc.chat.twitch.tv:6697"
TWITCH_CAPS = ("twitch.tv/tags", "twitch.tv/commands")
_CHANNEL = re.compile(r"^[a-z0-9_]{1,25}$")  # Twitch logins: letters, digits, underscore
_ANONYMOUS = re.compile(r"^justinfan[0-9]{1,20}$")
STATS_EVERY = 60.0


class UsageError(Exception):
    pass


def read_secret(path: str | None) -> str | None:
    """A secret file's content without surrounding whitespace; None if empty or absent."""
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return text or None


def anonymous_nick() -> str:
    return "justinfan" + random_digits(8)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livehost-bridge", description="Live chat of a platform -> livehost audience events."
    )
    sub = parser.add_subparsers(dest="platform", required=True)
    tw = sub.add_parser("twitch", help="Twitch chat over IRC (TMI)")
    tw.add_argument("--channel", required=True, help="the channel's login name, e.g. myshop")
    tw.add_argument("--target", required=True, help="SITE/UNIT or SITE/all")
    tw.add_argument("--mqtt", required=True, help="mqtt://HOST:PORT or mqtts://HOST:PORT")
    tw.add_argument("--irc", default=TWITCH_IRC, help=f"IRC server (default {TWITCH_IRC})")
    tw.add_argument("--nick", help="login name (required with a token; else justinfan<digits>)")
    tw.add_argument("--token-file", help="file with the chat token (oauth:...); empty = anonymous")
    tw.add_argument("--irc-ca-file", help="CA bundle for ircs:// (default: the system's)")
    tw.add_argument("--username", help="broker user name")
    tw.add_argument("--password-file", help="file with the broker password")
    tw.add_argument("--ca-file", help="CA bundle for mqtts://")
    tw.add_argument("--cert-file", help="client certificate for mqtts://")
    tw.add_argument("--key-file", help="client key for mqtts://")
    tw.add_argument("--client-id", help="MQTT client id (default: livehost-bridge-twitch-...)")
    tw.add_argument("--buffer", type=int, default=1000, help="events kept while the broker is away")
    tw.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


@dataclass(frozen=True)
class TwitchSettings:
    """What the Twitch bridge needs, checked."""

    channel: str  # the login name, lower case, no #
    topic: str
    server: IrcServer
    broker: BrokerSettings
    nick: str
    token: str | None  # "oauth:..."; None when anonymous
    anonymous: bool


def twitch_settings(args: argparse.Namespace) -> TwitchSettings:
    """Checks the command line; returns what the Twitch bridge needs. UsageError if wrong."""
    channel = args.channel.lower().lstrip("#")
    if not _CHANNEL.match(channel):
        raise UsageError(f"channel '{args.channel}' is not a Twitch login name")
    try:
        topic = audience_topic(args.target)
        server = IrcServer.from_url(args.irc)
        password = read_secret(args.password_file)
        broker = BrokerSettings.from_url(
            args.mqtt,
            username=args.username,
            password=password if args.username else None,
            ca_file=args.ca_file,
            cert_file=args.cert_file,
            key_file=args.key_file,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if password and not args.username:
        log.warning("a broker password without --username is not used")
    if args.buffer < 1:
        raise UsageError("--buffer must be at least 1")
    token = read_secret(args.token_file)
    if token:
        if not args.nick:
            raise UsageError("--nick is required with a token: the login the token belongs to")
        nick = args.nick.lower()
        token = token if token.startswith("oauth:") else "oauth:" + token
        anonymous = False
    else:
        if args.nick and not _ANONYMOUS.match(args.nick):
            raise UsageError("without a token the nick must be justinfan<digits> (read-only)")
        nick = args.nick or anonymous_nick()
        anonymous = True
    return TwitchSettings(channel, topic, server, broker, nick, token, anonymous)


def run_twitch(args: argparse.Namespace, stop: threading.Event) -> int:
    try:
        cfg = twitch_settings(args)
    except UsageError as exc:
        print(f"livehost-bridge: {exc}", file=sys.stderr)
        return 2
    notifier = Notifier.from_env()
    channel = cfg.channel
    mapper = TwitchMapper(channel)
    publisher = AudiencePublisher(
        cfg.broker,
        cfg.topic,
        client_id=args.client_id or f"livehost-bridge-twitch-{channel}-{random_digits(6)}",
        buffer=args.buffer,
    )
    last_stats = time.monotonic()
    irc_state = {"text": "starting"}

    def on_message(msg: Message) -> None:
        if msg.command == "NOTICE":  # not chat; the server's (bans, suspended channels) logged
            if msg.source and "!" not in msg.source:
                log.info("IRC notice %s: %s", msg.tags.get("msg-id", "-"), msg.trailing[:200])
            return
        try:
            candidates = mapper.map(msg)
        except Exception:  # one odd line must not take the bridge down
            mapper.counts["failed"] += 1
            log.warning("could not map a %s line", msg.command, exc_info=True)
            return
        for candidate in candidates:
            publisher.offer(candidate)

    def status_line() -> str:
        s = publisher.stats
        return (
            f"#{channel}: {irc_state['text']}; mqtt {'up' if publisher.connected else 'down'}; "
            f"{s.published} published, {publisher.queued} queued, {s.invalid} invalid, "
            f"{s.overflow} dropped"
        )

    def on_status(text: str) -> None:
        irc_state["text"] = text
        notifier.status(status_line())

    last_watchdog = 0.0
    last_status = ""

    def on_tick() -> None:  # at least once a second, and after every read: rate-limited
        nonlocal last_stats, last_watchdog, last_status
        now = time.monotonic()
        if now - last_watchdog >= 1.0:
            last_watchdog = now
            notifier.watchdog()
            line = status_line()  # the broker coming and going shows within a second
            if line != last_status:
                last_status = line
                notifier.status(line)
        if now - last_stats >= STATS_EVERY:
            last_stats = now
            c = client.stats
            log.info(
                "%s; irc connects %d, pings answered %d",
                status_line(),
                c.connects,
                c.pings_answered,
            )  # the status itself: pushed above whenever it changes

    client = IrcClient(
        cfg.server,
        cfg.nick,
        on_message=on_message,
        channels=[channel],
        password=cfg.token,
        caps=TWITCH_CAPS,
        nick_factory=anonymous_nick if cfg.anonymous else None,
        on_status=on_status,
        on_tick=on_tick,
        ca_file=args.irc_ca_file,
        backoff=Backoff(1.0, 60.0),
    )
    log.info(
        "Twitch #%s (%s) -> %s on %s",
        channel,
        "anonymous, read-only" if cfg.anonymous else f"as {cfg.nick}",
        cfg.topic,
        cfg.broker.url,
    )
    publisher.start()
    notifier.ready(status_line())
    try:
        client.run(stop)
    finally:
        notifier.stopping()
        publisher.stop()
        s = publisher.stats
        log.info(
            "stopped: %d events published, %d invalid, %d dropped, %d refused by the broker",
            s.published,
            s.invalid,
            s.overflow,
            s.refused,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    logging.getLogger("paho").setLevel(logging.WARNING)
    # SIGTERM and SIGINT stop; SIGHUP only sets a reload flag nobody needs (its default
    # action would kill the bridge)
    signals = ServiceSignals().install()
    if args.platform == "twitch":
        code = run_twitch(args, signals.stop)
        if signals.stop_signal is not None:
            log.info("stopped by signal %d", signals.stop_signal)
        return code
    return 2  # argparse refuses other platforms first


if __name__ == "__main__":
    sys.exit(main())
