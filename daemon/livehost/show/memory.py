"""What the host said lately: the sentences of the last ten minutes (none is said twice in
that window), when each fact was last told (a fact may come back in another wording after
a few minutes) and when each kind of line was last said for a product (price, countdown
and call to action keep their own cadence)."""

from __future__ import annotations

from collections import deque

from livehost.show import talk

REPEAT_WINDOW = 600.0  # seconds: no sentence is said twice within this


class TalkMemory:
    def __init__(self, window: float = REPEAT_WINDOW) -> None:
        self.window = window
        self._said: deque[tuple[float, str]] = deque()
        self._recent: dict[str, int] = {}  # sentence -> how many times in the window
        self._facts: dict[tuple, float] = {}  # (product id, fact key) -> when last told
        self._kinds: dict[tuple[str | None, str], float] = {}  # (product id, kind) -> when
        self.leads = talk.LeadMemory()  # wordings' lead-ins: none twice in a row
        self.last_product: str | None = None  # the product the host last talked about

    def forget_old(self, now: float) -> None:
        while self._said and now - self._said[0][0] > self.window:
            _, sentence = self._said.popleft()
            count = self._recent[sentence] - 1
            if count:
                self._recent[sentence] = count
            else:
                del self._recent[sentence]

    @property
    def recent(self) -> set[str]:
        return set(self._recent)

    def was_said(self, text: str) -> bool:
        return any(s in self._recent for s in talk.sentences(text))

    def remember(self, now: float, text: str, kind: str, product_id: str | None) -> None:
        for sentence in talk.sentences(text):
            self._said.append((now, sentence))
            self._recent[sentence] = self._recent.get(sentence, 0) + 1
        self._kinds[(product_id, kind)] = now
        if product_id is not None:
            self.last_product = product_id

    def told(self, now: float, product_id: str, fact: tuple) -> None:
        self._facts[(product_id, fact)] = now

    def fact_age(self, now: float, product_id: str, fact: tuple) -> float:
        """Seconds since the fact was last told (infinite if never)."""
        when = self._facts.get((product_id, fact))
        return float("inf") if when is None else now - when

    def kind_age(self, now: float, product_id: str | None, kind: str) -> float:
        when = self._kinds.get((product_id, kind))
        return float("inf") if when is None else now - when
