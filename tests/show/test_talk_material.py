"""The host's wordings (talk_en, talk_zh), the writer's lead-in memory, spoken names, the
store's own FAQ, and the material estimate behind `livehost check`'s thin-product warning."""

from __future__ import annotations

import itertools
import random
import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.show.zh_schedule import ZH_SCHEDULE

from livehost.cli.check import thin_products
from livehost.problems import ProblemsError
from livehost.schedule.load import load_schedule_file, load_schedule_text
from livehost.show import talk, talk_en, talk_zh
from livehost.show.material import SPEECH_RATE, product_material, speaking_seconds

LANGS = [talk_en, talk_zh]
PRODUCT = {"name", "store", "price"}
SALE = PRODUCT | {"sale", "saving", "percent", "zhe"}
# the placeholders each list may use (what the director fills in), and its minimum size
LISTS: dict[str, tuple[set[str], int]] = {
    "OPENING": ({"store"}, 2),
    "NOTICE": ({"store"}, 8),
    "TRANSITION": (PRODUCT, 14),
    "INTRO": (PRODUCT, 16),
    "FEATURE_LEADS": (set(), 30),
    "BENEFIT_LEADS": ({"f"}, 12),
    "PRICE": (PRODUCT, 14),
    "SALE": (SALE, 14),
    "PRICE_REMINDER": (SALE, 12),
    "COUNTDOWN": ({"countdown"}, 10),
    "CALL_TO_ACTION": (PRODUCT, 16),
    "FAQ_LEADS": ({"q", "a"}, 10),
    "IDLE": ({"message", "store", "name"}, 16),
    "NEXT_UP": ({"name", "store", "when"}, 10),
    "STORE_LINES": ({"store", "message"}, 12),
    "IDLE_PRODUCT": ({"name", "store", "f"}, 10),
}
MUST_USE = {
    "BENEFIT_LEADS": {"f"},
    "FAQ_LEADS": {"q", "a"},
    "COUNTDOWN": {"countdown"},
    "NEXT_UP": {"name", "when"},
    "IDLE_PRODUCT": {"name", "f"},
}
SALE_WORDS = re.compile(r"\b(sale|deal ends|discount(ed)?)\b|促销|特价|打折|折扣|优惠", re.I)
BRANDS = re.compile(
    r"tiktok|douyin|taobao|youtube|twitch|bilibili|kuaishou|amazon|"
    r"抖音|淘宝|快手|小红书|京东|拼多多|天猫",
    re.I,
)
CLAIMS = re.compile(
    r"\b(best|cheapest|lowest|guarantee[ds]?|safest|healthiest|cures?|"
    r"number one|100%)\b|最好|最低|最便宜|第一名|保证|治疗|根治|全网最|绝对|史上",
    re.I,
)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def templates(lang, name: str) -> list[str]:
    if name == "FEATURE_LEADS":  # lead-ins go into FEATURE, which has its own placeholders
        return [lang.FEATURE.format(lead=lead, f="{f}") for lead in lang.FEATURE_LEADS]
    return list(getattr(lang, name))


def every_template(lang):
    for name in LISTS:
        for template in templates(lang, name):
            yield name, template


@pytest.mark.parametrize("lang", LANGS, ids=["en", "zh"])
def test_every_template_fills_with_known_placeholders_only(lang) -> None:
    values = {p: "X" for p in set().union(*(allowed for allowed, _ in LISTS.values()))}
    for name, template in every_template(lang):
        allowed = LISTS[name][0] | ({"f"} if name == "FEATURE_LEADS" else set())
        used = placeholders(template)
        assert used <= allowed, (name, template)
        assert MUST_USE.get(name, set()) <= used, (name, template)
        filled = template.format(**values)
        assert "{" not in filled and "}" not in filled, (name, template)
    assert placeholders(lang.FEATURE) == {"lead", "f"}
    assert placeholders(lang.CARD_COUNTDOWN) == {"countdown"}
    assert lang.FEATURE_LEADS and all("{" not in lead for lead in lang.FEATURE_LEADS)


@pytest.mark.parametrize("lang", LANGS, ids=["en", "zh"])
def test_each_list_has_enough_distinct_wordings(lang) -> None:
    for name, (_, least) in LISTS.items():
        wordings = getattr(lang, name)
        assert len(wordings) >= least, name
        assert len(set(wordings)) == len(wordings), name


def test_english_and_chinese_have_the_same_names() -> None:
    def names(module) -> set[str]:
        return {n for n in vars(module) if n.isupper() and not n.startswith("_")}

    assert names(talk_en) == names(talk_zh)
    for function in ("sentence", "question", "feature_text", "countdown_words", "when_words"):
        assert callable(getattr(talk_en, function)) and callable(getattr(talk_zh, function))


