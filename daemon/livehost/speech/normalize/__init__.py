"""Text normalisation before synthesis, one rule set per language (the locale hook).

`normalize(text, locale)` picks the rules by the language part of the locale
("en_US" -> "en"); `register_locale` plugs in another language. Text in a language
without rules passes through with only emoji removed, so a new voice still speaks.
"""

from __future__ import annotations

from collections.abc import Callable

from livehost.speech.normalize.common import remove_emoji, tidy
from livehost.speech.normalize.en import normalize_en
from livehost.speech.normalize.zh import normalize_zh

Normalizer = Callable[[str], str]

_LOCALES: dict[str, Normalizer] = {"en": normalize_en, "zh": normalize_zh}


# espeak-ng names the Chinese voices Piper uses by dialect: Mandarin cmn, Cantonese yue
_DIALECTS = {"cmn": "zh", "yue": "zh"}


def language_of(locale: str) -> str:
    """ "en_US", "en-us", "zh_CN", "cmn" -> "en", "zh"."""
    base = locale.replace("-", "_").split("_")[0].lower()
    return _DIALECTS.get(base, base)


def register_locale(language: str, rules: Normalizer) -> None:
    _LOCALES[language_of(language)] = rules


def normalizer_for(locale: str) -> Normalizer:
    return _LOCALES.get(language_of(locale), _fallback)


def normalize(text: str, locale: str = "en") -> str:
    return normalizer_for(locale)(text)


def _fallback(text: str) -> str:
    return tidy(remove_emoji(text))


__all__ = ["language_of", "normalize", "normalizer_for", "register_locale"]
