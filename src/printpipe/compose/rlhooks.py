"""The private ReportLab hooks the typesetter needs, in one place (ReportLab is pinned).

ReportLab 5.1 has no public way to show a kerned, ligated glyph run: its text object writes
plain strings, and its own shaping path breaks when a hyphenated paragraph is wrapped twice
(notes/typesetting.md).  So the composer writes its own ``TJ`` arrays into the text object's
``_code``, with bytes and font names obtained only through ReportLab's own subsetting calls
(``splitString``, ``getSubsetInternalName``), which keep subsetting and embedding right.

Ligature glyphs are drawn by their presentation-form code point (U+FB01 for "fi"); the
ToUnicode map ReportLab writes would then make copy and search give "ﬁ", so
:func:`install` patches the map to give the letters.  ``tests/test_typeset_pdf.py`` fails if
any of these hooks changes under a ReportLab upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import reportlab.pdfbase.ttfonts as ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from printpipe.typeset import Glyph

PRIVATE_BASE = 0xE000  # a glyph without a code point is drawn as U+E000 + gid (stable)
LIGATURES = {0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl"}
_EXPAND: dict[int, str] = dict(LIGATURES)
_ORIGINAL = ttfonts.makeToUnicodeCMap
_ACTIVE = [0]  # how many compositions are writing fonts now


def _to_unicode(fontname: str, subset: Sequence[int]) -> str:
    """ReportLab's ToUnicode CMap, with ligature (and private) codes mapped to their letters."""
    text = _ORIGINAL(fontname, subset)
    if not _ACTIVE[0]:
        return text  # someone else's PDF in this process: ReportLab's map, unchanged
    for index, code in enumerate(subset):
        letters = _EXPAND.get(code)
        if letters:
            text = text.replace(
                f"<{index:02X}> <{code:04X}>",
                f"<{index:02X}> <{letters.encode('utf-16-be').hex().upper()}>",
            )
    return text


def install() -> None:
    """Patch ReportLab's ToUnicode writer (idempotent); fonts are written at ``save()``."""
    ttfonts.makeToUnicodeCMap = _to_unicode


@contextmanager
def ligature_text() -> Iterator[None]:
    """Within this block, PDFs written by ReportLab map ligature glyphs to their letters."""
    install()
    _ACTIVE[0] += 1
    try:
        yield
    finally:
        _ACTIVE[0] -= 1


def installed() -> bool:
    """Whether the ToUnicode patch is in place (a test checks it after imports)."""
    return ttfonts.makeToUnicodeCMap is _to_unicode


def code_for(font: TTFont, gid: int, text: str = "") -> int:
    """The code point ReportLab draws glyph ``gid`` by (a private one if the font has none)."""
    face = font.face
    found = face.glyphToChar.get(gid)
    if found:
        return int(min(found))
    code = PRIVATE_BASE + gid
    face.charToGlyph[code] = gid
    face.glyphToChar[gid] = [code]
    face.charWidths[code] = face._pdfScale(face.hmetrics[gid][0])
    if text:
        _EXPAND[code] = text
    return code


def tj_operators(
    canvas: Any, font: TTFont, size: float, glyphs: Sequence[Glyph], upem: int
) -> list[str]:
    """``Tf`` and ``TJ`` operators drawing ``glyphs`` with HarfBuzz's advances (kerning)."""
    doc = canvas._doc
    escape = canvas._escape
    ops: list[str] = []
    array: list[str] = []
    run: list[bytes] = []
    current = None
    known = _codes(font, doc)
    scale = 1000.0 / upem
    for gid, _, advance, _, _ in glyphs:
        found = known.get(gid)
        if found is None:
            code = code_for(font, gid)
            ((subset, data),) = font.splitString(chr(code), doc)
            found = known[gid] = (subset, data, font.face.getCharWidth(code))
        subset, data, width = found
        if subset != current:
            if run:
                array.append(f"({escape(b''.join(run))})")
                run = []
            if array:
                ops.append(f"[{' '.join(array)}] TJ")
                array = []
            ops.append(f"{font.getSubsetInternalName(subset, doc)} {size:g} Tf")
            current = subset
        run.append(data)
        adjust = advance * scale - width
        if abs(adjust) > 0.01:
            array.append(f"({escape(b''.join(run))})")
            run = []
            array.append(f"{-adjust:.4g}")
    if run:
        array.append(f"({escape(b''.join(run))})")
    if array:
        ops.append(f"[{' '.join(array)}] TJ")
    return ops


_CODES: dict[str, tuple[Any, dict[int, tuple[int, bytes, float]]]] = {}


def _codes(font: TTFont, doc: Any) -> dict[int, tuple[int, bytes, float]]:
    """Glyph id -> (subset, byte, width) for one font in one document.

    ``splitString`` assigns a glyph its subset byte once per document; asking again gives the
    same answer, so it is asked once per glyph (it was most of the drawing time).
    """
    entry = _CODES.get(font.fontName)
    if entry is None or entry[0] is not doc:
        entry = _CODES[font.fontName] = (doc, {})
    return entry[1]


def show(text_object: Any, operators: list[str]) -> None:
    """Append raw operators to a text object; ReportLab must re-send its font afterwards."""
    text_object._code.extend(operators)
    text_object._curSubset = -1
