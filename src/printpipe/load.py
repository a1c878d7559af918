"""Stage 1: read edition.yaml, its layout and its Markdown into a validated :class:`Edition`.

Validation reports *every* problem at once (a designer fixing three typos should not need three
runs), each with ``file:line:col``, the key path and a hint.  Nothing is built until the inputs
are known to be good.  Schema checks come from :mod:`printpipe.schema` via ``jsonschema``;
the checks a schema cannot express (files exist, paths stay inside the edition, colours and
fonts named by styles exist) are done here.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from printpipe import dataparts, markdown
from printpipe.errors import Diagnostic, ExitCode, InvalidEditionError, Location, raise_if_errors
from printpipe.model import (
    Callout,
    Colour,
    Cover,
    Edition,
    FontFamily,
    Hyphenation,
    ImageThresholds,
    Layout,
    PageBreak,
    PageGeometry,
    Part,
    Photo,
    PressSettings,
    PullQuote,
    Related,
    RelatedItem,
    RunningHead,
    Section,
    Signatory,
    Signatures,
    SuppliedPdf,
    TableLook,
    TableOfContents,
    TextStyle,
    mm_to_pt,
)
from printpipe.project import Project, find_project
from printpipe.schema import EDITION_SCHEMA, LAYOUT_SCHEMA, PART_KINDS, STYLE_NAMES
from printpipe.yamlfile import PathKey, YamlDocument, YamlProblem, format_key, read_yaml

EDITION_FILE = "edition.yaml"
_EDITION_VALIDATOR = Draft202012Validator(EDITION_SCHEMA)
_LAYOUT_VALIDATOR = Draft202012Validator(LAYOUT_SCHEMA)
_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "a mapping (key: value)",
    "boolean": "true or false",
}


def display_path(path: Path) -> str:
    """How messages name a file: relative to the working folder when it is below it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


# --- schema errors -----------------------------------------------------------------------------


def _did_you_mean(word: str, choices: Any) -> str | None:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def schema_diagnostics(document: YamlDocument, validator: Draft202012Validator) -> list[Diagnostic]:
    """Turn jsonschema's errors into positioned, readable diagnostics."""
    found: list[Diagnostic] = []
    for error in validator.iter_errors(document.data):
        found.extend(_explain(document, error))
    found.sort(
        key=lambda d: (d.location.line or 0, d.location.column or 0) if d.location else (0, 0)
    )
    return list(dict.fromkeys(found))


def _explain(document: YamlDocument, error: ValidationError) -> Iterator[Diagnostic]:
    path: PathKey = tuple(error.absolute_path)
    where = document.location(path)
    validator = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    if validator == "additionalProperties" and len(path) == 2 and path[0] == "parts":
        unknown = [key for key in instance if key not in schema.get("properties", {})]
        yield Diagnostic(
            f"a part has exactly one kind and an optional 'break', found: {', '.join(unknown)}",
            where,
            "check the indentation: a part's options are indented under its kind "
            "(e.g. '- photo:' then 'file:', 'caption:' two spaces further in)",
        )
        return
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        for key in instance:
            if key in allowed:
                continue
            hint = _did_you_mean(key, allowed) or (
                f"allowed keys here: {', '.join(allowed)}" if allowed else "remove it"
            )
            yield Diagnostic(f"unknown key '{key}'", document.location((*path, key)), hint)
        return
    if validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        yield Diagnostic(f"missing required key '{missing}'", where, "add it")
        return
    if validator == "maxProperties" and path and path[0] == "parts":
        yield Diagnostic(
            f"a part has exactly one kind, found {len(instance)}: {', '.join(instance)}",
            where,
            "check the indentation: a part's options are indented under its kind "
            "(e.g. '- photo:' then 'file:', 'caption:' two spaces further in)",
        )
        return
    if validator == "type":
        wanted = schema.get("type")
        wanted_types = [wanted] if isinstance(wanted, str) else list(wanted or ())
        names = [_TYPE_NAMES.get(t, t) for t in wanted_types]
        yield Diagnostic(
            f"expected {' or '.join(names)}, got {_TYPE_NAMES.get(_json_type(instance), 'this')}"
            f" ({instance!r:.40})",
            where,
            "see `printpipe schema` for what this key takes",
        )
        return
    if validator == "enum":
        options = schema.get("enum", [])
        hint = (
            _did_you_mean(str(instance), options) or f"use one of: {', '.join(map(str, options))}"
        )
        yield Diagnostic(f"'{instance}' is not allowed here", where, hint)
        return
    yield Diagnostic(
        f"{format_key(path) or 'the file'}: {error.message}",
        where,
        "see `printpipe schema` for what this key takes",
    )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


