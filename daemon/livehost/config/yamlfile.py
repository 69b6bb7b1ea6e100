"""Reading YAML that people write, keeping where every key stood.

PyYAML composes the text into nodes (each with its line and column); we turn the nodes
into plain Python data ourselves so that we can:
- remember the position of every key and list item (for error messages),
- refuse duplicate keys instead of silently keeping the last,
- stop alias bombs and self-referencing anchors,
- read `9:30` as text rather than YAML 1.1's base-60 number 570, and `no`/`on` as text
  rather than booleans (only `true`/`false` are booleans, as in YAML 1.2).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from livehost.problems import Problem, ProblemsError, format_path

try:  # the C composer is much faster on big files; fall back to pure Python
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1_000_000  # a schedule for one shop is a few kB; 1 MB is already absurd
MAX_NODES = 100_000  # after alias expansion
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_constructor = yaml.constructor.SafeConstructor()


@dataclass
class YamlDocument:
    """Parsed YAML data plus the (line, column) of every key and list item, 1-based."""

    file: str
    data: Any
    text: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_) -> tuple[int | None, int | None]:
        """Position of `path`, or of its nearest ancestor that exists in the file."""
        parts = tuple(path)
        while parts:
            if parts in self.positions:
                return self.positions[parts]
            parts = parts[:-1]
        return self.positions.get((), (None, None))

    def problem(self, path: Path_, message: str, severity: str = "error") -> Problem:
        line, column = self.locate(path)
        return Problem(self.file, line, column, format_path(tuple(path)), message, severity)  # type: ignore[arg-type]


def read_text_file(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> str:
    """Read a small UTF-8 text file, turning every way it can be unusable into a Problem."""
    name = str(path)

    def fail(message: str) -> ProblemsError:
        return ProblemsError([Problem(name, None, None, "", message)])

    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise fail("the file does not exist") from None
    except OSError as exc:
        raise fail(f"the file cannot be opened ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise fail("this is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise fail("this is not a regular file")
    if info.st_size > max_bytes:
        raise fail(f"the file is {info.st_size:,} bytes; the limit is {max_bytes:,}")
    try:
        raw = Path(name).read_bytes()
    except OSError as exc:
        raise fail(f"the file cannot be read ({exc.strerror})") from None
    return decode_text(raw, name)


def decode_text(raw: bytes, name: str) -> str:
    # Windows editors save "Unicode" as UTF-16 with a byte-order mark: text all the same
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            text = "\x00"  # a broken UTF-16 file is no text either
        if "\x00" not in text:
            return text
    if b"\x00" in raw:
        raise ProblemsError([Problem(name, None, None, "", "this is not a text file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProblemsError(
            [Problem(name, line, None, "", "this is not UTF-8 text; save the file as UTF-8")]
        ) from None
    return text


def load_yaml_file(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> YamlDocument:
    return parse_yaml(read_text_file(path, max_bytes), str(path))


_CONFLICT = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)")


def _conflict_markers(text: str, name: str) -> list[Problem]:
    """git's merge-conflict lines: YAML would stumble a line later, on what follows."""
    return [
        Problem(name, number, 1, "", "an unresolved merge conflict: keep one side and "
                "delete the <<<<<<<, ======= and >>>>>>> lines")
        for number, line in enumerate(text.splitlines(), 1)
        if _CONFLICT.match(line)
    ][:1]


