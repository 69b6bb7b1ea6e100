"""The kinds of script line, in the order a product turn tends to use them."""

from __future__ import annotations

from typing import Literal

Kind = Literal["intro", "feature", "benefit", "story", "comparison", "price", "cta", "idle"]
KINDS: tuple[Kind, ...] = (
    "intro",
    "feature",
    "benefit",
    "story",
    "comparison",
    "price",
    "cta",
    "idle",
)

# How many lines `livehost script draft` asks for; "feature" is per feature of the product.
DEFAULT_LINES_PER_KIND: dict[Kind, int] = {
    "intro": 6,
    "feature": 3,
    "benefit": 6,
    "story": 4,
    "comparison": 3,
    "price": 4,
    "cta": 6,
    "idle": 4,
}