# --- paths -------------------------------------------------------------------------------------


class _Paths:
    """Resolves file references and records problems; the only gate to the file system."""

    def __init__(self, allowed: tuple[Path, ...], problems: list[Diagnostic]) -> None:
        self.allowed = tuple(folder.resolve() for folder in allowed)
        self.problems = problems
        self.inputs: list[Path] = []

    def file(self, document: YamlDocument, key: PathKey, base: Path) -> Path | None:
        """Resolve the relative path stored at ``key``; None (with a problem) if unusable."""
        value = _get(document.data, key)
        where = document.location(key)
        if not isinstance(value, str):
            return None
        if "\x00" in value:
            self.problems.append(
                Diagnostic(
                    f"the path {value!r} contains a NUL character",
                    where,
                    "retype the file name; it holds an invisible control character",
                )
            )
            return None
        if os.path.isabs(value):
            self.problems.append(
                Diagnostic(
                    f"absolute path '{value}' is not allowed",
                    where,
                    "give the path relative to the file that names it",
                )
            )
            return None
        candidate = base / value
        try:
            resolved = candidate.resolve()
            # Touch the file system once here, so that every OSError (a name too long, a link
            # loop, a folder we may not enter) is reported with the key that named the path.
            resolved.exists()
        except (OSError, RuntimeError) as error:
            reason = getattr(error, "strerror", None) or "a symbolic link points to itself"
            self.problems.append(
                Diagnostic(
                    f"cannot use the path '{value:.80}': {reason}",
                    where,
                    "check the name and any symbolic links on the way",
                    code=ExitCode.MISSING_INPUT,
                )
            )
            return None
        if not any(resolved.is_relative_to(folder) for folder in self.allowed):
            inside = " or ".join(display_path(folder) for folder in self.allowed)
            self.problems.append(
                Diagnostic(
                    f"'{value}' leads outside the edition ({display_path(resolved)})",
                    where,
                    f"keep inputs inside {inside} (copy the file in; links out are not followed)",
                )
            )
            return None
        if not resolved.exists():
            # "é" typed as one character in the YAML, saved as e + accent by macOS (or the other
            # way round): the same name to the reader, a different one to the file system.
            found = _by_normal_form(base, value)
            if found is not None and any(found.is_relative_to(f) for f in self.allowed):
                resolved = found
        if not resolved.exists() and candidate.is_symlink():
            self.problems.append(
                Diagnostic(
                    f"'{value}' is a symbolic link to a file that does not exist",
                    where,
                    "copy the file itself into the edition folder",
                    code=ExitCode.MISSING_INPUT,
                )
            )
            return None
        if not resolved.exists():
            hint = "check the spelling and that the file is in the edition folder"
            siblings = (
                [p.name for p in candidate.parent.glob("*")] if candidate.parent.is_dir() else []
            )
            close = _did_you_mean(candidate.name, siblings)
            self.problems.append(
                Diagnostic(
                    f"file not found: {value}",
                    where,
                    close or hint,
                    code=ExitCode.MISSING_INPUT,
                )
            )
            return None
        if resolved.is_dir():
            self.problems.append(
                Diagnostic(f"'{value}' is a folder, not a file", where, "name the file inside it")
            )
            return None
        if not resolved.is_file():
            self.problems.append(
                Diagnostic(
                    f"'{value}' is not a regular file (a pipe, socket or device)",
                    where,
                    "name an ordinary file saved in the edition folder",
                )
            )
            return None
        if not os.access(resolved, os.R_OK):
            self.problems.append(
                Diagnostic(
                    f"'{value}' cannot be read (permission denied)",
                    where,
                    "fix the file's permissions",
                    code=ExitCode.MISSING_INPUT,
                )
            )
            return None
        self.inputs.append(resolved)
        return resolved


def _by_normal_form(base: Path, value: str) -> Path | None:
    """The existing path that spells ``value`` in another Unicode normal form, if just one does."""
    current = base
    for part in Path(value).parts:
        if (current / part).exists() or part in (".", ".."):
            current = current / part
            continue
        wanted = unicodedata.normalize("NFC", part)
        try:
            matches = [
                entry
                for entry in current.iterdir()
                if unicodedata.normalize("NFC", entry.name) == wanted
            ]
        except OSError:
            return None
        if len(matches) != 1:
            return None
        current = matches[0]
    try:
        return current.resolve() if current.exists() else None
    except (OSError, RuntimeError):
        return None


