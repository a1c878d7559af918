"""Next year's edition from last year's: same structure, year-specific text left as placeholders.

A report repeats its shape every year (layout, signatories, the subscribe box, the related
reports, the table of contents) while its words, photos' captions, cover and appendices change.
``printpipe new`` copies what recurs, bumps the year, and turns everything that must be written
again into a visible marker, ``TODO(printpipe): ...``, so that nothing from last year is
published by accident: a placeholder is set in the proof where it belongs, ``printpipe check``
lists each one as a warning with ``file:line``, and ``build --strict`` refuses to build while
any is left.

The cover and appendices are not copied (they are the designer's and the accountant's new
files); their entries stay in edition.yaml as commented-out blocks under a placeholder, ready
to be uncommented.  The new folder is assembled beside its final place and renamed into it,
so a failure leaves nothing half-made, and an existing folder is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from printpipe.errors import Diagnostic, Location, UsageError
from printpipe.load import EDITION_FILE, display_path, load_edition
from printpipe.markdown import parse_markdown, plain_text
from printpipe.model import Block, Heading, ListBlock, Paragraph, Quote, TableBlock
from printpipe.yamlfile import PathKey, YamlProblem, format_key, read_yaml

MARKER = "TODO(printpipe)"
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_YAML_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null", "y", "n"})
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


@dataclass(frozen=True)
class NewEditionReport:
    """What :func:`new_edition` made: the folder, the year, and what is left to fill in."""

    target: Path
    previous: Path
    year: int
    year_from: str  # "--year", "the folder name '2022'", "last year (2019) + 1"
    files: tuple[Path, ...]  # every file written into the new edition
    placeholders: tuple[Diagnostic, ...]
    carried_over: tuple[Diagnostic, ...]  # checklist.yaml entries not yet confirmed


# --- text --------------------------------------------------------------------------------------


def bump_years(text: str, year: int, new_year: int | None = None) -> str:
    """Move ``year`` and ``year + 1`` on: "2019" -> "2020", "2019/2020" -> "2020/2021".

    ``new_year`` defaults to the next year; 2019 -> 2022 turns "2019/2020" into "2022/2023".
    Other years ("founded in 1998") are history and stay as they are.
    """
    shift = (year + 1 if new_year is None else new_year) - year

    def bump(match: re.Match[str]) -> str:
        found = int(match[1])
        return str(found + shift) if found in (year, year + 1) else match[1]

    return _YEAR.sub(bump, text)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _describe(blocks: Sequence[Block]) -> str:
    """'3 paragraphs, 1 list; about 420 words': what last year's text was, to size the new one."""
    kinds = [
        (sum(isinstance(b, kind) for b in blocks), noun)
        for kind, noun in (
            (Paragraph, "paragraph"),
            (ListBlock, "list"),
            (Quote, "quote"),
            (TableBlock, "table"),
        )
    ]
    shape = ", ".join(_counted(count, noun) for count, noun in kinds if count)
    words = sum(len(text.split()) for text, _ in plain_text(blocks))
    return f"{shape}; about {words} words"


def placeholder_markdown(text: str, label: str, year: int, new_year: int | None = None) -> str:
    """A section with its headings kept (years bumped) and its text replaced by placeholders.

    One placeholder stands for all the text under a heading, saying how much there was, so a
    writer sees the shape of the section without last year's words.
    """
    blocks, _ = parse_markdown(text, label)
    lines = text.splitlines()
    out: list[str] = []
    pending: list[Block] = []
    under = "the opening text of this section"

    def flush() -> None:
        if pending:
            out.append(f"{MARKER}: write {under} (last year: {_describe(pending)})")
            pending.clear()

    for block in blocks:
        if not isinstance(block, Heading):
            pending.append(block)
            continue
        flush()
        line = block.location.line
        source = lines[line - 1].strip() if line and line <= len(lines) else ""
        heading = source if source.startswith("#") else f"{'#' * block.level} {block.text}"
        out.append(bump_years(heading, year, new_year))
        under = f"the text under '{bump_years(block.text, year, new_year)}'"
    flush()
    return "\n\n".join(out) + "\n"


