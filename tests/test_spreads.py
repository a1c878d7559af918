"""Page-making: spreads, starts and breaks, floats, contents, running heads, focus crops.

Every assertion reads the built PDFs (labels, text positions, pixels).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pypdfium2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from pypdf import PdfReader
from tests.conftest import EPOCH, ROOT, MakeEdition, photo, run_build

from printpipe.images import window
from printpipe.load import load_edition
from printpipe.model import Heading, Photo, Section
from printpipe.pipeline import BuildOptions, BuildResult, build

SAMPLES = ("2019", "2020")
TARGETS = ("press", "screen", "proof")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuildResult]:
    """Both sample editions in the three targets with page-making differences."""
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    built = {}
    for year in SAMPLES:
        out = tmp_path_factory.mktemp(f"spreads-{year}")
        built[year] = build(ROOT / "editions" / year, BuildOptions(targets=TARGETS, out_dir=out))
    return built


def _path(result: BuildResult, target: str) -> Path:
    return next(r.path for r in result.results if r.target == target)


_ROMAN = dict(zip("ivxlc", (1, 5, 10, 50, 100), strict=True))


def _number(label: str) -> int | None:
    """The number a page label shows: 7, iv, A-3, C1; None for padding blanks."""
    if label.startswith("Blank-"):
        return None
    digits = re.fullmatch(r"(?:[A-Z]-?)?(\d+)", label)
    if digits:
        return int(digits.group(1))
    if re.fullmatch(r"[ivxlc]+", label):
        values = [_ROMAN[c] for c in label]
        return sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))
    raise AssertionError(f"unexpected page label {label!r}")


# --- spreads -------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("year", SAMPLES)
def test_odd_labels_are_on_right_hand_pages(
    samples: dict[str, BuildResult], year: str, target: str
) -> None:
    labels = PdfReader(_path(samples[year], target)).page_labels
    assert "1" in labels and "i" in labels
    for index, label in enumerate(labels):
        number = _number(label)
        if number is not None:
            # Page 1 of the file (index 0) is the front cover, a right-hand page.
            assert (number % 2 == 1) == (index % 2 == 0), (index + 1, label, labels)


def _texts(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


# Sections of the samples that the house layout opens on a right-hand page (major ones; the
# short ones continue under their heading, one follows a nearly empty page in its next column,
# one opens straight after a full-bleed page, and the editions run "What comes next" on rather
# than leave a half-empty or blank page before it).
RECTO_OPENERS = {
    "2019": ("A letter", "Four defenders,"),
    "2020": ("A letter",),
}


@pytest.mark.parametrize("year", SAMPLES)
def test_major_sections_open_on_rectos_and_blank_versos_are_empty(
    samples: dict[str, BuildResult], year: str
) -> None:
    edition, _ = load_edition(ROOT / "editions" / year)
    path = _path(samples[year], "press")
    texts = _texts(path)
    contents = next(i for i, t in enumerate(texts) if t.startswith("Contents"))
    h1 = edition.layout.styles["h1"].size
    for words in RECTO_OPENERS[year]:
        index, _, _ = _heading_position(path, words, contents, h1)
        assert index % 2 == 0, (words, index + 1)
    blanks = [i for i, t in enumerate(texts) if not t.strip()]
    assert contents + 1 in blanks, "the contents page (a recto) is followed by a blank verso"
    appendix = PdfReader(path).page_labels.index("A-1")
    body = [i for i in blanks if contents + 1 < i < appendix - 1]
    assert not body, f"blank pages in the middle of the body: sheets {[i + 1 for i in body]}"
    assert len(texts) % 4 == 0


# --- sections_start and break: values --------------------------------------------------------

SHORT = "Defenders met officials and trained one another in digital safety. " * 8

TWO_SECTIONS = """\
title: "Test Report"
organisation: "Test Rights Network"
year: 2019
slug: test-2019
layout: {layout}
parts:
  - section: sections/one.md
  - section: sections/two.md{brk}
