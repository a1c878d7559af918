"""A small edition through the whole pipeline: boxes, fonts, text, determinism, atomicity."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader
from tests.conftest import MakeEdition, run_build

from printpipe.errors import ExitCode, PrintpipeError

MM = 72 / 25.4


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """BaseFont -> embedded?, over every page's fonts (descendants included)."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            for each in fonts:
                descriptor = each.get("/FontDescriptor")
                if descriptor is None and each.get("/Subtype") == "/Type0":
                    continue
                descriptor = descriptor.get_object() if descriptor else {}
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(each["/BaseFont"])] = embedded
    return found


def test_press_boxes_fonts_and_text(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    result = run_build(edition, tmp_path / "out")
    (target,) = result.results
    reader = PdfReader(target.path)
    assert len(reader.pages) % 4 == 0
    for page in reader.pages:
        trim = [round(float(v), 2) for v in page.trimbox]
        bleed = [round(float(v), 2) for v in page.bleedbox]
        assert trim == [round(3 * MM, 2), round(3 * MM, 2), round(213 * MM, 2), round(300 * MM, 2)]
        assert bleed == [0, 0, round(216 * MM, 2), round(303 * MM, 2)]
    fonts = _fonts(reader)
    assert fonts and all(fonts.values()), fonts
    assert not any("Helvetica" in name for name in fonts)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "First section",
        "Second section",
        "A subhead",
        "Ada Example",
        "Director",
        "Ben Example",
        "Subscribe to the monitor",
        "Contents",
    ):
        assert expected in text
    assert reader.pdf_header == "%PDF-1.6"


def _lines(page) -> dict[float, str]:
    """Text of a page grouped by baseline (rounded), using pypdf's positioned visitor."""
    lines: dict[float, str] = {}

    def visit(text, cm, tm, font, size) -> None:
        if text.strip():
            y = round(cm[5] + tm[5] * cm[3], 0)
            lines[y] = (lines.get(y, "") + " " + text.strip()).strip()

    page.extract_text(visitor_text=visit)
    return lines


