"""Twitch chat (TMI, IRC with `twitch.tv/tags` and `twitch.tv/commands`) -> audience events.

What is mapped, and why (docs/audience-bridges.md has the table):

* PRIVMSG in our channel -> `comment`, text = the message; `/me` arrives as CTCP
  `\\x01ACTION ...\\x01` and is unwrapped; any other CTCP is not chat and is skipped.
  A PRIVMSG with a `bits` tag (a cheer) is a comment *and* a `gift` (text "bits",
  count = bits, no amount: Bits are not a currency), the gift's id is `<id>:bits`.
* USERNOTICE sub / resub -> `gift`, text "subscription", count = cumulative months;
  the optional message the viewer shared with it becomes a comment `<id>:msg`.
* USERNOTICE subgift -> `gift`, text "gift subscription", count 1, user = the gifter;
  submysterygift -> the same with count = msg-param-mass-gift-count. Twitch follows a
  mystery gift with one subgift per recipient that carries msg-param-community-gift-id:
  those are skipped, or every mystery gift would count twice.
* USERNOTICE raid -> `join`, user = the raiding channel, count = msg-param-viewerCount.
* Everything else (JOIN/PART, ROOMSTATE, USERSTATE, CLEARCHAT, NOTICE, other notices)
  is not an audience event. JOIN/PART in particular are not viewers: Twitch sends them
  only with twitch.tv/membership, batched and late, and never for logged-out viewers.

Ids: Twitch's `id` tag (a UUID) is the event id. Without tags (an IRC server that is not
Twitch, like the ngircd of the tests) the id is made here, `irc-<nick>-<ms>-<n>`, the
user id is the login name and `ts` is the time the line arrived.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable

from livehost.bridge.irc import Message

PLATFORM = "twitch"

SUB_NOTICES = frozenset({"sub", "resub"})
GIFT_NOTICES = frozenset({"subgift", "anonsubgift"})
MYSTERY_NOTICES = frozenset({"submysterygift", "anonsubmysterygift"})


_DIGITS = re.compile(r"[0-9]{1,15}")


def _int(value: str | None) -> int | None:
    """A tag's number, or None for a bad one: only that tag is skipped, not the line.
    ASCII digits only ("²" is a digit to isdigit() and not to int()), and few enough that
    a millisecond timestamp stays a float (a 400-digit one overflowed)."""
    if value is None or not _DIGITS.fullmatch(value.strip()):
        return None
    return int(value)


def unwrap_action(text: str) -> str | None:
    """`\\x01ACTION waves\\x01` -> "waves"; other CTCP -> None; plain text unchanged."""
    if not text.startswith("\x01"):
        return text
    body = text[1:]
    if body.endswith("\x01"):
        body = body[:-1]
    if body == "ACTION":
        return ""
    if body.startswith("ACTION "):
        return body[len("ACTION ") :]
    return None


class TwitchMapper:
    """Turns the IRC messages of one channel into candidate audience events (plain
    dicts: validation is the publisher's, so every platform is held to it the same way)."""

    def __init__(self, channel: str, clock: Callable[[], float] = time.time) -> None:
        self.channel = "#" + channel.lower().lstrip("#")
        self.clock = clock
        self._seq = itertools.count(1)
        self.counts: Counter[str] = Counter()  # what was seen, by kind (for the stats)

    def map(self, msg: Message) -> list[dict]:
        if msg.command == "PRIVMSG":
            return self._privmsg(msg)
        if msg.command == "USERNOTICE":
            return self._usernotice(msg)
        self.counts["other"] += 1
        return []

    # -- pieces --------------------------------------------------------------------------

    def _ours(self, msg: Message) -> bool:
        return bool(msg.params) and msg.params[0].lower() == self.channel

    def _id(self, msg: Message, login: str) -> str:
        given = msg.tags.get("id")
        if given:
            return given
        ms = int(self.clock() * 1000)
        return f"irc-{login}-{ms}-{next(self._seq)}"[:128]

    def _ts(self, msg: Message) -> float:
        sent = _int(msg.tags.get("tmi-sent-ts"))
        return sent / 1000 if sent is not None else self.clock()

    def _login(self, msg: Message) -> str:
        return msg.tags.get("login") or (msg.nick or "")

    def _user(self, msg: Message, login: str) -> dict | None:
        user_id = msg.tags.get("user-id") or login
        if not user_id:
            return None
        return {"id": user_id, "name": msg.tags.get("display-name") or login}

    def _event(self, kind: str, event_id: str, msg: Message, user: dict | None, **fields) -> dict:
        return {
            "type": kind,
            "id": event_id,
            "platform": PLATFORM,
            "user": user,
            "ts": self._ts(msg),
            **fields,
        }

    # -- commands ------------------------------------------------------------------------

    def _privmsg(self, msg: Message) -> list[dict]:
        if not self._ours(msg) or len(msg.params) < 2:
            self.counts["elsewhere"] += 1
            return []
        text = unwrap_action(msg.trailing)
        if text is None:
            self.counts["ctcp"] += 1
            return []
        login = self._login(msg)
        event_id = self._id(msg, login)
        user = self._user(msg, login)
        events = []
        if text:
            events.append(self._event("comment", event_id, msg, user, text=text))
        bits = _int(msg.tags.get("bits"))
        if bits:
            events.append(
                self._event("gift", f"{event_id}:bits", msg, user, text="bits", count=bits)
            )
        self.counts["privmsg"] += 1
        return events

    def _usernotice(self, msg: Message) -> list[dict]:
        if not self._ours(msg):
            self.counts["elsewhere"] += 1
            return []
        kind = msg.tags.get("msg-id", "")
        login = self._login(msg)
        event_id = self._id(msg, login)
        user = self._user(msg, login)
        tags = msg.tags
        events: list[dict] = []
        if kind in SUB_NOTICES:
            months = _int(tags.get("msg-param-cumulative-months")) or 1
            events.append(
                self._event("gift", event_id, msg, user, text="subscription", count=months)
            )
            if len(msg.params) >= 2 and msg.trailing:
                events.append(
                    self._event("comment", f"{event_id}:msg", msg, user, text=msg.trailing)
                )
        elif kind in GIFT_NOTICES:
            if tags.get("msg-param-community-gift-id"):
                self.counts["subgift-of-mystery"] += 1  # counted by its submysterygift
                return []
            events.append(
                self._event("gift", event_id, msg, user, text="gift subscription", count=1)
            )
        elif kind in MYSTERY_NOTICES:
            count = _int(tags.get("msg-param-mass-gift-count")) or 1
            events.append(
                self._event("gift", event_id, msg, user, text="gift subscription", count=count)
            )
        elif kind == "raid":
            raider = tags.get("msg-param-login") or login
            name = tags.get("msg-param-displayName") or tags.get("display-name") or raider
            raid_user = {"id": tags.get("user-id") or raider, "name": name} if raider else None
            viewers = _int(tags.get("msg-param-viewerCount"))
            events.append(self._event("join", event_id, msg, raid_user, text="raid", count=viewers))
        else:
            self.counts["usernotice-other"] += 1
            return []
        self.counts[kind] += 1
        return events