"""


def _heading_position(
    path: Path, text: str, after: int = -1, min_size: float = 0
) -> tuple[int, float, float]:
    """(page index, left x, top y) of the first match of ``text`` after page ``after``.

    Only text set at ``min_size`` or larger counts; case-sensitive (running heads are in
    capitals).
    """
    pdf = pypdfium2.PdfDocument(str(path))
    for index in range(after + 1, len(pdf)):
        textpage = pdf[index].get_textpage()
        searcher = textpage.search(text, match_case=True)
        while found := searcher.get_next():
            size = pypdfium2.raw.FPDFText_GetFontSize(textpage.raw, found[0])
            if size >= min_size:
                left, _, _, top = textpage.get_charbox(found[0])
                return index, left, top
    raise AssertionError(f"{text!r} not found")


def _two_sections(make_edition: MakeEdition, project_layout: str, brk: str = "") -> Path:
    edition = make_edition(
        yaml=TWO_SECTIONS.format(layout="t", brk=brk),
        files={
            "sections/one.md": "# First section\n\n" + "\n\n".join([SHORT] * 3) + "\n",
            "sections/two.md": "# Second section\n\n" + "\n\n".join([SHORT] * 2) + "\n",
        },
    )
    (edition.parent.parent / "layouts" / "t.yaml").write_text(project_layout, encoding="utf-8")
    return edition


# (value, page index of the second section's heading, in the right-hand column)
STARTS = [("recto", 2, False), ("page", 1, False), ("column", 0, True), ("continue", 0, False)]


def _check_start(path: Path, page: int, right_column: bool) -> None:
    index, left, _ = _heading_position(path, "Second section")
    first_index, _, _ = _heading_position(path, "First section")
    width = PdfReader(path).pages[0].trimbox.width
    assert first_index == 0
    assert index == page
    assert (left > width / 2) == right_column
    if page == 2:  # recto: the left-hand page between is blank, without folio or head
        assert not (PdfReader(path).pages[1].extract_text() or "").strip()


@pytest.mark.parametrize(("value", "page", "right_column"), STARTS)
def test_sections_start(
    make_edition: MakeEdition, tmp_path: Path, value: str, page: int, right_column: bool
) -> None:
    layout = f"extends: house\npage:\n  sections_start: {value}\n  short_section_pages: 0\n"
    edition = _two_sections(make_edition, layout)
    path = run_build(edition, tmp_path / "out", "press").results[0].path
    _check_start(path, page, right_column)
    assert len(PdfReader(path).pages) % 4 == 0  # blanks count toward the page multiple


@pytest.mark.parametrize(
    ("value", "page", "right_column"),
    [(v, p, r) for v, p, r in STARTS if v != "continue"] + [("none", 0, False)],
)
def test_break_overrides_the_layout(
    make_edition: MakeEdition, tmp_path: Path, value: str, page: int, right_column: bool
) -> None:
    # The layout says the opposite of what the part asks for.
    layout_start = "continue" if value != "none" else "recto"
    layout = f"extends: house\npage:\n  sections_start: {layout_start}\n"
    edition = _two_sections(make_edition, layout, f"\n    break: {value}")
    path = run_build(edition, tmp_path / "out", "screen").results[0].path
    _check_start(path, page, right_column)


def test_short_sections_continue_under_their_heading(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    layout = "extends: house\n"  # recto for major sections, 'continue' below 0.8 pages
    edition = _two_sections(make_edition, layout)
    path = run_build(edition, tmp_path / "out", "screen").results[0].path
    _check_start(path, 0, False)


def test_a_lone_break_is_an_error(make_edition: MakeEdition, tmp_path: Path) -> None:
    from printpipe.errors import InvalidEditionError

    yaml = TWO_SECTIONS.format(layout="house", brk="\n  - break: page")
    with pytest.raises(InvalidEditionError) as caught:
        load_edition(make_edition(yaml=yaml))
    text = str(caught.value) + "".join(d.message for d in caught.value.diagnostics)
    assert "a part has exactly one kind" in text


# --- full-width figures stay before the next section's opening -------------------------------


@pytest.mark.parametrize("year", SAMPLES)
def test_full_width_figure_never_after_a_later_sections_heading(
    samples: dict[str, BuildResult], year: str
) -> None:
    edition, _ = load_edition(ROOT / "editions" / year)
    path = _path(samples[year], "press")
    parts = list(edition.parts)
    contents = next(i for i, t in enumerate(_texts(path)) if t.startswith("Contents"))
    checked = 0
    for number, part in enumerate(parts):
        if not (isinstance(part, Photo) and part.placement == "full-width" and part.caption):
            continue
        figure = _heading_position(path, " ".join(part.caption.split()[:4]))
        own = next(p for p in reversed(parts[:number]) if isinstance(p, Section))
        later = next((p for p in parts[number:] if isinstance(p, Section)), None)
        h1 = edition.layout.styles["h1"].size
        own_heading = _heading_position(path, _first_words(own), contents, h1)
        # Near its text: on a page of its own section (possibly above the opening heading).
        assert figure[0] >= own_heading[0]
        if later is not None:
            heading = _heading_position(path, _first_words(later), contents, h1)
            # Same page: the figure (its caption) must be above the later heading.
            assert (figure[0], -figure[2]) < (heading[0], -heading[2]), (part.caption, heading)
        checked += 1
    assert checked >= 1


def _first_words(section: Section) -> str:
    heading = next(b for b in section.blocks if isinstance(b, Heading) and b.level == 1)
    return " ".join(heading.text.split()[:2])


# --- the contents page -----------------------------------------------------------------------


def _spans(page) -> list[tuple[str, float, float, float]]:  # type: ignore[no-untyped-def]
    """(text, x, y, font size) of every piece of text on ``page``."""
    spans: list[tuple[str, float, float, float]] = []

    def visit(text: str, cm: list, tm: list, font: object, size: float) -> None:  # type: ignore[type-arg]
        if text.strip():
            x = cm[4] + tm[4] * cm[0]
            y = cm[5] + tm[5] * cm[3]
            spans.append((text.strip(), round(x, 1), round(y, 1), size * tm[3] * cm[3]))

    page.extract_text(visitor_text=visit)
    return spans


def _outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []

    def walk(items: list, level: int) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((item.title, level, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return found


FOLIO = re.compile(r"^(?:[ivxlc]+|\d+|[A-Z]-\d+)$")


@pytest.mark.parametrize("year", SAMPLES)
def test_contents_folios_are_full_size_and_equal_the_page_labels(
    samples: dict[str, BuildResult], year: str
) -> None:
    edition, _ = load_edition(ROOT / "editions" / year)
    styles = edition.layout.styles
    reader = PdfReader(_path(samples[year], "screen"))
    labels = reader.page_labels
    index = next(
        i for i, p in enumerate(reader.pages) if (p.extract_text() or "").startswith("Contents")
    )
    spans = _spans(reader.pages[index])
    width = float(reader.pages[index].trimbox.width)
    page_folio = min(s[2] for s in spans)  # the page's own folio, at the foot
    folios = [s for s in spans if FOLIO.match(s[0]) and s[2] > page_folio]
    expected = [(t, lvl, p) for t, lvl, p in _outline(reader) if t != "Cover"]
    assert len(folios) == len(expected) >= 8
    lines = sorted({s[2] for s in spans}, reverse=True)
    in_reading_order = sorted(folios, key=lambda s: (s[1] > width / 2, -s[2]))
    for (text, _, y, size), (title, level, page) in zip(in_reading_order, expected, strict=True):
        style = styles["toc2" if level == 2 else "toc1"]
        assert size == pytest.approx(style.size), (title, size)
        assert text == labels[page], (title, text, labels[page])
        # The title's last line shares the folio's baseline; its words are on the page.
        words = " ".join(s[0] for s in spans if s[2] == y and s[0] != text and s[0].strip("."))
        assert words and words.split()[-1].strip(".") in title, (title, words)
        assert y in lines
    assert any(f[0] == "A-1" for f in folios)  # the appendix, with its label


def test_contents_page_and_openers_have_no_running_head(samples: dict[str, BuildResult]) -> None:
    texts = _texts(_path(samples["2019"], "press"))
    contents = next(t for t in texts if t.startswith("Contents"))
    assert "HARBOURLIGHT RIGHTS NETWORK" not in contents
    opener = next(t for t in texts if t.startswith("A letter from our"))
    assert "HARBOURLIGHT" not in opener
    assert not any("2019 · 2019" in t or "2019 ·2019" in t for t in texts)
    lines = [line for t in texts for line in t.splitlines()]
    verso = [line for line in lines if line.startswith("HARBOURLIGHT RIGHTS NETWORK ·")]
    assert verso and set(verso) == {"HARBOURLIGHT RIGHTS NETWORK · ANNUAL REPORT 2019"}
    assert "WHAT WE ACHIEVED IN 2019" in lines  # a recto names its section


# --- focus and crop --------------------------------------------------------------------------

MARKER = (255, 0, 0)


def _marked_photo(path: Path) -> Path:
    """A wide grey photo with a red square near its right edge."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (3000, 1000), (110, 120, 130))
    ImageDraw.Draw(image).rectangle((2640, 440, 2760, 560), fill=MARKER)
    image.save(path, quality=95)
    return path


