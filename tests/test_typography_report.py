"""The typography report (issue 9), measured exactly on small ReportLab PDFs.

Known word spacing, kerning, ligatures, hyphens and baselines; and the shape of
`printpipe proof --report --json` on the 2019 sample.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfWriter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate
from tests.conftest import ROOT, deadline, run

from printpipe.cli import main
from printpipe.typography import Geometry, measure

FONTS = ROOT / "assets" / "fonts"
SERIF = "NotoSerif-Regular"
SIZE = 10.0
SPACE = 2.6  # Noto Serif's space: 260 units at 10 pt
PAGE = (400.0, 400.0)
LEFT, RIGHT = 50.0, 250.0  # one column, 200 pt wide


@pytest.fixture(scope="module", autouse=True)
def _font() -> None:
    if SERIF not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(SERIF, str(FONTS / f"{SERIF}.ttf")))


def width(text: str) -> float:
    return pdfmetrics.stringWidth(text, SERIF, SIZE)


def justified(
    canvas: Canvas, text: str, y: float, left: float = LEFT, right: float = RIGHT
) -> float:
    """Set ``text`` on one line from ``left`` to ``right`` with Tw; returns the ratio set."""
    spaces = text.count(" ")
    word_space = (right - left - width(text)) / spaces
    line = canvas.beginText(left, y)
    line.setFont(SERIF, SIZE)
    line.setWordSpace(word_space)
    line.textOut(text)
    line.setWordSpace(0)
    canvas.drawText(line)
    return (SPACE + word_space) / SPACE


def ragged(canvas: Canvas, text: str, y: float, left: float = LEFT) -> None:
    canvas.setFont(SERIF, SIZE)
    canvas.drawString(left, y, text)


def pdf_of(tmp_path: Path, draw, pages: int = 1, name: str = "t.pdf") -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    canvas = Canvas(str(path), pagesize=PAGE, initialFontName=SERIF, invariant=1)
    for number in range(pages):
        draw(canvas, number)
        canvas.showPage()
    canvas.save()
    return path


def totals(pdf: Path) -> dict:  # type: ignore[type-arg]
    return measure(pdf, None, [FONTS]).as_dict()["totals"]


# --- word spacing ------------------------------------------------------------------------------


def test_word_space_ratios_and_the_worst_line(tmp_path: Path) -> None:
    ratios = {}

    def draw(canvas: Canvas, _: int) -> None:
        y = 350.0
        texts = [
            "a line of text that nearly fills the measure so",  # tightened: ratio < 1
            "a line of text that nearly fills the measure",  # 1.18
            "the quick brown fox jumps over the dog",  # 1.53
            "this one is tight and it has many words",  # 1.77
            "a line of text that fills the col",  # 4.56
            "two words",  # 58.6
            "the last line stays short",  # not justified: it ends before the edge
        ]
        for text in texts[:-1]:
            ratios[text] = justified(canvas, text, y)
            y -= 14
        ragged(canvas, texts[-1], y)

    report = totals(pdf_of(tmp_path, draw))
    assert sorted(round(r, 2) for r in ratios.values()) == [0.61, 1.18, 1.53, 1.77, 4.56, 58.59]
    assert report["lines"] == 7
    assert report["justified"] == 6
    assert report["overfull"] == 0
    assert report["over_1_5"] == 4 and report["over_2"] == 2
    assert report["over_1_5_pct"] == 66.7 and report["over_2_pct"] == 33.3
    assert report["worst_text"] == "two words"
    assert report["worst_ratio"] == 58.59


def test_words_placed_one_by_one_have_word_spaces_too(tmp_path: Path) -> None:
    def draw(canvas: Canvas, _: int) -> None:
        justified(canvas, "a line of text that nearly fills the measure", 378)
        justified(canvas, "a line of text that nearly fills the measure", 364)
        ragged(canvas, "•", 336, LEFT)  # a list marker's gap is no word space
        justified(canvas, "one item in a list that nearly fills all", 336, LEFT + 12)  # 1.92
        for x, word in ((LEFT, "placed"), (LEFT + width("placed") + 5.2, "one")):
            ragged(canvas, word, 350, x)
        ragged(canvas, "apart", 350, RIGHT - width("apart"))

    gap = RIGHT - width("apart") - (LEFT + width("placed") + 5.2 + width("one"))
    report = measure(pdf_of(tmp_path, draw), None, [FONTS]).as_dict()["totals"]
    assert report["justified"] == 4
    assert report["over_1_5"] == 2 and report["over_2"] == 1  # 2.07 if the marker's gap counted
    assert report["worst_text"] == "placed one apart"
    assert report["worst_ratio"] == round((5.2 + gap) / (2 * SPACE), 2)


# --- kerning and ligatures ----------------------------------------------------------------------


def tj(canvas: Canvas, x: float, y: float, items: list[str | float], state: str = "") -> None:
    """Draw one TJ array: strings, and numbers in thousandths of an em (subtracted, as in PDF)."""
    font = pdfmetrics.getFont(SERIF)
    document = canvas._doc
    parts, name = [], ""
    for item in items:
        if isinstance(item, str):
            for subset, data in font.splitString(item, document):  # embeds the glyphs
                name = font.getSubsetInternalName(subset, document)
                parts.append(f"({canvas._escape(data)})")
        else:
            parts.append(f"{item:g}")
    text = canvas.beginText(x, y)
    text._code.append(f"{state} {name} {SIZE:g} Tf [{' '.join(parts)}] TJ 0 Tc 100 Tz")
    text._curSubset = -1
    canvas.drawText(text)


def test_kernable_pairs_count_as_kerned_only_when_drawn_with_the_fonts_kern(
    tmp_path: Path,
) -> None:
    # Noto Serif: To -50, AV -80, Wa -70 (1/1000 em); a TJ number is subtracted from the advance
    def draw(canvas: Canvas, _: int) -> None:
        tj(canvas, LEFT, 350, ["T", 50, "o ", "A", 80, "V ", "W", 70, "a"])  # 3 kerned
        ragged(canvas, "To AV Wa", 336)  # 3 not kerned
        tj(canvas, LEFT, 322, ["T", 20, "o"])  # a wrong kern is not kerned
        tj(canvas, LEFT, 308, ["T", 50, "o"], state="1.5 Tc")  # letter-spaced, kerned
        tj(canvas, LEFT, 294, ["A", 80, "V"], state="98 Tz")  # expanded 2 %, kerned

    pdf = pdf_of(tmp_path, draw)
    report = measure(pdf, None, [FONTS]).as_dict()
    assert report["totals"]["kern_pairs"] == 9
    assert report["totals"]["kerned"] == 5
    assert report["details"]["unkerned_pairs"] == {"AV": 1, "To": 2, "Wa": 1}
    assert report["details"]["fonts_not_found"] == []
    # without the font file the pairs are not counted, and the report says why
    blind = measure(pdf, None, []).as_dict()
    assert blind["totals"]["kern_pairs"] == 0
    assert blind["details"]["fonts_not_found"] == [SERIF]
    code, output = run("proof", "--report", pdf)
    assert code == 0
    assert re.search(r"kernable pairs kerned +5 of 9", output), output


def test_ligatures_are_counted_per_site_and_presentation_forms_break_extraction(
    tmp_path: Path,
) -> None:
    def draw(canvas: Canvas, _: int) -> None:
        ragged(canvas, "o\ufb03ce fluff", 350)  # one ffi glyph; fl and ff as letters
        ragged(canvas, "office fit", 336)  # ffi and fi as letters

    report = totals(pdf_of(tmp_path, draw))
    assert report["ligature_sites"] == 4  # ffi, fl, ffi, fi
    assert report["ligatures"] == 1
    assert report["ff_sites"] == 1 and report["ff_ligatures"] == 0
    # ReportLab's stock ToUnicode maps the glyph to U+FB03: copied text reads "oﬃce"
    assert report["extraction_intact"] is False

    def plain(canvas: Canvas, _: int) -> None:
        ragged(canvas, "office fit", 350)

    assert totals(pdf_of(tmp_path, plain, name="plain.pdf"))["extraction_intact"] is True


def test_a_ligature_glyph_mapped_to_its_letters_keeps_extraction_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ToUnicode fix of notes/typesetting.md: the ffi glyph copies as "ffi"."""
    stock = ttfonts.makeToUnicodeCMap

    def letters(fontname: str, subset: list[int]) -> str:
        cmap = stock(fontname, subset)
        if 0xFB03 not in subset:
            return cmap
        code = subset.index(0xFB03)
        return cmap.replace(f"<{code:02X}> <FB03>", f"<{code:02X}> <006600660069>")

    monkeypatch.setattr(ttfonts, "makeToUnicodeCMap", letters)

    def draw(canvas: Canvas, _: int) -> None:
        ragged(canvas, "an o\ufb03ce", 350)

    report = totals(pdf_of(tmp_path, draw))
    assert report["ligature_sites"] == 1 and report["ligatures"] == 1
    assert report["extraction_intact"] is True


