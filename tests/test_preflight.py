"""Preflight: every check is pinned by a file that trips it, built here at test time.

ReportLab builds the "real" files (the way compose does, good and bad); pikepdf builds the odd
structures ReportLab cannot (exact image placements, Type 3 fonts, boxes, intents, encryption).
"""

from __future__ import annotations

import functools
import json
import time
import zlib
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from printpipe.errors import BadInputFileError, MissingInputError, PreflightError, UsageError
from printpipe.preflight import PROFILES, PreflightReport, preflight

REPO = Path(__file__).resolve().parents[1]
W, H, B = 148 * mm, 210 * mm, 3 * mm  # A5 trim, 3 mm bleed

XMP_X4 = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


@functools.cache
def body_font() -> str:
    """Register an embeddable TrueType font once per session."""
    path = REPO / "assets/fonts/NotoSerif-Regular.ttf"
    if not path.exists():
        path = Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")
    pdfmetrics.registerFont(TTFont("Body", str(path)))
    return "Body"


def checks(report: PreflightReport) -> set[tuple[str, str]]:
    return {(f.severity, f.check) for f in report.findings}


def only(report: PreflightReport, check: str) -> list:
    return [f for f in report.findings if f.check == check]


# --- builders --------------------------------------------------------------------------------


def build_body(path: Path, pages: int = 4, *, rgb_pages: frozenset[int] = frozenset(), text="Aa"):
    """A press body the way compose makes it: embedded TTF, CMYK, trim + bleed boxes."""
    c = Canvas(
        str(path),
        pagesize=(W + 2 * B, H + 2 * B),
        initialFontName=body_font(),
        trimBox=(B, B, B + W, B + H),
        bleedBox=(0, 0, W + 2 * B, H + 2 * B),
        invariant=1,
    )
    for number in range(1, pages + 1):
        if number in rgb_pages:
            c.setFillColorRGB(1, 0, 0)
        else:
            c.setFillColorCMYK(0, 0, 0, 1)
        c.setFont(body_font(), 11)
        c.drawString(20 * mm, 100 * mm, f"{text} {number}")
        c.setFillColorCMYK(0.2, 0.6, 0, 0)
        c.rect(0, 0, W + 2 * B, 20 * mm, fill=1, stroke=0)  # full-bleed band
        c.showPage()
    c.save()
    return path


def finish_press(path: Path, *, n: int = 4, intent: str = "/GTS_PDFX", xmp: bytes | None = XMP_X4):
    """Add what the finish stage adds: an output intent and an XMP packet."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        icc = pdf.make_stream(b"not really ICC, structure only")
        icc.N = n
        pdf.Root.OutputIntents = Array(
            [
                pdf.make_indirect(
                    Dictionary(
                        Type=Name.OutputIntent,
                        S=Name(intent),
                        OutputConditionIdentifier=pikepdf.String("FOGRA39"),
                        DestOutputProfile=icc,
                    )
                )
            ]
        )
        if xmp is not None:
            meta = pdf.make_stream(xmp)
            meta.Type, meta.Subtype = Name.Metadata, Name.XML
            pdf.Root.Metadata = meta
        pdf.save(path)
    return path


def good_press(tmp_path: Path, pages: int = 4, **kw) -> Path:
    return finish_press(build_body(tmp_path / "body.pdf", pages, **kw))


def edit_pages(path: Path, edit) -> Path:
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            edit(number, page.obj)
        pdf.save(path)
    return path


def image_stream(pdf: pikepdf.Pdf, px: int, colour_space, components: int) -> pikepdf.Stream:
    image = pdf.make_stream(zlib.compress(bytes(px * px * components)))
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width = image.Height = px
    image.ColorSpace = colour_space
    image.BitsPerComponent = 8
    image.Filter = Name.FlateDecode
    return image


def pike_page(path: Path, content: bytes, resources=None, **page_keys):
    """One 400 x 400 pt page; ``resources(pdf)`` builds its resources inside that file."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 400))
    page = pdf.pages[0].obj
    page.Contents = pdf.make_stream(content)
    page.Resources = resources(pdf) if resources is not None else Dictionary()
    for key, value in page_keys.items():
        page[Name("/" + key)] = value
    pdf.save(path)
    return path


