"""Flowables for the parts Markdown cannot express: photos, signatures, boxes, quotes.

Each image flowable records where it landed (page and placed size) on the document, so that
the pipeline can report effective resolution per page without re-reading the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from printpipe.compose.prepared import draw_prepared
from printpipe.compose.styles import StyleSheet
from printpipe.compose.tagging import Tag, marked
from printpipe.compose.text import TextMaker


@dataclass(frozen=True)
class Placement:
    """Where one image ended up in the composed body."""

    source: Path
    page: int  # 1-based page of the body
    width_pt: float
    height_pt: float
    kind: str  # "photo", "bleed", "signature"


def _record(canvas: Any, source: Path, width: float, height: float, kind: str) -> None:
    doc = getattr(canvas, "_doctemplate", None)
    if doc is not None and hasattr(doc, "placements"):
        doc.placements.append(Placement(source, canvas.getPageNumber(), width, height, kind))


def focus_mark(canvas: Any, x: float, y: float) -> None:
    """A proof's cross-hair where the photo's focus is, so the designer sees what the crop kept."""
    canvas.saveState()
    canvas.setStrokeColorRGB(0.9, 0.0, 0.6)
    canvas.setLineWidth(0.8)
    canvas.circle(x, y, 6, stroke=1, fill=0)
    canvas.line(x - 11, y, x + 11, y)
    canvas.line(x, y - 11, x, y + 11)
    canvas.restoreState()


class PlacedImage(Flowable):
    """A prepared image drawn at a fixed size; the file passes through to the PDF unchanged."""

    mark: tuple[float, float] | None = None  # the focus, fractions from top left (proofs)

    def __init__(
        self, source: Path, path: Path, width: float, height: float, alpha: bool, kind: str
    ) -> None:
        super().__init__()
        self.source = source
        self.path = path
        self.width = width
        self.height = height
        self.alpha = alpha
        self.kind = kind

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_prepared(self.canv, self.path, 0, 0, self.width, self.height, self.alpha)
        if self.mark is not None:
            focus_mark(self.canv, self.mark[0] * self.width, (1 - self.mark[1]) * self.height)
        _record(self.canv, self.source, self.width, self.height, self.kind)


class BleedPage(Flowable):
    """A photo covering a whole page to the bleed edge, cropped to fill it.

    It claims the whole frame so nothing else lands on its page, and draws in page coordinates
    (frames do not clip, so drawing outside the frame reaches the bleed).
    """

    mark: tuple[float, float] | None = None  # the focus in the prepared image (proofs)

    def __init__(
        self,
        source: Path,
        path: Path,
        pixel_size: tuple[int, int],
        media: tuple[float, float],
        caption: Paragraph | None,
        caption_box: tuple[float, float, float],
        box_colour: Any,
    ) -> None:
        super().__init__()
        self.source = source
        self.path = path
        self.pixel_size = pixel_size
        self.media = media
        self.caption = caption
        self.caption_box = caption_box  # x, y, width of the caption panel (page coordinates)
        self.box_colour = box_colour
        self.image_tag: Tag | None = None  # the photo's Figure, on a tagged target

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return avail_width, avail_height - 0.01

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        media_w, media_h = self.media
        px_w, px_h = self.pixel_size
        scale = max(media_w / px_w, media_h / px_h)
        width, height = px_w * scale, px_h * scale
        canvas.saveState()
        clip = canvas.beginPath()
        clip.rect(0, 0, media_w, media_h)
        canvas.clipPath(clip, stroke=0, fill=0)
        with marked(canvas, self.image_tag):
            x, y = (media_w - width) / 2, (media_h - height) / 2
            draw_prepared(canvas, self.path, x, y, width, height, alpha=False)
        canvas.restoreState()
        if self.mark is not None:
            x = (media_w - width) / 2 + self.mark[0] * width
            focus_mark(canvas, x, (media_h + height) / 2 - self.mark[1] * height)
        _record(canvas, self.source, media_w, media_h, "bleed")
        doc = getattr(canvas, "_doctemplate", None)
        if doc is not None:
            doc.bleed_pages.add(canvas.getPageNumber())
            doc.reserve_bleed = False
        if self.caption is not None:
            left, bottom, box_width = self.caption_box
            _, caption_h = self.caption.wrap(box_width - 16, media_h)
            canvas.saveState()
            canvas.setFillColor(self.box_colour)
            canvas.rect(left, bottom, box_width, caption_h + 12, stroke=0, fill=1)
            canvas.restoreState()
            self.caption.drawOn(canvas, left + 8, bottom + 6)


def table_style(sheet: StyleSheet, *commands: tuple) -> TableStyle:
    """A table style that starts from the layout's body face and text colour.

    ReportLab tables otherwise set Helvetica and RGB black for their cells, which would put an
    unembedded font and a DeviceRGB colour into every page that holds a table.
    """
    body = sheet["body"]
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), body.fontName, body.fontSize),
            ("TEXTCOLOR", (0, 0), (-1, -1), sheet.palette["text"]),
            *commands,
        ]
    )


def photo_block(
    image: PlacedImage,
    caption: str | None,
    credit: str | None,
    sheet: StyleSheet,
    text: TextMaker,
) -> Flowable:
    """A photo with its caption and credit, kept on one page."""
    items: list[Flowable] = [image]
    if caption:
        items.append(text.plain(caption, "caption"))
    if credit:
        items.append(text.plain(credit, "credit"))
    else:
        items.append(Spacer(1, sheet["credit"].spaceAfter))
    return KeepTogether(items)


def pull_quote(
    quote: str, attribution: str | None, sheet: StyleSheet, text: TextMaker, width: float
) -> Flowable:
    """A quotation set large with a rule on its left; the opening quote mark hangs."""
    cells: list[Flowable] = [text.plain(f"“{quote}”", "pull_quote", grid=False)]
    if attribution:
        cells.append(text.plain(f"— {attribution}", "pull_quote_attribution", grid=False))
    table = Table([[cells]], colWidths=[width])
    table.setStyle(
        table_style(
            sheet,
            *[
                (
                    "LINEBEFORE",
                    (0, 0),
                    (0, 0),
                    2.5,
                    sheet.palette["highlight" if "highlight" in sheet.layout.colours else "text"],
                ),
                ("LEFTPADDING", (0, 0), (0, 0), 10),
                ("TOPPADDING", (0, 0), (0, 0), 0),
                ("BOTTOMPADDING", (0, 0), (0, 0), 0),
            ],
        )
    )
    return KeepTogether([Spacer(1, 6), table, Spacer(1, 8)])


def callout_box(
    title: str,
    body: str,
    link: str | None,
    link_text: str | None,
    sheet: StyleSheet,
    text: TextMaker,
    width: float,
) -> Flowable:
    """A tinted box with a title, a sentence and a link: the subscribe box."""
    from printpipe.model import Run

    cells: list[Flowable] = [
        text.plain(title, "callout_title", grid=False),
        text.plain(body, "callout_body", grid=False),
    ]
    if link:
        runs = [Run(link_text or link, bold=True, href=link)]
        cells.append(Spacer(1, 4))
        cells.append(text.block(runs, "callout_body", grid=False))
    background = sheet.palette["tint" if "tint" in sheet.layout.colours else "paper"]
    table = Table([[cells]], colWidths=[width])
    table.setStyle(
        table_style(
            sheet,
            *[
                ("BACKGROUND", (0, 0), (0, 0), background),
                ("LEFTPADDING", (0, 0), (0, 0), 10),
                ("RIGHTPADDING", (0, 0), (0, 0), 10),
                ("TOPPADDING", (0, 0), (0, 0), 9),
                ("BOTTOMPADDING", (0, 0), (0, 0), 10),
            ],
        )
    )
    return KeepTogether([Spacer(1, 8), table, Spacer(1, 10)])


def signature_block(
    people: list[tuple[PlacedImage | None, str, str]], sheet: StyleSheet, width: float
) -> Flowable:
    """Signatories side by side (image, name, role); one table row, so it never splits."""
    column = width / len(people)
    row = []
    for image, name, role in people:
        cell: list[Flowable] = [image if image is not None else Spacer(1, 30)]
        cell.append(Paragraph(sheet.plain(name, "signature_name"), sheet["signature_name"]))
        cell.append(Paragraph(sheet.plain(role, "signature_role"), sheet["signature_role"]))
        row.append(cell)
    table = Table([row], colWidths=[column] * len(people), hAlign="LEFT")
    table.setStyle(
        table_style(
            sheet,
            *[
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ],
        )
    )
    return KeepTogether([Spacer(1, 10), table, Spacer(1, 10)])