def test_reportlabs_own_shaping_is_measured_as_kerned_and_ligated(tmp_path: Path) -> None:
    """A composer that shapes (ReportLab's Paragraph with HarfBuzz) against one that does not."""
    text = (
        "To AVOID the office staff we walked the fine waterfront at Waterford. Today five "
        "flights left on time, and the officials affirmed the figures for the final year. "
    ) * 3
    reports = {}
    for shaping in (0, 1):
        style = ParagraphStyle(
            "body", fontName=SERIF, fontSize=9.5, leading=13.5, alignment=4, shaping=shaping
        )
        path = tmp_path / f"shaped{shaping}.pdf"
        SimpleDocTemplate(str(path), initialFontName=SERIF, invariant=1).build(
            [Paragraph(text, style)]
        )
        reports[shaping] = totals(path)
    plain, shaped = reports[0], reports[1]
    assert plain["kern_pairs"] == shaped["kern_pairs"] > 20
    assert plain["kerned"] == 0 and shaped["kerned"] == shaped["kern_pairs"]
    assert plain["ligature_sites"] == shaped["ligature_sites"] == 24  # 8 per sentence pair
    assert plain["ligatures"] == 0 and shaped["ligatures"] == 24
    assert plain["extraction_intact"] is True
    assert shaped["extraction_intact"] is False  # stock ToUnicode: copied text reads "oﬃce"


