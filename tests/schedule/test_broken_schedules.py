"""A corpus of broken schedules: each must be refused with the right line and a clear gist.

In each case the line marked `#!` is where the problem must be reported (or `line=`).
"""

from __future__ import annotations

import textwrap

import pytest

from livehost.problems import ProblemsError
from livehost.schedule.load import load_schedule_text

GOOD = """\
store:
  name: Shop
products:
  - id: kettle
    name: Kettle
    price: 10
    features: [boils fast]
  - id: mug
    name: Mug
    price: 4.5
    features: [holds tea]
slots:
  - name: Morning
    days: daily
    start: "09:00"
    end: "10:00"
    products: [kettle, mug]
fallback:
  message: Back soon
"""


def replace(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


CASES: list[tuple[str, str, str]] = [
    (  # reported a line late before, on what followed the marker
        "merge-conflict",
        replace("    price: 10\n", "<<<<<<< HEAD #!\n    price: 10\n=======\n    price: 12\n"
                ">>>>>>> theirs\n"),
        "unresolved merge conflict",
    ),
    ("tab-indent", replace("  name: Shop", "\tname: Shop #!"), "tab character"),
    ("unclosed-quote", replace('    start: "09:00"', '    start: "09:00 #!'), "quote"),
    ("colon-in-text", replace("    name: Kettle", "    name: Kettle: the best #!"), "':'"),
    ("bad-indent", replace("    price: 10", "      price: 10 #!"), "indent"),
    (
        "duplicate-key",
        replace("    price: 10\n", "    price: 10\n    price: 12 #!\n"),
        "written twice",
    ),
    ("unknown-top-key", replace("slots:", "slot: #!"), "did you mean 'slots'"),
    ("misspelt-price", replace("    price: 10", "    prise: 10 #!"), "did you mean 'price'"),
    (
        "misspelt-features",
        replace("    features: [boils fast]", "    fetures: [boils fast] #!"),
        "did you mean 'features'",
    ),
    ("misspelt-store-name", replace("  name: Shop", "  nme: Shop #!"), "did you mean 'name'"),
    ("price-not-number", replace("    price: 10", "    price: ten #!"), "should be a number"),
    ("price-zero", replace("    price: 10", "    price: 0 #!"), "more than 0"),
    ("price-negative", replace("    price: 10", "    price: -3 #!"), "more than 0"),
    (
        "unknown-currency",
        replace("    price: 10\n", "    price: 10\n    currency: DOLLAR #!\n"),
        "not a currency code",
    ),
    (
        "unknown-store-currency",
        replace("  name: Shop\n", "  name: Shop\n  currency: XQZ #!\n"),
        "not a currency code",
    ),
    (
        "sale-not-below",
        replace(
            "    price: 10\n",
            "    price: 10\n    sale:\n      price: 12 #!\n      ends: 2030-01-01 20:00\n",
        ),
        "not below",
    ),
    (
        "sale-ends-before-start",
        replace(
            "    price: 10\n",
            "    price: 10\n    sale:\n      price: 8\n      starts: 2030-02-01 10:00\n"
            "      ends: 2030-01-01 20:00 #!\n",
        ),
        "ends before it starts",
    ),
    (
        "sale-impossible-date",
        replace(
            "    price: 10\n",
            "    price: 10\n    sale:\n      price: 8\n      ends: 2030-13-01 20:00 #!\n",
        ),
        "not a real date",
    ),
    ("missing-price", replace("    price: 4.5\n", ""), "'price' is missing"),
    ("start-hour-25", replace('    start: "09:00"', '    start: "25:00" #!'), "hours go 0-23"),
    ("start-no-minutes", replace('    start: "09:00"', "    start: 9 #!"), "write it like 09:00"),
    ("start-garbage", replace('    start: "09:00"', "    start: morning #!"), "not a time of day"),
    ("end-before-start", replace('    end: "10:00"', '    end: "08:00" #!'), "before it starts"),
    ("start-equals-end", replace('    end: "10:00"', '    end: "09:00" #!'), "same time"),
    (
        "unknown-day",
        replace("    days: daily", "    days: [mon, funday] #!"),
        "'funday' is not a day",
    ),
    ("empty-days", replace("    days: daily", "    days: [] #!"), "should list days"),
    (
        "unknown-product-in-slot",
        replace("    products: [kettle, mug]", "    products: [kettle, mugg]"),
        "did you mean 'mug'",
    ),
    (
        "unknown-product-in-fallback",
        replace("  message: Back soon", "  message: Back soon\n  products: [teapot] #!"),
        "no product with the id 'teapot'",
    ),
    (
        "overlapping-slots",
        replace(
            "fallback:",
            "  - name: Late morning #!\n    days: [mon]\n"
            '    start: "09:30"\n    end: "11:00"\n'
            "    products: [mug]\nfallback:",
        ),
        "overlaps 'Morning'",
    ),
    (
        "overnight-overlap",
        replace(
            "fallback:",
            "  - name: Night owl #!\n    days: [sun]\n"
            '    start: "23:00"\n    end: "09:30"\n'
            "    overnight: true\n    products: [mug]\nfallback:",
        ),
        "overlaps 'Morning'",
    ),
    ("duplicate-product-id", replace("  - id: mug", "  - id: kettle #!"), "used twice"),
    (
        "empty-products",
        "store:\n  name: Shop\nproducts: [] #!\nfallback:\n  message: hi\n",
        "list is empty",
    ),
    (
        "slot-without-products",
        replace("    products: [kettle, mug]", "    products: [] #!"),
        "list is empty",
    ),
    (
        "per-product-words",
        replace(
            "    products: [kettle, mug]\n",
            "    products: [kettle, mug]\n    per_product: 5 minutes #!\n",
        ),
        "not a length of time",
    ),
    (
        "per-product-too-short",
        replace(
            "    products: [kettle, mug]\n", "    products: [kettle, mug]\n    per_product: 3s #!\n"
        ),
        "at least 10 seconds",
    ),
    (
        "unknown-style",
        replace(
            "    products: [kettle, mug]\n", "    products: [kettle, mug]\n    style: loud #!\n"
        ),
        "should be one of",
    ),
    (
        "dates-backwards",
        replace(
            "    days: daily\n",
            "    days: daily\n    dates:\n      from: 2026-12-10\n      until: 2026-12-01 #!\n",
        ),
        "last day is before the first day",
    ),
    (
        "features-not-list",
        replace("    features: [boils fast]", "    features: 3 #!"),
        "should be a list",
    ),
    ("missing-fallback", GOOD.split("fallback:")[0], "'fallback' is missing"),
    (
        "python-tag",
        replace("    name: Kettle", "    name: !!python/object:os.system x #!"),
        "not supported",
    ),
    ("name-too-long", replace("    name: Kettle", "    name: " + "K" * 90 + " #!"), "at most 80"),
    ("id-with-spaces", replace("  - id: mug", "  - id: coffee mug #!"), "should match"),
    ("top-level-list", "- store #!\n- products\n", "should be a section"),
    ("merge-key", replace("  - id: mug\n", "  - <<: {a: 1} #!\n    id: mug\n"), "merge keys"),
    (
        "off-air-half-window",
        replace("fallback:", 'off_air:\n  - days: daily #!\n    start: "01:00"\nfallback:'),
        "both a start and an end",
    ),
    (
        "faq-without-answer",
        replace(
            "    features: [holds tea]\n",
            "    features: [holds tea]\n    faq:\n      - question: Hot? #!\n",
        ),
        "'answer' is missing",
    ),
]


def expected_line(text: str) -> int:
    marked = [n for n, line in enumerate(text.splitlines(), 1) if "#!" in line]
    return marked[0] if marked else -1


def test_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 30
    assert len({name for name, _, _ in CASES}) == len(CASES)
    assert len({text for _, text, _ in CASES}) == len(CASES)


def test_good_base_is_valid() -> None:
    assert load_schedule_text(GOOD, "good.yaml").schedule.slots[0].products == ["kettle", "mug"]


@pytest.mark.parametrize(("name", "text", "gist"), CASES, ids=[c[0] for c in CASES])
def test_broken_schedule_is_refused_at_the_right_line(name: str, text: str, gist: str) -> None:
    with pytest.raises(ProblemsError) as caught:
        load_schedule_text(text, f"{name}.yaml")
    problems = caught.value.problems
    matching = [p for p in problems if gist.lower() in p.message.lower()]
    assert matching, f"no problem mentions {gist!r}: {[str(p) for p in problems]}"
    line = expected_line(text)
    if name == "unknown-product-in-slot":
        line = text.splitlines().index("    products: [kettle, mugg]") + 1
    if name == "missing-price":
        line = text.splitlines().index("  - id: mug") + 1
    if name == "missing-fallback":
        line = 1
    assert matching[0].line == line, str(matching[0])
    assert all(p.file == f"{name}.yaml" for p in problems)


def test_all_problems_are_reported_not_just_the_first() -> None:
    text = replace("    price: 10", "    price: -1").replace("    name: Mug", "    nmae: Mug")
    with pytest.raises(ProblemsError) as caught:
        load_schedule_text(text, "two.yaml")
    messages = " | ".join(p.message for p in caught.value.problems)
    assert "more than 0" in messages and "did you mean 'name'" in messages


def test_all_cross_field_problems_are_reported_together() -> None:
    text = textwrap.dedent("""\
        store: {name: Shop}
        products:
          - {id: a, name: A, price: 10, features: [x]}
          - {id: a, name: B, price: 5, features: [y]}
        slots:
          - {days: daily, start: "09:00", end: "08:00", products: [zz]}
        fallback: {message: hi}
        """)
    with pytest.raises(ProblemsError) as caught:
        load_schedule_text(text, "many.yaml")
    lines = sorted(p.line for p in caught.value.problems)
    assert lines == [4, 6, 6]


def test_sexagesimal_time_is_read_as_a_time_not_a_number() -> None:
    text = replace('    start: "09:00"', "    start: 9:30").replace(
        '    end: "10:00"', "    end: 10:45"
    )
    slot = load_schedule_text(text, "t.yaml").schedule.slots[0]
    assert (slot.start.hour, slot.start.minute, slot.end.hour, slot.end.minute) == (9, 30, 10, 45)


def test_sale_that_ended_is_a_warning_not_an_error() -> None:
    from datetime import datetime

    text = replace(
        "    price: 10\n",
        "    price: 10\n    sale:\n      price: 8\n      ends: 2020-01-01 20:00\n",
    )
    loaded = load_schedule_text(text, "w.yaml", now=datetime(2026, 1, 1))
    assert [w.severity for w in loaded.warnings] == ["warning"]
    assert "ended" in loaded.warnings[0].message


# --- numbers that validate must be usable: NaN, infinities, absurd sizes -------------

from datetime import datetime  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from livehost.schedule.planner import Planner  # noqa: E402

DURATIONS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([".nan", ".inf", "-.inf", "1e308", "0", "9", "10", "86400", "86401"]),
)


