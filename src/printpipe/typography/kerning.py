"""Kern values of glyph pairs from the font files, by HarfBuzz (the fonts the PDF names)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import uharfbuzz

from printpipe.typography.glyphs import Glyph

LIGATURE_FORMS = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
LIGATURE_CODES = {text: code for code, text in LIGATURE_FORMS.items() if code < "\ufb05"}


class KernTable:
    """Kern values (em) of glyph pairs, from the font files by base name, via HarfBuzz."""

    def __init__(self, font_files: Iterable[Path]) -> None:
        self.files: dict[str, Path] = {}
        for path in font_files:
            self.files.setdefault(path.stem, path)
        self._fonts: dict[str, tuple[uharfbuzz.Font, int] | None] = {}
        self.missing: set[str] = set()
        self._kerns: dict[tuple[str, str, str], float | None] = {}

    def _font(self, name: str) -> tuple[uharfbuzz.Font, int] | None:
        if name not in self._fonts:
            path = self.files.get(name)
            if path is None:
                self._fonts[name] = None
            else:
                face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)))
                self._fonts[name] = (uharfbuzz.Font(face), face.upem)
        found = self._fonts[name]
        if found is None:
            self.missing.add(name)
        return found

    def space_em(self, font: str) -> float | None:
        """The font's space advance in em, None when the font file is unknown."""
        loaded = self._font(font)
        if loaded is None:
            return None
        hb_font, upem = loaded
        glyph = hb_font.get_nominal_glyph(ord(" "))
        return None if glyph is None else hb_font.get_glyph_h_advance(glyph) / upem

    def kern(self, font: str, first: str, second: str) -> float | None:
        """Kern of the pair in em (0.0 when none), None when the font file is unknown."""
        key = (font, first, second)
        if key not in self._kerns:
            self._kerns[key] = self._shape_kern(font, first, second)
        return self._kerns[key]

    def _shape_kern(self, font: str, first: str, second: str) -> float | None:
        loaded = self._font(font)
        if loaded is None:
            return None
        hb_font, upem = loaded
        buffer = uharfbuzz.Buffer()
        buffer.add_str(first + second)
        buffer.guess_segment_properties()
        off = {"liga": False, "clig": False, "calt": False, "dlig": False, "rlig": False}
        uharfbuzz.shape(hb_font, buffer, {**off, "kern": True})
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        if len(infos) != 2 or infos[0].codepoint == 0 or infos[1].codepoint == 0:
            return 0.0
        natural = hb_font.get_glyph_h_advance(infos[0].codepoint)
        return float(positions[0].x_advance - natural) / upem


def glyph_char(glyph: Glyph) -> str | None:
    """The one code point that selects ``glyph`` in the font's cmap (ligatures by their form)."""
    text = glyph.text
    if len(text) == 1:
        return text
    return LIGATURE_CODES.get(text)