# --- hyphens -----------------------------------------------------------------------------------


def test_hyphenated_lines_stacks_short_fragments_and_capitalised_words(tmp_path: Path) -> None:
    lines = [
        ("the organisation in Harbour-", True),
        ("light worked with the lawyers of a-", True),
        ("cross the region and together with sever-", True),  # a stack of 3
        ("al partners, whether large or small.", False),
        ("It did. Wheth-", True),  # opens a sentence; "whether" is a word of the text
        ("er we go is ours", False),
        ("the work went round-the-", True),  # a compound's own hyphen, long fragments
        ("clock for weeks.", False),
    ]

    def draw(canvas: Canvas, _: int) -> None:
        for number, (text, justify) in enumerate(lines):
            y = 350 - 14 * number
            if justify:
                justified(canvas, text, y)
            else:
                ragged(canvas, text, y)

    pdf = pdf_of(tmp_path, draw)
    report = measure(pdf, None, [FONTS]).as_dict()
    figures = report["totals"]
    assert figures["lines"] == 8 and figures["justified"] == 5
    assert figures["hyphenated"] == 5 and figures["hyphenated_pct"] == 100.0
    assert figures["hyphen_stacks"] == 1
    assert figures["short_breaks"] == 3
    assert report["details"]["short_breaks"] == ["a-cross", "sever-al", "Wheth-er"]
    assert figures["capitalised_breaks"] == 1
    assert report["details"]["capitalised_breaks"] == ["Harbour-light"]


def test_hanging_punctuation_is_justified_and_an_overfull_line_is_not(tmp_path: Path) -> None:
    def draw(canvas: Canvas, _: int) -> None:
        justified(canvas, "a line of text that nearly fills the measure", 378)
        justified(canvas, "a line of text that nearly fills the measure", 364)
        hang = width("-")
        justified(canvas, "and one that hangs its hyphen in the mar-", 350, right=RIGHT + hang)
        justified(canvas, "gin and one line that is overfull", 336, right=RIGHT + 2)
        ragged(canvas, "by two points.", 322)

    report = measure(pdf_of(tmp_path, draw), None, [FONTS]).as_dict()
    assert report["totals"]["justified"] == 3
    assert report["totals"]["hyphenated"] == 1
    assert report["totals"]["overfull"] == 1
    assert report["details"]["overfull_lines"] == [
        {"excess": 2.0, "page": "1", "text": "gin and one line that is overfull"}
    ]