def _get(data: Any, key: PathKey) -> Any:
    for part in key:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# --- layout ------------------------------------------------------------------------------------


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _layout_file(name: str, project: Project, base: Path, seen: set[Path]) -> Path:
    """A path relative to the file naming it, or a name looked up in the project's order.

    A name already in the chain is skipped, so a project's ``house.yaml`` may extend the
    package's ``house`` by name.
    """
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return (base / name).resolve()
    found = [(folder / f"{name}.yaml").resolve() for folder in project.layout_dirs()]
    fresh = [path for path in found if path not in seen and path.is_file()]
    existing = [path for path in found if path.is_file()]  # all seen: a loop, reported as one
    return (fresh or existing or found)[0]


def _bad_layout_name(name: str) -> str | None:
    if "\x00" in name:
        return "the name contains a NUL character"
    if os.path.isabs(name):
        return "an absolute path is not allowed; give a layout name or a relative path"
    return None


def _read_layout_chain(
    name: str, project: Project, base: Path, where: Location, problems: list[Diagnostic]
) -> list[YamlDocument]:
    """The layout and its ``extends:`` ancestors, most general first."""
    chain: list[YamlDocument] = []
    seen: set[Path] = set()
    current: str | None = name
    # A layout comes from a layouts/ folder of the project lookup or from the edition itself,
    # never from elsewhere on the machine (an edition is often someone else's folder).
    allowed = (*(folder.resolve() for folder in project.layout_dirs()), base.resolve())
    while current is not None:
        problem = _bad_layout_name(current)
        try:
            path = _layout_file(current, project, base, seen) if problem is None else None
        except (OSError, RuntimeError) as error:
            problem = getattr(error, "strerror", None) or "a symbolic link points to itself"
            path = None
        if path is None or problem is not None:
            problems.append(
                Diagnostic(f"layout {current[:80]!r} cannot be used: {problem}", where, None)
            )
            return []
        if not any(path.is_relative_to(folder) for folder in allowed):
            problems.append(
                Diagnostic(
                    f"layout '{current}' is outside the project's layouts/ folder and the "
                    f"edition ({display_path(path)})",
                    where,
                    "copy the layout into layouts/ and name it there",
                )
            )
            return []
        if path in seen:
            problems.append(
                Diagnostic(f"layout '{current}' extends itself", where, "break the loop")
            )
            return []
        seen.add(path)
        if not path.is_file():
            known = sorted(
                {p.stem for folder in project.layout_dirs() for p in folder.glob("*.yaml")}
            )
            problems.append(
                Diagnostic(
                    f"layout '{current}' not found ({display_path(path)})",
                    where,
                    _did_you_mean(current, known) or f"known layouts: {', '.join(known)}",
                    code=ExitCode.MISSING_INPUT,
                )
            )
            return []
        try:
            document = read_yaml(path, display_path(path))
        except YamlProblem as unreadable:
            problems.append(unreadable.diagnostic)
            return []
        if not isinstance(document.data, dict):
            problems.append(Diagnostic("a layout must be a mapping", document.location(()), None))
            return []
        problems.extend(schema_diagnostics(document, _LAYOUT_VALIDATOR))
        chain.insert(0, document)
        parent = document.data.get("extends")
        current = parent if isinstance(parent, str) else None
        where = document.location(("extends",))
        base = path.parent
    return chain


def load_layout(
    name: str, project: Project, base: Path, where: Location
) -> tuple[Layout | None, list[Diagnostic]]:
    """Resolve a layout by name or path, following ``extends:``; returns problems, never raises."""
    problems: list[Diagnostic] = []
    chain = _read_layout_chain(name, project, base, where, problems)
    if not chain or any(d.is_error for d in problems):
        return None, problems
    leaf = chain[-1]
    paths = _Paths((*project.asset_dirs(), *project.layout_dirs()), problems)
    merged: dict[str, Any] = {}
    files: dict[str, Path] = {}
    for document in chain:
        merged = _merge(merged, document.data)
        for key in _path_keys(document.data):
            resolved = paths.file(document, key, document.path.parent)
            if resolved is not None:
                files[format_key(key)] = resolved
    layout = _build_layout(
        merged, leaf, files, problems, tuple([d.path.resolve() for d in chain] + paths.inputs)
    )
    return layout, problems


