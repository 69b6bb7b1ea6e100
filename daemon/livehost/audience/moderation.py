"""Moderation of viewers' comments and display names: may the host react to this at all?

Pure and local: one Aho-Corasick automaton (pyahocorasick) over the base word lists
(wordlists/<language>.txt) and the shop's staff list, matched after the tricks viewers use
to get a word past a filter are undone (full-width letters, leetspeak, "i d i o t",
"iiidiot", zero-width characters). Chinese words are matched by sound too (pypinyin), so a
homophone written with other characters is caught. Links, phone numbers, contact handles
and text that tries to instruct the host are refused by pattern.

A refusal says which rule (a short stable name for counters) and a detail for debug logs;
neither is ever spoken or published.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
from pypinyin import Style, lazy_pinyin

log = logging.getLogger(__name__)

WORDLISTS = Path(__file__).resolve().parent / "wordlists"
MAX_NAME_CHARS = 24  # a name the host says aloud is a few words at most
MAX_NAME_DIGITS = 4  # a longer run of digits in a name is a number to call (QQ ids are 5+)
MAX_STAFF_BYTES = 1024 * 1024  # a word list, not a dump; a larger file is refused as broken


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rule: str = ""  # "" when ok, else a short stable name (see the module's rules)
    detail: str = ""  # for logs at debug level only; never spoken, never published


OK = Verdict(True)


# --- normalisation -----------------------------------------------------------------------


def _drop_table() -> dict[int, str | None]:
    """Combining marks and format characters (zero-width spaces and joiners, bidi controls,
    variation selectors, tags) are dropped; control characters become spaces."""
    table: dict[int, str | None] = {}
    for cp in itertools.chain(range(0x20000), range(0xE0000, 0xE1000)):
        category = unicodedata.category(chr(cp))
        if category in ("Mn", "Me", "Cf"):
            table[cp] = None
        elif category == "Cc":
            table[cp] = " "
    return table


_DROP = _drop_table()
# 1 and | stand for i or l: a text that has them is matched both ways
_LEET = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
    "@": "a", "$": "s", "!": "i", "|": "i",
})  # fmt: skip
_LEET_L = _LEET | str.maketrans({"1": "l", "|": "l"})
_LEET_CHARS = frozenset("013457@$!|")
_TOKEN = re.compile(r"(?:[^\W_]|[@$!|])+")
_RUN = re.compile(r"(.)\1*", re.DOTALL)
_SPELLED_GAP = 3  # at most this many separators between the letters of "i . d . i . o . t"


def _is_han(ch: str) -> bool:
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\uf900" <= ch <= "\ufaff"
        or "\U00020000" <= ch <= "\U0003134f"
    )


def _is_word_char(ch: str) -> bool:
    """Letters and digits that make up a Latin-style word; Chinese needs no boundaries."""
    return ch.isalnum() and not _is_han(ch)


def _fold(text: str) -> str:
    """Compatibility forms (full-width, circled, maths letters) to plain ones, case folded,
    accents and invisible characters gone."""
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_DROP)
    return unicodedata.normalize("NFC", decomposed)


def _spelled(token: str) -> bool:
    """One letter of a word spelled out ("i d i o t", "1 d 1 0 t")."""
    return len(token) == 1 and (token in _LEET_CHARS or _is_word_char(token))


def _word(token: str, leet: dict[int, str]) -> str:
    core = token.strip("!|")  # "idiot!!!" is punctuation, not leetspeak for i
    if not any(ch.isalpha() for ch in core):
        return "".join(ch for ch in core if ch.isdigit())  # a number stays a number
    return core.translate(leet)


def _normalise(folded: str, leet: dict[int, str]) -> tuple[str, frozenset[int]]:
    """Words separated by single spaces (Chinese characters joined, as Chinese is written),
    leetspeak undone, spelled-out letters joined into one word. Also the positions inside
    joined words where the spelling had a gap: a word boundary may fall there ("a f u c k")."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded)]
    pieces: list[tuple[str, range]] = []
    i = 0
    while i < len(tokens):
        j = i + 1
        while (
            j < len(tokens)
            and _spelled(tokens[j - 1][2])
            and _spelled(tokens[j][2])
            and tokens[j][0] - tokens[j - 1][1] <= _SPELLED_GAP
        ):
            j += 1
        letters = "".join(t[2] for t in tokens[i:j])
        # two real letters at least: "4.5 l" is a number and a unit
        if j - i >= 3 and sum(ch.isalpha() for ch in letters) >= 2:
            pieces.append((letters.translate(leet), range(1, j - i)))
            i = j
        else:
            word = _word(tokens[i][2], leet)
            if word:
                pieces.append((word, range(0)))
            i += 1
    out: list[str] = []
    joints: set[int] = set()
    length = 0
    for word, gaps in pieces:
        if out and not (_is_han(out[-1][-1]) and _is_han(word[0])):
            out.append(" ")
            length += 1
        joints.update(length + g for g in gaps)
        out.append(word)
        length += len(word)
    return "".join(out), frozenset(joints)