@pytest.mark.parametrize("lang", LANGS, ids=["en", "zh"])
def test_templates_make_no_claims_name_no_brand_and_end_a_sale_only_in_a_sale(lang) -> None:
    for name, template in every_template(lang):
        assert not re.search(r"\d", template), (name, template)  # no numbers: they air for all
        assert not CLAIMS.search(template), (name, template)
        assert not BRANDS.search(template), (name, template)
        if name not in ("SALE", "COUNTDOWN") and SALE_WORDS.search(template):
            # a sale-only line must say so by its placeholders (the director filters on them)
            assert placeholders(template) & {"sale", "saving", "percent", "zhe"}, template
        assert len(template.split()) <= 25 or lang is talk_zh, template


def test_chinese_lines_are_chinese_with_full_width_punctuation() -> None:
    for name, template in every_template(talk_zh):
        bare = re.sub(r"\{\w+\}", "", template).replace("AI", "")  # the AI label stays AI
        assert not re.search(r"[A-Za-z]", bare), (name, template)
        assert not re.search(r"[,.!?:;]", bare), (name, template)
        assert len(bare) <= 40, (name, template)


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(2, 8),
    steps=st.lists(st.sets(st.integers(0, 7)), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
)
def test_no_lead_in_twice_in_a_row(size: int, steps: list[set[int]], seed: int) -> None:
    schedule = load_schedule_text(ZH_SCHEDULE, "zh.yaml").schedule
    wordings = [f"第{i}种说法。" for i in range(size)]
    memory = talk.LeadMemory()
    last = None
    for said in steps:  # each step: some wordings were said lately
        recent = {wordings[i] for i in said if i < size}
        writer = talk.Writer(schedule, recent, random.Random(seed), memory)
        seed += 1
        picked = writer.pick(wordings, "lead")
        fresh = [w for w in wordings if w not in recent]
        if not fresh:
            assert picked is None
            continue
        assert picked in fresh
        if len(fresh) > 1 or fresh != [last]:
            assert picked != last
        assert memory.last("lead") == picked
        last = picked


def test_features_benefits_and_faqs_each_get_their_own_lead_memory(sample_schedule) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    kettle = schedule.product("kettle")
    writer = talk.Writer(schedule, set(), random.Random(3))  # memory: a fresh one
    benefits = [writer.benefit(kettle, i) for i in range(len(kettle.features))]
    assert all(
        b and any(b == t.format(f=talk_en.feature_text(f)) for t in talk_en.BENEFIT_LEADS)
        for b, f in zip(benefits, kettle.features, strict=True)
    )
    writer.feature(kettle, 0)
    writer.faq(kettle, 0)
    assert {k for k in ("feature", "benefit", "faq") if writer.memory.last(k)} == {
        "feature",
        "benefit",
        "faq",
    }
    leads = [writer.feature(kettle, 0).split(":")[0] for _ in range(30)]
    assert all(a != b for a, b in itertools.pairwise(leads))


def test_the_spoken_name_is_said_but_the_card_keeps_the_name(sample_schedule) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    mugs = schedule.product("mugs")
    assert mugs.name == "Stoneware Mug Set (4 x 350 ml)"
    writer = talk.Writer(schedule, set(), random.Random(1))
    assert writer.product_values(mugs)["name"] == "stoneware mug set"
    assert writer.product_values(schedule.product("pan"))["name"] == "Everyday Ceramic Pan, 28 cm"
    line = writer.pick(talk_en.INTRO, "intro", **writer.product_values(mugs))
    assert "stoneware mug set" in line and "350" not in line


def test_store_faq_and_about_validate(sample_schedule: Path, tmp_path: Path) -> None:
    store = load_schedule_file(sample_schedule).schedule.store
    assert store.about and len(store.faq) >= 2
    assert all(f.question.endswith("?") and f.answer for f in store.faq)
    text = sample_schedule.read_text()
    broken = text.replace(
        "      answer: Yes, within thirty days, in its original packaging.\n",
        "      answr: Yes, within thirty days.\n",
    )
    with pytest.raises(ProblemsError) as caught:
        load_schedule_text(broken, str(tmp_path / "s.yaml"))
    line = broken.splitlines().index("      answr: Yes, within thirty days.") + 1
    paths = {(p.line, p.path) for p in caught.value.problems}
    assert (line, "store.faq[2].answr") in paths
    too_long = text.replace("  about: A family-run", "  about: " + "x" * 500 + " A family-run")
    with pytest.raises(ProblemsError) as caught:
        load_schedule_text(too_long, "s.yaml")
    assert [p.path for p in caught.value.problems] == ["store.about"]


