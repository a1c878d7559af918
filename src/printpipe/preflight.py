"""Preflight: check a finished (or supplied) PDF against what its target demands.

Nothing here trusts the code that made the file: ReportLab leaks unembedded Helvetica, never
checks image colour, and draws missing glyphs silently, so the finished file itself is read back
with pypdf and checked the way a printer's preflight would, page by page.  The result is a
:class:`PreflightReport` (text for people, JSON for tools); the pipeline fails the build on
errors.  A profile is a row of data (:data:`PROFILES`), not a branch in code.

What is checked, and where the checks stop (cheap approximations, by design):

* **Boxes** — TrimBox present, MediaBox ⊇ CropBox ⊇ BleedBox ⊇ TrimBox (0.01 pt), bleed on
  every side, trim size expected and uniform (``/Rotate`` honoured, ``/UserUnit`` ignored).
* **Fonts** — every font reachable from a page (resources, Form XObjects, annotation
  appearances, Type 3 font and pattern resources, soft-mask groups) has a ``FontFile*``;
  fonts are checked once per object however many pages use them.  Type 3 fonts are flagged.
* **Colour** — colour operators (``rg``/``RG``/``k``/``K``/``g``/``G``, ``sc``/``scn`` in the
  space chosen by ``cs``/``CS``), images, inline images, shadings, shading patterns, tiling
  pattern content and transparency groups.  ICCBased spaces count by their component count,
  Indexed by its base, Separation and DeviceN by their alternate.  Limits: a form that paints
  with ``sc`` in a colour space inherited from its caller is not seen; Type 3 glyph procedures
  are not scanned.
* **Images** — the CTM is followed through ``q``/``Q``/``cm``, Form XObjects (``/Matrix``) and
  annotation appearances, so effective ppi matches ``pdfimages -list``.  Images inside tiling
  patterns and Type 3 glyphs are colour-checked but not measured; soft masks are never placed
  and so never measured.
* **Glyphs** — a cheap .notdef detector: for Type 0 fonts with Identity-H/V, a CID mapping to
  glyph 0 through ``/CIDToGIDMap``; for simple fonts, a code outside ``FirstChar..LastChar``;
  for subset TrueType fonts also a code whose width is 0 (how ReportLab encodes a character
  the font lacks).  Embedded font programs are not parsed, so other encodings are not checked
  and a zero-width glyph that is really meant (a combining mark) is reported.
* **Document** — output intent (``/S``, ``/N`` of the profile, condition identifier), XMP
  (``/Type``/``/Subtype``, well-formed, ``pdfxid``/``pdfaid`` marker), Info ``/Trapped`` as a
  name, JavaScript and Launch actions (names tree, open action, additional actions, pages,
  annotations, form fields, outlines), encryption, page count multiple.

No validator for PDF/X-4 or PDF/A-2b is available here (pitfalls §9): a clean report means
"built to the rules and checked", not "validated".
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import struct
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.etree import ElementTree

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import ArrayObject, ContentStream, NameObject, PdfObject, StreamObject

from printpipe.errors import (
    BadInputFileError,
    Diagnostic,
    ExitCode,
    Location,
    MissingInputError,
    PreflightError,
    UsageError,
    raise_if_errors,
)

__all__ = [
    "PROFILES",
    "Finding",
    "PlacedImage",
    "PreflightProfile",
    "PreflightReport",
    "preflight",
]

MM = 72 / 25.4  # points per millimetre
_BOX_TOLERANCE = 0.01  # pt: boxes written from mm values round differently
_SIZE_TOLERANCE = 0.5  # pt: trim size comparison
_PPI_TOLERANCE = 0.5  # ppi: 299.99 computed from a float matrix is 300
_TINY_PT = 2.0  # images placed smaller than this are spacers, not pictures
_MAX_DEPTH = 24  # nesting of forms; deeper is a broken or hostile file
_MAX_PLACEMENTS = 20_000  # per page, against forms drawing forms exponentially
_MAX_RANGES = 20  # page ranges spelled out in one finding

# PyPDF raises its own errors for most damage, but decoding and lookups in a damaged file end in
# the builtins too; a page that fails is reported as file.broken, never skipped silently.
_BROKEN = (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, zlib.error)


@dataclass(frozen=True)
class PreflightProfile:
    """What one target demands of a finished file; a row of data, not code branches.

    Rows live in :data:`PROFILES`; a stage that knows more (the layout's trim size) derives its
    own with ``dataclasses.replace(PROFILES["press"], trim_size_mm=(210, 297))``.
    """

    name: str
    # Every demand defaults to "not required", so each row below names only what it asks.
    require_trim_box: bool = False
    require_bleed_mm: float | None = None  # BleedBox beyond TrimBox on every side
    trim_size_mm: tuple[float, float] | None = None  # expected trim (width, height); None = any
    forbid_colour_spaces: frozenset[str] = frozenset()  # colour tags, see _CHECK_FOR_TAG
    output_intent: str | None = None  # required /S of an output intent
    require_xmp: bool = False
    page_multiple: int | None = None
    error_below_ppi: float | None = None
    warn_below_ppi: float | None = None
    forbid_encryption: bool = False  # error if encrypted at all (else a warning)
    forbid_javascript: bool = False  # error for JavaScript/Launch actions (else a warning)
    forbid_type3: bool = False  # error for Type 3 fonts (else info)
    require_uniform_size: bool = True  # every page has the same trim size


_RGB = frozenset({"DeviceRGB", "ICCBased/RGB", "CalRGB"})
_CMYK = frozenset({"DeviceCMYK"})
MAX_IMAGE_PIXELS = 150_000_000  # the same limit as for photos (printpipe.images)

PROFILES: Mapping[str, PreflightProfile] = MappingProxyType(
    {
        p.name: p
        for p in (
            PreflightProfile(
                "press",
                require_trim_box=True,
                require_bleed_mm=3.0,
                forbid_colour_spaces=_RGB,
                output_intent="/GTS_PDFX",
                require_xmp=True,
                page_multiple=4,
                error_below_ppi=150,
                warn_below_ppi=300,
                forbid_type3=True,
                forbid_encryption=True,
                forbid_javascript=True,
            ),
            PreflightProfile("screen", forbid_encryption=True, forbid_javascript=True),
            PreflightProfile(
                "archive",
                forbid_colour_spaces=_CMYK,
                output_intent="/GTS_PDFA1",
                require_xmp=True,
                forbid_encryption=True,
                forbid_javascript=True,
            ),
            # A designer's cover or appendix before merging: what merging cannot repair.
            PreflightProfile(
                "supplied-press",
                forbid_colour_spaces=_RGB,
                error_below_ppi=150,
                warn_below_ppi=300,
                forbid_type3=True,
                forbid_javascript=True,
                require_uniform_size=False,
            ),
            PreflightProfile(
                "supplied-archive", forbid_javascript=True, require_uniform_size=False
            ),
            # Any PDF at all: fonts and structure only.
            PreflightProfile("any", require_uniform_size=False),
        )
    }
)


@dataclass(frozen=True)
class _IntentRule:
    """What an output-intent subtype implies for the profile stream and the XMP packet."""

    components: int  # /N of the DestOutputProfile
    icc_space: bytes  # colour space field of an ICC header
    xmp_namespace: str
    xmp_property: str
    xmp_label: str
    trapped_is_name: bool


_INTENT_RULES: Mapping[str, _IntentRule] = MappingProxyType(
    {
        "/GTS_PDFX": _IntentRule(
            4, b"CMYK", "http://www.npes.org/pdfx/ns/id/", "GTS_PDFXVersion",
            "pdfxid:GTS_PDFXVersion", True,
        ),
        "/GTS_PDFA1": _IntentRule(
            3, b"RGB ", "http://www.aiim.org/pdfa/ns/id/", "part", "pdfaid:part", False
        ),
    }
)  # fmt: skip

# A colour "tag" says what a colour space amounts to; profiles forbid tags, checks report them.
_CHECK_FOR_TAG: Mapping[str, str] = MappingProxyType(
    {
        "DeviceRGB": "colour.device-rgb",
        "ICCBased/RGB": "colour.device-rgb",
        "CalRGB": "colour.device-rgb",
        "DeviceCMYK": "colour.device-cmyk",
        "ICCBased/CMYK": "colour.device-cmyk",
        "DeviceGray": "colour.device-gray",
        "ICCBased/Gray": "colour.device-gray",
    }
)

_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "fonts.embedded": "embed every font when exporting (PDF/X-4 or PDF/A preset); in "
        "ReportLab register a TTF and pass initialFontName= so Helvetica never leaks in",
        "fonts.type3": "re-export with the original outline fonts; Type 3 fonts are often "
        "bitmaps and print soft",
        "colour.device-rgb": "convert to CMYK through the press profile before placing (images "
        "with Pillow ImageCms, ReportLab enforceColorSpace='cmyk'); ask for a CMYK export of a "
        "supplied file",
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
_SUPPLIED_ENCRYPTED_HINT = (
    "printpipe can read it, but ask the designer for an unencrypted export: the merged file "
    "must not carry restrictions"
)
_STANDARD_14 = frozenset(
    f"{family}{style}"
    for family, styles in (
        ("Courier", ("", "-Bold", "-Oblique", "-BoldOblique")),
        ("Helvetica", ("", "-Bold", "-Oblique", "-BoldOblique")),
        ("Times", ("-Roman", "-Bold", "-Italic", "-BoldItalic")),
        ("Symbol", ("",)),
        ("ZapfDingbats", ("",)),
    )
    for style in styles
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


def preflight(
    path: Path,
    profile: PreflightProfile | str,
    *,
    password: str | None = None,
    label: str | None = None,
    checked_pages: frozenset[int] = frozenset(),
    image_sources: Mapping[tuple[int, int], str] | None = None,
) -> PreflightReport:
    """Check the PDF at ``path`` against ``profile`` and return the report.

    ``label`` is how the file is named in messages (``editions/2019/cover.pdf``).  A file that
    cannot be read at all raises :class:`BadInputFileError`; everything else is a finding.
    ``checked_pages`` (1-based) are pages whose content streams were already checked, e.g.
    supplied pages preflighted before merging: their boxes, fonts and actions are checked
    again, their content (the costly part for a 400-page appendix) is not parsed twice.
    ``image_sources`` names images by the file they were made from (keyed by pixel size),
    so a finding says ``photos/vigil.jpg`` rather than an XObject name.
    """
    prof = _resolve_profile(profile)
    name = label or str(path)
    reader = _open(Path(path), name, password)
    try:
        pages = list(reader.pages)
    except _BROKEN as exc:
        raise _unreadable(name, exc) from exc
    out = _Findings()
    with contextlib.suppress(*_BROKEN):  # a broken /PageLabels tree: findings name sheets
        out.labels = list(reader.page_labels)
    if reader.is_encrypted:
        _report_encryption(prof, password is not None, out)
    _check_boxes(pages, prof, out)
    _check_document(reader, prof, out)
    fonts = _FontScanner(prof)
    content = _ContentScanner(reader, prof, image_sources or {})
    images: list[PlacedImage] = []
    for number, page in enumerate(pages, start=1):
        try:
            fonts.scan_page(page, number, out)
            if number not in checked_pages:
                images.extend(content.scan_page(page, number, out))
            _check_page_actions(page, number, prof, out)
        except _BROKEN as exc:
            out.add("error", "file.broken", f"cannot read the page ({_why(exc)})", number)
    if prof.page_multiple and len(pages) % prof.page_multiple:
        short = prof.page_multiple - len(pages) % prof.page_multiple
        out.add(
            "error",
            "pages.multiple",
            f"{_count(len(pages), 'page')} is not a multiple of {prof.page_multiple} "
            f"({_count(short, 'blank page')} needed)",
        )
    return PreflightReport(name, prof.name, len(pages), out.grouped(), tuple(images))


# --- opening -------------------------------------------------------------------------------


def _resolve_profile(profile: PreflightProfile | str) -> PreflightProfile:
    if isinstance(profile, PreflightProfile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise UsageError(
            f"unknown preflight profile {profile!r}",
            hint=f"choose one of: {', '.join(sorted(PROFILES))}",
        ) from None


def _open(path: Path, name: str, password: str | None) -> PdfReader:
    """Open with pypdf's forgiving parser; only a file it cannot read at all is fatal."""
    if not path.is_file():
        raise MissingInputError(f"{name}: no such file", hint="check the path")
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and reader.decrypt(password or "") == PasswordType.NOT_DECRYPTED:
            if password is None:
                raise BadInputFileError(
                    f"{name} is encrypted with a password",
                    hint="supply the password (password: key) in the edition, or ask for an "
                    "unencrypted export",
                )
            raise BadInputFileError(
                f"{name}: the password given does not open it",
                hint="supply the password (password: key) that opens the file",
            )
        reader.trailer["/Root"].get_object()
    except DependencyError as exc:
        raise BadInputFileError(
            f"{name} uses encryption this installation cannot read ({exc})",
            hint="install pypdf[crypto] (the cryptography package)",
        ) from exc
    except (*_BROKEN, OSError) as exc:
        raise _unreadable(name, exc) from exc
    return reader


def _unreadable(name: str, exc: BaseException) -> BadInputFileError:
    return BadInputFileError(
        f"{name} cannot be read as a PDF ({_why(exc)})",
        hint="re-export it from the application that made it (or repair it with qpdf) and "
        "check that the copy is complete",
    )


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _report_encryption(prof: PreflightProfile, with_password: bool, out: _Findings) -> None:
    how = "opened with the password given" if with_password else "owner password only"
    if prof.forbid_encryption:
        out.add("error", "security.encrypted", f"the file is encrypted ({how})")
    else:
        out.add(
            "warning",
            "security.encrypted",
            f"the file is encrypted ({how})",
            hint=_SUPPLIED_ENCRYPTED_HINT,
        )


# --- findings ------------------------------------------------------------------------------


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


# --- boxes ---------------------------------------------------------------------------------

_Box = tuple[float, float, float, float]


def _box(page: Any, key: str) -> _Box | None:
    value = page.get(key)
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value.get_object())
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _inside(inner: _Box, outer: _Box) -> bool:
    t = _BOX_TOLERANCE
    return (
        inner[0] >= outer[0] - t
        and inner[1] >= outer[1] - t
        and inner[2] <= outer[2] + t
        and inner[3] <= outer[3] + t
    )


