"""The page machinery: facing pages, column frames, top floats, running heads and folios.

One page template serves every body page; its frames are rebuilt at the start of each page, so
that left and right pages mirror their margins and a full-width photo waiting in the float
queue can take a band at the top of the page while the columns flow beneath it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate
from reportlab.platypus.doctemplate import ActionFlowable

from printpipe.compose.flowables import PlacedImage, Placement
from printpipe.compose.styles import StyleSheet
from printpipe.model import PageGeometry, mm_to_pt

FLOAT_GAP = 14.0
MAX_FLOAT_SHARE = 0.72


@dataclass(frozen=True)
class HeadingMark:
    """A heading as it landed: for the outline and the page-to-section map."""

    title: str
    level: int
    page: int
    key: str


@dataclass
class PageHeads:
    """What the running heads say; fields are filled from the edition."""

    verso: str
    recto: str
    fields: dict[str, str] = field(default_factory=dict)
    rule: bool = True


def roman(number: int) -> str:
    """Lower-case roman numerals for front-matter folios."""
    numerals = (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    )
    text = ""
    for value, letters in numerals:
        count, number = divmod(number, value)
        text += letters * count
    return text


class FloatBlock(Flowable):
    """A full-width block (photo and caption) queued for the top of the next page."""

    def __init__(self, items: list[Flowable]) -> None:
        super().__init__()
        self.items = items

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        doc = self.canv._doctemplate
        doc.pending_floats.append(self.items)


class StartBleedPage(ActionFlowable):
    """Before a full-bleed photo: make sure the photo gets a page to itself.

    A page that already has content (text or a float) is ended, and floats keep waiting, so
    the photo's page holds nothing else.
    """

    def apply(self, doc: Any) -> None:
        page = doc.canv.getPageNumber()
        if doc._curPageFlowableCount or page in doc.float_pages:
            doc.reserve_bleed = True
            doc.handle_pageBreak()
        else:
            doc.reserve_bleed = True


class BodyDocument(BaseDocTemplate):
    """A ReportLab document whose pages are trim plus bleed, with content placed on the trim."""

    def __init__(
        self,
        filename: str,
        geometry: PageGeometry,
        bleed_pt: float,
        sheet: StyleSheet,
        heads: PageHeads,
        first_page_recto: bool,
        **metadata: Any,
    ) -> None:
        self.geometry = geometry
        self.bleed = bleed_pt
        self.sheet = sheet
        self.heads = heads
        self.first_page_recto = first_page_recto
        trim_w, trim_h = geometry.trim_pt
        media = (trim_w + 2 * bleed_pt, trim_h + 2 * bleed_pt)
        self.media = media
        boxes: dict[str, Any] = {
            "trimBox": (bleed_pt, bleed_pt, bleed_pt + trim_w, bleed_pt + trim_h)
        }
        if bleed_pt:
            boxes["bleedBox"] = (0, 0, media[0], media[1])
        super().__init__(
            filename,
            pagesize=media,
            initialFontName=sheet["body"].fontName,
            invariant=1,
            pageCompression=1,
            leftMargin=0,
            rightMargin=0,
            topMargin=0,
            bottomMargin=0,
            **boxes,
            **metadata,
        )
        self.addPageTemplates(
            [
                PageTemplate(
                    "body", frames=self.frames_for(1, 0.0), onPage=self._begin, onPageEnd=self._end
                )
            ]
        )
        self._reset_state()
        self.first_section_page: int | None = None

    # --- state that each multiBuild pass recomputes -------------------------------------------

    def _reset_state(self) -> None:
        self.placements: list[Placement] = []
        self.bleed_pages: set[int] = set()
        self.opener_pages: set[int] = set()
        self.headings: list[HeadingMark] = []
        self.pending_floats: list[list[Flowable]] = []
        self.float_pages: set[int] = set()
        self.reserve_bleed = False
        self.current_section = ""
        self._pass_first_section: int | None = None

    def beforeDocument(self) -> None:
        # Folios depend on where the first section lands, known from the previous pass.
        self.first_section_page = self._pass_first_section
        self._reset_state()

    # --- geometry -----------------------------------------------------------------------------

    def is_recto(self, page: int) -> bool:
        return (page % 2 == 1) == self.first_page_recto

    def text_left(self, page: int) -> float:
        margin = (
            self.geometry.margin_inner_mm if self.is_recto(page) else self.geometry.margin_outer_mm
        )
        return self.bleed + mm_to_pt(margin)

    def text_top(self) -> float:
        return self.bleed + self.geometry.trim_pt[1] - mm_to_pt(self.geometry.margin_top_mm)

    def text_bottom(self) -> float:
        return self.bleed + mm_to_pt(self.geometry.margin_bottom_mm)

    def frames_for(self, page: int, band: float) -> list[Frame]:
        """The column frames of ``page``, below a float band of ``band`` points."""
        geometry = self.geometry
        left = self.text_left(page)
        width = geometry.column_width_pt
        gutter = mm_to_pt(geometry.gutter_mm)
        bottom = self.text_bottom()
        height = self.text_top() - band - bottom
        return [
            Frame(
                left + index * (width + gutter),
                bottom,
                width,
                height,
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
                id=f"column{index + 1}",
            )
            for index in range(geometry.columns)
        ]

    # --- page events ----------------------------------------------------------------------------

    def _begin(self, canvas: Any, doc: Any) -> None:
        page = canvas.getPageNumber()
        band = 0.0 if self.reserve_bleed else self._place_floats(canvas, page)
        if band:
            self.float_pages.add(page)
        self.pageTemplate.frames = self.frames_for(page, band)

    def _place_floats(self, canvas: Any, page: int) -> float:
        if not self.pending_floats:
            return 0.0
        width = self.geometry.text_width_pt
        limit = (self.text_top() - self.text_bottom()) * MAX_FLOAT_SHARE
        used = 0.0
        left = self.text_left(page)
        while self.pending_floats:
            items = self.pending_floats[0]
            heights = [item.wrap(width, limit)[1] + item.getSpaceBefore() for item in items]
            total = sum(heights) + sum(item.getSpaceAfter() for item in items)
            if used and used + total > limit:
                break
            self.pending_floats.pop(0)
            top = self.text_top() - used
            for item, height in zip(items, heights, strict=True):
                item.canv = canvas
                top -= height
                item.drawOn(canvas, left, top)
                top -= item.getSpaceAfter()
            used += total
        return used + FLOAT_GAP

    def _end(self, canvas: Any, doc: Any) -> None:
        page = canvas.getPageNumber()
        if page in self.bleed_pages:
            return
        self._draw_folio(canvas, page)
        if page not in self.opener_pages:
            self._draw_running_head(canvas, page)

    def folio(self, page: int) -> str:
        """The printed page number: roman before the first section, then arabic from 1."""
        first = self.first_section_page
        if first is not None and page < first:
            return roman(page)
        return str(page - (first or 1) + self.sheet.layout.folio_start)

    def _text_face(self, name: str) -> tuple[str, float, Any]:
        style = self.sheet[name]
        return style.fontName, style.fontSize, style.textColor

    def _draw_running_head(self, canvas: Any, page: int) -> None:
        template = self.heads.recto if self.is_recto(page) else self.heads.verso
        text = template.format(**{**self.heads.fields, "section": self.current_section}).strip()
        if self.sheet.layout.styles["running_head"].uppercase:
            text = text.upper()
        face, size, colour = self._text_face("running_head")
        spacing = self.sheet.layout.styles["running_head"].letter_spacing
        left = self.text_left(page)
        right = left + self.geometry.text_width_pt
        baseline = self.text_top() + mm_to_pt(self.geometry.margin_top_mm) * 0.42
        canvas.saveState()
        canvas.setFont(face, size)
        canvas.setFillColor(colour)
        if self.is_recto(page):
            canvas.drawRightString(right, baseline, text, charSpace=spacing)
        else:
            canvas.drawString(left, baseline, text, charSpace=spacing)
        if self.heads.rule:
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(0.4)
            canvas.line(left, baseline - 4, right, baseline - 4)
        canvas.restoreState()

    def _draw_folio(self, canvas: Any, page: int) -> None:
        face, size, colour = self._text_face("folio")
        left = self.text_left(page)
        right = left + self.geometry.text_width_pt
        baseline = self.bleed + mm_to_pt(self.geometry.margin_bottom_mm) * 0.45
        number = self.folio(page)
        canvas.saveState()
        canvas.setFont(face, size)
        canvas.setFillColor(colour)
        if self.sheet.layout.folio_position == "centre":
            canvas.drawCentredString((left + right) / 2, baseline, number)
        elif self.is_recto(page):
            canvas.drawRightString(right, baseline, number)
        else:
            canvas.drawString(left, baseline, number)
        canvas.restoreState()

    # --- flowable events ------------------------------------------------------------------------

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        """Let a block that cannot fit beside this page's floats wait for a page without them.

        A column photo or a box is never split; if the float band at the top of the page has
        left the column shorter than the block, ReportLab would give up ("too large"). Moving
        on to the next frame instead always ends: every page with a band places a float.
        """
        frame = getattr(self, "frame", None)
        if flowables and frame is not None and isinstance(flowables[0], KeepTogether | PlacedImage):
            full = self.text_top() - self.text_bottom()
            if frame._aH < full - 0.5:
                _, height = flowables[0].wrapOn(self.canv, frame._aW, full)
                if height > frame._aH:
                    self.handle_frameEnd()
                    return
        super().handle_flowable(flowables)

    def afterFlowable(self, flowable: Flowable) -> None:
        mark = getattr(flowable, "_pp_heading", None)
        if mark is None:
            return
        level, title, key = mark
        page = self.canv.getPageNumber()
        self.canv.bookmarkPage(key)
        self.headings.append(HeadingMark(title, level, page, key))
        if level == 1:
            if self._pass_first_section is None:
                self._pass_first_section = page
                # Known from now on in this pass too, so the contents entries get their final
                # numbers in the first pass and ReportLab needs one pass less to agree.
                self.first_section_page = page
            self.current_section = title
            self.opener_pages.add(page)
        if level <= 2:
            # ReportLab's contents list takes whole numbers; front matter has no headings.
            folio = self.folio(page)
            # The contents list parses its entries as paragraph markup: escape the title.
            entry = escape(title)
            self.notify(
                "TOCEntry", (level - 1, entry, int(folio) if folio.isdigit() else page, key)
            )
