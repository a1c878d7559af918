"""Reading PDF objects defensively: references, identities, annotations, damage.

Shared by every checker: a damaged file raises builtins as well as pypdf's errors, and
direct objects are identified by ``id()`` so callers keep them alive while scanning.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from pypdf.errors import PyPdfError
from pypdf.generic import EncodedStreamObject, PdfObject, StreamObject

_MAX_DEPTH = 24  # nesting of forms; deeper is a broken or hostile file

# PyPDF raises its own errors for most damage, but decoding and lookups in a damaged file end in
# the builtins too, and in its internal asserts (an object reference "1 0 R" inside a content
# stream trips one); a page that fails is reported as file.broken, never skipped silently.
_BROKEN = (
    PyPdfError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    AssertionError,
    zlib.error,
)


def _why(exc: BaseException) -> str:
    if isinstance(exc, AssertionError):  # pypdf's asserts say "mypy", nothing for a reader
        return "data pypdf cannot read"
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _annotations(page: Any) -> Iterator[Any]:
    for annot in _resolve(page.get("/Annots")) or ():
        annot = _resolve(annot)
        if isinstance(annot, dict):
            yield annot


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


class DataOnDemand(EncodedStreamObject):
    """A stream whose bytes stay where they are (a file) until something asks for them.

    Asked for (``_data``, ``get_data``), the bytes are fetched afresh by :meth:`fetch` and not
    kept, nor is pypdf's decoded copy; bytes that are set are held like any stream's.  Both a
    photo on its way into the output and an image preflight reads back use it, so neither
    stage holds the photos of a file.
    """

    def __init__(self) -> None:
        self._held: bytes | None = None
        super().__init__()

    def fetch(self) -> bytes:
        """The stream's bytes, read again from where they are."""
        raise NotImplementedError

    @property
    def _data(self) -> bytes:
        return self._held if self._held is not None else self.fetch()

    @_data.setter
    def _data(self, data: bytes) -> None:
        self._held = data

    def get_data(self) -> bytes:
        """The decoded data, without keeping a decoded copy in the object (pypdf would)."""
        data = super().get_data()
        self.decoded_self = None
        return data
