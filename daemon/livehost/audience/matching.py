"""Map a viewer's comment to one approved fact of the schedule, or to nothing.

The host answers comments only with what the shop wrote: a FAQ answer, a feature or the
live price of the product on air, or a store-wide FAQ answer. In order:

1. staff keywords of a FAQ entry found in the comment (the product's entries, then the
   store's): that entry;
2. a price question ("how much", "多少钱"): the product's price, the sale price while the
   sale runs;
3. for a question, the most similar fact by sentence embedding (multilingual-e5-small, so
   Chinese comments find English facts too), if similar enough, among the facts that
   name every topic the question names (warranty, colour, dishwasher, delivery ...) or,
   for a question without one, among those sharing a word with it. None of them: the
   shop never said, and there is no answer.

Another product's facts are never candidates: a question about the kettle's lid while the
pan is on air gets the pan's answer or none, never the kettle's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from livehost.audience.embedding import Embedder, shared_embedder
from livehost.schedule.currencies import format_price
from livehost.schedule.model import Faq, Product, Schedule

# Chosen on tests/audience/labelled_comments.yaml: the cosine similarity (of an English
# question with an English fact) that answers the most labelled comments right with none
# answered wrong; test_matching.py prints the curve and fails when another would be better.
DEFAULT_THRESHOLD = 0.815

# e5's similarities run higher between two Chinese texts and lower across languages, so
# the threshold moves with the languages of question and fact: by the mean cosine of the
# labelled comments with the facts of the product on air, less that of English with English.
LANGUAGE_SHIFT = {  # (comment, fact)
    ("en", "en"): 0.0,
    ("zh", "zh"): 0.047,
    ("zh", "en"): -0.032,
    ("en", "zh"): -0.018,
}

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# a letter or digit of a word written with spaces; CJK characters are words without them
_WORD_CHAR = rf"[^\W_{_CJK}]"
_HAS_CJK = re.compile(f"[{_CJK}]")

# Price questions, as regular expressions. English "how much" only when it asks for money
# ("how much is it?", not "how much water does it hold?").
_PRICE_EN = (
    r"how much(?=\s*(?:[?!.,]|$|is\b|are\b|for\b|money\b|\$))",
    "price",
    "prices",
    "pricing",
    "priced",
    "cost",
    "costs",
    "how expensive",
    "on sale",
    "discount",
)
_PRICE_ZH = ("多少钱", "价格", "价钱", "几块", "几元", "什么价", "怎么卖", "售价", "贵吗", "贵不贵")
# ... except the price of something the shop gave no price for
_NOT_THE_PRODUCT = ("shipping", "delivery", "postage", "运费", "邮费", "快递费", "包邮")

# Topics of shoppers' questions, in English and Chinese. e5-small rates "how heavy is it?"
# about as close to "Boils a litre and a half in four minutes" as a real match, and a fact
# the shop never gave (a warranty, colours) must get no answer. Generic shopping words
# only; words for one product belong in the staff's keywords.
TOPICS: dict[str, str] = {  # a topic: its words and phrases, | between them
    "warranty": "warranty|warranties|guarantee|guaranteed|break|breaks|broken|repair"
    "|保修|质保|保固|管修|坏了|维修",
    "colour": "colour|colours|color|colors|颜色|什么色|几种色",
    "weight": "weigh|weighs|weight|heavy|kg|grams|多重|重量|重不重|很重|斤|公斤",
    "size": "size|sizes|capacity|litre|litres|liter|liters|ml|cm|diameter|how big"
    "|容量|多大|尺寸|毫升|升|装多少",
    "material": "glass|plastic|steel|metal|ceramic|wood|wooden|玻璃|塑料|不锈钢|陶瓷|木",
    "origin": "made in|where is it made|where are they made|country"
    "|产地|哪里产|哪里生产|哪产的|国产|进口",
    "noise": "loud|noisy|noise|quiet|silent|声音|噪音|吵|安静|静音",
    "safety": "toxic|pfas|pfoa|bpa|chemicals|有毒|安全",
    "dishwasher": "dishwasher|洗碗机",
    "cleaning": "clean|cleaning|wash|washing|dishwasher|清洗|洗|清理",
    "microwave": "microwave|微波炉",
    "oven": "oven|烤箱",
    "hob": "induction|gas|hob|hobs|stove|cooktop|电磁炉|燃气|煤气|明火|电陶炉",
    "lid": "lid|lids|cover|盖",
    "warm": "warm|warmth|stay hot|stays hot|keep hot|keeps hot|保温|烫",
    "temperature": "temperature|degrees|celsius|fahrenheit|温度|多少度",
    "power": "switch off|switches off|switches itself off|turn off|turns off|shut off"
    "|automatic|automatically|battery|断电|自动|关机|电池",
    "rust": "rust|rusts|rusty|stain|stains|stainless|生锈|锈",
    "sharp": "sharp|sharpen|sharpened|sharpness|锋利",
    "leak": "leak|leaks|spill|spills|漏|洒",
    "non-stick": "stick|sticks|sticky|coating|不粘|粘锅|涂层",
    "delivery": "ship|ships|shipped|shipping|deliver|delivered|delivery|arrive|arrives"
    "|postage|courier|dispatch|发货|快递|到货|收到|送到|能到|包邮|邮费|运费|配送",
    "abroad": "ship to|deliver to|send to|abroad|overseas|international|寄到|发到|国外|海外",
    "fee": "free shipping|free delivery|shipping free|delivery free|fee|fees|charge"
    "|免费|包邮|邮费|运费",
    "returns": "return|returns|refund|send it back|send back|exchange|退",
    "hours": "open|opens|opening|close|closes|closed|hours|营业|开门|关门|几点",
}

# Words and characters that say nothing of what a comment is about
_STOPWORD_LIST = """
    the and are was were been being this that these those they them their there here
    you your yours our ours for from with without about into onto over under than then
    does did doing done can could will would should may might must shall have has had
    having what which who whom whose when where why how any some all each every much many
    more most very too also just only own same other such one ones get got gets make made
    come comes came take takes use used work works good nice really still even ever like
    want need know tell say see show let please pls thanks thank hello okay yes not
    don doesn didn isn aren won wasn
