"""The preflight reads content streams with qpdf and finds exactly what it found with pypdf.

qpdf (through pikepdf) parses the operators; pypdf stays the reference for streams qpdf
complains about.  Two kinds of proof: a page holding every construct the scanner follows at
once (content split over a /Contents array, a form, an inline image, a .notdef glyph, an image
placement) gives its findings, and for well-formed and damaged streams alike the report is the
one pypdf alone gives (:class:`QpdfParser` switched off), byte for byte.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name
from pypdf.generic import ContentStream, DecodedStreamObject

from printpipe.preflight import PreflightReport, preflight
from printpipe.preflight.operators import QpdfParser


def only(report: PreflightReport, check: str) -> list:
    return [f for f in report.findings if f.check == check]


def _subset_font(pdf: pikepdf.Pdf) -> Dictionary:
    """An embedded subset TrueType font whose '!' has width 0: how ReportLab writes .notdef."""
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/ABCDEF+Body"), FontFile2=pdf.make_stream(b"x")
    )
    return Dictionary(
        Type=Name.Font,
        Subtype=Name.TrueType,
        BaseFont=Name("/ABCDEF+Body"),
        FirstChar=32,
        LastChar=34,
        Widths=Array([250, 0, 500]),  # ' ' '!' '"'
        FontDescriptor=descriptor,
    )


def _resources(pdf: pikepdf.Pdf) -> Dictionary:
    photo = pdf.make_stream(zlib.compress(bytes(300 * 300 * 4)))
    photo.Type, photo.Subtype = Name.XObject, Name.Image
    photo.Width = photo.Height = 300
    photo.ColorSpace, photo.BitsPerComponent, photo.Filter = Name.DeviceCMYK, 8, Name.FlateDecode
    form = pdf.make_stream(  # draws an RGB inline image, 2 x 2 px over 72 pt
        b"q 72 0 0 72 0 0 cm BI /W 2 /H 2 /CS /RGB /BPC 8 ID "
        + bytes(12)
        + b'\nEI Q BT /F1 9 Tf [(") 20 (!)] TJ ET'
    )
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 72, 72])
    form.Resources = Dictionary(Font=Dictionary(F1=_subset_font(pdf)))
    icc = pdf.make_stream(b"icc")
    icc.N = 3
    return Dictionary(
        XObject=Dictionary(Photo=photo, Logo=form),
        Font=Dictionary(F1=_subset_font(pdf)),
        ColorSpace=Dictionary(CS0=Array([Name.ICCBased, icc])),
        Pattern=Dictionary(
            P0=Dictionary(
                PatternType=2,
                Shading=Dictionary(
                    ShadingType=2,
                    ColorSpace=Name.DeviceRGB,
                    Coords=Array([0, 0, 10, 0]),
                    Function=Dictionary(FunctionType=2, Domain=Array([0, 1]), N=1),
                ),
            )
        ),
    )


def _page(path: Path, *contents: bytes, resources=_resources) -> Path:
    """One 400 x 400 pt page whose content is ``contents``, as a /Contents array if several."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(400, 400))
    page = pdf.pages[0].obj
    streams = [pdf.make_stream(c) for c in contents]
    page.Contents = streams[0] if len(streams) == 1 else Array(streams)
    page.Resources = resources(pdf)
    pdf.save(path)
    return path


def test_every_construct_is_found_with_content_split_over_a_contents_array(tmp_path):
    path = _page(
        tmp_path / "split.pdf",
        b"q 72 0 0 72",  # the cm's operands in one stream, its operator in the next
        b" 10 10 cm /Photo Do Q 0 0 0 1 k BT /F1 12",
        b'Tf ("!") Tj ET q 2 0 0 2 100 100 cm /Logo Do Q',
    )
    report = preflight(path, "press")
    (ppi,) = only(report, "images.ppi")
    assert ppi.severity == "error" and ppi.pages == (1,)
    assert ppi.message.startswith("page 1: image inline image (2 x 2 px) is placed at 1 ppi")
    assert [(i.name, round(i.ppi_x)) for i in report.images] == [
        ("Photo", 300),
        ("inline image", 1),
    ]
    (rgb,) = only(report, "colour.device-rgb")
    assert rgb.message == "page 1: an inline image (DeviceRGB) uses DeviceRGB"
    (notdef,) = only(report, "glyphs.notdef")
    assert notdef.severity == "warning" and "ABCDEF+Body" in notdef.message
    assert notdef.pages == (1,)
    assert not only(report, "file.broken")


def test_a_notdef_inside_a_tj_array_of_the_form_alone_is_found(tmp_path):
    path = _page(tmp_path / "form.pdf", b"/Logo Do")
    (notdef,) = only(preflight(path, "any"), "glyphs.notdef")
    assert "ABCDEF+Body" in notdef.message
    clean = _page(tmp_path / "clean.pdf", b'BT /F1 9 Tf [(") 40 ( )] TJ ET')
    assert not only(preflight(clean, "any"), "glyphs.notdef")


