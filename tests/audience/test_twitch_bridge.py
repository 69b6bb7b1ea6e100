"""The Twitch bridge: IRC lines with IRCv3 tags -> audience events on MQTT.

Unit tests parse lines in the form Twitch's TMI sends them (tags and all). End-to-end
tests run `python -m livehost.bridge.main twitch` against a real ngircd and a real
mosquitto on loopback. ngircd relays no message tags (see tests/audience/ircserver.py),
so there the bridge sees plain PRIVMSGs and makes ids itself; a scripted TMI stand-in
(a few lines of socket code) covers what only Twitch sends: tagged lines and RECONNECT.
"""

# ruff: noqa: F811  (`broker` is the fleet suite's fixture, imported to be used by name)

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from tests.audience.ircserver import Chatter, ngircd, server_log
from tests.fleet.conftest import Recorder, broker, wait_until  # noqa: F401

from livehost.audience.events import AudienceEvent, parse_event
from livehost.bridge.irc import (
    Backoff,
    IrcClient,
    IrcServer,
    LineReader,
    decode_line,
    escape_tag_value,
    format_line,
    parse_line,
    parse_tags,
    unescape_tag_value,
)
from livehost.bridge.main import build_parser, twitch_settings
from livehost.bridge.publish import AudiencePublisher, audience_topic, validate
from livehost.bridge.twitch import TwitchMapper, unwrap_action
from livehost.devservers import Server, free_port
from livehost.fleet.connection import BrokerSettings

pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parents[2]
CHANNEL = "#shop"
BRIDGE_NICK = "justinfan4242"
TOPIC = "livehost/site-1/unit-a/audience"
CHINESE = "这个水壶多少钱？包邮吗 🫖🎉👍🏽 👨‍👩‍👧"