def _mm(size: tuple[float, float]) -> str:
    return f"{size[0] / MM:.1f} x {size[1] / MM:.1f} mm"


def _check_boxes(pages: list[Any], prof: PreflightProfile, out: _Findings) -> None:
    """Presence, nesting, bleed and trim size of every page's boxes."""
    sizes: list[tuple[int, tuple[float, float]]] = []
    for number, page in enumerate(pages, start=1):
        try:
            media = _box(page, "/MediaBox")
            crop = _box(page, "/CropBox")
            bleed = _box(page, "/BleedBox")
            trim = _box(page, "/TrimBox")
            rotate = int(page.get("/Rotate", 0) or 0)
        except _BROKEN as exc:
            out.add("error", "file.broken", f"unreadable page box ({_why(exc)})", number)
            continue
        if media is None:
            out.add("error", "boxes.missing", "no MediaBox", number)
            continue
        if trim is None and prof.require_trim_box:
            out.add("error", "boxes.missing", "no TrimBox", number)
        chain = [("MediaBox", media), ("CropBox", crop), ("BleedBox", bleed), ("TrimBox", trim)]
        present = [(n, b) for n, b in chain if b is not None]
        for (outer_name, outer), (inner_name, inner) in itertools.pairwise(present):
            if not _inside(inner, outer):
                out.add(
                    "error", "boxes.nesting", f"{inner_name} is not inside {outer_name}", number
                )
        effective_trim = trim or crop or media
        if trim is not None and prof.require_bleed_mm is not None:
            reach = bleed or crop or media
            sides = {
                "left": trim[0] - reach[0],
                "bottom": trim[1] - reach[1],
                "right": reach[2] - trim[2],
                "top": reach[3] - trim[3],
            }
            side, amount = min(sides.items(), key=lambda kv: kv[1])
            if amount < prof.require_bleed_mm * MM - _BOX_TOLERANCE:
                out.add(
                    "error",
                    "boxes.bleed",
                    f"bleed is {max(amount, 0) / MM:.1f} mm on the {side}; "
                    f"{prof.require_bleed_mm:g} mm needed on every side",
                    number,
                )
        w = effective_trim[2] - effective_trim[0]
        h = effective_trim[3] - effective_trim[1]
        size = (h, w) if rotate % 180 == 90 else (w, h)
        sizes.append((number, size))
        if prof.trim_size_mm is not None:
            want = (prof.trim_size_mm[0] * MM, prof.trim_size_mm[1] * MM)
            if not _same_size(size, want):
                out.add(
                    "error",
                    "boxes.trim-size",
                    f"trim is {_mm(size)}, the layout says {_mm(want)}",
                    number,
                )
    if prof.require_uniform_size and sizes:
        common = Counter(_size_key(s) for _, s in sizes).most_common(1)[0][0]
        reference = next(s for _, s in sizes if _size_key(s) == common)
        for number, size in sizes:
            if not _same_size(size, reference):
                out.add(
                    "error",
                    "boxes.uniform",
                    f"trim is {_mm(size)} where the other pages are {_mm(reference)}",
                    number,
                )


