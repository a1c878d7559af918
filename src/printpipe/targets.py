"""What each output is for, as a table of data (see the targets table in DESIGN.md).

Stages read a :class:`Target` row instead of branching on the target's name, so a new kind of
output is a new row here, not a new ``if`` across the code base.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One row of the targets table."""

    name: str
    colour: str  # "cmyk" | "rgb": composition colours and image conversion
    bleed: bool  # pages are trim + bleed (else trimmed)
    pad: bool  # pad the page count to the layout's multiple
    links: bool  # keep link annotations (PDF/X forbids them inside the bleed)
    standard: str | None  # "PDF/X-4" | "PDF/A-2a" | None
    pdf_version: str
    output_intent: str | None  # "/GTS_PDFX" | "/GTS_PDFA1" | None
    image_ppi: str  # "press" (layout's target ppi) | "screen" (layout's screen ppi)
    preflight: str  # preflight profile name
    jpeg_quality: int
    open_outline: bool  # show bookmarks when the file opens
    proof: bool = False  # stamp and guides
    tagged: bool = False  # tagged PDF: marked content, structure tree, PDF/UA-1


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target(
            "press",
            "cmyk",
            True,
            True,
            False,
            "PDF/X-4",
            "1.6",
            "/GTS_PDFX",
            "press",
            "press",
            92,
            False,
        ),
        Target(
            "screen",
            "rgb",
            False,
            False,
            True,
            None,
            "1.7",
            None,
            "screen",
            "screen",
            80,
            True,
            tagged=True,
        ),
        Target(
            "archive",
            "rgb",
            False,
            False,
            True,
            "PDF/A-2a",
            "1.7",
            "/GTS_PDFA1",
            "press",
            "archive",
            90,
            True,
            tagged=True,
        ),
        Target(
            "proof",
            "rgb",
            True,
            False,
            True,
            None,
            "1.7",
            None,
            "screen",
            "screen",
            80,
            True,
            proof=True,
        ),
    )
}

TARGET_NAMES = tuple(TARGETS)
