"""The running scripts: what may air for each product right now, and what waits for review.

A line airs when it is approved, its facts hash is the product's facts hash now (a line
approved before the facts changed is stale), and it still passes the claim check. The
show asks `approved(product)` from its own thread; a ScriptSet never changes once made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from livehost.schedule.model import Product, Schedule
from livehost.scripts.claims import check_line
from livehost.scripts.facts import facts_hash
from livehost.scripts.load import LoadedScript
from livehost.scripts.model import ScriptLine

Keep = Callable[[LoadedScript, ScriptLine], bool]


@dataclass(frozen=True)
class LineRef:
    """One line of a script file, for reports and the review."""

    file: str  # as shown to people: scripts/kettle.yaml
    line: int | None  # 1-based line number in the file
    index: int  # position in the file's lines
    kind: str
    text: str
    status: str
    reasons: tuple[str, ...]  # what the claim check says now


class ScriptSet:
    def __init__(
        self,
        scripts: Mapping[str, LoadedScript] | None = None,
        schedule: Schedule | None = None,
        folder: Path | None = None,
    ) -> None:
        self._scripts = dict(scripts or {})  # by product id
        self.schedule = schedule
        self.folder = folder
        self._approved: dict[tuple[object, ...], dict[str, list[str]]] = {}

    def __len__(self) -> int:
        return len(self._scripts)

    @property
    def products(self) -> list[str]:
        return sorted(self._scripts)

    def script(self, product_id: str) -> LoadedScript | None:
        return self._scripts.get(product_id)

    def label(self, loaded: LoadedScript) -> str:
        folder = self.folder.name if self.folder is not None else Path(loaded.source).parent.name
        return f"{folder}/{loaded.file_name}" if folder else loaded.file_name

    def approved(self, product: Product) -> dict[str, list[str]]:
        """kind -> texts of the lines that may air for `product` now, in file order."""
        loaded = self._scripts.get(product.id)
        if loaded is None:
            return {}
        now = facts_hash(product)
        sale: Decimal | None = product.sale.price if product.sale else None
        key = (product.id, loaded.sha256, now, product.price, sale, product.name)
        cached = self._approved.get(key)
        if cached is not None:
            return {kind: list(texts) for kind, texts in cached.items()}
        result: dict[str, list[str]] = {}
        script = loaded.script
        for line in script.lines:
            if line.status != "approved" or script.line_facts(line) != now:
                continue
            if check_line(line.text, product, self.schedule):
                continue  # it passed when approved; the schedule around it changed since
            result.setdefault(line.kind, []).append(line.text)
        self._approved[key] = result
        return {kind: list(texts) for kind, texts in result.items()}

    def stale(self, product: Product) -> list[LineRef]:
        """Approved lines whose facts changed since: they do not air until approved again."""
        now = facts_hash(product)
        return self._refs(
            product,
            lambda loaded, line: (
                line.status == "approved" and loaded.script.line_facts(line) != now
            ),
        )

    def drafts(self, product: Product) -> list[LineRef]:
        return self._refs(product, lambda loaded, line: line.status == "draft")

    def failing(self, product: Product) -> list[LineRef]:
        """Approved, not stale, but the claim check fails now (say the store was renamed)."""
        now = facts_hash(product)
        refs = self._refs(
            product,
            lambda loaded, line: (
                line.status == "approved" and loaded.script.line_facts(line) == now
            ),
        )
        return [ref for ref in refs if ref.reasons]

    def _refs(self, product: Product, keep: Keep) -> list[LineRef]:
        loaded = self._scripts.get(product.id)
        if loaded is None:
            return []
        label = self.label(loaded)
        refs = []
        for index, line in enumerate(loaded.script.lines):
            if not keep(loaded, line):
                continue
            refs.append(
                LineRef(
                    label,
                    loaded.line_numbers[index],
                    index,
                    line.kind,
                    line.text,
                    line.status,
                    tuple(check_line(line.text, product, self.schedule)),
                )
            )
        return refs
