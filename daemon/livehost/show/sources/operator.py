"""Lines an operator typed (`say`): first, urgent, in the language they are written in."""

from __future__ import annotations

import re

from livehost.show.inbox import Inbox
from livehost.show.sources import Line, Moment

_HAN = re.compile(r"[\u4e00-\u9fff]")  # Chinese characters


class OperatorSource:
    name = "operator"

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def next(self, moment: Moment) -> Line | None:
        said = self.inbox.take_line()
        if said is None:
            return None
        language = "zh" if _HAN.search(said.text) else "en"
        return Line(said.text, "operator", urgent=True, language=language)