def test_a_superscript_stays_on_its_line(tmp_path: Path) -> None:
    before, note, after = "a line with a note", "1", " and words"
    word_space = (RIGHT - LEFT - width(before + note + after)) / 6

    def draw(canvas: Canvas, _: int) -> None:
        justified(canvas, "a line of text that nearly fills the measure", 378)
        justified(canvas, "a line of text that nearly fills the measure", 364)
        line = canvas.beginText(LEFT, 350)
        line.setFont(SERIF, SIZE)
        line.setWordSpace(word_space)
        line.textOut(before)
        line.setRise(4)
        line.textOut(note)
        line.setRise(0)
        line.textOut(after)
        line.setWordSpace(0)
        canvas.drawText(line)

    report = totals(pdf_of(tmp_path, draw))
    assert report["lines"] == 3 and report["justified"] == 3
    assert report["worst_text"] == before + note + after
    assert report["worst_ratio"] == round((SPACE + word_space) / SPACE, 2)


# --- baseline grid, columns, page fill, page labels --------------------------------------------

TEXT = "some body text here"
RIGHT_COLUMN = 210.0


def test_right_column_baselines_on_and_off_the_left_columns_grid(tmp_path: Path) -> None:
    def draw(canvas: Canvas, page: int) -> None:
        for row in range(4):
            y = 350 - 14 * row
            ragged(canvas, TEXT, y)  # row by row: the two columns share a line in the stream
            ragged(canvas, TEXT, y - (5 if page else 0), RIGHT_COLUMN)

    report = measure(pdf_of(tmp_path, draw, pages=2), None, [FONTS]).as_dict()
    assert [(p["grid_on"], p["grid_lines"], p["columns"]) for p in report["pages"]] == [
        (4, 4, 2),
        (0, 4, 2),
    ]
    assert report["totals"]["grid_pct"] == 50.0
    assert report["totals"]["lines"] == 16  # the shared stream lines were cut at the gutter


def test_the_left_columns_grid_continues_where_it_has_no_lines(tmp_path: Path) -> None:
    def draw(canvas: Canvas, page: int) -> None:
        for row in range(3):
            ragged(canvas, TEXT, 350 - 14 * row)  # the left column stops (a photo below)
        for row in range(8):  # the right column: on the grid, or 7 pt (half a leading) off it
            ragged(canvas, TEXT, 350 - 14 * row - (7 if page else 0), RIGHT_COLUMN)

    report = measure(pdf_of(tmp_path, draw, pages=2), None, [FONTS]).as_dict()
    assert [(p["grid_on"], p["grid_lines"]) for p in report["pages"]] == [(8, 8), (0, 8)]


GEOMETRY = Geometry(
    margin_top=50,
    margin_bottom=50,
    margin_inner=50,
    margin_outer=50,
    columns=2,
    column_width=140,
    gutter=20,
    body_size=SIZE,
    leading={SIZE: 14.0},
)


def test_page_fill_is_lines_at_their_leading_and_images_over_the_type_area(
    tmp_path: Path,
) -> None:
    photo = ImageReader(Image.new("RGB", (4, 4), (200, 30, 30)))

    def draw(canvas: Canvas, page: int) -> None:
        if page == 0:
            top = 350 - 0.75 * 14  # the first line's box touches the type area's top
            for row in range(10):
                ragged(canvas, TEXT, top - 14 * row)  # 140 x 140 pt of lines
            canvas.drawImage(photo, 210, 200, 140, 100)  # 140 x 100 pt of photo
        else:
            canvas.drawImage(photo, -10, -10, 420, 420)  # full bleed

    pdf = pdf_of(tmp_path, draw, pages=2)
    report = measure(pdf, GEOMETRY, [FONTS]).as_dict()
    assert [page["fill"] for page in report["pages"]] == [
        round((140 * 140 + 140 * 100) / (300 * 300), 3),
        1.0,
    ]
    assert report["totals"]["fill_min"] == report["pages"][0]["fill"]
    assert measure(pdf, GEOMETRY, [FONTS]).as_dict() == report  # deterministic


def test_a_blank_page_is_listed_as_blank_not_averaged_into_the_fill(tmp_path: Path) -> None:
    def draw(canvas: Canvas, page: int) -> None:
        if page == 0:
            top = 350 - 0.75 * 14
            for row in range(10):
                ragged(canvas, TEXT, top - 14 * row)

    report = measure(pdf_of(tmp_path, draw, pages=2), GEOMETRY, [FONTS]).as_dict()
    first, blank = report["pages"]
    assert blank["fill"] == 0 and first["fill"] > 0
    assert report["totals"]["blank_pages"] == [blank["label"]]
    assert report["totals"]["fill_min"] == report["totals"]["fill_mean"] == first["fill"]