GOOD = [
    b"q 1 0 0 1 0 0 cm /CS0 cs 0.2 0.3 0.4 sc 0 0 10 10 re f Q",
    b"/Pattern cs /P0 scn 0 0 10 10 re f 0.5 g 1 0 0 RG",
    b"q 50 0 0 50 0 0 cm BI /W 1 /H 1 /CS /I /BPC 8 ID \x00 EI Q",
    b"q 50 0 0 50 0 0 cm BI /W 1 /H 1 /BPC 8 /CS [/I /RGB 1 <000000FFFFFF>] ID \x00 EI Q",
    b"q 50 0 0 50 0 0 cm BI /W 1 /H 1 /BPC 8 /CS /CS0 ID \x00 EI Q",
    b"BI /IM true /W 8 /H 1 /D [1 0] ID \x00 EI q 100 0 0 100 0 0 cm /Photo Do Q",
    b"BI /W 1 /H 1 /CS /CMYK /BPC 8 /F /AHx ID 00000000> EI",
    b"BT /F1 9 Tf 1 2 (!) \" (\\041) ' ET /Undefined Do",
    b"/OC /MC0 BDC << /MCID 0 >> BDC EMC EMC q Q Q Q",
]
DAMAGED = [
    b"q 72 0 0 72 0 0 cm /Photo Do Q (unterminated",
    b"[1 2 cm /Photo Do",
    b"1 0 0 1 0 0 cm ] /Photo Do",
    b"{ } q 72 0 0 72 0 0 cm /Photo Do Q",
    b"<zz> Tj 0 0 0 1 k",
    b"BI ID EI",
    b"BI /W 2 /H 2 ID abc",
    b"BI /W 2 /H ID \x00\x00 EI",
    b"q 1.2.3 0 0 72 0 0 cm /Photo Do Q",  # qpdf: an operator '1.2.3'; pypdf: the number 0
    b"BT /F1 --5 Tf (!) Tj ET",
    b"q 72 0 0 72 0 0 cm /Photo Do Q >> 1 0 0 rg",
]


@pytest.mark.parametrize("content", GOOD + DAMAGED)
def test_the_report_is_the_one_pypdf_alone_gives(tmp_path, monkeypatch, content):
    path = _page(tmp_path / "p.pdf", content)
    fast = preflight(path, "press").to_json()
    read_by_qpdf = []
    real = QpdfParser.operations

    def spied(self, data):
        result = real(self, data)
        read_by_qpdf.append(result is not None)
        return result

    monkeypatch.setattr(QpdfParser, "operations", spied)
    preflight(path, "press")
    assert read_by_qpdf[0] is (content in GOOD)  # the good ones really took the fast path
    monkeypatch.setattr(QpdfParser, "operations", lambda self, data: None)  # pypdf alone
    assert fast == preflight(path, "press").to_json()


@pytest.mark.parametrize(
    "content", [b"(unterminated", b"[1 2 cm", b"{ } q", b"BI /W 2 /H 2 ID abc"]
)
def test_content_qpdf_cannot_parse_is_reported_as_broken_with_pypdfs_reason(tmp_path, content):
    stream = DecodedStreamObject()
    stream.set_data(content)
    with pytest.raises(Exception) as reason:  # the reference: what pypdf says about it
        _ = ContentStream(stream, None).operations
    (broken,) = only(preflight(_page(tmp_path / "b.pdf", content), "press"), "file.broken")
    assert broken.severity == "error" and broken.pages == (1,)
    assert broken.message == f"page 1: unreadable page content ({reason.value})"


def test_stray_words_between_operators_are_read_past_as_qpdf_reads_them(tmp_path):
    # The one place the readings part: pypdf gave up on the page at a word it cannot start (a
    # byte like 0xff); qpdf skips the word as an unknown operator, as viewers do, and the
    # operators around it are still checked.
    path = _page(tmp_path / "junk.pdf", b"\x00\xff garbage \x80 q 1 0 0 rg 0 0 9 9 re f Q")
    report = preflight(path, "press")
    assert not only(report, "file.broken")
    (rgb,) = only(report, "colour.device-rgb")
    assert rgb.message == "page 1: fill colour 'rg' uses DeviceRGB"


def test_an_object_reference_inside_content_is_damage_not_an_internal_error(tmp_path):
    # pypdf trips an internal assert on "1 0 R" in a content stream: qpdf reads past it; where
    # qpdf also complains (an unterminated string) pypdf's reading is a file.broken finding.
    assert not only(preflight(_page(tmp_path / "r.pdf", b"q 1 0 R Q"), "press"), "file.broken")
    report = preflight(_page(tmp_path / "rb.pdf", b"q 1 0 R Q (unterminated"), "press")
    (broken,) = only(report, "file.broken")
    assert broken.message == "page 1: unreadable page content (data pypdf cannot read)"