"""
_STOPWORDS = frozenset(_STOPWORD_LIST.split())
_STOP_CHARS = frozenset(
    "的了吗呢吧啊呀哦嘛么是有没能会可以这那个些一什怎多少几我你他她它们在和与就都也很还要不"
    "好请问下上里得地着过被把给让对从到为因所如果但而且或已经再又才只最更太真"
)

# A comment asks a question when it has a question mark, starts like one, or (Chinese)
# ends in a question particle or asks with 多少, 几, 什么, 怎么, 哪, X不X.
_QUESTION_EN = re.compile(
    r"\?|^(?:@\S+\s+)?(?:is|are|am|was|were|do|does|did|can|could|will|would|should|may"
    r"|how|what|what's|whats|when|where|which|who|why|any|has|have)\b"
)
_QUESTION_ZH = re.compile(
    r"[吗么呢嘛][^\w]*$|多少|多久|多大|多长|多重|几|什么|啥|怎么|哪|是否|有没有|(\w)不\1"
)


@dataclass(frozen=True)
class Answer:
    source: str  # "faq:<product_id>:<n>", "feature:<product_id>:<n>", "price:<product_id>",
    #              "store-faq:<n>"; n counts from 0 in the schedule's list
    text: str  # the approved answer or fact, verbatim; for price, a sentence of the live price
    product_id: str | None
    score: float  # 1.0 for a keyword hit; the cosine similarity for an embedding match
    how: str  # "keyword" | "embedding"


def normalise(text: str) -> str:
    """Comparable text: full-width forms folded (NFKC), case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _alternatives(phrases: Iterable[str], regex: bool = False) -> re.Pattern[str]:
    """One pattern finding any of `phrases` in normalised text: as whole words for Latin
    script, anywhere for Chinese (written without spaces)."""
    latin, chinese = [], []
    for phrase in phrases:
        if _HAS_CJK.search(phrase):
            chinese.append(re.escape("".join(normalise(phrase).split())))
        else:
            words = phrase.split() if regex else [re.escape(w) for w in normalise(phrase).split()]
            latin.append(r"\s+".join(words))
    parts = [rf"(?<!{_WORD_CHAR})(?:{'|'.join(latin)})(?!{_WORD_CHAR})"] if latin else []
    return re.compile("|".join(parts + chinese) or r"(?!)")


