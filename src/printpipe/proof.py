"""Proof images: PNG spreads and a contact sheet of a PDF, for people who would rather look.

Pages are rendered with PDFium (the only module that imports pypdfium2), the full media box
each time so the bleed shows: a proof is where a designer checks what the knife will cut off.
Spreads pair pages the way the bound report opens (page 1 alone as a recto, then 2-3, 4-5, ...);
the contact sheet shows the document the same way, as bound: one cell per spread, the first
recto alone on the right, each cell labelled with the folios printed on its pages (the PDF's
page labels: "C1", "i", "9", "A-1"), so a reviewer can say "the spread 8-9" as printed.

Renders are streamed (at most one spread in memory) so a 200-page report does not need
gigabytes, and every PNG is written atomically without timestamps: the same PDF gives the same
bytes, so proofs can be compared by hash like the PDFs themselves.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw, ImageFont

from printpipe.errors import BadInputFileError, MissingInputError, UsageError
from printpipe.load import display_path
from printpipe.output import write_atomically

BACKGROUND = (128, 128, 128)  # mid grey: white pages and the empty half of a spread stand out
SPREAD_GAP = 4  # pixels between the two pages of a spread
TILE_WIDTH = 160  # pixels: a contact-sheet tile is wide enough to recognise a layout
TILE_PADDING = 8
LABEL_HEIGHT = 14  # the page number under each tile
MAX_COLUMNS = 3  # spreads per row of the contact sheet
MIN_DPI, MAX_DPI = 10, 600
MAX_PIXELS = 120_000_000  # per page render; a mistyped --dpi must not exhaust memory


@dataclass(frozen=True)
class ProofResult:
    """What :func:`render_proofs` wrote and how the contact sheet is laid out.

    The contact sheet is ``grid[0] * tile_size[0]`` by ``grid[1] * tile_size[1]`` pixels; cell
    ``n`` holds spread ``n`` of :func:`spread_pairs` at column ``n % cols``, row ``n // cols``
    (the left page in its left half, the right page in its right half), labelled
    ``labels[n]``, so tests and scripts can find any page's thumbnail without image analysis.
    """

    pdf: Path
    spreads: tuple[Path, ...]
    contact_sheet: Path
    pages: int
    grid: tuple[int, int]  # (columns, rows) of spreads
    tile_size: tuple[int, int]  # (width, height) of one spread's cell, pixels
    dpi: int
    labels: tuple[str, ...] = ()  # each spread's folios, e.g. "C1", "8 · 9"


def spread_pairs(pages: int) -> list[tuple[int | None, int | None]]:
    """0-based ``(left, right)`` page indices as the bound report opens.

    Page 1 is a recto on its own; then 2-3, 4-5, ...; a last even page stands alone as a verso.
    """
    pairs: list[tuple[int | None, int | None]] = [(None, 0)] if pages else []
    for left in range(1, pages, 2):
        pairs.append((left, left + 1 if left + 1 < pages else None))
    return pairs


def contact_grid(spreads: int, max_columns: int = MAX_COLUMNS) -> tuple[int, int]:
    """``(columns, rows)`` of spreads on the contact sheet: ``max_columns`` wide at most."""
    columns = max(1, min(spreads, max_columns))
    return columns, max(1, math.ceil(spreads / columns))


@contextmanager
def _open(pdf: Path) -> Iterator[pypdfium2.PdfDocument]:
    if not pdf.is_file():
        raise MissingInputError(
            f"no such file: {display_path(pdf)}", hint="check the path, or build the edition first"
        )
    try:
        document = pypdfium2.PdfDocument(str(pdf))
    except pypdfium2.PdfiumError as error:
        raise BadInputFileError(
            f"cannot render {display_path(pdf)}: {error}",
            hint="check that it is an unencrypted PDF (`qpdf --check` tells more)",
        ) from None
    try:
        yield document
    finally:
        document.close()


def _render(document: pypdfium2.PdfDocument, index: int, scale: float) -> Image.Image:
    page = document[index]
    try:
        width, height = page.get_size()
        if width * height * scale * scale > MAX_PIXELS:
            raise UsageError(
                f"page {index + 1} would be {width * scale:.0f}x{height * scale:.0f} pixels",
                hint="use a lower --dpi",
            )
        return page.render(scale=scale).to_pil().convert("RGB")
    finally:
        page.close()


def _save(image: Image.Image, path: Path) -> Path:
    """PNG without timestamps or other varying chunks, landed atomically."""
    with write_atomically(path) as temporary, temporary.open("wb") as handle:
        image.save(handle, format="PNG", compress_level=6)
    return path


def _spread(left: Image.Image | None, right: Image.Image | None) -> Image.Image:
    """Two pages side by side; a missing page leaves its half empty, as big as the other."""
    shown = [image for image in (left, right) if image is not None]
    left_width = (left or shown[0]).width
    right_width = (right or shown[0]).width
    height = max(image.height for image in shown)
    canvas = Image.new("RGB", (left_width + SPREAD_GAP + right_width, height), BACKGROUND)
    if left is not None:
        canvas.paste(left, (0, (height - left.height) // 2))
    if right is not None:
        canvas.paste(right, (left_width + SPREAD_GAP, (height - right.height) // 2))
    return canvas


class _ContactSheet:
    """A grid of spreads (two page thumbnails side by side) filled one page at a time."""

    def __init__(self, pages: int, aspect: float) -> None:
        self.grid = contact_grid(len(spread_pairs(pages)))
        self.box = (TILE_WIDTH, max(1, round(TILE_WIDTH * aspect)))
        self.tile_size = (
            2 * self.box[0] + 2 * TILE_PADDING,
            self.box[1] + 2 * TILE_PADDING + LABEL_HEIGHT,
        )
        columns, rows = self.grid
        self.image = Image.new(
            "RGB", (columns * self.tile_size[0], rows * self.tile_size[1]), BACKGROUND
        )
        self.draw = ImageDraw.Draw(self.image)
        self.font = ImageFont.load_default(size=LABEL_HEIGHT - 3)

    def _cell(self, number: int) -> tuple[int, int]:
        columns = self.grid[0]
        return (number % columns) * self.tile_size[0], (number // columns) * self.tile_size[1]

    def add(self, index: int, page: Image.Image) -> None:
        """Page ``index`` (0-based) into its spread: even indices are rectos, on the right."""
        left, top = self._cell((index + 1) // 2)
        ratio = min(self.box[0] / page.width, self.box[1] / page.height)
        size = (max(1, round(page.width * ratio)), max(1, round(page.height * ratio)))
        thumbnail = page.resize(size, Image.Resampling.LANCZOS)
        recto = index % 2 == 0
        # Verso and recto meet at the spine in the middle of the cell, as the bound pages do.
        spine = left + TILE_PADDING + self.box[0]
        x = spine if recto else spine - size[0]
        y = top + TILE_PADDING + (self.box[1] - size[1]) // 2
        self.image.paste(thumbnail, (x, y))

    def label(self, number: int, text: str) -> None:
        left, top = self._cell(number)
        self.draw.text(
            (left + self.tile_size[0] // 2, top + TILE_PADDING + self.box[1] + 2),
            text,
            fill=(255, 255, 255),
            font=self.font,
            anchor="mt",
        )


def spread_label(folios: list[str]) -> str:
    """``8 · 9`` for a spread, ``C1`` for a page alone (the default font has no en dash)."""
    return " · ".join(folios)


def _remove_stale(out_dir: Path, stem: str, written: set[Path]) -> None:
    """Spreads of an earlier, longer version of the file would mislead a reviewer."""
    pattern = re.compile(rf"{re.escape(stem)}-spread-\d+\.png")
    for path in out_dir.glob(f"{stem}-spread-*.png"):
        if pattern.fullmatch(path.name) and path not in written:
            path.unlink(missing_ok=True)


def render_proofs(pdf: Path, out_dir: Path, dpi: int = 50) -> ProofResult:
    """Render ``pdf`` into ``out_dir`` as ``<stem>-spread-NN.png`` and ``<stem>-contact.png``."""
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise UsageError(
            f"--dpi {dpi} is out of range", hint=f"use {MIN_DPI} to {MAX_DPI} (50 is plenty)"
        )
    scale = dpi / 72
    stem = pdf.stem
    with _open(pdf) as document:
        pages = len(document)
        if pages == 0:
            raise BadInputFileError(f"{display_path(pdf)} has no pages", hint="export it again")
        sizes = [document.get_page_size(index) for index in range(pages)]
        aspect = max(height / width for width, height in sizes if width > 0) if sizes else 1.0
        sheet = _ContactSheet(pages, aspect)
        pairs = spread_pairs(pages)
        digits = max(2, len(str(len(pairs))))
        spreads: list[Path] = []
        labels: list[str] = []
        for number, (left, right) in enumerate(pairs, start=1):
            images = [None if i is None else _render(document, i, scale) for i in (left, right)]
            for index, image in zip((left, right), images, strict=True):
                if index is not None and image is not None:
                    sheet.add(index, image)
            shown = [i for i in (left, right) if i is not None]
            labels.append(spread_label([document.get_page_label(i) or str(i + 1) for i in shown]))
            sheet.label(number - 1, labels[-1])
            path = out_dir / f"{stem}-spread-{number:0{digits}d}.png"
            spreads.append(_save(_spread(images[0], images[1]), path))
    contact = _save(sheet.image, out_dir / f"{stem}-contact.png")
    _remove_stale(out_dir, stem, set(spreads))
    return ProofResult(
        pdf=pdf,
        spreads=tuple(spreads),
        contact_sheet=contact,
        pages=pages,
        grid=sheet.grid,
        tile_size=sheet.tile_size,
        dpi=dpi,
        labels=tuple(labels),
    )
