"""Spot colours in supplied pages, converted to process colour through their alternate space.

A designer's PANTONE band would come out of the press as a fifth plate nobody ordered.  With
``spot_colours: convert`` every colour set in a Separation or DeviceN space (``cs``/``CS`` then
``sc``/``scn``) is replaced by the colour its tint transform gives in the alternate space,
written with the plain operator of that space (``k``/``K``, ``g``/``G``; ``rg``/``RG`` for the
RGB targets).  That is what a RIP shows for the spot on a proof, and what ISO 32000 defines as
the spot's process equivalent.

Tint transforms of Type 2 (exponential), Type 4 (PostScript calculator) and one-input Type 0
(sampled) functions are evaluated here.  What this cannot convert — a spot colour in an image,
a shading or an inline image, an alternate space the target cannot take, another function
type — is an error naming the file and the page, never a silent fifth plate.  Only files that
asked for it are parsed: other supplied pages stay byte for byte as they came.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from printpipe.errors import BadInputFileError
from printpipe.model import SuppliedPdf

Tint = Callable[[Sequence[float]], list[float]]


@dataclass(frozen=True)
class _Spot:
    """A Separation or DeviceN space: its colourants, alternate space and tint transform."""

    label: str
    alternate: str
    inputs: int
    transform: Tint


_PROCESS = {"/DeviceCMYK": 4, "/DeviceGray": 1, "/DeviceRGB": 3}
_FILL_OPS = {1: b"g", 3: b"rg", 4: b"k"}


class CannotConvert(Exception):
    """A spot colour use this module cannot turn into process colour."""


def convert_page(page: PageObject, pdf: SuppliedPdf, number: int, colour: str) -> list[str]:
    """Replace every spot colour set on ``page`` (and in its forms); returns the names converted.

    ``colour`` is the target's ("cmyk" or "rgb"): an RGB alternate cannot become press CMYK
    without the profile, and a CMYK alternate becomes RGB for the screen and archive files.
    """
    converted: list[str] = []
    try:
        _Converter(colour, converted).page(page)
    except CannotConvert as why:
        raise BadInputFileError(
            f"{pdf.label} page {number}: {why}",
            location=pdf.location,
            hint="export the file with spot colours converted to process, or set "
            "'spot_colours: keep' to print them on their own plates",
        ) from None
    return sorted(set(converted))


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, PdfObject) else obj


class _Converter:
    def __init__(self, colour: str, converted: list[str]) -> None:
        self.colour = colour
        self.converted = converted
        self._done: set[int] = set()

    def page(self, page: PageObject) -> None:
        contents = page.get_contents()
        if contents is None:
            return
        resources = _resolve(page.get("/Resources")) or DictionaryObject()
        data = self._stream(contents, resources)
        if data is not None:
            fresh = ContentStream(None, None)
            fresh.set_data(data)
            page.replace_contents(fresh)
        self._forms(resources)

    def _forms(self, resources: Any) -> None:
        for ref in (_resolve(resources.get("/XObject")) or {}).values():
            form = _resolve(ref)
            if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form":
                if isinstance(form, StreamObject) and self._spot_image(form, resources):
                    raise CannotConvert("an image uses a spot colour space")
                continue
            key = ref.idnum if isinstance(ref, IndirectObject) else id(form)
            if key in self._done:
                continue
            self._done.add(key)
            own = _resolve(form.get("/Resources")) or resources
            data = self._stream(form, own)
            if data is not None:
                form.set_data(data)
            self._forms(own)

    def _spot_image(self, image: StreamObject, resources: Any) -> bool:
        return self._space(image.get("/ColorSpace"), resources) is not None

    def _space(self, cs: Any, resources: Any) -> _Spot | None:
        """The spot colour space ``cs`` names or is, else None."""
        if isinstance(cs, NameObject) and cs not in _PROCESS and cs != "/Pattern":
            cs = (_resolve(resources.get("/ColorSpace")) or {}).get(cs)
        cs = _resolve(cs)
        if not isinstance(cs, ArrayObject) or len(cs) < 4:
            return None
        family = str(cs[0])
        if family not in ("/Separation", "/DeviceN"):
            return None
        names = [cs[1]] if family == "/Separation" else list(_resolve(cs[1]))
        label = ", ".join(str(n)[1:] for n in names)
        alternate = _resolve(cs[2])
        if isinstance(alternate, ArrayObject) and alternate and alternate[0] == "/ICCBased":
            n = int(_resolve(alternate[1]).get("/N", 0))
            alternate = NameObject({1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}.get(n, ""))
        if str(alternate) not in _PROCESS:
            raise CannotConvert(f"spot colour {label} has the alternate space {alternate}")
        return _Spot(label, str(alternate), len(names), _function(_resolve(cs[3])))

    def _stream(self, stream: Any, resources: Any) -> bytes | None:
        """The stream's content with spot colours replaced, or None if it has none."""
        operations = ContentStream(stream, None).operations
        changed = False
        fill: _Spot | None = None
        stroke: _Spot | None = None
        stack: list[tuple[Any, Any]] = []
        out: list[tuple[Any, bytes]] = []
        for operands, op in operations:
            if op == b"q":
                stack.append((fill, stroke))
            elif op == b"Q" and stack:
                fill, stroke = stack.pop()
            elif op in (b"cs", b"CS"):
                space = self._space(operands[0], resources) if operands else None
                if op == b"cs":
                    fill = space
                else:
                    stroke = space
                if space is not None:
                    changed = True
                    out.append(self._set(space, [1.0] * space.inputs, stroke=op == b"CS"))
                    continue
            elif op in (b"sc", b"scn", b"SC", b"SCN"):
                space = fill if op in (b"sc", b"scn") else stroke
                if space is not None:
                    changed = True
                    tints = [float(v) for v in operands]
                    out.append(self._set(space, tints, stroke=op in (b"SC", b"SCN")))
                    continue
            elif op == b"sh":
                shading = (_resolve(resources.get("/Shading")) or {}).get(operands[0])
                if self._space(_resolve(shading).get("/ColorSpace"), resources) is not None:
                    raise CannotConvert("a shading uses a spot colour space")
            elif op == b"INLINE IMAGE":
                settings = operands["settings"]
                cs = settings.get("/CS", settings.get("/ColorSpace"))
                if cs is not None and self._space(cs, resources) is not None:
                    raise CannotConvert("an inline image uses a spot colour space")
            out.append((operands, op))
        if not changed:
            return None
        fresh = ContentStream(None, None)
        fresh.operations = out
        return fresh.get_data()

    def _set(self, space: _Spot, tints: list[float], *, stroke: bool) -> tuple[list[Any], bytes]:
        label, alternate = space.label, space.alternate
        values = [min(1.0, max(0.0, v)) for v in space.transform(tints)]
        if self.colour == "rgb" and alternate == "/DeviceCMYK":
            c, m, y, k = values
            values = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
        elif self.colour == "cmyk" and alternate == "/DeviceRGB":
            raise CannotConvert(f"spot colour {label} has an RGB alternate (press needs CMYK)")
        self.converted.append(label)
        op = _FILL_OPS[len(values)]
        numbers = [
            NumberObject(int(v)) if float(v).is_integer() else FloatObject(round(v, 5))
            for v in values
        ]
        return numbers, op.upper() if stroke else op


