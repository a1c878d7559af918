"""Glyphs into lines, lines into columns; the column geometry from a layout or from the page."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from printpipe.model import Layout, mm_to_pt
from printpipe.typography.glyphs import Box, Glyph

GAP_EM = 0.2  # a jump this wide (em) between glyphs, with no space glyph, is a word space
LINE_TOLERANCE = 0.5  # pt: "reaches the column's edge", "on a left-column baseline"
INDENT_MERGE = 36.0  # pt: line starts closer than this to a column's left are indents
HYPHENS = frozenset("-\u2010\u00ad")
HANGING = frozenset("-\u2010\u00ad.,")


def is_gap(a: Glyph, b: Glyph) -> bool:
    """Whether ``b`` starts a word after ``a`` without a space glyph (words placed one by one)."""
    if a.is_space or b.is_space:
        return False
    return b.x - (a.x + a.advance + a.charspace) > GAP_EM * a.size


@dataclass
class Line:
    """Glyphs on one baseline of one column, in drawing order."""

    glyphs: list[Glyph]
    column: int | None = None

    @property
    def y(self) -> float:
        return self.glyphs[0].y

    @property
    def x0(self) -> float:
        return self.glyphs[0].x

    @property
    def x1(self) -> float:
        """The right edge of the last visible glyph.

        A line may end in a space glyph (so that extraction sees the word break, PDF 1.7
        section 10.7); it is not ink, and with justification it can reach past the column.
        """
        glyphs = self.glyphs
        end = len(glyphs)
        while end > 1 and glyphs[end - 1].is_space:
            end -= 1
        last = glyphs[end - 1]
        return last.x + last.advance

    @cached_property
    def size(self) -> float:
        return round(Counter(g.size for g in self.glyphs).most_common(1)[0][0], 2)

    @cached_property
    def text(self) -> str:
        """The glyphs' text, with a space where a word gap has no space glyph."""
        parts = [self.glyphs[0].text]
        for a, b in itertools.pairwise(self.glyphs):
            if is_gap(a, b):
                parts.append(" ")
            parts.append(b.text)
        return "".join(parts)

    def edge_before_hang(self) -> float:
        """The right edge without a final hyphen, full stop or comma (hanging punctuation)."""
        glyphs = self.glyphs
        while len(glyphs) > 1 and glyphs[-1].is_space:
            glyphs = glyphs[:-1]
        if len(glyphs) > 1 and glyphs[-1].text in HANGING:
            return glyphs[-1].x
        return self.x1

    def ends_in_hyphen(self) -> bool:
        text = self.text.rstrip()
        return len(text) > 1 and text[-1] in HYPHENS and text[-2].isalpha()


@dataclass(frozen=True)
class Column:
    """A column's left and right edges (user space)."""

    left: float
    right: float


def raw_lines(glyphs: Sequence[Glyph]) -> list[Line]:
    """Glyphs in stream order into lines: a new line where the baseline moves or the pen goes back.

    Two columns side by side are separated later, by :func:`split_columns`.
    """
    lines: list[Line] = []
    current: list[Glyph] = []
    ink = 0.0  # origin of the last non-space glyph: a tightened space may step back a little
    for glyph in glyphs:
        if current and (abs(glyph.y - current[0].y) > 0.01 or glyph.x < ink - 0.01):
            lines.append(Line(current))
            current = []
        current.append(glyph)
        if not glyph.is_space or len(current) == 1:
            ink = glyph.x
    if current:
        lines.append(Line(current))
    return [line for line in lines if line.text.strip()]


def column_of(x: float, columns: Sequence[Column]) -> int | None:
    """The index of the column that ``x`` (a line's start) is in; None in a margin."""
    for index, column in enumerate(columns):
        if column.left - 1.0 <= x < column.right:
            return index
    return None


