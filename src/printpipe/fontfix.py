"""Embed metric-compatible free fonts for unembedded standard-14 fonts in supplied pages.

Office exports and accounting software often leave Helvetica, Times and Courier unembedded:
every PDF reader has them, but PDF/X-4 and PDF/A forbid it, because a RIP substitutes whatever
it has.  A prepress department fixes this by embedding a font with the same metrics, so no
line reflows.  Liberation Sans, Serif and Mono (SIL OFL 1.1, shipped in ``assets/fonts/`` with
their licence) are metric-compatible with Helvetica/Arial, Times and Courier.

The font dictionary is rewritten in place as a TrueType font that embeds the whole
(unmodified) Liberation file:

* **positions** stay exactly as the producer set them: ``/Widths`` come from the standard-14
  AFM metrics for the font's encoding (the widths every reader used for the original), unless
  the file had its own ``/Widths``, which are kept;
* **text** extracts unchanged: the encoding keeps the same code-to-glyph-name mapping (the
  implicit StandardEncoding of a Type 1 font becomes WinAnsi plus ``/Differences`` for the codes
  where the two differ), and glyph names map to Unicode as before.

Symbol and ZapfDingbats have no free metric-compatible substitute here: they stay an error.
pypdf's copy of the Adobe core AFM metrics (``pypdf._codecs``) is the one private import, kept
to this module; pypdf is pinned, and tests/test_prepress.py fails if it changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PageObject, PdfWriter
from pypdf._codecs import _std_encoding, _win_encoding, adobe_glyphs
from pypdf._codecs.core_font_metrics import CORE_FONT_METRICS
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

# Standard-14 name -> (Liberation file, its PostScript name)
SUBSTITUTES: dict[str, tuple[str, str]] = {
    "Helvetica": ("LiberationSans-Regular.ttf", "LiberationSans"),
    "Helvetica-Bold": ("LiberationSans-Bold.ttf", "LiberationSans-Bold"),
    "Helvetica-Oblique": ("LiberationSans-Italic.ttf", "LiberationSans-Italic"),
    "Helvetica-BoldOblique": ("LiberationSans-BoldItalic.ttf", "LiberationSans-BoldItalic"),
    "Times-Roman": ("LiberationSerif-Regular.ttf", "LiberationSerif"),
    "Times-Bold": ("LiberationSerif-Bold.ttf", "LiberationSerif-Bold"),
    "Times-Italic": ("LiberationSerif-Italic.ttf", "LiberationSerif-Italic"),
    "Times-BoldItalic": ("LiberationSerif-BoldItalic.ttf", "LiberationSerif-BoldItalic"),
    "Courier": ("LiberationMono-Regular.ttf", "LiberationMono"),
    "Courier-Bold": ("LiberationMono-Bold.ttf", "LiberationMono-Bold"),
    "Courier-Oblique": ("LiberationMono-Italic.ttf", "LiberationMono-Italic"),
    "Courier-BoldOblique": ("LiberationMono-BoldItalic.ttf", "LiberationMono-BoldItalic"),
}
_NONSYMBOLIC, _ITALIC = 32, 64
_FIRST, _LAST = 32, 255
_GLYPH_NAMES: dict[str, str] = {}
for _name, _char in adobe_glyphs.items():
    if len(_char) == 1:
        _GLYPH_NAMES.setdefault(_char, _name)


def substitute(name: str, fonts_dir: Path) -> Path | None:
    """The shipped font file that can stand in for standard-14 font ``name``, if any."""
    entry = SUBSTITUTES.get(name)
    if entry is None:
        return None
    path = fonts_dir / entry[0]
    return path if path.is_file() else None


def family(name: str) -> str:
    """How the substitute is named in reports: ``Liberation Sans Bold``."""
    ps = SUBSTITUTES[name][1]
    base, _, style = ps.partition("-")
    return f"Liberation {base.removeprefix('Liberation')}" + (f" {style}" if style else "")


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, PdfObject) else obj


class FontFixer:
    """Fixes the fonts of pages already added to ``writer``; each font file is embedded once."""

    def __init__(self, writer: PdfWriter, fonts_dir: Path) -> None:
        self._writer = writer
        self._dir = fonts_dir
        self._files: dict[str, IndirectObject] = {}
        self._seen: set[int] = set()

    def fix_page(self, page: PageObject) -> list[str]:
        """Embed substitutes for the page's unembedded standard-14 fonts; returns their names."""
        fixed: list[str] = []
        self._resources(page.get("/Resources"), fixed, 0)
        return fixed

    def _resources(self, resources: Any, fixed: list[str], depth: int) -> None:
        resources = _resolve(resources)
        if not isinstance(resources, DictionaryObject) or depth > 16:
            return
        for ref in (_resolve(resources.get("/Font")) or {}).values():
            font = _resolve(ref)
            if isinstance(font, DictionaryObject) and id(font) not in self._seen:
                self._seen.add(id(font))
                name = self._fix(font)
                if name is not None:
                    fixed.append(name)
        for ref in (_resolve(resources.get("/XObject")) or {}).values():
            form = _resolve(ref)
            is_form = isinstance(form, StreamObject) and form.get("/Subtype") == "/Form"
            if is_form and id(form) not in self._seen:
                self._seen.add(id(form))
                self._resources(form.get("/Resources"), fixed, depth + 1)

    def _fix(self, font: DictionaryObject) -> str | None:
        name = str(font.get("/BaseFont", "")).lstrip("/")
        if font.get("/Subtype") not in ("/Type1", "/TrueType") or name not in SUBSTITUTES:
            return None
        descriptor = _resolve(font.get("/FontDescriptor"))
        if isinstance(descriptor, DictionaryObject) and any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            return None
        path = substitute(name, self._dir)
        if path is None:
            return None
        metrics = CORE_FONT_METRICS[name]
        chars = _encoding(font)
        if "/Widths" not in font:
            default = metrics.character_widths.get("default", 0)
            widths = [
                metrics.character_widths.get(chars[code], default)
                if chars[code] not in ("", "\x00")
                else 0
                for code in range(_FIRST, _LAST + 1)
            ]
            font[NameObject("/FirstChar")] = NumberObject(_FIRST)
            font[NameObject("/LastChar")] = NumberObject(_LAST)
            font[NameObject("/Widths")] = ArrayObject(NumberObject(int(w)) for w in widths)
        font[NameObject("/Encoding")] = _truetype_encoding(font.get("/Encoding"))
        ps_name = NameObject("/" + SUBSTITUTES[name][1])
        font[NameObject("/Subtype")] = NameObject("/TrueType")
        font[NameObject("/BaseFont")] = ps_name
        d = metrics.font_descriptor
        flags = _NONSYMBOLIC | (_ITALIC if d.italic_angle else 0)
        fresh = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/FontDescriptor"),
                NameObject("/FontName"): ps_name,
                NameObject("/Flags"): NumberObject(flags),
                NameObject("/FontBBox"): ArrayObject(FloatObject(v) for v in d.bbox),
                NameObject("/ItalicAngle"): FloatObject(d.italic_angle),
                NameObject("/Ascent"): FloatObject(d.ascent),
                NameObject("/Descent"): FloatObject(d.descent),
                NameObject("/CapHeight"): FloatObject(d.cap_height),
                NameObject("/StemV"): NumberObject(80),
                NameObject("/FontFile2"): self._file(path),
            }
        )
        font[NameObject("/FontDescriptor")] = self._writer._add_object(fresh)
        return name

    def _file(self, path: Path) -> IndirectObject:
        if path.name not in self._files:
            data = path.read_bytes()
            stream = StreamObject()
            stream.set_data(data)
            stream[NameObject("/Length1")] = NumberObject(len(data))
            self._files[path.name] = self._writer._add_object(stream.flate_encode())
        return self._files[path.name]


