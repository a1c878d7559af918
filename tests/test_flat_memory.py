"""Photos go from the image cache into the output file: memory does not grow with them.

The composed body holds a placeholder per prepared JPEG and the writer copies the cache file
into the output while writing (compose/prepared.py, imagefill.py); preflight keeps no image
data.  These tests check the bytes that land (every image is its cache file, byte for byte;
the file is the one embedding the pixels through ReportLab wrote) and that the peak memory
of a warm build does not grow with the number of photos.
"""

from __future__ import annotations

import textwrap
import tracemalloc
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from tests.conftest import photo

from printpipe.compose import flowables
from printpipe.compose.prepared import ImagePath
from printpipe.pipeline import BuildOptions, build
from printpipe.preflight import document


def _edition(project: Path, name: str, photos: int, bleed: bool = False) -> Path:
    """An edition of one short section and ``photos`` camera-like photos, each in a column."""
    folder = project / "editions" / name
    (folder / "photos").mkdir(parents=True)
    (folder / "one.md").write_text("# One\n\nSome text about the year.\n", encoding="utf-8")
    parts = ["  - section: one.md"]
    for index in range(photos):
        photo(folder / "photos" / f"p{index}.jpg", (1800, 1200), (40 * index % 255, 90, 160))
        parts.append(f"  - photo: {{file: photos/p{index}.jpg, placement: column}}")
    if bleed:
        photo(folder / "photos" / "bleed.jpg", (2400, 3400), (20, 160, 60))
        parts.append("  - photo: {file: photos/bleed.jpg, placement: full-bleed}")
    yaml = f"""\
        title: "Photos"
        organisation: "Org"
        year: 2019
        slug: {name}
        layout: house
        parts:
        """
    text = textwrap.dedent(yaml) + "\n".join(parts) + "\n"
    (folder / "edition.yaml").write_text(text, encoding="utf-8")
    return folder


def _build(edition: Path, out: Path, target: str = "press") -> Path:
    result = build(edition, BuildOptions(targets=(target,), out_dir=out, workers=1))
    return result.results[0].path


def _cache(project: Path) -> dict[bytes, Path]:
    return {p.read_bytes(): p for p in (project / "build" / ".cache" / "images").glob("*.jpg")}


@pytest.mark.parametrize("target", ["press", "screen"])
def test_every_photo_is_its_cache_file_byte_for_byte(
    project: Path, tmp_path: Path, target: str
) -> None:
    pdf = _build(_edition(project, "e", 3, bleed=True), tmp_path / "out", target)
    cached = _cache(project)
    with pikepdf.open(pdf) as document_:
        images = [
            o
            for o in document_.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]
        found = {bytes(image.read_raw_bytes()) for image in images}
        # The dictionaries are what a JPEG needs and nothing private is left behind.
        for image in images:
            assert image.Filter == pikepdf.Array([pikepdf.Name.DCTDecode])
            assert int(image.Length) == len(image.read_raw_bytes())
            assert set(image.keys()) <= {
                "/Type", "/Subtype", "/Width", "/Height", "/BitsPerComponent",
                "/ColorSpace", "/Decode", "/Filter", "/Length",
            }  # fmt: skip
    assert len(images) == 4
    assert found <= set(cached), "an image in the output is not a prepared file"
    assert b"Printpipe" not in pdf.read_bytes()


def _embed_pixels(canvas: Any, path: Path, x: float, y: float, w: float, h: float, alpha: bool):
    """How images were drawn before placeholders: ReportLab reads the whole file."""
    canvas.drawImage(ImagePath(path), x, y, w, h, mask="auto" if alpha else None)


def test_the_file_is_the_one_embedding_the_pixels_wrote(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition = _edition(project, "e", 2, bleed=True)
    streamed = _build(edition, tmp_path / "streamed").read_bytes()
    monkeypatch.setattr(flowables, "draw_prepared", _embed_pixels)
    embedded = _build(edition, tmp_path / "embedded").read_bytes()
    assert streamed == embedded


def _peak_mb(edition: Path, out: Path) -> float:
    """Peak traced Python memory of a warm press build (the cache holds every photo)."""
    _build(edition, out / "warm")
    tracemalloc.start()
    try:
        _build(edition, out / "traced")
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_photos(project: Path, tmp_path: Path) -> None:
    few = _peak_mb(_edition(project, "few", 1), tmp_path / "few")
    many = _peak_mb(_edition(project, "many", 7), tmp_path / "many")
    sizes = sorted(len(data) / 2**20 for data in _cache(project))
    extra = sum(sizes) - 2 * sizes[-1]  # the six more photos, at the least
    # A build that held its photos (ReportLab, the composed body, pypdf's reader and writer)
    # grew by several times their size; one that streams them holds one at a time.
    assert extra > 2
    assert many - few < 0.25 * extra, (few, many, extra)


def test_preflight_keeps_no_image_data_and_still_reads_it_on_demand(
    project: Path, tmp_path: Path
) -> None:
    pdf = _build(_edition(project, "e", 2), tmp_path / "out")
    reader = document._open(pdf, "e.pdf", None)
    try:
        for page in reader.pages:
            for xobject in page["/Resources"].get("/XObject", {}).values():
                xobject.get_object()["/Width"]  # read the dictionary, as the checks do
        cached = [
            obj
            for obj in reader.resolved_objects.values()
            if isinstance(obj, document._ImageDictionary)
        ]
        assert len(cached) == 2 and all(obj._held is None for obj in cached)
        data = {cached_obj._data for cached_obj in cached}
    finally:
        reader.stream.close()
    with pikepdf.open(pdf) as written:
        images = [o for o in written.objects if isinstance(o, pikepdf.Stream) and o.get("/Width")]
        assert data == {bytes(image.read_raw_bytes()) for image in images}