def _path_keys(data: dict[str, Any]) -> Iterator[PathKey]:
    for family, faces in (data.get("fonts") or {}).items():
        if isinstance(faces, dict):
            for face in faces:
                yield ("fonts", family, face)
    for index, _ in enumerate(data.get("fallback_fonts") or ()):
        yield ("fallback_fonts", index)
    for profile in ("cmyk_profile", "rgb_profile"):
        if isinstance(data.get("colour_management"), dict) and profile in data["colour_management"]:
            yield ("colour_management", profile)


def _build_layout(
    data: dict[str, Any],
    leaf: YamlDocument,
    files: dict[str, Path],
    problems: list[Diagnostic],
    inputs: tuple[Path, ...],
) -> Layout | None:
    def need(key: PathKey) -> Any:
        value = _get(data, key)
        if value is None:
            problems.append(
                Diagnostic(
                    f"the layout (with what it extends) does not set '{format_key(key)}'",
                    leaf.location(()),
                    "add it here or to the layout this one extends",
                )
            )
        return value

    page = data.get("page") or {}
    for key in ("trim", "bleed", "margins", "columns", "gutter"):
        need(("page", key))
    for side in ("top", "bottom", "inner", "outer"):
        need(("page", "margins", side))
    need(("styles", "body"))
    fonts: dict[str, FontFamily] = {}
    for family in data.get("fonts") or {}:
        regular = files.get(format_key(("fonts", family, "regular")))
        if regular is None:
            continue
        fonts[family] = FontFamily(
            family,
            regular,
            *(
                files.get(format_key(("fonts", family, face)))
                for face in ("bold", "italic", "bold_italic")
            ),
        )
        for path in fonts[family].files():
            _check_truetype(path, leaf, ("fonts", family), problems)
    colours = {
        name: Colour(name, tuple(float(v) for v in spec["cmyk"]), spec["rgb"])  # type: ignore[arg-type]
        for name, spec in (data.get("colours") or {}).items()
    }
    if "text" not in colours:
        colours["text"] = Colour("text", (0.0, 0.0, 0.0, 100.0), "#000000")
    palette, tables = _data_look(data, colours, leaf, problems)
    if any(d.is_error for d in problems):
        return None
    raw_styles = data.get("styles") or {}
    body = raw_styles.get("body", {})
    styles: dict[str, TextStyle] = {}
    for name in STYLE_NAMES:
        # Other styles take only the body's face, size and colour when they leave them out;
        # justification and hyphenation are choices for running text, not for titles.
        inherited = {key: body[key] for key in ("font", "size", "leading", "colour") if key in body}
        spec = body if name == "body" else {**inherited, **raw_styles.get(name, {})}
        style = TextStyle(name=name, **spec)
        if style.font not in fonts:
            problems.append(
                Diagnostic(
                    f"style '{name}' uses font '{style.font}', which fonts: does not define",
                    leaf.location(("styles", name, "font")),
                    _did_you_mean(style.font, fonts) or f"fonts defined: {', '.join(fonts)}",
                )
            )
        if style.colour not in colours:
            problems.append(
                Diagnostic(
                    f"style '{name}' uses colour '{style.colour}', which colours: does not define",
                    leaf.location(("styles", name, "colour")),
                    _did_you_mean(style.colour, colours) or f"colours: {', '.join(colours)}",
                )
            )
        styles[name] = style
    if any(d.is_error for d in problems):
        return None
    margins = page["margins"]
    geometry = PageGeometry(
        trim_mm=(float(page["trim"][0]), float(page["trim"][1])),
        bleed_mm=float(page["bleed"]),
        margin_top_mm=float(margins["top"]),
        margin_bottom_mm=float(margins["bottom"]),
        margin_inner_mm=float(margins["inner"]),
        margin_outer_mm=float(margins["outer"]),
        columns=int(page["columns"]),
        gutter_mm=float(page["gutter"]),
        safe_mm=float(page.get("safe", 5.0)),
        sections_start=_SECTION_STARTS.get(str(page.get("sections_start", "page")), "page"),
        short_section_start=_SECTION_STARTS.get(str(page.get("short_section_start"))),
        short_section_pages=float(page.get("short_section_pages", 0.0)),
        min_fill=float(page.get("min_fill", 0.0)),
        lone_photos=str(page.get("lone_photos", "keep")),
    )
    if geometry.column_width_pt < 72:
        problems.append(
            Diagnostic(
                f"the text column is only {geometry.column_width_pt / 72 * 25.4:.0f} mm wide",
                leaf.location(("page",)),
                "reduce margins, gutter or columns",
            )
        )
        return None
    if not _within_limits(data, geometry, leaf, problems):
        return None
    press = data.get("press") or {}
    colour = data.get("colour_management") or {}
    return Layout(
        name=str(data.get("name", leaf.path.stem)),
        source=leaf.path,
        label=leaf.label,
        page=geometry,
        fonts=fonts,
        fallback_fonts=tuple(files[k] for k in sorted(files) if k.startswith("fallback_fonts")),
        colours=colours,
        styles=styles,
        running_head=_running_head(data.get("running_head") or {}),
        contents_leaders=bool((data.get("contents") or {}).get("leaders", True)),
        folio_position=str((data.get("folio") or {}).get("position", "outer")),
        folio_start=int((data.get("folio") or {}).get("start", 1)),
        grid=bool(data.get("grid", False)),
        hyphenation=_hyphenation(data.get("hyphenation")),
        press=PressSettings(
            pad_to_multiple=int(press.get("pad_to_multiple", 4)),
            marks=bool(press.get("marks", False)),
            allow_padding=bool(press.get("allow_padding", True)),
            overprint_black=bool(press.get("overprint_black", True)),
            spot_colours=press.get("spot_colours"),
            total_ink_limit=float(press.get("total_ink_limit", 300.0)),
            cmyk_profile=files.get("colour_management.cmyk_profile"),
            rgb_profile=files.get("colour_management.rgb_profile"),
            **{
                key: str(colour[key])
                for key in ("output_condition", "output_condition_identifier", "registry")
                if key in colour
            },
        ),
        images=ImageThresholds(**{k: float(v) for k, v in (data.get("images") or {}).items()}),
        files=inputs,
        palette=palette,
        tables=tables,
    )