def _size_key(size: tuple[float, float]) -> tuple[int, int]:
    return (round(size[0]), round(size[1]))


def _same_size(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) <= _SIZE_TOLERANCE and abs(a[1] - b[1]) <= _SIZE_TOLERANCE


# --- document level: intent, XMP, Info, actions ----------------------------------------------


def _check_document(reader: PdfReader, prof: PreflightProfile, out: _Findings) -> None:
    try:
        root = reader.trailer["/Root"].get_object()
        _check_intent(root, prof, out)
        _check_xmp(root, prof, out)
        _check_info(reader, prof, out)
        _check_document_actions(root, prof, out)
    except _BROKEN as exc:
        out.add("error", "file.broken", f"unreadable document catalog ({_why(exc)})")


def _check_intent(root: Any, prof: PreflightProfile, out: _Findings) -> None:
    if prof.output_intent is None:
        return
    want = prof.output_intent
    intents = [i.get_object() for i in _resolve(root.get("/OutputIntents")) or ()]
    matching = [i for i in intents if isinstance(i, dict) and i.get("/S") == want]
    if not matching:
        out.add("error", "intent.missing", f"no {want[1:]} output intent")
        return
    rule = _INTENT_RULES.get(want)
    for intent in matching:
        problems = []
        icc = _resolve(intent.get("/DestOutputProfile"))
        if not isinstance(icc, StreamObject):
            problems.append("no DestOutputProfile stream")
        elif rule is not None:
            n = icc.get("/N")
            if n != rule.components:
                problems.append(f"profile /N is {n}, not {rule.components}")
            data = icc.get_data()
            if len(data) >= 128 and data[36:40] == b"acsp" and data[16:20] != rule.icc_space:
                problems.append(f"the ICC profile is {data[16:20].decode('latin-1').strip()}")
        if not intent.get("/OutputConditionIdentifier"):
            problems.append("no /OutputConditionIdentifier")
        if problems:
            out.add("error", "intent.malformed", f"{want[1:]} output intent: {'; '.join(problems)}")