def parse_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML text; raise ProblemsError with every problem found."""
    conflict = _conflict_markers(text, name)
    if conflict:
        raise ProblemsError(conflict)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        lines = text.splitlines()
        source_line = lines[mark.line] if mark and mark.line < len(lines) else ""
        message = _explain_syntax(exc, tab="\t" in source_line[: (mark.column + 1) if mark else 0])
        unclosed = _unclosed_quote_line(lines[: (mark.line + 1) if mark else len(lines)])
        if unclosed is not None and "tab" not in message:
            line, column = unclosed, None
            message = "a quote is opened on this line but never closed"
        raise ProblemsError([Problem(name, line, column, "", message)]) from None
    except yaml.YAMLError as exc:
        raise ProblemsError(
            [Problem(name, None, None, "", f"this is not valid YAML: {exc}")]
        ) from None
    doc = YamlDocument(file=name, data=None, text=text)
    if node is None:
        raise ProblemsError([Problem(name, 1, 1, "", "the file is empty")])
    builder = _Builder(doc)
    doc.positions[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
    doc.data = builder.build(node, (), 0)
    if builder.problems:
        raise ProblemsError(builder.problems)
    return doc


def _explain_syntax(exc: yaml.MarkedYAMLError, tab: bool) -> str:
    problem = exc.problem or str(exc)
    if tab or "\\t" in problem:
        return "a tab character is used here; YAML only allows spaces for indentation"
    if "mapping values are not allowed" in problem:
        return (
            "a ':' is in an unexpected place: either the indentation is off, "
            "or text that contains ': ' needs quotes around it"
        )
    if "could not find expected ':'" in problem:
        return "a line here is missing its ':' between the name and the value"
    if "found undefined alias" in problem:
        return "this refers to an anchor (*name) that is not defined"
    if "expected <block end>" in problem or "bad indentation" in problem:
        return "the indentation is off; line up the entries of a list or section"
    if "found unexpected end of stream" in problem or "while scanning a quoted" in str(exc):
        return "a quote is opened here but never closed"
    return f"this is not valid YAML ({problem})"


def _unclosed_quote_line(lines: list[str]) -> int | None:
    """1-based number of the last line that opens a quoted value it does not close."""
    found = None
    for number, line in enumerate(lines, 1):
        value = line.split(": ", 1)[1] if ": " in line else line.lstrip(" -")
        value = value.strip()
        for quote in ('"', "'"):
            if value.startswith(quote) and (len(value) == 1 or not _closes(value, quote)):
                found = number
    return found


def _closes(value: str, quote: str) -> bool:
    body = value[1:].split(" #")[0].rstrip()
    # a doubled '' or an escaped \" inside the value does not close it
    body = body.replace("''", "") if quote == "'" else body.replace('\\"', "")
    return quote in body


class _Builder:
    """Turns composed nodes into dicts, lists and scalars, recording positions."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.count = 0
        self.too_big = False

    def build(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.too_big:
            return None
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            self.too_big = True
            self.problems.append(
                self.doc.problem(
                    path,
                    "the file expands to far too many entries (nested or repeated YAML "
                    "aliases?); write the entries out plainly",
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            result = []
            for index, item in enumerate(node.value):
                item_path = (*path, index)
                self.doc.positions.setdefault(
                    item_path, (item.start_mark.line + 1, item.start_mark.column + 1)
                )
                result.append(self.build(item, item_path, depth + 1))
            return result
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            column = key_node.start_mark.column + 1
            if key_node.tag == _TAG + "merge":
                self.problems.append(
                    Problem(
                        self.doc.file,
                        line,
                        column,
                        format_path(path),
                        "'<<' merge keys are not supported; write the entries out",
                    )
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        self.doc.file,
                        line,
                        column,
                        format_path(path),
                        "a key must be a plain name, not a list or section",
                    )
                )
                continue
            key = str(key_node.value)
            key_path = (*path, key)
            if key in result:
                self.problems.append(
                    Problem(
                        self.doc.file,
                        line,
                        column,
                        format_path(key_path),
                        f"'{key}' is written twice in this section "
                        f"(first on line {first_line[key]}); keep only one",
                    )
                )
                continue
            first_line[key] = line
            self.doc.positions.setdefault(key_path, (line, column))
            result[key] = self.build(value_node, key_path, depth + 1)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        tag, value = node.tag, node.value
        if node.style in ("'", '"', "|", ">") or tag == _TAG + "str":
            return value
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            # YAML 1.1 reads yes/no/on/off as booleans; people mean the words.
            return value.lower() == "true" if value.lower() in ("true", "false") else value
        if tag in (_TAG + "int", _TAG + "float"):
            if ":" in value:  # YAML 1.1 base-60: 9:30 would become 570
                return value
            return _constructor.construct_object(node)
        if tag == _TAG + "timestamp":
            return value  # parsed later, in the unit's time zone
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        self.problems.append(
            Problem(
                self.doc.file,
                line,
                column,
                format_path(path),
                f"the YAML tag '{tag}' is not supported here; remove it",
            )
        )
        return None