# Lines as Twitch's TMI sends them (the shapes of dev.twitch.tv/docs/irc examples, with
# our channel); the ids and numbers are made up.
TW_PRIVMSG = (
    "@badge-info=;badges=broadcaster/1;client-nonce=997dcf443c31e258c1d32a8da47b6936;"
    "color=#0000FF;display-name=abc;emotes=;first-msg=0;flags=0-6:S.7;"
    "id=eb24e920-8065-492a-8aea-266a00fc5126;mod=0;room-id=713936733;subscriber=0;"
    "tmi-sent-ts=1642786203573;turbo=0;user-id=713936733;user-type= "
    ":abc!abc@abc.tmi.twitch.tv PRIVMSG #shop :HeyGuys"
)
TW_CHINESE = (
    "@badge-info=;badges=;color=;display-name=小明\\s同学;emotes=;first-msg=1;flags=;"
    "id=2f2b8d3e-0c4b-4c1d-9a57-8f1e1b7f5a10;mod=0;returning-chatter=0;room-id=1;"
    "subscriber=0;tmi-sent-ts=1700000000123;turbo=0;user-id=424242;user-type= "
    f":xiaoming!xiaoming@xiaoming.tmi.twitch.tv PRIVMSG #shop :{CHINESE}"
)
TW_ACTION = (
    "@display-name=Abc;id=5a1b2c3d-0000-4000-8000-000000000001;tmi-sent-ts=1700000000200;"
    "user-id=713936733 :abc!abc@abc.tmi.twitch.tv PRIVMSG #shop :\x01ACTION waves 👋\x01"
)
TW_BITS = (
    "@badge-info=;badges=staff/1,bits/1000;bits=100;color=;display-name=ronni;emotes=;"
    "id=b34ccfc7-4977-403a-8a94-33c6bac34fb8;mod=0;room-id=12345678;subscriber=0;"
    "tmi-sent-ts=1507246572675;turbo=1;user-id=12345678;user-type=staff "
    ":ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #shop :cheer100 nice kettle"
)
TW_RESUB = (
    "@badge-info=;badges=staff/1,broadcaster/1,turbo/1;color=#008000;display-name=ronni;"
    "emotes=;id=db25007f-7a18-43eb-9379-80131e44d633;login=ronni;mod=0;msg-id=resub;"
    "msg-param-cumulative-months=6;msg-param-streak-months=2;"
    "msg-param-should-share-streak=1;msg-param-sub-plan=Prime;msg-param-sub-plan-name=Prime;"
    "room-id=12345678;subscriber=1;system-msg=ronni\\shas\\ssubscribed\\sfor\\s6\\smonths!;"
    "tmi-sent-ts=1507246572675;turbo=1;user-id=87654321;user-type=staff "
    ":tmi.twitch.tv USERNOTICE #shop :Great stream -- keep it up!"
)
TW_SUB = (
    "@badge-info=subscriber/0;badges=subscriber/0,premium/1;color=#2226B2;"
    "display-name=burago18;emotes=;flags=;id=229ecd51-1ec2-4dda-ae43-6ac4058a25a3;"
    "login=burago18;mod=0;msg-id=sub;msg-param-cumulative-months=1;msg-param-months=0;"
    "msg-param-should-share-streak=0;msg-param-sub-plan-name=Channel\\sSubscription\\s(shop);"
    "msg-param-sub-plan=1000;room-id=36476430;subscriber=1;"
    "system-msg=burago18\\ssubscribed\\sat\\sTier\\s1.;tmi-sent-ts=1574904233310;"
    "user-id=44812924;user-type= :tmi.twitch.tv USERNOTICE #shop"
)
TW_SUBGIFT = (
    "@badge-info=;badges=staff/1,premium/1;color=#0000FF;display-name=TWW2;emotes=;"
    "id=e9176cd8-5e22-4684-ad40-ce53c2561c5e;login=tww2;mod=0;msg-id=subgift;"
    "msg-param-months=1;msg-param-recipient-display-name=Mr_Woodchuck;"
    "msg-param-recipient-id=55554444;msg-param-recipient-name=mr_woodchuck;"
    "msg-param-sub-plan-name=House\\sof\\sNyoro~n;msg-param-sub-plan=1000;room-id=19571752;"
    "subscriber=0;system-msg=TWW2\\sgifted\\sa\\sTier\\s1\\ssub\\sto\\sMr_Woodchuck!;"
    "tmi-sent-ts=1521159445153;turbo=0;user-id=87654321;user-type=staff "
    ":tmi.twitch.tv USERNOTICE #shop"
)
TW_MYSTERY = (
    "@badge-info=;badges=;color=;display-name=Gifter;emotes=;flags=;"
    "id=6f1a-mystery;login=gifter;mod=0;msg-id=submysterygift;msg-param-mass-gift-count=5;"
    "msg-param-origin-id=de\\s1b;msg-param-sender-count=25;msg-param-sub-plan=1000;"
    "room-id=1;subscriber=1;system-msg=Gifter\\sis\\sgifting\\s5\\sTier\\s1\\sSubs!;"
    "tmi-sent-ts=1700000000300;user-id=777;user-type= :tmi.twitch.tv USERNOTICE #shop"
)
TW_MYSTERY_PART = (
    "@display-name=Gifter;id=6f1a-part-1;login=gifter;msg-id=subgift;"
    "msg-param-community-gift-id=1234567890;msg-param-recipient-id=9;"
    "msg-param-recipient-user-name=lucky;tmi-sent-ts=1700000000301;user-id=777 "
    ":tmi.twitch.tv USERNOTICE #shop"
)
TW_RAID = (
    "@badge-info=;badges=turbo/1;color=#9ACD32;display-name=TestChannel;emotes=;"
    "id=3d830f12-795c-447d-af3c-ea05e40fbddb;login=testchannel;mod=0;msg-id=raid;"
    "msg-param-displayName=TestChannel;msg-param-login=testchannel;"
    "msg-param-viewerCount=15;room-id=33332222;subscriber=0;"
    "system-msg=15\\sraiders\\sfrom\\sTestChannel\\shave\\sjoined\\n!;"
    "tmi-sent-ts=1507246572675;turbo=1;user-id=123456;user-type= "
    ":tmi.twitch.tv USERNOTICE #shop"
)
TW_ANNOUNCEMENT = (
    "@display-name=mod1;id=a-1;login=mod1;msg-id=announcement;tmi-sent-ts=1;user-id=5 "
    ":tmi.twitch.tv USERNOTICE #shop :Sale at noon"
)


def events_of(line: str, mapper: TwitchMapper | None = None) -> list[AudienceEvent]:
    message = parse_line(line)
    assert message is not None
    mapper = mapper or TwitchMapper("shop")
    return [validate(candidate)[0] for candidate in mapper.map(message)]


# -- lines and tags -----------------------------------------------------------------------


def test_tag_values_unescape_as_ircv3_says() -> None:
    assert unescape_tag_value(r"a\sb\:c\\d\re\nf") == "a b;c\\d\re\nf"
    assert unescape_tag_value(r"\b\x") == "bx"  # an unknown escape stands for the character
    assert unescape_tag_value("end\\") == "end"  # a lone trailing backslash is dropped
    assert unescape_tag_value("") == ""
    for value in ["a b;c\\d\r\n", "小明 🎉;", ""]:
        assert unescape_tag_value(escape_tag_value(value)) == value
    tags = parse_tags("a=1;b;c=;;twitch.tv/x=y;+client=z;a=2")
    assert tags == {"a": "2", "b": "", "c": "", "twitch.tv/x": "y", "+client": "z"}


