"""Read YAML safely and remember where every value came from.

PyYAML's ``safe_load`` forgets positions and silently lets a duplicate key win; for a config
format whose typos must never drop content we need both.  We compose the node graph with the
safe loader, then build plain Python values ourselves, keeping a ``(line, column)`` mark for
every path so that later validation can say ``edition.yaml:14:5 (parts[3].photo)``.
This is the only module that imports PyYAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.reader import ReaderError

from printpipe.errors import Diagnostic, ExitCode, Location

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 100
# Captions, quotes and titles; longer text belongs in Markdown (see markdown.MAX_PARAGRAPH_CHARS).
MAX_TEXT_CHARS = 64 * 1024

PathKey = tuple[str | int, ...]


def format_key(path: PathKey) -> str:
    """``("parts", 3, "photo")`` -> ``parts[3].photo``, the way users read nested keys."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, and the position of every key and item in it."""

    path: Path
    label: str
    data: Any
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def location(self, path: PathKey) -> Location:
        """The nearest recorded position for ``path`` (walking up to the parent if needed)."""
        probe = tuple(path)
        while probe and probe not in self.marks:
            probe = probe[:-1]
        line, column = self.marks.get(probe, (1, 1))
        return Location(self.label, line, column, format_key(tuple(path)) or None)


class YamlProblem(Exception):
    """The file is not usable YAML; carries a diagnostic with the position."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _problem(label: str, message: str, hint: str, mark: Any = None) -> YamlProblem:
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return YamlProblem(
        Diagnostic(message, Location(label, line, column), hint, code=ExitCode.INVALID_EDITION)
    )


class _Builder:
    """Turns a composed node graph into plain values, checking what ``safe_load`` does not."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.constructor = SafeConstructor()
        self.count = 0

    def build(self, node: yaml.Node, path: PathKey, depth: int = 0) -> Any:
        self.count += 1
        if depth > MAX_DEPTH:
            raise _problem(
                self.label,
                "the YAML is nested too deeply",
                "edition and layout files need a few levels of nesting, not hundreds",
                node.start_mark,
            )
        if self.count > MAX_NODES:
            raise _problem(
                self.label,
                "the YAML expands to too many values (an alias bomb or a runaway file)",
                "remove the anchors/aliases (&name, *name); edition files never need many",
                node.start_mark,
            )
        self.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._bad_tag(node)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node.value, str) and len(node.value) > MAX_TEXT_CHARS:
            raise _problem(
                self.label,
                f"a value of {len(node.value):,} characters (the limit is {MAX_TEXT_CHARS:,})",
                "move long text into a Markdown section",
                node.start_mark,
            )
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError as error:
            raise self._bad_tag(node) from error
        except (ValueError, OverflowError) as error:  # e.g. int() of 5,000 digits
            raise _problem(
                self.label,
                f"cannot read the value {node.value[:40]!r}: {error}",
                "quote it to keep it as text, or write a smaller number",
                node.start_mark,
            ) from error
        if isinstance(value, int) and value.bit_length() > 64:
            raise _problem(
                self.label,
                f"the number {node.value[:40]}... is too large",
                "quote it to keep it as text, or write a smaller number",
                node.start_mark,
            )
        # An unquoted 2020-04-30 is a YAML date; keep it as the text the user wrote.
        return value.isoformat() if isinstance(value, date) else value

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        if node.tag != "tag:yaml.org,2002:map":
            raise self._bad_tag(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _problem(
                    self.label,
                    "merge keys (<<) are not supported",
                    "write the keys out in full",
                    key_node.start_mark,
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise _problem(
                    self.label, "a key must be plain text", "quote the key", key_node.start_mark
                )
            key = str(self.build(key_node, (*path, "<key>"), depth + 1))
            if key in result:
                first = self.marks.get((*path, key), (0, 0))[0]
                raise _problem(
                    self.label,
                    f"duplicate key '{key}' (first given on line {first})",
                    "keep one of them; YAML would silently use the last",
                    key_node.start_mark,
                )
            key_path = (*path, key)
            self.marks[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, key_path, depth + 1)
        return result

    def _bad_tag(self, node: yaml.Node) -> YamlProblem:
        return _problem(
            self.label,
            f"the tag {node.tag} is not allowed",
            "remove the !tag; only plain YAML values (text, numbers, lists, mappings) are read",
            node.start_mark,
        )


def read_yaml(path: Path, label: str) -> YamlDocument:
    """Parse ``path`` into a :class:`YamlDocument` or raise :class:`YamlProblem`.

    ``label`` is how messages name the file (a path relative to where the user stands).
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise _problem(
            label, f"cannot read the file: {error.strerror}", "check the path"
        ) from error
    if len(raw) > MAX_BYTES:
        raise _problem(
            label,
            f"the file is {len(raw) / 1e6:.1f} MB; YAML files here are at most "
            f"{MAX_BYTES // (1024 * 1024)} MB",
            "move long text into Markdown sections",
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _problem(label, "the file is UTF-16, not UTF-8", "save it as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise YamlProblem(
            Diagnostic(
                f"the file is not UTF-8 (byte 0x{raw[error.start]:02x})",
                Location(label, line),
                "save it as UTF-8",
            )
        ) from error
    if not text.strip():
        raise _problem(label, "the file is empty", "see README.md for a complete example")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "not valid YAML"
        hint = "check the indentation and quoting around this line"
        if "'\\t'" in problem or "tab" in problem:
            problem = "a tab character where YAML expects spaces"
            hint = "YAML does not allow tabs for indentation; indent with spaces"
        raise _problem(label, f"YAML syntax: {problem}", hint, mark) from error
    except ReaderError as error:
        raise _unprintable(label, text, error) from error
    except yaml.YAMLError as error:
        raise _problem(label, f"YAML: {error}", "check the file") from error
    except RecursionError:
        raise _problem(
            label,
            "the YAML is nested too deeply",
            "edition and layout files need a few levels of nesting, not hundreds",
        ) from None
    if node is None:
        raise _problem(label, "the file is empty", "see README.md for a complete example")
    builder = _Builder(label)
    data = builder.build(node, ())
    return YamlDocument(path, label, data, builder.marks)


def _unprintable(label: str, text: str, error: ReaderError) -> YamlProblem:
    """A control character (or other unprintable one) that YAML refuses, with its position."""
    position = max(0, min(error.position, len(text)))
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    code = (
        error.character
        if isinstance(error.character, int)
        else ord(str(error.character)[:1] or "?")
    )
    return YamlProblem(
        Diagnostic(
            f"the file contains the unprintable character U+{code:04X}, which YAML does not allow",
            Location(label, line, column),
            "delete it (it often comes with text pasted from another program)",
        )
    )
