"""When a sale price applies: from its start (if any) until, not including, its end."""

from __future__ import annotations

from datetime import datetime

from livehost.schedule.load import load_schedule_text

TEXT = """\
store: {name: Shop}
products:
  - id: kettle
    name: Kettle
    price: 10
    features: [boils fast]
    sale: {price: 8, starts: 2026-12-01 09:00, ends: 2026-12-02 20:00}
  - {id: mug, name: Mug, price: 4, features: [holds tea]}
fallback: {message: Back soon}
"""


def test_sale_applies_between_start_and_end_only() -> None:
    kettle, mug = load_schedule_text(TEXT, "s.yaml").schedule.products
    assert not kettle.on_sale(datetime(2026, 12, 1, 8, 59))
    assert kettle.on_sale(datetime(2026, 12, 1, 9, 0))
    assert kettle.on_sale(datetime(2026, 12, 2, 19, 59))
    assert not kettle.on_sale(datetime(2026, 12, 2, 20, 0))
    assert not mug.on_sale(datetime(2026, 12, 1, 12, 0))