# --- edition.yaml ------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """A YAML scalar; JSON's syntax for strings and numbers is valid YAML and never ambiguous.

    Accented letters stay readable; the few characters YAML reads as line breaks or refuses
    when raw (C1 controls, U+2028/9, BOM, non-characters) are written as escapes.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = json.dumps(value, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def _key(key: str) -> str:
    """Keys the schema uses stay bare; anything YAML could read as another type is quoted."""
    plain = _PLAIN_KEY.fullmatch(key) and key.lower() not in _YAML_WORDS
    return key if plain else _scalar(key)


def yaml_lines(value: Any, indent: int = 0) -> list[str]:
    """Block-style YAML for the plain values edition.yaml holds (mappings, lists, scalars)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{_key(key)}:")
                lines.extend(yaml_lines(item, indent + 2))
            else:
                lines.append(f"{pad}{_key(key)}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                inner = yaml_lines(item, indent + 2)
            else:
                inner = [" " * (indent + 2) + _scalar(item)]
            lines.append(f"{pad}- {inner[0][indent + 2 :]}")
            lines.extend(inner[1:])
    else:
        lines.append(pad + _scalar(value))
    return lines


class _Copier:
    """Carries file references from the old edition into the new one."""

    def __init__(self, previous: Path, target: Path, staging: Path) -> None:
        self.previous = previous
        self.target = target
        self.staging = staging
        self.written: dict[Path, None] = {}

    def inside(self, value: str) -> Path | None:
        """The reference as a path inside the old edition, or None if it points elsewhere."""
        resolved = (self.previous / value).resolve()
        return (
            resolved.relative_to(self.previous) if resolved.is_relative_to(self.previous) else None
        )

    def outside(self, value: str) -> str:
        """A reference to a shared file (assets/, layouts/), relative to the new folder."""
        resolved = (self.previous / value).resolve()
        return Path(os.path.relpath(resolved, self.target)).as_posix()

    def copy(self, value: str) -> str:
        """Copy a referenced file to the same place in the new edition; return the reference."""
        relative = self.inside(value)
        if relative is None:
            return self.outside(value)
        destination = self.staging / relative
        if destination not in self.written:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.previous / relative, destination)
            self.written[destination] = None
        return relative.as_posix()

    def write(self, relative: Path, text: str) -> None:
        destination = self.staging / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
        self.written[destination] = None


def _section(value: str, copier: _Copier, year: int, new_year: int) -> str:
    relative = copier.inside(value) or Path("sections") / Path(value).name
    source = (copier.previous / value).resolve()
    text = source.read_text(encoding="utf-8-sig")
    copier.write(relative, placeholder_markdown(text, display_path(source), year, new_year))
    return relative.as_posix()


def _part(raw: dict[str, Any], copier: _Copier, year: int, new_year: int) -> dict[str, Any]:
    """One entry of ``parts:`` for next year, with its ``break:`` if it had one."""
    kept = {k: v for k, v in raw.items() if k != "break"}
    part = _part_kind(kept, copier, year, new_year)
    return {**part, "break": raw["break"]} if "break" in raw else part


def _part_kind(raw: dict[str, Any], copier: _Copier, year: int, new_year: int) -> dict[str, Any]:
    """Recurring parts as they were, the rest marked."""
    ((kind, value),) = raw.items()
    if kind == "section" and isinstance(value, str):
        return {kind: _section(value, copier, year, new_year)}
    if kind == "photo" and isinstance(value, dict):
        photo = dict(value)
        photo["file"] = copier.copy(value["file"])
        if "caption" in photo:
            photo["caption"] = f"{MARKER}: caption"
        return {kind: photo}
    if kind == "pull_quote" and isinstance(value, dict):
        quote: dict[str, Any] = {"text": f"{MARKER}: pull quote"}
        if "attribution" in value:
            quote["attribution"] = f"{MARKER}: attribution"
        return {kind: quote}
    if kind == "signatures" and isinstance(value, list):
        people = []
        for person in value:
            person = dict(person)
            if "image" in person:
                person["image"] = copier.copy(person["image"])
            people.append(person)
        return {kind: people}
    if (
        kind in ("table", "chart")
        and isinstance(value, dict)
        and isinstance(value.get("file"), str)
    ):
        # Last year's data is copied so the edition builds; the caption says to replace it.
        data = dict(value)
        data["file"] = copier.copy(value["file"])
        data["caption"] = f"{MARKER}: caption; put {new_year}'s figures in {value['file']}"
        return {kind: data}
    if kind == "figures" and isinstance(value, dict):
        figures = dict(value)
        figures["items"] = [
            {**item, "label": f"{MARKER}: {new_year} figure"} if isinstance(item, dict) else item
            for item in value.get("items") or ()
        ]
        return {kind: figures}
    return {kind: value}  # toc, callout, related, page_break recur unchanged


def _commented(block: dict[str, Any]) -> list[str]:
    return [f"# {line}" for line in yaml_lines(block)]


# What a commented-out cover or appendix entry keeps (never a password or an accept: reason,
# which are about last year's file).
_SUPPLIED_KEYS = ("file", "rgb_file", "title", "fit", "front_pages", "back_pages")


def _supplied_placeholders(data: dict[str, Any], key: str, year: int) -> list[str]:
    """Cover and appendices: a placeholder each, then last year's entry, commented out."""
    if key == "cover":
        cover = data["cover"]
        kept = {k: cover[k] for k in _SUPPLIED_KEYS if k in cover}
        return [
            f"# {MARKER}: add the {year} cover PDF (last year: {cover.get('file')}), "
            "then uncomment:",
            *_commented({"cover": kept}),
        ]
    lines = [
        f"# {MARKER}: add the {year} appendix '{item.get('title')}' "
        f"(last year: {item.get('file')}), then uncomment:"
        for item in data["appendices"]
        if isinstance(item, dict)
    ]
    kept_items = [
        {k: item[k] for k in _SUPPLIED_KEYS if k in item}
        for item in data["appendices"]
        if isinstance(item, dict)
    ]
    return [*lines, *_commented({"appendices": kept_items})]


def _edition_yaml(data: dict[str, Any], copier: _Copier, previous_label: str, new_year: int) -> str:
    year = int(data["year"])
    lines = [
        f"# Made by `printpipe new` from {previous_label}. Each TODO placeholder marks text or",
        "# a file to provide for this year; `printpipe check` lists those left to fill, and the",
        "# texts and files carried over unchanged (checklist.yaml) until each is confirmed.",
    ]
    for key, value in data.items():
        if key == "date":
            continue  # unknown until publication; the build uses 31 December of the year
        if key in ("cover", "appendices") and value:
            lines.extend(_supplied_placeholders(data, key, new_year))
            continue
        if key == "year":
            value = new_year
        elif key in ("title", "subtitle", "slug") and isinstance(value, str):
            value = bump_years(value, year, new_year)
        elif key == "layout" and isinstance(value, str):
            if value.endswith((".yaml", ".yml")) or "/" in value:
                value = copier.outside(value)
        elif key == "parts" and isinstance(value, list):
            value = [_part(raw, copier, year, new_year) for raw in value if isinstance(raw, dict)]
        lines.extend(yaml_lines({key: value}))
    return "\n".join(lines) + "\n"


# --- the command -------------------------------------------------------------------------------


def choose_year(target: Path, previous_year: int, year: int | None) -> tuple[int, str]:
    """The new edition's year and where it came from: ``--year``, the folder name, or +1."""
    if year is not None:
        return year, "--year"
    if _YEAR.fullmatch(target.name) and 1900 <= int(target.name) <= 2999:
        return int(target.name), f"the folder name '{target.name}'"
    return previous_year + 1, f"last year ({previous_year}) + 1"


def new_edition(target: Path, previous: Path, year: int | None = None) -> NewEditionReport:
    """Create the edition folder ``target`` for a later year than the edition at ``previous``.

    The year is ``year`` if given, else the folder's name when it is a year, else last year's
    plus one; the report says which, so `new editions/2022 --from editions/2019` cannot quietly
    write 2020.
    """
    if target.exists():
        raise UsageError(
            f"{display_path(target)} already exists",
            hint="name a new folder; printpipe new never overwrites an edition",
        )
    edition, _ = load_edition(previous)  # last year must be valid to be a model for this one
    new_year, source = choose_year(target, edition.year, year)
    old_root = edition.root
    yaml_file = old_root / EDITION_FILE
    try:
        document = read_yaml(yaml_file, display_path(yaml_file))
    except YamlProblem as problem:  # load_edition read it a moment ago; only a race gets here
        raise UsageError(problem.diagnostic.message, location=problem.diagnostic.location) from None
    final = target.resolve()
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        copier = _Copier(old_root, final, staging)
        copier.write(
            Path(EDITION_FILE), _edition_yaml(document.data, copier, edition.label, new_year)
        )
        copier.write(Path(CHECKLIST), _checklist_yaml(staging, copier, edition.label))
        if final.exists():
            raise UsageError(
                f"{display_path(target)} appeared while it was being made",
                hint="name a new folder; printpipe new never overwrites an edition",
            )
        os.chmod(staging, 0o755)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = tuple(sorted(final / path.relative_to(staging) for path in copier.written))
    return NewEditionReport(
        target=final,
        previous=old_root,
        year=new_year,
        year_from=source,
        files=files,
        placeholders=tuple(find_placeholders(final)),
        carried_over=tuple(find_unconfirmed(final)),
    )


# --- the checklist of what was carried over ----------------------------------------------------

CHECKLIST = "checklist.yaml"
# Values of these keys are names, settings or links, not text a reader takes as this year's.
_NOT_TEXT = frozenset(
    {
        "file", "rgb_file", "image", "placement", "layout", "language", "slug", "fit", "link",
        "url", "section", "date", "accept", "password", "year", "organisation", "toc",
        "front_pages", "back_pages", "page_break", "break",
        # data parts: CSV column names and number formats
        "column", "x", "y", "type", "format", "currency", "align", "prefix", "suffix",
    }
)  # fmt: skip
_TEXT_HINT = "change it for this year, or set confirmed: true on its entry in checklist.yaml"
_FILE_HINT = "replace it with this year's file, or set confirmed: true on it in checklist.yaml"


def _texts(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every text value of a YAML document with its key path (names and links left out)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))
    elif isinstance(value, str) and MARKER not in value:
        named = [part for part in path if isinstance(part, str)]
        if named and named[-1] not in _NOT_TEXT:
            yield path, value