BLEED_EDITION = """\
title: "Test Report"
organisation: "Test Rights Network"
year: 2019
slug: test-2019
layout: house
parts:
  - section: sections/one.md
  - photo:
      file: photos/wide.jpg
      placement: {placement}{framing}
"""


def _red_pixels(path: Path) -> int:
    """Marker-red pixels over every page, rendered at 40 dpi."""
    count = 0
    for page in pypdfium2.PdfDocument(str(path)):
        red, green, blue = page.render(scale=40 / 72).to_pil().convert("RGB").split()
        mask = Image.eval(red, lambda v: 255 if v > 200 else 0)
        mask = Image.composite(
            mask, Image.new("L", mask.size), Image.eval(green, lambda v: 255 if v < 80 else 0)
        )
        mask = Image.composite(
            mask, Image.new("L", mask.size), Image.eval(blue, lambda v: 255 if v < 80 else 0)
        )
        count += mask.histogram()[255]
    return count


@pytest.mark.parametrize(
    ("placement", "framing", "kept"),
    [
        ("full-bleed", "\n      focus: [0.9, 0.5]", True),
        ("full-bleed", "", False),  # the centred crop loses it: the test can fail
        ("column", "\n      crop: {x: 0.8, y: 0.3, w: 0.2, h: 0.4}", True),
        ("column", "\n      crop: {x: 0.0, y: 0.0, w: 0.5, h: 1.0}", False),
    ],
)
def test_focus_and_crop_keep_the_planted_marker(
    make_edition: MakeEdition,
    tmp_path: Path,
    placement: str,
    framing: str,
    kept: bool,
) -> None:
    edition = make_edition(yaml=BLEED_EDITION.format(placement=placement, framing=framing))
    _marked_photo(edition / "photos" / "wide.jpg")
    path = run_build(edition, tmp_path / "out", "screen").results[0].path
    assert (_red_pixels(path) > 20) == kept


