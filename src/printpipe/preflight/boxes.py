"""Page boxes: presence, nesting, bleed on every side, trim size and uniform size."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from printpipe.preflight.pdfobjects import (
    _BROKEN,
    _why,
)
from printpipe.preflight.profiles import (
    MM,
    PreflightProfile,
)
from printpipe.preflight.report import (
    _Findings,
)

_BOX_TOLERANCE = 0.01  # pt: boxes written from mm values round differently
_SIZE_TOLERANCE = 0.5  # pt: trim size comparison


_Box = tuple[float, float, float, float]


class _BadBox(ValueError):
    """A page box that is not four numbers, named the way a user can act on."""


def _box(page: Any, key: str) -> _Box | None:
    value = page.get(key)
    if value is None:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value.get_object())
    except (*_BROKEN, ValueError) as exc:
        raise _BadBox(f"no usable page size: its {key[1:]} is not four numbers") from exc
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
        except _BadBox as exc:
            out.add("error", "file.broken", str(exc), number)
            continue
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
