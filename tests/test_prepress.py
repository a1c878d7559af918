"""Supplied files read the way a prepress department reads them (issue 11).

Covers exported with bleed but no boxes, with a TrimBox, or at trim size; each case builds an
edition through the CLI and renders the press file with pdfium to see where the cover's
background ends.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from tests.conftest import MINI, run

from printpipe.errors import ExitCode

MM = 72 / 25.4
TRIM = (210 * MM, 297 * MM)
RED = b"0 1 1 0 k"


def cover_pdf(path: Path, media_mm: tuple[float, float], trim_inset_mm: float | None) -> Path:
    """A two-page cover painted red over its whole MediaBox, with a TrimBox if asked."""
    pdf = pikepdf.new()
    w, h = media_mm[0] * MM, media_mm[1] * MM
    for _ in range(2):
        pdf.add_blank_page(page_size=(w, h))
        page = pdf.pages[-1]
        page.Contents = pdf.make_stream(RED + f" 0 0 {w:.4f} {h:.4f} re f".encode())
        if trim_inset_mm is not None:
            i = trim_inset_mm * MM
            page.obj.TrimBox = pikepdf.Array([i, i, w - i, h - i])
    pdf.save(path)
    return path


def with_cover(edition: Path, options: str = "") -> None:
    (edition / "edition.yaml").write_text(
        MINI + f"cover: {{file: cover.pdf, front_pages: 1, back_pages: 1{options}}}\n",
        encoding="utf-8",
    )


def build(edition: Path, *extra: str) -> tuple[int, str]:
    return run("build", edition, "--out", edition / "out", *extra)


def bleed_edges(path: Path, page: int = 0) -> dict[str, tuple[int, int, int]]:
    """Pixels just inside the BleedBox on each side, rendered at 72 dpi."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        p = document[page]
        media = p.get_mediabox()
        x0, y0, x1, y1 = p.get_bleedbox()
        image = p.render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()
    top = media[3]
    left, right = round(x0 - media[0]) + 1, round(x1 - media[0]) - 2
    upper, lower = round(top - y1) + 1, round(top - y0) - 2
    mid_x, mid_y = (left + right) // 2, (upper + lower) // 2
    return {
        "left": image.getpixel((left, mid_y)),
        "right": image.getpixel((right, mid_y)),
        "top": image.getpixel((mid_x, upper)),
        "bottom": image.getpixel((mid_x, lower)),
    }


def is_red(pixel: tuple[int, int, int]) -> bool:
    return pixel[0] > 180 and pixel[1] < 90 and pixel[2] < 90


@pytest.mark.parametrize(
    ("media", "trim_inset", "options", "rule"),
    [
        ((216, 303), None, "", "as exported with the layout's 3.0 mm bleed (no TrimBox), 1:1"),
        ((220, 307), 5, "", "by its TrimBox, 1:1"),
        ((220, 307), None, ", bleed: 5", "with its declared 5 mm bleed, 1:1"),
    ],
    ids=["bleed-no-boxes", "trim-box", "declared-bleed"],
)
def test_cover_with_bleed_is_placed_1_to_1_and_reaches_the_bleed_edge(
    edition: Path, media, trim_inset, options, rule
) -> None:
    cover_pdf(edition / "cover.pdf", media, trim_inset)
    with_cover(edition, options)
    code, output = build(edition)
    assert code == 0, output
    assert f"cover.pdf: placed {rule}" in output and "supplied: " in output, output
    assert "scaled to" not in output and "without bleed" not in output, output
    press = edition / "out" / "mini-press.pdf"
    for where, pixel in bleed_edges(press).items():
        assert is_red(pixel), (where, pixel)
    with pikepdf.open(press) as pdf:
        trim = [float(v) for v in pdf.pages[0].obj.TrimBox]
        assert trim[2] - trim[0] == pytest.approx(TRIM[0], abs=0.01)
        assert trim[3] - trim[1] == pytest.approx(TRIM[1], abs=0.01)


def test_cover_at_trim_size_is_placed_1_to_1_with_a_warning(edition: Path) -> None:
    cover_pdf(edition / "cover.pdf", (210, 297), None)
    with_cover(edition)
    code, output = build(edition)
    assert code == 0, output
    assert "cover.pdf: placed at its page size, 1:1" in output, output
    assert "cover.pdf page 1 is without bleed" in output, output
    assert "export the cover with 3.0 mm bleed" in output
    edges = bleed_edges(edition / "out" / "mini-press.pdf")
    assert not any(is_red(pixel) for pixel in edges.values()), edges
    code, output = build(edition, "--strict")
    assert code != 0 and "without bleed" in output