def test_when_words() -> None:
    assert talk_en.when_words(20, "18:00") == "in 20 minutes"
    assert talk_en.when_words(1, "18:00") == "in a minute"
    assert talk_en.when_words(90, "18:00") == "at 18:00"
    assert talk_zh.when_words(20, "18:00") == "二十分钟后"
    assert talk_zh.when_words(2, "18:00") == "两分钟后"
    assert talk_zh.when_words(90, "18:00") == "在18:00"
    line = talk_en.NEXT_UP[0].format(name="kettle", when=talk_en.when_words(20, "18:00"))
    assert line == "Coming up in 20 minutes: the kettle."


def test_speaking_time_follows_the_voices_rate() -> None:
    assert SPEECH_RATE["zh"] == 4.5 and 15 <= SPEECH_RATE["en"] <= 20
    assert speaking_seconds("一二三四五六七八九", "zh") == pytest.approx(2.0)
    # what the voice reads: the price in words takes longer than "$19.99" looks
    assert speaking_seconds("It's $19.99.", "en") > len("It's $19.99.") / SPEECH_RATE["en"]


def generated(features: int, faqs: int, per_product: str = "3m") -> str:
    """A schedule with a thin product and one with `features` features and `faqs` FAQs."""
    rich = "\n".join(
        f"      - Feature number {i} is a longer sentence about what the thing does well"
        for i in range(features)
    )
    questions = (
        "\n".join(
            f"      - question: Can I ask question number {i} about it?\n"
            f"        answer: Yes, and the answer to question {i} takes a sentence to say."
            for i in range(faqs)
        )
        or "      []"
    )
    return f"""\
store:
  name: Test Shop
products:
  - id: rich
    name: Rich Thing
    price: 10
    features:
{rich}
    faq:
{questions}
  - id: thin
    name: Thin Thing
    price: 10
    features: [Small]
  - id: idle-only
    name: Idle Thing
    price: 10
    features: [Small]
slots:
  - days: daily
    start: "09:00"
    end: "17:00"
    products: [rich, thin]
    per_product: {per_product}
fallback:
  message: Back soon.
  products: [idle-only]
"""


def test_a_thin_product_is_warned_about_at_its_line_and_a_rich_one_is_not() -> None:
    text = generated(features=12, faqs=6)
    loaded = load_schedule_text(text, "generated.yaml")
    warnings = thin_products(loaded)
    assert [(w.line, w.path, w.severity) for w in warnings] == [
        (text.splitlines().index("  - id: thin") + 1, "products[1]", "warning")
    ]
    assert "'thin' has about" in warnings[0].message and "3 min turn" in warnings[0].message
    assert "add features, FAQ or approved script lines" in warnings[0].message
    rich = product_material(loaded.schedule, loaded.schedule.product("rich"))
    assert rich.fact_seconds >= 90 and rich.facts == 1 + 12 + 6 + 2
    # the same product is thin for a long enough turn
    long_turn = load_schedule_text(generated(12, 6, per_product="20m"), "g.yaml")
    assert [w.path for w in thin_products(long_turn)] == ["products[0]", "products[1]"]


def test_approved_script_lines_count_as_material() -> None:
    loaded = load_schedule_text(generated(1, 0, per_product="1m"), "generated.yaml")
    schedule = loaded.schedule
    thin = schedule.product("thin")
    before = product_material(schedule, thin)
    story = ["People pick the {name} up and carry it from room to room, and it costs {price}."]
    after = product_material(
        schedule,
        thin,
        {
            "story": story * 1 + ["A second story line about the thing."],
            "price": ["Only {sale} today."],
            "idle": ["Not in the turn."],
        },
    )
    assert after.facts == before.facts + 2  # the sale line needs a sale; idle is not a turn
    assert after.fact_seconds > before.fact_seconds + 5
    assert after.lines == before.lines + 2
    assert "products[1]" in [w.path for w in thin_products(loaded)]
    lines = {
        "thin": {
            "story": [f"Story line {i} about the thin thing, told at length." for i in range(12)]
        }
    }
    assert "products[1]" not in [w.path for w in thin_products(loaded, lines)]


def test_material_counts_lines_that_do_not_repeat_a_sentence(sample_schedule) -> None:
    schedule = load_schedule_file(sample_schedule).schedule
    kettle = product_material(schedule, schedule.product("kettle"))
    pan = product_material(schedule, schedule.product("pan"))
    # each FAQ answer and the description are one sentence each: said once per window
    assert kettle.lines > 100 and kettle.sentences >= kettle.lines
    assert kettle.talk_seconds > 300  # ten minutes of wordings, ...
    assert kettle.fact_seconds < 60 and pan.fact_seconds < kettle.fact_seconds  # ... few facts
