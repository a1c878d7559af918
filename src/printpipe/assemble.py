"""Stage 4: merge cover, body and appendices into one PDF with one page geometry.

Supplied PDFs come from other hands, so each is opened defensively (encryption, damage, no
pages) and each page is normalised to the edition's trim, the way a prepress department reads
a designer's export: by its TrimBox when it has one; without one, a page that measures the trim
plus the layout's bleed on every side (or the file's declared ``bleed:``) is a page exported
with bleed; either is moved 1:1 so its trim sits on ours, keeping its bleed.  Any other page is
scaled and centred to fit, with a warning, or refused when the edition says ``fit: refuse``.
The cover's front pages go first, its back pages last, with any padding blanks before them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import (
    DependencyError,
    FileNotDecryptedError,
    LimitReachedError,
    PdfReadError,
    PyPdfError,
)
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    RectangleObject,
    StreamObject,
)

from printpipe.errors import BadInputFileError, Diagnostic, ExitCode, Location
from printpipe.fontfix import FontFixer, family
from printpipe.model import Cover, SuppliedPdf
from printpipe.spotcolour import convert_page

log = logging.getLogger(__name__)

# pypdf reports what it repaired in a damaged file through the logging module.  open_pdf turns
# those records into one warning that names the file; without a handler of its own, Python's
# last-resort handler would print them raw ("incorrect startxref pointer(2)") on stderr.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

PT_PER_MM = 72.0 / 25.4
TOLERANCE_PT = 1.0
PASSWORD_ENV = "PRINTPIPE_PDF_PASSWORD"

# What pypdf raises on a damaged or hostile file (LimitReachedError, for a stream that would
# inflate past pypdf's limit, is a PyPdfError); anything else from it is a bug of ours.
_DAMAGE = (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError)
_DAMAGE_HINT = "export or download it again; `qpdf --check` shows what is wrong"


class _Repairs(logging.Handler):
    """Collects pypdf's warnings while one supplied file is read."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if message and message not in self.messages:
            self.messages.append(message)


@contextmanager
def _collect_repairs() -> Iterator[_Repairs]:
    handler = _Repairs()
    logger = logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _passwords(pdf: SuppliedPdf) -> list[str]:
    """Passwords to try, in order: the edition's, the environment's, then none at all."""
    found = [pdf.password, os.environ.get(PASSWORD_ENV), ""]
    return list(dict.fromkeys(p for p in found if p is not None))


def working_password(pdf: SuppliedPdf) -> str | None:
    """The password that opens ``pdf`` (None when it needs none), for other readers of the file.

    An owner-password-only file opens with the empty password; trying the edition's or the
    environment's password on it first would fail, so callers should pass this on rather than
    ``pdf.password``.
    """
    try:
        reader = PdfReader(pdf.source, strict=False)
        if not reader.is_encrypted:
            return None
        for password in _passwords(pdf):
            if reader.decrypt(password):
                return password or None
    except (*_DAMAGE, FileNotDecryptedError, DependencyError):
        return pdf.password
    return pdf.password


@dataclass(frozen=True)
class PageRange:
    """A run of pages in the merged file and where they came from."""

    kind: str  # "cover-front" | "body" | "appendix" | "blank" | "cover-back"
    title: str
    start: int  # 0-based index in the merged file
    count: int
    source: str


@dataclass(frozen=True)
class Assembled:
    """The merged PDF, its page map and what was noticed on the way."""

    writer: PdfWriter
    ranges: tuple[PageRange, ...]
    warnings: tuple[Diagnostic, ...]
    placed: tuple[PlacedFile, ...] = ()
    fixups: tuple[str, ...] = ()  # what was repaired in supplied pages, page by page

    @property
    def pages(self) -> int:
        return len(self.writer.pages)

    def range_of(self, kind: str) -> list[PageRange]:
        return [r for r in self.ranges if r.kind == kind]


@dataclass(frozen=True)
class PageGeometryPt:
    """The target's page: trim size and bleed, in points."""

    trim_w: float
    trim_h: float
    bleed: float
    layout_bleed: float | None = None  # the layout's bleed, even for a target without bleed

    @property
    def supplied_bleed(self) -> float:
        """The bleed a designer's export carries when it matches the layout."""
        return self.bleed if self.layout_bleed is None else self.layout_bleed

    @property
    def media(self) -> tuple[float, float]:
        return self.trim_w + 2 * self.bleed, self.trim_h + 2 * self.bleed