# Chart series colours when a layout sets no palette: process colours that stay apart in
# print and on screen (blue, orange, green, grey, red, teal).
_DEFAULT_PALETTE = (
    ((100, 45, 0, 30), "#0a4f86"),
    ((0, 45, 100, 0), "#f39200"),
    ((60, 0, 90, 10), "#5a9a3c"),
    ((0, 0, 0, 45), "#8c8c8b"),
    ((0, 85, 80, 10), "#c8362f"),
    ((80, 0, 35, 10), "#0098a0"),
)


def _data_look(
    data: dict[str, Any], colours: dict[str, Colour], leaf: YamlDocument, problems: list[Diagnostic]
) -> tuple[tuple[Colour, ...], TableLook]:
    """The chart palette and the table look; colour names must be defined under colours:."""
    raw_palette = data.get("palette") or [
        {"cmyk": list(cmyk), "rgb": rgb} for cmyk, rgb in _DEFAULT_PALETTE
    ]
    palette = tuple(
        Colour(f"palette{index}", tuple(float(v) for v in spec["cmyk"]), spec["rgb"])  # type: ignore[arg-type]
        for index, spec in enumerate(raw_palette)
        if isinstance(spec, dict)
    )
    raw = data.get("tables") or {}
    for name in ("rule", "header_fill", "stripe", "total_fill"):
        colour = raw.get(name)
        if isinstance(colour, str) and colour not in colours:
            problems.append(
                Diagnostic(
                    f"tables.{name} names colour '{colour}', which colours: does not define",
                    leaf.location(("tables", name)),
                    _did_you_mean(colour, colours) or f"colours: {', '.join(colours)}",
                )
            )
    known = {key: value for key, value in raw.items() if key in TableLook.__dataclass_fields__}
    return palette, TableLook(**known)


# What the schema cannot say: numbers that are valid JSON but no page can hold.  Beyond these,
# ReportLab fails in its own ways (a float too large to write, a line that never fits), so the
# layout is refused here with the key that is out of range.
_RANGES: tuple[tuple[PathKey, float, float, str], ...] = (
    (("page", "trim", 0), 20, 5000, "mm"),
    (("page", "trim", 1), 20, 5000, "mm"),
    (("page", "bleed"), 0, 25, "mm"),
    (("page", "safe"), 0, 100, "mm"),
    (("press", "pad_to_multiple"), 1, 64, ""),
    (("folio", "start"), -10_000, 10_000, ""),
    (("images", "error_below_ppi"), 1, 5000, "ppi"),
    (("images", "warn_below_ppi"), 1, 5000, "ppi"),
    (("images", "max_ppi"), 1, 5000, "ppi"),
    (("images", "target_ppi"), 1, 5000, "ppi"),
    (("images", "screen_ppi"), 1, 5000, "ppi"),
)
_STYLE_RANGES: tuple[tuple[str, float, float], ...] = (
    ("size", 2, 400),
    ("leading", 2, 600),
    ("space_before", 0, 500),
    ("space_after", 0, 500),
    ("first_line_indent", -200, 200),
    ("left_indent", 0, 500),
    ("letter_spacing", -20, 100),
)


