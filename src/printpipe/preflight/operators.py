"""Content-stream operators for the scanner, parsed by qpdf (pikepdf) with pypdf as the referee.

Parsing content streams was the costliest part of a preflight: pypdf's pure-Python parser took
19 of 58 s of a cold screen build of a 600-page edition.  qpdf's C++ parser, behind pikepdf and
told which operators to keep, reads the same streams about 9x faster.  Everything else in the
scanner (resources, fonts, images, forms) stays on pypdf objects: only the bytes of a stream go
to qpdf, and its operands come back as the pypdf values the scanner already understands.

Findings must not depend on the parser, so pypdf stays the reference for damage: a stream is
decoded by pypdf (its filters, limits and errors, a decompression bomb included), and any
stream qpdf has a complaint about (a warning, an error, a token it turned into null) is parsed
again by pypdf, which gives exactly the operators, or the error, it always gave; the scanner
does the same when the operators qpdf read make it fail (``_ContentScanner._read``).  qpdf
reads a malformed number (``1.2.3``) silently as an operator of its own where pypdf reads 0, so
an operator with a fixed operand count (:data:`_ARITY`) that arrives with another count sends
the stream to pypdf too; elsewhere that difference touches nothing the scanner looks at.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pikepdf
from pikepdf import ObjectType
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

INLINE_IMAGE = b"INLINE IMAGE"  # pypdf's name for BI ... ID ... EI, and pikepdf's

Operations = list[tuple[Any, bytes]]

# Operand counts of operators that take a fixed number (ISO 32000-2, 8.2 and 9.4); an inline
# image comes as one operand from either parser.
_ARITY = {
    b"q": 0, b"Q": 0, b"cm": 6, b"cs": 1, b"CS": 1, b"sh": 1, b"Do": 1, b"Tf": 2, b"Tj": 1,
    b"TJ": 1, b"'": 1, b'"': 3, b"rg": 3, b"RG": 3, b"k": 4, b"K": 4, b"g": 1, b"G": 1,
    INLINE_IMAGE: 1,
}  # fmt: skip


class QpdfParser:
    """Reads content bytes into ``(operands, operator)`` pairs with qpdf, as pypdf would give them.

    Only the operators in ``wanted`` come back (qpdf drops the others in C++), with operands as
    the scanner knows them from pypdf: names as :class:`NameObject`, numbers as int or float,
    strings as bytes, arrays and dictionaries as pypdf's, and an inline image as
    ``{"settings": {...}}`` (with qpdf, its abbreviations are spelt out: ``/ColorSpace
    /DeviceRGB`` for ``/CS /RGB``).
    """

    def __init__(self, wanted: Iterable[bytes]) -> None:
        self._ops = {op.decode(): op for op in wanted}
        names = sorted(name for name, op in self._ops.items() if op != INLINE_IMAGE)
        if INLINE_IMAGE in self._ops.values():
            names += ["BI", "ID", "EI"]  # how qpdf's filter asks for inline images
        self._filter = " ".join(names)
        self._pdf = pikepdf.Pdf.new()
        self._buffer = pikepdf.Stream(self._pdf, b"")  # rewritten for each stream

    def operations(self, data: bytes) -> Operations | None:
        """The operators qpdf reads in ``data``, or None if qpdf had anything to say about it."""
        self._buffer.write(data)
        seen = len(self._pdf.get_warnings())
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                parsed = pikepdf.parse_content_stream(self._buffer, self._filter)
                result: Operations = []
                for instruction in parsed:
                    operands, op = instruction.operands, self._ops[str(instruction.operator)]
                    if len(operands) != _ARITY.get(op, len(operands)):
                        return None
                    if op == INLINE_IMAGE:
                        result.append(({"settings": _value(operands[0].obj)}, op))
                    else:
                        result.append(([_value(v) for v in operands], op))
        except (pikepdf.PdfError, ValueError, TypeError, KeyError, UnicodeError, _Damaged):
            return None
        if caught or len(self._pdf.get_warnings()) != seen:
            return None
        return result


class _Damaged(Exception):
    """An operand no valid stream has (qpdf reads a token it cannot make sense of as null)."""


def _value(obj: Any) -> Any:
    """A pikepdf operand as the pypdf value the scanner expects."""
    kind = type(obj)
    if kind is int or kind is bool:
        return obj
    if kind is Decimal:
        return float(obj)
    code = getattr(obj, "_type_code", None)  # None: qpdf's null for a token it could not read
    if code == ObjectType.name_:
        return NameObject(str(obj))
    if code == ObjectType.string:
        return bytes(obj)
    if code == ObjectType.array:
        return ArrayObject(_value(v) for v in obj)
    if code == ObjectType.dictionary:
        return DictionaryObject({NameObject(k): _value(v) for k, v in obj.items()})
    raise _Damaged  # null, or an operator or stream among operands: no valid stream has them