def _mm(value: float) -> str:
    return f"{value / PT_PER_MM:.1f}"


def open_pdf(pdf: SuppliedPdf) -> tuple[PdfReader, list[Diagnostic]]:
    """Open a supplied PDF, decrypting it if needed; every failure is a clear error."""
    reader, notes, _digest = _open_supplied(pdf)
    return reader, notes


def content_digest(data: bytes) -> str:
    """The key a supplied file's cached preflight report is stored under (sha256 of its bytes)."""
    return hashlib.sha256(data).hexdigest()


def _open_supplied(pdf: SuppliedPdf) -> tuple[PdfReader, list[Diagnostic], str]:
    """:func:`open_pdf`, plus the digest of exactly the bytes that were read.

    The file is read once (pypdf would read it whole anyway), so the digest names the content
    the reader holds, even if the file is replaced while the build runs.
    """
    where = pdf.location or Location(pdf.label)
    notes: list[Diagnostic] = []
    try:
        data = pdf.source.read_bytes()
    except OSError as error:
        raise BadInputFileError(
            f"{pdf.label}: cannot read the file ({error.strerror})",
            location=where,
            hint="check the file's permissions",
        ) from None
    head = data[:1024]
    if not head:
        raise BadInputFileError(
            f"{pdf.label} is empty (0 bytes)", location=where, hint="export it again"
        )
    if b"%PDF-" not in head:
        kind = (
            "an HTML page"
            if b"<html" in head.lower() or b"<!doctype" in head.lower()
            else "not a PDF"
        )
        raise BadInputFileError(
            f"{pdf.label} is {kind}",
            location=where,
            hint="export a real PDF from the design tool (a download may have saved an error page)",
        )
    with _collect_repairs() as repairs:
        reader, count, opened_with = _read(pdf, where, data)
    if opened_with is not None:
        how = (
            "owner password only; no password is needed to open it"
            if opened_with == ""
            else f"opened with the password from "
            f"{'edition.yaml' if opened_with == pdf.password else PASSWORD_ENV}"
        )
        notes.append(
            Diagnostic(
                f"{pdf.label} is encrypted ({how}); its pages are used as is",
                where,
                "ask the supplier for an unencrypted file",
                severity="warning",
                code=ExitCode.BAD_INPUT_FILE,
            )
        )
    if repairs.messages:
        notes.append(
            Diagnostic(
                f"{pdf.label} is damaged; it was repaired while reading "
                f"({'; '.join(repairs.messages[:3])[:200]})",
                where,
                "check its pages in a proof; better, " + _DAMAGE_HINT,
                severity="warning",
                code=ExitCode.BAD_INPUT_FILE,
            )
        )
    if count == 0:
        raise BadInputFileError(f"{pdf.label} has no pages", location=where, hint="export it again")
    return reader, notes, content_digest(data)


def _read(pdf: SuppliedPdf, where: Location, data: bytes) -> tuple[PdfReader, int, str | None]:
    """Open and decrypt; returns the reader, its page count and the password that opened it."""
    opened_with = None
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            for password in _passwords(pdf):
                if reader.decrypt(password):
                    opened_with = password
                    break
            else:
                if pdf.password or os.environ.get(PASSWORD_ENV):
                    raise BadInputFileError(
                        f"{pdf.label} is encrypted and the password given does not open it",
                        location=where,
                        hint=f"check 'password:' in edition.yaml and {PASSWORD_ENV}",
                    )
                raise BadInputFileError(
                    f"{pdf.label} is encrypted with a password",
                    location=where,
                    hint=f"add 'password:' to it in edition.yaml or set {PASSWORD_ENV}; "
                    "better, ask for an unencrypted file",
                )
        count = len(reader.pages)
    except BadInputFileError:
        raise
    except (FileNotDecryptedError, DependencyError) as error:
        raise BadInputFileError(
            f"{pdf.label} cannot be decrypted: {error}",
            location=where,
            hint="ask for an unencrypted file",
        ) from None
    except _DAMAGE as error:
        raise BadInputFileError(
            f"{pdf.label} is damaged and cannot be read ({_why(error)})",
            location=where,
            hint=_DAMAGE_HINT,
        ) from None
    return reader, count, opened_with


