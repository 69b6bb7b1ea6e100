"""A Chinese-language shop (store.language: zh): the host's lines, the card, the checks."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.show.test_director import Clock
from tests.show.zh_schedule import HAN, ZH_SCHEDULE

from livehost.problems import ProblemsError
from livehost.schedule.load import load_schedule_file
from livehost.show import talk, talk_en, talk_zh
from livehost.show.director import Director
from livehost.show.inbox import Pin, Say

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 27, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def schedule(tmp_path: Path):
    path = tmp_path / "schedule.yaml"
    path.write_text(ZH_SCHEDULE, encoding="utf-8")
    return load_schedule_file(path).schedule


def run(director: Director, clock: Clock, seconds: float) -> list:
    said = []
    while clock.now < seconds:
        line = director.next_utterance(NOON + timedelta(seconds=clock.now))
        if line is not None:
            said.append(line)
        clock.now += 6.0 if line else 2.0
    return said


def test_the_host_talks_chinese_and_says_it_is_ai_generated(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(
        lambda: schedule, SHANGHAI, seed=1, clock=clock, notice_every=120
    )
    lines = run(director, clock, 600)
    assert lines[0].kind == "opening" and "AI生成" in lines[0].text
    assert all(u.language == "zh" for u in lines)
    assert all(HAN.search(u.text) for u in lines), [u.text for u in lines if not HAN.search(u.text)]
    assert not any(re.search(r"\b(the|and|is)\b", u.text) for u in lines)  # no English wording
    sentences = [s for u in lines for s in talk.sentences(u.text)]
    assert len(sentences) > 60
    repeated = {s for s in sentences if sentences.count(s) > 1}
    assert not repeated, repeated


def test_sale_countdown_features_and_faq_read_as_chinese(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, SHANGHAI, seed=3, clock=clock)
    director.inbox.put(Pin("kettle"))
    lines = run(director, clock, 180)
    by_kind = {u.kind: u.text for u in lines}
    assert "¥149" in by_kind["sale"]
    assert "2天" in by_kind["countdown"]  # Friday noon to Sunday 20:00
    features = [u.text for u in lines if u.kind == "feature"]
    assert any(f.endswith("：防干烧自动断电。") for f in features)  # one full stop, not two
    assert "壶盖可以拆下来吗？可以，拆下来清洗很方便。" in by_kind["faq"]
    assert by_kind["cta"].endswith("。")
    # the shop's own call to action becomes one sentence, with a Chinese full stop
    assert talk_zh.sentence("点击购物车，今天下单明天发货") == "点击购物车，今天下单明天发货。"


def test_chinese_sentences_are_told_apart_for_the_repeat_memory() -> None:
    assert talk.sentences("欢迎来到枫林家居！我是AI主播。价格是¥199。") == [
        "欢迎来到枫林家居！", "我是AI主播。", "价格是¥199。"]


def test_countdown_words() -> None:
    assert talk_zh.countdown_words(3 * 86400) == "3天"
    assert talk_zh.countdown_words(86400 + 2 * 3600) == "1天2小时"
    assert talk_zh.countdown_words(3600 + 5 * 60) == "1小时5分钟"
    assert talk_zh.countdown_words(30) == "不到一分钟"
    assert talk.phrases("zh") is talk_zh and talk.phrases("en") is talk_en


def test_a_language_we_do_not_speak_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(ZH_SCHEDULE.replace("language: zh", "language: fr"), encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        load_schedule_file(path)
    problems = caught.value.problems
    assert [(p.line, p.path) for p in problems] == [(4, "store.language")]
    assert "'en' or 'zh'" in problems[0].message


def test_chinese_punctuation_and_joins(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, SHANGHAI, seed=3, clock=clock)
    director.inbox.put(Pin("mug"))
    lines = run(director, clock, 180)
    features = [u.text for u in lines if u.kind == "feature"]
    assert any(f.endswith("：超级耐用。") for f in features), features  # not "！。"
    faq = next(u.text for u in lines if u.kind == "faq")
    assert "可以进微波炉吗？可以。" in faq  # a question gets its question mark
    director.inbox.put(Pin("kettle"))
    intro = next(u.text for u in run(director, clock, 300) if u.kind == "intro")
    assert intro.endswith("。高硼硅玻璃壶身，看得见的沸腾。")  # no space between sentences
    assert talk_en.question("Is it safe") == "Is it safe?"
    assert talk_zh.question("好用吗？") == "好用吗？"


def test_the_discount_is_also_said_the_chinese_way(schedule) -> None:
    writer = talk.Writer(schedule, set(), random.Random(1))
    values = writer.product_values(schedule.product("kettle"))
    assert values["zhe"] == "7.5" and values["percent"] == 25  # 149 of 199


def test_operator_lines_are_spoken_in_the_language_they_are_written_in(schedule) -> None:
    clock = Clock()
    director = Director.for_schedule(lambda: schedule, SHANGHAI, seed=1, clock=clock)
    director.inbox.put(Say("Doors close in ten minutes."))
    director.inbox.put(Say("门店十分钟后关门。"))
    first, second = (director.next_utterance(NOON) for _ in range(2))
    assert (first.language, second.language) == ("en", "zh")


def test_a_locale_in_the_schedule_means_its_language(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(ZH_SCHEDULE.replace("language: zh", "language: zh_CN"), encoding="utf-8")
    assert load_schedule_file(path).schedule.store.language == "zh"