def _within_limits(
    data: dict[str, Any], geometry: PageGeometry, leaf: YamlDocument, problems: list[Diagnostic]
) -> bool:
    """Check the numbers a page can hold; True when every one is usable."""
    found: list[Diagnostic] = []

    def out_of_range(key: PathKey, value: Any, low: float, high: float, unit: str) -> None:
        if isinstance(value, int | float) and not low <= value <= high:
            found.append(
                Diagnostic(
                    f"{format_key(key)} is {value:g}{' ' + unit if unit else ''}; "
                    f"it must be between {low:g} and {high:g}",
                    leaf.location(key),
                    "check the number and its unit (lengths in mm, type in points)",
                )
            )

    for key, low, high, unit in _RANGES:
        out_of_range(key, _get(data, key), low, high, unit)
    styles = data.get("styles") or {}
    for name, style in styles.items():
        for field, low, high in _STYLE_RANGES:
            value = style.get(field) if isinstance(style, dict) else None
            out_of_range(("styles", name, field), value, low, high, "pt")
    if found:
        problems.extend(found)
        return False
    text_height = geometry.text_height_pt
    if text_height < mm_to_pt(20):
        problems.append(
            Diagnostic(
                f"the text area is only {text_height / mm_to_pt(1):.0f} mm tall",
                leaf.location(("page", "margins")),
                "reduce the top and bottom margins",
            )
        )
        return False
    for name, style in styles.items():
        if not isinstance(style, dict):
            continue
        line = max(float(style.get("size", 0)), float(style.get("leading", 0)))
        if line * 3 > text_height:
            problems.append(
                Diagnostic(
                    f"style '{name}' sets lines {line:g} pt high; three of them do not fit the "
                    f"{text_height / mm_to_pt(1):.0f} mm text area",
                    leaf.location(("styles", name)),
                    "make the type smaller or the margins narrower",
                )
            )
        if float(style.get("left_indent", 0)) > geometry.column_width_pt / 2:
            problems.append(
                Diagnostic(
                    f"style '{name}' indents {style['left_indent']:g} pt, more than half the "
                    f"{geometry.column_width_pt:.0f} pt column",
                    leaf.location(("styles", name, "left_indent")),
                    "reduce left_indent",
                )
            )
    images = data.get("images") or {}
    if float(images.get("target_ppi", 300)) > float(images.get("max_ppi", 450)):
        problems.append(
            Diagnostic(
                "images.target_ppi is above images.max_ppi",
                leaf.location(("images",)),
                "photos above max_ppi are resampled down to target_ppi; keep target <= max",
            )
        )
    return not any(d.is_error for d in problems)


def _check_truetype(
    path: Path, document: YamlDocument, key: PathKey, problems: list[Diagnostic]
) -> None:
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"OTTO":
        problems.append(
            Diagnostic(
                f"{path.name} is an OpenType/CFF font, which ReportLab cannot embed",
                document.location(key),
                "use the TrueType (.ttf) build of the family",
            )
        )
    elif magic not in (b"\x00\x01\x00\x00", b"true"):
        problems.append(
            Diagnostic(
                f"{path.name} is not a TrueType font", document.location(key), "use a .ttf file"
            )
        )


# --- edition -----------------------------------------------------------------------------------


def _edition_file(path: Path) -> Path:
    if path.is_dir():
        return path / EDITION_FILE
    return path


