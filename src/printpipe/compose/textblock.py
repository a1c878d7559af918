"""A paragraph flowable set by :mod:`printpipe.typeset` and drawn through ReportLab's canvas.

It wraps by breaking the whole paragraph at once (Knuth-Plass), splits between lines with
widow and orphan control (and breaks the paragraph again if the last line of a column would
end in a hyphen), and draws each line as kerned, ligated ``TJ`` glyph runs with ``Tw`` word
spacing and ``Tz`` glyph expansion.  On a baseline grid it pads its space before and after so
that every body line sits on a multiple of the body leading from the top of the text area,
in both columns.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from printpipe.compose import rlhooks
from printpipe.typeset import Line, Setting, Span, set_paragraph, shaper_for

rlhooks.install()

BASELINE = 0.75  # first baseline below the top of a line box, in leadings
EPSILON = 1e-6


_SET: dict[tuple[Any, ...], list[Line]] = {}
"""Paragraphs already set, by text, setting and measure.

ReportLab lays the story out once per pass (up to eight while floats settle) and wraps a
paragraph again in each; its lines at a given measure never change, so they are set once.
The key holds the hyphenator by its rules, so a paragraph set for one target is reused by the
next one of the same build (``--target all``) and by the next rebuild of ``watch`` (see
:func:`shared_paragraphs`); otherwise the entries are dropped after each composition.
"""
_USED: set[tuple[Any, ...]] = set()  # keys the current composition asked for
_SHARED = [0]  # how many shared_paragraphs() blocks are open


def _set(spans: Sequence[Span], setting: Setting, avoid: int | None) -> list[Line]:
    rules = setting.hyphenator.key if setting.hyphenator is not None else None
    key = (tuple(spans), replace(setting, hyphenator=None), rules, avoid)
    _USED.add(key)
    lines = _SET.get(key)
    if lines is None:
        lines = _SET[key] = set_paragraph(spans, setting, avoid)
    return list(lines)


_MEASURES: dict[float, float] = {}


def _canonical(measure: float) -> float:
    """One value for a measure that differs only in its last bits, the first one seen.

    A frame's width is ``(x + width) - x``, so the same column measures 233.85826771653547 pt
    on one page and 233.8582677165355 pt on the next: a paragraph would be set again (and
    differ in the last bits of its word spaces) wherever it lands.
    """
    return _MEASURES.setdefault(round(measure, 6), measure)


def forget_settings() -> None:
    """After a composition: drop the paragraphs it did not use (all, unless they are shared).

    Only the last composition's paragraphs are kept for the next one, so an edition edited
    in ``watch`` for an afternoon holds one edition's lines, not every version's.
    """
    if _SHARED[0]:
        for key in [key for key in _SET if key not in _USED]:
            del _SET[key]
    else:
        _SET.clear()
    _USED.clear()
    _MEASURES.clear()


@contextmanager
def shared_paragraphs() -> Iterator[None]:
    """Within this block, compositions reuse each other's set paragraphs.

    Setting the text is most of a composition's time, and the targets of one build (and a
    rebuild after a small edit) set the same paragraphs at the same measures: their lines are
    the same, because setting depends only on the text, the fonts and the setting.
    """
    _SHARED[0] += 1
    try:
        yield
    finally:
        _SHARED[0] -= 1
        if not _SHARED[0]:
            _SET.clear()
            _USED.clear()


@dataclass(frozen=True)
class Ink:
    """What a span is drawn with: a colour name of the layout, and a link target."""

    colour: str
    href: str | None = None


class TextBlock(Flowable):
    """One paragraph of inline spans; wraps, splits and draws through the typesetter."""

    def __init__(
        self,
        spans: Sequence[Span],
        setting: Setting,
        leading: float,
        fonts: dict[Path, str],
        colour: Callable[[str], Any],
        *,
        space_before: float = 0.0,
        space_after: float = 0.0,
        left_indent: float = 0.0,
        grid: float | None = None,
        snap: str = "body",
        keep_with_next: bool = False,
        marker: Sequence[Span] = (),
        marker_width: float = 0.0,
    ) -> None:
        super().__init__()
        self.spans = tuple(spans)
        self.setting = setting
        self.leading = leading
        self.fonts = fonts
        self.colour = colour
        self.space_before = space_before
        self.space_after = space_after
        self.left_indent = left_indent
        self.grid = grid
        self.snap = snap  # body: lines on the grid; before: pad above (headings); after: below
        self.keepWithNext = int(keep_with_next)
        self.marker = tuple(marker)
        self.marker_width = marker_width
        self.lines: list[Line] | None = None
        self.continued = False  # a part after a split: no space before, no marker
        self._width = -1.0
        self._pad = 0.0

    # --- layout ---------------------------------------------------------------------------------

    def _ensure(self, width: float, avoid: int | None = None) -> list[Line]:
        """The lines at ``width`` (set once per width; a split part keeps its lines)."""
        if self.lines is None or (
            self.spans and abs(width - self._width) > 0.01 and not self.continued
        ):
            measure = _canonical(max(width - self.left_indent, 1.0))
            setting = replace(self.setting, measure=measure)
            self.lines = _set(self.spans, setting, avoid)
            self._width = width
        return self.lines

    def _origin(self) -> float | None:
        """The grid's origin: the top of the page's text area (both columns share it)."""
        frame = getattr(self, "_frame", None)
        if frame is None:
            return None
        doc = getattr(getattr(self, "canv", None), "_doctemplate", None)
        top = getattr(doc, "text_top", None)
        return float(top()) if callable(top) else float(frame._y2)

    def _snap(self, used: float, wanted: float = 0.0) -> float:
        """Space from ``used`` (below the grid origin) to a grid line, nearest to ``wanted``.

        Never negative: a block lands on the grid line nearest to where its nominal space
        would put it, or the next one down.
        """
        assert self.grid
        target = round((used + wanted) / self.grid) * self.grid
        if target < used - EPSILON:
            target += math.ceil((used - target) / self.grid - EPSILON) * self.grid
        return max(target - used, 0.0)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        lines = self._ensure(avail_width)
        self._pad = 0.0
        frame = getattr(self, "_frame", None)
        origin = self._origin()
        at_top = frame is not None and frame._atTop
        if (
            self.grid
            and frame is not None
            and at_top
            and origin is not None
            and self.snap == "body"
        ):
            self._pad = self._snap(origin - frame._y)
        self.width = avail_width
        self.height = self._pad + len(lines) * self.leading
        return self.width, self.height

    def _space_before(self) -> float:
        """The space this block wants above it, as it will really be left (grid-snapped)."""
        base = 0.0 if self.continued else self.space_before
        frame = getattr(self, "_frame", None)
        origin = self._origin()
        if not self.grid or frame is None or origin is None:
            return _overlapped(frame, base)
        used = origin - frame._y
        if self.snap == "body":
            return self._snap(used, base)
        if self.snap == "before":
            height = len(self._ensure(frame._getAvailableWidth())) * self.leading
            return self._snap(used + height + self.space_after, base)
        return _overlapped(frame, base)

    def getSpaceBefore(self) -> float:
        wanted = self._space_before()
        frame = getattr(self, "_frame", None)
        if frame is not None and getattr(frame, "_oASpace", False):
            # The frame overlaps this space with the one left after the block above; ask for
            # that much more, so what is left is exactly what the grid needs.
            return wanted + frame._prevASpace
        return wanted

    def getSpaceAfter(self) -> float:
        frame = getattr(self, "_frame", None)
        origin = self._origin()
        if not self.grid or frame is None or origin is None:
            return self.space_after
        # ReportLab asks before drawing, with the frame still at this block's top.
        before = 0.0 if frame._atTop else self._space_before()
        bottom = frame._y - before - self.height
        return self._snap(origin - bottom, self.space_after)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        lines = self._ensure(avail_width)
        pad = self._pad
        frame = getattr(self, "_frame", None)
        if frame is not None and not frame._atTop:
            # ReportLab measured the space before without the frame: measure again with it.
            nominal = 0.0 if self.continued else self.space_before
            avail_height += _overlapped(frame, nominal) - self._space_before()
        fit = int((avail_height - pad + EPSILON) // self.leading)
        total = len(lines)
        fit = min(fit, total - 2)  # no widow: two lines at least go over
        if fit < 2 or fit >= total:  # no orphan: two lines at least stay
            return []
        if self.spans and not self.continued and lines[fit - 1].hyphenated:
            again = self._ensure_fresh(avail_width, fit - 1)
            if len(again) - fit >= 2:
                lines = again
        first = self._part(lines[:fit], continued=self.continued)
        first._pad = pad
        first.space_after = 0.0
        rest = self._part(lines[fit:], continued=True)
        rest.marker = ()
        return [first, rest]

    def _ensure_fresh(self, width: float, avoid: int) -> list[Line]:
        self.lines = None
        return self._ensure(width, avoid)

    def _part(self, lines: list[Line], continued: bool) -> TextBlock:
        part = copy.copy(self)
        # ReportLab marks a flowable that did not fit once; a new part has not failed yet.
        part.__dict__.pop("_postponed", None)
        part.lines = lines
        part.continued = continued
        part._width = self._width
        return part

    # --- drawing --------------------------------------------------------------------------------

    def draw(self) -> None:
        canvas = self.canv
        if getattr(getattr(canvas, "_doctemplate", None), "sketching", False):
            return  # a layout pass whose canvas is thrown away: only the last pass draws
        lines = self.lines or []
        top = self.height - self._pad
        for number, line in enumerate(lines):
            baseline = top - number * self.leading - BASELINE * self.leading
            if number == 0 and self.marker and not self.continued:
                mark = _set(self.marker, Setting(1000.0, align="left"), None)
                if mark:
                    self._draw_line(canvas, mark[0], self.left_indent - self.marker_width, baseline)
            self._draw_line(canvas, line, self.left_indent, baseline)

    def _draw_line(self, canvas: Any, line: Line, left: float, baseline: float) -> None:
        pieces = line.pieces
        start = 0
        while start < len(pieces):
            ink = pieces[start].style
            end = start
            while end < len(pieces) and pieces[end].style == ink:
                end += 1
            group = pieces[start:end]
            colour = ink.colour if isinstance(ink, Ink) else "text"
            canvas.setFillColor(self.colour(colour))
            text = canvas.beginText(left + group[0].x, baseline)
            text.setFont(self.fonts[group[0].font], group[0].size)
            if line.scale != 1.0:
                text.setHorizScale(line.scale * 100)
            if line.word_space:
                text.setWordSpace(line.word_space)
            if line.letter_space:
                text.setCharSpace(line.letter_space)
            for piece in group:
                font = pdfmetrics.getFont(self.fonts[piece.font])
                upem = shaper_for(piece.font).upem
                text.setTextOrigin(left + piece.x, baseline)
                rlhooks.show(
                    text, rlhooks.tj_operators(canvas, font, piece.size, piece.glyphs, upem)
                )
            if line.word_space:
                text.setWordSpace(0)
            if line.letter_space:
                text.setCharSpace(0)
            if line.scale != 1.0:
                text.setHorizScale(100)
            canvas.drawText(text)
            if isinstance(ink, Ink) and ink.href:
                last = group[-1]
                width = last.x + last.width - group[0].x
                if last.text.endswith(" "):
                    width -= _space(last) * line.scale
                size = group[0].size
                canvas.linkURL(
                    ink.href,
                    (
                        left + group[0].x,
                        baseline - 0.25 * size,
                        left + group[0].x + width,
                        baseline + 0.8 * size,
                    ),
                    relative=1,
                    thickness=0,
                )
            start = end


def _overlapped(frame: Any, space: float) -> float:
    """What is left of a space before once the frame overlaps it with the space after."""
    if frame is not None and getattr(frame, "_oASpace", False):
        return max(space - frame._prevASpace, 0.0)
    return space


def _space(piece: Any) -> float:
    shaper = shaper_for(piece.font)
    return shaper.space.advance * piece.size / shaper.upem
