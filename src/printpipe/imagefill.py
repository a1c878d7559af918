"""Prepared photos go from the image cache into the output file while it is written.

The composed body carries a placeholder for every prepared JPEG (:mod:`printpipe.compose.
prepared`): the image dictionary the output needs, an empty stream and two private keys naming
the cache file and its length.  :func:`fill_prepared_images` swaps each placeholder in the
merged writer for a :class:`FileStream`, whose dictionary is the placeholder's without the
private keys and whose bytes stay on disk until pypdf writes the object, when they are copied
into the output in chunks.  So neither ReportLab nor pypdf ever holds the pixels, and the peak
memory of a build does not grow with the number or size of its photos.

The written bytes are the same as embedding the file: pypdf writes a stream as its dictionary
with ``/Length`` last, ``stream``, the bytes and ``endstream``, and so does ``FileStream``.
Finishing's duplicate search hashes the file's name (a digest of how it was made) and length
instead of its content, and the document ``/ID`` is computed from page content only, so
neither reads the photos either.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, EncodedStreamObject, NameObject, NumberObject

from printpipe.errors import OutputError
from printpipe.images import PLACEHOLDER_FILE, PLACEHOLDER_LENGTH
from printpipe.preflight.pdfobjects import DataOnDemand

_FILE = NameObject(f"/{PLACEHOLDER_FILE}")
_LENGTH = NameObject(f"/{PLACEHOLDER_LENGTH}")
_CHUNK = 1 << 20


class FileStream(DataOnDemand):
    """An encoded stream whose bytes are a file's, read only when the stream is written.

    Anything that asks for the data (``get_data``, ``_data``) still gets it, read afresh and
    not kept.  A stream whose data is set becomes an ordinary in-memory stream.
    """

    def __init__(self, path: Path | None = None, length: int = 0) -> None:
        super().__init__()
        self.path = path
        self.length = length

    def fetch(self) -> bytes:
        return _read(self.path, self.length) if self.path is not None else b""

    def hash_bin(self) -> int:
        if self._held is not None or self.path is None:
            return super().hash_bin()
        return hash((DictionaryObject.hash_bin(self), self.path.name, self.length))

    def hash_value_data(self) -> bytes:
        """The dictionary and the file's name and length: the cache names files by digest."""
        if self._held is not None or self.path is None:
            return super().hash_value_data()
        name = f"{self.path.name}:{self.length}".encode()
        return DictionaryObject.hash_value_data(self) + name

    def write_to_stream(self, stream: Any, *args: Any) -> None:
        """What ``StreamObject.write_to_stream`` writes, with the bytes copied from the file."""
        if self._held is not None or self.path is None:
            super().write_to_stream(stream, *args)
            return
        self[NameObject("/Length")] = NumberObject(self.length)
        DictionaryObject.write_to_stream(self, stream)
        del self[NameObject("/Length")]
        stream.write(b"\nstream\n")
        try:
            with self.path.open("rb") as handle:
                start = stream.tell()
                shutil.copyfileobj(handle, stream, _CHUNK)
                copied = stream.tell() - start
        except OSError as error:
            raise _changed(self.path, f"it cannot be read ({error.strerror or error})") from None
        if copied != self.length:
            raise _changed(self.path, f"it has {copied} bytes, not {self.length}")
        stream.write(b"\nendstream")


def fill_prepared_images(writer: PdfWriter, files: Mapping[str, Path]) -> int:
    """Replace every placeholder in ``writer`` by a stream of its prepared file.

    ``files`` maps a prepared file's name to its path (the build's prepared images).  Returns
    how many placeholders were filled.  A file that is missing or no longer has the length the
    body recorded (someone cleared the cache during the build) is an :class:`OutputError`.
    """
    filled = 0
    objects = writer._objects
    for index, obj in enumerate(objects):
        if not isinstance(obj, EncodedStreamObject) or _FILE not in obj:
            continue
        name, length = str(obj[_FILE]), int(cast(int, obj[_LENGTH]))
        path = files.get(name)
        if path is None:
            raise _changed(Path(name), "the build did not prepare it")
        try:
            size = path.stat().st_size
        except OSError as error:
            raise _changed(path, f"it cannot be read ({error.strerror or error})") from None
        if size != length:
            raise _changed(path, f"it has {size} bytes, not {length}")
        stream = FileStream(path, length)
        for key, value in obj.items():
            if key not in (_FILE, _LENGTH, "/Length"):
                stream[key] = value
        stream.indirect_reference = obj.indirect_reference
        objects[index] = stream
        filled += 1
    return filled


def _read(path: Path, length: int) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _changed(path, f"it cannot be read ({error.strerror or error})") from None
    if len(data) != length:
        raise _changed(path, f"it has {len(data)} bytes, not {length}")
    return data


def _changed(path: Path, why: str) -> OutputError:
    return OutputError(
        f"the prepared image {path.name} changed during the build: {why}",
        hint="build again (another process may have cleared build/.cache/images)",
    )
