"""Preflight: check a finished (or supplied) PDF against what its target demands.

Nothing here trusts the code that made the file: ReportLab leaks unembedded Helvetica, never
checks image colour, and draws missing glyphs silently, so the finished file itself is read back
with pypdf and checked the way a printer's preflight would, page by page.  The result is a
:class:`PreflightReport` (text for people, JSON for tools); the pipeline fails the build on
errors.  A profile is a row of data (:data:`PROFILES`), not a branch in code.

The package's rooms: ``profiles`` (what each target demands), ``report`` (findings and their
forms), ``pdfobjects`` (defensive object access), ``document`` (opening, encryption, intent,
XMP, actions), ``boxes``, ``fonts``, ``content`` (the content-stream scanner) and ``operators``
(its operators, parsed by qpdf through pikepdf, with pypdf as the reference for damage).

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
from collections.abc import Mapping
from pathlib import Path

from pypdf import PdfReader

from printpipe.preflight.boxes import _check_boxes
from printpipe.preflight.content import _ContentScanner
from printpipe.preflight.document import (
    _check_document,
    _check_page_actions,
    _open,
    _report_encryption,
    _unreadable,
)
from printpipe.preflight.fonts import _FontScanner
from printpipe.preflight.pdfobjects import _BROKEN, _why
from printpipe.preflight.profiles import (
    BREAKS_STANDARD,
    NEVER_ACCEPTED,
    PROFILES,
    PreflightProfile,
    _resolve_profile,
)
from printpipe.preflight.report import Finding, PlacedImage, PreflightReport, _count, _Findings

__all__ = [
    "BREAKS_STANDARD",
    "NEVER_ACCEPTED",
    "PROFILES",
    "Finding",
    "PlacedImage",
    "PreflightProfile",
    "PreflightReport",
    "preflight",
]


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
        return _check(reader, prof, name, password, checked_pages, image_sources or {})
    finally:
        reader.stream.close()


def _check(
    reader: PdfReader,
    prof: PreflightProfile,
    name: str,
    password: str | None,
    checked_pages: frozenset[int],
    image_sources: Mapping[tuple[int, int], str],
) -> PreflightReport:
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
    content = _ContentScanner(reader, prof, image_sources)
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
