"""Turning pydantic's validation errors into sentences store staff understand."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from livehost.config.yamlfile import YamlDocument
from livehost.problems import Problem

_KIND_WORDS = {
    "string_type": "should be text",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "int_from_float": "should be a whole number",
    "float_type": "should be a number",
    "float_parsing": "should be a number",
    "decimal_type": "should be a number",
    "decimal_parsing": "should be a number",
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "list_type": "should be a list (one '- ' line per entry)",
    "dict_type": "should be a section of 'name: value' lines",
    "model_type": "should be a section of 'name: value' lines",
    "model_attributes_type": "should be a section of 'name: value' lines",
    "date_type": "should be a date like 2026-12-24",
    "date_parsing": "should be a date like 2026-12-24",
    "date_from_datetime_parsing": "should be a date like 2026-12-24",
}


def closest(word: str, choices: typing.Iterable[str]) -> str | None:
    """The allowed word a misspelt one was most likely meant to be."""
    found = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def validation_problems(
    error: ValidationError, doc: YamlDocument, root: type[BaseModel]
) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        problems.append(doc.problem(loc, _sentence(item, loc, root)))
    return problems


def _sentence(item: Any, loc: tuple[str | int, ...], root: type[BaseModel]) -> str:
    kind = item["type"]
    value = item.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = model_at(root, loc[:-1])
        allowed = field_names(model) if model else []
        guess = closest(key, allowed)
        text = f"'{key}' is not a setting we know here"
        if guess:
            return f"{text}; did you mean '{guess}'?"
        if allowed:
            return f"{text}; allowed here: {', '.join(allowed)}"
        return text
    if kind == "missing":
        return f"'{loc[-1]}' is missing; it must be filled in"
    if kind in ("too_short",) and isinstance(value, list) and not value:
        return "this list is empty; it needs at least one entry"
    if kind == "literal_error":
        expected = item.get("ctx", {}).get("expected", "")
        return f"should be one of {expected}{_you_wrote(value)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        ctx = item.get("ctx", {})
        limit = next(iter(ctx.values()), "")
        words = {
            "greater_than": "more than",
            "greater_than_equal": "at least",
            "less_than": "less than",
            "less_than_equal": "at most",
        }[kind]
        return f"must be {words} {limit}{_you_wrote(value)}"
    if kind in ("value_error", "assertion_error"):
        msg = str(item["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        return msg
    if kind in _KIND_WORDS:
        return _KIND_WORDS[kind] + _you_wrote(value)
    msg = str(item["msg"]).replace("Input should", "should")
    return msg[0].lower() + msg[1:] + _you_wrote(value)


def _you_wrote(value: Any) -> str:
    if isinstance(value, (dict, list)) or value is None:
        return ""
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f" (it says {text})"


def field_names(model: type[BaseModel]) -> list[str]:
    names = []
    for name, info in model.model_fields.items():
        names.append(info.alias or name)
    return names


def model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that validates the data found at `loc` under `root`."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            if not args:
                return None
            current = args[0]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = _field_by_key(current, part)
        if info is None:
            return None
        current = info.annotation
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] and Annotated[...] down to the type that matters."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            real = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(real) != 1:
                return annotation
            annotation = real[0]
        else:
            return annotation