def test_lines_parse_with_source_params_and_trailing() -> None:
    msg = parse_line(TW_PRIVMSG)
    assert msg is not None
    assert msg.command == "PRIVMSG" and msg.params == ("#shop", "HeyGuys")
    assert msg.nick == "abc" and msg.source == "abc!abc@abc.tmi.twitch.tv"
    assert msg.tags["flags"] == "0-6:S.7" and msg.tags["user-type"] == ""
    assert parse_line("PING :tmi.twitch.tv") == parse_line("PING :tmi.twitch.tv\r\n")
    ping = parse_line("PING :tmi.twitch.tv")
    assert ping is not None and ping.command == "PING" and ping.params == ("tmi.twitch.tv",)
    reconnect = parse_line(":tmi.twitch.tv RECONNECT")
    assert reconnect is not None and reconnect.command == "RECONNECT" and not reconnect.params
    cap = parse_line(":tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands")
    assert cap is not None and cap.params == ("*", "ACK", "twitch.tv/tags twitch.tv/commands")
    spaced = parse_line(":srv  001   nick  :hello  world ")
    assert spaced is not None and spaced.params == ("nick", "hello  world ")
    assert parse_line("") is None and parse_line("   ") is None and parse_line("@a=b ") is None
    numeric = parse_line(":irc.test 353 me = #shop :@op voice")
    assert numeric is not None and numeric.command == "353" and numeric.trailing == "@op voice"


def test_bad_utf8_is_replaced_not_fatal() -> None:
    line = decode_line(b":a!a@h PRIVMSG #shop :ok \xff\xfe \xe4\xbd bye\r")
    msg = parse_line(line)
    assert msg is not None and msg.trailing == "ok \ufffd\ufffd \ufffd bye"
    assert decode_line(CHINESE.encode()) == CHINESE


def test_line_reader_splits_and_skips_overlong_lines() -> None:
    reader = LineReader(max_line=20)
    assert reader.feed(b"PING :a\r\nPI") == [b"PING :a\r"]
    assert reader.feed(b"NG :b\n") == [b"PING :b"]
    assert reader.feed(b"x" * 50) == []  # too long, still no newline: dropped
    assert reader.feed(b"yyy\nPING :c\n") == [b"PING :c"]  # its tail is dropped too
    assert reader.feed(b"z" * 25 + b"\nok\n") == [b"ok"]
    assert reader.too_long == 2


def test_outgoing_lines_cannot_be_injected() -> None:
    assert format_line("PONG", "tmi.twitch.tv") == b"PONG tmi.twitch.tv\r\n"
    assert format_line("CAP", "REQ", "a b") == b"CAP REQ :a b\r\n"
    assert format_line("USER", "n", "0", "*", "n") == b"USER n 0 * n\r\n"
    assert format_line("PRIVMSG", "#c", ":)") == b"PRIVMSG #c ::)\r\n"
    for bad in ["a\r\nQUIT", "a\nb", "a\0b"]:
        with pytest.raises(ValueError):
            format_line("PRIVMSG", "#c", bad)
    with pytest.raises(ValueError):
        format_line("JOIN", "#a b", "x")


# -- Twitch -> events ---------------------------------------------------------------------


def test_privmsg_is_a_comment_with_twitch_ids() -> None:
    (event,) = events_of(TW_PRIVMSG)
    assert event.type == "comment" and event.platform == "twitch"
    assert event.id == "eb24e920-8065-492a-8aea-266a00fc5126"
    assert event.user is not None and (event.user.id, event.user.name) == ("713936733", "abc")
    assert event.text == "HeyGuys" and event.ts == pytest.approx(1642786203.573)


def test_chinese_and_emoji_survive_byte_exact() -> None:
    (event,) = events_of(TW_CHINESE)
    assert event.text.encode("utf-8") == CHINESE.encode("utf-8")
    assert event.user is not None and event.user.name == "小明 同学"
    payload = event.model_dump_json().encode("utf-8")
    assert parse_event(payload).text == CHINESE


def test_me_is_unwrapped_and_other_ctcp_skipped() -> None:
    (event,) = events_of(TW_ACTION)
    assert event.text == "waves 👋"
    assert unwrap_action("\x01ACTION hi") == "hi"  # no closing \x01: still an action
    assert unwrap_action("\x01VERSION\x01") is None
    assert events_of(":a!a@h PRIVMSG #shop :\x01VERSION\x01") == []


def test_bits_are_a_comment_and_a_gift() -> None:
    comment, gift = events_of(TW_BITS)
    assert comment.type == "comment" and comment.text == "cheer100 nice kettle"
    assert gift.type == "gift" and gift.text == "bits" and gift.count == 100
    assert gift.id == comment.id + ":bits" and gift.amount is None and gift.currency is None