def _checklist_yaml(staging: Path, copier: _Copier, previous_label: str) -> str:
    """Every text, heading and file carried over unchanged, each to be confirmed or changed."""
    items: list[dict[str, Any]] = []
    data = read_yaml(staging / EDITION_FILE, EDITION_FILE).data
    for path, text in _texts(data):
        items.append({"file": EDITION_FILE, "key": format_key(path), "text": text})
    for written in copier.written:
        relative = written.relative_to(staging).as_posix()
        if relative == EDITION_FILE:
            continue
        if written.suffix.lower() == ".md":
            for line in written.read_text(encoding="utf-8").splitlines():
                if line.startswith("#"):
                    items.append({"file": relative, "text": line})
        else:
            items.append({"file": relative, "sha256": _sha256(written)})
    for item in items:
        item["confirmed"] = False
    header = [
        f"# Carried over unchanged from {previous_label} by `printpipe new`. `printpipe check`",
        "# lists each entry until it is confirmed: change the text (or replace the file) for this",
        "# year, or set `confirmed: true` on its entry here if last year's is still right.",
    ]
    return "\n".join([*header, *yaml_lines({"carried_over": items})]) + "\n"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checklist_warning(message: str, where: Location, hint: str) -> Diagnostic:
    return Diagnostic(message, where, hint, severity="warning")