def load_edition(path: Path) -> tuple[Edition, list[Diagnostic]]:
    """Load and validate an edition (a folder or its edition.yaml).

    Returns the edition and its warnings; raises :class:`InvalidEditionError` (or the class of
    the first error) carrying every problem found.
    """
    file = _edition_file(path)
    label = display_path(file)
    if not file.is_file():
        from printpipe.errors import MissingInputError

        raise MissingInputError(
            f"no {EDITION_FILE} at {display_path(file)}",
            hint="give the edition folder (e.g. editions/2019) or its edition.yaml",
        )
    root = file.parent.resolve()
    try:
        document = read_yaml(file, label)
    except YamlProblem as problem:
        raise InvalidEditionError(
            "the edition cannot be read", diagnostics=[problem.diagnostic]
        ) from None
    if not isinstance(document.data, dict):
        raise InvalidEditionError(
            "edition.yaml must be a mapping of keys (title:, parts:, ...)",
            location=document.location(()),
            hint="see README.md for a complete example",
        )
    problems = schema_diagnostics(document, _EDITION_VALIDATOR)
    project = find_project(root)
    layout: Layout | None = None
    if isinstance(document.data.get("layout"), str):
        layout, layout_problems = load_layout(
            document.data["layout"], project, root, document.location(("layout",))
        )
        problems.extend(layout_problems)
    paths = _Paths((root, *project.asset_dirs()), problems)
    parts = _build_parts(document, root, paths, problems)
    cover, appendices = _build_supplied(document, root, paths)
    raise_if_errors(problems, f"{label} does not validate", InvalidEditionError)
    assert layout is not None
    data = document.data
    edition = Edition(
        root=root,
        label=display_path(root),
        title=data["title"],
        subtitle=data.get("subtitle"),
        organisation=data["organisation"],
        year=int(data["year"]),
        language=str(data.get("language", "en")),
        date=data.get("date"),
        slug=str(data.get("slug") or _slugify(f"{data['organisation']}-{data['year']}")),
        layout=layout,
        cover=cover,
        appendices=appendices,
        parts=parts,
        inputs=tuple(dict.fromkeys([file.resolve(), *layout.files, *paths.inputs])),
        hyphenation=_hyphenation(data.get("hyphenation")),
    )
    return edition, [d for d in problems if not d.is_error]


_SECTION_STARTS = {"new-page": "page", **{v: v for v in ("recto", "page", "column", "continue")}}


def _running_head(data: dict[str, Any]) -> RunningHead:
    return RunningHead(
        **{k: v for k, v in data.items() if k != "skip"},
        skip=tuple(str(kind) for kind in _list(data.get("skip"))),
    )


def _hyphenation(value: Any) -> Hyphenation:
    """The ``hyphenation:`` mapping of a layout or an edition (already schema-checked)."""
    data = value if isinstance(value, dict) else {}
    return Hyphenation(
        capitalised=bool(data.get("capitalised", False)),
        exceptions=tuple(str(word) for word in _list(data.get("exceptions"))),
        never=tuple(str(word) for word in _list(data.get("never"))),
    )


def _slugify(text: str) -> str:
    kept = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in text)
    return "-".join(filter(None, kept.split("-")))


# The builders below run before schema errors are raised (so that missing files are reported in
# the same run), and so must take a value of the wrong type without failing: the schema has
# already said what is wrong with it.


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _build_parts(
    document: YamlDocument, root: Path, paths: _Paths, problems: list[Diagnostic]
) -> tuple[Part, ...]:
    parts: list[Part] = []
    for index, raw in enumerate(_list(document.data.get("parts"))):
        kinds = [key for key in raw if key in PART_KINDS] if isinstance(raw, dict) else []
        if len(kinds) != 1:
            if isinstance(raw, dict) and set(raw) <= {*PART_KINDS, "break"}:
                # Two kinds, or a 'break' alone: valid keys, so the schema said nothing.
                problems.append(
                    Diagnostic(
                        f"a part has exactly one kind, found {len(kinds)}: {', '.join(kinds)}",
                        document.location(("parts", index)),
                        "give each part one kind (section, photo, ...) and at most a 'break:'",
                    )
                )
            continue  # else already reported by the schema; the other parts are still checked
        kind = kinds[0]
        value = raw[kind]
        key: PathKey = ("parts", index, kind)
        where = document.location(key)
        before = len(parts)
        if kind == "section":
            source = paths.file(document, key, root)
            if source is not None:
                blocks, found = markdown.read_markdown(source, display_path(source))
                problems.extend(found)
                parts.append(Section(source, blocks, where))
        elif kind == "toc" and isinstance(value, str):
            parts.append(TableOfContents(value, where))
        elif kind == "photo" and isinstance(value, dict):
            source = paths.file(document, (*key, "file"), root)
            if source is not None:
                parts.append(
                    Photo(
                        source,
                        value.get("caption"),
                        value.get("credit"),
                        value.get("placement", "column"),
                        where,
                        value.get("alt"),
                        focus=_focus(value.get("focus")),
                        crop=_crop(value.get("crop")),
                    )
                )
        elif kind == "pull_quote" and isinstance(value, dict):
            parts.append(
                PullQuote(value.get("text", ""), value.get("attribution"), where, value.get("lang"))
            )
        elif kind == "callout" and isinstance(value, dict):
            parts.append(
                Callout(
                    value.get("title", ""),
                    value.get("text", ""),
                    value.get("link"),
                    value.get("link_text"),
                    where,
                )
            )
        elif kind == "signatures" and isinstance(value, list):
            people = []
            for number, person in enumerate(value):
                if not isinstance(person, dict):
                    continue
                image = None
                if "image" in person:
                    image = paths.file(document, (*key, number, "image"), root)
                people.append(
                    Signatory(
                        person.get("name", ""),
                        person.get("role", ""),
                        image,
                        document.location((*key, number)),
                        person.get("alt"),
                    )
                )
            parts.append(Signatures(tuple(people), where))
        elif kind == "related" and isinstance(value, dict):
            items = tuple(
                RelatedItem(item.get("title", ""), item.get("url"), item.get("note"))
                for item in _list(value.get("items"))
                if isinstance(item, dict)
            )
            parts.append(Related(value.get("title", ""), items, where))
        elif kind == "page_break":
            parts.append(PageBreak(where))
        elif kind in ("table", "chart", "figures") and isinstance(value, dict):
            part = _build_data_part(kind, value, key, document, root, paths, problems)
            if part is not None:
                parts.append(part)
        chosen = raw.get("break")
        last = parts[-1] if len(parts) > before else None
        if isinstance(chosen, str) and last is not None and not isinstance(last, PageBreak):
            parts[-1] = replace(last, break_before=chosen)
    return tuple(parts)


