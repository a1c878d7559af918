"""Stage 3: compose the body with ReportLab platypus (the only package that imports ReportLab).

The result is a PDF of trim-plus-bleed pages (TrimBox and BleedBox on each) and a
:class:`ComposedBody` describing it: page count, where each heading and image landed.  Later
stages read that description instead of re-parsing the PDF.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.platypus.doctemplate import LayoutError

from printpipe.compose import rlhooks
from printpipe.compose.document import (
    MAX_PASSES,
    BodyDocument,
    HeadingMark,
    LayoutSettled,
    PageHeads,
)
from printpipe.compose.flowables import Placement
from printpipe.compose.fonts import FontBook, glyph_diagnostics
from printpipe.compose.overlay import proof_overlay
from printpipe.compose.overprint import OverprintCanvas
from printpipe.compose.story import ImageFile, ImageLookup, StoryBuilder
from printpipe.compose.styles import StyleSheet
from printpipe.compose.tables import data_table, pipe_table
from printpipe.compose.tagging import Recorder, TagCanvas, mark_page_furniture
from printpipe.compose.textblock import forget_settings, shared_paragraphs
from printpipe.errors import Diagnostic, InvalidEditionError, Location
from printpipe.markdown import plain_text
from printpipe.model import (
    Callout,
    Chart,
    DataTable,
    Edition,
    Heading,
    KeyFigures,
    Photo,
    PullQuote,
    Related,
    Section,
    Signatures,
    TableBlock,
    TableOfContents,
)

log = logging.getLogger(__name__)

__all__ = [
    "ComposeSettings",
    "ComposedBody",
    "HeadingMark",
    "ImageFile",
    "ImageLookup",
    "Placement",
    "check_glyphs",
    "check_tables",
    "compose_body",
    "proof_overlay",
    "shared_paragraphs",
]

# JPEGs must pass through byte for byte, and ASCII85 is 90 % of ReportLab's run time.
rl_config.useA85 = 0


@dataclass(frozen=True)
class ComposeSettings:
    """What a target asks of composition."""

    colour: str  # "cmyk" | "rgb"
    bleed: bool
    first_page_recto: bool = True
    proof: bool = False  # mark each photo's focus
    tagged: bool = False  # mark content and record the structure (tagged PDF)
    overprint_black: bool = False  # 100 % K fills and strokes overprint (press)


@dataclass(frozen=True)
class ComposedBody:
    """The body PDF and where things landed in it."""

    path: Path
    pages: int
    headings: tuple[HeadingMark, ...]
    placements: tuple[Placement, ...]
    bleed_pages: frozenset[int]
    structure: dict[str, Any] | None = None  # the tagging record (compose/tagging.py)
    folios: tuple[str, ...] = ()  # the printed page number of each body page


def _fields(edition: Edition) -> dict[str, str]:
    return {
        "title": edition.title,
        "subtitle": edition.subtitle or "",
        "organisation": edition.organisation,
        "year": str(edition.year),
    }


def compose_body(
    edition: Edition,
    settings: ComposeSettings,
    images: ImageLookup,
    out: Path,
    prepare_pages: Callable[[list[Path]], None] | None = None,
) -> ComposedBody:
    """Typeset the edition's parts into ``out``.

    ``prepare_pages`` is told which photos the layout sets as full-bleed pages of their own
    (``page.lone_photos``) before ``images`` is asked for their page versions, so they can be
    prepared together.
    """
    layout = edition.layout
    book = FontBook.for_layout(layout)
    sheet = StyleSheet.build(layout, book, settings.colour, edition.language)
    bleed = layout.page.bleed_pt if settings.bleed else 0.0
    heads = PageHeads(
        layout.running_head.verso,
        layout.running_head.recto,
        _fields(edition),
        layout.running_head.rule,
        layout.running_head.skip,
    )
    doc = BodyDocument(
        str(out),
        layout.page,
        bleed,
        sheet,
        heads,
        settings.first_page_recto,
        title=edition.title,
        author=edition.organisation,
        subject=edition.subtitle or "",
        creator="printpipe",
        lang=edition.language,
        enforceColorSpace="cmyk" if settings.colour == "cmyk" else "rgb",
    )
    doc.prepare_pages = prepare_pages
    recorder = Recorder() if settings.tagged else None
    story = [
        LayoutSettled(doc),
        *StoryBuilder(edition, sheet, images, bleed, recorder, settings.proof).build(),
    ]
    makers = []
    if recorder is not None:
        mark_page_furniture(doc, recorder)
        makers.append(TagCanvas)
    if settings.overprint_black:
        makers.append(OverprintCanvas)
    extra: dict[str, Any] = {}
    if makers:
        extra["canvasmaker"] = makers[0] if len(makers) == 1 else type("Canvas", tuple(makers), {})
    try:
        with rlhooks.ligature_text():
            try:
                doc.multiBuild(story, maxPasses=MAX_PASSES, **extra)
            finally:
                forget_settings()
        log.info(
            "composed %d pages in %d layout passes and a drawing pass",
            doc.page,
            doc.layout_passes,
        )
    except LayoutError as error:
        # ReportLab's text names the flowable by its memory address; keep the message stable.
        detail = re.sub(r"\s*(?:at|@)\s*0x[0-9A-Fa-f]+", "", str(error).splitlines()[0])[:160]
        raise InvalidEditionError(
            f"a block is too large to fit on a page (body page {doc.page})",
            location=Location(edition.label),
            hint=f"shorten it, or split it into smaller parts ({detail})",
        ) from None
    return ComposedBody(
        path=out,
        pages=doc.page,
        headings=tuple(doc.headings),
        placements=tuple(doc.placements),
        bleed_pages=frozenset(doc.bleed_pages),
        structure=recorder.record() if recorder is not None else None,
        folios=tuple(doc.folio(page) for page in range(1, doc.page + 1)),
    )


def check_glyphs(edition: Edition) -> list[Diagnostic]:
    """Every character of the edition against the face that will set it (and the fallbacks)."""
    layout = edition.layout
    book = FontBook.for_layout(layout)
    styles = layout.styles
    items: list[tuple[str, str, Location]] = []

    def add(style: str, text: str | None, location: Location) -> None:
        if text:
            items.append((book.face(styles[style]), text, location))

    head_location = Location(layout.label, key="running_head")
    for text in (edition.title, edition.organisation, edition.subtitle):
        add("running_head", text, head_location)
    for part in edition.parts:
        if isinstance(part, Section):
            for block in part.blocks:
                if isinstance(block, Heading):
                    add(f"h{min(block.level, 3)}", block.text, block.location)
                    add("toc1", block.text, block.location)
                    add("running_head", block.text.upper(), block.location)
            for text, location in plain_text(part.blocks):
                add("body", text, location)
            for block in part.blocks:
                if isinstance(block, TableBlock):
                    for cells in (block.header, *block.rows):
                        for runs in cells:
                            add("table", "".join(run.text for run in runs), block.location)
        elif isinstance(part, TableOfContents):
            add("toc_title", part.title, part.location)
        elif isinstance(part, Photo):
            add("caption", part.caption, part.location)
            add("credit", part.credit, part.location)
        elif isinstance(part, PullQuote):
            add("pull_quote", f"“{part.text}”", part.location)
            add("pull_quote_attribution", f"— {part.attribution or ''}", part.location)
        elif isinstance(part, Callout):
            add("callout_title", part.title, part.location)
            add("callout_body", f"{part.text} {part.link_text or part.link or ''}", part.location)
        elif isinstance(part, Signatures):
            for person in part.signatories:
                add("signature_name", person.name, person.location)
                add("signature_role", person.role, person.location)
        elif isinstance(part, DataTable):
            add("caption", part.caption, part.location)
            add("credit", part.source, part.location)
            for column in part.columns:
                add("table_header", column.label, part.location)
            add(
                "table",
                "0123456789,.%" + "".join(c.format.currency for c in part.columns),
                part.location,
            )
            for row in part.rows:
                for cell in row:
                    if isinstance(cell, str):
                        add("table", cell, part.location)
        elif isinstance(part, Chart):
            add("table_header", f"{part.title or ''} {part.units or ''}", part.location)
            add("caption", f"{part.caption or ''} {part.source or ''}", part.location)
            add("chart", " ".join(part.categories) + part.format.currency, part.location)
            add("chart", " ".join(name for name, _ in part.series), part.location)
        elif isinstance(part, KeyFigures):
            add("h3", part.title, part.location)
            for figure in part.figures:
                add("key_figure", f"{figure.prefix}{figure.value}{figure.suffix}", part.location)
                add("key_figure_label", figure.label, part.location)
        elif isinstance(part, Related):
            add("related_title", part.title, part.location)
            for item in part.items:
                add("related_item", f"» {item.title} — {item.note or ''}", part.location)
    return glyph_diagnostics(book, items)


def check_tables(edition: Edition) -> list[Diagnostic]:
    """Every table measured against its placement, so ``check`` reports one too wide."""
    layout = edition.layout
    sheet = StyleSheet.build(layout, FontBook.for_layout(layout), "rgb", edition.language)
    page = layout.page
    found: list[Diagnostic] = []
    for part in edition.parts:
        try:
            if isinstance(part, DataTable):
                wide = part.placement == "full-width"
                width = page.text_width_pt if wide else page.column_width_pt
                data_table(part, sheet, edition.language, width)
            elif isinstance(part, Section):
                for block in part.blocks:
                    if isinstance(block, TableBlock):
                        pipe_table(block, sheet, page.column_width_pt)
        except InvalidEditionError as error:
            found.append(Diagnostic(error.message, error.location, error.hint))
    return found