def image_pdf(path: Path, *, px: int, placed_pt: float, space="/DeviceRGB", n: int = 3) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 400))
    cs = Name(space) if isinstance(space, str) else space(pdf)
    image = image_stream(pdf, px, cs, n)
    page = pdf.pages[0].obj
    page.Resources = Dictionary(XObject=Dictionary(Photo=image))
    page.Contents = pdf.make_stream(f"q {placed_pt} 0 0 {placed_pt} 10 10 cm /Photo Do Q".encode())
    pdf.save(path)
    return path


# --- the headline checks ----------------------------------------------------------------------


def test_rgb_and_unembedded_helvetica_are_both_errors(tmp_path):
    path = tmp_path / "bad.pdf"
    c = Canvas(str(path), invariant=1)  # no initialFontName: Helvetica leaks in
    c.setFillColorRGB(0.9, 0.1, 0.1)
    c.drawString(72, 700, "Annual report")
    c.showPage()
    c.save()
    report = preflight(path, "press")
    assert {("error", "colour.device-rgb"), ("error", "fonts.standard-14")} <= checks(report)
    (font,) = only(report, "fonts.standard-14")
    assert "Helvetica" in font.message and font.page == 1 and "page 1" in font.message
    assert "initialFontName" in font.hint
    assert not report.ok


def test_good_cmyk_press_file_passes(tmp_path):
    report = preflight(good_press(tmp_path), "press")
    assert report.findings == ()
    assert report.ok and report.pages == 4
    assert report.render_text() == "preflight press: 0 errors, 0 warnings, 4 pages"


def test_profiles_by_name_and_object_agree(tmp_path):
    path = good_press(tmp_path)
    assert preflight(path, PROFILES["press"]).to_json() == preflight(path, "press").to_json()
    with pytest.raises(UsageError, match="unknown preflight profile"):
        preflight(path, "pres")


# --- boxes -------------------------------------------------------------------------------------


def test_missing_trim_box(tmp_path):
    path = edit_pages(good_press(tmp_path), lambda n, p: n == 2 and p.__delitem__("/TrimBox"))
    (finding,) = only(preflight(path, "press"), "boxes.missing")
    assert finding.severity == "error" and finding.page == 2
    assert finding.message == "page 2: no TrimBox"
    assert not only(preflight(path, "screen"), "boxes.missing")  # screen needs no TrimBox


def test_bleed_box_outside_media_box(tmp_path):
    def grow(number, page):
        page.BleedBox = Array([-5, -5, float(W + 2 * B) + 5, float(H + 2 * B) + 5])

    report = preflight(edit_pages(good_press(tmp_path), grow), "press")
    (finding,) = only(report, "boxes.nesting")
    assert "BleedBox is not inside MediaBox" in finding.message
    assert "pages 1-4" in finding.message


def test_trim_outside_crop_box(tmp_path):
    def crop(number, page):
        page.CropBox = Array([10, 10, 100, 100])

    (finding,) = only(preflight(edit_pages(good_press(tmp_path), crop), "any"), "boxes.nesting")
    assert "is not inside CropBox" in finding.message


def test_bleed_too_small(tmp_path):
    def shrink(number, page):
        if number == 3:
            one = float(1 * mm)
            page.BleedBox = Array([B - one, B - one, B + W + one, B + H + one])

    (finding,) = only(preflight(edit_pages(good_press(tmp_path), shrink), "press"), "boxes.bleed")
    assert finding.page == 3
    assert "bleed is 1.0 mm" in finding.message and "3 mm needed" in finding.message