_PRICE = _alternatives(_PRICE_EN + _PRICE_ZH, regex=True)
_OTHER_COST = _alternatives(_NOT_THE_PRODUCT)
_TOPIC_PATTERNS = {name: _alternatives(words.split("|")) for name, words in TOPICS.items()}


def language(text: str) -> str:
    return "zh" if _HAS_CJK.search(text) else "en"


# These take any text; match() normalises a comment once and calls the private forms
# below, which take normalised text.


def is_question(text: str) -> bool:
    return _is_question(normalise(text))


def topics(text: str) -> frozenset[str]:
    """The TOPICS that `text` names."""
    return _topics(normalise(text))


def content_words(text: str) -> frozenset[str]:
    """What a text is about: its Latin words (crudely stemmed) and Chinese characters,
    less those that say nothing."""
    return _content_words(normalise(text))


def _is_question(comment: str) -> bool:
    return bool(_QUESTION_EN.search(comment) or _QUESTION_ZH.search(comment))


def _topics(comment: str) -> frozenset[str]:
    return frozenset(name for name, pattern in _TOPIC_PATTERNS.items() if pattern.search(comment))


def _content_words(comment: str) -> frozenset[str]:
    latin = re.findall(rf"{_WORD_CHAR}+", comment)
    words = {_stem(w) for w in latin if len(w) > 2 and w not in _STOPWORDS}
    words.update(ch for ch in comment if _HAS_CJK.match(ch) and ch not in _STOP_CHARS)
    return frozenset(words)


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class _Candidate:
    source: str
    text: str  # what the host says
    passage: str  # what is embedded
    product_id: str | None
    about: str  # what it is about, for topics and words: a FAQ entry's question, a feature
    keywords: re.Pattern[str] | None = None
    topics: frozenset[str] = field(init=False)
    words: frozenset[str] = field(init=False)
    language: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "topics", topics(self.about))
        object.__setattr__(self, "words", content_words(self.about))
        object.__setattr__(self, "language", language(self.passage))


def _faq_candidate(source: str, faq: Faq, product_id: str | None) -> _Candidate:
    # An entry is about its question: "Are they dishwasher safe? Please wash them by hand;
    # it keeps the edges sharp." says nothing of how sharp they are.
    words = [k for k in faq.keywords if normalise(k)]
    return _Candidate(
        source,
        faq.answer,
        f"{faq.question} {faq.answer}",
        product_id,
        faq.question,
        _alternatives(words) if words else None,
    )


def _product_candidates(product: Product) -> list[_Candidate]:
    pid = product.id
    faqs = [_faq_candidate(f"faq:{pid}:{n}", faq, pid) for n, faq in enumerate(product.faq)]
    features = [
        _Candidate(f"feature:{pid}:{n}", feature, feature, pid, feature)
        for n, feature in enumerate(product.features)
    ]
    return faqs + features


def _name_words(product: Product) -> frozenset[str]:
    # "do the mugs ...?" names the product on air, not one of its facts
    return content_words(f"{product.name} {product.spoken_name or ''}")


class _Index:
    """One schedule's candidates, with their vectors embedded the first time a product is
    asked about (a 500-product schedule would take minutes to embed at once)."""

    def __init__(self, schedule: Schedule, known: dict[str, np.ndarray]) -> None:
        self.schedule = schedule
        self.products = {p.id: _product_candidates(p) for p in schedule.products}
        self.names = {p.id: _name_words(p) for p in schedule.products}
        self.store = [
            _faq_candidate(f"store-faq:{n}", faq, None) for n, faq in enumerate(schedule.store.faq)
        ]
        # vectors by passage, kept from the previous schedule where the text is unchanged
        wanted = {c.passage for c in self.store}
        wanted.update(c.passage for group in self.products.values() for c in group)
        self.vectors = {text: v for text, v in known.items() if text in wanted}
        self._matrices: dict[str | None, np.ndarray] = {}

    def candidates(self, product_id: str | None) -> list[_Candidate]:
        """The product's candidates (none between shows), then the store's."""
        own = self.products.get(product_id, []) if product_id is not None else []
        return own + self.store

    def matrix(self, product_id: str | None, embedder: Embedder) -> np.ndarray:
        """One row per candidates(product_id), each the unit vector of its passage."""
        if product_id not in self._matrices:
            passages = [c.passage for c in self.candidates(product_id)]
            missing = [p for p in dict.fromkeys(passages) if p not in self.vectors]
            if missing:
                self.vectors.update(zip(missing, embedder.passages(missing), strict=True))
            rows = [self.vectors[p] for p in passages]
            self._matrices[product_id] = np.stack(rows) if rows else np.zeros((0, 1), np.float32)
        return self._matrices[product_id]