def test_a_bad_number_tag_is_skipped_not_the_line() -> None:
    # "²" is a digit to str.isdigit() and not to int(); a 400-digit timestamp overflowed
    # the float of ts. Each lost the whole line's comment.
    (comment,) = events_of(TW_BITS.replace("bits=100;", "bits=²;"))
    assert comment.type == "comment" and comment.text == "cheer100 nice kettle"
    mapper = TwitchMapper("shop", clock=lambda: 1700000000.5)
    huge = TW_PRIVMSG.replace("tmi-sent-ts=1642786203573", "tmi-sent-ts=" + "9" * 400)
    (event,) = events_of(huge, mapper)
    assert event.text == "HeyGuys" and event.ts == 1700000000.5  # the time it arrived
    for bad in ["-5", "1e3", "１２", "\\s", "", "0x10"]:  # \\s: an escaped space
        (event,) = events_of(TW_PRIVMSG.replace("1642786203573", bad), mapper)
        assert event.ts == 1700000000.5, bad


def test_subscriptions_are_gifts() -> None:
    gift, shared = events_of(TW_RESUB)
    assert (gift.type, gift.text, gift.count) == ("gift", "subscription", 6)
    assert gift.user is not None and gift.user.id == "87654321" and gift.user.name == "ronni"
    assert (shared.type, shared.text) == ("comment", "Great stream -- keep it up!")
    assert shared.id == gift.id + ":msg"
    (sub,) = events_of(TW_SUB)
    assert (sub.type, sub.text, sub.count) == ("gift", "subscription", 1)


def test_gifted_subs_count_once() -> None:
    mapper = TwitchMapper("shop")
    (single,) = events_of(TW_SUBGIFT, mapper)
    assert (single.type, single.text, single.count) == ("gift", "gift subscription", 1)
    assert single.user is not None and single.user.name == "TWW2"  # the gifter, not the recipient
    (mystery,) = events_of(TW_MYSTERY, mapper)
    assert (mystery.type, mystery.count) == ("gift", 5)
    assert events_of(TW_MYSTERY_PART, mapper) == []  # one of the five: counted above
    assert mapper.counts["subgift-of-mystery"] == 1


def test_raid_is_a_join_with_the_viewer_count() -> None:
    (raid,) = events_of(TW_RAID)
    assert (raid.type, raid.count, raid.text) == ("join", 15, "raid")
    assert raid.user is not None and (raid.user.id, raid.user.name) == ("123456", "TestChannel")


def test_what_is_not_an_audience_event() -> None:
    mapper = TwitchMapper("shop")
    for line in [
        TW_ANNOUNCEMENT,
        ":tmi.twitch.tv ROOMSTATE #shop",
        ":justinfan1!justinfan1@justinfan1.tmi.twitch.tv JOIN #shop",
        ":viewer!viewer@viewer.tmi.twitch.tv PART #shop",
        "@target-user-id=1 :tmi.twitch.tv CLEARCHAT #shop :viewer",
        ":a!a@a.tmi.twitch.tv PRIVMSG #elsewhere :hi",
        ":a!a@a.tmi.twitch.tv PRIVMSG #shop :",
    ]:
        assert events_of(line, mapper) == [], line


def test_plain_privmsg_gets_a_made_up_id() -> None:
    mapper = TwitchMapper("shop", clock=lambda: 1700000000.5)
    first = events_of(":chatter!~chatter@127.0.0.1 PRIVMSG #shop :hi", mapper)[0]
    second = events_of(":chatter!~chatter@127.0.0.1 PRIVMSG #Shop :hi", mapper)[0]
    assert first.id == "irc-chatter-1700000000500-1" and second.id.endswith("-2")
    assert first.user is not None and first.user.id == "chatter" and first.ts == 1700000000.5


# -- publisher (no broker) ----------------------------------------------------------------


def _comment(n: int, **extra: object) -> dict:
    base = {"type": "comment", "id": f"m{n}", "platform": "twitch", "text": f"t{n}", "ts": 1.0}
    return {**base, **extra}


def test_invalid_events_are_dropped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    publisher = AudiencePublisher(BrokerSettings("127.0.0.1", 1), TOPIC)
    caplog.set_level("DEBUG", logger="livehost.bridge.publish")
    secret = "a very private comment " * 30  # over 500 characters
    assert publisher.offer(_comment(1, text=secret)) is False
    assert publisher.offer(_comment(2, user={"id": "", "name": "x"})) is False
    assert publisher.offer(_comment(3, extra="field")) is False
    assert publisher.offer(_comment(4, ts=float("nan"))) is False
    assert publisher.offer(_comment(5)) is True
    assert publisher.stats.invalid == 4 and publisher.queued == 1
    assert "private" not in caplog.text and "dropped a comment event" in caplog.text


def test_the_queue_is_bounded_oldest_out() -> None:
    publisher = AudiencePublisher(BrokerSettings("127.0.0.1", 1), TOPIC, buffer=5)
    for n in range(12):
        publisher.offer(_comment(n))
    assert publisher.queued == 5 and publisher.stats.overflow == 7
    kept = [json.loads(p)["id"] for p in publisher._queue]
    assert kept == ["m7", "m8", "m9", "m10", "m11"]


