"""Register the layout's TrueType fonts with ReportLab and answer "does this font have X?".

ReportLab draws a character its font lacks as a blank gap (or a .notdef box) and says nothing,
so every character of the edition is checked against the face that will set it *before*
composing; a declared fallback font is used for characters only it has.  Registration names
are derived from the font file's content hash, so two layouts with a family called "serif"
never collide in ReportLab's global registry.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from printpipe.errors import BadInputFileError, Diagnostic, Location
from printpipe.model import Layout, TextStyle

WEIGHTS = ("regular", "bold", "italic", "bold_italic")

# Characters that carry meaning for line breaking or direction but draw nothing: zero-width
# space, (non-)joiners, direction marks, embeddings, overrides and isolates, word joiner, BOM.
# Fonts map some of them to an empty zero-width glyph, which a PDF checker cannot tell from a
# missing one, so they are left out of the text instead of being set.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Characters the fonts need not contain: ReportLab handles them itself.
HANDLED = frozenset("\u00ad\n\t")


def _registered_name(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"pp-{path.stem}-{digest}"


_CMAPS: dict[str, frozenset[int]] = {}


def register_font(path: Path) -> str:
    """Register one TTF file (once per process) and return its ReportLab font name."""
    name = _registered_name(path)
    if name not in _CMAPS:
        try:
            font = TTFont(name, str(path))
        except TTFError as error:
            raise BadInputFileError(
                f"cannot use the font {path.name}: {error}",
                location=Location(str(path)),
                hint="use a TrueType (.ttf) font that allows embedding",
            ) from None
        pdfmetrics.registerFont(font)
        _CMAPS[name] = frozenset(font.face.charToGlyph)
    return name


@dataclass(frozen=True)
class FontBook:
    """The registered faces of a layout, by family and weight, plus the fallback chain."""

    faces: dict[tuple[str, str], str]
    fallbacks: tuple[str, ...]
    files: dict[str, Path]

    @classmethod
    def for_layout(cls, layout: Layout) -> FontBook:
        faces: dict[tuple[str, str], str] = {}
        files: dict[str, Path] = {}
        for family in layout.fonts.values():
            for weight in WEIGHTS:
                path = family.face(weight)
                name = register_font(path)
                faces[(family.name, weight)] = name
                files[name] = path
            # Lets <b> and <i> inside a paragraph find the right face of the family.
            regular = faces[(family.name, "regular")]
            for weight, bold, italic in (
                ("regular", 0, 0),
                ("bold", 1, 0),
                ("italic", 0, 1),
                ("bold_italic", 1, 1),
            ):
                addMapping(regular, bold, italic, faces[(family.name, weight)])
        fallbacks = []
        for path in layout.fallback_fonts:
            name = register_font(path)
            files[name] = path
            fallbacks.append(name)
        return cls(faces, tuple(fallbacks), files)

    def face(self, style: TextStyle, bold: bool = False, italic: bool = False) -> str:
        """The face that sets text of ``style`` with the given emphasis."""
        weight = style.weight
        bold = bold or weight in ("bold", "bold_italic")
        italic = italic or weight in ("italic", "bold_italic")
        chosen = {(False, False): "regular", (True, False): "bold", (False, True): "italic"}
        return self.faces[(style.font, chosen.get((bold, italic), "bold_italic"))]

    @staticmethod
    def has(face: str, char: str) -> bool:
        return ord(char) in _CMAPS[face]

    def fallback_for(self, char: str) -> str | None:
        """The first fallback font that has ``char``, if any."""
        for name in self.fallbacks:
            if ord(char) in _CMAPS[name]:
                return name
        return None

    def missing(self, face: str, text: str) -> list[str]:
        """Characters of ``text`` that neither ``face`` nor any fallback can set, in order."""
        found: list[str] = []
        cmap = _CMAPS[face]
        for char in dict.fromkeys(text):  # each character once, in order of first use
            if char.isspace() or char in INVISIBLE or char in HANDLED:
                continue
            if ord(char) not in cmap and self.fallback_for(char) is None:
                found.append(char)
        return found


def describe(char: str) -> str:
    """``'😀' (U+1F600 GRINNING FACE)`` — how messages show a character.

    Control and other unprintable characters are shown by code and name only: printed as they
    are, they would garble the terminal or vanish.
    """
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
        kind = {"Cc": "control character", "Cs": "surrogate", "Co": "private-use character"}
        return f"{code} ({kind.get(unicodedata.category(char), 'unassigned code point')})"
    if unicodedata.category(char).startswith("M"):
        return f"'\u25cc{char}' ({code} {name}, a combining mark)"
    return f"'{char}' ({code} {name})" if name else f"'{char}' ({code})"


def glyph_diagnostics(
    book: FontBook, items: Iterable[tuple[str, str, Location]]
) -> list[Diagnostic]:
    """Check ``(face, text, location)`` triples; one diagnostic per location with all misses."""
    problems = []
    for face, text, location in items:
        missing = book.missing(face, text)
        if missing:
            shown = ", ".join(describe(char) for char in missing[:8])
            more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
            hint = (
                "add a font that has it under fallback_fonts: in the layout, "
                "or replace the character"
            )
            if all(unicodedata.category(char) == "Cc" for char in missing):
                hint = "delete the control characters (they come with text pasted from elsewhere)"
            problems.append(
                Diagnostic(
                    f"{shown}{more} cannot be set: not in font {book.files[face].name}",
                    location,
                    hint,
                )
            )
    return problems