def test_non_uniform_trim_names_the_odd_page(tmp_path):
    def smaller(number, page):
        if number == 4:
            page.TrimBox = Array([B, B, B + W - 20, B + H])

    (finding,) = only(
        preflight(edit_pages(good_press(tmp_path), smaller), "press"), "boxes.uniform"
    )
    assert finding.page == 4 and "148.0 x 210.0 mm" in finding.message


def test_expected_trim_size_comes_from_the_layout(tmp_path):
    path = good_press(tmp_path)
    a4 = replace(PROFILES["press"], trim_size_mm=(210.0, 297.0))
    (finding,) = only(preflight(path, a4), "boxes.trim-size")
    assert "trim is 148.0 x 210.0 mm" in finding.message and "210.0 x 297.0 mm" in finding.message
    a5 = replace(PROFILES["press"], trim_size_mm=(148.0, 210.0))
    assert preflight(path, a5).ok


# --- images and ppi ----------------------------------------------------------------------------


def test_rgb_image_at_100_ppi_is_an_error(tmp_path):
    report = preflight(image_pdf(tmp_path / "i.pdf", px=100, placed_pt=72), "press")
    (image,) = report.images
    assert image.ppi_x == pytest.approx(100, abs=1) and image.ppi_y == pytest.approx(100, abs=1)
    assert (image.name, image.colour_space, image.width_px) == ("Photo", "DeviceRGB", 100)
    (ppi,) = only(report, "images.ppi")
    assert ppi.severity == "error" and "Photo" in ppi.message and "100 ppi" in ppi.message
    assert ppi.page == 1
    (rgb,) = only(report, "colour.device-rgb")
    assert "image Photo" in rgb.message