def _skeleton(text: str) -> tuple[str, list[int], list[int]]:
    """`text` with each run of one letter as a single letter ("iiidiot" -> "idiot"), the
    run lengths (so "as" does not match "ass", while "asss" does) and where runs start."""
    chars: list[str] = []
    runs: list[int] = []
    starts: list[int] = []
    for m in _RUN.finditer(text):
        chars.append(m.group(1))
        runs.append(m.end() - m.start())
        starts.append(m.start())
    return "".join(chars), runs, starts


@functools.lru_cache(maxsize=8192)
def _syllable(ch: str) -> str:
    """Toneless pinyin of one character, the same in a list word and in a comment (one
    reading per character: homophones are matched character by character)."""
    return lazy_pinyin(ch, style=Style.NORMAL)[0]


def _pinyin_text(norm: str) -> str:
    """' ni shi sha bi ' for the Chinese characters of `norm`; anything else is a '|'."""
    syllables: list[str] = []
    for ch in norm:
        if _is_han(ch):
            syllables.append(_syllable(ch))
        elif not syllables or syllables[-1] != "|":
            syllables.append("|")
    return " " + " ".join(syllables) + " "


class _Haystack:
    """A normalised comment in the automaton's form, padded so keys may start with a space."""

    def __init__(self, norm: str, joints: frozenset[int]) -> None:
        self.skel, self.runs, starts = _skeleton(" " + norm + " ")
        self.soft = [start - 1 in joints for start in starts]

    def edge(self, k: int) -> bool:
        """A word boundary just before skel[k]."""
        return (
            self.soft[k] or not _is_word_char(self.skel[k - 1]) or not _is_word_char(self.skel[k])
        )


# --- word lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    rule: str  # "word", or "homophone" when matched by sound
    line: str  # the list line, for the detail
    source: str  # "en", "zh", "staff"
    runs: tuple[int, ...] | None  # run lengths a text must reach; None for a pinyin key
    left: bool  # needs a word boundary before it
    right: bool  # and after it


def parse_list(text: str) -> list[str]:
    """A word list: one word or phrase a line; '#' starts a comment (at the start of a line,
    or after a space)."""
    words = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line:
            words.append(line)
    return words


def _entries(line: str, source: str) -> Iterator[tuple[str, _Entry]]:
    """Automaton keys for one list line. `=word`: only as written, not by sound; `word*`,
    `*word`: the word may run on at that end (fuck* also catches fucking)."""
    exact = line.startswith("=")
    word = line[1:] if exact else line
    left_open, right_open = word.startswith("*"), word.endswith("*")
    norm, _ = _normalise(_fold(word.strip("*")), _LEET)
    if not norm:
        return
    skel, runs, _ = _skeleton(norm)
    yield (
        skel,
        _Entry(
            "word",
            line,
            source,
            tuple(runs),
            left=not left_open and _is_word_char(norm[0]),
            right=not right_open and _is_word_char(norm[-1]),
        ),
    )
    if exact or len(norm) < 2 or not all(_is_han(ch) for ch in norm):
        return  # one syllable sounds like too many everyday words
    syllables = [_syllable(ch) for ch in norm]
    # by sound in Chinese characters, and typed as pinyin: "sha bi"
    yield " " + " ".join(syllables) + " ", _Entry("homophone", line, source, None, False, False)
    joined, joined_runs, _ = _skeleton("".join(syllables))  # typed as pinyin: "shabi"
    yield joined, _Entry("homophone", line, source, tuple(joined_runs), True, True)