@settings(max_examples=150, deadline=None)
@given(value=DURATIONS)
def test_a_per_product_that_validates_can_be_planned(value) -> None:
    """Before: `.nan` and `.inf` validated and the planner (then the renderer) died."""
    text = replace("    products: [kettle, mug]\n",
                   f"    products: [kettle, mug]\n    per_product: {value}\n")
    try:
        schedule = load_schedule_text(text, "s.yaml").schedule
    except ProblemsError as exc:
        assert all(p.path and "per_product" in p.path for p in exc.problems), exc.problems
        return
    planner = Planner(schedule, ZoneInfo("UTC"))
    for minute in range(0, 60, 7):
        segment = planner.at(datetime(2026, 3, 10, 9, minute, tzinfo=ZoneInfo("UTC")))
        assert segment.product is not None


@pytest.mark.parametrize(
    ("old", "new", "gist"),
    [
        ("    name: Kettle\n", '    name: "\\u200b\\u2060"\n', "no letters or digits"),
        ("    name: Kettle\n", '    name: "Kettle\\0"\n', "control character (U+0000)"),
        ("features: [boils fast]", 'features: ["boils\\x07 fast"]', "control character (U+0007)"),
        ("  message: Back soon\n", '  message: "   "\n', "no letters or digits"),
    ],
)
def test_text_that_cannot_be_shown_or_spoken_is_refused(old, new, gist) -> None:
    # Before: accepted; a NUL made every line with the name fail in the voice, and an
    # invisible name left an empty card.
    with pytest.raises(ProblemsError) as caught:
        load_schedule_text(replace(old, new), "s.yaml")
    (problem,) = caught.value.problems
    assert gist in problem.message and problem.line is not None