def test_table_of_contents_page_numbers_match(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    result = run_build(edition, tmp_path / "out", "screen")
    reader = PdfReader(result.results[0].path)
    labels = reader.page_labels
    index = next(
        i
        for i, page in enumerate(reader.pages)
        if i > 0 and "Second section" in page.extract_text()
    )
    line = next(text for text in _lines(reader.pages[0]).values() if "Second section" in text)
    folio = [word for word in line.replace("Second section", "").split() if word.strip(".")]
    assert folio == [labels[index]] and labels[index].isdigit()
    assert labels[0] == "i"  # the contents page is front matter


def test_same_inputs_same_bytes(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    first = run_build(edition, tmp_path / "a").results[0].path.read_bytes()
    second = run_build(edition, tmp_path / "b").results[0].path.read_bytes()
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_failed_build_keeps_previous_output(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    out = tmp_path / "out"
    good = run_build(edition, out).results[0].path
    before = good.read_bytes()
    (edition / "photos" / "a.jpg").write_bytes(b"not a jpeg at all")
    with pytest.raises(PrintpipeError) as caught:
        run_build(edition, out)
    assert caught.value.exit_code in (ExitCode.BAD_INPUT_FILE, ExitCode.IMAGE_POLICY)
    assert good.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", good.name]


def test_nothing_but_bleed_art_crosses_the_trim(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    path = run_build(edition, tmp_path / "out").results[0].path
    document = pypdfium2.PdfDocument(str(path))
    bleed_px = 3 * MM * 2  # at 144 dpi (scale 2)
    for index in range(len(document)):
        image = document[index].render(scale=2).to_pil().convert("L")
        width, height = image.size
        strip = int(bleed_px) - 1
        for box in (
            (0, 0, width, strip),
            (0, height - strip, width, height),
            (0, 0, strip, height),
            (width - strip, 0, width, height),
        ):
            assert image.crop(box).getextrema()[0] >= 250, f"page {index + 1} has ink in the bleed"


def test_same_edition_on_the_letter_layout_by_one_line(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    from tests.conftest import BASIC_EDITION

    edition = make_edition(yaml=BASIC_EDITION.replace("layout: house", "layout: letter"))
    reader = PdfReader(run_build(edition, tmp_path / "out").results[0].path)
    bleed = 3 * MM
    for page in reader.pages:
        trim = page.trimbox
        assert round(float(trim.width), 1) == 612.0 and round(float(trim.height), 1) == 792.0
        assert round(float(page.mediabox.width) - float(trim.width), 1) == round(2 * bleed, 1)


def test_full_width_float_never_lands_on_the_bleed_page(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    from tests.conftest import BASIC_EDITION, photo

    yaml = BASIC_EDITION.replace(
        "  - section: sections/two.md\n",
        "  - photo: {file: photos/wide.jpg, caption: Wide, placement: full-width}\n"
        "  - photo: {file: photos/bleed.jpg, caption: Bleed, placement: full-bleed}\n"
        "  - section: sections/two.md\n",
    )
    edition = make_edition(yaml=yaml)
    photo(edition / "photos" / "wide.jpg", (2400, 1200), (30, 120, 200))
    photo(edition / "photos" / "bleed.jpg", (3000, 4000), (20, 160, 60))
    result = run_build(edition, tmp_path / "out")
    reader = PdfReader(result.results[0].path)
    bleed_index = next(i for i, p in enumerate(reader.pages) if "Bleed" in p.extract_text())
    images = reader.pages[bleed_index]["/Resources"]["/XObject"]
    assert len(images) == 1
    assert any("Wide" in p.extract_text() for i, p in enumerate(reader.pages) if i != bleed_index)
    # The photo covers the whole page, bleed included.
    image = pypdfium2.PdfDocument(str(result.results[0].path))[bleed_index].render().to_pil()
    width, height = image.size
    for corner in ((0, 0), (width - 1, height - 1)):
        assert image.convert("RGB").getpixel(corner) != (255, 255, 255)


def test_block_taller_than_the_space_beside_floats_waits_for_the_next_page(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    from tests.conftest import photo

    yaml = BASIC_EDITION_FLOATS
    edition = make_edition(yaml=yaml)
    photo(edition / "photos" / "wide.jpg", (3000, 2400), (30, 120, 200))
    photo(edition / "photos" / "tall.jpg", (2000, 3000), (200, 120, 30))
    result = run_build(edition, tmp_path / "out", "screen")
    reader = PdfReader(result.results[0].path)
    pages = [page.extract_text() for page in reader.pages]
    wide = next(i for i, text in enumerate(pages) if "Wide photo" in text)
    tall = next(i for i, text in enumerate(pages) if "Tall photo" in text)
    assert tall > wide


BASIC_EDITION_FLOATS = """\
title: "Floats"
organisation: "Test Rights Network"
year: 2019
layout: house
parts:
  - section: sections/one.md
  - photo: {file: photos/wide.jpg, caption: "Wide photo", placement: full-width}
  - page_break: true
  - photo: {file: photos/tall.jpg, caption: "Tall photo", placement: column}
  - section: sections/two.md
"""


def test_heading_with_markup_characters_reaches_the_contents(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    """Found by the fuzz test: a heading '& <b>' broke ReportLab's contents list.

    A bare ``<i>`` is HTML (an error since tables came in), so it is escaped with a backslash.
    """
    edition = make_edition(
        files={"sections/two.md": "# Tom &amp; Jerry &lt;b&gt; \\<i>\n\nText.\n"}
    )
    reader = PdfReader(run_build(edition, tmp_path / "out", "screen").results[0].path)
    assert "Tom & Jerry <b> <i>" in reader.pages[0].extract_text()