def stretched_image_pdf(path: Path, *, width_px: int, height_px: int, placed: tuple) -> Path:
    """One CMYK image of ``width_px x height_px`` placed at ``placed`` (w, h) points."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 400))
    image = pdf.make_stream(zlib.compress(bytes(width_px * height_px * 4)))
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width, image.Height = width_px, height_px
    image.ColorSpace, image.BitsPerComponent, image.Filter = Name.DeviceCMYK, 8, Name.FlateDecode
    page = pdf.pages[0].obj
    page.Resources = Dictionary(XObject=Dictionary(Photo=image))
    w, h = placed
    page.Contents = pdf.make_stream(f"q {w} 0 0 {h} 10 10 cm /Photo Do Q".encode())
    pdf.save(path)
    return path


@pytest.mark.parametrize(
    ("px", "placed", "side"),
    [((300, 100), (72, 72), "height"), ((100, 300), (72, 72), "width")],
    ids=["short-height", "short-width"],
)
def test_stretched_image_is_measured_on_its_limiting_side(tmp_path, px, placed, side):
    """300 x 100 px placed at 72 x 72 pt is 100 ppi, not the 300 ppi its width alone gives."""
    path = stretched_image_pdf(tmp_path / "s.pdf", width_px=px[0], height_px=px[1], placed=placed)
    report = preflight(path, "press")
    (image,) = report.images
    assert sorted((image.ppi_x, image.ppi_y)) == pytest.approx([100, 300], abs=0.01)
    (ppi,) = only(report, "images.ppi")
    assert ppi.severity == "error", ppi
    assert "is placed at 100 ppi" in ppi.message and f"its {side}: 100 px over 25.4 mm" in (
        ppi.message
    )


def test_image_at_200_ppi_is_a_warning(tmp_path):
    report = preflight(image_pdf(tmp_path / "i.pdf", px=200, placed_pt=72), "press")
    (ppi,) = only(report, "images.ppi")
    assert ppi.severity == "warning" and "200 ppi" in ppi.message


def test_cmyk_image_at_300_ppi_is_fine(tmp_path):
    path = image_pdf(tmp_path / "i.pdf", px=300, placed_pt=72, space="/DeviceCMYK", n=4)
    report = preflight(path, "press")
    assert report.images[0].ppi_x == pytest.approx(300, abs=0.01)
    assert not only(report, "images.ppi") and not only(report, "colour.device-rgb")
    assert ("error", "colour.device-cmyk") in checks(preflight(path, "archive"))


def test_icc_rgb_and_indexed_rgb_images_count_as_rgb_for_press(tmp_path):
    def icc3(pdf):
        profile = pdf.make_stream(b"icc")
        profile.N = 3
        return Array([Name.ICCBased, profile])

    def indexed(pdf):
        return Array([Name.Indexed, Name.DeviceRGB, 0, pikepdf.String(b"\0\0\0")])

    for space in (icc3, indexed):
        path = image_pdf(tmp_path / "i.pdf", px=300, placed_pt=72, space=space, n=1)
        assert ("error", "colour.device-rgb") in checks(preflight(path, "press")), space


def test_image_inside_a_form_xobject_is_found_and_measured(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 400))
    image = image_stream(pdf, 300, Name.DeviceCMYK, 4)
    form = pdf.make_stream(b"q 72 0 0 72 0 0 cm /Inner Do Q")
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = Array([0, 0, 72, 72])
    form.Matrix = Array([2, 0, 0, 2, 0, 0])  # the form doubles the image: 144 pt
    form.Resources = Dictionary(XObject=Dictionary(Inner=image))
    page = pdf.pages[0].obj
    page.Resources = Dictionary(XObject=Dictionary(Logo=form))
    page.Contents = pdf.make_stream(
        b"q 1 0 0 1 20 20 cm /Logo Do Q q 0.5 0 0 0.5 0 0 cm /Logo Do Q"
    )
    pdf.save(tmp_path / "form.pdf")
    report = preflight(tmp_path / "form.pdf", "press")
    assert [(i.name, round(i.ppi_x)) for i in report.images] == [("Inner", 150), ("Inner", 300)]
    (ppi,) = only(report, "images.ppi")
    assert ppi.severity == "warning" and "Inner" in ppi.message and "150 ppi" in ppi.message


def test_tiny_images_are_ignored(tmp_path):
    report = preflight(image_pdf(tmp_path / "i.pdf", px=1, placed_pt=1), "press")
    assert report.images == () and not only(report, "images.ppi")


# --- colour in content streams -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "profile", "check"),
    [
        (b"/DeviceRGB cs 1 0 0 sc 0 0 10 10 re f", "press", "colour.device-rgb"),
        (b"/CS0 CS 1 0 0 SCN 0 0 10 10 re S", "press", "colour.device-rgb"),
        (b"0 0 0 1 k 0 0 10 10 re f", "archive", "colour.device-cmyk"),
        (b"BI /W 1 /H 1 /CS /RGB /BPC 8 ID \xff\x00\x00 EI", "press", "colour.device-rgb"),
        (b"/Sh0 sh", "press", "colour.device-rgb"),
    ],
)
def test_colour_operators_inline_images_and_shadings(tmp_path, content, profile, check):
    def resources(pdf):
        icc = pdf.make_stream(b"icc")
        icc.N = 3
        shading = Dictionary(
            ShadingType=2,
            ColorSpace=Name.DeviceRGB,
            Coords=Array([0, 0, 10, 0]),
            Function=Dictionary(FunctionType=2, Domain=Array([0, 1]), N=1),
        )
        return Dictionary(
            ColorSpace=Dictionary(CS0=Array([Name.ICCBased, icc])), Shading=Dictionary(Sh0=shading)
        )

    path = pike_page(tmp_path / "c.pdf", content, resources)
    assert ("error", check) in checks(preflight(path, profile))
    assert not only(preflight(path, "any"), check)  # "any" forbids no colour


# --- fonts and glyphs --------------------------------------------------------------------------


def test_fonts_inside_forms_and_annotation_appearances_are_checked(tmp_path):
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 400))
    helvetica = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    courier = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Courier)
    form = pdf.make_stream(b"BT /F1 9 Tf (x) Tj ET")
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 10, 10])
    form.Resources = Dictionary(Font=Dictionary(F1=helvetica))
    ap = pdf.make_stream(b"BT /F2 9 Tf (y) Tj ET")
    ap.Type, ap.Subtype, ap.BBox = Name.XObject, Name.Form, Array([0, 0, 10, 10])
    ap.Resources = Dictionary(Font=Dictionary(F2=courier))
    page = pdf.pages[0].obj
    page.Resources = Dictionary(XObject=Dictionary(Fm=form))
    page.Contents = pdf.make_stream(b"/Fm Do")
    page.Annots = Array(
        [
            pdf.make_indirect(
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.FreeText,
                    Rect=Array([0, 0, 10, 10]),
                    AP=Dictionary(N=ap),
                )
            )
        ]
    )
    pdf.save(tmp_path / "f.pdf")
    messages = " ".join(
        f.message for f in only(preflight(tmp_path / "f.pdf", "any"), "fonts.standard-14")
    )
    assert "Helvetica" in messages and "Courier" in messages


def test_type3_font_is_flagged(tmp_path):
    def resources(pdf):
        glyph = pdf.make_stream(b"1000 0 0 0 750 750 d1 0 0 750 750 re f")
        type3 = Dictionary(
            Type=Name.Font,
            Subtype=Name.Type3,
            Name=Name.Stamp,
            FontBBox=Array([0, 0, 750, 750]),
            FontMatrix=Array([0.001, 0, 0, 0.001, 0, 0]),
            CharProcs=Dictionary(a=glyph),
            Encoding=Dictionary(Type=Name.Encoding, Differences=Array([97, Name.a])),
            FirstChar=97,
            LastChar=97,
            Widths=Array([1000]),
            Resources=Dictionary(),
        )
        return Dictionary(Font=Dictionary(T3=type3))

    path = pike_page(tmp_path / "t3.pdf", b"BT /T3 12 Tf 72 72 Td (a) Tj ET", resources)
    (finding,) = only(preflight(path, "press"), "fonts.type3")
    assert finding.severity == "error" and "Stamp" in finding.message
    assert only(preflight(path, "any"), "fonts.type3")[0].severity == "info"
    assert not only(preflight(path, "any"), "fonts.embedded")  # a Type 3 font is in the file


def test_missing_glyph_is_a_warning(tmp_path):
    path = build_body(tmp_path / "g.pdf", text="Price \u4e2d")  # no CJK in Noto Serif
    report = preflight(path, "any")
    (finding,) = only(report, "glyphs.notdef")
    assert finding.severity == "warning" and "NotoSerif" in finding.message
    assert "pages 1-4" in finding.message
    assert not only(preflight(build_body(tmp_path / "ok.pdf"), "any"), "glyphs.notdef")


def test_identity_h_font_glyph_zero_is_a_warning(tmp_path):
    def res(pdf):
        descriptor = Dictionary(
            Type=Name.FontDescriptor, FontName=Name.Body, FontFile2=pdf.make_stream(b"x")
        )
        cid_font = Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=Name.Body,
            FontDescriptor=descriptor,
            CIDToGIDMap=pdf.make_stream(b"\x00\x00\x00\x05\x00\x00"),  # CID 1 -> 5, 2 -> 0
        )
        font = Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name.Body,
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([cid_font]),
        )
        return Dictionary(Font=Dictionary(F0=font))

    good = pike_page(tmp_path / "good.pdf", b"BT /F0 9 Tf <0001> Tj ET", res)
    assert not preflight(good, "any").findings
    bad = pike_page(tmp_path / "bad.pdf", b"BT /F0 9 Tf [<0001> 40 <0002>] TJ ET", res)
    assert ("warning", "glyphs.notdef") in checks(preflight(bad, "any"))


# --- document level ----------------------------------------------------------------------------


def test_output_intent_missing_and_malformed(tmp_path):
    body = build_body(tmp_path / "a.pdf")
    assert ("error", "intent.missing") in checks(preflight(body, "press"))
    wrong_n = finish_press(build_body(tmp_path / "b.pdf"), n=3)
    (finding,) = only(preflight(wrong_n, "press"), "intent.malformed")
    assert "/N is 3, not 4" in finding.message
    pdfa = finish_press(build_body(tmp_path / "c.pdf"), intent="/GTS_PDFA1", n=3)
    assert ("error", "intent.missing") in checks(preflight(pdfa, "press"))


def test_xmp_missing_and_without_pdfx_version(tmp_path):
    no_xmp = finish_press(build_body(tmp_path / "m.pdf"), xmp=None)
    assert ("error", "xmp.missing") in checks(preflight(no_xmp, "press"))
    plain = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    no_version = finish_press(build_body(tmp_path / "n.pdf"), xmp=plain)
    (finding,) = only(preflight(no_version, "press"), "xmp.malformed")
    assert "pdfxid:GTS_PDFXVersion" in finding.message
    broken = finish_press(build_body(tmp_path / "x.pdf"), xmp=b"<x:xmpmeta>")
    assert ("error", "xmp.malformed") in checks(preflight(broken, "press"))


def test_trapped_must_be_a_name(tmp_path):
    path = good_press(tmp_path)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.trailer.Info.Trapped = pikepdf.String("False")
        pdf.save(path)
    assert ("error", "info.trapped") in checks(preflight(path, "press"))


def test_javascript_open_action_is_found(tmp_path):
    path = good_press(tmp_path)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.save(path)
    (finding,) = only(preflight(path, "press"), "security.javascript")
    assert finding.severity == "error" and "open action runs JavaScript" in finding.message
    assert only(preflight(path, "any"), "security.javascript")[0].severity == "warning"


def test_launch_action_in_a_link_annotation(tmp_path):
    link = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=Array([0, 0, 10, 10]),
        A=Dictionary(S=Name.URI, URI=pikepdf.String("https://x"), Next=Dictionary(S=Name.Launch)),
    )
    path = pike_page(tmp_path / "l.pdf", b"", None, Annots=Array([link]))
    (finding,) = only(preflight(path, "supplied-press"), "security.javascript")
    assert finding.message == "page 1: a Link annotation launches an application"


def test_page_count_must_be_a_multiple(tmp_path):
    (finding,) = only(preflight(good_press(tmp_path, pages=5), "press"), "pages.multiple")
    assert finding.message == "5 pages is not a multiple of 4 (3 blank pages needed)"
    assert finding.page is None


# --- opening: encryption and damage ------------------------------------------------------------


def test_user_password_needs_the_password(tmp_path):
    path = good_press(tmp_path)
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(path) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="o", user="secret", R=6))
    with pytest.raises(BadInputFileError) as info:
        preflight(locked, "supplied-press", label="editions/2019/cover.pdf")
    assert "editions/2019/cover.pdf" in info.value.message
    assert info.value.hint.startswith("supply the password (password: key)")
    with pytest.raises(BadInputFileError, match="does not open"):
        preflight(locked, "supplied-press", password="wrong")
    report = preflight(locked, "supplied-press", password="secret")
    assert [(f.severity, f.check) for f in report.findings] == [("warning", "security.encrypted")]


def test_owner_only_encryption_is_a_warning_for_supplied_and_an_error_for_output(tmp_path):
    path = good_press(tmp_path)
    owner = tmp_path / "owner.pdf"
    with pikepdf.open(path) as pdf:
        pdf.save(owner, encryption=pikepdf.Encryption(owner="o", user="", R=6))
    assert only(preflight(owner, "supplied-press"), "security.encrypted")[0].severity == "warning"
    assert only(preflight(owner, "press"), "security.encrypted")[0].severity == "error"


@pytest.mark.parametrize("cut", [0.5, 0.0])
def test_truncated_or_garbage_file_raises(tmp_path, cut):
    data = good_press(tmp_path).read_bytes()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[: int(len(data) * cut)] if cut else b"%PDF-1.4\n\x00garbage" * 20)
    with pytest.raises(BadInputFileError) as info:
        preflight(broken, "any", label="appendix-b.pdf")
    assert "appendix-b.pdf" in info.value.message and "re-export" in info.value.hint


def test_missing_file_is_a_missing_input(tmp_path):
    with pytest.raises(MissingInputError):
        preflight(tmp_path / "nope.pdf", "any")


# --- the report --------------------------------------------------------------------------------


def test_same_finding_on_many_pages_is_grouped(tmp_path):
    path = good_press(tmp_path, pages=12, rgb_pages=frozenset({3, 4, 5, 9}))
    report = preflight(path, "press")
    (finding,) = only(report, "colour.device-rgb")
    assert finding.page == 3
    assert finding.message == "pages 3-5, 9: fill colour 'rg' uses DeviceRGB"
    assert len(report.render_text().splitlines()) == 3  # finding, hint, summary


def test_json_round_trips_and_is_deterministic(tmp_path):
    path = image_pdf(tmp_path / "i.pdf", px=100, placed_pt=72)
    first = preflight(path, "press")
    text = first.to_json()
    assert text == preflight(path, "press").to_json() == first.to_json()
    data = json.loads(text)
    assert list(data) == [
        "format", "path", "profile", "pages", "ok", "errors", "warnings", "findings", "images",
    ]  # fmt: skip
    assert data["errors"] == len(first.errors) and data["ok"] is False
    assert [f["check"] for f in data["findings"]] == [f.check for f in first.findings]
    assert data["images"][0]["ppi_x"] == pytest.approx(100, abs=1)


def test_render_text_and_raise_for_errors(tmp_path):
    report = preflight(image_pdf(tmp_path / "i.pdf", px=200, placed_pt=72), "supplied-press")
    text = report.render_text()
    assert text.splitlines()[-1] == "preflight supplied-press: 1 error, 1 warning, 1 page"
    assert "warning: page 1: image Photo (200 x 200 px) is placed at 200 ppi" in text
    with pytest.raises(PreflightError) as info:
        report.raise_for_errors()
    assert info.value.exit_code == 7 and len(info.value.diagnostics) == 2


def test_two_thousand_pages_preflight_in_seconds(tmp_path):
    path = tmp_path / "long.pdf"
    c = Canvas(str(path), initialFontName=body_font(), invariant=1)
    for number in range(2000):
        c.setFont(body_font(), 10)
        c.drawString(72, 720, f"Page {number + 1} of the long appendix")
        c.drawString(72, 700, "Note 12: contingent liabilities and commitments.")
        c.showPage()
    c.save()
    start = time.perf_counter()
    report = preflight(path, "any")
    elapsed = time.perf_counter() - start
    assert report.pages == 2000 and report.findings == ()
    assert elapsed < 10, f"preflight took {elapsed:.1f} s"


def test_image_declaring_too_many_pixels_is_an_error(tmp_path: Path) -> None:
    """Never decoded here, but a RIP would have to allocate it: refuse it by its header."""
    import zlib

    import pikepdf

    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(200, 200))
    image = pikepdf.Stream(pdf, zlib.compress(b"\0" * 1000))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 20000, 10000, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.FlateDecode
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 100 0 0 100 50 50 cm /Im0 Do Q")
    path = tmp_path / "huge.pdf"
    pdf.save(path)
    report = preflight(path, "any")
    found = [f for f in report.findings if f.check == "images.too-large"]
    assert found and found[0].severity == "error" and "20000 x 10000" in found[0].message


def test_icc_based_colour_is_listed_where_it_is_allowed(tmp_path):
    def icc4(pdf):
        icc = pdf.make_stream(b"\0" * 128)
        icc.N = 4
        return Dictionary(ColorSpace=Dictionary(CS0=Array([Name.ICCBased, icc])))

    path = pike_page(tmp_path / "i.pdf", b"/CS0 cs 0 0 0 1 sc 0 0 10 10 re f", icc4)
    report = preflight(path, "supplied-press")
    (listed,) = only(report, "colour.managed")
    assert listed.severity == "info" and "uses ICCBased/CMYK" in listed.message
    assert listed.page == 1 and report.ok