def find_unconfirmed(edition_folder: Path) -> list[Diagnostic]:
    """The entries of checklist.yaml still unchanged and not confirmed, as warnings."""
    folder = edition_folder.parent if edition_folder.name == EDITION_FILE else edition_folder
    checklist = folder / CHECKLIST
    if not checklist.is_file():
        return []
    try:
        entries = read_yaml(checklist, display_path(checklist)).data.get("carried_over") or []
        edition = read_yaml(folder / EDITION_FILE, display_path(folder / EDITION_FILE))
    except (YamlProblem, AttributeError):
        where = Location(display_path(checklist))
        return [_checklist_warning("the checklist cannot be read", where, _TEXT_HINT)]
    current = {format_key(path): path for path, _ in _texts(edition.data)}
    values = dict(_texts(edition.data))
    found: list[Diagnostic] = []
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict) or entry.get("confirmed") is True:
            continue
        name = str(entry.get("file", ""))
        target = folder / name
        text = entry.get("text")
        if "key" in entry:
            path = current.get(str(entry["key"]))
            if path is not None and values.get(path) == text:
                found.append(
                    _checklist_warning(
                        f"carried over unchanged: {text!r}", edition.location(path), _TEXT_HINT
                    )
                )
        elif isinstance(text, str) and target.is_file():
            lines = target.read_text(encoding="utf-8-sig", errors="replace").splitlines()
            if text in lines:
                where = Location(display_path(target), lines.index(text) + 1, 1)
                found.append(
                    _checklist_warning(f"carried over unchanged: {text!r}", where, _TEXT_HINT)
                )
        elif "sha256" in entry and target.is_file() and _sha256(target) == entry["sha256"]:
            where = Location(display_path(target))
            found.append(_checklist_warning("file carried over unchanged", where, _FILE_HINT))
    return found


