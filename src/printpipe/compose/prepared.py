"""Prepared JPEGs enter the composed body as placeholders, never as pixels.

ReportLab embeds a JPEG by reading the whole file into its document and joins every object
into one byte string at ``save()``; 150 camera photos at press resolution made composition
alone hold 0.8 GB.  A placeholder is the image XObject ReportLab would write (the same
``/Width``, ``/Height``, ``/BitsPerComponent``, ``/ColorSpace``, ``/Decode`` and
``/Filter``, read from the JPEG's header) with an empty stream and two private keys naming
the prepared file and its length.  After assembly, :mod:`printpipe.imagefill` swaps each
placeholder for a stream that copies the file into the output while it is written, and drops
the private keys, so the written file is byte for byte what embedding the pixels made.

Only JPEGs pass through ReportLab unchanged; a PNG with transparency is decoded and
re-encoded by ReportLab (with its soft mask), so it is still embedded as before (those are
signatures and logos, small by nature).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from reportlab.lib.utils import _digester
from reportlab.pdfbase import pdfdoc, pdfutils

from printpipe.images import PLACEHOLDER_FILE, PLACEHOLDER_LENGTH

_SPACES = {1: "DeviceGray", 3: "DeviceRGB", 4: "DeviceCMYK"}


class ImagePath(str):
    """A file path whose text form, as ReportLab sees it, is just the file's name.

    ReportLab names an image XObject after a digest of the *path string* it was given; the
    prepared images live in a cache whose absolute path differs between clones, so the same
    edition built in two folders would differ in bytes.  The cache names files by content
    hash, so the bare name is stable and unique; ``open()`` still gets the real path.
    """

    def __str__(self) -> str:
        return os.path.basename(self)


class PlaceholderXObject(pdfdoc.PDFImageXObject):
    """ReportLab's image XObject for a JPEG, with an empty stream naming the file instead."""

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(name)  # ReportLab's canned image; every field is replaced below
        with path.open("rb") as handle:
            width, height, components, _dpi = pdfutils.readJPEGInfo(handle)
            handle.seek(0, os.SEEK_END)
            self.length = handle.tell()
        if components not in _SPACES:
            raise ValueError(f"{path.name}: a JPEG with {components} components")
        self.width, self.height = width, height
        self.bitsPerComponent = 8
        self.colorSpace = _SPACES[components]
        self._dotrans = int(components == 4)  # ReportLab's Adobe-inverted CMYK /Decode
        self._filters = ("DCTDecode",)
        self.streamContent = b""
        self.mask = None
        self.file_name = path.name

    def format(self, document: Any) -> bytes:
        """ReportLab's ``PDFImageXObject.format`` for a JPEG, plus the two private keys."""
        stream = pdfdoc.PDFStream(content=b"")
        entries = stream.dictionary
        entries["Type"] = pdfdoc.PDFName("XObject")
        entries["Subtype"] = pdfdoc.PDFName("Image")
        entries["Width"] = self.width
        entries["Height"] = self.height
        entries["BitsPerComponent"] = self.bitsPerComponent
        entries["ColorSpace"] = pdfdoc.PDFName(self.colorSpace)
        if self._dotrans:
            entries["Decode"] = pdfdoc.PDFArray([1, 0, 1, 0, 1, 0, 1, 0])
        entries["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(f) for f in self._filters])
        entries["Length"] = 0
        entries[PLACEHOLDER_FILE] = pdfdoc.PDFString(self.file_name)
        entries[PLACEHOLDER_LENGTH] = self.length
        return bytes(stream.format(document))


def draw_prepared(
    canvas: Any, path: Path, x: float, y: float, width: float, height: float, alpha: bool
) -> None:
    """Draw a prepared image; a JPEG is registered as a placeholder before ReportLab sees it.

    ``canvas.drawImage`` reuses an XObject already registered under the name it derives from
    the path string and mask, so registering the placeholder under that name first is all it
    takes; ReportLab then only writes the ``Do`` operator.
    """
    image = ImagePath(path)
    mask = "auto" if alpha else None
    if not alpha and path.suffix.lower() in (".jpg", ".jpeg"):
        name = str(_digester(f"{image}{mask}".encode()))  # as canvas.drawImage names it
        registered = canvas._doc.getXObjectName(name)
        if canvas._doc.idToObject.get(registered) is None:
            placeholder = PlaceholderXObject(name, path)
            canvas._setXObjects(placeholder)
            canvas._doc.Reference(placeholder, registered)
            canvas._doc.addForm(name, placeholder)
    canvas.drawImage(image, x, y, width, height, mask=mask)
