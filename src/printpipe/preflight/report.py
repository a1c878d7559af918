"""The preflight report: findings grouped over pages, placed images, text and JSON forms."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from printpipe.errors import (
    Diagnostic,
    ExitCode,
    Location,
    PreflightError,
    raise_if_errors,
)

_MAX_RANGES = 20  # page ranges spelled out in one finding

_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "fonts.embedded": "embed every font when exporting (PDF/X-4 or PDF/A preset); in "
        "ReportLab register a TTF and pass initialFontName= so Helvetica never leaks in",
        "fonts.standard-14": "embed every font when exporting (in ReportLab register a TTF and "
        "pass initialFontName= so Helvetica never leaks in); in a supplied file printpipe "
        "embeds metric-compatible Liberation fonts for Helvetica, Times and Courier itself",
        "fonts.type3": "re-export with the original outline fonts; Type 3 fonts are often "
        "bitmaps and print soft",
        "colour.device-rgb": "convert to CMYK through the press profile before placing (images "
        "with Pillow ImageCms, ReportLab enforceColorSpace='cmyk'); ask for a CMYK export of a "
        "supplied file",
        "colour.lab": "convert Lab colour to the press CMYK before supplying the file (export "
        "with 'convert to destination' and the printer's profile)",
        "colour.spot": "a spot colour prints on a plate of its own: set 'spot_colours: keep' "
        "(on purpose, reported) or 'spot_colours: convert' (to process CMYK) for the file or "
        "in the layout",
        "colour.device-cmyk": "build this target from the RGB (screen) build, not the press "
        "file; ask for an RGB export of a supplied file",
        "boxes.missing": "every page needs a TrimBox: the finish stage sets it; re-export a "
        "supplied file with bleed and trim/bleed boxes",
        "boxes.nesting": "boxes must nest: MediaBox contains CropBox contains BleedBox contains "
        "TrimBox",
        "boxes.bleed": "extend backgrounds and full-bleed images past the trim and set a "
        "BleedBox that far out (the layout's bleed:)",
        "boxes.trim-size": "the page size must be the layout's trim size",
        "boxes.uniform": "every page must have the same trim size; scale or refuse odd-sized "
        "appendix pages",
        "intent.missing": "the finish stage embeds the output intent and its ICC profile",
        "intent.malformed": "the output intent needs /S, a DestOutputProfile ICC stream with "
        "the right /N and an /OutputConditionIdentifier",
        "xmp.missing": "the finish stage writes an XMP packet into the catalog's /Metadata",
        "xmp.malformed": "write a complete XMP packet as a /Type /Metadata /Subtype /XML stream",
        "info.trapped": "set Info /Trapped as a name (/False or /True), not a string",
        "images.ppi": "supply a higher-resolution image or place it smaller",
        "pages.multiple": "pad with blank pages before the back cover",
        "glyphs.notdef": "use a font that has these characters (ReportLab draws missing glyphs "
        "silently), or fix the source text",
        "security.encrypted": "a finished file must not be encrypted (PDF/X and PDF/A forbid it)",
        "security.javascript": "remove scripts and launch actions: re-export without "
        "interactive features",
        "file.broken": "re-export the file, or repair it (qpdf, pikepdf) and check the result",
    }
)

_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem, grouped over every page it occurs on; the message names the pages."""

    severity: str  # "error" | "warning" | "info"
    check: str  # stable id, e.g. "fonts.embedded"
    message: str
    page: int | None  # first page (1-based), None for the whole document
    hint: str | None
    pages: tuple[int, ...] = ()  # every page it occurs on (1-based)


@dataclass(frozen=True)
class PlacedImage:
    """One placement of an image on a page, with its effective resolution there."""

    page: int
    name: str
    colour_space: str
    width_px: int
    height_px: int
    ppi_x: float
    ppi_y: float