def split_columns(lines: Iterable[Line], columns: Sequence[Column]) -> list[Line]:
    """Cut a line where it jumps into another column across a gap (two columns, same y)."""
    gap = (
        min(b.left - a.right for a, b in itertools.pairwise(columns)) / 2
        if len(columns) > 1
        else None
    )
    result: list[Line] = []
    for line in lines:
        if gap is None:
            result.append(Line(line.glyphs, column_of(line.x0, columns)))
            continue
        current = [line.glyphs[0]]
        column = column_of(line.x0, columns)
        for glyph in line.glyphs[1:]:
            previous = current[-1]
            if glyph.x - (previous.x + previous.advance) >= gap:
                here = column_of(glyph.x, columns)
                if here is not None and here != column:
                    result.append(Line(current, column))
                    current, column = [], here
            current.append(glyph)
        result.append(Line(current, column))
    return [line for line in result if line.text.strip()]


def _segments(line: Line) -> list[Line]:
    """A line cut at every gap wider than an em: two columns drawn row by row come apart."""
    segments = [[line.glyphs[0]]]
    for glyph in line.glyphs[1:]:
        last = segments[-1][-1]
        if glyph.x - (last.x + last.advance) > glyph.size and not glyph.is_space:
            segments.append([])
        segments[-1].append(glyph)
    return [Line(glyphs) for glyphs in segments if "".join(g.text for g in glyphs).strip()]


def infer_columns(body: Sequence[Line]) -> list[Column]:
    """Column lefts from clustered line starts; rights from the most common line end.

    Lines are first cut at gaps wider than an em; a start inside an earlier column (a word
    after a wide gap, an indent) or met only once (when others are met more often) is no
    column.
    """
    pieces = [segment for line in body for segment in _segments(line)]
    clusters: list[list[Line]] = []
    for line in sorted(pieces, key=lambda line: line.x0):
        if clusters and line.x0 - clusters[-1][0].x0 < INDENT_MERGE:
            clusters[-1].append(line)
        else:
            clusters.append([line])
    if any(len(cluster) > 1 for cluster in clusters):
        clusters = [cluster for cluster in clusters if len(cluster) > 1]
    columns = []
    for cluster in clusters:
        left, widest = cluster[0].x0, max(line.x1 for line in cluster)
        # the most common end of the longer lines (justified text ends on the column's edge)
        ends = Counter(
            round(line.x1, 1) for line in cluster if line.x1 - left >= (widest - left) / 2
        )
        end, count = max(ends.items(), key=lambda item: (item[1], item[0]))
        right = end if count >= 2 else widest
        columns.append(Column(cluster[0].x0, right))
    # a "column" that starts inside the previous one is a full-width or indented block
    kept: list[Column] = []
    for column in columns:
        if kept and column.left < kept[-1].right:
            continue
        kept.append(column)
    return kept


@dataclass(frozen=True)
class Geometry:
    """What the report needs from a layout: columns and type area, and leading by size."""

    margin_top: float
    margin_bottom: float
    margin_inner: float
    margin_outer: float
    columns: int
    column_width: float
    gutter: float
    body_size: float | None
    leading: dict[float, float]

    @classmethod
    def from_layout(cls, layout: Layout) -> Geometry:
        page = layout.page
        leading: dict[float, float] = {}
        styles = sorted(layout.styles.values(), key=lambda style: style.name != "body")
        for style in styles:
            leading.setdefault(round(style.size, 2), style.leading)
        body = layout.styles.get("body")
        return cls(
            margin_top=mm_to_pt(page.margin_top_mm),
            margin_bottom=mm_to_pt(page.margin_bottom_mm),
            margin_inner=mm_to_pt(page.margin_inner_mm),
            margin_outer=mm_to_pt(page.margin_outer_mm),
            columns=page.columns,
            column_width=page.column_width_pt,
            gutter=mm_to_pt(page.gutter_mm),
            body_size=round(body.size, 2) if body else None,
            leading=leading,
        )

    def frame(self, trim: Box, inner_left: bool) -> tuple[list[Column], Box]:
        left = trim.x0 + (self.margin_inner if inner_left else self.margin_outer)
        columns = [
            Column(left + i * (self.column_width + self.gutter), 0.0) for i in range(self.columns)
        ]
        columns = [Column(c.left, c.left + self.column_width) for c in columns]
        area = Box(left, trim.y0 + self.margin_bottom, columns[-1].right, trim.y1 - self.margin_top)
        return columns, area
