"""The claim check on hand-written good and bad lines, English and Chinese."""

from __future__ import annotations

import pytest

from livehost.schedule.model import Schedule
from livehost.scripts.claims import check_line
from livehost.scripts.quantities import find_quantities

BAD = [
    ("kettle", "Grab it today for only $19.99!", "'$19.99': prices come from the schedule"),
    ("kettle", "Only 59.99 today, what a deal.", "'59.99': prices come from the schedule"),
    ("kettle", "Twenty dollars off, today only!", "'Twenty dollars': prices come from"),
    ("kettle", "It is 45 euros right now.", "'45 euros': prices come from the schedule"),
    ("pan", "It comes with a 3-year warranty.", "'3-year warranty': a warranty is not in"),
    ("knife-set", "Every knife has a lifetime warranty.", "a warranty is not in the product"),
    # the kettle has a warranty, of two years: three is a number the facts do not state
    ("kettle", "It comes with a 3-year warranty.", "'3-year': this measure is not in"),
    ("kettle", "This is the best kettle in the world.", "'best': a superlative"),
    ("kettle", "This is the best kettle in the world.", "'in the world': a superlative"),
    ("kettle", "Our #1 kettle, unbeatable value.", "'#1': a superlative"),
    ("kettle", "It boils 40% faster than your old one.", "'40%': this percentage is not in"),
    ("kettle", "It boils water in two minutes flat.", "'two minutes': this measure is not"),
    ("kettle", "Half the time of an ordinary kettle.", "'Half': this number is not in"),
    ("kettle", "It is BPA-free and completely non-toxic.", "'BPA-free': a health or safety"),
    ("kettle", "It is BPA-free and completely non-toxic.", "'non-toxic': a health or safety"),
    # the FAQ asks whether they are dishwasher safe, and the answer is no
    ("knife-set", "They are dishwasher safe, too.", "'dishwasher safe': a health or safety"),
    ("kettle", "Certified by the FDA for daily use.", "'Certified': a certification or legal"),
    ("kettle", "Certified by the FDA for daily use.", "'FDA': a certification or legal"),
    ("kettle", "Made by Philips for our shop.", "'Philips': a name that is not in"),
    ("kettle", "The sale ends on December 1 at 20:00.", "'December 1': dates and times come"),
    ("kettle", "The sale ends on December 1 at 20:00.", "'20:00': dates and times come"),
    ("kettle", "Order by Friday, everyone!", "'Friday': dates and times come"),
    ("kettle", "Free shipping on every order!", "'Free shipping': a promise about the offer"),
    ("mugs", "Rated five stars in every review.", "'Rated': a claim about sales, ratings"),
    ("kettle", "Use {discount} at the checkout.", "'{discount}' is not a placeholder"),
]


@pytest.mark.parametrize(("product", "text", "reason"), BAD)
def test_bad_lines_are_flagged_with_a_plain_reason(
    schedule: Schedule, product: str, text: str, reason: str
) -> None:
    reasons = check_line(text, schedule.product(product), schedule)
    assert any(reason in r for r in reasons), reasons


GOOD = [
    ("kettle", "Right now it is just {price}, and during the sale you save {saving}."),
    ("kettle", "It holds 1.5 litres and boils them in under four minutes."),
    ("kettle", "It boils 1.5 L in under four minutes."),
    ("kettle", "One and a half liters, boiled in under four minutes."),
    ("kettle", "A litre and a half, and it keeps warm for thirty minutes."),
    ("kettle", "It comes with a two-year warranty from the day you buy it."),
    ("kettle", "Welcome to {store}, and say hello to the {name}."),
    ("kettle", "Welcome to Maple Street Home & Kitchen, everyone."),
    ("kettle", "This is the one for you if you like to watch the water."),
    ("pan", "Oven safe up to 220 degrees Celsius, and made without PFAS."),
    ("pan", "A PFAS-free ceramic coating on a 28 cm pan."),
    ("mugs", "Four mugs of 350 ml each, microwave and dishwasher safe."),
    ("grinder", "Eighteen settings, from espresso to French press."),
    ("knife-set", "Five knives sharpened to 15 degrees, in a block that keeps the edges safe."),
    ("knife-set", "These are the only knives most kitchens will ever need."),
]


@pytest.mark.parametrize(("product", "text"), GOOD)
def test_good_lines_pass(schedule: Schedule, product: str, text: str) -> None:
    assert check_line(text, schedule.product(product), schedule) == []


def test_a_feature_number_may_be_said_in_other_words() -> None:
    said = {
        text: [(str(q.value), q.unit) for q in find_quantities(text)]
        for text in ("a full litre and a half", "1.5 L", "one and a half litres", "1.5 liters")
    }
    assert all(found == [("1.5", "l")] for found in said.values()), said


def test_chinese_good_lines_pass(zh_schedule: Schedule) -> None:
    kettle = zh_schedule.product("kettle")
    for text in (
        "{name}四分钟内就能烧开一壶水。",
        "一点五升的容量，一家人一起喝都够用。",
        "现在只要{price}，比原价省{saving}。",
        "保温三十分钟，然后自动断电，很省心。",
        "欢迎来到{store}！",
    ):
        assert check_line(text, kettle, zh_schedule) == [], text


def test_chinese_bad_line_is_flagged(zh_schedule: Schedule) -> None:
    reasons = check_line("全网最便宜，还有三年保修！", zh_schedule.product("kettle"), zh_schedule)
    assert "'最便宜': a superlative that is not in the product's facts" in reasons
    assert "'全网': a superlative that is not in the product's facts" in reasons
    assert "'保修': a warranty is not in the product's facts" in reasons
    assert "'三年': this measure is not in the product's facts" in reasons


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("只要99元，快来买！", "'99元': prices come from the schedule"),
        ("打七五折，今晚8点结束。", "'七五折': prices come from the schedule"),
        ("打七五折，今晚8点结束。", "'8点': dates and times come from the schedule"),
        ("它通过了FDA认证，非常安全。", "'FDA': a certification or legal claim"),
        ("它通过了FDA认证，非常安全。", "'安全': a health or safety claim"),
        ("第一名的水壶，销量第一。", "'第一': a superlative"),
        ("比普通水壶快百分之四十。", "'百分之四十': this percentage is not in"),
    ],
)
def test_more_chinese_claims(zh_schedule: Schedule, text: str, reason: str) -> None:
    reasons = check_line(text, zh_schedule.product("kettle"), zh_schedule)
    assert any(reason in r for r in reasons), reasons