def test_only_body_pages_are_measured_by_their_labels(tmp_path: Path) -> None:
    def draw(canvas: Canvas, page: int) -> None:
        ragged(canvas, f"page {page} Te", 350)  # "Te" is a kern pair on every page

    path = tmp_path / "labels.pdf"
    canvas = Canvas(str(path), pagesize=PAGE, initialFontName=SERIF, invariant=1)
    for page in range(6):
        draw(canvas, page)
        canvas.showPage()
    canvas.addPageLabel(0, "ARABIC", 1, "C")
    canvas.addPageLabel(1, "ROMAN_LOWER", 1)
    canvas.addPageLabel(2, "ARABIC", 1)
    canvas.addPageLabel(4, "ARABIC", 1, "A-")
    canvas.addPageLabel(5, "ARABIC", 1, "Blank-")
    canvas.save()
    report = measure(path, None, [FONTS]).as_dict()
    assert [(p["index"], p["label"]) for p in report["pages"]] == [(1, "i"), (2, "1"), (3, "2")]
    assert report["totals"]["kern_pairs"] == 3


def test_a_missing_or_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    code, output = run("proof", "--report", tmp_path / "nope.pdf")
    assert code == 4 and "no such file" in output
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot a pdf at all")
    code, output = run("proof", "--report", broken)
    assert code == 5 and "broken.pdf" in output
    locked = tmp_path / "locked.pdf"
    writer = PdfWriter(clone_from=pdf_of(tmp_path, lambda canvas, _: ragged(canvas, TEXT, 350)))
    writer.encrypt("user", "owner", algorithm="AES-256")
    writer.write(locked)
    code, output = run("proof", "--report", locked)
    assert code == 5 and "locked.pdf is protected by a password" in output


# --- the CLI -----------------------------------------------------------------------------------


def test_proof_report_json_of_the_2019_sample(tmp_path: Path) -> None:
    with deadline(180):
        result = CliRunner().invoke(
            main,
            [
                "proof",
                "--report",
                "--json",
                str(ROOT / "editions" / "2019"),
                "--out",
                str(tmp_path),
            ],
        )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"file", "body_size", "body_pages", "totals", "pages", "details"}
    assert data["body_size"] == 9.5
    figures = {
        "lines", "justified", "overfull", "over_1_5", "over_2", "over_1_5_pct", "over_2_pct",
        "worst_ratio", "worst_text", "hyphenated", "hyphenated_pct", "hyphen_stacks",
        "short_breaks", "capitalised_breaks", "kern_pairs", "kerned", "ligature_sites",
        "ligatures", "ff_sites", "ff_ligatures", "extraction_intact", "grid_lines", "grid_on",
        "grid_pct",
    }  # fmt: skip
    assert set(data["totals"]) == figures | {"fill_min", "fill_mean", "blank_pages"}
    labels = [page["label"] for page in data["pages"]]
    assert labels and not any(label.startswith(("C", "A-")) for label in labels)
    assert data["body_pages"] == len(labels)
    for page in data["pages"]:
        assert set(page) == figures | {"index", "label", "columns", "fill"}
        assert 0.0 <= page["fill"] <= 1.0
    assert data["totals"]["justified"] > 100 and data["totals"]["kern_pairs"] > 50
    for key in ("lines", "justified", "over_1_5", "hyphenated", "kern_pairs", "grid_on"):
        assert data["totals"][key] == sum(page[key] for page in data["pages"]), key
    # the bare file, with columns inferred from its text, measures (nearly) the same
    bare = measure(next(tmp_path.glob("*-press.pdf")), None, [FONTS]).as_dict()["totals"]
    for key in ("lines", "justified", "hyphenated", "kern_pairs", "grid_lines"):
        assert abs(bare[key] - data["totals"][key]) <= 0.02 * data["totals"][key], key
    assert set(data["details"]) == {
        "short_breaks", "capitalised_breaks", "unkerned_pairs", "fonts_not_found",
        "loosest_lines", "overfull_lines",
    }  # fmt: skip
    loosest = data["details"]["loosest_lines"]
    assert len(loosest) == 10 and loosest[0]["ratio"] == data["totals"]["worst_ratio"]
    assert loosest[0]["text"] == data["totals"]["worst_text"]
    assert [line["ratio"] for line in loosest] == sorted(
        (line["ratio"] for line in loosest), reverse=True
    )
    assert data["details"]["fonts_not_found"] == []
    assert "press:" in result.stderr
