"""Placeholders in script text: the live schedule fills them, so prices never come from a line."""

from __future__ import annotations

import re

PLACEHOLDERS: dict[str, str] = {
    "name": "the product's name",
    "price": "the price now (the sale price during a sale)",
    "sale": "the sale price",
    "saving": "how much the sale saves",
    "percent": "the sale's discount in percent",
    "store": "the shop's name",
}
# Lines with these only make sense while the product is on sale.
SALE_ONLY = frozenset({"sale", "saving", "percent"})

_BRACES = re.compile(r"\{([^{}]*)\}")


def placeholders_in(text: str) -> list[str]:
    """Every {word} in `text`, in order, known or not."""
    return [match.strip() for match in _BRACES.findall(text)]


def unknown_placeholders(text: str) -> list[str]:
    """{words} that are not placeholders, plus a lone brace written as itself."""
    found = [f"{{{name}}}" for name in placeholders_in(text) if name not in PLACEHOLDERS]
    rest = _BRACES.sub("", text)
    if "{" in rest or "}" in rest:
        found.append("a '{' or '}' that does not close")
    return found


def needs_sale(text: str) -> bool:
    """Whether the line can only air while the product is on sale."""
    return any(name in SALE_ONLY for name in placeholders_in(text))


def without_placeholders(text: str, replacement: str = " ") -> str:
    return _BRACES.sub(replacement, text)


def allowed_list() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
