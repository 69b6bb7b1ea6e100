"""The sample scripts in etc/livehost/scripts/ air in full against the sample schedule.

A schedule edit that changes a product's facts stales its sample script: this fails then,
and the script needs looking at again (new lines, and the new facts hash)."""

from __future__ import annotations

import re

import pytest
from tests.scripts.helpers import SAMPLE

from livehost.schedule.model import Schedule
from livehost.scripts.claims import check_line
from livehost.scripts.facts import facts_hash
from livehost.scripts.kinds import KINDS
from livehost.scripts.load import load_script_file


def test_every_product_has_a_sample_script(schedule: Schedule) -> None:
    files = sorted(p.stem for p in (SAMPLE / "scripts").glob("*.yaml"))
    assert files == sorted(p.id for p in schedule.products)


@pytest.mark.parametrize("product_id", ["kettle", "knife-set", "pan", "mugs", "grinder"])
def test_a_sample_script_is_all_approved_fresh_and_checked(
    schedule: Schedule, product_id: str
) -> None:
    product = schedule.product(product_id)
    loaded = load_script_file(SAMPLE / "scripts" / f"{product_id}.yaml", schedule)
    script = loaded.script
    assert loaded.warnings == []
    assert script.facts == facts_hash(product), "the product's facts changed: review its lines"
    assert script.drafted_by == "hand-written"
    assert 35 <= len(script.lines) <= 45
    assert {line.kind for line in script.lines} == set(KINDS)
    texts = [line.text for line in script.lines]
    assert len(set(texts)) == len(texts)
    for line in script.lines:
        assert line.status == "approved" and line.approved_by == "livehost sample"
        assert script.line_facts(line) == facts_hash(product)
        assert check_line(line.text, product, schedule) == [], line.text
        words = len(re.sub(r"\{\w+\}", "X", line.text).split())
        assert 8 <= words <= 25, line.text
    if product.sale is None:
        assert not any("{sale}" in t or "{saving}" in t or "{percent}" in t for t in texts)
