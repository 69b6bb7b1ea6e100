"""What the drafting model is asked, and reading its answer however it came out.

One request per kind (and per feature) keeps each answer small enough for a small model.
The answer should be JSON, but small models wander: JSON in a code fence, a bare list,
or one "kind: text" line per item are all accepted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from livehost.schedule.model import Product
from livehost.scripts.facts import facts_of
from livehost.scripts.kinds import KINDS

_ASKS = {
    "intro": "welcome the viewers and introduce the product",
    "benefit": "say how the product makes the viewer's day easier or nicer",
    "story": "tell a short everyday scene with the product in it",
    "comparison": "compare having it with managing without it (name no other brand)",
    "price": "mention the price by writing {price}",
    "cta": "ask the viewers to buy it, for example by tapping the cart",
    "idle": "chat lightly in a quiet moment: invite questions, talk about using it",
}

RULES = """\
You write lines for the host of a live shopping stream, who speaks them to the viewers.
Rules:
- Short spoken sentences: one or two sentences, 8 to 25 words per line.
- Use only the product facts given. No number, measure, date, brand, rating, award,
  warranty, guarantee, health or safety claim that the facts do not state.
- Never write a price or an amount of money. Write {price} for the price and, during a
  sale, {sale} for the sale price, {saving} for the saving and {percent} for the discount.
  Write {name} for the product's name and {store} for the shop's name.
- No superlatives such as best, cheapest or number one.
- Every line different from the others.
Answer with JSON only, in this shape: {"lines": [{"kind": "KIND", "text": "LINE"}]}"""


@dataclass(frozen=True)
class Request:
    """One request to the model: `count` lines of one kind (one feature for features)."""

    kind: str
    count: int
    feature: str | None = None

    def ask(self, product: Product) -> str:
        if self.kind == "feature":
            return f'explain this feature and why it matters: "{self.feature}"'
        ask = _ASKS[self.kind]
        if self.kind == "price" and product.sale is not None:
            ask += "; a line may also use {sale}, {saving} or {percent}"
        return ask


def requests_for(product: Product, counts: dict[str, int]) -> list[Request]:
    out = []
    for kind in KINDS:
        count = counts.get(kind, 0)
        if count <= 0:
            continue
        if kind == "feature":
            out += [Request(kind, count, feature) for feature in product.features]
        else:
            out.append(Request(kind, count))
    return out


def messages_for(
    request: Request, product: Product, language: str, style: str | None
) -> list[dict[str, str]]:
    facts = json.dumps(facts_of(product, language, style), ensure_ascii=False, indent=1)
    system = RULES
    if language == "zh":
        system += "\nWrite the lines in Simplified Chinese."
    user = (
        f"Product facts (JSON):\n{facts}\n\n"
        f"Style of the show: {style or 'friendly'}.\n"
        f'Write {request.count} different lines of kind "{request.kind}": '
        f"{request.ask(product)}."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def answer_schema(request: Request) -> dict[str, Any]:
    """The JSON shape the answer must have (servers that can, enforce it while sampling)."""
    return {
        "type": "object",
        "properties": {
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": request.count,
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": [request.kind]},
                        "text": {"type": "string", "minLength": 10, "maxLength": 240},
                    },
                    "required": ["kind", "text"],
                },
            }
        },
        "required": ["lines"],
    }


def max_tokens_for(request: Request, language: str) -> int:
    per_line = 90 if language == "zh" else 60
    return 80 + per_line * request.count


# --- reading the answer ----------------------------------------------------------------------

_FENCE = re.compile(r"```[a-zA-Z]*\s*(.*?)```", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*•>]+|\d{1,2}[.):]|\(\d{1,2}\))\s*")
_KIND_PREFIX = re.compile(rf"^\**({'|'.join(KINDS)})\**\s*[:：\-–]\s*(.+)$", re.IGNORECASE)
_TEXT_FIELD = re.compile(r'^"?text"?\s*:\s*"(.*)"\s*,?$')
_QUOTES = "\"'“”‘’「」"


def parse_answer(content: str, kind: str) -> list[tuple[str, str]]:
    """(kind, text) pairs from the model's answer; `kind` where the answer names none."""
    text = content.strip()
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for start, end in (("{", "}"), ("[", "]")):
        if start in text and end in text:
            candidates.append(text[text.index(start) : text.rindex(end) + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        pairs = _from_json(data, kind)
        if pairs:
            return pairs
    return _from_text(text, kind)


def _from_json(data: Any, kind: str) -> list[tuple[str, str]]:
    items = data.get("lines", data.get(kind, [])) if isinstance(data, dict) else data
    if not isinstance(items, list):
        return []
    pairs = []
    for item in items:
        if isinstance(item, str):
            pairs.append((kind, item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            named = str(item.get("kind", "")).strip().lower()
            pairs.append((named if named in KINDS else kind, item["text"]))
    return pairs


def _from_text(text: str, kind: str) -> list[tuple[str, str]]:
    pairs = []
    for raw in text.replace("```", "\n").splitlines():
        line = _BULLET.sub("", raw.strip())
        field = _TEXT_FIELD.match(line)
        if field:
            line = field.group(1)
        if not line or line.endswith((":", "：")) or line[:1] in "{}[]":
            continue
        match = _KIND_PREFIX.match(line)
        if match:
            pairs.append((match.group(1).lower(), match.group(2)))
        else:
            pairs.append((kind, line))
    return pairs


def clean_text(text: str) -> str:
    """One spoken line: no wrapping quotes, markdown or runs of spaces."""
    text = re.sub(r"\s+", " ", text.replace("**", "")).strip()
    while len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


def long_enough(text: str) -> bool:
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    return cjk >= 6 or len(text.split()) >= 4