def _section_files(folder: Path, yaml_file: Path) -> list[Path]:
    try:
        data = read_yaml(yaml_file, display_path(yaml_file)).data
    except YamlProblem:
        return []  # load reports the problem; placeholders are a lesser concern
    parts = data.get("parts") if isinstance(data, dict) else None
    found: dict[Path, None] = {}
    for part in parts if isinstance(parts, list) else ():
        value = part.get("section") if isinstance(part, dict) else None
        if isinstance(value, str) and (folder / value).is_file():
            found[(folder / value).resolve()] = None
    return list(found)


def find_placeholders(edition_folder: Path) -> list[Diagnostic]:
    """Every ``TODO(printpipe)`` in edition.yaml and its sections, as warnings with file:line."""
    folder = edition_folder.parent if edition_folder.name == EDITION_FILE else edition_folder
    yaml_file = folder / EDITION_FILE
    if not yaml_file.is_file():
        return []
    found: list[Diagnostic] = []
    for path in (yaml_file, *_section_files(folder, yaml_file)):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # load reports unreadable files
        for number, line in enumerate(text.splitlines(), start=1):
            column = line.find(MARKER)
            if column < 0:
                continue
            what = line[column:].strip().rstrip("\"'").strip()
            found.append(
                Diagnostic(
                    f"placeholder to fill: {what}",
                    Location(display_path(path), number, column + 1),
                    "replace it with this year's text or file (build --strict refuses it)",
                    severity="warning",
                )
            )
    return found