def test_page_a_little_off_the_bleed_size_is_still_scaled(edition: Path) -> None:
    """Only trim + bleed within 0.5 mm is an export with bleed; 2 mm off is a wrong size."""
    cover_pdf(edition / "cover.pdf", (218, 305), None)
    with_cover(edition)
    code, output = build(edition)
    assert code == 0, output
    assert "scaled to" in output and "not the 210.0 x 297.0 mm trim" in output, output


def test_declared_bleed_is_validated_by_the_schema(edition: Path) -> None:
    cover_pdf(edition / "cover.pdf", (216, 303), None)
    with_cover(edition, ", bleed: -2")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert "bleed" in output


# --- 100 % K overprint -------------------------------------------------------------------------


def painted(page: pikepdf.Page) -> list[tuple[str, tuple[float, ...], bool, int]]:
    """Every text show and stroke: (kind, its CMYK colour, overprint on for it, OPM)."""
    states = page.Resources.get("/ExtGState", pikepdf.Dictionary())
    fill: tuple[float, ...] = (0, 0, 0, 1)
    stroke: tuple[float, ...] = (0, 0, 0, 1)
    op = big_op = False
    opm = 0
    stack: list[tuple] = []
    found = []
    for operands, operator in pikepdf.parse_content_stream(page):
        name = str(operator)
        if name == "q":
            stack.append((fill, stroke, op, big_op, opm))
        elif name == "Q":
            fill, stroke, op, big_op, opm = stack.pop()
        elif name == "k":
            fill = tuple(float(v) for v in operands)
        elif name == "K":
            stroke = tuple(float(v) for v in operands)
        elif name == "gs":
            state = states[operands[0]]
            op = bool(state.get("/op", op))
            big_op = bool(state.get("/OP", big_op))
            opm = int(state.get("/OPM", opm))
        elif name in ("Tj", "TJ", "'", '"'):
            found.append(("text", fill, op, opm))
        elif name in ("S", "s"):
            found.append(("stroke", stroke, big_op, opm))
    return found


def body_pages(path: Path) -> list[list[tuple[str, tuple[float, ...], bool, int]]]:
    with pikepdf.open(path) as pdf:
        return [painted(page) for page in pdf.pages]


def overprint_edition(edition: Path, switch: str = "") -> None:
    (edition / "one.md").write_text(
        "# A heading in the accent colour\n\nBlack body text that should overprint.\n\n"
        "## A subhead\n\nMore black text.\n",
        encoding="utf-8",
    )
    if switch:
        layouts = edition.parent.parent / "layouts"
        (layouts / "nooverprint.yaml").write_text(
            f"extends: house\npress:\n  overprint_black: {switch}\n", encoding="utf-8"
        )
        (edition / "edition.yaml").write_text(
            MINI.replace("layout: house", "layout: nooverprint"), encoding="utf-8"
        )


BLACK = (0.0, 0.0, 0.0, 1.0)


def test_black_text_overprints_in_the_press_file_and_other_colours_knock_out(
    edition: Path,
) -> None:
    overprint_edition(edition)
    code, output = build(edition)
    assert code == 0, output
    shown = [item for page in body_pages(edition / "out" / "mini-press.pdf") for item in page]
    black = [item for item in shown if item[0] == "text" and item[1] == BLACK]
    coloured = [item for item in shown if item[0] == "text" and item[1] != BLACK]
    assert black and coloured, shown
    assert all(op and opm == 1 for _, _, op, opm in black), black
    assert not any(op for _, _, op, _ in coloured), coloured
    strokes = [item for item in shown if item[0] == "stroke" and item[1] == BLACK]
    assert all(op and opm == 1 for _, _, op, opm in strokes), strokes


def test_overprint_switch_off_and_screen_file_knock_out(edition: Path) -> None:
    overprint_edition(edition, "false")
    code, output = build(edition, "-t", "press", "-t", "screen")
    assert code == 0, output
    for target in ("press", "screen"):
        shown = [i for p in body_pages(edition / "out" / f"mini-{target}.pdf") for i in p]
        assert shown and not any(op for _, _, op, _ in shown), (target, shown)