def test_targets_and_command_line() -> None:
    assert audience_topic("site-1/unit-a") == TOPIC
    assert audience_topic("site-1/all") == "livehost/site-1/all/audience"
    for bad in ["site-1", "site-1/+", "site-1/#", "a/b/c", "/unit", "Site/unit", "all"]:
        with pytest.raises(ValueError):
            audience_topic(bad)
    parse = build_parser().parse_args
    base = ["twitch", "--channel", "Shop", "--target", "site-1/all", "--mqtt", "mqtt://b:1883"]
    cfg = twitch_settings(parse(base))
    assert cfg.anonymous and cfg.nick.startswith("justinfan") and cfg.channel == "shop"
    assert cfg.server == IrcServer("irc.chat.twitch.tv", 6697, True) and cfg.token is None
    from livehost.bridge.main import UsageError

    with pytest.raises(UsageError):
        twitch_settings(parse([*base, "--nick", "shopbot"]))  # a nick needs a token
    with pytest.raises(UsageError):
        twitch_settings(parse([*base[:4], "nowhere", *base[5:]]))


def test_token_file(tmp_path: Path) -> None:
    from livehost.bridge.main import UsageError

    parse = build_parser().parse_args
    token = tmp_path / "token"
    base = ["twitch", "--channel", "shop", "--target", "s/u", "--mqtt", "mqtt://b"]
    token.write_text("abc123\n")
    cfg = twitch_settings(parse([*base, "--token-file", str(token), "--nick", "ShopBot"]))
    assert cfg.token == "oauth:abc123" and cfg.nick == "shopbot" and not cfg.anonymous
    with pytest.raises(UsageError):
        twitch_settings(parse([*base, "--token-file", str(token)]))  # whose token?
    token.write_text("")  # an empty file (systemd-tmpfiles made it): anonymous
    assert twitch_settings(parse([*base, "--token-file", str(token)])).anonymous
    with pytest.raises(UsageError):
        twitch_settings(parse([*base, "--token-file", str(tmp_path / "missing")]))