class _Matcher:
    """One automaton for one version of the lists."""

    def __init__(self, lists: Iterable[tuple[str, list[str]]]) -> None:
        keys: dict[str, list[_Entry]] = {}
        for source, lines in lists:
            for line in lines:
                for key, entry in _entries(line, source):
                    keys.setdefault(key, []).append(entry)
        self.automaton: ahocorasick.Automaton | None = None
        if keys:
            self.automaton = ahocorasick.Automaton()
            for key, entries in keys.items():
                self.automaton.add_word(key, tuple(entries))
            self.automaton.make_automaton()

    def find(self, hay: _Haystack, strict: bool) -> _Entry | None:
        """The first list word in `hay` ("word" before "homophone"). Strict (a name): a
        word of 4+ letters counts inside a longer one ("xXidiotXx")."""
        if self.automaton is None:
            return None
        by_sound = None
        for end, entries in self.automaton.iter(hay.skel):
            for entry in entries:
                if self._fits(hay, entry, end, strict):
                    if entry.rule == "word":
                        return entry
                    by_sound = by_sound or entry
        return by_sound

    def find_by_sound(self, pinyin: str) -> _Entry | None:
        if self.automaton is None:
            return None
        for _end, entries in self.automaton.iter(pinyin):
            for entry in entries:
                if entry.runs is None:
                    return entry
        return None

    @staticmethod
    def _fits(hay: _Haystack, entry: _Entry, end: int, strict: bool) -> bool:
        if entry.runs is None:
            return True  # a pinyin key carries its own spaces as boundaries
        start = end - len(entry.runs) + 1
        if any(hay.runs[start + i] < need for i, need in enumerate(entry.runs)):
            return False
        loose = strict and len(entry.runs) >= 4
        if entry.left and not loose and not hay.edge(start):
            return False
        return not (entry.right and not loose and not hay.edge(end + 1))


def _base_list(language: str) -> list[str]:
    if not re.fullmatch(r"[a-z]{2,3}", language):
        raise ValueError(f"{language!r} is not a language code")
    path = WORDLISTS / f"{language}.txt"
    if not path.is_file():
        raise ValueError(f"there is no word list for {language!r} ({path})")
    return parse_list(path.read_text(encoding="utf-8"))


# --- patterns -----------------------------------------------------------------------------

_TLD = (
    r"(?:com|net|org|cn|xyz|io|co|me|ru|top|shop|info|biz|link|app|cc|tv|ly|gg|vip|club"
    r"|site|online|store|live|tk|ws)"
)
# on the folded text, 0 read as o ("g00gle.c0m")
_LINKS = [
    re.compile(r"\bhttps?\s*:\s*/\s*/"),
    re.compile(r"\bwww\s*(?:\.|。|\bdot\b|点|點)"),
    re.compile(rf"[a-z0-9-](?:\.|。){_TLD}\b"),
    re.compile(
        rf"[a-z0-9\u4e00-\u9fff]\s*(?:\bdot\b|点|點|[(\[{{<]\s*(?:\.|dot|点)\s*[)\]}}>])"
        rf"\s*{_TLD}\b"
    ),
]
_LINK_LEET = str.maketrans({"0": "o"})

_PHONE = re.compile(r"(?<!\d)\+?\d(?:[ \-.()]{0,2}\d){6,}(?!\d)")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}")
_CHINESE_DIGITS = str.maketrans(
    "零〇一二三四五六七八九幺壹贰叁肆伍陆柒捌玖", "001234567891123456789"
)

_APPS = (
    r"(?:wechat|weixin|whatsapp|telegram|tg|vx|wx|qq|kik|snapchat|snap|instagram|insta|ig"
    r"|discord|signal|viber|line|skype)"
)
_MY_APPS = (
    r"(?:wechat|weixin|whatsapp|telegram|tg|vx|wx|qq|kik|snapchat|instagram|insta|ig|discord)"
)
# on the normalised text (leetspeak undone, punctuation gone)
_HANDLES = [
    re.compile(
        r"\b(?:add|dm|pm|inbox|message|msg|text|contact|ping|hmu|hit|whatsapp|wechat)"
        r" (?:me|us)\b"
    ),
    re.compile(
        rf"\b(?:add|find|follow|contact|join|reach|message|dm|text|chat)"
        rf"(?: me| us| with me)? (?:on|at|via|in) {_APPS}\b"
    ),
    re.compile(rf"\b(?:my|our) {_MY_APPS}\b"),
    re.compile(rf"\b{_APPS} (?:id|me|group|number|account|channel|handle)\b"),
    re.compile(
        r"加 ?(?:我|个|一下|下)? ?(?:微信|威信|薇信|v信|vx|wx|v(?![a-z])|qq|q(?![a-z])"
        r"|扣扣|好友|群|tg|飞机)"
    ),
    re.compile(r"(?:微信|威信|薇信|v信|vx|wx|扣扣|qq) ?(?:号|是|私聊|联系)"),
    re.compile(r"(?:微信|威信|薇信|v信|vx|wx|扣扣|qq|tg) ?(?=[a-z_-]*\d)[a-z0-9_-]{5,}"),  # an id
    re.compile(r"私聊|私信我|私我|联系我"),
]
# on the folded text (punctuation kept)
_HANDLES_FOLDED = [
    re.compile(r"(?<![\w.])@\w"),
    re.compile(
        r"(?:\b(?:wechat|weixin|vx|wx|qq|whatsapp|telegram|tg|kik|ig|insta|instagram|snapchat"
        r"|discord)\b|微信|威信|v信|扣扣)"
        r"\s*(?:id|号)?\s*[:=]"
    ),
]