@given(
    length=st.integers(1, 5000),
    share=st.floats(0.01, 1.0),
    focus=st.floats(0.0, 1.0),
)
def test_crop_window_holds_the_focus_and_centres_it_when_it_can(
    length: int, share: float, focus: float
) -> None:
    keep = max(1, round(length * share))
    start = window(length, keep, focus)
    assert 0 <= start <= length - keep
    point = focus * length
    assert start - 1 <= point <= start + keep + 1
    if keep / 2 <= point <= length - keep / 2:
        assert abs(start + keep / 2 - point) <= 1


# --- page fill (the typography report's figure) -------------------------------------------------


def _opens_a_section(path: Path, index: int, headings: list[str], h1: float, body: float) -> bool:
    """Page ``index`` opens a section: an h1 heading with no body text above it.

    A photo and its caption may open the section above its heading.
    """
    for words in headings:
        try:
            found, _, top = _heading_position(path, words, index - 1, h1)
        except AssertionError:
            continue
        if found != index:
            continue
        textpage = pypdfium2.PdfDocument(str(path))[index].get_textpage()
        for char in range(textpage.count_chars()):
            size = pypdfium2.raw.FPDFText_GetFontSize(textpage.raw, char)
            if abs(size - body) < 0.01 and textpage.get_charbox(char)[1] > top:
                return False
        return True
    return False


@pytest.mark.parametrize("year", SAMPLES)
def test_page_fill_goal(samples: dict[str, BuildResult], year: str) -> None:
    """No body page under 50 % but a section's last page before a forced break.

    None of those under 25 %; blank left-hand pages before openers hold nothing at all.
    """
    from printpipe.typography import Geometry, layout_fonts, measure

    edition, _ = load_edition(ROOT / "editions" / year)
    path = _path(samples[year], "press")
    report = measure(path, Geometry.from_layout(edition.layout), layout_fonts(edition.layout))
    texts = _texts(path)
    h1 = edition.layout.styles["h1"].size
    headings = [_first_words(p) for p in edition.parts if isinstance(p, Section)]
    body = edition.layout.styles["body"].size
    pages = report.pages
    assert len(pages) >= 12
    for number, page in enumerate(pages):
        if page.fill == 0 and not texts[page.index].strip():
            assert page.index % 2 == 1, f"blank page {page.label} is a right-hand page"
            continue
        if page.fill >= 0.5:
            continue
        following = pages[number + 1] if number + 1 < len(pages) else None
        forced = (
            following is None
            or not texts[following.index].strip()  # a blank verso before an opener
            or (following.fill >= 0.99 and following.figures.lines == 0)  # a full-bleed page
            or _opens_a_section(path, following.index, headings, h1, body)
        )
        assert forced, f"page {page.label} is {page.fill:.0%} full in the middle of a section"
        assert page.fill >= 0.25, f"page {page.label} is only {page.fill:.0%} full"


