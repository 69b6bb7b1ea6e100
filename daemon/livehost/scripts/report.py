"""Warnings about scripts for `livehost check`: what waits for review, what stopped airing."""

from __future__ import annotations

from livehost.schedule.model import Schedule
from livehost.scripts.scriptset import LineRef, ScriptSet


def _at(ref: LineRef) -> str:
    return f"{ref.file} line {ref.line}" if ref.line is not None else ref.file


def script_report(schedule: Schedule, script_set: ScriptSet) -> list[str]:
    """One sentence per thing a person should look at; products without a file: nothing."""
    known = {p.id: p for p in schedule.products}
    out: list[str] = []
    for product_id in script_set.products:
        loaded = script_set.script(product_id)
        assert loaded is not None
        label = script_set.label(loaded)
        product = known.get(product_id)
        if product is None:
            out.append(
                f"{label}: there is no product '{product_id}' in the schedule; its lines never air"
            )
            continue
        drafts = script_set.drafts(product)
        if drafts:
            many = "s" if len(drafts) != 1 else ""
            out.append(
                f"{label}: {len(drafts)} draft{many} waiting for review "
                f"(livehost script review {product_id})"
            )
        for ref in script_set.stale(product):
            out.append(
                f"{_at(ref)}: approved before the facts changed (stale): it does not "
                "air until approved again"
            )
        for ref in script_set.failing(product):
            out.append(
                f"{_at(ref)}: approved, but the claim check fails now "
                f"({ref.reasons[0]}): it does not air until edited"
            )
        if not script_set.approved(product) and not drafts:
            out.append(f"{label}: no approved line airs; the host uses its own wordings")
    return out
