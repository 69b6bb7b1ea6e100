"""The normaliser turns what a sales talk writes into what the voice should say."""

from __future__ import annotations

import pytest

from livehost.speech.normalize import language_of, normalize, register_locale

EN = [
    # prices with symbols
    ("Only $19.99 today!", "Only nineteen dollars and ninety-nine cents today!"),
    ("Just $5.", "Just five dollars."),
    ("Now $1 each", "Now one dollar each"),
    ("Now $0.99", "Now ninety-nine cents"),
    ("It was $1,299.00", "It was one thousand two hundred ninety-nine dollars"),
    ("£3.50 a cup", "three pounds and fifty pence a cup"),
    ("€20 off", "twenty euros off"),
    ("¥1,200 in Tokyo", "one thousand two hundred yen in Tokyo"),
    ("save $1.5k", "save one point five thousand dollars"),
    # prices with codes
    ("5 EUR each", "five euros each"),
    ("EUR 12.50", "twelve euros and fifty cents"),
    ("Price: 12.50 CHF", "Price: twelve Swiss francs and fifty centimes"),
    ("99 CNY", "ninety-nine yuan"),
    ("300 SEK", "three hundred S E K"),
    ("3 for $10", "three for ten dollars"),
    # percentages and discounts
    ("30% off everything", "thirty percent off everything"),
    ("Save -20% now", "Save twenty percent off now"),
    ("12.5% more", "twelve point five percent more"),
    ("It is 2 for 1!", "It is two for one!"),
    ("2-for-1 deal", "two for one deal"),
    ("BOGO today", "buy one get one today"),
    ("1/2 price", "one half price"),
    # units and sizes
    ("A 500 ml bottle", "A five hundred milliliters bottle"),
    ("2 kg bag", "two kilograms bag"),
    ("1 kg", "one kilogram"),
    ("The 15.6-inch laptop", "The fifteen point six inch laptop"),
    ('a 55" TV', "a fifty-five inches TV"),
    ("4K TV at 1080p", "four K TV at ten eighty p"),
    ("5000 mAh battery", "five thousand milliamp hours battery"),
    ("30x40 cm", "thirty by forty centimeters"),
    ("about 2.5 L", "about two point five liters"),
    ("-5 °C", "minus five degrees Celsius"),
    ("buy 3 pcs", "buy three pieces"),
    ("It is 2x faster", "It is two times faster"),
    # times and dates
    ("Open until 8 pm.", "Open until eight p m."),
    ("until 8:30 p.m. today", "until eight thirty p m today"),
    ("at 20:00", "at eight p m"),
    ("from 9:05", "from nine oh five a m"),
    ("Ends Nov 30", "Ends November thirtieth"),
    ("on 30 Nov", "on November thirtieth"),
    ("until 12/24", "until December twenty-fourth"),
    ("from 2026-12-01", "from December first, twenty twenty-six"),
    ("since 1998", "since nineteen ninety-eight"),
    # ordinals
    ("our 3rd year", "our third year"),
    ("the 21st customer", "the twenty-first customer"),
    ("the 100th order", "the one hundredth order"),
    ("#1 seller", "number one seller"),
    # phone numbers
    ("Call 555-123-4567", "Call five five five, one two three, four five six seven"),
    ("call (555) 123-4567", "call five five five, one two three, four five six seven"),
    ("Call +1 555 123 4567", "Call plus one, five five five, one two three, four five six seven"),
    # model names with digits
    ("The X200 is here", "The X two hundred is here"),
    ("iPhone 15 Pro", "iPhone fifteen Pro"),
    ("RTX 4090 card", "RTX forty ninety card"),
    ("WH-1000XM5 headphones", "W H one thousand X M five headphones"),
    ("5G phone", "five G phone"),
    # handles and URLs
    ("Follow @maple_store", "Follow at maple store"),
    ("Follow @MapleStore", "Follow at Maple Store"),
    ("visit https://maple.shop/deals", "visit maple dot shop slash deals"),
    ("go to www.maple-store.com", "go to w w w dot maple dash store dot com"),
    ("mail help@maple.shop", "mail help at maple dot shop"),
    ("#summer sale", "hashtag summer sale"),
    # emoji and symbols
    ("Great 😀🔥 price ✨", "Great price"),
    ("Love it ❤️!", "Love it!"),
    ("👍🏽 deal", "deal"),
    ("Salt & pepper", "Salt and pepper"),
    ("Mr. Smith", "Mister Smith"),
    ("10-20 pieces", "ten to twenty pieces"),
    ("1,299 units", "one thousand two hundred ninety-nine units"),
]

ZH = [
    ("¥99", "九十九元"),
    ("今天只要¥19.99！", "今天只要十九元九角九分！"),
    ("￥0.5", "五角"),
    ("¥10.05", "十元零五分"),
    ("满100元减30元", "满一百元减三十元"),
    ("RMB 2000", "两千元"),
    ("12块", "十二元"),
    ("30%的折扣", "百分之三十的折扣"),
    ("打8折", "打八折"),
    ("8.5折", "八五折"),
    ("买2件", "买两件"),
    ("500ml", "五百毫升"),
    ("2kg装", "两公斤装"),
    ("晚上8:30开播", "晚上八点三十分开播"),
    ("电话 13812345678", "电话 幺三八幺二三四五六七八"),
    ("第3款 😀", "第三款"),
    ("共10005人", "共一万零五人"),
    ("还剩2天", "还剩两天"),
    ("1小时2分钟", "一小时两分钟"),
    ("现在只要$19.99", "现在只要十九点九九美元"),
    ("€5，原价HK$1,200", "五欧元，原价一千二百港元"),
]


@pytest.mark.parametrize(("written", "spoken"), EN)
def test_english(written: str, spoken: str) -> None:
    assert normalize(written, "en_US") == spoken


@pytest.mark.parametrize(("written", "spoken"), ZH)
def test_chinese(written: str, spoken: str) -> None:
    assert normalize(written, "zh_CN") == spoken


def test_table_is_large_enough() -> None:
    assert len(EN) + len(ZH) >= 60


def test_locale_is_taken_from_its_language_part() -> None:
    assert language_of("en-us") == "en"
    assert language_of("zh_CN") == "zh"
    assert normalize("¥99", "zh-cn") == "九十九元"
    # Piper's Chinese voices name espeak-ng's Mandarin and Cantonese voices
    assert language_of("cmn") == language_of("yue") == "zh"
    assert normalize("¥99", "cmn") == "九十九元"


def test_a_language_without_rules_only_loses_emoji() -> None:
    assert normalize("Prix 19,99 € 😀", "fr_FR") == "Prix 19,99 €"


def test_a_new_locale_plugs_in() -> None:
    register_locale("xx", lambda text: text.upper())
    assert normalize("hello", "xx_YY") == "HELLO"
