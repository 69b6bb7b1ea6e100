"""Lines for the audience (answers to comments, greetings, thanks): after any operator
line, before everything else, said at the next word break of what is playing."""

from __future__ import annotations

from livehost.show.inbox import Inbox
from livehost.show.sources import Line, Moment


class AnswerSource:
    name = "answer"

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def next(self, moment: Moment) -> Line | None:
        reply = self.inbox.take_reply()
        if reply is None:
            return None
        return Line(
            reply.text,
            reply.kind,
            urgent=True,
            at_word=reply.at_word,
            language=reply.language,
            reply_to=reply.reply_to,
            cues=reply.cues,
            pause_after=0.4,
        )