def test_backoff_doubles_to_its_cap() -> None:
    backoff = Backoff(1.0, 8.0, jitter=0)
    assert [backoff.next() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    backoff.reset()
    assert backoff.next() == 1


# -- a scripted TMI: tags on the wire, RECONNECT, login failure ----------------------------


class FakeTmi:
    """Accepts connections on loopback; answers registration like TMI, then runs
    `script(conn, number)` for each connection (number from 1)."""

    def __init__(self, script) -> None:
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[list[str]] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            lines: list[str] = []
            self.received.append(lines)
            threading.Thread(
                target=self._session, args=(conn, lines, len(self.received)), daemon=True
            ).start()

    def _session(self, conn: socket.socket, lines: list[str], number: int) -> None:
        with conn:
            file = conn.makefile("rb")
            for raw in file:
                line = raw.decode().rstrip("\r\n")
                lines.append(line)
                if line.startswith("NICK "):
                    nick = line.split()[1]
                    conn.sendall(b":tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands\r\n")
                    if not self.script(conn, number, nick):
                        return
                if line.startswith("JOIN "):
                    conn.sendall(f":{nick}!{nick}@{nick}.tmi.twitch.tv {line}\r\n".encode())
                    conn.sendall(TW_CHINESE.encode() + b"\r\n")
                    conn.sendall(b"PING :tmi.twitch.tv\r\n")
                    if number == 1:
                        conn.sendall(b":tmi.twitch.tv RECONNECT\r\n")

    def close(self) -> None:
        self.listener.close()


def _welcome(conn: socket.socket, number: int, nick: str) -> bool:
    conn.sendall(f":tmi.twitch.tv 001 {nick} :Welcome, GLHF!\r\n".encode())
    return True


def test_tagged_lines_ping_and_reconnect_against_a_scripted_tmi() -> None:
    tmi = FakeTmi(_welcome)
    got: list = []
    stop = threading.Event()
    mapper = TwitchMapper("shop")
    client = IrcClient(
        IrcServer("127.0.0.1", tmi.port, False),
        BRIDGE_NICK,
        on_message=lambda m: got.extend(mapper.map(m)),
        channels=["shop"],
        caps=("twitch.tv/tags", "twitch.tv/commands"),
        backoff=Backoff(5.0, 5.0),  # a RECONNECT must not wait for it
        tick=0.05,
    )
    thread = threading.Thread(target=client.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: len(got) >= 2, 5)  # one per connection: RECONNECT came between
        wait_until(lambda: client.stats.pings_answered >= 2, 5)
    finally:
        stop.set()
        thread.join(5)
        tmi.close()
    assert client.stats.connects == 2
    first = tmi.received[0]
    assert first[:3] == ["CAP REQ :twitch.tv/tags twitch.tv/commands", f"NICK {BRIDGE_NICK}",
                         f"USER {BRIDGE_NICK} 0 * {BRIDGE_NICK}"]  # fmt: skip
    assert "CAP END" in first and "JOIN #shop" in first and "PONG tmi.twitch.tv" in first
    assert not any(line.startswith("PASS") for line in first)  # anonymous: no PASS at all
    event = validate(got[0])[0]
    assert event.text == CHINESE and event.id == "2f2b8d3e-0c4b-4c1d-9a57-8f1e1b7f5a10"


@pytest.mark.parametrize(("stable_after", "attempt"), [(0.1, 1), (30, 3)])
def test_backoff_starts_over_after_a_session_that_lasted(stable_after: float, attempt: int):
    def welcome_then_hang_up(conn: socket.socket, number: int, nick: str) -> bool:
        _welcome(conn, number, nick)
        time.sleep(0.3)
        return False  # the server closes the connection

    tmi = FakeTmi(welcome_then_hang_up)
    stop = threading.Event()
    client = IrcClient(
        IrcServer("127.0.0.1", tmi.port, False),
        BRIDGE_NICK,
        on_message=lambda m: None,
        backoff=Backoff(0.05, 10, jitter=0),
        stable_after=stable_after,
        tick=0.05,
    )
    thread = threading.Thread(target=client.run, args=(stop,), daemon=True)
    thread.start()
    try:
        # the 4th connection comes after the 3rd wait; the 4th hang-up is 0.3 s away
        wait_until(lambda: client.stats.connects >= 4, 10)
        assert client.backoff.attempt == attempt  # reset before each wait, or not
    finally:
        stop.set()
        thread.join(5)
        tmi.close()


def test_a_refused_login_waits_long() -> None:
    def refuse(conn: socket.socket, number: int, nick: str) -> bool:
        conn.sendall(b":tmi.twitch.tv NOTICE * :Login authentication failed\r\n")
        return False

    tmi = FakeTmi(refuse)
    stop = threading.Event()
    statuses: list[str] = []
    client = IrcClient(
        IrcServer("127.0.0.1", tmi.port, False),
        "shopbot",
        password="oauth:expired",
        on_message=lambda m: None,
        on_status=statuses.append,
        backoff=Backoff(0.05, 0.05),
        auth_backoff=30,
        tick=0.05,
    )
    thread = threading.Thread(target=client.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: any("login refused" in s for s in statuses), 5)
        time.sleep(0.5)  # a plain backoff (0.05 s) would have reconnected by now
        assert client.stats.connects == 1
        assert "PASS oauth:expired" in tmi.received[0]
    finally:
        stop.set()
        thread.join(5)
        tmi.close()


# -- end to end: real ngircd, real mosquitto, the bridge as its own process ---------------


@pytest.fixture
def irc(tmp_path: Path) -> Iterator[Server]:
    # PingTimeout 5 (ngircd's least): it pings an idle client after 5 s, and one that does
    # not answer within PongTimeout (5 s, the least too) is dropped.
    with ngircd(tmp_path / "ngircd", ping_timeout=5, pong_timeout=5).start() as server:
        yield server


class Bridge:
    def __init__(
        self, tmp: Path, irc_url: str, mqtt_port: int, *extra: str, notify: str | None = None
    ) -> None:
        self.log_path = tmp / f"bridge-{time.monotonic_ns()}.log"
        command = [
            sys.executable, "-m", "livehost.bridge.main", "twitch",
            "--channel", "shop", "--target", "site-1/unit-a",
            "--mqtt", f"mqtt://127.0.0.1:{mqtt_port}", "--irc", irc_url, "-v", *extra,
        ]  # fmt: skip
        if "--nick" not in extra:
            command += ["--nick", BRIDGE_NICK]
        env = {**os.environ, "PYTHONPATH": str(REPO / "daemon")}
        env.pop("NOTIFY_SOCKET", None)
        if notify:
            env["NOTIFY_SOCKET"] = notify
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                return -9
        return self.proc.returncode


@pytest.fixture
def bridges(tmp_path: Path) -> Iterator[list[Bridge]]:
    started: list[Bridge] = []
    yield started
    for bridge in started:
        bridge.stop()


def _events(recorder: Recorder, topic: str = TOPIC) -> list[AudienceEvent]:
    return [parse_event(m.payload) for m in recorder.on(topic)]


def _texts(recorder: Recorder) -> list[str]:
    return [e.text for e in _events(recorder)]


def test_ngircd_relays_no_client_tags(irc: Server) -> None:
    """Why the end-to-end tests use plain PRIVMSGs: tags never get through ngircd."""
    listener, talker = Chatter(irc.port, "listener"), Chatter(irc.port, "talker")
    try:
        listener.join(CHANNEL)
        talker.join(CHANNEL)
        talker.send_raw(b"@id=abc;display-name=X PRIVMSG #shop :tagged")
        talker.say(CHANNEL, "plain")
        talker.wait_for(lambda line: " 421 talker @id=abc;display-name=X " in line)
        got = listener.wait_for(lambda line: "PRIVMSG #shop" in line)
        assert got == ":talker!~talker@127.0.0.1 PRIVMSG #shop :plain"
    finally:
        listener.close()
        talker.close()


def test_chat_reaches_the_audience_topic(
    irc: Server, broker: Server, bridges: list[Bridge], tmp_path: Path
) -> None:
    recorder = Recorder(broker.port, ["livehost/#"])
    bridges.append(Bridge(tmp_path, f"irc://127.0.0.1:{irc.port}", broker.port))
    chatter = Chatter(irc.port, "xiaoming")
    try:
        chatter.join(CHANNEL)
        chatter.wait_for_member(CHANNEL, BRIDGE_NICK)
        chatter.say(CHANNEL, CHINESE)
        chatter.say(CHANNEL, "\x01ACTION 挥手 👋\x01")
        chatter.say(CHANNEL, b"broken \xff\xfe utf-8")
        chatter.say(CHANNEL, "\x01VERSION\x01")  # not chat
        chatter.say(CHANNEL, "last")
        wait_until(lambda: "last" in _texts(recorder), 10)
        # ngircd pings the bridge once it has been idle 5 s; no PONG would drop it 5 s later
        wait_until(lambda: "PING answered" in bridges[0].log(), 20)
        bridges[0].proc.send_signal(signal.SIGHUP)  # systemd's reload: nothing to reload
        chatter.say(CHANNEL, "after pings")
        wait_until(lambda: "after pings" in _texts(recorder), 10)
    finally:
        chatter.close()
        recorder.close()
    messages = recorder.on(TOPIC)
    assert [m.topic for m in recorder.messages] == [TOPIC] * len(messages)  # nothing else
    assert all(m.qos == 1 and not m.retain for m in messages)
    events = _events(recorder)
    assert [e.text for e in events] == [CHINESE, "挥手 👋", "broken \ufffd\ufffd utf-8", "last",
                                        "after pings"]  # fmt: skip
    raw = json.loads(messages[0].payload)
    assert raw["text"].encode("utf-8") == CHINESE.encode("utf-8")
    assert all(e.type == "comment" and e.platform == "twitch" for e in events)
    assert all(e.user is not None and e.user.id == "xiaoming" for e in events)
    assert len({e.id for e in events}) == len(events)
    assert all(e.id.startswith("irc-xiaoming-") for e in events)
    log = bridges[0].log()
    assert log.count("registered on") == 1, log  # never dropped for an unanswered PING
    assert "PING answered" in log and "Ping timeout" not in server_log(irc)
    assert "capabilities" in log  # ngircd's NAK, and registration went on (CAP END)
    assert bridges[0].stop() == 0  # alive after the SIGHUP, stopped by the SIGTERM


def test_the_bridge_tells_systemd(
    irc: Server, broker: Server, bridges: list[Bridge], tmp_path: Path
) -> None:
    path = tmp_path / "notify.sock"
    sink = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sink.bind(str(path))
    sink.settimeout(0.2)
    got: list[str] = []

    def heard(text: str) -> bool:
        with contextlib.suppress(TimeoutError):
            got.append(sink.recv(4096).decode())
        return any(text in m for m in got)

    bridge = Bridge(tmp_path, f"irc://127.0.0.1:{irc.port}", broker.port, notify=str(path))
    bridges.append(bridge)
    try:
        wait_until(lambda: heard("READY=1"), 10)
        wait_until(lambda: heard("STATUS=#shop: joined #shop; mqtt up"), 10)
        wait_until(lambda: heard("WATCHDOG=1"), 10)
        assert bridge.stop() == 0
        wait_until(lambda: heard("STOPPING=1"), 5)
    finally:
        sink.close()


def test_the_bridge_rejoins_after_the_irc_server_restarts(
    irc: Server, broker: Server, bridges: list[Bridge], tmp_path: Path
) -> None:
    recorder = Recorder(broker.port, [TOPIC])
    bridges.append(Bridge(tmp_path, f"irc://127.0.0.1:{irc.port}", broker.port))
    chatter = Chatter(irc.port)
    try:
        chatter.join(CHANNEL)
        chatter.wait_for_member(CHANNEL, BRIDGE_NICK)
        chatter.say(CHANNEL, "before")
        wait_until(lambda: "before" in _texts(recorder), 10)
        chatter.close()
        irc.kill()  # no goodbye: the bridge sees its connection die
        irc.start()
        chatter = Chatter(irc.port)
        chatter.join(CHANNEL)
        chatter.wait_for_member(CHANNEL, BRIDGE_NICK, timeout=20)
        chatter.say(CHANNEL, "after 重启")
        wait_until(lambda: "after 重启" in _texts(recorder), 10)
    finally:
        chatter.close()
        recorder.close()
    assert _texts(recorder) == ["before", "after 重启"]
    assert bridges[0].log().count("registered on") == 2


def test_events_wait_for_the_broker_to_come_back(
    irc: Server, broker: Server, bridges: list[Bridge], tmp_path: Path
) -> None:
    received: list[mqtt.MQTTMessage] = []
    subscribed = threading.Event()
    # a persistent session: mosquitto (persistence on) keeps it and its queue over the
    # restart, so nothing the bridge sends before this client is back is lost to the test
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, "audience-watch", protocol=mqtt.MQTTv5)
    sub.on_message = lambda c, u, m: received.append(m)
    sub.on_subscribe = lambda *a: subscribed.set()

    def on_connect(client, userdata, flags, reason_code, properties) -> None:
        if not flags.session_present:
            client.subscribe(TOPIC, qos=1)

    sub.on_connect = on_connect
    expiry = Properties(PacketTypes.CONNECT)
    expiry.SessionExpiryInterval = 300
    sub.reconnect_delay_set(0.2, 0.5)
    sub.connect("127.0.0.1", broker.port, clean_start=False, properties=expiry)
    sub.loop_start()
    texts = lambda: [parse_event(m.payload).text for m in received]  # noqa: E731
    bridge = Bridge(tmp_path, f"irc://127.0.0.1:{irc.port}", broker.port)
    bridges.append(bridge)
    chatter = Chatter(irc.port)
    try:
        assert subscribed.wait(5)
        chatter.join(CHANNEL)
        chatter.wait_for_member(CHANNEL, BRIDGE_NICK)
        chatter.say(CHANNEL, "one")
        wait_until(lambda: texts() == ["one"], 10)
        broker.stop()
        wait_until(lambda: "buffering" in bridge.log(), 10)
        for text in ["two", "三", "four 🎁"]:
            chatter.say(CHANNEL, text)
        time.sleep(1)  # the bridge has them now, and nowhere to send them
        broker.start()
        wait_until(lambda: len(received) >= 4, 20)
    finally:
        chatter.close()
        sub.disconnect()
        sub.loop_stop()
    assert texts() == ["one", "two", "三", "four 🎁"]
    assert bridge.log().count("MQTT: connected") == 2