_INJECTION = [
    re.compile(
        r"\b(?:ignore|disregard|forget|override)(?: \w+){0,4} (?:instructions?|rules"
        r"|prompts?|guidelines|directions|programming|orders)\b"
    ),
    re.compile(
        r"\b(?:ignore|disregard|forget)(?: all| the| any| your| my)*"
        r" (?:previous|prior|above|earlier|preceding|everything)\b"
    ),
    re.compile(r"\byou (?:are|re) now\b(?! (?:live|online|on air|back|open|streaming|my fav))"),
    re.compile(r"\bfrom now on you\b"),
    re.compile(r"\b(?:act|behave) as (?:a|an|my)\b"),
    re.compile(r"\bpretend (?:to be|you are|you re) (?:a|an|my)\b"),
    re.compile(
        r"\b(?:say|repeat|read|type|write) (?:the following|after me|this exactly"
        r"|these words|out loud|aloud)\b"
    ),
    re.compile(r"\brepeat after\b"),
    re.compile(
        r"\b(?:system|developer|initial|hidden|original) (?:prompt|message"
        r"|instructions?|mode)\b"
    ),
    re.compile(r"\b(?:new|updated|real) instructions?\b"),
    re.compile(r"\b(?:jailbreak|do anything now)\b"),
    re.compile(r"\b(?:begin|start) your (?:reply|answer|response)\b"),
    re.compile(r"\b(?:respond|reply|answer) only with\b"),
    re.compile(
        r"(?:忽略|无视|忽视|忘记|忘掉|不要理会|别管)掉?(?:之前|以上|上面|前面|先前|所有"
        r"|全部|你的|一切|原来)"
    ),
    re.compile(r"从现在(?:开始|起)你"),
    re.compile(r"你现在(?:是|扮演|变成|就是)(?:一个|一名|一位|个)"),
    re.compile(r"扮演(?:一个|一名|一位|我的)"),
    re.compile(r"(?:跟|和)着?我(?:念|读)|跟着我说|照着?(?:念|读)"),
    re.compile(r"重复(?:一遍|一下|一次)?(?:我的话|我说的|以下|下面|这句|这段|这些)"),
    re.compile(r"(?:系统|隐藏|原始)(?:提示|指令|设定)|提示词|(?:新的|你的|所有)指令"),
]
_INJECTION_FOLDED = [re.compile(r"(?:跟|和)我说\s*[:\"“「『]")]

_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _search(patterns: list[re.Pattern[str]], text: str) -> str | None:
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return m.group()
    return None


def _phone(folded: str) -> str | None:
    for m in _PHONE.finditer(folded.translate(_CHINESE_DIGITS)):
        number = m.group()
        if _DATE.fullmatch(number.strip()):
            continue
        groups = [len(g) for g in re.findall(r"\d+", number)]
        # "sizes 36 38 40 42" is not a number to call; "138 1234 5678", "1 3 8 ..." are
        if sum(groups) >= 10 or max(groups) >= 3 or max(groups) == 1:
            return number
    return None


# --- the moderator ------------------------------------------------------------------------


