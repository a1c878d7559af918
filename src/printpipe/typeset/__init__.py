"""The typesetter: shaping, hyphenation and whole-paragraph line breaking.

It hands compose finished lines (glyphs with positions) and never imports ReportLab, so the
line breaking can be tested, and reused, without a PDF in sight.
"""

from __future__ import annotations

from printpipe.typeset.details import refine
from printpipe.typeset.hyphenate import Hyphenator, hyphenation_language, is_url
from printpipe.typeset.paragraph import Line, Piece, Setting, Span, set_paragraph
from printpipe.typeset.shaping import Glyph, Shaper, shaper_for

__all__ = [
    "Glyph",
    "Hyphenator",
    "Line",
    "Piece",
    "Setting",
    "Shaper",
    "Span",
    "hyphenation_language",
    "is_url",
    "refine",
    "set_paragraph",
    "shaper_for",
]
