"""What the host says in Chinese (store.language: zh): the same names as talk_en.py.

Prices stay in the shop's notation (¥99, $19.99); the Chinese text normaliser reads them
as 99元 and so on. Every wording ends with a full stop of its own so that each sentence
is one caption and one entry in the director's repeat memory.
"""

from __future__ import annotations

from livehost.show.countdown import countdown_parts

LANGUAGE = "zh"

OPENING = [
    "大家好，欢迎来到{store}直播间！我是今天的主播，一位由AI生成的虚拟主播，不是真人。",
    "欢迎各位来到{store}！先说明一下：我是本店用AI制作的数字主播。",
]
NOTICE = [
    "提醒一下，我是AI生成的虚拟主播，不是真人。",
    "温馨提示：你正在观看的主播由AI生成。",
    "再说明一下：我是{store}用AI制作的虚拟主播。",
    "刚进来的朋友注意一下：我是AI主播，这场直播是自动制作的。",
]
TRANSITION = [
    "接下来看看{name}。",
    "我们换一款，来看{name}。",
    "下面给大家介绍{name}。",
    "来看下一款：{name}。",
    "好，我们聊聊{name}。",
    "这款是我特别喜欢的：{name}。",
    "马上为大家带来{name}。",
    "我们切换到{name}。",
]
INTRO = [
    "给大家看看这款{name}。",
    "这就是{name}。",
    "今天为大家带来{name}。",
    "认识一下{name}。",
    "好好看看这款{name}。",
    "来，{name}。",
]
FEATURE = "{lead}：{f}。"  # a lead-in, then the feature as the schedule writes it
FEATURE_LEADS = [
    "大家看",
    "最大的亮点",
    "我最喜欢的一点",
    "重点来了",
    "买过的顾客都喜欢",
    "给大家说个细节",
    "这一点别错过",
    "这一点很重要",
    "再看这里",
    "值得一提",
    "还有一个好处",
    "又一个喜欢它的理由",
]
PRICE = [
    "{name}的价格是{price}。",
    "这么多好处，只要{price}。",
    "{price}就能带回家。",
    "价格是{price}，非常实在。",
    "看一下价格：{price}。",
    "{price}就能拿下{name}。",
    "价格呢？只要{price}。",
]
SALE = [
    "现在{name}只要{sale}，原价{price}。",
    "今天的活动价：{sale}，原价{price}。",
    "直接省{saving}：原价{price}，现在只要{sale}。",
    "现在打{zhe}折，只要{sale}。",
    "平时卖{price}，今天只要{sale}。",
    "来得正好：{name}正在打折，只要{sale}。",
]
CARD_COUNTDOWN = "距活动结束还有{countdown}"  # on the product card
OFF_AIR = "我们暂时下播了，稍后见！"  # on the slate
JOIN = ""  # Chinese sentences follow each other without a space
COUNTDOWN = [
    "离活动结束还有{countdown}。",
    "这个价格只剩{countdown}。",
    "还有{countdown}恢复原价，别犹豫。",
    "注意：这个优惠还有{countdown}。",
]
CALL_TO_ACTION = [
    "喜欢的话点购物车下单。",
    "先加入购物车，别忘了。",
    "关注店铺，下次优惠不错过。",
    "有问题请在评论区留言。",
    "点个关注，更多好价等着你。",
    "链接就在购物车里。",
    "喜欢就赶紧点购物车吧。",
]
FAQ_LEADS = [
    "很多朋友问：{q}{a}",
    "经常有人问，{q}{a}",
    "你可能想知道，{q}{a}",
    "好多朋友关心：{q}{a}",
]
IDLE = [
    "{message}",
    "感谢来到{store}。",
    "等待的时候，可以看看{name}。",
    "关注店铺，下一场直播开始时会通知你。",
    "随便看看，下一场直播马上开始。",
    "很高兴在{store}见到你。",
    "别走开，{name}是我们店的人气好物。",
]

_ENDS = "。！？.!?"


def sentence(text: str) -> str:
    """A fact from the schedule as one sentence: a Chinese full stop unless it has an end."""
    text = text.strip()
    return text if text[-1:] in _ENDS else text + "。"


def question(text: str) -> str:
    """A question from the schedule, ending as one."""
    text = text.strip()
    return text if text[-1:] in _ENDS else text + "？"


def feature_text(feature: str) -> str:
    return feature.strip().rstrip(_ENDS + "，；,;")


def countdown_words(seconds: float) -> str:
    days, hours, mins = countdown_parts(seconds)
    if days >= 2:
        return f"{days}天"
    if days == 1:
        return f"1天{hours}小时" if hours else "1天"
    if hours:
        return f"{hours}小时{mins}分钟" if mins else f"{hours}小时"
    if mins >= 1:
        return f"{mins}分钟"
    return "不到一分钟"