@dataclass(frozen=True)
class PreflightReport:
    """The outcome of one preflight: findings for people and tools, placed images for tests."""

    path: str
    profile: str
    pages: int
    findings: tuple[Finding, ...]
    images: tuple[PlacedImage, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings that fail the build."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings that fail the build only with ``--strict``."""
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when nothing is an error."""
        return not self.errors

    def to_json(self) -> str:
        """The report as JSON with a fixed key order, so two runs give the same bytes."""
        data = {
            "format": "printpipe-preflight/1",
            "path": self.path,
            "profile": self.profile,
            "pages": self.pages,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [
                {
                    "severity": f.severity,
                    "check": f.check,
                    "page": f.page,
                    "message": f.message,
                    "hint": f.hint,
                    "pages": list(f.pages),
                }
                for f in self.findings
            ],
            "images": [
                {
                    "page": i.page,
                    "name": i.name,
                    "colour_space": i.colour_space,
                    "width_px": i.width_px,
                    "height_px": i.height_px,
                    "ppi_x": i.ppi_x,
                    "ppi_y": i.ppi_y,
                }
                for i in self.images
            ],
        }
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str) -> PreflightReport:
        """The report back from :meth:`to_json` (for the cache of supplied files' reports)."""
        data = json.loads(text)
        if data.get("format") != "printpipe-preflight/1":
            raise ValueError("not a printpipe preflight report")
        findings = tuple(
            Finding(
                f["severity"],
                f["check"],
                f["message"],
                f["page"],
                f["hint"],
                tuple(f.get("pages", ())),
            )
            for f in data["findings"]
        )
        images = tuple(PlacedImage(**i) for i in data["images"])
        return cls(data["path"], data["profile"], data["pages"], findings, images)

    def render_text(self) -> str:
        """One line per finding (plus its hint), then a summary line."""
        lines: list[str] = []
        for f in self.findings:
            lines.append(f"{f.severity}: {f.message} [{f.check}]")
            if f.hint:
                lines.append(f"    hint: {f.hint}")
        lines.append(
            f"preflight {self.profile}: {_count(len(self.errors), 'error')}, "
            f"{_count(len(self.warnings), 'warning')}, {_count(self.pages, 'page')}"
        )
        return "\n".join(lines)

    def raise_for_errors(self, *, strict: bool = False) -> None:
        """Raise :class:`PreflightError` carrying every finding if any is an error.

        With ``strict`` warnings count as errors (the CLI's ``--strict``).
        """
        diagnostics = [
            Diagnostic(
                f.message,
                Location(self.path),
                f.hint,
                "error" if strict and f.severity == "warning" else f.severity,
                ExitCode.PREFLIGHT_FAILED,
            )
            for f in self.findings
            if f.severity != "info"
        ]
        raise_if_errors(diagnostics, f"{self.path}: preflight {self.profile}", PreflightError)


class _Findings:
    """Collects findings and groups the same finding on many pages into one."""

    def __init__(self) -> None:
        self._pages: dict[tuple[str, str, str, str | None], list[int]] = {}
        self.labels: list[str] = []  # the printed folio of each sheet, when the PDF has labels

    def add(
        self,
        severity: str,
        check: str,
        message: str,
        page: int | None = None,
        hint: str | None = None,
    ) -> None:
        """Record ``message`` (which does not name the page: grouping adds the pages)."""
        key = (severity, check, message, hint if hint is not None else _HINTS.get(check))
        pages = self._pages.setdefault(key, [])
        if page is not None and (not pages or pages[-1] != page):
            pages.append(page)

    def grouped(self) -> tuple[Finding, ...]:
        """Findings sorted by severity, then first page, then check."""
        found = []
        for (severity, check, message, hint), pages in self._pages.items():
            pages = sorted(set(pages))
            text = f"{_page_names(pages, self.labels)}: {message}" if pages else message
            found.append(
                Finding(severity, check, text, pages[0] if pages else None, hint, tuple(pages))
            )
        found.sort(key=lambda f: (_SEVERITY_RANK[f.severity], f.page or 0, f.check, f.message))
        return tuple(found)


def _page_ranges(pages: list[int]) -> str:
    """``[3, 4, 5, 9]`` as ``pages 3-5, 9``; very long lists are cut short."""
    ranges: list[tuple[int, int]] = []
    for p in pages:
        if ranges and p == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], p)
        else:
            ranges.append((p, p))
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in ranges[:_MAX_RANGES]]
    if len(ranges) > _MAX_RANGES:
        parts.append(f"and {len(pages) - sum(b - a + 1 for a, b in ranges[:_MAX_RANGES])} more")
    return ("page " if len(pages) == 1 else "pages ") + ", ".join(parts)


def _page_names(pages: list[int], labels: list[str]) -> str:
    """Pages by printed folio, sheets in brackets: ``page 9 (sheet 12)``, ``pages 3-5``.

    The folio form only when the PDF's page labels differ from the sheet numbers.
    """
    sheets = _page_ranges(pages)
    named = [labels[p - 1] for p in pages if 0 < p <= len(labels)]
    if len(named) != len(pages) or named == [str(p) for p in pages]:
        return sheets
    shown = ", ".join(named[:6]) + (", ..." if len(named) > 6 else "")
    word = "page" if len(pages) == 1 else "pages"
    return f"{word} {shown} ({sheets.replace('page', 'sheet')})"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