def test_next_years_edition_keeps_breaks_and_focus(tmp_path: Path) -> None:
    """`printpipe new` from the 2019 sample (which has a `break:` and a `focus:`)."""
    import shutil

    from printpipe.newedition import new_edition

    project = tmp_path / "project"
    for folder in ("layouts", "assets"):
        shutil.copytree(ROOT / folder, project / folder)
    shutil.copytree(ROOT / "editions" / "2019", project / "editions" / "2019")
    new_edition(project / "editions" / "2020", project / "editions" / "2019")
    text = (project / "editions" / "2020" / "edition.yaml").read_text(encoding="utf-8")
    edition, _ = load_edition(project / "editions" / "2020")
    assert [p.break_before for p in edition.parts if isinstance(p, Section)][-1] == "column"
    assert any(isinstance(p, Photo) and p.focus == (0.86, 0.3) for p in edition.parts), text


LAST_FLOAT = """\
title: "Test Report"
organisation: "Test Rights Network"
year: 2019
slug: test-2019
layout: house
parts:
  - section: sections/one.md
  - photo:
      file: photos/a.jpg
      caption: "The last photo of the report"
      placement: full-width
"""


def test_a_full_width_photo_ending_the_body_stays_with_its_text(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    long = "# First section\n\n" + "\n\n".join([SHORT] * 14) + "\n"
    edition = make_edition(yaml=LAST_FLOAT, files={"sections/one.md": long})
    path = run_build(edition, tmp_path / "out", "screen").results[0].path
    texts = _texts(path)
    photo = next(i for i, t in enumerate(texts) if "The last photo of the report" in t)
    last_text = max(i for i, t in enumerate(texts) if "Defenders met officials" in t)
    assert photo <= last_text, (photo, last_text)  # never alone on a page after the text


def _is_mark(colour: tuple[int, int, int]) -> bool:
    """The focus mark's crimson, not the trim guide's magenta (255, 0, 255)."""
    red, green, blue = colour
    return red > 180 and green < 60 and 90 < blue < 200


def _mark_pixels(path: Path) -> int:
    """Focus-mark pixels over every page, rendered at 144 dpi."""
    count = 0
    for page in pypdfium2.PdfDocument(str(path)):
        image = page.render(scale=2).to_pil().convert("RGB")
        colours = image.getcolors(1 << 24) or []
        count += sum(n for n, colour in colours if _is_mark(colour))
    return count


def test_the_proof_marks_the_focus_the_crop_kept(make_edition: MakeEdition, tmp_path: Path) -> None:
    framing = "\n      focus: [0.9, 0.5]"
    edition = make_edition(yaml=BLEED_EDITION.format(placement="full-bleed", framing=framing))
    _marked_photo(edition / "photos" / "wide.jpg")
    result = run_build(edition, tmp_path / "out", "proof", "screen")
    proof = next(r.path for r in result.results if r.target == "proof")
    screen = next(r.path for r in result.results if r.target == "screen")
    assert _mark_pixels(proof) > _mark_pixels(screen) + 20
    # The mark sits on the planted marker: its centre is red in the photo around it.
    page = pypdfium2.PdfDocument(str(proof))[1].render(scale=2).to_pil().convert("RGB")
    width, height = page.size
    hits = [(x, y) for y in range(height) for x in range(width) if _is_mark(page.getpixel((x, y)))]
    cx = sum(x for x, _ in hits) / len(hits)
    cy = sum(y for _, y in hits) / len(hits)
    red, green, blue = page.getpixel((round(cx) + 5, round(cy) + 5))
    assert red > 200 and green < 80 and blue < 80, (cx, cy, page.getpixel((round(cx), round(cy))))


def test_floats_stop_moving_after_the_settling_passes() -> None:
    """A 600-page edition never settled: floats moved each pass, and so did the contents.

    After SETTLE_PASSES a pass keeps the float and balance hints it had, so the next pass lays
    out the same pages and ReportLab's contents entries agree (before: IndexError, exit 1).
    """
    from printpipe.compose.document import SETTLE_PASSES, BodyDocument

    doc = BodyDocument.__new__(BodyDocument)  # only the pass bookkeeping is exercised
    doc._pass_first_section = 3
    doc.passes = SETTLE_PASSES - 1
    doc.next_hints, doc.next_balance = {1: 5}, {4: 90.0}
    doc.beforeDocument()
    assert (doc.float_hints, doc.balance_hints) == ({1: 5}, {4: 90.0})
    assert doc.first_section_page == 3  # folios follow the last pass, as before
    doc.next_hints, doc.next_balance = {1: 6}, {4: 80.0}  # what this pass would move to
    doc.beforeDocument()
    assert (doc.float_hints, doc.balance_hints) == ({1: 5}, {4: 90.0})


# --- a full-width photo that would stand alone on a page -------------------------------------

LONE_PHOTO = """\
title: "Test Report"
organisation: "Test Rights Network"
year: 2019
slug: test-2019
layout: {layout}
parts:
  - section: sections/one.md
  - photo:
      file: photos/hills.jpg
      caption: "Hills at dawn"
      placement: full-width
  - section: sections/two.md
    break: recto
"""


def _photo_page(path: Path) -> tuple[int, bool, str]:
    """(page index, photo reaches the page corners, body text) of the page with the caption."""
    texts = _texts(path)
    index = next(i for i, t in enumerate(texts) if "Hills at dawn" in t)
    image = pypdfium2.PdfDocument(str(path))[index].render(scale=20 / 72).to_pil().convert("RGB")
    corners = [(1, 1), (image.width - 2, 1), (1, image.height - 2)]
    covered = all(sum(image.getpixel(xy)) < 600 for xy in corners)
    body = texts[index].replace("Hills at dawn", "")
    return index, covered, body


@pytest.mark.parametrize(
    ("size", "layout", "promoted"),
    [
        ((5400, 3600), "house", True),
        ((1500, 1000), "house", False),  # 300 ppi would need 3600 pixels of height
        ((5400, 3600), "keep", False),  # the layout keeps lone photos as they are
    ],
)
def test_a_photo_alone_on_a_page_becomes_a_full_bleed_page(
    make_edition: MakeEdition,
    tmp_path: Path,
    size: tuple[int, int],
    layout: str,
    promoted: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A photo that would fill the left-hand page before a recto opener all alone.

    The section ends too low for the photo and the next opens on a recto: the photo takes
    the whole page instead, when it has the pixels for it (a small photo stays as it was
    rather than print below 300 ppi).
    """
    edition = make_edition(
        yaml=LONE_PHOTO.format(layout=layout),
        files={
            "sections/one.md": "# First section\n\n" + "\n\n".join([SHORT] * 8) + "\n",
            "sections/two.md": "# Second section\n\n" + "\n\n".join([SHORT] * 2) + "\n",
        },
    )
    photo(edition / "photos" / "hills.jpg", size, (40, 90, 60))
    keep = "extends: house\npage:\n  lone_photos: keep\n"
    (edition.parent.parent / "layouts" / "keep.yaml").write_text(keep, encoding="utf-8")
    from printpipe import images

    asked: list[int] = [0]  # full-bleed versions the running call of the image stage asked for
    decoded: list[int] = []  # for each full-bleed version decoded: what its call asked for
    prepare_variants, prepare_group = images.prepare_variants, images._prepare_group

    def batch(variants: list[images.Variant], *args: object, **kwargs: object) -> object:
        asked[0] = sum(job[3] is not None for job, _ in variants)
        return prepare_variants(variants, *args, **kwargs)  # type: ignore[arg-type]

    def decode(task: list[tuple[str, images.Variant]], *args: object) -> object:
        decoded.extend(asked[0] for _, (job, _) in task if job[3] is not None)
        return prepare_group(task, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(images, "prepare_variants", batch)
    monkeypatch.setattr(images, "_prepare_group", decode)
    path = run_build(edition, tmp_path / "out", "screen", "press").results[0].path
    # The page version is prepared once composition knows it is needed, for both targets of
    # the build in one batch (not one target at a time, each in the middle of its layout).
    assert decoded == ([2, 2] if promoted else [])
    index, covered, body = _photo_page(path)
    assert index == 1, "the photo is on the left-hand page after the first section"
    assert "Defenders" not in body  # no text of either section on the photo's page
    assert covered == promoted
    heading, _, _ = _heading_position(path, "Second section")
    assert heading == 2  # the second section still opens on the right-hand page