# --- tint transforms -----------------------------------------------------------------------------


def _function(fn: Any) -> Tint:
    kind = int(fn.get("/FunctionType", -1)) if isinstance(fn, DictionaryObject) else -1
    if kind == 2:
        c0 = [float(v) for v in fn.get("/C0", [0.0])]
        c1 = [float(v) for v in fn.get("/C1", [1.0])]
        n = float(fn["/N"])
        return lambda x: [a + (x[0] ** n) * (b - a) for a, b in zip(c0, c1, strict=True)]
    if kind == 4 and isinstance(fn, StreamObject):
        program = fn.get_data().decode("latin-1")
        return lambda x: _postscript(program, list(x))
    domain: Any = fn.get("/Domain") if kind == 0 else None
    if kind == 0 and isinstance(fn, StreamObject) and domain is not None and len(domain) == 2:
        return _sampled(fn)
    raise CannotConvert(f"a tint transform of function type {kind} is not supported here")


def _sampled(fn: Any) -> Tint:
    """A one-input sampled function (Type 0), linearly interpolated."""
    size = int(fn["/Size"][0])
    bits = int(fn["/BitsPerSample"])
    out_range = [float(v) for v in fn["/Range"]]
    outputs = len(out_range) // 2
    data = fn.get_data()
    if bits == 8:
        samples = list(data)
    elif bits == 16:
        samples = list(struct.unpack(f">{len(data) // 2}H", data[: len(data) // 2 * 2]))
    else:
        raise CannotConvert(f"a sampled tint transform with {bits} bits is not supported here")
    top = (1 << bits) - 1
    d0, d1 = (float(v) for v in fn["/Domain"])
    e0, e1 = (float(v) for v in fn.get("/Encode", [0, size - 1]))
    decode = [float(v) for v in fn.get("/Decode", out_range)]

    def value(index: int, j: int) -> float:
        raw = samples[min(index, size - 1) * outputs + j] / top
        return decode[2 * j] + raw * (decode[2 * j + 1] - decode[2 * j])

    def transform(x: Sequence[float]) -> list[float]:
        t = min(max(x[0], d0), d1)
        e = e0 + (t - d0) * (e1 - e0) / (d1 - d0 or 1.0)
        e = min(max(e, 0.0), size - 1.0)
        low = math.floor(e)
        frac = e - low
        return [value(low, j) * (1 - frac) + value(low + 1, j) * frac for j in range(outputs)]

    return transform


_BINARY: dict[str, Callable[[float, float], float]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b if b else 0.0,
    "max": max,
    "min": min,
    "exp": lambda a, b: a**b,
}
_UNARY: dict[str, Callable[[float], float]] = {
    "neg": lambda a: -a,
    "abs": abs,
    "sqrt": lambda a: math.sqrt(max(a, 0.0)),
    "floor": math.floor,
    "ceiling": math.ceil,
    "round": round,
    "truncate": math.trunc,
    "cvr": float,
    "cvi": int,
}


def _postscript(program: str, stack: list[float]) -> list[float]:
    """Run a PostScript calculator function (ISO 32000 7.10.5) without conditionals."""
    tokens = program.replace("{", " { ").replace("}", " } ").split()
    if any(t in ("if", "ifelse") for t in tokens):
        raise CannotConvert("a tint transform with conditionals is not supported here")
    for token in tokens:
        if token in ("{", "}"):
            continue
        if token in _BINARY:
            b, a = stack.pop(), stack.pop()
            stack.append(_BINARY[token](a, b))
        elif token in _UNARY:
            stack.append(float(_UNARY[token](stack.pop())))
        elif token == "dup":
            stack.append(stack[-1])
        elif token == "pop":
            stack.pop()
        elif token == "exch":
            stack[-1], stack[-2] = stack[-2], stack[-1]
        elif token == "index":
            stack.append(stack[-1 - int(stack.pop())])
        elif token == "copy":
            n = int(stack.pop())
            stack.extend(stack[-n:] if n else [])
        elif token == "roll":
            j, n = int(stack.pop()), int(stack.pop())
            if n:
                part = stack[-n:]
                j %= n
                stack[-n:] = part[-j:] + part[:-j] if j else part
        else:
            try:
                stack.append(float(token))
            except ValueError:
                raise CannotConvert(f"a tint transform uses '{token}'") from None
    return stack