def _check_xmp(root: Any, prof: PreflightProfile, out: _Findings) -> None:
    if not prof.require_xmp:
        return
    meta = _resolve(root.get("/Metadata"))
    if not isinstance(meta, StreamObject):
        out.add("error", "xmp.missing", "no XMP metadata stream in the catalog")
        return
    if meta.get("/Type") != "/Metadata" or meta.get("/Subtype") != "/XML":
        out.add("error", "xmp.malformed", "the metadata stream lacks /Type /Metadata /Subtype /XML")
    try:
        tree = ElementTree.fromstring(meta.get_data())
    except ElementTree.ParseError as exc:
        out.add("error", "xmp.malformed", f"the XMP packet is not well-formed XML ({exc})")
        return
    rule = _INTENT_RULES.get(prof.output_intent or "")
    if rule is not None and not _xmp_has(tree, rule.xmp_namespace, rule.xmp_property):
        out.add("error", "xmp.malformed", f"the XMP packet has no {rule.xmp_label}")


def _xmp_has(tree: ElementTree.Element, namespace: str, prop: str) -> bool:
    """True if the property appears as an element or as an attribute (both are valid XMP)."""
    qualified = f"{{{namespace}}}{prop}"
    return any(el.tag == qualified or qualified in el.attrib for el in tree.iter())


def _check_info(reader: PdfReader, prof: PreflightProfile, out: _Findings) -> None:
    rule = _INTENT_RULES.get(prof.output_intent or "")
    if rule is None or not rule.trapped_is_name:
        return
    info = _resolve(reader.trailer.get("/Info"))
    trapped = info.get("/Trapped") if isinstance(info, dict) else None
    if trapped is not None and not isinstance(trapped, NameObject):
        out.add("error", "info.trapped", f"Info /Trapped is the string {str(trapped)!r}")


_BAD_ACTIONS = {"/JavaScript": "runs JavaScript", "/Launch": "launches an application"}


def _bad_actions(action: Any, seen: set[int] | None = None) -> Iterator[str]:
    """What a (chain of) action(s) does that a print file must not, following /Next."""
    seen = set() if seen is None else seen
    action = _resolve(action)
    if isinstance(action, ArrayObject):
        for a in action:
            yield from _bad_actions(a, seen)
        return
    if not isinstance(action, dict) or id(action) in seen or len(seen) > 100:
        return
    seen.add(id(action))
    verb = _BAD_ACTIONS.get(str(action.get("/S", "")))
    if verb:
        yield verb
    yield from _bad_actions(action.get("/Next"), seen)


def _additional(holder: Any) -> Iterator[str]:
    """Bad actions of ``/A`` and every ``/AA`` trigger of a dictionary."""
    yield from _bad_actions(holder.get("/A"))
    aa = _resolve(holder.get("/AA"))
    if isinstance(aa, dict):
        for trigger in aa.values():
            yield from _bad_actions(trigger)


def _js_severity(prof: PreflightProfile) -> str:
    return "error" if prof.forbid_javascript else "warning"


def _check_document_actions(root: Any, prof: PreflightProfile, out: _Findings) -> None:
    sev = _js_severity(prof)
    names = _resolve(root.get("/Names"))
    if isinstance(names, dict) and names.get("/JavaScript") is not None:
        out.add(sev, "security.javascript", "document-level JavaScript (/Names /JavaScript)")
    for verb in _bad_actions(root.get("/OpenAction")):
        out.add(sev, "security.javascript", f"the open action {verb}")
    for verb in _additional(root):
        out.add(sev, "security.javascript", f"a document action (/AA) {verb}")
    acro = _resolve(root.get("/AcroForm"))
    for holder, what in _walk_tree(acro.get("/Fields") if isinstance(acro, dict) else None):
        for verb in _additional(holder):
            out.add(sev, "security.javascript", f"form field {what} {verb}")
    outlines = _resolve(root.get("/Outlines"))
    first = outlines.get("/First") if isinstance(outlines, dict) else None
    for holder, what in _walk_outline(first):
        for verb in _bad_actions(holder.get("/A")):
            out.add(sev, "security.javascript", f"bookmark {what} {verb}")


def _walk_tree(kids: Any, limit: int = 50_000) -> Iterator[tuple[Any, str]]:
    """Form fields and their /Kids, iteratively and with a visited set."""
    stack, seen = [kids], set[int]()
    while stack and len(seen) < limit:
        items = _resolve(stack.pop())
        for item in items if isinstance(items, ArrayObject) else ():
            node = _resolve(item)
            if isinstance(node, dict) and id(node) not in seen:
                seen.add(id(node))
                yield node, repr(str(node.get("/T", "")))
                stack.append(node.get("/Kids"))


def _walk_outline(first: Any, limit: int = 50_000) -> Iterator[tuple[Any, str]]:
    """Outline items through /First and /Next, iteratively and with a visited set."""
    stack, seen = [first], set[int]()
    while stack and len(seen) < limit:
        node = _resolve(stack.pop())
        if isinstance(node, dict) and id(node) not in seen:
            seen.add(id(node))
            yield node, repr(str(node.get("/Title", "")))
            stack.extend((node.get("/Next"), node.get("/First")))


def _check_page_actions(page: Any, number: int, prof: PreflightProfile, out: _Findings) -> None:
    sev = _js_severity(prof)
    aa = _resolve(page.get("/AA"))
    for trigger, when in (("/O", "page-open"), ("/C", "page-close")):
        for verb in _bad_actions(aa.get(trigger) if isinstance(aa, dict) else None):
            out.add(sev, "security.javascript", f"the {when} action {verb}", number)
    for annot in _annotations(page):
        for verb in _additional(annot):
            kind = str(annot.get("/Subtype", "/Annot"))[1:]
            out.add(sev, "security.javascript", f"a {kind} annotation {verb}", number)


def _annotations(page: Any) -> Iterator[Any]:
    for annot in _resolve(page.get("/Annots")) or ():
        annot = _resolve(annot)
        if isinstance(annot, dict):
            yield annot


# --- fonts ---------------------------------------------------------------------------------


