"""100 % K overprint for everything the body canvas draws (text, rules, boxes).

A printer wants black text and rules to overprint: black knocking out of a tint or a photo
leaves a white halo when the plates mis-register.  PDF/X-4 allows overprint with the
``/OP true /op true /OPM 1`` ExtGState (OPM 1: zero components of a CMYK colour leave the
plates below alone).  Only pure 100 % K may overprint; any other colour (paper white boxes
included) must knock out, so the setting follows every colour change.

The hook lives at the canvas, not in the flowables, so it applies to whatever draws through
the canvas: ``canv.setFillColor`` in a flowable and the text objects Platypus paragraphs use
(``tx.setFillColor`` writes into the text object, so the ExtGState switch is written there
too, in order).  ReportLab's ``ExtGState.set(target, key, value)`` appends ``/gRLsN gs`` to
``target._code`` and tracks the state across ``saveState``/``restoreState``; that private
hook is used only here (ReportLab is pinned; tests/test_prepress.py fails if it changes).
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.colors import CMYKColor, CMYKColorSep
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

_EPSILON = 1e-6


def is_pure_black(colour: Any) -> bool:
    """True for CMYK 0/0/0/100 at full density and opacity (not a spot colour)."""
    if isinstance(colour, CMYKColorSep):
        return False
    if isinstance(colour, CMYKColor):
        if getattr(colour, "alpha", None) not in (None, 1, 1.0):
            return False
        d = colour.density
        c, m, y, k = (d * colour.cyan, d * colour.magenta, d * colour.yellow, d * colour.black)
    elif isinstance(colour, tuple | list) and len(colour) == 4:
        c, m, y, k = (float(v) for v in colour)
    else:
        return False
    return max(c, m, y) <= _EPSILON and abs(k - 1.0) <= _EPSILON


def _follow(canvas: Canvas, target: Any, key: str, colour: Any) -> None:
    """Switch fill (``op``) or stroke (``OP``) overprint for the colour just set."""
    state = canvas._extgstate
    on = is_pure_black(colour)
    if on:
        state.set(target, "OPM", 1)
    state.set(target, key, on)


class _OverprintText(PDFTextObject):
    """A text object whose colour changes switch overprint inside the text block."""

    def setFillColor(self, aColor: Any, alpha: Any = None) -> None:
        super().setFillColor(aColor, alpha)
        _follow(self._canvas, self, "op", self._fillColorObj)

    def setStrokeColor(self, aColor: Any, alpha: Any = None) -> None:
        super().setStrokeColor(aColor, alpha)
        _follow(self._canvas, self, "OP", self._strokeColorObj)


class OverprintCanvas(Canvas):
    """The body canvas on the press target: pure black fills and strokes overprint."""

    def setFillColor(self, aColor: Any, alpha: Any = None) -> None:
        super().setFillColor(aColor, alpha)
        _follow(self, self, "op", self._fillColorObj)

    def setStrokeColor(self, aColor: Any, alpha: Any = None) -> None:
        super().setStrokeColor(aColor, alpha)
        _follow(self, self, "OP", self._strokeColorObj)

    def beginText(self, x: float = 0, y: float = 0, direction: Any = None) -> PDFTextObject:
        return _OverprintText(self, x, y, direction=direction)
