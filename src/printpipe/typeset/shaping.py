"""Shaping with HarfBuzz: kerning and ligatures from the font, cached by (font, text).

The line breaker needs the width a word really has once kerned and ligated, and the drawing
code needs the glyphs that make that width; both come from one shaping call here, so a
justified line drawn from these glyphs ends exactly where the breaker measured it.  Words
recur (a report says "defenders" hundreds of times), so results are cached per font.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import uharfbuzz as hb

FEATURES = {"kern": True, "liga": True}


class Glyph(NamedTuple):
    """One shaped glyph: font glyph id, source cluster, advance and offsets in font units.

    A named tuple, not a dataclass: a paragraph's lines hold hundreds of thousands of them,
    and a tuple is made three times faster (composition time, issue 9).
    """

    gid: int
    cluster: int
    advance: int
    x_offset: int = 0
    y_offset: int = 0


class Shaper:
    """One font file, shaped with HarfBuzz; results cached by text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        face = hb.Face(path.read_bytes())
        self.font = hb.Font(face)
        self.upem = face.upem
        self._cache: dict[str, tuple[Glyph, ...]] = {}
        self._splits: dict[tuple[str, tuple[int, ...]], tuple[int, ...]] = {}
        self.space = self.shape(" ")[0]

    def shape(self, text: str) -> tuple[Glyph, ...]:
        """The glyphs of ``text`` (one line or less, left to right)."""
        found = self._cache.get(text)
        if found is not None:
            return found
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        hb.shape(self.font, buffer, FEATURES)
        glyphs = tuple(
            Glyph(info.codepoint, info.cluster, pos.x_advance, pos.x_offset, pos.y_offset)
            for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)
        )
        self._cache[text] = glyphs
        return glyphs

    def has(self, char: str) -> bool:
        """Whether the font maps ``char`` to a glyph."""
        return self.font.get_nominal_glyph(ord(char)) is not None

    def width(self, text: str, size: float) -> float:
        """Shaped width of ``text`` at ``size`` points."""
        return sum(glyph.advance for glyph in self.shape(text)) * size / self.upem

    def split_widths(self, text: str, cuts: list[int], size: float) -> list[float]:
        """Widths of ``text`` cut at character offsets ``cuts``, adding up to the shaped word.

        A glyph counts in the piece its cluster starts in, so kerning across a cut and a
        ligature spanning one stay with the first piece: the pieces sum to the whole word.
        """
        key = (text, tuple(cuts))
        units = self._splits.get(key)
        if units is None:
            bounds = [0, *cuts, len(text)]
            widths = [0] * (len(bounds) - 1)
            piece = 0
            for glyph in self.shape(text):
                while piece + 1 < len(widths) and glyph.cluster >= bounds[piece + 1]:
                    piece += 1
                widths[piece] += glyph.advance
            units = self._splits[key] = tuple(widths)
        scale = size / self.upem
        return [width * scale for width in units]


_SHAPERS: dict[Path, Shaper] = {}


def shaper_for(path: Path) -> Shaper:
    """The (process-wide) shaper of a font file."""
    found = _SHAPERS.get(path)
    if found is None:
        found = _SHAPERS[path] = Shaper(path)
    return found