# --- honest conformance --------------------------------------------------------------------------


def rgb_appendix(edition: Path, options: str = "") -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    pdf.pages[0].Contents = pdf.make_stream(b"1 0 0 rg 60 700 80 80 re f")
    pdf.save(edition / "appendix.pdf")
    (edition / "edition.yaml").write_text(
        MINI + f"appendices:\n  - {{file: appendix.pdf, title: Accounts{options}}}\n",
        encoding="utf-8",
    )


def claims(path: Path) -> tuple[bool, bool]:
    """(XMP declares PDF/X-4, Info has /GTS_PDFXVersion)."""
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes()
        return b"GTS_PDFXVersion" in xmp, "/GTS_PDFXVersion" in pdf.trailer.Info


def test_accepted_problem_that_breaks_pdfx_withdraws_the_claim(edition: Path) -> None:
    rgb_appendix(edition, ", accept: the auditor's file")
    code, output = build(edition)
    assert code == 0, output
    assert output.count("does not declare PDF/X-4") == 1, output
    assert "appendix.pdf page 1: fill colour 'rg' uses DeviceRGB" in output, output
    assert claims(edition / "out" / "mini-press.pdf") == (False, False)
    code, output = build(edition, "--strict")
    assert code != 0 and "does not declare PDF/X-4" in output, output