def test_token_login(broker: Server, bridges: list[Bridge], tmp_path: Path) -> None:
    server = ngircd(tmp_path / "ngircd-pass", password="oauth:s3cret").start()
    recorder = Recorder(broker.port, [TOPIC])
    token = tmp_path / "twitch_token"
    token.write_text("s3cret\n")  # the bare token: the bridge adds oauth:
    token.chmod(0o600)
    url = f"irc://127.0.0.1:{server.port}"
    bridges.append(
        Bridge(tmp_path, url, broker.port, "--token-file", str(token), "--nick", "ShopBot")
    )
    chatter = Chatter(server.port, "viewer", password="oauth:s3cret")
    try:
        chatter.join(CHANNEL)
        chatter.wait_for_member(CHANNEL, "shopbot")
        chatter.say(CHANNEL, "hello bot")
        wait_until(lambda: "hello bot" in _texts(recorder), 10)
    finally:
        chatter.close()
        recorder.close()
        server.stop()
    assert "s3cret" not in bridges[0].log()


def test_a_wrong_token_is_not_retried_at_once(
    broker: Server, bridges: list[Bridge], tmp_path: Path
) -> None:
    server = ngircd(tmp_path / "ngircd-pass", password="oauth:s3cret").start()
    token = tmp_path / "twitch_token"
    token.write_text("oauth:wrong")
    url = f"irc://127.0.0.1:{server.port}"
    bridge = Bridge(tmp_path, url, broker.port, "--token-file", str(token), "--nick", "shopbot")
    bridges.append(bridge)
    try:
        wait_until(lambda: "retrying in 300 s" in bridge.log(), 15)
        time.sleep(1.5)  # a plain backoff would have tried again after about 1 s
    finally:
        server.stop()
    assert server_log(server).count("Accepted connection") == 2  # wait_for_port's, the bridge's
    assert "wrong" not in bridge.log()
    assert bridge.stop() == 0


def test_tls_to_the_irc_server(broker: Server, bridges: list[Bridge], tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    key.chmod(0o644)  # ngircd reads it as nobody
    tmp_path.chmod(0o755)
    tls_port = free_port()
    server = ngircd(tmp_path / "ngircd-tls", tls=(tls_port, cert, key)).start()
    recorder = Recorder(broker.port, [TOPIC])
    url = f"ircs://127.0.0.1:{tls_port}"
    bridges.append(Bridge(tmp_path, url, broker.port, "--irc-ca-file", str(cert)))
    chatter = Chatter(server.port)  # plain port, same server
    try:
        chatter.join(CHANNEL)
        chatter.wait_for_member(CHANNEL, BRIDGE_NICK)
        chatter.say(CHANNEL, "secure 🔒")
        wait_until(lambda: "secure 🔒" in _texts(recorder), 10)
    finally:
        chatter.close()
        recorder.close()
        server.stop()
