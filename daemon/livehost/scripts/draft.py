"""Drafting a product's script with a language model, and merging it into its file.

A batch job for `livehost script draft`, never part of the show. Every drafted line is a
`draft` carrying its claim-check result; approved and rejected lines already in the file
stay exactly as they are, old drafts are replaced, and the file is written atomically
only after every request succeeded, so a dead or garbled endpoint changes nothing.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from livehost.problems import ProblemsError
from livehost.schedule.model import Product, Schedule
from livehost.scripts.claims import check_line
from livehost.scripts.client import ChatClient, ScriptDraftError
from livehost.scripts.facts import facts_hash
from livehost.scripts.kinds import DEFAULT_LINES_PER_KIND
from livehost.scripts.load import load_script_file
from livehost.scripts.model import ScriptFile, ScriptLine
from livehost.scripts.placeholders import unknown_placeholders
from livehost.scripts.prompt import (
    answer_schema,
    clean_text,
    long_enough,
    max_tokens_for,
    messages_for,
    parse_answer,
    requests_for,
)
from livehost.scripts.save import write_script

__all__ = ["DraftResult", "ScriptDraftError", "draft_file", "draft_lines", "merge_drafts"]

MAX_TEXT = 300


@dataclass
class DraftResult:
    product: str
    lines: list[ScriptLine] = field(default_factory=list)
    discarded: int = 0  # answers that were not usable lines (unknown placeholders, repeats)
    requests: int = 0
    seconds: float = 0.0  # wall time of the whole draft
    request_seconds: float = 0.0  # time spent waiting for answers
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str | None = None  # as the server named it

    @property
    def flagged(self) -> int:
        """Drafted lines the claim check flags: they cannot be approved as they are."""
        return sum(1 for line in self.lines if line.claims)

    @property
    def tokens_per_second(self) -> float:
        if self.request_seconds <= 0:
            return 0.0
        return self.completion_tokens / self.request_seconds


def line_counts(
    overrides: dict[str, int] | None = None, every: int | None = None
) -> dict[str, int]:
    """How many lines of each kind to ask for: the defaults, the config's, or `every`."""
    counts: dict[str, int] = dict(DEFAULT_LINES_PER_KIND)
    counts.update(overrides or {})
    if every is not None:
        counts = dict.fromkeys(counts, every)
    return counts


def draft_lines(
    client: ChatClient,
    product: Product,
    schedule: Schedule,
    counts: dict[str, int],
    style: str | None = None,
    avoid: set[str] | None = None,
) -> DraftResult:
    """Ask the model for every kind of line; raises ScriptDraftError on the first failure."""
    started = time.monotonic()
    language = schedule.store.language
    seen = {t.casefold() for t in (avoid or set())}
    result = DraftResult(product.id)
    for request in requests_for(product, counts):
        answer = client.chat(
            messages_for(request, product, language, style),
            max_tokens=max_tokens_for(request, language),
            schema=answer_schema(request),
        )
        result.requests += 1
        result.request_seconds += answer.seconds
        result.prompt_tokens += answer.prompt_tokens
        result.completion_tokens += answer.completion_tokens
        result.model = result.model or answer.model
        for kind, raw in parse_answer(answer.content, request.kind)[: request.count * 2]:
            text = clean_text(raw)
            if (
                not long_enough(text)
                or len(text) > MAX_TEXT
                or unknown_placeholders(text)
                or text.casefold() in seen
            ):
                result.discarded += 1
                continue
            seen.add(text.casefold())
            claims = check_line(text, product, schedule)
            result.lines.append(ScriptLine(kind=kind, text=text, claims=claims))  # type: ignore[arg-type]
    result.seconds = time.monotonic() - started
    return result


def merge_drafts(
    existing: ScriptFile | None, product: Product, drafts: list[ScriptLine], drafted_by: str
) -> ScriptFile:
    """Approved and rejected lines as they were (each pinned to the facts it was approved
    against), then the new drafts; old drafts are dropped."""
    kept: list[ScriptLine] = []
    if existing is not None:
        for line in existing.lines:
            if line.status == "draft":
                continue
            if line.facts is None:  # the file's hash changes below; keep the line's own
                line = line.model_copy(update={"facts": existing.facts})
            kept.append(line)
    return ScriptFile(
        product=product.id, facts=facts_hash(product), drafted_by=drafted_by, lines=kept + drafts
    )


def draft_file(
    path: Path,
    client: ChatClient,
    product: Product,
    schedule: Schedule,
    counts: dict[str, int],
    style: str | None = None,
) -> DraftResult:
    """Draft `product`'s lines and merge them into `path`; the file is untouched on error."""
    existing = None
    if path.exists():
        try:
            existing = load_script_file(path, schedule).script
        except ProblemsError as exc:
            raise ScriptDraftError(
                f"{exc.problems[0]}; fix {path.name} first (drafting would lose its lines)"
            ) from None
    keep = {line.text for line in existing.lines if line.status != "draft"} if existing else set()
    result = draft_lines(client, product, schedule, counts, style, avoid=keep)
    if not result.lines:
        raise ScriptDraftError(
            f"{client.endpoint}: the model answered, but no usable line came out "
            f"({result.discarded} answers discarded)"
        )
    model = os.path.basename(result.model) if result.model else client.model
    merged = merge_drafts(existing, product, result.lines, f"{model} @ {client.endpoint}")
    write_script(path, merged)
    return result


def slot_style(schedule: Schedule, product_id: str) -> str | None:
    """The style of the first slot that presents the product, if any does."""
    for slot in schedule.slots:
        if product_id in slot.products:
            return slot.style
    return None