def test_without_the_problem_the_claim_is_there(edition: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    pdf.pages[0].Contents = pdf.make_stream(b"0 0 0 1 k 60 700 80 80 re f")
    pdf.save(edition / "appendix.pdf")
    (edition / "edition.yaml").write_text(
        MINI + "appendices:\n  - {file: appendix.pdf, title: Accounts, accept: trusted}\n",
        encoding="utf-8",
    )
    code, output = build(edition)
    assert code == 0, output
    assert "does not declare" not in output
    assert claims(edition / "out" / "mini-press.pdf") == (True, True)


def test_accept_never_lets_an_oversized_image_through(edition: Path) -> None:
    """An image declaring 400 million pixels would make a RIP allocate it all: refused."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    image = pdf.make_stream(b"\0" * 64)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width = image.Height = 20_000
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    pdf.pages[0].Contents = pdf.make_stream(b"q 500 0 0 500 40 40 cm /Im0 Do Q")
    pdf.save(edition / "appendix.pdf")
    (edition / "edition.yaml").write_text(
        MINI + "appendices:\n  - {file: appendix.pdf, title: Accounts, accept: trusted}\n",
        encoding="utf-8",
    )
    code, output = build(edition)
    assert code == ExitCode.PREFLIGHT_FAILED, output
    (line,) = [line for line in output.splitlines() if "declares 20000 x 20000 px" in line]
    assert "error:" in line and "(accepted" not in line, output
    assert not (edition / "out" / "mini-press.pdf").exists()


# --- spot colours --------------------------------------------------------------------------------

PANTONE = "PANTONE 021 C"


def spot_appendix(edition: Path, options: str = "", function: str = "type4") -> None:
    """An A4 appendix with a band in PANTONE 021 C (a Separation with a CMYK alternate)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    if function == "type4":
        tint = pdf.make_stream(b"{ dup 0 mul exch dup 0.53 mul exch dup 1 mul exch 0 mul }")
        tint.FunctionType, tint.Domain = 4, [0, 1]
        tint.Range = [0, 1, 0, 1, 0, 1, 0, 1]
    elif function == "type0":  # sampled: 2 samples of 4 bytes, linearly interpolated
        tint = pdf.make_stream(bytes([0, 0, 0, 0, 0, 135, 255, 0]))
        tint.FunctionType, tint.Domain, tint.Size = 0, [0, 1], [2]
        tint.Range, tint.BitsPerSample = [0, 1, 0, 1, 0, 1, 0, 1], 8
    else:
        tint = pikepdf.Dictionary(
            FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[0, 0.53, 1, 0], N=1
        )
    space = pikepdf.Array(
        [pikepdf.Name.Separation, pikepdf.Name("/" + PANTONE), pikepdf.Name.DeviceCMYK, tint]
    )
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(ColorSpace=pikepdf.Dictionary(CS0=space))
    page.Contents = pdf.make_stream(
        b"/CS0 cs 1 scn 0 600 595 120 re f 0.5 scn 0 400 595 120 re f 0 0 0 1 k 60 100 80 80 re f"
    )
    pdf.save(edition / "appendix.pdf")
    (edition / "edition.yaml").write_text(
        MINI + f"appendices:\n  - {{file: appendix.pdf, title: Accounts{options}}}\n",
        encoding="utf-8",
    )


def a1(pdf: Path) -> int:
    """1-based page number of A-1 (the body ends on a verso, so A-1 is a recto)."""
    with pikepdf.open(pdf) as document:
        return [pikepdf.Page(page).label for page in document.pages].index("A-1") + 1


def plates(pdf: Path, page: int, folder: Path) -> dict[str, float]:
    """Ghostscript's separations of one page: plate name -> share of the page it inks."""
    import subprocess

    from PIL import Image

    folder.mkdir()
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", "-r18",
         f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={folder}/p.tif", str(pdf)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    found = {}
    for path in folder.glob("p(*).tif"):
        with Image.open(path) as plate:
            grey = plate.convert("L")
            histogram = grey.histogram()  # tiffsep plates: 255 = no ink
            found[path.stem[2:-1]] = 1 - histogram[255] / sum(histogram)
    return found


def appendix_page(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages) - 1 if len(pdf.pages) > 3 else len(pdf.pages)


def test_spot_colour_is_reported_by_check_and_build_when_not_decided(edition: Path) -> None:
    spot_appendix(edition)
    for command in (["check", edition], ["build", edition, "--out", edition / "out"]):
        code, output = run(*command)
        assert code == 0, output
        assert f"appendix.pdf: page 1: spot colour {PANTONE} (alternate DeviceCMYK)" in output
        assert "warning: " in output, output
        assert "spot_colours: keep" in output


def test_spot_colours_convert_leaves_four_process_plates(edition: Path, tmp_path: Path) -> None:
    spot_appendix(edition, ", spot_colours: convert")
    code, output = build(edition)
    assert code == 0, output
    assert f"spot colour {PANTONE} (alternate DeviceCMYK) converted to process CMYK" in output
    press = edition / "out" / "mini-press.pdf"
    inked = plates(press, a1(press), tmp_path / "plates")
    assert set(inked) == {"Cyan", "Magenta", "Yellow", "Black"}, inked
    assert inked["Magenta"] > 0.1 and inked["Yellow"] > 0.1, inked  # the band, in process
    assert inked["Cyan"] < 0.01, inked
    import json

    manifest = json.loads((edition / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert any(f"spot colour {PANTONE} converted" in f for f in manifest["fixups"]), manifest


def test_spot_colours_keep_gives_a_fifth_plate_and_a_report_line(
    edition: Path, tmp_path: Path
) -> None:
    spot_appendix(edition, ", spot_colours: keep")
    code, output = build(edition)
    assert code == 0, output
    assert f"spot colour {PANTONE} (alternate DeviceCMYK) kept" in output, output
    lines = output.splitlines()
    assert not any("warning:" in line and "spot colour" in line for line in lines), output
    press = edition / "out" / "mini-press.pdf"
    inked = plates(press, a1(press), tmp_path / "plates")
    assert PANTONE in inked and inked[PANTONE] > 0.1, inked
    assert inked["Magenta"] < 0.01, inked


@pytest.mark.parametrize(
    ("function", "full", "half"),
    [
        ("type2", b"0 0.53 1 0 k", b"0 0.265 0.5 0 k"),
        ("type0", b"0 0.52941 1 0 k", b"0 0.26471 0.5 0 k"),
    ],
)
def test_layout_choice_applies_and_type2_and_sampled_tint_transforms_convert(
    edition: Path, tmp_path: Path, function: str, full: bytes, half: bytes
) -> None:
    spot_appendix(edition, function=function)
    layouts = edition.parent.parent / "layouts"
    (layouts / "converting.yaml").write_text(
        "extends: house\npress:\n  spot_colours: convert\n", encoding="utf-8"
    )
    yaml = (edition / "edition.yaml").read_text(encoding="utf-8")
    (edition / "edition.yaml").write_text(
        yaml.replace("layout: house", "layout: converting"), encoding="utf-8"
    )
    code, output = build(edition)
    assert code == 0, output
    press = edition / "out" / "mini-press.pdf"
    inked = plates(press, a1(press), tmp_path / "plates")
    assert set(inked) == {"Cyan", "Magenta", "Yellow", "Black"}, inked
    with pikepdf.open(press) as pdf:
        shown = pikepdf.unparse_content_stream(
            pikepdf.parse_content_stream(pdf.pages[a1(press) - 1])
        )
        assert full in shown and half in shown, shown


def test_lab_image_in_a_supplied_file_is_an_error_naming_the_page(edition: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    pdf.add_blank_page(page_size=TRIM)
    image = pdf.make_stream(bytes(300 * 300 * 3))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width = image.Height = 300
    image.BitsPerComponent = 8
    image.ColorSpace = pikepdf.Array(
        [pikepdf.Name.Lab, pikepdf.Dictionary(WhitePoint=[0.9505, 1, 1.089])]
    )
    pdf.pages[1].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    pdf.pages[1].Contents = pdf.make_stream(b"q 72 0 0 72 100 100 cm /Im0 Do Q")
    pdf.save(edition / "appendix.pdf")
    (edition / "edition.yaml").write_text(
        MINI + "appendices:\n  - {file: appendix.pdf, title: Accounts}\n", encoding="utf-8"
    )
    for command in (["check", edition], ["build", edition, "--out", edition / "out"]):
        code, output = run(*command)
        assert code == ExitCode.PREFLIGHT_FAILED, output
        assert "appendix.pdf: page 2: image Im0 (Lab) uses Lab" in output, output


# --- standard-14 font fixup ----------------------------------------------------------------------


def helvetica_appendix(edition: Path, options: str = "") -> Path:
    """Unembedded Helvetica (WinAnsi) and Times-Bold (implicit StandardEncoding)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    helvetica = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type1,
        BaseFont=pikepdf.Name.Helvetica,
        Encoding=pikepdf.Name.WinAnsiEncoding,
    )
    times = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name("/Times-Bold")
    )
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=helvetica, F2=times))
    page.Contents = pdf.make_stream(
        b"0 0 0 1 k BT /F1 14 Tf 72 720 Td (Statement of accounts 2019: caf\xe9 \x80 42) Tj ET "
        b"BT /F2 12 Tf 72 690 Td (Auditor's report, signed) Tj ET"
    )
    path = edition / "appendix.pdf"
    pdf.save(path)
    (edition / "edition.yaml").write_text(
        MINI + f"appendices:\n  - {{file: appendix.pdf, title: Accounts{options}}}\n",
        encoding="utf-8",
    )
    return path


def page_text(path: Path, page: int) -> str:
    import subprocess

    done = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return " ".join(done.stdout.split())


def test_unembedded_helvetica_is_embedded_with_a_metric_compatible_font(edition: Path) -> None:
    import subprocess

    source = helvetica_appendix(edition)
    code, output = run("check", edition)
    assert code == 0, output
    assert "font Helvetica embedded as Liberation Sans (metric-compatible)" in output, output
    code, output = build(edition)
    assert code == 0, output
    assert "font Helvetica embedded as Liberation Sans (metric-compatible)" in output, output
    assert "font Times-Bold embedded as Liberation Serif Bold" in output, output
    assert "does not declare" not in output
    press = edition / "out" / "mini-press.pdf"
    fonts = subprocess.run(["pdffonts", str(press)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes " in row.split("TrueType")[-1] for row in rows), fonts.stdout
    assert any(row.startswith("LiberationSans ") for row in rows), fonts.stdout
    first = a1(press)
    assert page_text(press, first) == page_text(source, 1), (page_text(press, first), source)
    assert "Auditor\u2019s report" in page_text(press, first)
    with pikepdf.open(press) as pdf:
        fonts_used = pdf.pages[first - 1].Resources.Font
        liberation = next(f for f in fonts_used.values() if f.BaseFont == "/LiberationSans")
        widths = [int(w) for w in liberation.Widths]
        assert widths[ord("A") - 32] == 667 and widths[ord(" ") - 32] == 278  # Helvetica AFM
        assert claims(press) == (True, True)
    import json

    manifest = json.loads((edition / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert any(
        "page 1: font Helvetica embedded as Liberation Sans" in f for f in manifest["fixups"]
    ), manifest["fixups"]


def test_symbol_font_has_no_substitute_and_stays_an_error(edition: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    symbol = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Symbol
    )
    pdf.pages[0].Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=symbol))
    pdf.pages[0].Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (abc) Tj ET")
    pdf.save(edition / "appendix.pdf")
    (edition / "edition.yaml").write_text(
        MINI + "appendices:\n  - {file: appendix.pdf, title: Accounts}\n", encoding="utf-8"
    )
    code, output = build(edition)
    assert code == ExitCode.PREFLIGHT_FAILED, output
    assert "font Symbol is not embedded" in output


# --- repair messages in the user's language ------------------------------------------------------


@pytest.mark.parametrize("accept", ["", ", accept: trusted"], ids=["preflight", "assembly"])
def test_a_broken_page_box_is_named_in_plain_words(edition: Path, accept: str) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=TRIM)
    pdf.pages[0].obj.CropBox = pikepdf.Array([0, 0, 100])
    pdf.pages[0].Contents = pdf.make_stream(b"0 0 0 1 k 10 10 50 50 re f")
    pdf.save(edition / "appendix.pdf")
    (edition / "edition.yaml").write_text(
        MINI + f"appendices:\n  - {{file: appendix.pdf, title: Accounts{accept}}}\n",
        encoding="utf-8",
    )
    code, output = build(edition)
    assert code != 0, output
    assert "page 1" in output and "no usable page size" in output, output
    for jargon in ("ValueError", "unpack", "Expected an array"):
        assert jargon not in output, output


# --- total ink of converted photos ---------------------------------------------------------------


def test_total_ink_is_measured_after_jpeg_encoding(edition: Path) -> None:
    """A dark photo converts to rich black (about 290 %): fine at 300 %, refused at 250 %."""
    from PIL import Image

    (edition / "photos").mkdir()
    Image.new("RGB", (1200, 800), (5, 5, 10)).save(edition / "photos" / "night.jpg", quality=95)
    parts = "  - photo: {file: photos/night.jpg, placement: column}\n"
    (edition / "edition.yaml").write_text(MINI + parts, encoding="utf-8")
    code, output = build(edition)
    assert code == 0, output
    layouts = edition.parent.parent / "layouts"
    (layouts / "lowink.yaml").write_text(
        "extends: house\npress:\n  total_ink_limit: 250\n", encoding="utf-8"
    )
    (edition / "edition.yaml").write_text(
        MINI.replace("layout: house", "layout: lowink") + parts, encoding="utf-8"
    )
    code, output = build(edition)
    assert code == ExitCode.PREFLIGHT_FAILED, output
    assert "night.jpg" in output and "% total ink, above the 250 % limit" in output, output


def test_total_ink_is_kept_beside_the_cache_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm build reads the recorded figure; a file of another size is measured again."""
    from PIL import Image

    from printpipe import images

    path = tmp_path / "photo.jpg"
    Image.new("CMYK", (64, 64), (200, 180, 170, 220)).save(path, quality=95)
    first = images.total_ink(path)
    assert 280 < first < 320  # 770 of 1020 before JPEG rounding
    assert (tmp_path / "photo.jpg.tac").is_file()

    def no_decoding(_: Path) -> float:
        raise AssertionError("decoded again")

    monkeypatch.setattr(images, "_measure_total_ink", no_decoding)
    assert images.total_ink(path) == first
    Image.new("CMYK", (64, 64), (10, 10, 10, 10)).save(path, quality=50)  # another size
    monkeypatch.undo()
    assert images.total_ink(path) < 30


def test_a_bleed_box_written_with_six_decimals_counts_as_bleeding() -> None:
    """ReportLab writes 3 mm as 8.503937; the layout computes 8.5039370...: still full bleed."""
    from pypdf.generic import RectangleObject

    from printpipe.assemble import _clipped

    bleed = 3 * 72 / 25.4
    media = (210 * 72 / 25.4 + 2 * bleed, 297 * 72 / 25.4 + 2 * bleed)
    written = RectangleObject([0, 0, 612.2835, 858.8976])
    assert _clipped(written, 1.0, bleed - 8.503937, bleed - 8.503937, *media) is None
    # A page that really stops 1 pt short of the bleed edge is still clipped (and warned).
    short = RectangleObject([1, 1, 611.2835, 857.8976])
    assert _clipped(short, 1.0, 0.0, 0.0, *media) is not None
