"""A product's script file (scripts/<product-id>.yaml), as pydantic models.

Field descriptions double as documentation of the file format. Checks that need the
schedule (the claim check of approved lines, whether the product exists) live in
`load.py`, so that they are reported with the line they are about.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from livehost.schedule.fields import parse_local_datetime
from livehost.schedule.model import ProductId
from livehost.scripts.kinds import Kind
from livehost.scripts.placeholders import allowed_list, unknown_placeholders

Status = Literal["draft", "approved", "rejected"]
FactsHash = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{12}$",
        description="12 hex digits: the hash of the product's facts (`livehost script check`).",
    ),
]


def _when(value: Any) -> datetime:
    if isinstance(value, str):
        try:  # 2026-11-30T10:12:00 as the review writes it
            return datetime.fromisoformat(value.strip()).replace(tzinfo=None)
        except ValueError:
            pass
    return parse_local_datetime(value)


When = Annotated[
    datetime,
    BeforeValidator(_when),
    PlainSerializer(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")),
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ScriptLine(_Section):
    kind: Kind = Field(
        description="What the line does: intro, feature, benefit, story, comparison, price, "
        "cta (call to action) or idle (chat while nothing new happens)."
    )
    text: str = Field(
        min_length=1,
        max_length=400,
        description="What the host says. May use {name} {price} {sale} {saving} {percent} "
        "{store}: the live schedule fills them; prices are never written out.",
    )
    status: Status = Field(
        "draft", description="draft (waiting for review), approved (may air) or rejected."
    )
    approved_by: str | None = Field(
        None, max_length=80, description="Who approved the line; required when approved."
    )
    approved_at: When | None = Field(None, description="When it was approved (local time).")
    facts: FactsHash | None = Field(
        None,
        description="The product's facts hash when the line was approved; the file's if left "
        "out. A line whose hash is not the product's hash now is stale and does not air.",
    )
    claims: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Filled by the claim check: why the line cannot be approved as it is.",
    )

    @model_validator(mode="after")
    def _known_placeholders_and_an_approver(self) -> ScriptLine:
        unknown = unknown_placeholders(self.text)
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} in the text is not a placeholder; use {allowed_list()}"
            )
        if self.status == "approved" and not (self.approved_by or "").strip():
            raise ValueError("an approved line needs approved_by: the name of who approved it")
        return self


class ScriptFile(_Section):
    product: ProductId = Field(description="The product's id in the schedule.")
    facts: FactsHash = Field(
        description="The facts hash the lines were drafted from (see `livehost script check`)."
    )
    drafted_by: str | None = Field(
        None,
        max_length=200,
        description="The model and endpoint that drafted the lines, or hand-written.",
    )
    lines: list[ScriptLine] = Field(default_factory=list, max_length=1000)

    def line_facts(self, line: ScriptLine) -> str:
        """The facts hash `line` was approved against."""
        return line.facts or self.facts
