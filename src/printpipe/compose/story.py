"""Turn the edition's parts into a ReportLab story (a list of flowables)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
)
from reportlab.platypus.flowables import CondPageBreak

from printpipe import geometry
from printpipe.compose.charts import chart_flowables
from printpipe.compose.contents import ContentsList, Entry
from printpipe.compose.document import (
    FLOAT_GAP,
    EndOnVerso,
    FloatBlock,
    StartBleedPage,
    StartOn,
)
from printpipe.compose.flowables import (
    BleedPage,
    PlacedImage,
    callout_box,
    photo_block,
    pull_quote,
    signature_block,
)
from printpipe.compose.keyfigures import key_figures
from printpipe.compose.styles import StyleSheet
from printpipe.compose.tables import data_table, pipe_table
from printpipe.compose.tagging import (
    Recorder,
    leaves,
    tag_data,
    tagged,
)
from printpipe.compose.text import TextMaker
from printpipe.compose.textblock import TextBlock
from printpipe.errors import InvalidEditionError, Location
from printpipe.model import (
    MM,
    Block,
    Callout,
    Chart,
    DataTable,
    Edition,
    Heading,
    KeyFigures,
    ListBlock,
    Photo,
    PullQuote,
    Quote,
    Related,
    Run,
    Section,
    Signatures,
    TableBlock,
)
from printpipe.model import (
    PageBreak as PageBreakPart,
)
from printpipe.model import (
    Paragraph as ParagraphBlock,
)
from printpipe.model import (
    TableOfContents as TocPart,
)


@dataclass(frozen=True)
class ImageFile:
    """What composition needs of a prepared image."""

    path: Path
    width_px: int
    height_px: int
    has_alpha: bool
    source_px: tuple[int, int] | None = None  # the part of the original used (after crop:)


APPENDIX_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # as finishing labels them: A-1, B-1 ...
KEEP_LINES = 2  # lines of text a heading keeps with it

ImageLookup = Callable[[Path, str], ImageFile]
"""Finds the prepared image of a source for a placement kind (column, full-bleed, signature2...)."""


class StoryBuilder:
    """Builds flowables part by part; heading keys are counters, so stable across passes."""

    def __init__(
        self,
        edition: Edition,
        sheet: StyleSheet,
        images: ImageLookup,
        bleed_pt: float,
        tags: Recorder | None = None,
        proof: bool = False,
    ) -> None:
        self.proof = proof
        self.edition = edition
        self.tags = tags  # None: an untagged target
        self.sheet = sheet
        self.images = images
        self.bleed = bleed_pt
        self.page = edition.layout.page
        self.heading_count = 0
        self.float_count = 0
        self.seen_section = False
        self.text = TextMaker(edition, sheet)
        self.root = self.group("Document", None)

    # --- structure (tagged targets) ------------------------------------------------------------

    def group(self, role: str, parent: int | None, **extra: object) -> int | None:
        """A structure element without content of its own (None on an untagged target)."""
        return self.tags.element(role, parent, **extra) if self.tags is not None else None

    def tag(self, flowable: Flowable, role: str, parent: int | None, **extra: object) -> Flowable:
        """Tag a leaf flowable as the content of a new ``role`` element under ``parent``."""
        return tagged(flowable, self.tags, role, parent, **extra)

    def tag_leaves(self, block: Flowable, role: str, parent: int | None) -> Flowable:
        """Tag every paragraph inside a box or quote as one ``role`` element each."""
        for leaf in leaves(block):
            if not hasattr(leaf, "_pp_tag"):
                self.tag(leaf, role, parent)
        return block

    def build(self) -> list[Flowable]:
        story: list[Flowable] = []
        bleed: list[Flowable] = []
        for part in self.edition.parts:
            if isinstance(part, Photo) and part.placement == "full-bleed" and not part.break_before:
                # A full-bleed page waits for the next section: the column photos and quotes
                # after it fill the page before it instead of a page of their own.
                bleed.extend(self.part(part))
                continue
            if isinstance(part, Section | PageBreakPart):
                story.extend(bleed)
                bleed = []
            flowables = list(self.part(part))
            if isinstance(part, Signatures) and part.break_before in (None, "none"):
                keep_with_closing_line(story, flowables)
            story.extend(flowables)
        story.extend(bleed)
        story.append(StartOn("none", section=True))  # the last section's floats settle too
        story.append(FlushFloats())
        if self.edition.appendices:
            story.append(EndOnVerso())  # so that the first appendix page is a recto
        return story

    def where(self, part: object) -> str | None:
        """Where ``part`` starts: its own ``break:``, else the layout's rule for sections.

        The first section starts on a right-hand page whatever the layout says, so that its
        folio 1 is a recto; later sections follow ``page.sections_start``.
        """
        chosen: str | None = getattr(part, "break_before", None)
        if isinstance(part, Section):
            first = not self.seen_section
            self.seen_section = True
            if chosen is not None:
                return chosen
            if first:
                return "recto"
            if (
                self.page.short_section_start
                and self.pages_of(part) < self.page.short_section_pages
            ):
                return self.page.short_section_start
            return self.page.sections_start
        if isinstance(part, TocPart):
            return chosen or "recto"
        return chosen

    def pages_of(self, section: Section) -> float:
        """About how many pages the section's text fills (its blocks set in one column)."""
        width, height = self.page.column_width_pt, self.page.text_height_pt
        total = 0.0
        saved = self.heading_count
        canvas = Canvas(io.BytesIO())  # lists measure their bullets on a canvas
        for flowable in self.blocks(section.blocks, None):
            total += flowable.wrapOn(canvas, width, height)[1] + flowable.getSpaceAfter()
        self.heading_count = saved
        return total / (height * self.page.columns)

    def part(self, part: object) -> Iterator[Flowable]:
        where = self.where(part)
        if where is not None:
            yield StartOn(where, section=isinstance(part, Section))
        if isinstance(part, Section):
            title = next((b.text for b in part.blocks if isinstance(b, Heading)), None)
            sect = self.group("Sect", self.root, title=title)
            yield from self.blocks(part.blocks, None, parent=sect)
        elif isinstance(part, TocPart):
            sect = self.group("Sect", self.root, title=part.title)
            title = Paragraph(self.sheet.plain(part.title, "toc_title"), self.sheet["toc_title"])
            yield self.tag(title, "H1", sect)
            appendices: list[Entry] = [
                (0, pdf.title, f"{letter}-1", None)
                for letter, pdf in zip(APPENDIX_LETTERS, self.edition.appendices, strict=False)
            ]
            tags = (self.tags, self.group("TOC", sect)) if self.tags is not None else None
            yield ContentsList(
                [self.sheet["toc1"], self.sheet["toc2"]],
                self.edition.layout.contents_leaders,
                appendices,
                tags,
            )
        elif isinstance(part, Photo):
            yield from self.photo(part)
        elif isinstance(part, PullQuote):
            block = pull_quote(
                part.text, part.attribution, self.sheet, self.text, self.page.column_width_pt
            )
            self.tag_leaves(block, "P", self.group("BlockQuote", self.root, lang=part.lang))
            yield self.must_fit(block, "the pull quote", part.location)
        elif isinstance(part, Callout):
            block = callout_box(
                part.title,
                part.text,
                part.link,
                part.link_text,
                self.sheet,
                self.text,
                self.page.column_width_pt,
            )
            self.tag_leaves(block, "P", self.group("Div", self.root))
            yield self.must_fit(block, "the call-out box", part.location)
        elif isinstance(part, Signatures):
            yield self.must_fit(self.signatures(part), "the signature block", part.location)
        elif isinstance(part, Related):
            yield from self.related(part)
        elif isinstance(part, PageBreakPart):
            yield StartOn("page")
        elif isinstance(part, DataTable | Chart | KeyFigures):
            yield from self.data_part(part)

    def data_part(self, part: DataTable | Chart | KeyFigures) -> Iterator[Flowable]:
        """A table, chart or key figures, at column width or as a full-width float."""
        language = self.edition.language
        float_it = part.placement == "full-width" and self.page.columns > 1
        width = self.page.text_width_pt if float_it else self.page.column_width_pt
        if isinstance(part, DataTable):
            items = data_table(part, self.sheet, language, width)
        elif isinstance(part, Chart):
            items = chart_flowables(part, self.sheet, language, width)
        else:
            items = key_figures(part, self.sheet, language, width)
        if self.tags is not None:
            tag_data(items, self.tags, self.root)
        if not float_it:
            yield from items
            return
        what = {DataTable: "the full-width table", Chart: "the full-width chart"}.get(
            type(part), "the key figures"
        )
        self.must_fit(
            KeepTogether(items),
            what,
            part.location,
            width=width,
            height=self.page.text_height_pt - FLOAT_GAP - 2 * self.sheet["body"].leading,
        )
        self.float_count += 1
        yield FloatBlock(self.float_count, list(items))

    # --- blocks that cannot split --------------------------------------------------------------

    def must_fit(
        self,
        block: Flowable,
        what: str,
        location: Location,
        width: float | None = None,
        height: float | None = None,
    ) -> Flowable:
        """``block`` if it fits on one page; else an error naming the part.

        Boxes, quotes and signatures are one-row tables, which ReportLab cannot split; left to
        the layout engine, one taller than a page ends the build with an anonymous "Flowable
        too large".  Measured here, the message says which part and by how much.
        """
        width = self.page.column_width_pt if width is None else width
        room = self.page.text_height_pt if height is None else height
        items = block._content if isinstance(block, KeepTogether) else [block]
        needed = sum(item.wrap(width, room)[1] for item in items if not isinstance(item, Spacer))
        if needed > room:
            raise InvalidEditionError(
                f"{what} is {needed / MM:.0f} mm tall; a page has room for {room / MM:.0f} mm",
                location=location,
                hint="shorten its text, or split it into several parts",
            )
        return block

    # --- text ----------------------------------------------------------------------------------

    def blocks(
        self,
        blocks: Sequence[Block],
        override: str | None,
        indent: float = 0.0,
        parent: int | None = None,
    ) -> Iterator[Flowable]:
        follows_paragraph = False  # only a paragraph after a paragraph gets a first-line indent
        for block in blocks:
            if isinstance(block, Heading):
                yield from self.heading(block, parent)
            elif isinstance(block, ParagraphBlock):
                style = override or "body"
                text = self.text.block(
                    block.runs,
                    style,
                    indent=indent,
                    first_indent=None if follows_paragraph else 0.0,
                )
                yield self.tag(text, "P", parent)
            elif isinstance(block, ListBlock):
                yield from self.list_block(block, override, indent, parent)
            elif isinstance(block, Quote):
                quote = self.group("BlockQuote", parent)
                yield from self.blocks(block.blocks, "quote", indent, quote)
            elif isinstance(block, TableBlock):
                table = pipe_table(block, self.sheet, self.page.column_width_pt)
                if self.tags is not None:
                    tag_data([table], self.tags, parent)
                yield table
            follows_paragraph = isinstance(block, ParagraphBlock)

    def heading(self, block: Heading, parent: int | None = None) -> Iterator[Flowable]:
        level = min(block.level, 3)
        self.heading_count += 1
        flowable = self.text.block(block.runs, f"h{level}")
        flowable._pp_heading = (level, block.text, f"h{self.heading_count}")
        tagged_heading = self.tag(flowable, f"H{level}", parent)
        style_sheet = self.sheet[f"h{level}"]
        if style_sheet.keepWithNext:
            # A heading keeps its first lines: it moves on when fewer than two lines of text
            # would follow it here.  ReportLab's own keepWithNext would move the whole next
            # paragraph, leaving a hole the size of that paragraph.
            flowable.keepWithNext = 0
            height = flowable.wrap(self.page.column_width_pt, self.page.text_height_pt)[1]
            yield CondPageBreak(
                height
                + style_sheet.spaceBefore
                + style_sheet.spaceAfter
                + KEEP_LINES * self.sheet["body"].leading
            )
        yield tagged_heading

    def list_block(
        self, block: ListBlock, override: str | None, indent: float, parent: int | None = None
    ) -> Iterator[Flowable]:
        """One text block per paragraph of each item; the first carries the bullet or number.

        Blocks of their own (not one ReportLab list) so a list splits between lines like any
        paragraph and every line stays on the baseline grid.
        """
        style_name = override or "list"
        style = self.sheet.layout.styles[style_name]
        step = max(style.left_indent, 12.0)
        numbering = "Decimal" if block.ordered else "Disc"
        group = self.group("L", parent, attrs={"O": "List", "ListNumbering": numbering})
        for number, item in enumerate(block.items):
            marker = f"{block.start + number}." if block.ordered else "•"
            first = True
            # The marker is drawn with the item's first line: it stays in the LBody's text.
            body = self.group("LBody", self.group("LI", group))
            for part in item:
                if isinstance(part, ParagraphBlock):
                    last = number == len(block.items) - 1 and part is item[-1]
                    yield self.tag(
                        self.text.block(
                            part.runs,
                            style_name,
                            indent=indent + step - style.left_indent,
                            first_indent=0.0,
                            marker=marker if first else None,
                            space_before=style.space_after if number == 0 and first else 0.0,
                            space_after=style.space_after if last else 0.0,
                        ),
                        "P",
                        body,
                    )
                    first = False
                elif isinstance(part, ListBlock):
                    yield from self.list_block(part, override, indent + step, body)
                else:
                    yield from self.blocks([part], style_name, indent + step, body)

    # --- photos --------------------------------------------------------------------------------

    def photo(self, part: Photo) -> Iterator[Flowable]:
        if part.placement == "full-bleed":
            make = self.bleed_page(part)
            yield from make(self.images(part.source, part.placement))
            return
        image = self.images(part.source, part.placement)
        size = geometry.photo_size(
            part.placement, image.width_px, image.height_px, self.page, self.bleed
        )
        placed = PlacedImage(part.source, image.path, size[0], size[1], image.has_alpha, "photo")
        if self.proof and part.focus is not None:
            placed.mark = geometry.focus_in_crop(part.focus, part.crop)
        block = photo_block(placed, part.caption, part.credit, self.sheet, self.text)
        self.tag(placed, "Figure", self.root, alt=part.alt or "Photo")
        self.tag_leaves(block, "P", self.group("Caption", self.root))
        if part.placement == "full-width" and self.page.columns > 1:
            assert isinstance(block, KeepTogether)
            # A float takes a band at the top of a page above the columns; it cannot split.
            self.must_fit(
                block,
                "the full-width photo with its caption",
                part.location,
                width=self.page.text_width_pt,
                height=self.page.text_height_pt - FLOAT_GAP - 2 * self.sheet["body"].leading,
            )
            self.float_count += 1
            yield FloatBlock(
                self.float_count, list(block._content), self.page_of_its_own(part), part.source
            )
        else:
            yield block

    def bleed_page(self, part: Photo) -> Callable[[ImageFile], list[Flowable]]:
        """The flowables of a full-bleed page, given its prepared image.

        The caption and the structure elements are made now, in the story's order; the image
        may come later (a full-width photo promoted to a page of its own during layout).
        """
        text = " ".join(filter(None, [part.caption, part.credit]))
        caption = self.text.plain(text, "credit", grid=False) if text else None
        safe = geometry.mm_to_pt(self.page.safe_mm + 4)
        box = (self.bleed + safe, self.bleed + safe, min(self.page.column_width_pt, 240))
        if caption is not None:
            # The caption panel sits on the photo; it must not run off the page.
            self.must_fit(
                caption,
                "the caption of the full-bleed photo",
                part.location,
                width=box[2] - 16,
                height=self.page.trim_pt[1] - 2 * safe - 12,
            )
        figure = self.group("Figure", self.root, alt=part.alt or "Photo")
        if caption is not None:
            self.tag(caption, "P", self.group("Caption", self.root))
        media = (self.page.trim_pt[0] + 2 * self.bleed, self.page.trim_pt[1] + 2 * self.bleed)
        colour = self.sheet.palette["paper" if "paper" in self.sheet.layout.colours else "text"]

        def make(image: ImageFile) -> list[Flowable]:
            page = BleedPage(
                part.source,
                image.path,
                (image.width_px, image.height_px),
                media,
                caption,
                box,
                colour,
            )
            if self.proof and part.focus is not None:
                source_px = image.source_px or (image.width_px, image.height_px)
                focus = geometry.focus_in_crop(part.focus, part.crop)
                page.mark = geometry.focus_in_window(*source_px, *media, focus)
            if self.tags is not None and figure is not None:
                page.image_tag = (self.tags, figure)
            return [StartBleedPage(), page, PageBreak()]

        return make

    def page_of_its_own(self, part: Photo) -> Callable[[], list[Flowable]] | None:
        """A full-width photo as a full-bleed page, for when it would stand alone on a page.

        The layout asks for it when the photo lands on a page with nothing else on it (a
        section opening on a new page follows), if ``page.lone_photos`` is ``full-bleed``.
        A designer would give such a photo the whole page rather than leave it floating in
        white; done only when the photo stands the crop and keeps the press resolution
        (:func:`printpipe.geometry.fills_a_page`).
        """
        if self.page.lone_photos != "full-bleed":
            return None
        info = self.images(part.source, part.placement)
        width_px, height_px = info.source_px or (info.width_px, info.height_px)
        if not geometry.fills_a_page(
            width_px, height_px, self.page, self.edition.layout.images.warn_below_ppi
        ):
            return None
        try:
            make = self.bleed_page(part)
        except InvalidEditionError:
            return None  # its caption does not fit the panel: it stays a full-width photo

        def flowables() -> list[Flowable]:
            return make(self.images(part.source, "full-bleed"))

        return flowables

    def signatures(self, part: Signatures) -> Flowable:
        cell = geometry.signature_cell_width(self.page, len(part.signatories))
        people = []
        for person in part.signatories:
            image = None
            if person.image is not None:
                found = self.images(person.image, f"signature{len(part.signatories)}")
                width, height = geometry.signature_size(found.width_px, found.height_px, cell)
                image = PlacedImage(
                    person.image, found.path, width, height, found.has_alpha, "signature"
                )
            people.append((image, person.name, person.role))
        block = signature_block(people, self.sheet, self.page.column_width_pt)
        group = self.group("Div", self.root)
        alts = iter(
            person.alt or f"Signature of {person.name}"
            for person in part.signatories
            if person.image is not None
        )
        for leaf in leaves(block):
            if isinstance(leaf, PlacedImage):
                self.tag(leaf, "Figure", group, alt=next(alts))
            else:
                self.tag(leaf, "P", group)
        return block

    def related(self, part: Related) -> Iterator[Flowable]:
        items: list[Flowable] = [self.text.plain(part.title, "related_title")]
        for item in part.items:
            runs = [Run("» "), Run(item.title, bold=True, href=item.url)]
            if item.note:
                runs.append(Run(f" — {item.note}"))
            items.append(self.text.block(runs, "related_item"))
        yield self.tag_leaves(KeepTogether(items), "P", self.group("Div", self.root))


def keep_with_closing_line(story: list[Flowable], flowables: list[Flowable]) -> None:
    """A signature block keeps the paragraph before it (the closing line) on its page."""
    if not story or not flowables or not isinstance(story[-1], Paragraph | TextBlock):
        return
    closing = story.pop()
    block = flowables.pop()
    items = block._content if isinstance(block, KeepTogether) else [block]
    flowables.append(KeepTogether([closing, *items]))


class FlushFloats(Flowable):
    """Placed last, so a full-width float still queued at the end is not lost.

    While a float waits it does not fit, and splits into a page break and itself; the float
    then takes the top of the new page.
    """

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self.canv._doctemplate.pending_floats:
            return avail_width, avail_height + 1
        return 0, 0

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if self.canv._doctemplate.pending_floats:
            return [PageBreak(), FlushFloats()]
        return []

    def draw(self) -> None:
        """Nothing to draw: the float band is drawn by the page template."""
