"""What the host says in Chinese (store.language: zh): the same names as talk_en.py.

Prices stay in the shop's notation (¥99, $19.99); the Chinese text normaliser reads them
as 99元 and so on. Every wording ends with a full stop of its own so that each sentence
is one caption and one entry in the director's repeat memory.
"""

from __future__ import annotations

from livehost.show.countdown import countdown_parts
from livehost.speech.normalize.numbers_zh import quantity

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
    "给新来的朋友说明一下：我是AI主播，不是真人。",
    "再提醒一次：本场直播的主播由AI生成。",
    "说明一下，我是{store}用AI打造的数字人主播。",
    "欢迎新朋友，先说明一下：我是AI虚拟主播。",
    "温馨提醒：屏幕上的主播是AI生成的。",
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
    "再来看看{name}。",
    "下一款是{name}。",
    "我们继续，接下来是{name}。",
    "换一个，来看看{name}。",
    "下面轮到{name}了。",
    "话不多说，来看{name}。",
    "接着给大家介绍{name}。",
]
INTRO = [
    "给大家看看这款{name}。",
    "这就是{name}。",
    "今天为大家带来{name}。",
    "认识一下{name}。",
    "好好看看这款{name}。",
    "来，{name}。",
    "来看看这款{name}。",
    "屏幕上这款就是{name}。",
    "给大家介绍一下{name}。",
    "我们仔细看看{name}。",
    "这一款是{name}。",
    "现在为大家展示的是{name}。",
    "请看，这就是{name}。",
    "带大家认识一下{name}。",
    "好，接下来是{name}。",
    "先来看{name}。",
    "来，跟我一起看看{name}。",
]
FEATURE = "{lead}：{f}。"  # a lead-in, then the feature as the schedule writes it
FEATURE_LEADS = [
    "大家看",
    "一大亮点",
    "我最喜欢的一点",
    "重点来了",
    "来看这个细节",
    "给大家说个细节",
    "这一点别错过",
    "这一点很重要",
    "再看这里",
    "值得一提",
    "还有一个好处",
    "又一个喜欢它的理由",
    "注意看",
    "再给大家讲一点",
    "另外",
    "不光如此",
    "还有",
    "特别要说的是",
    "你会发现",
    "给大家划个重点",
    "我要特别提一下",
    "看这个设计",
    "简单说",
    "告诉大家",
    "再说一个",
    "还要提一句",
    "仔细看",
    "你可能会注意到",
    "来说说这一点",
    "顺便说一下",
    "这里也要夸一下",
    "再来一个细节",
]
BENEFIT_LEADS = [
    "对你来说就是：{f}。",
    "这意味着：{f}。",
    "用起来的感觉就是：{f}。",
    "这对你很实用：{f}。",
    "想象一下自己用它：{f}。",
    "你得到的是：{f}。",
    "日常用起来就是：{f}。",
    "简单来说：{f}。",
    "换句话说：{f}。",
    "用的时候你会感受到：{f}。",
    "好处就在这里：{f}。",
    "你会喜欢这一点：{f}。",
    "给你带来的就是：{f}。",
    "说白了就是：{f}。",
]
PRICE = [
    "{name}的价格是{price}。",
    "这么多好处，只要{price}。",
    "{price}就能带回家。",
    "价格是{price}，非常实在。",
    "看一下价格：{price}。",
    "{price}就能拿下{name}。",
    "价格呢？只要{price}。",
    "{name}现在的价格：{price}。",
    "只要{price}，{name}就能到手。",
    "价格很简单：{price}。",
    "{price}，就能把{name}带回家。",
    "这款卖{price}。",
    "标价{price}。",
    "入手价{price}。",
    "{name}只需{price}。",
]
# sale lines only air while the sale runs
SALE = [
    "现在{name}只要{sale}，原价{price}。",
    "今天的活动价：{sale}，原价{price}。",
    "直接省{saving}：原价{price}，现在只要{sale}。",
    "现在打{zhe}折，只要{sale}。",
    "平时卖{price}，今天只要{sale}。",
    "来得正好：{name}正在打折，只要{sale}。",
    "活动期间，{name}只要{sale}。",
    "原价{price}，活动价{sale}，省下{saving}。",
    "限时优惠：{sale}，原价{price}。",
    "{name}现在打{zhe}折，只要{sale}。",
    "趁着活动，{sale}就能拿下{name}。",
    "活动结束前，{name}都是{sale}。",
    "今天下单只要{sale}，比原价省{saving}。",
    "活动价只要{sale}，别错过。",
    "现在买，原价{price}的{name}只要{sale}。",
]
# a line restating the price mid-turn: one with {sale}, {saving}, {percent} or {zhe} only
# airs during a sale, one without only when there is none
PRICE_REMINDER = [
    "再说一下，{name}的价格是{price}。",
    "{name}还是{price}。",
    "刚进来的朋友，价格是{price}。",
    "提醒一下，只要{price}。",
    "价格再报一遍：{price}。",
    "{name}，{price}，购物车里就有。",
    "提醒一下，现在只要{sale}，原价{price}。",
    "还在活动中：{sale}，不是{price}。",
    "活动价再说一遍：{sale}。",
    "现在打{zhe}折，{sale}就能拿下。",
    "刚进来的朋友，{name}现在只要{sale}。",
    "价格再报一次：原价{price}，现在{sale}。",
    "现在下单只要{sale}，省{saving}。",
    "再说一次，打{zhe}折，只要{sale}。",
]
CARD_COUNTDOWN = "距活动结束还有{countdown}"  # on the product card
OFF_AIR = "我们暂时下播了，稍后见！"  # on the slate
JOIN = ""  # Chinese sentences follow each other without a space
COUNTDOWN = [
    "离活动结束还有{countdown}。",
    "这个价格只剩{countdown}。",
    "还有{countdown}恢复原价，别犹豫。",
    "注意：这个优惠还有{countdown}。",
    "活动还剩{countdown}就结束了。",
    "抓紧时间，优惠只剩{countdown}。",
    "倒计时{countdown}，想要的抓紧。",
    "距离恢复原价还有{countdown}。",
    "还有{countdown}，活动价就没有了。",
    "优惠还剩{countdown}，喜欢的别等了。",
]
CALL_TO_ACTION = [
    "喜欢的话点购物车下单。",
    "先加入购物车，别忘了。",
    "关注店铺，下次直播不错过。",
    "有问题请在评论区留言。",
    "点个关注，更多好价等着你。",
    "链接就在购物车里。",
    "喜欢就赶紧点购物车吧。",
    "购物车就在下方，点一下就能下单。",
    "点下方的购物车，就能直接下单。",
    "想要的话，点屏幕下方的购物车。",
    "先加购物车，慢慢挑也可以。",
    "把直播间分享给需要的朋友吧。",
    "想了解更多，欢迎在评论区留言。",
    "点开购物车，能看到详细信息。",
    "喜欢我们的直播，记得点个关注。",
    "购物车图标就在下面，点它就行。",
    "下单就点购物车，很方便。",
]
# 观众多、气氛热烈（观众档位为 energetic）时更常提醒下单，所以多备一些说法
CALL_TO_ACTION_ENERGETIC = [
    "来来来，喜欢的赶紧点购物车！",
    "别光看了，点购物车拿下它！",
    "准备好了吗？现在就点购物车！",
    "心动不如行动，点开购物车！",
    "想要的朋友扣个想要，然后点购物车！",
    "点关注再点购物车，走起！",
    "看中了就别犹豫，点购物车！",
    "冲呀，点下面的购物车！",
    "喜欢就带走，点购物车就行！",
    "给主播点个关注，再把它加进购物车！",
    "一起点购物车，把它带回家！",
    "就是现在，点一下购物车！",
]
FAQ_LEADS = [
    "很多朋友问：{q}{a}",
    "经常有人问，{q}{a}",
    "你可能想知道，{q}{a}",
    "好多朋友关心：{q}{a}",
    "有朋友问：{q}{a}",
    "来回答一个常见问题：{q}{a}",
    "说到这里，很多人关心：{q}{a}",
    "顺便回答一下：{q}{a}",
    "大家常问的一个问题：{q}{a}",
    "可能有人想问：{q}{a}",
    "这个问题问得好：{q}{a}",
]
IDLE = [
    "{message}",
    "感谢来到{store}。",
    "等待的时候，可以看看{name}。",
    "关注店铺，下一场直播开始时会通知你。",
    "随便看看，下一场直播马上开始。",
    "很高兴在{store}见到你。",
    "别走开，{name}也值得一看。",
    "欢迎来到{store}，随便看看。",
    "谢谢你的陪伴。",
    "慢慢看，不着急。",
    "有什么想聊的，欢迎在评论区留言。",
    "欢迎新朋友来到{store}。",
    "趁这会儿，可以了解一下{name}。",
    "点个关注，不错过下一场直播。",
    "很高兴你能来。",
    "在评论区跟我们打个招呼吧。",
    "先休息一下，我们待会儿见。",
]
# {when} comes from when_words(): "马上", "二十分钟后", "在18:00"; it follows a subject
NEXT_UP = [
    "下一场直播{when}开始，为大家介绍{name}。",
    "{name}{when}登场，记得来看。",
    "我们{when}开始聊{name}，欢迎回来。",
    "{name}会{when}和大家见面。",
    "下一款{name}，我们{when}见。",
    "想看{name}的朋友，{when}回来哦。",
    "预告一下：{name}{when}开讲。",
    "{name}{when}就要上场了。",
    "下一场的主角是{name}，{when}开始。",
    "别忘了，{name}的讲解{when}开始。",
    "关注店铺，我们{when}一起看{name}。",
]
# idle lines about the shop: {store} and the fallback {message} only
STORE_LINES = [
    "{message}",
    "这里是{store}的直播间。",
    "谢谢你来{store}坐坐。",
    "关注{store}，开播第一时间就知道。",
    "欢迎来到{store}，很高兴见到你。",
    "{store}的商品都可以在这里看到。",
    "对{store}有什么问题，欢迎在评论区留言。",
    "这里是{store}，把这儿当自己家就好。",
    "{store}欢迎你常来看看。",
    "在评论区和{store}打个招呼吧。",
    "关注店铺，{store}再开播时会通知你。",
    "很高兴你来到{store}的直播间。",
    "有空常来{store}的直播间逛逛。",
]
# the idle host on a product it may mention, with one of its features as {f}
IDLE_PRODUCT = [
    "趁这会儿，说说{name}：{f}。",
    "{name}有一点我很喜欢：{f}。",
    "简单聊聊{name}：{f}。",
    "给大家讲讲{name}：{f}。",
    "说到{name}：{f}。",
    "比如{name}：{f}。",
    "好奇{name}的话，告诉你：{f}。",
    "关于{name}，有个小细节：{f}。",
    "顺便介绍一下{name}：{f}。",
    "来看看{name}：{f}。",
    "我们店的{name}：{f}。",
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


def when_words(minutes: int, clock: str, days_ahead: int = 0, weekday: int = 0) -> str:
    """When the next show starts, for NEXT_UP: 二十分钟后 within the hour, else 在18:00,
    在明天09:00 or 在周六10:00 on a later day (`weekday`: Monday is 0)."""
    if minutes < 1:
        return "马上"
    if minutes < 60:
        return f"{quantity(minutes)}分钟后"  # 两分钟后, 二十分钟后
    if days_ahead == 1:
        return f"在明天{clock}"
    if days_ahead >= 7:
        return f"在下{WEEKDAYS[weekday]}{clock}"
    if days_ahead > 1:
        return f"在{WEEKDAYS[weekday]}{clock}"
    return f"在{clock}"


WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


# 商品还在屏幕上、卖点刚讲过时和观众聊几句：不含任何承诺或数字；{name} 是当前商品。
# 每条只有一句，免得不同商品共用同一句（重复检查按句计算）。
ENGAGE = [
    "刚进直播间的朋友，我们正在看{name}。",
    "在评论区告诉我，你会用{name}来做什么。",
    "喜欢{name}的话，在评论区扣个1。",
    "对{name}有疑问的话，打在评论区，我来解答。",
    "身边有朋友需要{name}的话，把直播间分享给他。",
    "慢慢看，仔细看看{name}。",
    "还在吗，我们继续聊{name}。",
    "已经用过{name}的朋友，说说你的感受。",
    "刚来的朋友看这里，这是{name}。",
    "我们再靠近看看{name}。",
    "觉得{name}不错的话，点个赞。",
    "{name}放在你家合不合适，评论区告诉我。",
    "很想听听大家对{name}的看法。",
    "把{name}分享给一直在找它的朋友吧。",
    "想一想{name}放在家里哪个位置。",
    "关于{name}的问题，随时在评论区问我。",
    "欢迎新进来的朋友，随便看看。",
    "在评论区说说你在哪里看直播。",
    "谢谢大家今天来{store}的直播间。",
    "有问题继续在评论区留言，我都会看。",
    "喜欢这场直播的话，点个赞吧。",
    "感谢大家观看{store}的直播。",
]


# 一下子进来很多人时，给新朋友简短回顾当前商品：名字、第一条卖点 {f} 和现在的价格 {price}。
RECAP = [
    "刚进来的朋友，简单回顾一下：这是{name}。它的亮点：{f}。现在只要{price}。",
    "欢迎新来的朋友，我们正在看{name}。一句话说就是：{f}。价格是{price}。",
    "新进直播间的朋友看这里，这款是{name}。重点记住：{f}。只要{price}就能带走。",
    "给刚来的朋友介绍一下{name}。它的卖点：{f}。现在的价格：{price}。",
    "刚来的朋友别走开，这是{name}。选它的理由：{f}。只需{price}。",
]


# 下播画面上写明什么时候回来；{when} 来自 back_words()。
OFF_AIR_BACK = "我们暂时下播了，{when}回来"


def back_words(clock: str, days_ahead: int, weekday: int) -> str:
    """When the show is back, for OFF_AIR_BACK: 今天09:00, 明天09:00, 周六10:00 or, a week
    on, 下周二09:00 (`weekday`: Monday is 0)."""
    if days_ahead <= 0:
        return f"今天{clock}"
    if days_ahead == 1:
        return f"明天{clock}"
    if days_ahead >= 7:
        return f"下{WEEKDAYS[weekday]}{clock}"
    return f"{WEEKDAYS[weekday]}{clock}"