def _resolve(obj: Any) -> Any:
    """Follow an indirect reference; anything else (None, Python lists) passes through."""
    return obj.get_object() if isinstance(obj, PdfObject) else obj


def _key(obj: Any) -> Any:
    """Identity of a PDF object: its object number if indirect, else the Python object."""
    ref = getattr(obj, "indirect_reference", None)
    return (ref.idnum, ref.generation) if ref is not None else ("direct", id(obj))


def _font_name(font: Any, fallback: str = "?") -> str:
    name = font.get("/BaseFont") or font.get("/Name") or fallback
    return str(name).lstrip("/")


def _embedded(descriptor: Any) -> bool:
    descriptor = _resolve(descriptor)
    return isinstance(descriptor, dict) and any(
        k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def _forms_in(res: Any) -> Iterator[Any]:
    """Streams below a resource dictionary that carry their own resources."""
    for xobject in (_resolve(res.get("/XObject")) or {}).values():
        xobject = _resolve(xobject)
        if isinstance(xobject, StreamObject) and xobject.get("/Subtype") == "/Form":
            yield xobject
    for pattern in (_resolve(res.get("/Pattern")) or {}).values():
        pattern = _resolve(pattern)
        if isinstance(pattern, StreamObject):  # tiling pattern
            yield pattern
    for gs in (_resolve(res.get("/ExtGState")) or {}).values():
        gs = _resolve(gs)
        smask = _resolve(gs.get("/SMask")) if isinstance(gs, dict) else None
        group = _resolve(smask.get("/G")) if isinstance(smask, dict) else None
        if isinstance(group, StreamObject):  # soft-mask group: fonts only, not colour
            yield group


def _appearances(annot: Any) -> Iterator[Any]:
    """The normal appearance streams of an annotation (every state if no /AS picks one)."""
    normal = _resolve((_resolve(annot.get("/AP")) or {}).get("/N"))
    if isinstance(normal, StreamObject):
        yield normal
    elif isinstance(normal, dict):
        state = annot.get("/AS")
        chosen = [normal[state]] if state in normal else list(normal.values())
        for stream in chosen:
            stream = _resolve(stream)
            if isinstance(stream, StreamObject):
                yield stream


class _FontScanner:
    """Every font a page can reach, each checked once however many pages share it."""

    def __init__(self, prof: PreflightProfile) -> None:
        self._prof = prof
        self._reach: dict[Any, frozenset[Any]] = {}  # resources key -> font keys
        self._verdicts: dict[Any, list[tuple[str, str, str]]] = {}
        self._keep: list[Any] = []  # direct objects keyed by id() must outlive the scan

    def scan_page(self, page: Any, number: int, out: _Findings) -> None:
        keys = set(self._fonts(page.get("/Resources")))
        for annot in _annotations(page):
            for stream in _appearances(annot):
                keys |= self._fonts(stream.get("/Resources"))
        for key in sorted(keys, key=str):
            for severity, check, message in self._verdicts[key]:
                out.add(severity, check, message, number)

    def _fonts(self, res: Any, depth: int = 0) -> frozenset[Any]:
        res = _resolve(res)
        if not isinstance(res, dict) or depth > _MAX_DEPTH:
            return frozenset()
        key = _key(res)
        if key in self._reach:
            return self._reach[key]
        self._keep.append(res)
        self._reach[key] = frozenset()  # a cycle stops here
        found: set[Any] = set()
        for font in (_resolve(res.get("/Font")) or {}).values():
            font = _resolve(font)
            if not isinstance(font, dict):
                continue
            fkey = _key(font)
            found.add(fkey)
            if fkey not in self._verdicts:
                self._keep.append(font)
                self._verdicts[fkey] = self._judge(font)
            if font.get("/Subtype") == "/Type3":
                found |= self._fonts(font.get("/Resources"), depth + 1)
        for stream in _forms_in(res):
            found |= self._fonts(stream.get("/Resources"), depth + 1)
        self._reach[key] = frozenset(found)
        return self._reach[key]

    def _judge(self, font: Any) -> list[tuple[str, str, str]]:
        name = _font_name(font)
        subtype = font.get("/Subtype")
        if subtype == "/Type3":
            severity = "error" if self._prof.forbid_type3 else "info"
            return [(severity, "fonts.type3", f"font {name} is a Type 3 font")]
        if subtype == "/Type0":
            descendants = _resolve(font.get("/DescendantFonts")) or [None]
            descriptor = (_resolve(descendants[0]) or {}).get("/FontDescriptor")
        else:
            descriptor = font.get("/FontDescriptor")
        if _embedded(descriptor):
            return []
        what = " (a standard 14 font: it must be embedded too)" if name in _STANDARD_14 else ""
        return [("error", "fonts.embedded", f"font {name} is not embedded{what}")]


# --- content: colour, images, glyphs -----------------------------------------------------------

_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_Space = tuple[frozenset[str], str]  # (colour tags, description)
_GRAY: _Space = (frozenset({"DeviceGray"}), "DeviceGray")
_DEVICE: Mapping[str, _Space] = {
    "/DeviceRGB": (frozenset({"DeviceRGB"}), "DeviceRGB"),
    "/DeviceCMYK": (frozenset({"DeviceCMYK"}), "DeviceCMYK"),
    "/DeviceGray": _GRAY,
    "/Pattern": (frozenset(), "Pattern"),
    "/RGB": (frozenset({"DeviceRGB"}), "DeviceRGB"),  # inline image abbreviations
    "/CMYK": (frozenset({"DeviceCMYK"}), "DeviceCMYK"),
    "/G": _GRAY,
}
_ICC_TAGS = {1: "ICCBased/Gray", 3: "ICCBased/RGB", 4: "ICCBased/CMYK"}
_DEVICE_OPS: Mapping[bytes, tuple[str, str]] = {
    b"rg": ("DeviceRGB", "fill"),
    b"RG": ("DeviceRGB", "stroke"),
    b"k": ("DeviceCMYK", "fill"),
    b"K": ("DeviceCMYK", "stroke"),
    b"g": ("DeviceGray", "fill"),
    b"G": ("DeviceGray", "stroke"),
}
_INTERESTING = frozenset(
    {b"q", b"Q", b"cm", b"cs", b"CS", b"sc", b"scn", b"SC", b"SCN", b"sh", b"Do", b"Tf",
     b"Tj", b"TJ", b"'", b'"', b"INLINE IMAGE", *_DEVICE_OPS}
)  # fmt: skip


def _mul(m: _Matrix, n: _Matrix) -> _Matrix:
    """``m`` then ``n`` (PDF row-vector convention: ``cm`` makes CTM' = M x CTM)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _matrix(value: Any) -> _Matrix:
    nums = [float(v) for v in (_resolve(value) or _IDENTITY)]
    if len(nums) != 6:
        raise ValueError(f"a matrix needs 6 numbers, got {len(nums)}")
    return (nums[0], nums[1], nums[2], nums[3], nums[4], nums[5])


@dataclass(frozen=True)
class _ImageInfo:
    width: int
    height: int
    space: _Space


@dataclass
class _Summary:
    """What one content stream does, in its own coordinates; shared forms are read once."""

    uses: set[tuple[str, str]] = field(default_factory=set)  # (colour tag, what uses it)
    images: list[tuple[_Matrix, str, _ImageInfo]] = field(default_factory=list)
    forms: list[tuple[_Matrix, _Summary]] = field(default_factory=list)
    notdef: set[str] = field(default_factory=set)  # font names
    broken: set[str] = field(default_factory=set)
    _closure: tuple[frozenset[Any], frozenset[str], frozenset[str]] | None = None

    def closure(self) -> tuple[frozenset[Any], frozenset[str], frozenset[str]]:
        """Uses, .notdef fonts and damage of this stream and every form below it."""
        if self._closure is None:
            self._closure = (frozenset(), frozenset(), frozenset())  # a cycle stops here
            uses, notdef, broken = set(self.uses), set(self.notdef), set(self.broken)
            for _, child in self.forms:
                u, n, b = child.closure()
                uses |= u
                notdef |= n
                broken |= b
            self._closure = (frozenset(uses), frozenset(notdef), frozenset(broken))
        return self._closure


class _GlyphCheck:
    """Whether a string shown in one font contains codes that land on .notdef."""

    def __init__(self, name: str, bad_codes: frozenset[int], two_byte: bool) -> None:
        self.name = name
        self._bad = bad_codes
        self._two_byte = two_byte

    def hits(self, data: bytes) -> bool:
        if self._two_byte:
            n = len(data) // 2
            return not self._bad.isdisjoint(struct.unpack(f">{n}H", data[: 2 * n]))
        return not self._bad.isdisjoint(data)


def _glyph_check(font: Any) -> _GlyphCheck | None:
    """A cheap .notdef detector for ``font``, or None where that would need the font program."""
    name = _font_name(font)
    subtype = font.get("/Subtype")
    if subtype == "/Type0":
        if font.get("/Encoding") not in ("/Identity-H", "/Identity-V"):
            return None
        cid_font = _resolve((_resolve(font.get("/DescendantFonts")) or [None])[0])
        if not isinstance(cid_font, dict) or not _embedded(cid_font.get("/FontDescriptor")):
            return None
        gid_map = _resolve(cid_font.get("/CIDToGIDMap"))
        if isinstance(gid_map, StreamObject):
            data = gid_map.get_data()
            gids = struct.unpack(f">{len(data) // 2}H", data[: len(data) // 2 * 2])
            bad = {cid for cid, gid in enumerate(gids) if gid == 0}
            bad.update(range(len(gids), 65536))
        else:
            bad = {0}
        return _GlyphCheck(name, frozenset(bad), two_byte=True)
    if subtype not in ("/TrueType", "/Type1", "/MMType1") or "/Widths" not in font:
        return None
    if not _embedded(font.get("/FontDescriptor")):
        return None
    first = int(font.get("/FirstChar", 0))
    widths = [float(w) for w in _resolve(font["/Widths"])]
    inside = set(range(first, first + len(widths)))
    bad = set(range(256)) - inside
    subset = len(name) > 7 and name[6] == "+" and name[:6].isupper()
    if subtype == "/TrueType" and subset:
        bad |= {first + i for i, w in enumerate(widths) if w == 0}
    return _GlyphCheck(name, frozenset(bad), two_byte=False)


def _shown_bytes(operands: list[Any], op: bytes) -> Iterable[bytes]:
    if op == b"TJ":
        items = operands[0] if operands else ()
        return [_raw(s) for s in items if isinstance(s, (str, bytes))]
    if not operands:
        return ()
    return [_raw(operands[-1])]


def _raw(s: Any) -> bytes:
    return bytes(getattr(s, "original_bytes", s if isinstance(s, bytes) else b""))


def _default_spaces(resources: Any) -> frozenset[str]:
    """Device spaces the page maps to ICC profiles with /DefaultCMYK or /DefaultRGB.

    PDF/A and PDF/X treat device colour under such a default as colour-managed (ISO 19005-2
    6.2.4.3), so it is not a stray device colour.
    """
    spaces = _resolve(resources.get("/ColorSpace")) if isinstance(resources, dict) else None
    if not isinstance(spaces, dict):
        return frozenset()
    found = {
        device
        for default, device in (("/DefaultCMYK", "DeviceCMYK"), ("/DefaultRGB", "DeviceRGB"))
        if default in spaces
    }
    return frozenset(found)


class _ContentScanner:
    """Walks content streams for colour, image placement and glyphs, caching by object."""

    def __init__(
        self, reader: PdfReader, prof: PreflightProfile, sources: Mapping[tuple[int, int], str]
    ) -> None:
        self._reader = reader
        self._prof = prof
        self._sources = sources  # (width, height) px -> the file the image was made from
        self._streams: dict[Any, _Summary] = {}
        self._spaces: dict[Any, _Space] = {}
        self._images: dict[Any, _ImageInfo] = {}
        self._glyphs: dict[Any, _GlyphCheck | None] = {}
        self._busy: set[Any] = set()
        self._keep: list[Any] = []

    # page level

    def scan_page(self, page: Any, number: int, out: _Findings) -> list[PlacedImage]:
        res = _resolve(page.get("/Resources"))
        summaries: list[tuple[_Matrix, _Summary]] = []
        contents = _resolve(page.get("/Contents"))
        if contents is not None:
            summaries.append((_IDENTITY, self._summary(contents, res, "page")))
        group = _resolve(page.get("/Group"))
        extra = _Summary()
        if isinstance(group, dict) and group.get("/CS") is not None:
            tags, desc = self._space(group["/CS"], res)
            extra.uses.update((t, f"the page transparency group ({desc})") for t in tags)
        summaries.append((_IDENTITY, extra))
        for annot in _annotations(page):
            for stream in _appearances(annot):
                summaries.append((self._annotation_matrix(annot, stream), self._form(stream, res)))
        placed: list[PlacedImage] = []
        managed = _default_spaces(res)
        for matrix, summary in summaries:
            uses, notdef, broken = summary.closure()
            uses = frozenset((tag, what) for tag, what in uses if tag not in managed)
            self._report(uses, notdef, broken, number, out)
            self._place(summary, matrix, number, placed, 0)
        self._report_ppi(placed, out)
        return placed

    def _report(
        self,
        uses: Iterable[tuple[str, str]],
        notdef: Iterable[str],
        broken: Iterable[str],
        number: int,
        out: _Findings,
    ) -> None:
        for tag, what in sorted(uses):
            if tag in self._prof.forbid_colour_spaces:
                check = _CHECK_FOR_TAG.get(tag, "colour." + tag.lower().replace("/", "-"))
                out.add("error", check, f"{what} uses {tag}", number)
        for name in sorted(notdef):
            out.add(
                "warning",
                "glyphs.notdef",
                f"text in font {name} shows characters the font has no glyph for (.notdef)",
                number,
            )
        for problem in sorted(broken):
            out.add("error", "file.broken", problem, number)

    def _place(
        self, summary: _Summary, ctm: _Matrix, number: int, placed: list[PlacedImage], depth: int
    ) -> None:
        if depth > _MAX_DEPTH or len(placed) > _MAX_PLACEMENTS:
            return
        for matrix, name, info in summary.images:
            m = _mul(matrix, ctm)
            w_pt, h_pt = math.hypot(m[0], m[1]), math.hypot(m[2], m[3])
            if w_pt < _TINY_PT or h_pt < _TINY_PT:
                continue
            placed.append(
                PlacedImage(
                    number,
                    name,
                    info.space[1],
                    info.width,
                    info.height,
                    round(info.width * 72 / w_pt, 2),
                    round(info.height * 72 / h_pt, 2),
                )
            )
        for matrix, child in summary.forms:
            self._place(child, _mul(matrix, ctm), number, placed, depth + 1)

    def _report_ppi(self, placed: list[PlacedImage], out: _Findings) -> None:
        error, warn = self._prof.error_below_ppi, self._prof.warn_below_ppi
        for image in placed:
            if image.width_px * image.height_px > MAX_IMAGE_PIXELS:
                # Declared, not decoded: a RIP or viewer would have to allocate it all.
                out.add(
                    "error",
                    "images.too-large",
                    f"image {image.name} declares {image.width_px} x {image.height_px} px, "
                    f"more than {MAX_IMAGE_PIXELS // 1_000_000} million pixels",
                    image.page,
                    "export the page again with the image downsampled",
                )
            ppi = min(image.ppi_x, image.ppi_y)
            if error is not None and ppi + _PPI_TOLERANCE < error:
                severity, need = "error", error
            elif warn is not None and ppi + _PPI_TOLERANCE < warn:
                severity, need = "warning", warn
            else:
                continue
            out.add(
                severity,
                "images.ppi",
                f"image {image.name} ({image.width_px} x {image.height_px} px) is placed at "
                f"{ppi:.0f} ppi; {self._prof.name} needs {need:g} ppi",
                image.page,
            )

    @staticmethod
    def _annotation_matrix(annot: Any, stream: Any) -> _Matrix:
        """Where an appearance stream lands: its BBox, through /Matrix, fitted to /Rect."""
        matrix = _matrix(stream.get("/Matrix"))
        x0, y0, x1, y1 = (float(v) for v in _resolve(stream.get("/BBox")) or (0, 0, 1, 1))
        corners = [
            (x * matrix[0] + y * matrix[2] + matrix[4], x * matrix[1] + y * matrix[3] + matrix[5])
            for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))
        ]
        bx0, by0 = min(c[0] for c in corners), min(c[1] for c in corners)
        bx1, by1 = max(c[0] for c in corners), max(c[1] for c in corners)
        r = [float(v) for v in _resolve(annot.get("/Rect")) or (0, 0, 0, 0)]
        rx0, ry0, rx1, ry1 = min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3])
        sx = (rx1 - rx0) / (bx1 - bx0) if bx1 > bx0 else 1.0
        sy = (ry1 - ry0) / (by1 - by0) if by1 > by0 else 1.0
        return _mul(matrix, (sx, 0.0, 0.0, sy, rx0 - bx0 * sx, ry0 - by0 * sy))

    # stream level

    def _form(self, form: Any, parent_res: Any) -> _Summary:
        res = _resolve(form.get("/Resources")) or parent_res
        summary = self._summary(form, res, "form")
        group = _resolve(form.get("/Group"))
        if isinstance(group, dict) and group.get("/CS") is not None:
            tags, desc = self._space(group["/CS"], res)
            summary.uses.update((t, f"a transparency group ({desc})") for t in tags)
        return summary

    def _summary(self, stream: Any, res: Any, what: str) -> _Summary:
        key = (_key(stream), _key(res))
        cached = self._streams.get(key)
        if cached is not None:
            return cached
        summary = _Summary()
        if key in self._busy or len(self._busy) > _MAX_DEPTH:
            summary.broken.add(f"a {what} draws itself (or nests too deep)")
            return summary
        self._streams[key] = summary
        self._keep.extend((stream, res))
        self._busy.add(key)
        try:
            self._interpret(ContentStream(stream, self._reader).operations, res, summary)
        except _BROKEN as exc:
            summary.broken.add(f"unreadable {what} content ({_why(exc)})")
        finally:
            self._busy.discard(key)
        return summary

    def _interpret(self, ops: list[tuple[Any, bytes]], res: Any, s: _Summary) -> None:
        """Run the operators that matter, tracking CTM, colour spaces and the font."""
        res = res if isinstance(res, dict) else {}
        ctm = _IDENTITY
        fill = stroke = _GRAY
        font: _GlyphCheck | None = None
        stack: list[tuple[_Matrix, _Space, _Space, _GlyphCheck | None]] = []
        for operands, op in ops:
            if op not in _INTERESTING:
                continue
            if op == b"q":
                stack.append((ctm, fill, stroke, font))
            elif op == b"Q":
                if stack:
                    ctm, fill, stroke, font = stack.pop()
            elif op == b"cm":
                ctm = _mul(_matrix(operands), ctm)
            elif op in (b"Tj", b"TJ", b"'", b'"'):
                if (
                    font is not None
                    and font.name not in s.notdef
                    and any(font.hits(b) for b in _shown_bytes(operands, op))
                ):
                    s.notdef.add(font.name)
            elif op == b"Tf":
                font = self._font(res, operands[0]) if operands else None
            elif op in _DEVICE_OPS:
                tag, side = _DEVICE_OPS[op]
                s.uses.add((tag, f"{side} colour '{op.decode()}'"))
            elif op in (b"cs", b"CS"):
                space = self._space(operands[0], res) if operands else _GRAY
                if op == b"cs":
                    fill = space
                else:
                    stroke = space
            elif op in (b"sc", b"scn", b"SC", b"SCN"):
                tags, desc = fill if op in (b"sc", b"scn") else stroke
                s.uses.update((t, f"colour '{op.decode()}' in {desc}") for t in tags)
                if operands and isinstance(operands[-1], NameObject):
                    self._pattern(res, operands[-1], ctm, s)
            elif op == b"sh":
                shading = _resolve(_lookup(res, "/Shading", operands[0], s))
                if isinstance(shading, dict):
                    tags, desc = self._space(shading.get("/ColorSpace"), res)
                    s.uses.update((t, f"shading {operands[0][1:]} ({desc})") for t in tags)
            elif op == b"Do":
                self._do(res, operands[0], ctm, s)
            elif op == b"INLINE IMAGE":
                self._inline(operands, res, ctm, s)

    def _font(self, res: Any, name: Any) -> _GlyphCheck | None:
        font = _resolve((_resolve(res.get("/Font")) or {}).get(name))
        if not isinstance(font, dict):
            return None
        key = _key(font)
        if key not in self._glyphs:
            self._keep.append(font)
            self._glyphs[key] = _glyph_check(font)
        return self._glyphs[key]

    def _do(self, res: Any, name: Any, ctm: _Matrix, s: _Summary) -> None:
        xobject = _resolve(_lookup(res, "/XObject", name, s))
        if not isinstance(xobject, StreamObject):
            return
        label = str(name).lstrip("/")
        if xobject.get("/Subtype") == "/Image":
            info = self._image(xobject, res)
            label = self._sources.get((info.width, info.height), label)
            s.images.append((ctm, label, info))
            s.uses.update((t, f"image {label} ({info.space[1]})") for t in info.space[0])
        elif xobject.get("/Subtype") == "/Form":
            child = self._form(xobject, res)
            s.forms.append((_mul(_matrix(xobject.get("/Matrix")), ctm), child))

    def _pattern(self, res: Any, name: NameObject, ctm: _Matrix, s: _Summary) -> None:
        pattern = _resolve(_resolve(res.get("/Pattern") or {}).get(name))
        if isinstance(pattern, StreamObject):
            # Tiling: colour-checked, not measured (a zero matrix makes every image "tiny").
            child = self._form(pattern, res)
            s.forms.append(((0.0, 0.0, 0.0, 0.0, 0.0, 0.0), child))
        elif isinstance(pattern, dict):
            shading = _resolve(pattern.get("/Shading"))
            if isinstance(shading, dict):
                tags, desc = self._space(shading.get("/ColorSpace"), res)
                s.uses.update((t, f"shading pattern {name[1:]} ({desc})") for t in tags)

    def _image(self, image: Any, res: Any) -> _ImageInfo:
        key = _key(image)
        if key not in self._images:
            self._keep.append(image)
            if image.get("/ImageMask"):
                space: _Space = (frozenset(), "stencil mask")
            elif image.get("/ColorSpace") is None:
                space = (frozenset(), "JPX (own colour space)")
            else:
                space = self._space(image["/ColorSpace"], res)
            self._images[key] = _ImageInfo(int(image["/Width"]), int(image["/Height"]), space)
        return self._images[key]

    def _inline(self, operands: Any, res: Any, ctm: _Matrix, s: _Summary) -> None:
        settings = operands["settings"]
        cs = settings.get("/CS", settings.get("/ColorSpace"))
        if settings.get("/IM", settings.get("/ImageMask")):
            space: _Space = (frozenset(), "stencil mask")
        else:
            space = self._space(cs, res) if cs is not None else _GRAY
        width = int(settings.get("/W", settings.get("/Width", 0)))
        height = int(settings.get("/H", settings.get("/Height", 0)))
        s.images.append((ctm, "inline image", _ImageInfo(width, height, space)))
        s.uses.update((t, f"an inline image ({space[1]})") for t in space[0])

    def _space(self, cs: Any, res: Any, depth: int = 0) -> _Space:
        """What a colour space amounts to: tags for the profile and words for the message."""
        if isinstance(cs, NameObject):
            if cs in _DEVICE:
                return _DEVICE[cs]
            if cs == "/I":  # inline Indexed abbreviation without its array
                return (frozenset(), "Indexed")
            named = (_resolve(res.get("/ColorSpace")) or {}).get(cs) if res else None
            if named is None:
                return (frozenset(), f"undefined colour space {cs}")
            return self._space(_resolve(named), {}, depth + 1)
        cs = _resolve(cs)
        if not isinstance(cs, ArrayObject) or not cs or depth > 8:
            return (frozenset(), "unknown colour space")
        key = _key(cs)
        if key in self._spaces:
            return self._spaces[key]
        family = str(cs[0])
        if family == "/ICCBased":
            n = int(_resolve(cs[1]).get("/N", 0))
            tag = _ICC_TAGS.get(n, f"ICCBased/{n}")
            space: _Space = (frozenset({tag}), f"ICCBased, {n} components")
        elif family in ("/Indexed", "/I"):
            base_tags, base = self._space(cs[1], res, depth + 1)
            space = (base_tags, f"Indexed on {base}")
        elif family in ("/Separation", "/DeviceN"):
            alt_tags, alt = self._space(cs[2], res, depth + 1)
            space = (alt_tags, f"{family[1:]} with alternate {alt}")
        elif family == "/Pattern":
            space = self._space(cs[1], res, depth + 1) if len(cs) > 1 else _DEVICE["/Pattern"]
        elif family in _DEVICE:
            space = _DEVICE[family]
        else:
            space = (frozenset({family[1:]}), family[1:])
        self._keep.append(cs)
        self._spaces[key] = space
        return space


def _lookup(res: Any, category: str, name: Any, s: _Summary) -> Any:
    """A named resource; a missing one is damage worth reporting, not a crash."""
    found = (_resolve(res.get(category)) or {}).get(name)
    if found is None:
        s.broken.add(f"{category[1:]} {name} is used but not defined")
    return found
