"""Chinese text in terminal output: tables and carets line up by columns, not characters."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from livehost.cli.common import print_problems
from livehost.fleet.ctl import table
from livehost.problems import ProblemsError
from livehost.schedule.load import load_schedule_file
from livehost.textwidth import ljust, width

SCHEDULE = """\
store: {name: 枫林家居, currency: CNY, language: zh}
products:
  - {id: mug, name: 手工陶瓷杯, price: -3, features: [手工上釉]}
slots:
  - {name: 全天, days: daily, start: "08:00", end: "20:00", products: [mug], per_product: 5m}
fallback: {message: 马上回来}
"""


def test_width_counts_cjk_as_two_columns() -> None:
    assert width("mug") == 3 and width("手工陶瓷杯") == 10 and width("AI生成") == 6
    assert ljust("杯", 4) == "杯  " and ljust("toolong", 3) == "toolong"


def test_the_caret_stands_under_the_mistake_after_chinese_text(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(SCHEDULE, encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        load_schedule_file(path)
    out = io.StringIO()
    print_problems(caught.value.problems, out)
    lines = out.getvalue().splitlines()
    source = next(line for line in lines if line.strip().startswith("3 |"))
    caret = lines[lines.index(source) + 1]
    # same terminal column in both lines: the caret is under "price", after the name
    assert width(source[: source.index("price")]) == width(caret[: caret.index("^")])


def test_status_table_columns_line_up_with_chinese_product_names() -> None:
    text = table([("shop-1", "玻璃电水壶", "on air"), ("shop-2", "mug", "off")],
                 header=("UNIT", "PRODUCT", "STATE"))
    lines = text.splitlines()
    starts = {width(line[: line.index(state)]) for line, state in
              zip(lines, ("STATE", "on air", "off"), strict=True)}
    assert len(starts) == 1, text
