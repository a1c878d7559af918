"""The 2019 sample edition's press PDF, checked the way a printer's prepress desk would."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from pypdf import PdfReader
from tests.conftest import ROOT

from printpipe.pipeline import BuildResult

MM = 72 / 25.4
EDITION = ROOT / "editions" / "2019"


def _headings() -> list[str]:
    found = []
    for section in sorted((EDITION / "sections").glob("*.md")):
        for line in section.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                found.append(line[2:].strip())
    return found


def _text(path: Path) -> str:
    reader = PdfReader(path)
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_page_count_is_cover_body_appendix_and_padding(sample_press: BuildResult) -> None:
    (result,) = sample_press.results
    body_pages = len(PdfReader(EDITION / "cover.pdf").pages)
    appendix = len(PdfReader(EDITION / "appendix-accounts.pdf").pages)
    reader = PdfReader(result.path)
    total = len(reader.pages)
    assert total % 4 == 0
    assert total >= body_pages + appendix + 8  # a body of at least 8 pages
    labels = reader.page_labels
    assert labels[:2] == ["C1", "C2"] and labels[-2:] == ["C3", "C4"]
    assert labels.count("A-1") == 1
    assert sum(1 for label in labels if label.startswith("A-")) == appendix


def test_boxes_on_every_page(sample_press: BuildResult) -> None:
    with pikepdf.open(sample_press.results[0].path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            trim = [round(float(v), 1) for v in page.obj.TrimBox]
            bleed = [round(float(v), 1) for v in page.obj.BleedBox]
            media = [round(float(v), 1) for v in page.obj.MediaBox]
            assert trim == [8.5, 8.5, 603.8, 850.4], number
            assert bleed == media == [0.0, 0.0, 612.3, 858.9], number
            assert round((trim[2] - trim[0]) / MM) == 210 and round((trim[3] - trim[1]) / MM) == 297


def test_every_font_embedded_and_uniquely_tagged(sample_press: BuildResult) -> None:
    names: dict[str, bytes] = {}
    with pikepdf.open(sample_press.results[0].path) as pdf:
        for page in pdf.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor")
                assert descriptor is not None and "/FontFile2" in descriptor, font.BaseFont
                program = descriptor.FontFile2.read_bytes()
                name = str(font.BaseFont)
                assert names.setdefault(name, program) == program, f"{name} names two subsets"
    assert not any("Helvetica" in name for name in names)


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdffonts_lists_only_embedded_fonts(sample_press: BuildResult) -> None:
    output = subprocess.run(
        ["pdffonts", str(sample_press.results[0].path)], capture_output=True, text=True, check=True
    ).stdout
    rows = output.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), output


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
def test_qpdf_check_is_clean(sample_press: BuildResult) -> None:
    result = subprocess.run(
        ["qpdf", "--check", str(sample_press.results[0].path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_text_has_headings_signatories_and_callout(sample_press: BuildResult) -> None:
    text = _text(sample_press.results[0].path)
    for heading in _headings():
        assert heading in text, heading
    for expected in (
        "Amara Nwosu-Hale",
        "Executive Director",
        "Rosalind Achterberg",
        "Chair of the Board",
        "Subscribe to the Harbourlight Monitor",
        "Related reports",
        "Audited financial statements",
    ):
        assert expected in text, expected


def _render(path: Path, index: int) -> object:
    document = pypdfium2.PdfDocument(str(path))
    return document[index].render(scale=1).to_pil().convert("RGB")


def _bleed_pages(reader: PdfReader) -> list[int]:
    """Pages that show the lighthouse photo, the sample's full-bleed page.

    And the hills photo: full-width in the edition, it would stand alone on the page before
    "Four defenders" opens on a recto, so the layout gives it the whole page.
    """
    return [
        i
        for i, page in enumerate(reader.pages)
        if "lighthouse on the headland" in page.extract_text()
        or "Highlands where community monitors" in page.extract_text()
    ]


def test_full_bleed_photo_reaches_the_bleed_edge(sample_press: BuildResult) -> None:
    path = sample_press.results[0].path
    reader = PdfReader(path)
    bleed_pages = _bleed_pages(reader)
    assert bleed_pages, "no full-bleed photo page"
    image = _render(path, bleed_pages[0])
    width, height = image.size
    for x, y in ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1), (width // 2, 0)):
        assert image.getpixel((x, y)) != (255, 255, 255), (x, y)


def test_body_pages_keep_the_bleed_clear(sample_press: BuildResult) -> None:
    """Nothing but the bleed photo (and the designer's cover) crosses the trim."""
    path = sample_press.results[0].path
    reader = PdfReader(path)
    body = [
        i
        for i, label in enumerate(reader.page_labels)
        if label.isdigit() or set(label) <= set("ivxlc")
    ]
    checked = 0
    bleed_pages = _bleed_pages(reader)
    assert len(bleed_pages) == 2
    for index in body:
        if index in bleed_pages:
            continue
        image = _render(path, index).convert("L")
        width, height = image.size
        strip = int(3 * MM) - 1
        for box in (
            (0, 0, width, strip),
            (0, height - strip, width, height),
            (0, 0, strip, height),
            (width - strip, 0, width, height),
        ):
            assert image.crop(box).getextrema()[0] >= 250, f"page {index + 1}: ink in the bleed"
        checked += 1
    assert checked >= 8


def test_low_resolution_photo_reported_by_file_page_and_ppi(sample_press: BuildResult) -> None:
    messages = [w.render() for w in sample_press.warnings]
    low = [m for m in messages if "partner-snapshot.jpg" in m]
    assert low and re.search(r"\b2\d\d ppi on page \d+ \(sheet \d+\)", low[0]), messages


def test_images_are_cmyk_and_at_least_300_ppi_except_the_planted_one(
    sample_press: BuildResult,
) -> None:
    report = sample_press.results[0].report
    assert report.images
    for placed in report.images:
        assert placed.colour_space in ("DeviceCMYK", "DeviceGray"), placed
    low = [p for p in report.images if min(p.ppi_x, p.ppi_y) < 299.5]
    assert len(low) == 1 and low[0].width_px == 800


def test_output_intent_and_xmp(sample_press: BuildResult) -> None:
    with pikepdf.open(sample_press.results[0].path) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX"
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 4 and profile.read_bytes()[36:40] == b"acsp"
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert pdf.Root.Metadata.Subtype == "/XML" and pdf.Root.Metadata.Type == "/Metadata"
        assert str(pdf.docinfo["/GTS_PDFXVersion"]) == "PDF/X-4"
        assert str(pdf.docinfo["/Trapped"]) == "/False"
        assert pdf.pdf_version == "1.6"
        assert len(pdf.trailer.ID) == 2
    for page in PdfReader(sample_press.results[0].path).pages:
        assert "/Annots" not in page  # PDF/X: no links inside the bleed


def test_manifest_records_inputs_and_output(sample_press: BuildResult) -> None:
    import json

    manifest = json.loads(sample_press.manifest.read_text())
    assert "editions/2019/edition.yaml" in manifest["inputs"]
    assert "editions/2019/photos/coast.jpg" in manifest["inputs"]
    assert any(key.startswith("assets/fonts/") for key in manifest["inputs"])
    assert manifest["outputs"]["press"]["pages"] == len(
        PdfReader(sample_press.results[0].path).pages
    )
    assert manifest["source_date_epoch"] is not None
