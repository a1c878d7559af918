"""The paragraph composer in real PDFs: kerning, ligatures, links, word breaks, the grid.

Positions are read back with PDFium (glyph origins), text with PDFium's extraction (which uses
the fonts' ToUnicode maps), content streams with pikepdf: what a reader and a press see.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
from reportlab.lib.colors import black
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from tests.conftest import MakeEdition, run_build

from printpipe.compose import rlhooks
from printpipe.compose.fonts import register_font
from printpipe.compose.textblock import Ink, TextBlock
from printpipe.load import load_edition
from printpipe.model import mm_to_pt
from printpipe.typeset import Hyphenator, Setting, Span

ROOT = Path(__file__).resolve().parent.parent
SERIF = (ROOT / "assets" / "fonts" / "NotoSerif-Regular.ttf").resolve()
KERNS = {"To": -50, "AV": -80, "Wa": -70}  # Noto Serif's GPOS kern values (font units)


def _pdf(tmp_path: Path, spans: list[Span], setting: Setting) -> Path:
    name = register_font(SERIF)
    out = tmp_path / "text.pdf"
    canvas = Canvas(str(out), pagesize=(400, 200), invariant=1, initialFontName=name)
    block = TextBlock(spans, setting, 14, {SERIF: name}, lambda _: black)
    block.wrap(setting.measure, 200)
    with rlhooks.ligature_text():
        block.drawOn(canvas, 20, 100)
        canvas.showPage()
        canvas.save()
    return out


def _origins(pdf: Path) -> list[tuple[str, float, float, float]]:
    """(character, x, y, font size) of every character on page 1."""
    document = pdfium.PdfDocument(str(pdf))
    text = document[0].get_textpage()
    found = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        raw.FPDFText_GetCharOrigin(text.raw, index, ctypes.byref(x), ctypes.byref(y))
        size = raw.FPDFText_GetFontSize(text.raw, index)
        found.append((char, x.value, y.value, size))
    return found


def _text(pdf: Path) -> str:
    document = pdfium.PdfDocument(str(pdf))
    return "".join(page.get_textpage().get_text_range() for page in document)


def test_the_private_reportlab_hooks_are_still_there() -> None:
    """If a ReportLab upgrade moves any of these, kerned and ligated text breaks: fail here."""
    assert rlhooks.installed()
    for attribute in ("splitString", "getSubsetInternalName"):
        assert callable(getattr(TTFont, attribute))
    font = pdfmetrics.getFont(register_font(SERIF))
    assert font.face.glyphToChar and font.face.charToGlyph and font.face.hmetrics
    canvas = Canvas("unused.pdf")
    text = PDFTextObject(canvas)
    assert isinstance(text._code, list) and hasattr(text, "_curSubset")
    cmap = rlhooks._ORIGINAL("F", [32, 0xFB03])
    assert "<00> <0020>" in cmap and "<01> <FB03>" in cmap  # the lines the patch rewrites


@pytest.mark.parametrize("pair", sorted(KERNS))
def test_kerned_pairs_sit_closer_by_the_fonts_kern_value(tmp_path: Path, pair: str) -> None:
    size = 20.0
    pdf = _pdf(tmp_path, [Span(f"{pair} {pair}", SERIF, size)], Setting(300, align="left"))
    chars = [entry for entry in _origins(pdf) if entry[0].strip()]
    face = pdfmetrics.getFont(register_font(SERIF)).face
    advance = face.getCharWidth(ord(pair[0])) * size / 1000
    first, second = chars[0], chars[1]
    assert first[0] + second[0] == pair
    kern = second[1] - first[1] - advance
    assert kern == pytest.approx(KERNS[pair] * size / 1000, abs=0.01)


def test_fi_ligatures_are_one_glyph_and_extract_as_letters(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, [Span("office fluff", SERIF, 12)], Setting(300, align="left"))
    assert "office fluff" in _text(pdf)
    with pikepdf.open(pdf) as document:
        shown = b""
        for operands, operator in pikepdf.parse_content_stream(document.pages[0]):
            if operator == pikepdf.Operator("TJ"):
                shown += b"".join(bytes(x) for x in operands[0] if isinstance(x, pikepdf.String))
    # o, ffi, c, e, space, fl, u, ff: 8 glyphs for 12 letters (a trailing space may follow)
    assert len(shown.rstrip(b" ")) == 8


def test_links_get_an_annotation_over_their_text(tmp_path: Path) -> None:
    spans = [
        Span("Read it at ", SERIF, 10, Ink("text")),
        Span("example.org/monitor", SERIF, 10, Ink("accent", "https://example.org/monitor")),
        Span(" today.", SERIF, 10, Ink("text")),
    ]
    pdf = _pdf(tmp_path, spans, Setting(300, align="left"))
    chars = _origins(pdf)
    line = "".join(c[0] for c in chars)
    start = chars[line.index("example")][1]
    after = chars[line.index(" today")][1]
    with pikepdf.open(pdf) as document:
        annotations = list(document.pages[0].get("/Annots", []))
        assert len(annotations) == 1
        link = annotations[0]
        assert str(link.A.URI) == "https://example.org/monitor"
        left, _, right, _ = (float(v) for v in link.Rect)
    assert left == pytest.approx(start, abs=0.5)
    assert start + 60 < right <= after + 0.5


def test_each_line_ends_in_a_space_so_words_do_not_run_together(tmp_path: Path) -> None:
    text = "Defenders documented threats and trained one another in digital safety. " * 3
    pdf = _pdf(tmp_path, [Span(text.strip(), SERIF, 10)], Setting(150))
    extracted = _text(pdf)
    joined = " ".join(extracted.replace("-\r\n", "").replace("-\n", "").split())
    assert joined == " ".join(text.split())


def test_justified_lines_end_on_the_measure_in_the_pdf(tmp_path: Path) -> None:
    text = "Defenders documented threats and trained one another in digital safety. " * 4
    pdf = _pdf(tmp_path, [Span(text.strip(), SERIF, 10)], Setting(180))
    chars = _origins(pdf)
    face = pdfmetrics.getFont(register_font(SERIF)).face
    lines: dict[float, list[tuple[str, float, float, float]]] = {}
    for entry in chars:
        if entry[0].strip():
            lines.setdefault(round(entry[2], 1), []).append(entry)
    rows = [lines[y] for y in sorted(lines, reverse=True)][:-1]  # the last line is not justified
    assert len(rows) >= 4
    for row in rows:
        char, x, _, size = row[-1]
        # the right edge of the last glyph: its origin plus its (possibly expanded) advance
        right = x + face.getCharWidth(ord(char)) * size / 1000
        assert right == pytest.approx(20 + 180, abs=0.6), row


GRID_SECTION = (
    "# First section\n\n"
    + "\n\n".join(
        ["Defenders documented threats and trained one another in digital safety. " * 6] * 3
    )
    + "\n\n## A subhead on the way\n\n- one item that runs on for a while, "
    "long enough to wrap onto a second line\n- two\n\n"
    + "> A quotation set in italics that is long enough to wrap onto a second line of its own.\n\n"
    + "\n\n".join(["Training sessions covered documentation, advocacy and self-care. " * 7] * 4)
    + "\n\n### A third-level heading\n\n"
    + "\n\n".join(["Partners reported fewer incidents after the courses ended. " * 8] * 5)
)


def _body_baselines(pdf: Path, size: float) -> list[tuple[int, float]]:
    """(page, baseline y) of every line of body-size characters."""
    document = pdfium.PdfDocument(str(pdf))
    found: set[tuple[int, float]] = set()
    x, y = ctypes.c_double(), ctypes.c_double()
    for number, page in enumerate(document):
        text = page.get_textpage()
        for index in range(text.count_chars()):
            if abs(raw.FPDFText_GetFontSize(text.raw, index) - size) > 0.01:
                continue
            if not text.get_text_range(index, 1).strip():
                continue
            raw.FPDFText_GetCharOrigin(text.raw, index, ctypes.byref(x), ctypes.byref(y))
            found.add((number, round(y.value, 3)))
    return sorted(found)


@pytest.mark.parametrize("grid", [True, False])
def test_body_lines_of_both_columns_sit_on_one_baseline_grid(
    make_edition: MakeEdition, tmp_path: Path, grid: bool
) -> None:
    folder = make_edition(files={"sections/one.md": GRID_SECTION})
    layouts = folder.parent.parent / "layouts"
    (layouts / "plain.yaml").write_text(f"extends: house\ngrid: {str(grid).lower()}\n")
    yaml = (folder / "edition.yaml").read_text().replace("layout: house", "layout: plain")
    (folder / "edition.yaml").write_text(yaml)
    pdf = run_build(folder, tmp_path / "out", "screen").results[0].path
    edition, _ = load_edition(folder)
    page = edition.layout.page
    body = edition.layout.styles["body"]
    top = page.trim_pt[1] - mm_to_pt(page.margin_top_mm)
    first = top - 0.75 * body.leading
    baselines = _body_baselines(pdf, body.size)
    assert len(baselines) > 80
    off = [
        (number, y)
        for number, y in baselines
        if abs((first - y) / body.leading - round((first - y) / body.leading)) * body.leading > 0.05
    ]
    columns = {round(x) for x in _line_starts(pdf, body.size)}
    assert len(columns) >= 2  # both columns hold body text
    if grid:
        assert off == []
    else:
        assert off  # without the grid, spacing around headings and lists leaves it


def _line_starts(pdf: Path, size: float) -> list[float]:
    document = pdfium.PdfDocument(str(pdf))
    starts = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for page in document:
        text = page.get_textpage()
        previous_y = None
        for index in range(text.count_chars()):
            if abs(raw.FPDFText_GetFontSize(text.raw, index) - size) > 0.01:
                continue
            raw.FPDFText_GetCharOrigin(text.raw, index, ctypes.byref(x), ctypes.byref(y))
            if previous_y is None or abs(y.value - previous_y) > 1:
                starts.append(x.value)
            previous_y = y.value
    return [s for s in starts if s > 250]  # right-column starts


def test_a_split_keeps_two_lines_each_side_and_avoids_a_hyphen_at_the_foot() -> None:
    name = register_font(SERIF)
    letter = (ROOT / "editions" / "2019" / "sections" / "01-letter.md").read_text()
    text = " ".join(p for p in letter.split("\n\n") if not p.startswith(("#", "-")))
    hyphenation = Hyphenator("en-GB")

    def block() -> TextBlock:
        made = TextBlock(
            [Span(text, SERIF, 9.5)], Setting(150, hyphenator=hyphenation), 13.5, {SERIF: name}, str
        )
        made.wrap(150, 5000)
        return made

    flags = [line.hyphenated for line in block().lines or []]
    feet = [n for n in range(2, len(flags) - 2) if flags[n - 1]]
    assert len(feet) > 10
    avoided = 0
    for n in feet[:8]:
        first, rest = block().split(150, n * 13.5 + 1)
        assert len(first.lines) == n and len(rest.lines) >= 2
        assert isinstance(first, TextBlock) and isinstance(rest, TextBlock)
        avoided += not first.lines[-1].hyphenated
    assert avoided >= 6
    assert block().split(150, 1.5 * 13.5) == []  # one line would be an orphan


def test_each_paragraph_is_set_once_per_measure_over_all_layout_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ReportLab lays the story out once per pass (five for the 2019 sample): set it once.

    Once over all targets of one build, too; and the file is the same as a build of that
    target alone, byte for byte.
    """
    import collections

    import printpipe.compose.textblock as textblock
    from printpipe.pipeline import BuildOptions, build

    real = textblock.set_paragraph
    calls: collections.Counter[tuple[object, ...]] = collections.Counter()

    def counted(spans, setting, avoid=None):  # type: ignore[no-untyped-def]
        calls[(tuple(spans), setting.measure, avoid)] += 1
        return real(spans, setting, avoid)

    monkeypatch.setattr(textblock, "set_paragraph", counted)
    both = build(  # one lane: with two, each lane shares its own paragraphs (test_lanes.py)
        ROOT / "editions" / "2019",
        BuildOptions(targets=("press", "screen"), out_dir=tmp_path, workers=1),
    )
    assert calls and max(calls.values()) == 1
    assert not textblock._SET  # forgotten after the build
    alone = build(
        ROOT / "editions" / "2019", BuildOptions(targets=("screen",), out_dir=tmp_path / "alone")
    )
    assert alone.results[0].path.read_bytes() == both.results[1].path.read_bytes()


