"""The page machinery: facing pages, column frames, top floats, running heads and folios.

One page template serves every body page; its frames are rebuilt at the start of each page, so
that left and right pages mirror their margins and a full-width photo waiting in the float
queue can take a band at the top of the page while the columns flow beneath it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
)
from reportlab.platypus.doctemplate import ActionFlowable, IndexingFlowable

from printpipe.compose.flowables import BleedPage, PlacedImage, Placement
from printpipe.compose.styles import StyleSheet
from printpipe.model import PageGeometry, mm_to_pt

FLOAT_GAP = 14.0
MAX_FLOAT_SHARE = 0.72
BALANCE_MIN_LINES = 4  # shorter columns are left as they are: nothing to balance


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
    skip: tuple[str, ...] = ()


SEPARATORS = re.compile(r"(\s+[·|•–—/-]\s+)")


def running_head_text(template: str, fields: dict[str, str]) -> str:
    """Fill a running-head template; a piece that only repeats the year is dropped.

    Titles often hold the year already ("Annual Report 2019"); "{subtitle} · {year}" must not
    print it twice.  Pieces are the parts of the template between separators (" · ", " | ",
    " — "); empty pieces go too, with their separators.
    """
    pieces = SEPARATORS.split(template)
    texts = [
        piece.format(**fields).strip() if i % 2 == 0 else piece for i, piece in enumerate(pieces)
    ]
    year = fields.get("year", "")
    kept: list[str] = []
    for index in range(0, len(texts), 2):
        text = texts[index]
        others = " ".join(texts[j] for j in range(0, len(texts), 2) if j != index)
        if not text or (year and text == year and year in others):
            continue
        if kept:
            kept.append(texts[index - 1])
        kept.append(text)
    return "".join(kept)


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


class FloatBlock(ActionFlowable):
    """A full-width block (photo and caption): top or bottom of this page, else the next.

    ``key`` names the float across layout passes, so that a float which would land after
    the next section's opening can be pulled back to the top of its own section's page in
    the following pass (see :meth:`BodyDocument.place_float`).
    """

    def __init__(
        self,
        key: int,
        items: list[Flowable],
        as_page: Callable[[], list[Flowable]] | None = None,
        source: Path | None = None,
    ) -> None:
        super().__init__()
        self.key = key
        self.items = items
        self.as_page = as_page  # the photo as a full-bleed page; None: it cannot be one
        self.source = source  # the photo's file, whose page version as_page needs
        self._page: list[Flowable] | None = None

    def page_flowables(self) -> list[Flowable]:
        """The full-bleed page this float becomes (made once, reused by later passes)."""
        assert self.as_page is not None
        if self._page is None:
            self._page = self.as_page()
        return self._page

    def apply(self, doc: Any) -> None:
        if self.as_page is not None:
            doc.promotable.add(self.key)
            if self.source is not None:
                doc.promotable_sources[self.key] = self.source
        doc.place_float(self.key, self.items)


class _Nothing(ActionFlowable):
    def apply(self, doc: Any) -> None:
        """Nothing to do."""


class StartOn(ActionFlowable):
    """Where the next part starts: ``recto``, ``page``, ``column`` or ``none``.

    ``section`` marks the start of a new section: a full-width float of the previous section
    still waiting for a page must not land after this opening.
    """

    def __init__(self, where: str, section: bool = False) -> None:
        super().__init__()
        self.where = where
        self.section = section

    def apply(self, doc: Any) -> None:
        doc.start_on(self.where, self.section)


class EndOnVerso(ActionFlowable):
    """At the end of the body: a blank page if needed, so that what follows starts on a recto."""

    def apply(self, doc: Any) -> None:
        doc.balance_columns()
        if doc.is_recto(doc.page) and not doc.page_is_empty():
            doc.blank_next = True
            doc.handle_pageBreak()
            # ReportLab drops a trailing page begin at the end; something after it keeps
            # the blank page, which the end of the build then closes.
            doc._hanging.append(_Nothing())


SETTLE_PASSES = 3
"""Layout passes that may still move floats; after them the float hints are kept as they are."""
MAX_PASSES = 2 * SETTLE_PASSES + 3
"""Passes ReportLab may run: settling again after a photo became a page, then the contents."""


class LayoutSettled(IndexingFlowable):
    """Asks ReportLab for another pass while floats are still being moved between passes."""

    def __init__(self, doc: Any) -> None:
        super().__init__()
        self.doc = doc

    def isSatisfied(self) -> bool:
        doc = self.doc
        settled = (
            doc.next_hints == doc.float_hints
            and doc.next_balance == doc.balance_hints
            and doc.next_page_floats == doc.page_floats
        )
        return settled or doc.passes >= doc.settle_limit

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        """Nothing to draw."""


class StartBleedPage(ActionFlowable):
    """Before a full-bleed photo: make sure the photo gets a page to itself.

    A page that already has content (text or a float) is ended, and floats keep waiting, so
    the photo's page holds nothing else.
    """

    def apply(self, doc: Any) -> None:
        page = doc.canv.getPageNumber()
        doc.note_lone_float_page()
        if doc._curPageFlowableCount or page in doc.float_pages:
            doc.balance_columns()
            doc.reserve_bleed = True
            doc.handle_pageBreak()
        else:
            doc.reserve_bleed = True


def _before_next_section(flowables: list[Flowable]) -> int:
    """Where a full-bleed page goes: before the next section's start.

    And before the full-bleed pages already waiting there, so the pages keep the parts' order.
    """
    at = next(
        (i for i, f in enumerate(flowables) if isinstance(f, StartOn) and f.section),
        len(flowables),
    )
    while (
        at >= 3
        and isinstance(flowables[at - 1], PageBreak)
        and isinstance(flowables[at - 2], BleedPage)
        and isinstance(flowables[at - 3], StartBleedPage)
    ):
        at -= 3
    return at


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
        self.float_hints: dict[int, int] = {}  # float key -> page to take, from the last pass
        self.balance_hints: dict[int, float] = {}  # page -> column height, from the last pass
        self.float_items: dict[int, list[Flowable]] = {}
        self.page_floats: set[int] = set()  # floats set as full-bleed pages, from the last pass
        self.promotable_sources: dict[int, Path] = {}  # float key -> its photo's file
        self.prepare_pages: Callable[[list[Path]], None] | None = None
        self.settle_limit = SETTLE_PASSES  # passes that may still move floats
        self._reset_state()
        self.first_section_page: int | None = None
        self.passes = 0
        self.sketching = False  # this pass lays the pages out without drawing their text

    # --- passes -------------------------------------------------------------------------------

    def multiBuild(self, story: list[Flowable], maxPasses: int = 10, **build: Any) -> int:
        """Lay out in sketch passes until the layout settles, then draw it in one more pass.

        ReportLab keeps only the canvas of the pass after which every indexing flowable is
        satisfied, and knows that only once the pass is built; the passes before it drew
        every line for nothing (a third of their time).  So the layout passes are sketches
        (text is not drawn, see :class:`~printpipe.compose.textblock.TextBlock`), and once a
        sketch satisfies them all, the same layout (its inputs no longer change) is built
        once more and drawn.  ``maxPasses`` counts the layout passes as before.
        """
        self.sketching = True
        try:
            return int(super().multiBuild(story, maxPasses + 1, **build))
        finally:
            self.sketching = False

    def _allSatisfied(self) -> bool:
        happy = bool(super()._allSatisfied())
        if happy and self.sketching:
            self.sketching = False  # settled: the next pass is the drawn one
            return False
        return happy

    @property
    def layout_passes(self) -> int:
        """The passes that laid the pages out (the drawing pass repeats the last one)."""
        return self.passes - 1 if self.passes > 1 else self.passes

    # --- state that each multiBuild pass recomputes -------------------------------------------

    def _reset_state(self) -> None:
        self.placements: list[Placement] = []
        self.bleed_pages: set[int] = set()
        self.opener_pages: set[int] = set()
        self.headings: list[HeadingMark] = []
        self.pending_floats: list[tuple[int, list[Flowable]]] = []
        self.placed_floats: set[int] = set()
        self.next_hints: dict[int, int] = {}
        self.next_balance: dict[int, float] = {}
        self.float_pages: set[int] = set()
        self.float_boxes: list[tuple[int, int, float, float]] = []  # key, page, top, bottom
        self.blank_pages: set[int] = set()
        self.contents_pages: set[int] = set()
        self.blank_next = False
        self.reserve_bleed = False
        self.current_section = ""
        self.float_asked: dict[int, int] = {}  # float key -> page its part was reached on
        self.section_floats: list[int] = []
        self.foot_floats: dict[int, float] = {}  # float key -> top of its band at a page foot
        self.section_text_pages: set[int] = set()
        self.content_pages: set[int] = set()  # pages that hold text or blocks (not floats)
        self.filled_blanks: set[int] = set()
        self.promotable: set[int] = set()  # floats that can become a full-bleed page
        self.next_page_floats: set[int] = set()
        self._pass_first_section: int | None = None

    def beforeDocument(self) -> None:
        # Folios depend on where the first section lands, known from the previous pass.
        self.first_section_page = self._pass_first_section
        limit = getattr(self, "settle_limit", SETTLE_PASSES)
        if self.passes < limit:
            self.float_hints = dict(getattr(self, "next_hints", {}))
            self.balance_hints = dict(getattr(self, "next_balance", {}))
            pages = set(getattr(self, "next_page_floats", set()))
            if self.passes < SETTLE_PASSES and pages != getattr(self, "page_floats", set()):
                # A photo became a page of its own: the pages after it moved, and the floats
                # get their settling passes again.  Only in the first passes, so that the
                # layout still settles within MAX_PASSES.
                self.settle_limit = self.passes + SETTLE_PASSES
                self._prepare_page_versions(pages - self.page_floats)
                self.page_floats = pages
        # Later passes keep the last hints: floats that still move between passes would
        # otherwise keep moving the contents' folios, and the layout would never settle.
        self.passes += 1
        self._reset_state()

    def _prepare_page_versions(self, keys: set[int]) -> None:
        """Have the photos this pass sets as pages prepared together, before it asks for them.

        Each would otherwise be prepared when its page is made, one decode after another in
        the middle of the layout; together they go through the image workers at once.
        """
        sources = [self.promotable_sources[k] for k in sorted(keys) if k in self.promotable_sources]
        if sources and self.prepare_pages is not None:
            self.prepare_pages(sources)

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
        blank = self.blank_next
        self.blank_next = False
        if not self.reserve_bleed:
            # Floats pulled back to this page by the last pass go first, ahead of the queue.
            early = [
                (key, items)
                for key, items in self.float_items.items()
                if self.float_hints.get(key) == page
                and key not in self.placed_floats
                and all(key != k for k, _ in self.pending_floats)
            ]
            self.pending_floats[0:0] = sorted(early, key=lambda f: f[0])
        band = 0.0 if self.reserve_bleed else self._place_floats(canvas, page)
        if band:
            self.float_pages.add(page)
            if blank:
                self.filled_blanks.add(page)  # the blank before a recto opener took a float
        elif blank:
            self.blank_pages.add(page)
        frames = self.frames_for(page, band)
        height = self.balance_hints.get(page)
        if height is not None:
            # The section ends on this page before a break: the columns but the last stop
            # at the same depth, so the last one ends level with them (within a line).
            for frame in frames[:-1]:
                cut = frame._height - height
                if cut > 0:
                    frame._y1 += cut
                    frame._height -= cut
                    frame._geom()
                    frame._reset()
        self.pageTemplate.frames = frames

    def _place_floats(self, canvas: Any, page: int) -> float:
        if not self.pending_floats:
            return 0.0
        limit = (self.text_top() - self.text_bottom()) * MAX_FLOAT_SHARE
        used = 0.0
        while self.pending_floats:
            key, items = self.pending_floats[0]
            total = self._float_height(items, limit)
            if used and used + total > limit:
                break
            self.pending_floats.pop(0)
            self._draw_float(canvas, page, key, items, self.text_top() - used)
            used += total
        return used + FLOAT_GAP

    def _float_height(self, items: list[Flowable], limit: float) -> float:
        width = self.geometry.text_width_pt
        heights = [item.wrap(width, limit)[1] + item.getSpaceBefore() for item in items]
        return sum(heights) + sum(item.getSpaceAfter() for item in items[:-1])

    def _draw_float(
        self, canvas: Any, page: int, key: int, items: list[Flowable], top: float
    ) -> None:
        width = self.geometry.text_width_pt
        left = self.text_left(page)
        start = top
        for item in items:
            item.canv = canvas
            _, height = item.wrap(width, self.text_top() - self.text_bottom())
            top -= height + item.getSpaceBefore()
            item.drawOn(canvas, left, top)
            top -= item.getSpaceAfter()
        self.placed_floats.add(key)
        self.float_boxes.append((key, page, start, top))

    # --- breaks and floats (called by StartOn and FloatBlock) ---------------------------------

    def page_is_empty(self) -> bool:
        """Nothing drawn on the current page yet: no text in any column and no float."""
        frames = self.pageTemplate.frames
        current = frames.index(self.frame) if self.frame in frames else 0
        return current == 0 and self.frame._atTop and self.page not in self.float_pages

    def page_fill(self) -> float:
        """The share of the type area the current page holds so far (text and floats)."""
        if self.page_is_empty():
            return 0.0
        frames = self.pageTemplate.frames
        full = self.text_top() - self.text_bottom()
        current = frames.index(self.frame) if self.frame in frames else len(frames) - 1
        text = sum(f._y2 - f._topPadding - f._y for f in frames[: current + 1]) / len(frames)
        floats = sum(top - bottom for _, page, top, bottom in self.float_boxes if page == self.page)
        return (text + floats) / full

    def balance_columns(self) -> None:
        """Note, for the next pass, the column depth that shares this page's text evenly."""
        frames = self.pageTemplate.frames
        if len(frames) < 2 or self.page_is_empty() or self.frame not in frames:
            return
        if not self.current_section or self.page in self.contents_pages:
            return  # front matter keeps its own columns
        current = frames.index(self.frame)
        used = [f._y2 - f._topPadding - f._y for f in frames[: current + 1]]
        if self.page in self.balance_hints:
            # Measured with the columns already cut: the first ones hold the share.
            used = [sum(used)]
        leading = self.sheet["body"].leading
        share = sum(used) / len(frames)
        lines = -(-share // leading)  # rounded up to whole lines
        height = lines * leading + leading * 0.5
        if BALANCE_MIN_LINES * leading <= height < frames[-1]._height - leading:
            self.next_balance[self.page] = height

    def note_lone_float_page(self, page: int | None = None) -> None:
        """Before a forced page break: a page holding one full-width photo and nothing else.

        Floated on a page of its own (its section ended and the next opens on a new page, or
        a full-bleed page follows), the photo reads as a hole; the next pass sets it as a
        full-bleed page instead, when it can be one (see ``FloatBlock.as_page``).
        """
        page = self.page if page is None else page
        if page in self.content_pages or page in self.bleed_pages:
            return
        keys = [key for key, on, _, _ in self.float_boxes if on == page]
        if len(keys) == 1 and keys[0] in self.promotable:
            self.next_page_floats.add(keys[0])

    def start_on(self, where: str, section: bool) -> None:
        """Move to the next column, page or right-hand page, unless already there."""
        if where in ("page", "recto"):
            self.note_lone_float_page()
        if section:
            self._settle_section_floats()
            if where in ("page", "recto"):
                self.balance_columns()
        if (
            section
            and self.current_section  # not after the front matter
            and where in ("page", "recto")
            and not self.page_is_empty()
            and self.page not in self.bleed_pages
            and self.page_fill() < self.geometry.min_fill
        ):
            # The last page of the section would stay nearly empty: the next section opens
            # at the top of its next column instead (or straight on, in its last column).
            frames = self.pageTemplate.frames
            where = "column" if self.frame is not frames[-1] else "none"
            self.next_balance.pop(self.page, None)
        if where in ("none", "continue"):
            return
        if where == "column":
            if not self.frame._atTop:
                self.handle_frameEnd()
            return
        if not self.page_is_empty():
            self.handle_pageBreak()
            page = self.page + 1
        else:
            page = self.page
        if where == "recto" and not self.is_recto(page):
            if page == self.page and page - 1 in self.bleed_pages:
                return  # a full-bleed page just before opens the section: no blank between
            if page == self.page:  # this empty page becomes the blank left-hand page
                self.blank_pages.add(page)
                self.handle_pageBreak()
            else:
                self.blank_next = True
                self._hanging.append(PageBreak())

    def _settle_section_floats(self) -> None:
        """At a section's end, pull back (for the next pass) floats set too late.

        A float of the section still waiting, or set on a page without any of its section's
        text, takes the top of the page its part was reached on (the section's own page), so
        it never follows the next opening.
        """
        drawn = {key: page for key, page, _, _ in self.float_boxes}
        frames = self.pageTemplate.frames
        used = frames[: frames.index(self.frame) + 1] if self.frame in frames else frames
        lowest = min(f._y for f in used)
        for key in self.section_floats:
            asked = self.float_asked[key]
            page = drawn.get(key)
            foot = self.foot_floats.get(key)
            full = self.text_top() - self.text_bottom()
            if page is None or (page > asked and page not in self.section_text_pages):
                self.next_hints[key] = asked
            elif foot is not None and page == self.page and lowest - foot > full * 0.2:
                # Set at the foot of the section's last page under a few lines, it would
                # leave a hole between them: it takes the top of that page instead.
                self.next_hints[key] = page
            elif key in self.float_hints and self.float_hints[key] >= self.page - 1:
                self.next_hints[key] = self.float_hints[key]
        self.section_floats = []
        self.section_text_pages = set()

    def place_float(self, key: int, items: list[Flowable]) -> None:
        """Place a full-width float as near its text as the page allows.

        At the top of this page if nothing is above; under the text when every column has had
        its share (after balancing); at the foot of this page if the columns still have room
        there; else at the top of the next page.
        """
        self.float_items[key] = items
        self.section_floats.append(key)
        self.float_asked[key] = self.page
        if key in self.placed_floats:
            hint = self.float_hints.get(key)
            if (
                hint is not None
                and hint < self.page
                and not self.page_is_empty()
                and self.page_fill() < self.geometry.min_fill
            ):
                # Pulled back, it left its section's last page nearly empty: it moves there.
                self.next_hints[key] = self.page
            elif hint is not None and hint >= self.page - 1:
                # Still on the section's last pages: keep it there.  Pulled back further
                # than that (the section grew since), it is let go to find its place again.
                self.next_hints[key] = hint
            return
        canvas = self.canv
        page = self.page
        full = self.text_top() - self.text_bottom()
        height = self._float_height(items, full)
        frames = self.pageTemplate.frames
        current = frames.index(self.frame) if self.frame in frames else 0
        if self.reserve_bleed or page in self.bleed_pages or self.pending_floats:
            self.pending_floats.append((key, items))
            return
        if self.page_is_empty() and height <= full * MAX_FLOAT_SHARE:
            self._draw_float(canvas, page, key, items, self.text_top())
            self.float_pages.add(page)
            for frame in frames:
                frame._height -= height + FLOAT_GAP
                frame._geom()
                frame._reset()
            return
        lowest = min(f._y for f in frames[: current + 1])
        if self.frame is frames[-1] and lowest - FLOAT_GAP - height >= self.text_bottom():
            # Every column has had its text: the float goes straight under the lowest line,
            # across the columns, and anything more runs on in the last column below it.
            self._draw_float(canvas, page, key, items, lowest - FLOAT_GAP)
            self.float_pages.add(page)
            self.frame._y = lowest - 2 * FLOAT_GAP - height
            self.frame._atTop = 0
            return
        band_top = self.text_bottom() + height + FLOAT_GAP
        filled = [f._y for f in frames[:current]]
        if self.frame._y - band_top >= 2 * self.sheet["body"].leading and all(
            y >= band_top for y in filled
        ):
            self._draw_float(canvas, page, key, items, self.text_bottom() + height)
            self.float_pages.add(page)
            self.foot_floats[key] = band_top
            for frame in frames[current:]:
                frame._y1p = max(frame._y1p, band_top)
            return
        self.pending_floats.append((key, items))

    def _end(self, canvas: Any, doc: Any) -> None:
        page = canvas.getPageNumber()
        if page in self.filled_blanks:
            self.note_lone_float_page(page)
        if page in self.bleed_pages or page in self.blank_pages:
            return
        self._draw_folio(canvas, page)
        skip = self.heads.skip
        if page in self.contents_pages and "contents" in skip:
            return
        if page in self.opener_pages and "openers" in skip:
            return
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
        text = running_head_text(template, {**self.heads.fields, "section": self.current_section})
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
        while (
            flowables
            and isinstance(flowables[0], FloatBlock)
            and flowables[0].key in self.page_floats
            and flowables[0].as_page is not None
        ):
            # The last pass found it alone on a page: it is a full-bleed page now, which
            # waits (like any full-bleed page) for the next section.
            block = flowables.pop(0)
            self.next_page_floats.add(block.key)
            at = _before_next_section(flowables)
            flowables[at:at] = block.page_flowables()
        frame = getattr(self, "frame", None)
        mark = getattr(flowables[0], "_pp_heading", None) if flowables else None
        if mark is not None and frame is not None:
            # A section opens the page only from the top of its first column.
            frames = self.pageTemplate.frames
            self._heading_opens_page = bool(frame is frames[0] and frame._atTop)
        if flowables and frame is not None and isinstance(flowables[0], KeepTogether | PlacedImage):
            full = self.text_top() - self.text_bottom()
            room = frame._y2 - frame._y1p
            if room < full - 0.5:
                # KeepTogether answers any wrap with a huge height (to force a split): measure
                # what it holds instead.
                block = flowables[0]
                items = block._content if isinstance(block, KeepTogether) else [block]
                height = sum(
                    item.wrapOn(self.canv, frame._aW, full)[1]
                    for item in items
                    if not isinstance(item, Spacer)
                )
                if height > room:
                    self.handle_frameEnd()
                    return
        super().handle_flowable(flowables)

    def afterFlowable(self, flowable: Flowable) -> None:
        if not isinstance(flowable, ActionFlowable) and getattr(flowable, "height", 0) > 0:
            self.section_text_pages.add(self.page)
            self.content_pages.add(self.page)
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
            if getattr(self, "_heading_opens_page", True):
                self.opener_pages.add(page)
        if level <= 2:
            # The label the finished file shows for this page (roman in the front matter).
            self.notify("TOCEntry", (level - 1, title, self.folio(page), key))
