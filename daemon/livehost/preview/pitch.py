"""A plain pitch from a product's facts (the show director will write livelier ones)."""

from __future__ import annotations

from livehost.schedule.currencies import format_price
from livehost.schedule.model import Product, Store


def pitch_text(product: Product, store: Store) -> str:
    currency = product.currency or store.currency
    parts = [f"Let me show you the {product.name}."]
    if product.description:
        parts.append(_sentence(product.description))
    parts += [_sentence(f) for f in product.features]
    price = format_price(product.price, currency)
    if product.sale is not None:
        sale = format_price(product.sale.price, currency)
        parts.append(f"It is usually {price}, and right now it is only {sale}.")
    else:
        parts.append(f"It costs {price}.")
    if product.call_to_action:
        parts.append(_sentence(product.call_to_action))
    return " ".join(parts)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else text + "."
