"""The proof overlay: trim, bleed and safe-area guides and a "PROOF" stamp on one page.

A proof is for people checking what will be cut off and what is too close to the edge, so the
guides are drawn over everything (the overlay is merged on top of every page by
:func:`printpipe.finish.stamp_pages`).  The overlay is composed here, because ReportLab lives
only in :mod:`printpipe.compose`; finishing only merges the finished page.  The canvas starts
with a registered TrueType face (``initialFontName``) so the overlay never references an
unembedded base-14 font, and ``invariant`` keeps its bytes the same from build to build.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from printpipe.compose.fonts import register_font
from printpipe.model import mm_to_pt

Box = tuple[float, float, float, float]

# Guide colours, in RGB: proofs are looked at on screens, never printed to press.
TRIM = Color(1, 0, 1)  # magenta, solid: where the knife cuts
BLEED = Color(0, 0.75, 1)  # cyan, dashed: the end of the bleed
SAFE = Color(0, 0.6, 0)  # green, dotted: keep text inside
STAMP = Color(0.85, 0, 0.1)

GUIDE_WIDTH = 0.5  # points: thin enough not to hide what sits on the line
STAMP_ALPHA = 0.18
LABEL_SIZE = 6.5


def _rectangle(canvas: Canvas, box: Box, inset: float = 0.0) -> None:
    x0, y0, x1, y1 = box
    canvas.rect(x0 + inset, y0 + inset, x1 - x0 - 2 * inset, y1 - y0 - 2 * inset, stroke=1, fill=0)


def _guides(canvas: Canvas, trim_box: Box, bleed_box: Box, safe_mm: float) -> None:
    canvas.setLineWidth(GUIDE_WIDTH)
    # The bleed edge is the page edge: inset by half a line so the whole line is visible.
    canvas.setStrokeColor(BLEED)
    canvas.setDash([4, 2])
    _rectangle(canvas, bleed_box, GUIDE_WIDTH / 2)
    canvas.setStrokeColor(SAFE)
    canvas.setLineCap(1)
    canvas.setDash([0.1, 1.9])
    _rectangle(canvas, trim_box, mm_to_pt(safe_mm))
    canvas.setLineCap(0)
    canvas.setDash([])
    canvas.setStrokeColor(TRIM)
    _rectangle(canvas, trim_box)


def _stamp(canvas: Canvas, font: str, trim_box: Box, text: str) -> None:
    x0, y0, x1, y1 = trim_box
    width, height = x1 - x0, y1 - y0
    # A short line people can read (and tools can extract) at the top of the trim...
    canvas.setFillColor(STAMP)
    canvas.setFont(font, LABEL_SIZE)
    canvas.drawString(x0 + mm_to_pt(2), y1 - mm_to_pt(2) - LABEL_SIZE, text)
    # ...and a large, faint diagonal word nobody can mistake for the final file.
    canvas.saveState()
    canvas.setFillAlpha(STAMP_ALPHA)
    canvas.translate(x0 + width / 2, y0 + height / 2)
    canvas.rotate(45)
    size = min(width, height) / 3.2
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -size / 3, "PROOF")
    canvas.restoreState()


def proof_overlay(
    out: Path,
    media: tuple[float, float],
    trim_box: Box,
    bleed_box: Box,
    safe_mm: float,
    label: str,
    font_path: Path,
) -> Path:
    """Write a one-page PDF of ``media`` size with the guides and the stamp; return ``out``.

    Boxes are ``(x0, y0, x1, y1)`` in points from the lower-left corner of the media box.
    ``label`` follows "PROOF · " in the stamp line, e.g. ``"harbourlight-2019 · 2020-04-30"``.
    """
    font = register_font(font_path)
    canvas = Canvas(
        str(out),
        pagesize=media,
        invariant=1,
        pageCompression=1,
        initialFontName=font,
        initialFontSize=LABEL_SIZE,
        enforceColorSpace="rgb",
    )
    canvas.setTitle("printpipe proof overlay")
    _guides(canvas, trim_box, bleed_box, safe_mm)
    _stamp(canvas, font, trim_box, f"PROOF · {label}")
    canvas.showPage()
    canvas.save()
    return out
