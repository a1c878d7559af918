"""The report's figures: per page, in total, as a dict with stable keys (the JSON)."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Figures:
    """The report's figures for one page or for the document (they add up)."""

    lines: int = 0
    justified: int = 0
    overfull: int = 0
    over_1_5: int = 0
    over_2: int = 0
    worst_ratio: float | None = None
    worst_text: str | None = None
    hyphenated: int = 0
    hyphen_stacks: int = 0
    short_breaks: int = 0
    capitalised_breaks: int = 0
    kern_pairs: int = 0
    kerned: int = 0
    ligature_sites: int = 0
    ligatures: int = 0
    ff_sites: int = 0
    ff_ligatures: int = 0
    presentation_forms: int = 0
    missing_unicode: int = 0
    grid_lines: int = 0
    grid_on: int = 0

    def add(self, other: Figures) -> None:
        """Add ``other``'s counts to these; keep the worse of the two worst lines."""
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, int):
                setattr(self, item.name, value + getattr(other, item.name))
        if other.worst_ratio is not None and (
            self.worst_ratio is None or other.worst_ratio > self.worst_ratio
        ):
            self.worst_ratio, self.worst_text = other.worst_ratio, other.worst_text

    def as_dict(self) -> dict[str, Any]:
        def pct(part: int, whole: int) -> float | None:
            return round(100 * part / whole, 1) if whole else None

        return {
            "lines": self.lines,
            "justified": self.justified,
            "overfull": self.overfull,
            "over_1_5": self.over_1_5,
            "over_2": self.over_2,
            "over_1_5_pct": pct(self.over_1_5, self.justified),
            "over_2_pct": pct(self.over_2, self.justified),
            "worst_ratio": None if self.worst_ratio is None else round(self.worst_ratio, 2),
            "worst_text": self.worst_text,
            "hyphenated": self.hyphenated,
            "hyphenated_pct": pct(self.hyphenated, self.justified),
            "hyphen_stacks": self.hyphen_stacks,
            "short_breaks": self.short_breaks,
            "capitalised_breaks": self.capitalised_breaks,
            "kern_pairs": self.kern_pairs,
            "kerned": self.kerned,
            "ligature_sites": self.ligature_sites,
            "ligatures": self.ligatures,
            "ff_sites": self.ff_sites,
            "ff_ligatures": self.ff_ligatures,
            "extraction_intact": self.presentation_forms == 0 and self.missing_unicode == 0,
            "grid_lines": self.grid_lines,
            "grid_on": self.grid_on,
            "grid_pct": pct(self.grid_on, self.grid_lines),
        }


@dataclass
class PageReport:
    """The figures of one body page."""

    index: int
    label: str
    columns: int
    figures: Figures
    fill: float


LOOSEST = 10  # justified lines listed in the details, loosest first


@dataclass
class Report:
    """Everything measured, by page and in total."""

    file: str
    body_size: float | None
    pages: list[PageReport]
    totals: Figures
    short_breaks: list[str]
    capitalised_breaks: list[str]
    unkerned: Counter[str]
    fonts_not_found: list[str]
    loose_lines: list[tuple[float, str, str]]  # (ratio, page label, text), the loosest first
    overfull_lines: list[tuple[float, str, str]]  # (pt past the edge, page label, text)

    def as_dict(self) -> dict[str, Any]:
        # A page with nothing on it is a blank the page-making chose (a verso before a recto
        # opener or an appendix): listed as such, not averaged in as an empty page.
        fills = [page.fill for page in self.pages if page.fill > 0]
        totals = self.totals.as_dict()
        totals["fill_min"] = min(fills) if fills else None
        totals["fill_mean"] = round(statistics.fmean(fills), 3) if fills else None
        totals["blank_pages"] = [page.label for page in self.pages if page.fill == 0]
        return {
            "file": self.file,
            "body_size": self.body_size,
            "body_pages": len(self.pages),
            "totals": totals,
            "pages": [
                {
                    "index": page.index,
                    "label": page.label,
                    "columns": page.columns,
                    **page.figures.as_dict(),
                    "fill": page.fill,
                }
                for page in self.pages
            ],
            "details": {
                "short_breaks": self.short_breaks,
                "capitalised_breaks": self.capitalised_breaks,
                "unkerned_pairs": dict(sorted(self.unkerned.items())),
                "fonts_not_found": self.fonts_not_found,
                "loosest_lines": [
                    {"ratio": round(ratio, 2), "page": label, "text": text}
                    for ratio, label, text in self.loose_lines[:LOOSEST]
                ],
                "overfull_lines": [
                    {"excess": round(excess, 2), "page": label, "text": text}
                    for excess, label, text in self.overfull_lines
                ],
            },
        }
