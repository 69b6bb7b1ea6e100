"""The phrases Vosk listens for in grammar mode: what the schedule's products are called
and the FAQ keywords that pick an answer. Anything else comes out as nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from livehost.schedule.model import Faq, Schedule

if TYPE_CHECKING:
    import vosk

# Vosk's vocabularies are lower-case words without punctuation ("mug set", not
# "Mug Set (4 x 350 ml)"); apostrophes stay, as in the English models' "don't".
_NOT_SPOKEN = re.compile(r"[^\w\s']+")


def spoken(text: str) -> str:
    """`text` as a Vosk phrase: lower case, punctuation as spaces, single spaces."""
    return " ".join(_NOT_SPOKEN.sub(" ", text.lower()).split())


def grammar_phrases(
    schedule: Schedule, words: Callable[[str], bool] | None = None
) -> list[str]:
    """Product names (as written and as said) and FAQ keywords, first mention first.

    `words`: keep only phrases whose every word passes, e.g. known_words(model): Vosk
    drops a grammar word its model lacks, with a warning per recogniser.
    """
    phrases: dict[str, None] = {}  # an ordered set
    for phrase in map(spoken, _schedule_phrases(schedule)):
        if phrase and (words is None or all(words(word) for word in phrase.split())):
            phrases.setdefault(phrase)
    return list(phrases)


def known_words(model: vosk.Model) -> Callable[[str], bool]:
    """Whether `model` has a word in its vocabulary (lookahead models have no
    words.txt to read; Vosk's own lookup covers both kinds)."""
    return lambda word: model.vosk_model_find_word(word) != -1


def _schedule_phrases(schedule: Schedule) -> Iterator[str]:
    for product in schedule.products:
        yield product.name
        if product.spoken_name:
            yield product.spoken_name
        yield from _keywords(product.faq)
    yield from _keywords(schedule.store.faq)


def _keywords(faqs: list[Faq]) -> Iterator[str]:
    for faq in faqs:
        yield from faq.keywords
