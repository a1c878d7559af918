"""Screen, archive and proof: what each target promises, read back from the files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.colors import CMYKColor
from reportlab.pdfgen.canvas import Canvas
from tests.conftest import BASIC_EDITION, EPOCH, ROOT, MakeEdition, run_build

from printpipe.compose.fonts import register_font
from printpipe.pipeline import BuildOptions, BuildResult, build

JARS = [
    "preflight",
    "pdfbox2",
    "fontbox2",
    "xmpbox",
    "commons-logging",
    "javax.activation",
    "jaxb-api",
]
CLASSPATH = ":".join(f"/usr/share/java/{jar}.jar" for jar in JARS)


@pytest.fixture(scope="session")
def sample_all(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    out = tmp_path_factory.mktemp("sample-all")
    targets = ("press", "screen", "archive", "proof")
    return build(ROOT / "editions" / "2019", BuildOptions(targets=targets, out_dir=out))


def _path(result: BuildResult, target: str) -> Path:
    return next(r.path for r in result.results if r.target == target)


def _device_spaces(path: Path) -> set[str]:
    """Device colour spaces used by content-stream operators and images, over all pages."""
    found: set[str] = set()
    operators = {b"k": "DeviceCMYK", b"K": "DeviceCMYK", b"rg": "DeviceRGB", b"RG": "DeviceRGB"}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for _operands, operator in pikepdf.parse_content_stream(page):
                name = operators.get(bytes(operator))
                if name:
                    found.add(name)
            for image in page.get_images().values():
                space = image.get("/ColorSpace")
                if isinstance(space, pikepdf.Name):
                    found.add(str(space)[1:])
    return found


def test_screen_is_small_trimmed_linked_and_opens_with_bookmarks(sample_all: BuildResult) -> None:
    screen, press = _path(sample_all, "screen"), _path(sample_all, "press")
    assert screen.stat().st_size * 4 <= press.stat().st_size
    reader = PdfReader(screen)
    assert reader.root_object["/PageMode"] == "/UseOutlines"
    assert reader.root_object["/Lang"] == "en-GB"
    assert reader.page_labels[0] == "C1"
    uris = []
    for page in reader.pages:
        assert [float(v) for v in page.mediabox] == [float(v) for v in page.trimbox]
        for annotation in page.get("/Annots", []):
            action = annotation.get_object().get("/A", {})
            if action.get("/S") == "/URI":
                uris.append(action["/URI"])
    assert "https://example.org/monitor" in uris
    report = next(r.report for r in sample_all.results if r.target == "screen")
    body = {i + 1 for i, label in enumerate(reader.page_labels) if label.isdigit()}
    ours = [placed for placed in report.images if placed.page in body]
    assert ours
    for placed in ours:
        assert min(placed.ppi_x, placed.ppi_y) <= 151, placed
        assert placed.colour_space in ("DeviceRGB", "DeviceGray"), placed


def test_contents_entries_link_to_their_pages(sample_all: BuildResult) -> None:
    reader = PdfReader(_path(sample_all, "screen"))
    contents = next(i for i, p in enumerate(reader.pages) if "Contents" in p.extract_text())
    links = [a.get_object() for a in reader.pages[contents].get("/Annots", [])]
    internal = [a for a in links if "/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) >= 5


def test_archive_identifies_as_pdfa_2a_with_srgb_intent(sample_all: BuildResult) -> None:
    path = _path(sample_all, "archive")
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfaid:part>2</pdfaid:part>" in xmp
        assert "<pdfaid:conformance>A</pdfaid:conformance>" in xmp
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and int(intent.DestOutputProfile.N) == 3
        assert not pdf.is_encrypted
        assert "/JavaScript" not in pdf.Root.get("/Names", {})
        assert "/OpenAction" not in pdf.Root
    data = path.read_bytes()
    assert data.count(b"endstream") == len(re.findall(rb"(?:\r\n|\n|\r)endstream", data))


def test_archive_has_no_device_cmyk(sample_all: BuildResult) -> None:
    assert "DeviceCMYK" not in _device_spaces(_path(sample_all, "archive"))


def test_press_has_no_device_rgb(sample_all: BuildResult) -> None:
    assert "DeviceRGB" not in _device_spaces(_path(sample_all, "press"))


@pytest.mark.skipif(
    shutil.which("java") is None or not Path("/usr/share/java/preflight.jar").exists(),
    reason="Apache PDFBox Preflight (libpdfbox2-java) not installed",
)
def test_pdfbox_preflight_finds_only_rules_pdfa2_relaxed(sample_all: BuildResult) -> None:
    """PDFBox checks PDF/A-1b; PDF/A-2b allows transparency (2.2.2) and declares part 2 (7.11.2)."""
    result = subprocess.run(
        [
            "java",
            "-cp",
            CLASSPATH,
            "org.apache.pdfbox.preflight.Validator_A1b",
            str(_path(sample_all, "archive")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    rules = set(re.findall(r"^(\d+\.\d+\.\d+) :", result.stdout, re.MULTILINE))
    assert rules, result.stdout + result.stderr
    assert rules <= {"2.2.2", "7.11.2"}, result.stdout


def _cover(path: Path, colour: str) -> Path:
    font = register_font(ROOT / "assets" / "fonts" / "NotoSans-Regular.ttf")
    mm = 72 / 25.4
    size = (216 * mm, 303 * mm)
    canvas = Canvas(
        str(path),
        pagesize=size,
        initialFontName=font,
        trimBox=(3 * mm, 3 * mm, 213 * mm, 300 * mm),
        bleedBox=(0, 0, *size),
    )
    for number in range(4):
        if colour == "cmyk":
            canvas.setFillColor(CMYKColor(1, 0.4, 0, 0.2))
        else:
            canvas.setFillColorRGB(0.05, 0.35, 0.6)
        canvas.rect(0, 0, *size, fill=1, stroke=0)
        canvas.setFont(font, 20)
        canvas.drawString(40 * mm, 150 * mm, f"{colour.upper()} cover page {number + 1}")
        canvas.showPage()
    canvas.save()
    return path


def test_rgb_export_of_the_cover_is_used_for_rgb_targets(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    edition = make_edition(
        yaml=BASIC_EDITION + "cover:\n  file: cover.pdf\n  rgb_file: cover-rgb.pdf\n"
    )
    _cover(edition / "cover.pdf", "cmyk")
    _cover(edition / "cover-rgb.pdf", "rgb")
    result = run_build(edition, tmp_path / "out", "press", "archive")
    press, archive = (_path(result, name) for name in ("press", "archive"))
    assert "CMYK cover page 1" in PdfReader(press).pages[0].extract_text()
    assert "RGB cover page 1" in PdfReader(archive).pages[0].extract_text()
    assert "DeviceCMYK" not in _device_spaces(archive)
    assert "DeviceRGB" not in _device_spaces(press)


def test_cmyk_cover_without_rgb_export_is_colour_managed_in_the_archive(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    edition = make_edition(yaml=BASIC_EDITION + "cover:\n  file: cover.pdf\n")
    _cover(edition / "cover.pdf", "cmyk")
    archive = _path(run_build(edition, tmp_path / "out", "archive"), "archive")
    with pikepdf.open(archive) as pdf:
        default = pdf.pages[0].Resources.ColorSpace.DefaultCMYK
        assert default[0] == "/ICCBased" and int(default[1].N) == 4
    reader = PdfReader(archive)
    operators = {op for _, op in ContentStream(reader.pages[0].get_contents(), reader).operations}
    assert b"k" in operators  # DeviceCMYK, but under /DefaultCMYK (PDF/A-2 6.2.4.3)


def test_only_web_and_mail_links_reach_the_output() -> None:
    """Finishing applies the one link rule that supplied pages get (assemble.safe_link)."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    from printpipe.finish import _strip_actions

    def link(uri: str) -> DictionaryObject:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(uri)}
        )
        return DictionaryObject(
            {NameObject("/Subtype"): NameObject("/Link"), NameObject("/A"): action}
        )

    writer = PdfWriter()
    page = writer.add_blank_page(100, 100)
    uris = ["https://example.org/a", "javascript:alert(1)", "file:///etc/passwd", "mailto:a@b.c"]
    page[NameObject("/Annots")] = ArrayObject(writer._add_object(link(u)) for u in uris)
    _strip_actions(writer, keep_links=True)
    kept = [str(a.get_object()["/A"]["/URI"]) for a in writer.pages[0]["/Annots"]]
    assert kept == ["https://example.org/a", "mailto:a@b.c"]
    _strip_actions(writer, keep_links=False)  # press: no links at all
    assert "/Annots" not in writer.pages[0]