class Moderator:
    """Rules, in the order they are tried: "empty", "injection", "link", "phone",
    "handle", "word" (a list word), "homophone" (a Chinese list word by sound); for a
    display name, any refusal is "name"."""

    def __init__(
        self, staff_list: Path | None = None, languages: tuple[str, ...] = ("en", "zh")
    ) -> None:
        self._base = [(language, _base_list(language)) for language in languages]
        self._staff_path = Path(staff_list) if staff_list is not None else None
        self._staff: list[str] = []
        self._staff_key: tuple[int, int, int] | None = None
        self._broken: object = None  # the file state last found broken (logged once)
        self._matcher = _Matcher(self._base)
        if self._staff_path is not None:
            self.reload_if_changed()

    def text(self, text: str) -> Verdict:
        """A comment's text: may the host react to it at all?"""
        return self._check(text, strict=False)

    def name(self, name: str) -> Verdict:
        """A display name the host might say aloud: stricter than a comment."""
        if any(unicodedata.category(ch) == "Cc" or ch in _BIDI for ch in name):
            return Verdict(False, "name", "has a control character")
        folded = " ".join(_fold(name).split())
        if len(folded) > MAX_NAME_CHARS:
            return Verdict(False, "name", f"{len(folded)} characters")
        if not any(ch.isalpha() for ch in folded):
            return Verdict(False, "name", "has no letters")
        if "@" in folded:
            return Verdict(False, "name", "has an @")
        if re.search(rf"\d{{{MAX_NAME_DIGITS + 1},}}", folded.translate(_CHINESE_DIGITS)):
            return Verdict(False, "name", "has a long number")
        verdict = self._check(name, strict=True)
        if not verdict.ok:
            return Verdict(False, "name", f"{verdict.rule}: {verdict.detail}")
        return OK

    def reload_if_changed(self) -> bool:
        """Re-read the staff list if its file changed (a stat: cheap enough per comment).
        True when a new list is in use. A missing or broken file keeps the last good list
        and is logged once."""
        if self._staff_path is None:
            return False
        try:
            st = os.stat(self._staff_path)
        except OSError as exc:
            return self._keep("missing", f"cannot be read ({exc.strerror})")
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key == self._staff_key or key == self._broken:
            return False
        if st.st_size > MAX_STAFF_BYTES:
            return self._keep(key, f"is {st.st_size} bytes; the limit is {MAX_STAFF_BYTES}")
        try:
            words = parse_list(self._staff_path.read_bytes().decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            return self._keep(key, f"is not UTF-8 (byte {exc.start})")
        except OSError as exc:
            return self._keep(key, f"cannot be read ({exc.strerror})")
        self._matcher = _Matcher([*self._base, ("staff", words)])
        self._staff, self._staff_key, self._broken = words, key, None
        log.info("staff word list %s: %d entries", self._staff_path, len(words))
        return True

    @property
    def staff_words(self) -> int:
        """How many entries of the staff list are in use."""
        return len(self._staff)

    def _keep(self, state: object, why: str) -> bool:
        if state != self._broken:
            log.warning(
                "staff word list %s %s; keeping the last good list (%d entries)",
                self._staff_path,
                why,
                len(self._staff),
            )
            self._broken = state
        return False

    def _check(self, text: str, strict: bool) -> Verdict:
        folded = _fold(text)
        if not folded.strip():
            return Verdict(False, "empty", "nothing visible")
        norm, joints = _normalise(folded, _LEET)
        found = _search(_INJECTION, norm) or _search(_INJECTION_FOLDED, folded)
        if found:
            return Verdict(False, "injection", found)
        linkable = folded.translate(_LINK_LEET)
        found = _search(_LINKS, linkable)
        if found:
            return Verdict(False, "link", found)
        found = _phone(folded)
        if found:
            return Verdict(False, "phone", f"{sum(ch.isdigit() for ch in found)} digits")
        found = _search(_HANDLES, norm) or _search(_HANDLES_FOLDED, folded)
        if found:
            return Verdict(False, "handle", found)
        return self._words(folded, norm, joints, strict)

    def _words(self, folded: str, norm: str, joints: frozenset[int], strict: bool) -> Verdict:
        matcher = self._matcher
        entry = matcher.find(_Haystack(norm, joints), strict)
        if entry is None and ("1" in folded or "|" in folded):
            entry = matcher.find(_Haystack(*_normalise(folded, _LEET_L)), strict)  # 1 as l
        if entry is None and any(_is_han(ch) for ch in norm):
            entry = matcher.find_by_sound(_pinyin_text(norm))
        if entry is None:
            return OK
        return Verdict(False, entry.rule, f"{entry.source} list: {entry.line}")
