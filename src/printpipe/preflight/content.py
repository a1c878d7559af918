"""The content scanner: colour operators, image placement (effective ppi) and .notdef glyphs."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, NameObject, StreamObject

from printpipe.preflight.operators import INLINE_IMAGE, QpdfParser
from printpipe.preflight.pdfobjects import (
    _BROKEN,
    _MAX_DEPTH,
    _annotations,
    _appearances,
    _embedded,
    _font_name,
    _key,
    _resolve,
    _why,
)
from printpipe.preflight.profiles import (
    _CHECK_FOR_TAG,
    MAX_IMAGE_PIXELS,
    SPOT_TAG,
    PreflightProfile,
)
from printpipe.preflight.report import (
    PlacedImage,
    _Findings,
)

_PPI_TOLERANCE = 0.5  # ppi: 299.99 computed from a float matrix is 300
_TINY_PT = 2.0  # images placed smaller than this are spacers, not pictures
_MAX_PLACEMENTS = 20_000  # per page, against forms drawing forms exponentially


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
     b"Tj", b"TJ", b"'", b'"', INLINE_IMAGE, *_DEVICE_OPS}
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

    def clear(self) -> None:
        """Forget a half-read stream before reading it again."""
        self.uses.clear()
        self.images.clear()
        self.forms.clear()
        self.notdef.clear()
        self.broken.clear()

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
        self._parser = QpdfParser(_INTERESTING)

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
            if tag.startswith(SPOT_TAG):
                name, _, alternate = tag[len(SPOT_TAG) :].partition("|")
                out.add(
                    "warning",
                    "colour.spot",
                    f"spot colour {name} (alternate {alternate})",
                    number,
                )
                continue
            if tag in self._prof.forbid_colour_spaces:
                check = _CHECK_FOR_TAG.get(tag, "colour." + tag.lower().replace("/", "-"))
                out.add("error", check, f"{what} uses {tag}", number)
            elif tag.startswith("ICCBased") or tag == "Lab":
                # Listed, not judged: device-independent colour the target allows.
                out.add("info", "colour.managed", f"{what} uses {tag}", number)
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
                f"{ppi:.0f} ppi{_limiting_side(image)}; {self._prof.name} needs {need:g} ppi",
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
            self._read(stream, res, summary)
        except _BROKEN as exc:
            summary.broken.add(f"unreadable {what} content ({_why(exc)})")
        finally:
            self._busy.discard(key)
        return summary

    def _read(self, stream: Any, res: Any, summary: _Summary) -> None:
        """Interpret a stream as qpdf parses it, or as pypdf does where that fails.

        pypdf decodes (its limits and errors stand); qpdf parses about 9x faster.  A stream
        qpdf complains about, or whose qpdf reading the interpreter cannot run, is read again
        by pypdf from scratch, so damage gives the findings and messages it always gave.
        """
        content = ContentStream(stream, self._reader)  # decoded and joined, not parsed yet
        fast = self._parser.operations(content.get_data())
        if fast is not None:
            try:
                self._interpret(fast, res, summary)
                return
            except _BROKEN:
                summary.clear()
        self._interpret(content.operations, res, summary)

    def _interpret(self, ops: list[tuple[Any, bytes]], res: Any, s: _Summary) -> None:
        """Run the operators that matter, tracking CTM, colour spaces and the font."""
        res = res if isinstance(res, dict) else {}
        ctm = _IDENTITY
        fill = stroke = _GRAY
        font: _GlyphCheck | None = None
        fonts: dict[Any, _GlyphCheck | None] = {}  # by resource name: Tf comes with every line
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
                if not operands:
                    font = None
                elif operands[0] in fonts:
                    font = fonts[operands[0]]
                else:
                    font = fonts[operands[0]] = self._font(res, operands[0])
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
            elif op == INLINE_IMAGE:
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
            if cs in ("/I", "/Indexed"):  # inline Indexed (abbreviated or not) without its array
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
            names = [cs[1]] if family == "/Separation" else list(_resolve(cs[1]) or ())
            spots = {f"{SPOT_TAG}{str(n)[1:]}|{alt}" for n in names if str(n) not in _PROCESS_NAMES}
            space = (alt_tags | spots, f"{family[1:]} with alternate {alt}")
        elif family == "/Pattern":
            space = self._space(cs[1], res, depth + 1) if len(cs) > 1 else _DEVICE["/Pattern"]
        elif family in _DEVICE:
            space = _DEVICE[family]
        else:
            space = (frozenset({family[1:]}), family[1:])
        self._keep.append(cs)
        self._spaces[key] = space
        return space


# Colourant names of a Separation or DeviceN space that are not spot colours (ISO 32000 8.6.6).
_PROCESS_NAMES = frozenset({"/Cyan", "/Magenta", "/Yellow", "/Black", "/All", "/None"})


def _limiting_side(image: PlacedImage) -> str:
    """Which side limits a stretched image's ppi, with its placed length (empty if square)."""
    if abs(image.ppi_x - image.ppi_y) <= _PPI_TOLERANCE:
        return ""
    if image.ppi_x < image.ppi_y:
        side, px, ppi = "width", image.width_px, image.ppi_x
    else:
        side, px, ppi = "height", image.height_px, image.ppi_y
    return f" (its {side}: {px} px over {px / ppi * 25.4:.1f} mm)"


def _lookup(res: Any, category: str, name: Any, s: _Summary) -> Any:
    """A named resource; a missing one is damage worth reporting, not a crash."""
    found = (_resolve(res.get(category)) or {}).get(name)
    if found is None:
        s.broken.add(f"{category[1:]} {name} is used but not defined")
    return found