def _encoding(font: DictionaryObject) -> list[str]:
    """The character each code shows: base encoding (Standard if none) plus /Differences."""
    encoding = _resolve(font.get("/Encoding"))
    base = encoding if isinstance(encoding, NameObject) else None
    if isinstance(encoding, DictionaryObject):
        base = encoding.get("/BaseEncoding")
    chars = list(_win_encoding if base == "/WinAnsiEncoding" else _std_encoding)
    if isinstance(encoding, DictionaryObject):
        code = 0
        for item in _resolve(encoding.get("/Differences")) or ():
            item = _resolve(item)
            if isinstance(item, NameObject):
                if 0 <= code < 256:
                    chars[code] = adobe_glyphs.get(str(item), "")
                code += 1
            else:
                code = int(item)
    return chars


def _truetype_encoding(encoding: Any) -> Any:
    """The same code-to-glyph mapping, spelled as TrueType allows (WinAnsi + Differences)."""
    encoding = _resolve(encoding)
    if encoding in ("/WinAnsiEncoding", "/MacRomanEncoding"):
        return encoding
    if isinstance(encoding, DictionaryObject) and encoding.get("/BaseEncoding") in (
        "/WinAnsiEncoding",
        "/MacRomanEncoding",
    ):
        return encoding
    own: dict[int, Any] = {}
    if isinstance(encoding, DictionaryObject):
        code = 0
        for item in _resolve(encoding.get("/Differences")) or ():
            item = _resolve(item)
            if isinstance(item, NameObject):
                own[code] = item
                code += 1
            else:
                code = int(item)
    differences = ArrayObject()
    for code in range(256):
        if code in own:
            glyph = own[code]
        elif _std_encoding[code] != _win_encoding[code]:
            char = _std_encoding[code]
            name = _GLYPH_NAMES.get(char)
            glyph = NameObject(name) if name and char != "\x00" else NameObject("/.notdef")
        else:
            continue
        differences.extend([NumberObject(code), glyph])
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Encoding"),
            NameObject("/BaseEncoding"): NameObject("/WinAnsiEncoding"),
            NameObject("/Differences"): differences,
        }
    )
