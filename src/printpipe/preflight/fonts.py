"""Fonts: every font a page can reach is embedded (and not Type 3 where that is forbidden)."""

from __future__ import annotations

from typing import Any

from printpipe.preflight.pdfobjects import (
    _MAX_DEPTH,
    _annotations,
    _appearances,
    _embedded,
    _font_name,
    _forms_in,
    _key,
    _resolve,
)
from printpipe.preflight.profiles import (
    PreflightProfile,
)
from printpipe.preflight.report import (
    _Findings,
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
        if name in _STANDARD_14:
            message = f"font {name} is not embedded (a standard 14 font: it must be embedded too)"
            return [("error", "fonts.standard-14", message)]
        return [("error", "fonts.embedded", f"font {name} is not embedded")]