# What pypdf says, and what it means to someone who made the file (checked in order).
_PLAIN_WORDS: tuple[tuple[str, str], ...] = (
    ("four values for /", "it has no usable page size (a page box is not four numbers)"),
    ("Stream has ended unexpectedly", "the file is cut short (a download or copy did not finish)"),
    ("startxref", "its table of contents (xref) is damaged"),
    ("xref", "its table of contents (xref) is damaged"),
    ("Could not find object", "it refers to parts that are missing from the file"),
    ("Unexpected end of stream", "the file is cut short (a download or copy did not finish)"),
    ("Error -3 while decompressing", "a compressed part of it is corrupt"),
    ("decrypt", "it is encrypted in a way that cannot be opened"),
)


def _why(error: BaseException) -> str:
    """The library's complaint in the words of the person who made the file."""
    if isinstance(error, LimitReachedError):
        return (
            "a compressed stream inflates past pypdf's safety limit, as a decompression bomb does"
        )
    text = str(error)
    for clue, plain in _PLAIN_WORDS:
        if clue.lower() in text.lower():
            return plain
    return f"its structure is damaged: {text[:120]}" if text else "its structure is damaged"


BLEED_TOLERANCE_PT = 0.5 * PT_PER_MM  # an export's page size, rounded by the design tool


def _trim_of(
    page: PageObject, geometry: PageGeometryPt, pdf: SuppliedPdf
) -> tuple[RectangleObject, str]:
    """The box the supplier meant as the finished page, and the rule that found it.

    A TrimBox says it; without one, a declared ``bleed:`` or a page exactly the trim plus the
    layout's bleed on every side is an export with bleed ("use document bleed" without boxes,
    as InDesign, Affinity and Scribus write it), whose trim is the page inset by that bleed.
    """
    if "/TrimBox" in page:
        return page.trimbox, "by its TrimBox"
    visible = page.cropbox
    if pdf.bleed_mm is not None:
        return _inset(
            visible, pdf.bleed_mm * PT_PER_MM
        ), f"with its declared {pdf.bleed_mm:g} mm bleed"
    bleed = geometry.supplied_bleed
    width, height = float(visible.width), float(visible.height)
    if (
        bleed > 0
        and abs(width - (geometry.trim_w + 2 * bleed)) <= BLEED_TOLERANCE_PT
        and abs(height - (geometry.trim_h + 2 * bleed)) <= BLEED_TOLERANCE_PT
    ):
        inset = (width - geometry.trim_w) / 2, (height - geometry.trim_h) / 2
        return (
            _inset(visible, *inset),
            f"as exported with the layout's {_mm(bleed)} mm bleed (no TrimBox)",
        )
    return visible, "at its page size"


def _inset(box: RectangleObject, dx: float, dy: float | None = None) -> RectangleObject:
    dy = dx if dy is None else dy
    return RectangleObject(
        [float(box.left) + dx, float(box.bottom) + dy, float(box.right) - dx, float(box.top) - dy]
    )


@dataclass(frozen=True)
class PlacedFile:
    """How the pages of one supplied file were placed: the rules used, for the build report."""

    label: str
    rules: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.label}: placed {' / '.join(self.rules)}"


@dataclass(frozen=True)
class ScaledPage:
    """A supplied page that was not the trim size and was scaled to fit it."""

    number: int
    width_pt: float
    height_pt: float
    scale: float


def scaled_warning(
    pdf: SuppliedPdf, pages: Sequence[ScaledPage], geometry: PageGeometryPt
) -> Diagnostic:
    """One warning per file, naming its odd-sized pages, their size and the scale used."""
    sizes = sorted({(_mm(p.width_pt), _mm(p.height_pt), round(p.scale * 100)) for p in pages})
    shown = "; ".join(f"{w} x {h} mm scaled to {pct}%" for w, h, pct in sizes)
    numbers = _page_list([p.number for p in pages])
    return Diagnostic(
        f"{pdf.label} {numbers} not the {_mm(geometry.trim_w)} x {_mm(geometry.trim_h)} mm "
        f"trim: {shown} to fit",
        pdf.location,
        "supply it at the trim size to print it 1:1",
        severity="warning",
        code=ExitCode.BAD_INPUT_FILE,
    )