class Matcher:
    """Answers comments from one schedule; set `schedule` when the schedule changes."""

    def __init__(
        self, schedule: Schedule, embedder: Embedder | None = None, threshold: float | None = None
    ) -> None:
        self._embedder = embedder
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self._index = _Index(schedule, {})

    @property
    def schedule(self) -> Schedule:
        return self._index.schedule

    @schedule.setter
    def schedule(self, schedule: Schedule) -> None:
        # a new schedule object is a new schedule, even with equal contents
        if schedule is not self._index.schedule:
            self._index = _Index(schedule, self._index.vectors)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder()  # loaded only when a comment needs it
        return self._embedder

    def prepare(self, product_ids: Iterable[str] | None = None) -> None:
        """Embed the candidates of these products (all by default) now, not on first use."""
        index = self._index
        for product_id in index.products if product_ids is None else product_ids:
            index.matrix(product_id, self.embedder)
        index.matrix(None, self.embedder)

    def match(
        self, text: str, product_id: str | None, now: datetime | None = None
    ) -> Answer | None:
        """The approved answer to comment `text` while `product_id` is on air (None between
        shows: store questions only); None when the shop gave no answer to it. `now` is
        the local wall-clock time that decides whether a sale price applies. Hostile
        comments and spam are moderation's to refuse, before they get here (the desk
        moderates first): a comment's facts are all this looks at."""
        comment = normalise(text)
        if not comment:
            return None
        index = self._index
        if product_id is not None and product_id not in index.products:
            product_id = None  # the product left the schedule; its facts went with it
        candidates = index.candidates(product_id)
        for candidate in candidates:
            if candidate.keywords is not None and candidate.keywords.search(comment):
                return Answer(
                    candidate.source, candidate.text, candidate.product_id, 1.0, "keyword"
                )
        if product_id is not None and _PRICE.search(comment) and not _OTHER_COST.search(comment):
            product = index.schedule.product(product_id)
            sentence = price_sentence(index.schedule, product, now or datetime.now())
            return Answer(f"price:{product_id}", sentence, product_id, 1.0, "keyword")
        return self._nearest(text, comment, product_id, candidates)

    def _nearest(
        self, text: str, comment: str, product_id: str | None, candidates: list[_Candidate]
    ) -> Answer | None:
        # Similarity alone is no evidence: e5-small rates chat ("lol", "hello from Texas")
        # as close to some fact as many real questions. A question is compared only with
        # facts that name all the topics it names, or failing a topic, share a word with it.
        if not _is_question(comment):
            return None  # "the host is hot", "I'll return tomorrow": chat
        wanted = _topics(comment)
        words = _content_words(comment) - self._index.names.get(product_id or "", frozenset())
        eligible = [n for n, c in enumerate(candidates) if wanted <= c.topics]
        sharing = [n for n in eligible if words & candidates[n].words]
        eligible = sharing or (eligible if wanted else [])
        if not eligible:
            return None  # about something the shop said nothing of
        # the model sees the comment as written (it is cased), only its spacing tidied
        query = self.embedder.query(" ".join(unicodedata.normalize("NFKC", text).split()))
        scores = self._index.matrix(product_id, self.embedder)[eligible] @ query
        best = int(np.argmax(scores))
        chosen, score = candidates[eligible[best]], float(scores[best])
        if score < self.threshold + LANGUAGE_SHIFT[(language(comment), chosen.language)]:
            return None
        return Answer(chosen.source, chosen.text, chosen.product_id, score, "embedding")


def price_sentence(schedule: Schedule, product: Product, now: datetime) -> str:
    """The live price in one short sentence, in the store's language."""
    currency = schedule.currency_of(product)
    name = product.spoken_name or product.name
    price = format_price(product.price, currency)
    zh = schedule.store.language == "zh"
    if product.sale is not None and product.on_sale(now):
        offer = format_price(product.sale.price, currency)
        if zh:
            return f"{name}今天只要{offer}，原价{price}。"
        return f"The {name} is {offer} today, down from {price}."
    return f"{name}的价格是{price}。" if zh else f"The {name} is {price}."