def test_layout_passes_are_sketches_and_only_the_saved_pass_draws_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text is drawn once: in the pass whose canvas is saved, after the sketches settled.

    The layout passes before it only lay the pages out (their canvases are thrown away), so
    the glyph operators are made for one document only, and the saved file has all the text.
    """
    import collections

    from printpipe.compose.document import BodyDocument
    from printpipe.pipeline import BuildOptions, build

    drawn: collections.Counter[int] = collections.Counter()
    real_operators = rlhooks.tj_operators

    def counted(canvas, *args):  # type: ignore[no-untyped-def]
        drawn[id(canvas._doc)] += 1
        return real_operators(canvas, *args)

    sketches: list[bool] = []
    real_build = BodyDocument.build

    def build_pass(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        sketches.append(self.sketching)
        return real_build(self, *args, **kwargs)

    monkeypatch.setattr(rlhooks, "tj_operators", counted)
    monkeypatch.setattr(BodyDocument, "build", build_pass)
    result = build(ROOT / "editions" / "2019", BuildOptions(targets=("screen",), out_dir=tmp_path))
    assert len(sketches) >= 2 and all(sketches[:-1]) and not sketches[-1]
    assert len(drawn) == 1  # one canvas got the text: the saved one
    text = " ".join(_text(result.results[0].path).split())
    assert "A year of steady pressure" in text
    assert "She wanted to know how to keep working." in text


def test_a_measure_differing_in_its_last_bits_sets_the_paragraph_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A paragraph is set once for a column whose width differs only in its last bits.

    A column is (x + width) - x wide, so its width differs in the last bits from page to page;
    the paragraph has the same lines in either column.
    """
    import printpipe.compose.textblock as textblock

    real = textblock.set_paragraph
    measures: list[float] = []

    def counted(spans, setting, avoid=None):  # type: ignore[no-untyped-def]
        measures.append(setting.measure)
        return real(spans, setting, avoid)

    monkeypatch.setattr(textblock, "set_paragraph", counted)
    name = register_font(SERIF)
    spans = [Span("A paragraph set in one column and then in the other one. " * 4, SERIF, 10)]
    setting = Setting(1.0, hyphenator=Hyphenator("en-GB"))

    def block() -> TextBlock:
        return TextBlock(spans, setting, 13, {SERIF: name}, lambda _: black)

    left, right = block(), block()
    try:
        left.wrap(233.85826771653547, 500)
        right.wrap(233.8582677165355, 500)
        assert measures == [233.85826771653547]
        assert left.lines == right.lines and left.lines
        block().wrap(200.0, 500)  # a really different measure is set again
        assert measures == [233.85826771653547, 200.0]
    finally:
        textblock.forget_settings()