def _page_list(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` as ``pages 1-3, 7 are``; one page as ``page 4 is``."""
    if len(numbers) == 1:
        return f"page {numbers[0]} is"
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    text = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
    return f"pages {text} are"


@dataclass(frozen=True)
class PagePlacement:
    """How one supplied page was placed: the rule, the scale if scaled, and whether it bleeds."""

    rule: str
    scaled: ScaledPage | None
    bleeds: bool  # its visible area reaches the target's bleed edge on every side


def normalise_page(
    page: PageObject, geometry: PageGeometryPt, pdf: SuppliedPdf, number: int
) -> PagePlacement:
    """Move or scale ``page`` so its trim sits on the target trim; the rule used, and the scale.

    Annotations that would print (filled-in form fields, stamps) are first drawn into the
    page, as a printer would show them: the finished file keeps no form fields or comments.
    """
    _sanitise(page)
    _flatten_annotations(page)
    if page.get("/Rotate", 0) % 360:
        _rotate_annotations(page)
        page.transfer_rotation_to_content()
    trim, rule = _trim_of(page, geometry, pdf)
    visible = page.cropbox
    width, height = float(trim.width), float(trim.height)
    warning = None
    if width <= 0 or height <= 0:
        raise BadInputFileError(
            f"{pdf.label} page {number} has an empty page box", hint="export it again"
        )
    if _same_size(width, height, geometry):
        scale = 1.0
        tx = geometry.bleed - float(trim.left)
        ty = geometry.bleed - float(trim.bottom)
        rule += ", 1:1"
    else:
        if pdf.fit == "refuse":
            raise _refused(pdf, number, width, height, geometry)
        scale = min(geometry.trim_w / width, geometry.trim_h / height)
        tx = geometry.bleed + (geometry.trim_w - width * scale) / 2 - float(trim.left) * scale
        ty = geometry.bleed + (geometry.trim_h - height * scale) / 2 - float(trim.bottom) * scale
        warning = ScaledPage(number, width, height, scale)
        rule += f", scaled to fit ({_mm(width)} x {_mm(height)} mm, not the trim size)"
    media_w, media_h = geometry.media
    clip = _clipped(visible, scale, tx, ty, media_w, media_h)
    bleeds = clip is None
    prefix = suffix = b""
    if clip is not None:
        left, bottom, right, top = clip
        prefix += (
            f"q {left:.4f} {bottom:.4f} {right - left:.4f} {top - bottom:.4f} re W n\n".encode()
        )
        suffix = b"\nQ\n" + suffix
    if (scale, tx, ty) != (1.0, 0.0, 0.0):
        prefix += f"q {scale:.6f} 0 0 {scale:.6f} {tx:.4f} {ty:.4f} cm\n".encode()
        suffix = b"\nQ\n" + suffix
        _move_annotations(page, scale, tx, ty)
    if prefix:
        _wrap_contents(page, prefix, suffix)
    full = RectangleObject([0, 0, media_w, media_h])
    page.mediabox = full
    page.cropbox = full
    page.bleedbox = full
    page.trimbox = RectangleObject(
        [
            geometry.bleed,
            geometry.bleed,
            geometry.bleed + geometry.trim_w,
            geometry.bleed + geometry.trim_h,
        ]
    )
    if "/ArtBox" in page:
        del page[NameObject("/ArtBox")]
    return PagePlacement(rule, warning, bleeds)


def _refused(
    pdf: SuppliedPdf, number: int, width: float, height: float, geometry: PageGeometryPt
) -> BadInputFileError:
    return BadInputFileError(
        f"{pdf.label} page {number} is {_mm(width)} x {_mm(height)} mm, "
        f"not the trim size {_mm(geometry.trim_w)} x {_mm(geometry.trim_h)} mm",
        location=pdf.location,
        hint="supply it at the trim size, or set 'fit: scale' to scale it to fit",
    )


def _same_size(width: float, height: float, geometry: PageGeometryPt) -> bool:
    return (
        abs(width - geometry.trim_w) <= TOLERANCE_PT
        and abs(height - geometry.trim_h) <= TOLERANCE_PT
    )


def check_supplied(
    cover: Cover | None, appendices: Sequence[SuppliedPdf], geometry: PageGeometryPt
) -> None:
    """Raise what :func:`assemble` would refuse in the supplied files, without merging.

    ``printpipe check`` promises the build's findings: the cover's page count, pages whose
    content inflates past the limits, and pages that are not the trim size under
    ``fit: refuse``.  Pages are read, not copied, so this is cheap next to a build.
    """
    for pdf in [*([cover.pdf] if cover is not None else []), *appendices]:
        reader, _notes = open_pdf(pdf)
        total = len(reader.pages)
        indices = list(range(total))
        if cover is not None and pdf is cover.pdf:
            if total < cover.front_pages + cover.back_pages:
                raise _short_cover(cover, total)
            indices = [*range(cover.front_pages), *range(total - cover.back_pages, total)]
        for index in indices:
            try:
                page = reader.pages[index]
                contents = page.get_contents()
                if contents is not None:
                    contents.get_data()
                turned = page.get("/Rotate", 0) % 180 == 90
                seen_as = (
                    replace(geometry, trim_w=geometry.trim_h, trim_h=geometry.trim_w)
                    if turned
                    else geometry
                )  # the unrotated box, against the trim turned the same way
                trim, _rule = _trim_of(page, seen_as, pdf)
                width, height = float(trim.width), float(trim.height)
                if turned:
                    width, height = height, width
            except _DAMAGE as error:
                raise BadInputFileError(
                    f"{pdf.label} page {index + 1} cannot be used ({_why(error)})",
                    location=pdf.location,
                    hint=_DAMAGE_HINT,
                ) from None
            if width <= 0 or height <= 0:
                raise BadInputFileError(
                    f"{pdf.label} page {index + 1} has an empty page box", hint="export it again"
                )
            if not _same_size(width, height, geometry) and pdf.fit == "refuse":
                raise _refused(pdf, index + 1, width, height, geometry)


def _short_cover(cover: Cover, total: int) -> BadInputFileError:
    return BadInputFileError(
        f"{cover.pdf.label} has {total} page(s); the edition takes "
        f"{cover.front_pages} front and {cover.back_pages} back cover pages",
        location=cover.pdf.location,
        hint="supply all cover pages in one PDF, or set front_pages/back_pages",
    )


def _clipped(
    visible: RectangleObject, scale: float, tx: float, ty: float, media_w: float, media_h: float
) -> tuple[float, float, float, float] | None:
    """The source's visible box in target coordinates, if it does not already cover the page."""
    left = float(visible.left) * scale + tx
    bottom = float(visible.bottom) * scale + ty
    right = float(visible.right) * scale + tx
    top = float(visible.top) * scale + ty
    # Within a twentieth of a point: a 3 mm bleed written as 8.503937 and computed as
    # 8.5039370... must not read as a page that stops short of the bleed edge.
    slack = 0.05
    if left <= slack and bottom <= slack and right >= media_w - slack and top >= media_h - slack:
        return None
    return (max(left, 0.0), max(bottom, 0.0), min(right, media_w), min(top, media_h))


def _wrap_contents(page: PageObject, prefix: bytes, suffix: bytes) -> None:
    """Put ``prefix`` before and ``suffix`` after the page's content, without decoding it.

    The supplier's streams stay as they are (a 400-page appendix is never parsed or
    recompressed); two small streams around them carry the clip and the placement matrix.
    """
    contents = page.get("/Contents")
    if contents is None:
        return
    owner = page.indirect_reference.pdf if page.indirect_reference is not None else None
    if owner is None:
        raise RuntimeError("normalise_page works on pages already added to a writer")
    streams = []
    for data in (prefix, suffix):
        stream = DecodedStreamObject()
        stream.set_data(data)
        streams.append(owner._add_object(stream))
    existing = contents.get_object()
    middle = list(existing) if isinstance(existing, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([streams[0], *middle, streams[1]])


_PRINT, _HIDDEN = 4, 2  # annotation flags (ISO 32000-1, 12.5.3)


def _sanitise(page: PageObject) -> None:
    """Keep only what may travel into the merged file: appearances to print and plain links.

    Done on the supplied page *before* it is copied: whatever the page still refers to is
    copied with it, so a script reachable from here (an open action, a field's calculation
    script, a launch link) would land in the output as an orphan object even after finishing
    removed every reference to it.  A printable annotation is cut down to its rectangle and
    the appearance it shows, which :func:`_flatten_annotations` then draws into the page.
    """
    if "/AA" in page:
        del page[NameObject("/AA")]
    annotations = page.get("/Annots")
    if annotations is None:
        return
    kept = ArrayObject()
    for ref in annotations.get_object():
        annotation = ref.get_object()
        if not isinstance(annotation, DictionaryObject):
            continue
        if annotation.get("/Subtype") == "/Link":
            if safe_link(annotation):
                if "/AA" in annotation:
                    del annotation[NameObject("/AA")]
                kept.append(ref)
            continue
        flags = int(annotation.get("/F", 0) or 0)
        appearance = _normal_appearance(annotation)
        if appearance is None or not flags & _PRINT or flags & _HIDDEN:
            continue
        bare = DictionaryObject()
        for key in ("/Type", "/Subtype", "/Rect", "/F"):
            if key in annotation:
                bare[NameObject(key)] = annotation.raw_get(key)
        bare[NameObject("/AP")] = DictionaryObject({NameObject("/N"): appearance})
        kept.append(bare)
    set_annotations(page, kept)


def set_annotations(page: PageObject, kept: ArrayObject) -> None:
    """Give ``page`` exactly the annotations in ``kept`` (none: no /Annots key at all)."""
    if kept:
        page[NameObject("/Annots")] = kept
    elif "/Annots" in page:
        del page[NameObject("/Annots")]


def safe_link(link: DictionaryObject) -> bool:
    """A link that only goes somewhere: a page in this file, or an http(s)/mailto address."""
    action = link.get("/A")
    if action is None:
        return True
    action = action.get_object()
    kind = action.get("/S")
    if kind == "/URI":
        return _safe_uri(action.get("/URI"))
    return kind in ("/GoTo", None)


def _safe_uri(uri: object) -> bool:
    text = str(uri or "").strip().lower()
    return text.startswith(("http://", "https://", "mailto:"))


def _flatten_annotations(page: PageObject) -> None:
    """Draw every printable annotation's appearance into the page; drop the rest but links.

    Links stay (the screen file keeps them clickable; finishing decides).  An annotation that
    does not print (a comment, a hidden field) is dropped, as it would be on paper.
    """
    annotations = page.get("/Annots")
    if annotations is None:
        return
    kept = ArrayObject()
    drawn: list[str] = []
    # Copies: resource dictionaries are often shared between pages, and the names added
    # here are per page.
    resources = page.get("/Resources")
    resources = DictionaryObject(resources.get_object() if resources is not None else {})
    xobjects = resources.get("/XObject")
    xobjects = DictionaryObject(xobjects.get_object() if xobjects is not None else {})
    for index, ref in enumerate(annotations.get_object()):
        annotation = ref.get_object()
        if not isinstance(annotation, DictionaryObject):
            continue
        if annotation.get("/Subtype") == "/Link":
            kept.append(ref)
            continue
        flags = int(annotation.get("/F", 0) or 0)
        appearance = _normal_appearance(annotation)
        if appearance is None or not flags & _PRINT or flags & _HIDDEN:
            continue
        placement = _appearance_matrix(annotation, appearance.get_object())
        if placement is None:
            continue
        name = f"/PPAnnot{index}"
        stream = appearance.get_object()
        stream[NameObject("/Type")] = NameObject("/XObject")
        stream[NameObject("/Subtype")] = NameObject("/Form")
        xobjects[NameObject(name)] = appearance
        sx, sy, tx, ty = placement
        drawn.append(f"q {sx:.4f} 0 0 {sy:.4f} {tx:.4f} {ty:.4f} cm {name} Do Q")
    if drawn:
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        appearances = "\n".join(drawn).encode() + b"\n"
        if page.get("/Contents") is None:
            fresh = ContentStream(None, None)
            fresh.set_data(appearances)
            page.replace_contents(fresh)
        else:
            _wrap_contents(page, b"q\n", b"\nQ\n" + appearances)
    set_annotations(page, kept)


def _normal_appearance(annotation: DictionaryObject) -> Any:
    """The (indirect) normal appearance stream of ``annotation`` in its current state."""
    appearances = annotation.get("/AP")
    if appearances is None:
        return None
    appearances = appearances.get_object()
    normal = appearances.raw_get("/N") if "/N" in appearances else None
    if normal is None:
        return None
    if isinstance(normal.get_object(), StreamObject):
        return normal
    states = normal.get_object()
    state = annotation.get("/AS")
    if isinstance(states, DictionaryObject) and state is not None and state in states:
        chosen = states.raw_get(state)
        return chosen if isinstance(chosen.get_object(), StreamObject) else None
    return None


def _appearance_matrix(
    annotation: DictionaryObject, stream: StreamObject
) -> tuple[float, float, float, float] | None:
    """Scale and offset that fit the appearance's box onto the annotation's /Rect (12.5.5)."""
    try:
        x0, y0, x1, y1 = (float(v) for v in cast(ArrayObject, annotation["/Rect"]))
        bx0, by0, bx1, by1 = (float(v) for v in cast(ArrayObject, stream["/BBox"]))
        a, b, c, d, e, f = (float(v) for v in stream.get("/Matrix", (1, 0, 0, 1, 0, 0)))
    except (KeyError, TypeError, ValueError):
        return None
    corners = [(bx, by) for bx in (bx0, bx1) for by in (by0, by1)]
    xs = [a * x + c * y + e for x, y in corners]
    ys = [b * x + d * y + f for x, y in corners]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    left, bottom = min(x0, x1), min(y0, y1)
    if width <= 0 or height <= 0 or not all(map(math.isfinite, (*xs, *ys, x0, y0, x1, y1))):
        return None
    sx, sy = abs(x1 - x0) / width, abs(y1 - y0) / height
    return sx, sy, left - min(xs) * sx, bottom - min(ys) * sy


def _rotate_annotations(page: PageObject) -> None:
    """Turn annotation rectangles the way ``transfer_rotation_to_content`` turns the page."""
    if "/Annots" not in page:
        return
    box = page.mediabox
    turn = (
        Transformation()
        .translate(-float(box.left + box.width / 2), -float(box.bottom + box.height / 2))
        .rotate(-page.rotation)
    )
    low, high = turn.apply_on(box.lower_left), turn.apply_on(box.upper_right)
    turn = turn.translate(-min(low[0], high[0]), -min(low[1], high[1]))
    for ref in cast(ArrayObject, page["/Annots"] or ArrayObject()):
        annotation = ref.get_object()
        for key in ("/Rect", "/QuadPoints"):
            values = annotation.get(key)
            if not isinstance(values, ArrayObject) or len(values) % 2:
                continue
            points = [
                turn.apply_on((float(values[i]), float(values[i + 1])))
                for i in range(0, len(values), 2)
            ]
            if key == "/Rect":
                xs, ys = [x for x, _ in points], [y for _, y in points]
                flat = [min(xs), min(ys), max(xs), max(ys)]
            else:
                flat = [v for point in points for v in point]
            annotation[NameObject(key)] = ArrayObject(FloatObject(v) for v in flat)


def _move_annotations(page: PageObject, scale: float, tx: float, ty: float) -> None:
    """``add_transformation`` leaves annotations behind; move their rectangles too."""
    for ref in page.get("/Annots", ()) or ():
        annotation = ref.get_object()
        for key in ("/Rect", "/QuadPoints"):
            values = annotation.get(key)
            if not isinstance(values, ArrayObject):
                continue
            moved = [
                FloatObject(float(v) * scale + (tx if i % 2 == 0 else ty))
                for i, v in enumerate(values)
            ]
            annotation[NameObject(key)] = ArrayObject(moved)


def assemble(
    body_path: Path,
    cover: Cover | None,
    appendices: Sequence[SuppliedPdf],
    geometry: PageGeometryPt,
    pad_to_multiple: int | None,
    colour: str = "cmyk",
    fonts_dir: Path | None = None,
    inflated: frozenset[str] = frozenset(),
) -> Assembled:
    """Merge everything in reading order and pad the page count for folding.

    Supplied files that chose ``spot_colours: convert`` have their spot colours converted to
    ``colour`` (the target's process space) page by page (:mod:`printpipe.spotcolour`).
    Unembedded standard-14 fonts of supplied pages get the metric-compatible substitutes in
    ``fonts_dir`` embedded (:mod:`printpipe.fontfix`).

    ``inflated`` holds the :func:`content_digest` of supplied files whose every page content a
    preflight has already inflated without damage (their cached report has no ``file.broken``
    finding): their pages are not inflated again here, which for a 2,000-page appendix is a
    seventh of the stage.  Any other supplied file is checked page by page as before.
    """
    writer = PdfWriter()
    fixer = FontFixer(writer, fonts_dir) if fonts_dir is not None else None
    ranges: list[PageRange] = []
    warnings: list[Diagnostic] = []
    placed: dict[str, list[str]] = {}
    fixups: list[str] = []

    def add(
        reader: PdfReader,
        indices: Sequence[int],
        kind: str,
        title: str,
        pdf: SuppliedPdf | None,
        checked: bool = False,
    ) -> None:
        start = len(writer.pages)
        scaled: list[ScaledPage] = []
        short: list[int] = []  # cover pages without bleed
        for index in indices:
            try:
                source = reader.pages[index]
                if pdf is not None:
                    _sanitise(source)
                if pdf is not None and not checked:
                    # Inflate (never parse) the content once, inside pypdf's limits: a stream
                    # that would expand to gigabytes fails here, as damage, not later.
                    contents = source.get_contents()
                    if contents is not None:
                        contents.get_data()
                page = writer.add_page(source)
                if pdf is not None:
                    rules = placed.setdefault(pdf.label, [])
                    if pdf.spot_colours == "convert":
                        for name in convert_page(page, pdf, index + 1, colour):
                            fixups.append(
                                f"{pdf.label} page {index + 1}: spot colour {name} converted "
                                f"to process {colour.upper()}"
                            )
                    for name in fixer.fix_page(page) if fixer is not None else ():
                        fixups.append(
                            f"{pdf.label} page {index + 1}: font {name} embedded as "
                            f"{family(name)} (metric-compatible)"
                        )
                    placement = normalise_page(page, geometry, pdf, index + 1)
                    if placement.rule not in rules:
                        rules.append(placement.rule)
                    if placement.scaled is not None:
                        scaled.append(placement.scaled)
                    elif not placement.bleeds and kind.startswith("cover"):
                        short.append(index + 1)
            except BadInputFileError:
                raise
            except _DAMAGE as error:
                label = pdf.label if pdf else "the composed body"
                raise BadInputFileError(
                    f"{label} page {index + 1} cannot be used ({_why(error)})",
                    location=pdf.location if pdf else None,
                    hint=_DAMAGE_HINT,
                ) from None
        if scaled and pdf is not None:
            warnings.append(scaled_warning(pdf, scaled, geometry))
        if short and pdf is not None and geometry.bleed > 0:
            warnings.append(
                Diagnostic(
                    f"{pdf.label} {_page_list(short)} without bleed: a background that "
                    f"reaches the trim will show white slivers after cutting",
                    pdf.location,
                    f"export the cover with {_mm(geometry.bleed)} mm bleed (with or without "
                    "a TrimBox)",
                    severity="warning",
                    code=ExitCode.BAD_INPUT_FILE,
                )
            )
        if indices:
            label = pdf.label if pdf else "body"
            ranges.append(PageRange(kind, title, start, len(indices), label))

    cover_reader = None
    cover_digest = ""
    front: list[int] = []
    back: list[int] = []
    if cover is not None:
        cover_reader, notes, cover_digest = _open_supplied(cover.pdf)
        warnings.extend(notes)
        total = len(cover_reader.pages)
        wanted = cover.front_pages + cover.back_pages
        if total < wanted:
            raise _short_cover(cover, total)
        front = list(range(cover.front_pages))
        back = list(range(total - cover.back_pages, total))
        if total > wanted:
            warnings.append(
                Diagnostic(
                    f"{cover.pdf.label} has {total} pages; pages {cover.front_pages + 1}-"
                    f"{total - cover.back_pages} are not used",
                    cover.pdf.location,
                    "supply only the cover pages",
                    severity="warning",
                )
            )
        add(cover_reader, front, "cover-front", "Cover", cover.pdf, cover_digest in inflated)
    body = PdfReader(body_path)
    add(body, list(range(len(body.pages))), "body", "Report", None)
    for pdf in appendices:
        reader, notes, digest = _open_supplied(pdf)
        warnings.extend(notes)
        pages = list(range(len(reader.pages)))
        add(reader, pages, "appendix", pdf.title, pdf, digest in inflated)
    total = len(writer.pages) + len(back)
    blanks = (-total) % pad_to_multiple if pad_to_multiple else 0
    if blanks:
        start = len(writer.pages)
        media_w, media_h = geometry.media
        for _ in range(blanks):
            page = writer.add_blank_page(media_w, media_h)
            page.trimbox = RectangleObject(
                [
                    geometry.bleed,
                    geometry.bleed,
                    geometry.bleed + geometry.trim_w,
                    geometry.bleed + geometry.trim_h,
                ]
            )
            page.bleedbox = RectangleObject([0, 0, media_w, media_h])
        ranges.append(PageRange("blank", "Blank", start, blanks, "padding"))
        warnings.append(
            Diagnostic(
                f"added {blanks} blank page(s) before the inside back cover to make "
                f"{total + blanks} pages (a multiple of {pad_to_multiple})",
                None,
                "add or remove content to avoid blank pages",
                severity="info",
            )
        )
    if cover_reader is not None and cover is not None:
        add(cover_reader, back, "cover-back", "Back cover", cover.pdf, cover_digest in inflated)
    log.debug("assembled %d pages from %d ranges", len(writer.pages), len(ranges))
    placements = tuple(PlacedFile(label, tuple(rules)) for label, rules in placed.items())
    return Assembled(writer, tuple(ranges), tuple(warnings), placements, tuple(fixups))
