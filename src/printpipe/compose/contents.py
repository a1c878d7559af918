"""The contents page: title, leader dots and a right-aligned folio per entry.

ReportLab's ``TableOfContents`` sets each entry as one paragraph in a table cell, so a long
title shrinks or squeezes the page number (a 0.98 pt folio was seen in a press file). Here
the folio is measured first and always set at the entry style's size; the title wraps in the
space left of it, continuation lines hang under the first line's text, and dots lead from the
title's last line to the folio.  Entries arrive from the layout passes as
``(level, title, label, key)``: the label is the page label the finished PDF will show
(``"iv"``, ``"7"``, ``"A-1"``), and ``key`` a named destination for a link (or None).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable
from reportlab.platypus.doctemplate import IndexingFlowable
from reportlab.platypus.paragraph import ParagraphStyle

from printpipe.compose.tagging import tagged

Entry = tuple[int, str, str, str | None]

DOT_PITCH = 4.5  # points between leader dots, aligned from the right edge on every line
FOLIO_GAP = 6.0  # between the last dot (or the title) and the folio


class ContentsLine(Flowable):
    """One contents entry: wrapped title, leaders and the folio."""

    def __init__(self, entry: Entry, style: ParagraphStyle, leaders: bool, first: bool) -> None:
        super().__init__()
        self.entry = entry
        self.style = style
        self.leaders = leaders
        self.first = first
        self.lines: list[str] = []

    def getSpaceBefore(self) -> float:
        return 0.0 if self.first else float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:
        return float(self.style.spaceAfter)

    def _folio_room(self) -> float:
        # Room for three digits at least, so folios line up down the page.
        size = self.style.fontSize
        label = self.entry[2]
        face = self.style.fontName
        return max(stringWidth(label, face, size), stringWidth("00", face, size))

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        style = self.style
        indent = float(style.leftIndent)
        hang = float(style.fontSize)
        self.width = avail_width
        title_room = avail_width - indent - self._folio_room() - FOLIO_GAP - 2 * DOT_PITCH
        first = simpleSplit(self.entry[1], style.fontName, style.fontSize, title_room)
        self.lines = first[:1]
        rest = " ".join(first[1:])
        if rest:
            self.lines += simpleSplit(rest, style.fontName, style.fontSize, title_room - hang)
        self.height = len(self.lines) * style.leading
        return avail_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        style = self.style
        _, _, label, key = self.entry
        size, leading, font = style.fontSize, style.leading, style.fontName
        indent = float(style.leftIndent)
        canvas.saveState()
        canvas.setFillColor(style.textColor)
        canvas.setFont(font, size)
        # The first baseline sits where a paragraph of this style would put it.
        baseline = self.height - leading + (leading - size) / 2 + size * 0.2
        x = indent
        end = x
        for number, line in enumerate(self.lines):
            x = indent if number == 0 else indent + size
            canvas.drawString(x, baseline - number * leading, line)
            end = x + stringWidth(line, font, size)
        last = baseline - (len(self.lines) - 1) * leading
        canvas.drawRightString(self.width, last, label)
        # Dots stand on one grid from the right edge, so they line up from entry to entry.
        folio_left = self.width - max(stringWidth(label, font, size), self._folio_room())
        if self.leaders:
            dot = stringWidth(".", font, size)
            position = folio_left - FOLIO_GAP - dot
            while position > end + DOT_PITCH * 0.6:
                canvas.drawString(position, last, ".")
                position -= DOT_PITCH
        if key:
            canvas.linkRect("", key, (0, 0, self.width, self.height), relative=1, thickness=0)
        canvas.restoreState()
        doc = getattr(canvas, "_doctemplate", None)
        if doc is not None and hasattr(doc, "contents_pages"):
            doc.contents_pages.add(canvas.getPageNumber())


class ContentsList(IndexingFlowable):
    """Collects entries over a layout pass and sets the previous pass's entries."""

    def __init__(
        self,
        styles: list[ParagraphStyle],
        leaders: bool,
        fixed: list[Entry],
        tags: tuple[Any, int | None] | None = None,
    ) -> None:
        super().__init__()
        self.tags = tags  # (recorder, TOC element) on tagged targets: each entry is a TOCI
        self.styles = styles
        self.leaders = leaders
        self.fixed = fixed  # entries known before layout: the appendices
        self._entries: list[Entry] = []
        self._last: list[Entry] = []
        self._lines: list[ContentsLine] = []

    def beforeBuild(self) -> None:
        self._last = self._entries[:]
        self._entries = []

    def isIndexing(self) -> int:
        return 1

    def isSatisfied(self) -> bool:
        return self._entries == self._last

    def notify(self, kind: str, stuff: Any) -> None:
        if kind == "TOCEntry":
            self._entries.append(stuff)

    def _make_lines(self) -> list[ContentsLine]:
        entries = [*self._last, *self.fixed]
        lines = []
        for number, entry in enumerate(entries):
            style = self.styles[min(entry[0], len(self.styles) - 1)]
            line = ContentsLine(entry, style, self.leaders, number == 0)
            if self.tags is not None:
                recorder, parent = self.tags
                tagged(line, recorder, "TOCI", parent)
            lines.append(line)
        return lines

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._lines = self._make_lines()
        height = 0.0
        for line in self._lines:
            height += line.getSpaceBefore() + line.wrap(avail_width, avail_height)[1]
            height += line.getSpaceAfter()
        self.width, self.height = avail_width, height
        return avail_width, height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        lines = self._make_lines()
        if not lines or lines[0].wrap(avail_width, avail_height)[1] > avail_height:
            return []  # not even one entry fits here: the next column
        return list(lines)

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        top = y + self.height
        for line in self._lines:
            top -= line.getSpaceBefore()
            _, height = line.wrap(self.width, self.height)
            top -= height
            line.drawOn(canvas, x, top)
            top -= line.getSpaceAfter()
