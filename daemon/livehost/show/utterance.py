"""The one contract between the director and the show loop: a line to say, and why."""

from __future__ import annotations

from dataclasses import dataclass

# Who asked for a line, highest priority first. `answer` and `question` come with the
# audience and listening work; the director already ranks them.
SOURCES = ("operator", "answer", "question", "notice", "pitch", "idle")


@dataclass(frozen=True)
class Utterance:
    id: int
    text: str
    source: str  # one of SOURCES
    kind: str  # what sort of line: opening, notice, transition, intro, feature, benefit,
    #            story, comparison, faq, price, sale, countdown, cta, next_up, store, idle,
    #            operator
    product_id: str | None = None
    cues: tuple[str, ...] = ()  # gestures and emotions the face may act on: cart, follow, ...
    # the comments or questions this answers (audience, listening): one, or several merged
    reply_to: tuple[str, ...] = ()
    host: str = "main"  # which host says it, for shows with two hosts later
    urgent: bool = False  # said next, cutting what is prepared at a sentence boundary
    at_word: bool = False  # urgent, and it may cut between two words (an answer)
    pause_after: float = 0.5  # seconds of silence after it
    language: str = "en"  # the language it is written in
    scripted: bool = False  # a staff-approved script line (not a template wording)