def _focus(value: Any) -> tuple[float, float] | None:
    """``focus: [x, y]`` as numbers, or None (a wrong type is the schema's to report)."""
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        return (float(value[0]), float(value[1]))
    return None


def _crop(value: Any) -> tuple[float, float, float, float] | None:
    """``crop: {x, y, w, h}`` as numbers, or None."""
    if isinstance(value, dict) and all(_is_number(value.get(k)) for k in "xywh"):
        return (float(value["x"]), float(value["y"]), float(value["w"]), float(value["h"]))
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bleed(raw: dict) -> float | None:
    """A supplied file's declared bleed in mm (the schema has checked it is a number)."""
    value = raw.get("bleed")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _build_data_part(
    kind: str,
    value: dict[str, Any],
    key: PathKey,
    document: YamlDocument,
    root: Path,
    paths: _Paths,
    problems: list[Diagnostic],
) -> Part | None:
    """A table, chart or key-figures part, read and checked by :mod:`printpipe.dataparts`."""

    def resolve(name: str) -> Path | None:
        return paths.file(document, (*key, name), root)

    def where(inner: tuple[str | int, ...]) -> Location:
        return document.location((*key, *inner))

    if kind == "table":
        return dataparts.build_table(value, resolve, where, display_path, problems)
    if kind == "chart":
        return dataparts.build_chart(value, resolve, where, display_path, problems)
    return dataparts.build_figures(value, where)


def _build_supplied(
    document: YamlDocument, root: Path, paths: _Paths
) -> tuple[Cover | None, tuple[SuppliedPdf, ...]]:
    data = document.data
    cover = None
    raw_cover = data.get("cover")
    if isinstance(raw_cover, dict):
        source = paths.file(document, ("cover", "file"), root)
        if source is not None:
            pdf = SuppliedPdf(
                source,
                display_path(source),
                "Cover",
                bleed_mm=_bleed(raw_cover),
                spot_colours=raw_cover.get("spot_colours"),
                password=raw_cover.get("password"),
                accept=raw_cover.get("accept"),
                location=document.location(("cover", "file")),
                rgb_source=paths.file(document, ("cover", "rgb_file"), root)
                if "rgb_file" in raw_cover
                else None,
                alt=raw_cover.get("alt"),
            )
            cover = Cover(
                pdf,
                _count(raw_cover.get("front_pages"), 2),
                _count(raw_cover.get("back_pages"), 2),
            )
    appendices: list[SuppliedPdf] = []
    for index, raw in enumerate(_list(data.get("appendices"))):
        if not isinstance(raw, dict):
            continue
        source = paths.file(document, ("appendices", index, "file"), root)
        if source is not None:
            appendices.append(
                SuppliedPdf(
                    source,
                    display_path(source),
                    str(raw.get("title", source.stem)),
                    fit=str(raw.get("fit", "scale")),
                    bleed_mm=_bleed(raw),
                    spot_colours=raw.get("spot_colours"),
                    password=raw.get("password"),
                    accept=raw.get("accept"),
                    location=document.location(("appendices", index, "file")),
                    rgb_source=paths.file(document, ("appendices", index, "rgb_file"), root)
                    if "rgb_file" in raw
                    else None,
                    alt=raw.get("alt"),
                )
            )
    return cover, tuple(appendices)
