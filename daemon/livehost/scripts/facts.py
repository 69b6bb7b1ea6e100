"""What a product's script lines may say, and a short hash that changes when that changes.

The hash covers the words staff wrote about the product (name, description, features,
FAQ, call to action) and not its price or sale: price lines use placeholders, so a new
price or a sale never makes an approved script stale.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from livehost.schedule.model import Product

HASH_LENGTH = 12


def _hashed_facts(product: Product) -> dict[str, Any]:
    return {
        "name": product.name,
        "description": product.description,
        "features": list(product.features),
        "faq": [{"question": f.question, "answer": f.answer} for f in product.faq],
        "call_to_action": product.call_to_action,
    }


def facts_hash(product: Product) -> str:
    """12 hex digits of sha256 over the product's words as canonical JSON."""
    canonical = json.dumps(
        _hashed_facts(product), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def facts_of(product: Product, store_language: str, style: str | None = None) -> dict[str, Any]:
    """The facts a drafting model is given (and the only ones a line may use)."""
    facts = _hashed_facts(product)
    spoken = getattr(product, "spoken_name", None)
    if spoken:
        facts["spoken_name"] = spoken
    if not facts["description"]:
        del facts["description"]
    if not facts["faq"]:
        del facts["faq"]
    if facts["call_to_action"] is None:
        del facts["call_to_action"]
    if style:
        facts["style"] = style
    facts["language"] = store_language
    return facts


def claim_sources(product: Product, store_name: str | None) -> list[str]:
    """Texts a claim may be found in. An FAQ question only counts when its answer does
    not say no: "Are they dishwasher safe?" "Please wash them by hand" is no claim."""
    texts = [product.name, product.description, *product.features]
    spoken = getattr(product, "spoken_name", None)
    if spoken:
        texts.append(spoken)
    if product.call_to_action:
        texts.append(product.call_to_action)
    if store_name:
        texts.append(store_name)
    for item in product.faq:
        texts.append(item.answer)
        if not _says_no(item.answer):
            texts.append(item.question)
    return [t for t in texts if t]


_NO_WORDS = ("no", "not", "never", "please", "don't", "do not", "sorry", "unfortunately")
_NO_ZH = ("不", "没", "请", "无法", "抱歉")


def _says_no(answer: str) -> bool:
    text = answer.strip().lower()
    first = text.split(maxsplit=1)[0].strip(",.!;:") if text else ""
    return first in _NO_WORDS or text.startswith(_NO_WORDS[4:6]) or text.startswith(_NO_ZH)
