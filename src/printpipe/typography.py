"""The typography report: measure a built PDF the way a book designer reviews a proof (issue 9).

Every figure is read back from the PDF itself, never from the composer's intentions, so any
composer (ReportLab's paragraphs today, the paragraph composer of issue 9 tomorrow) is measured
the same way.  Glyphs with their positions come from pdfminer.six (this module is its only
home): for every drawn glyph its origin in user space, font, size, advance, ``Tc``/``Tz`` state
and Unicode text from the font's ToUnicode map.  Kern values come from the font files themselves
(HarfBuzz, the base font name with its subset tag stripped, looked up among the layout's fonts
and the project's ``assets/fonts``).

Which pages: **body pages only**, by page label: labels starting with ``C`` (cover) or ``A-``
(appendix) are skipped; roman and arabic labels are body.  A PDF without page labels is all body.

The rules (all distances in points, user space):

- **Lines.** Glyphs are taken in content-stream order; a new line starts when the baseline moves
  by more than 0.01 pt, when the pen goes backwards, or when it jumps into another column across
  a gap of at least half the gutter.  A line's right edge is the last glyph's origin plus its
  advance (``Tz`` included, ``Tc`` not).
- **Body lines.** Lines whose most common glyph size is the body size: the layout's ``body``
  style size when an edition is measured, else the most common glyph size on the body pages.
  Headings, captions, running heads, folios and pull quotes are not body lines.
- **Columns and type area.** With an edition, the layout gives them: trim box plus margins, the
  column width and gutter; whether the inner margin is on the left is chosen per page by which
  side puts more body lines on a column's left edge (so the rule holds whatever the recto
  convention).  For a bare PDF they are inferred per page: column lefts are clusters of body
  line starts (indents within 36 pt merge), a column's right edge is the most common line end
  (to 0.1 pt); the type area's height spans the body pages' text.
- **Justified lines.** Body lines that contain a word space (a space with a non-space glyph on
  both sides) and whose right edge is within 0.5 pt of their column's right edge (or whose edge
  before a final hyphen, full stop or comma is: hanging punctuation counts).  Lines further out
  than 0.5 pt are counted as ``overfull``, not justified.
- **Word-space ratio** of a justified line: the summed drawn advance of its word spaces (origin
  of the space to the origin of the next glyph, so ``Tw``, ``Tc``, ``Tz`` and ``TJ`` numbers are
  included) over their summed natural advance (the font's space width at that size).  Reported:
  share of justified lines over 1.5x and over 2x, and the worst line with its text.
- **Hyphens.** A line ends in a hyphen when its last glyph is ``-``, U+2010 or a soft hyphen
  after a letter.  ``hyphenated`` counts justified lines ending so (share of justified lines);
  ``hyphen_stacks`` counts runs of 3 or more consecutive body lines of one column ending so
  (a run of 4 is one stack); ``short_breaks`` counts breaks leaving fewer than 2 letters before
  the hyphen (letters since the last non-letter) or fewer than 3 after it (letters at the start
  of the next body line); ``capitalised_breaks`` counts breaks in a word that starts with a
  capital letter and that never appears in lower case in the body text ("Harbour-light" counts,
  "Wheth-er" opening a sentence does not).
- **Kerning.** Every pair of adjacent glyphs within a word on a body page (same line, font and
  size, neither a space) whose font has a non-zero kern value for the pair (HarfBuzz with
  ``kern`` only, so contextual lookups are not counted) is kernable; it is kerned when the drawn
  distance of the origins equals ``(advance + kern) x size x Tz + Tc`` within 0.05 pt.  Pairs in
  fonts whose file is not found are listed in ``fonts_not_found`` and not counted.
- **Ligatures.** Occurrences of ``ffi``, ``ffl``, ``ff``, ``fi`` and ``fl`` in the body pages'
  text (longest first, left to right: "office" holds one ``ffi``); an occurrence is ligated when
  one glyph draws all its letters.  ``extraction_intact`` is true when no ligature glyph
  extracts as a presentation form (U+FB00-FB06) and no glyph lacks Unicode text.
- **Baseline grid.** On pages with body lines in two or more columns: the share of body
  baselines in the second and later columns that lie within 0.5 pt of a body baseline of the
  first column.
- **Page fill.** Per body page: the area of the union of line boxes and image boxes, clipped to
  the type area, over the type area.  A line box spans its column's width (its own width when it
  is in no column) and its leading vertically, from a quarter leading below the baseline to
  three quarters above; the leading of a size is the layout style's (edition) or the most common
  baseline step of that size (bare PDF; 1.2 x size when there is none).  Rules and tints are not
  counted; a full-bleed photo fills the page.

JSON (``printpipe proof --report --json``), stable keys::

    {"file": str, "body_size": float, "body_pages": int,
     "totals": {FIGURES..., "fill_min": float | null, "fill_mean": float | null},
     "pages": [{"index": int (0-based), "label": str, "columns": int, FIGURES...,
                "fill": float}],
     "details": {"short_breaks": [str], "capitalised_breaks": [str],
                 "unkerned_pairs": {"AV": int, ...}, "fonts_not_found": [str]}}

    FIGURES = "lines" (body lines), "justified", "overfull", "over_1_5", "over_2",
      "over_1_5_pct", "over_2_pct", "worst_ratio", "worst_text", "hyphenated",
      "hyphenated_pct", "hyphen_stacks", "short_breaks", "capitalised_breaks",
      "kern_pairs", "kerned", "ligature_sites", "ligatures", "extraction_intact",
      "grid_lines", "grid_on", "grid_pct"

Percentages are 0-100 rounded to 0.1 and ``null`` when there is nothing to measure; ratios are
rounded to 0.01 and fill to 0.001 (a fraction), so the output is deterministic.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import uharfbuzz
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdfdocument import PDFDocument, PDFNoPageLabels
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.psexceptions import PSException

from printpipe.errors import BadInputFileError, MissingInputError
from printpipe.load import display_path
from printpipe.model import Layout, mm_to_pt

LINE_TOLERANCE = 0.5  # pt: "reaches the column's edge", "on a left-column baseline"
KERN_TOLERANCE = 0.05  # pt: drawn distance equals advance + kern
INDENT_MERGE = 36.0  # pt: line starts closer than this to a column's left are indents
HYPHENS = frozenset("-\u2010\u00ad")
HANGING = frozenset("-\u2010\u00ad.,")
LIGATURE_FORMS = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
LIGATURE_CODES = {text: code for code, text in LIGATURE_FORMS.items() if code < "\ufb05"}
LIGATURE_SITES = re.compile("ff[il]|f[fil]")
WORD = re.compile(r"[^\W\d_]+")
ADDRESS = re.compile(r"[@/]|\.\w")  # web and e-mail addresses are not words


# --- reading glyphs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Glyph:
    """One drawn glyph, in user space (points)."""

    x: float
    y: float
    advance: float  # font advance x size x Tz, in user space (no Tc, no Tw)
    size: float  # font size in user space
    font: str  # base font name, subset tag stripped
    text: str  # Unicode text from ToUnicode ("" when the font has none)
    width_em: float  # the font's advance of this glyph, in em
    charspace: float  # Tc, user space (already scaled by Tz)
    em_x: float  # horizontal user-space points per em: size x Tz x the matrix's x scale

    @property
    def is_space(self) -> bool:
        return self.text.isspace() if self.text else False


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle ``(x0, y0, x1, y1)`` in user space."""

    x0: float
    y0: float
    x1: float
    y1: float

    def clip(self, other: Box) -> Box | None:
        box = Box(
            max(self.x0, other.x0),
            max(self.y0, other.y0),
            min(self.x1, other.x1),
            min(self.y1, other.y1),
        )
        return box if box.x1 > box.x0 and box.y1 > box.y0 else None

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)


@dataclass
class PageGlyphs:
    """What one page draws: glyphs in stream order and image boxes."""

    index: int
    label: str
    trim: Box
    glyphs: list[Glyph] = field(default_factory=list)
    images: list[Box] = field(default_factory=list)


def _base_name(name: str) -> str:
    return name.split("+", 1)[1] if len(name) > 7 and name[6] == "+" else name


class _Collector(PDFTextDevice):
    """A pdfminer device that records glyphs and image boxes (no layout analysis: fast)."""

    def __init__(self, manager: PDFResourceManager) -> None:
        super().__init__(manager)
        self.glyphs: list[Glyph] = []
        self.images: list[Box] = []
        self._charspace = 0.0
        self._fonts: dict[int, str] = {}

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        self._charspace = textstate.charspace * textstate.scaling * 0.01
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(
        self,
        matrix: Any,
        font: Any,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: Any,
        graphicstate: Any,
    ) -> float:
        width_em = float(font.char_width(cid))
        advance = width_em * fontsize * scaling
        a, b, c, d, e, f = matrix
        if abs(b) < 1e-9 and abs(c) < 1e-9 and a > 0 and d > 0:  # upright text only
            try:
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = ""
            name = self._fonts.get(id(font))
            if name is None:
                name = self._fonts[id(font)] = _base_name(str(font.fontname))
            self.glyphs.append(
                Glyph(
                    x=e,
                    y=f + rise * d,
                    advance=advance * a,
                    size=fontsize * d,
                    font=name,
                    text=text,
                    width_em=width_em,
                    charspace=self._charspace * a,
                    em_x=fontsize * scaling * a,
                )
            )
        return advance

    def render_image(self, name: str, stream: Any) -> None:
        assert self.ctm is not None
        a, b, c, d, e, f = self.ctm
        xs = (e, e + a, e + c, e + a + c)
        ys = (f, f + b, f + d, f + b + d)
        self.images.append(Box(min(xs), min(ys), max(xs), max(ys)))


def _labels(document: PDFDocument, pages: int) -> list[str]:
    try:
        return [str(label) for label in itertools.islice(document.get_page_labels(), pages)]
    except PDFNoPageLabels:
        return [str(number) for number in range(1, pages + 1)]


def is_body_label(label: str) -> bool:
    """Cover labels start with ``C``, appendix labels with ``A-``; the rest is body."""
    return not (label.startswith("C") or label.startswith("A-"))


def read_body_pages(pdf: Path) -> list[PageGlyphs]:
    """Glyphs and images of every body page of ``pdf``, in page order."""
    if not pdf.is_file():
        raise MissingInputError(
            f"no such file: {display_path(pdf)}", hint="check the path, or build the edition first"
        )
    try:
        with pdf.open("rb") as handle:
            document = PDFDocument(PDFParser(handle))
            pages = list(PDFPage.create_pages(document))
            labels = _labels(document, len(pages))
            manager = PDFResourceManager(caching=True)
            device = _Collector(manager)
            interpreter = PDFPageInterpreter(manager, device)
            found = []
            for index, (label, page) in enumerate(zip(labels, pages, strict=True)):
                if not is_body_label(label):
                    continue
                device.glyphs, device.images = [], []
                interpreter.process_page(page)
                x0, y0, x1, y1 = (float(v) for v in page.attrs.get("TrimBox", page.mediabox))
                found.append(
                    PageGlyphs(
                        index, label, Box(x0, y0, x1, y1), device.glyphs, list(device.images)
                    )
                )
            return found
    except (PSException, ValueError, KeyError, TypeError) as error:
        raise BadInputFileError(
            f"cannot read {display_path(pdf)}: {type(error).__name__}: {error}",
            hint="check that it is an unencrypted PDF (`qpdf --check` tells more)",
        ) from None


# --- lines and columns -------------------------------------------------------------------------


@dataclass
class Line:
    """Glyphs on one baseline of one column, in drawing order."""

    glyphs: list[Glyph]
    column: int | None = None

    @property
    def y(self) -> float:
        return self.glyphs[0].y

    @property
    def x0(self) -> float:
        return self.glyphs[0].x

    @property
    def x1(self) -> float:
        last = self.glyphs[-1]
        return last.x + last.advance

    @property
    def size(self) -> float:
        return Counter(round(g.size, 2) for g in self.glyphs).most_common(1)[0][0]

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)

    def edge_before_hang(self) -> float:
        """The right edge without a final hyphen, full stop or comma (hanging punctuation)."""
        glyphs = self.glyphs
        if len(glyphs) > 1 and glyphs[-1].text in HANGING:
            return glyphs[-1].x
        return self.x1

    def ends_in_hyphen(self) -> bool:
        text = self.text.rstrip()
        return len(text) > 1 and text[-1] in HYPHENS and text[-2].isalpha()


@dataclass(frozen=True)
class Column:
    """A column's left and right edges (user space)."""

    left: float
    right: float


def _raw_lines(glyphs: Sequence[Glyph]) -> list[Line]:
    lines: list[Line] = []
    current: list[Glyph] = []
    ink = 0.0  # origin of the last non-space glyph: a tightened space may step back a little
    for glyph in glyphs:
        if current and (abs(glyph.y - current[0].y) > 0.01 or glyph.x < ink - 0.01):
            lines.append(Line(current))
            current = []
        current.append(glyph)
        if not glyph.is_space or len(current) == 1:
            ink = glyph.x
    if current:
        lines.append(Line(current))
    return [line for line in lines if line.text.strip()]


def _column_of(x: float, columns: Sequence[Column]) -> int | None:
    for index, column in enumerate(columns):
        if column.left - 1.0 <= x < column.right:
            return index
    return None


def _split_columns(lines: Iterable[Line], columns: Sequence[Column]) -> list[Line]:
    """Cut a line where it jumps into another column across a gap (two columns, same y)."""
    gap = (
        min(b.left - a.right for a, b in itertools.pairwise(columns)) / 2
        if len(columns) > 1
        else None
    )
    result: list[Line] = []
    for line in lines:
        current = [line.glyphs[0]]
        column = _column_of(line.x0, columns)
        for glyph in line.glyphs[1:]:
            here = _column_of(glyph.x, columns)
            previous = current[-1]
            if (
                gap is not None
                and here is not None
                and here != column
                and glyph.x - (previous.x + previous.advance) >= gap
            ):
                result.append(Line(current, column))
                current, column = [], here
            current.append(glyph)
        result.append(Line(current, column))
    return [line for line in result if line.text.strip()]


def _infer_columns(body: Sequence[Line]) -> list[Column]:
    """Column lefts from clustered line starts; rights from the most common line end."""
    clusters: list[list[Line]] = []
    for line in sorted(body, key=lambda line: line.x0):
        if clusters and line.x0 - clusters[-1][0].x0 < INDENT_MERGE:
            clusters[-1].append(line)
        else:
            clusters.append([line])
    columns = []
    for cluster in clusters:
        ends = Counter(round(line.x1, 1) for line in cluster)
        end, count = max(ends.items(), key=lambda item: (item[1], item[0]))
        right = end if count >= 2 else max(line.x1 for line in cluster)
        columns.append(Column(cluster[0].x0, right))
    # a "column" that starts inside the previous one is a full-width or indented block
    kept: list[Column] = []
    for column in columns:
        if kept and column.left < kept[-1].right:
            continue
        kept.append(column)
    return kept


@dataclass(frozen=True)
class Geometry:
    """What the report needs from a layout: columns and type area, and leading by size."""

    margin_top: float
    margin_bottom: float
    margin_inner: float
    margin_outer: float
    columns: int
    column_width: float
    gutter: float
    body_size: float | None
    leading: dict[float, float]

    @classmethod
    def from_layout(cls, layout: Layout) -> Geometry:
        page = layout.page
        leading: dict[float, float] = {}
        styles = sorted(layout.styles.values(), key=lambda style: style.name != "body")
        for style in styles:
            leading.setdefault(round(style.size, 2), style.leading)
        body = layout.styles.get("body")
        return cls(
            margin_top=mm_to_pt(page.margin_top_mm),
            margin_bottom=mm_to_pt(page.margin_bottom_mm),
            margin_inner=mm_to_pt(page.margin_inner_mm),
            margin_outer=mm_to_pt(page.margin_outer_mm),
            columns=page.columns,
            column_width=page.column_width_pt,
            gutter=mm_to_pt(page.gutter_mm),
            body_size=round(body.size, 2) if body else None,
            leading=leading,
        )

    def frame(self, trim: Box, inner_left: bool) -> tuple[list[Column], Box]:
        left = trim.x0 + (self.margin_inner if inner_left else self.margin_outer)
        columns = [
            Column(left + i * (self.column_width + self.gutter), 0.0) for i in range(self.columns)
        ]
        columns = [Column(c.left, c.left + self.column_width) for c in columns]
        area = Box(left, trim.y0 + self.margin_bottom, columns[-1].right, trim.y1 - self.margin_top)
        return columns, area


# --- measuring ---------------------------------------------------------------------------------


class KernTable:
    """Kern values (em) of glyph pairs, from the font files by base name, via HarfBuzz."""

    def __init__(self, font_files: Iterable[Path]) -> None:
        self.files: dict[str, Path] = {}
        for path in font_files:
            self.files.setdefault(path.stem, path)
        self._fonts: dict[str, tuple[uharfbuzz.Font, int] | None] = {}
        self.missing: set[str] = set()
        self._kerns: dict[tuple[str, str, str], float | None] = {}

    def _font(self, name: str) -> tuple[uharfbuzz.Font, int] | None:
        if name not in self._fonts:
            path = self.files.get(name)
            if path is None:
                self._fonts[name] = None
            else:
                face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)))
                self._fonts[name] = (uharfbuzz.Font(face), face.upem)
        found = self._fonts[name]
        if found is None:
            self.missing.add(name)
        return found

    def kern(self, font: str, first: str, second: str) -> float | None:
        """Kern of the pair in em (0.0 when none), None when the font file is unknown."""
        key = (font, first, second)
        if key not in self._kerns:
            self._kerns[key] = self._shape_kern(font, first, second)
        return self._kerns[key]

    def _shape_kern(self, font: str, first: str, second: str) -> float | None:
        loaded = self._font(font)
        if loaded is None:
            return None
        hb_font, upem = loaded
        buffer = uharfbuzz.Buffer()
        buffer.add_str(first + second)
        buffer.guess_segment_properties()
        off = {"liga": False, "clig": False, "calt": False, "dlig": False, "rlig": False}
        uharfbuzz.shape(hb_font, buffer, {**off, "kern": True})
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        if len(infos) != 2 or infos[0].codepoint == 0 or infos[1].codepoint == 0:
            return 0.0
        natural = hb_font.get_glyph_h_advance(infos[0].codepoint)
        return float(positions[0].x_advance - natural) / upem


def _glyph_char(glyph: Glyph) -> str | None:
    """The one code point that selects ``glyph`` in the font's cmap (ligatures by their form)."""
    text = glyph.text
    if len(text) == 1:
        return text
    return LIGATURE_CODES.get(text)


def _letters_before(text: str) -> str:
    match = re.search(r"[^\W\d_]*$", text)
    return match.group(0) if match else ""


def _letters_after(text: str) -> str:
    match = re.match(r"[^\W\d_]*", text.lstrip())
    return match.group(0) if match else ""


@dataclass
class Figures:
    """The report's figures for one page or for the document (they add up)."""

    lines: int = 0
    justified: int = 0
    overfull: int = 0
    over_1_5: int = 0
    over_2: int = 0
    worst_ratio: float | None = None
    worst_text: str | None = None
    hyphenated: int = 0
    hyphen_stacks: int = 0
    short_breaks: int = 0
    capitalised_breaks: int = 0
    kern_pairs: int = 0
    kerned: int = 0
    ligature_sites: int = 0
    ligatures: int = 0
    ff_sites: int = 0
    ff_ligatures: int = 0
    presentation_forms: int = 0
    missing_unicode: int = 0
    grid_lines: int = 0
    grid_on: int = 0

    def add(self, other: Figures) -> None:
        for item in fields(self):
            if item.type == "int":
                name = item.name
                setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.worst_ratio is not None and (
            self.worst_ratio is None or other.worst_ratio > self.worst_ratio
        ):
            self.worst_ratio, self.worst_text = other.worst_ratio, other.worst_text

    def as_dict(self) -> dict[str, Any]:
        def pct(part: int, whole: int) -> float | None:
            return round(100 * part / whole, 1) if whole else None

        return {
            "lines": self.lines,
            "justified": self.justified,
            "overfull": self.overfull,
            "over_1_5": self.over_1_5,
            "over_2": self.over_2,
            "over_1_5_pct": pct(self.over_1_5, self.justified),
            "over_2_pct": pct(self.over_2, self.justified),
            "worst_ratio": None if self.worst_ratio is None else round(self.worst_ratio, 2),
            "worst_text": self.worst_text,
            "hyphenated": self.hyphenated,
            "hyphenated_pct": pct(self.hyphenated, self.justified),
            "hyphen_stacks": self.hyphen_stacks,
            "short_breaks": self.short_breaks,
            "capitalised_breaks": self.capitalised_breaks,
            "kern_pairs": self.kern_pairs,
            "kerned": self.kerned,
            "ligature_sites": self.ligature_sites,
            "ligatures": self.ligatures,
            "ff_sites": self.ff_sites,
            "ff_ligatures": self.ff_ligatures,
            "extraction_intact": self.presentation_forms == 0 and self.missing_unicode == 0,
            "grid_lines": self.grid_lines,
            "grid_on": self.grid_on,
            "grid_pct": pct(self.grid_on, self.grid_lines),
        }


def space_ratio(line: Line) -> float | None:
    """Drawn over natural advance of the line's word spaces (None when it has none)."""
    glyphs = line.glyphs
    drawn = natural = 0.0
    index = 1
    while index < len(glyphs) - 1:
        glyph = glyphs[index]
        if glyph.is_space and not glyphs[index - 1].is_space:
            end = index
            while end < len(glyphs) and glyphs[end].is_space:
                end += 1
            if end < len(glyphs):
                drawn += glyphs[end].x - glyph.x
                natural += sum(g.width_em * g.size for g in glyphs[index:end])
            index = end
        else:
            index += 1
    return drawn / natural if natural > 0 else None


@dataclass
class PageReport:
    """The figures of one body page."""

    index: int
    label: str
    columns: int
    figures: Figures
    fill: float


@dataclass
class Report:
    """Everything measured, by page and in total."""

    file: str
    body_size: float | None
    pages: list[PageReport]
    totals: Figures
    short_breaks: list[str]
    capitalised_breaks: list[str]
    unkerned: Counter[str]
    fonts_not_found: list[str]

    def as_dict(self) -> dict[str, Any]:
        fills = [page.fill for page in self.pages]
        totals = self.totals.as_dict()
        totals["fill_min"] = min(fills) if fills else None
        totals["fill_mean"] = round(statistics.fmean(fills), 3) if fills else None
        return {
            "file": self.file,
            "body_size": self.body_size,
            "body_pages": len(self.pages),
            "totals": totals,
            "pages": [
                {
                    "index": page.index,
                    "label": page.label,
                    "columns": page.columns,
                    **page.figures.as_dict(),
                    "fill": page.fill,
                }
                for page in self.pages
            ],
            "details": {
                "short_breaks": self.short_breaks,
                "capitalised_breaks": self.capitalised_breaks,
                "unkerned_pairs": dict(sorted(self.unkerned.items())),
                "fonts_not_found": self.fonts_not_found,
            },
        }


def _union_area(boxes: Sequence[Box]) -> float:
    """Area of a union of rectangles (slabs between distinct y values)."""
    ys = sorted({y for box in boxes for y in (box.y0, box.y1)})
    area = 0.0
    for low, high in itertools.pairwise(ys):
        spans = sorted((b.x0, b.x1) for b in boxes if b.y0 <= low and b.y1 >= high)
        covered, reach = 0.0, float("-inf")
        for x0, x1 in spans:
            if x1 <= reach:
                continue
            covered += x1 - max(x0, reach)
            reach = x1
        area += covered * (high - low)
    return area


def _leading_by_size(lines_by_page: Sequence[Sequence[Line]]) -> dict[float, float]:
    """The most common baseline step of each size between consecutive lines of one column."""
    steps: dict[float, Counter[float]] = {}
    for lines in lines_by_page:
        for a, b in itertools.pairwise(lines):
            if a.size == b.size and a.column == b.column and a.column is not None:
                step = round(a.y - b.y, 2)
                if 0 < step < 3 * a.size:
                    steps.setdefault(a.size, Counter())[step] += 1
    return {size: counter.most_common(1)[0][0] for size, counter in steps.items()}


class _Measurer:
    def __init__(self, pages: list[PageGlyphs], geometry: Geometry | None, kerns: KernTable):
        self.pages = pages
        self.geometry = geometry
        self.kerns = kerns
        self.short_breaks: list[str] = []
        self.capitalised_breaks: list[str] = []
        self.unkerned: Counter[str] = Counter()
        raw = [_raw_lines(page.glyphs) for page in pages]
        sizes: Counter[float] = Counter()
        for lines in raw:
            for line in lines:
                for glyph in line.glyphs:
                    if not glyph.is_space:
                        sizes[round(glyph.size, 2)] += 1
        self.body_size = (
            geometry.body_size
            if geometry and geometry.body_size
            else (sizes.most_common(1)[0][0] if sizes else None)
        )
        self.columns: list[list[Column]] = []
        self.areas: list[Box | None] = []
        self.lines: list[list[Line]] = []
        for page, lines in zip(pages, raw, strict=True):
            columns, area = self._frame(page, lines)
            split = _split_columns(lines, columns)
            for line in split:
                if line.column is None:
                    line.column = _column_of(line.x0, columns)
            self.columns.append(columns)
            self.areas.append(area)
            self.lines.append(split)
        self.leading = _leading_by_size(self.lines)
        if geometry is not None:
            self.leading.update(geometry.leading)
        else:
            self._infer_missing_columns()
            self._infer_areas()
        self.lowercase_words = {
            word
            for lines in self.lines
            for line in lines
            if self.is_body(line)
            for token in line.text.split()
            if not ADDRESS.search(token)
            for word in WORD.findall(token)
            if word.islower()
        }

    def is_body(self, line: Line) -> bool:
        return self.body_size is not None and abs(line.size - self.body_size) < 0.01

    def _frame(self, page: PageGlyphs, lines: list[Line]) -> tuple[list[Column], Box | None]:
        body = [line for line in lines if self.is_body(line)]
        if self.geometry is None:
            return _infer_columns(body), None
        best: tuple[int, list[Column], Box] | None = None
        for inner_left in (True, False):
            columns, area = self.geometry.frame(page.trim, inner_left)
            hits = sum(
                1 for line in body for c in columns if abs(line.x0 - c.left) <= LINE_TOLERANCE
            )
            if best is None or hits > best[0]:
                best = (hits, columns, area)
        assert best is not None
        return best[1], best[2]

    def _infer_missing_columns(self) -> None:
        """Give every page the columns of its side (the margins alternate).

        That is the most common set among the pages with the most columns, when the page's own
        columns are part of it.

        A page set in one column, or with none (a photo, the contents), is still a page of the
        two-column grid: its empty column is the white a fill figure must show.
        """
        for side in (0, 1):
            pages = [i for i in range(len(self.columns)) if i % 2 == side]
            widest = max((len(self.columns[i]) for i in pages), default=0)
            if not widest:
                pages = list(range(len(self.columns)))
                widest = max((len(self.columns[i]) for i in pages), default=0)
            sets = Counter(tuple(self.columns[i]) for i in pages if len(self.columns[i]) == widest)
            if not sets:
                continue
            canonical = list(sets.most_common(1)[0][0])
            for index in range(side, len(self.columns), 2):
                own = self.columns[index]
                if all(any(abs(c.left - k.left) <= 1.0 for k in canonical) for c in own) and len(
                    own
                ) < len(canonical):
                    self.columns[index] = canonical
                    for line in self.lines[index]:
                        line.column = _column_of(line.x0, canonical)

    def _infer_areas(self) -> None:
        tops, bottoms = [], []
        for lines in self.lines:
            for line in lines:
                if line.column is not None and self.is_body(line):
                    leading = self.leading.get(line.size, 1.2 * line.size)
                    tops.append(line.y + 0.75 * leading)
                    bottoms.append(line.y - 0.25 * leading)
        for index, columns in enumerate(self.columns):
            if columns and tops:
                self.areas[index] = Box(columns[0].left, min(bottoms), columns[-1].right, max(tops))

    # -- per page --

    def measure(self) -> tuple[list[PageReport], Figures]:
        totals = Figures()
        reports = []
        body_sequence = [
            (p, line) for p, lines in enumerate(self.lines) for line in lines if self.is_body(line)
        ]
        next_body: dict[int, Line | None] = {
            id(line): following for (_, line), (_, following) in itertools.pairwise(body_sequence)
        }
        for p, page in enumerate(self.pages):
            figures = Figures()
            self._lines(p, figures, next_body)
            self._kerning(p, figures)
            self._ligatures(p, figures)
            self._grid(p, figures)
            fill = self._fill(p)
            reports.append(PageReport(page.index, page.label, self._used_columns(p), figures, fill))
            totals.add(figures)
        return reports, totals

    def _used_columns(self, p: int) -> int:
        return len({line.column for line in self.lines[p] if self.is_body(line)} - {None})

    def _lines(self, p: int, figures: Figures, next_body: dict[int, Line | None]) -> None:
        columns = self.columns[p]
        run_column: int | None = None
        run = 0
        for line in self.lines[p]:
            body = self.is_body(line)
            hyphen = body and line.ends_in_hyphen()
            # stacks: consecutive lines of one column ending in a hyphen
            if hyphen and line.column == run_column:
                run += 1
            else:
                run = 1 if hyphen else 0
                run_column = line.column
            if run == 3:
                figures.hyphen_stacks += 1
            if not body:
                continue
            figures.lines += 1
            if hyphen:
                self._hyphen_break(line, next_body.get(id(line)), figures)
            ratio = space_ratio(line)
            if ratio is None or line.column is None:
                continue
            right = columns[line.column].right
            edges = (line.x1, line.edge_before_hang())
            if not any(abs(edge - right) <= LINE_TOLERANCE for edge in edges):
                if line.x1 > right + LINE_TOLERANCE and line.edge_before_hang() > right:
                    figures.overfull += 1
                continue
            figures.justified += 1
            figures.over_1_5 += ratio > 1.5
            figures.over_2 += ratio > 2.0
            figures.hyphenated += hyphen
            if figures.worst_ratio is None or ratio > figures.worst_ratio:
                figures.worst_ratio, figures.worst_text = ratio, line.text.strip()

    def _hyphen_break(self, line: Line, following: Line | None, figures: Figures) -> None:
        text = line.text.rstrip()[:-1]
        before = _letters_before(text)
        after = _letters_after(following.text) if following else ""
        words = text.split()
        word = words[-1].lstrip("\"'‘“([") if words else ""
        shown = f"{word}-{after}"
        if len(before) < 2 or len(after) < 3:
            figures.short_breaks += 1
            self.short_breaks.append(shown)
        if before[:1].isupper() and (before + after).lower() not in self.lowercase_words:
            figures.capitalised_breaks += 1
            self.capitalised_breaks.append(shown)

    def _kerning(self, p: int, figures: Figures) -> None:
        for line in self.lines[p]:
            if not self.is_body(line):
                continue
            for glyph in line.glyphs:
                if glyph.text and glyph.text in LIGATURE_FORMS:
                    figures.presentation_forms += 1
                elif not glyph.text:
                    figures.missing_unicode += 1
            for a, b in itertools.pairwise(line.glyphs):
                if a.is_space or b.is_space or a.font != b.font or abs(a.size - b.size) > 0.01:
                    continue
                first, second = _glyph_char(a), _glyph_char(b)
                if first is None or second is None or not (first + second).strip():
                    continue
                kern = self.kerns.kern(a.font, first, second)
                if not kern:
                    continue
                expected = (a.width_em + kern) * a.em_x + a.charspace
                figures.kern_pairs += 1
                if abs((b.x - a.x) - expected) <= KERN_TOLERANCE:
                    figures.kerned += 1
                else:
                    self.unkerned[first + second] += 1

    def _ligatures(self, p: int, figures: Figures) -> None:
        for line in self.lines[p]:
            if not self.is_body(line):
                continue
            chars: list[str] = []
            owner: list[int] = []
            for number, glyph in enumerate(line.glyphs):
                text = LIGATURE_FORMS.get(glyph.text, glyph.text)
                chars.extend(text)
                owner.extend([number] * len(text))
            for match in LIGATURE_SITES.finditer("".join(chars)):
                one_glyph = len(set(owner[match.start() : match.end()])) == 1
                if match.group(0) == "ff":
                    figures.ff_sites += 1
                    figures.ff_ligatures += one_glyph
                else:
                    figures.ligature_sites += 1
                    figures.ligatures += one_glyph

    def _grid(self, p: int, figures: Figures) -> None:
        body = [line for line in self.lines[p] if self.is_body(line) and line.column is not None]
        if len({line.column for line in body}) < 2:
            return
        first = sorted(line.y for line in body if line.column == 0)
        for line in body:
            if line.column:
                figures.grid_lines += 1
                if any(abs(line.y - y) <= LINE_TOLERANCE for y in first):
                    figures.grid_on += 1

    def _fill(self, p: int) -> float:
        area = self.areas[p]
        if area is None or area.area <= 0:
            return 0.0
        columns = self.columns[p]
        boxes: list[Box] = []
        for line in self.lines[p]:
            leading = self.leading.get(line.size, 1.2 * line.size)
            if line.column is not None:
                x0, x1 = columns[line.column].left, columns[line.column].right
            else:
                x0, x1 = line.x0, line.x1
            box = Box(x0, line.y - 0.25 * leading, x1, line.y + 0.75 * leading).clip(area)
            if box:
                boxes.append(box)
        for image in self.pages[p].images:
            box = image.clip(area)
            if box:
                boxes.append(box)
        return round(_union_area(boxes) / area.area, 3)


def measure(pdf: Path, layout: Layout | None = None, font_dirs: Sequence[Path] = ()) -> Report:
    """Measure the body pages of ``pdf``; ``layout`` gives the geometry (else it is inferred)."""
    pages = read_body_pages(pdf)
    files: list[Path] = []
    if layout is not None:
        for family in layout.fonts.values():
            files.extend(
                path
                for path in (family.regular, family.bold, family.italic, family.bold_italic)
                if path is not None
            )
    for folder in font_dirs:
        files.extend(sorted(folder.glob("*.ttf")) + sorted(folder.glob("*.otf")))
    kerns = KernTable(files)
    geometry = Geometry.from_layout(layout) if layout is not None else None
    measurer = _Measurer(pages, geometry, kerns)
    reports, totals = measurer.measure()
    return Report(
        file=display_path(pdf),
        body_size=measurer.body_size,
        pages=reports,
        totals=totals,
        short_breaks=measurer.short_breaks,
        capitalised_breaks=measurer.capitalised_breaks,
        unkerned=measurer.unkerned,
        fonts_not_found=sorted(kerns.missing),
    )


# --- the table ---------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def _listed(items: Sequence[str], limit: int = 8) -> str:
    if not items:
        return ""
    shown = ", ".join(items[:limit])
    return f": {shown}" + (", ..." if len(items) > limit else "")


def format_report(report: Report) -> str:
    """The report as a table a designer reads: totals first, then one row per body page."""
    data = report.as_dict()
    t = data["totals"]
    worst = "n/a"
    if t["worst_ratio"] is not None:
        worst = f'{t["worst_ratio"]:.2f}x  "{t["worst_text"]}"'
    fills = [(page["fill"], page["label"]) for page in data["pages"]]
    fill = "n/a"
    if fills:
        low, label = min(fills)
        fill = f"min {100 * low:.1f} % (page {label}), mean {100 * t['fill_mean']:.1f} %"
    size = "n/a" if report.body_size is None else f"{report.body_size:g} pt"
    rows = [
        ("body lines", f"{t['lines']}"),
        ("justified lines", f"{t['justified']} (overfull: {t['overfull']})"),
        ("  word spaces > 1.5x natural", f"{_pct(t['over_1_5_pct'])} ({t['over_1_5']})"),
        ("  word spaces > 2x natural", f"{_pct(t['over_2_pct'])} ({t['over_2']})"),
        ("  worst line", worst),
        ("  ending in a hyphen", f"{_pct(t['hyphenated_pct'])} ({t['hyphenated']})"),
        ("stacks of 3+ hyphenated lines", f"{t['hyphen_stacks']}"),
        ("short-fragment breaks", f"{t['short_breaks']}{_listed(report.short_breaks)}"),
        (
            "hyphenated capitalised words",
            f"{t['capitalised_breaks']}{_listed(report.capitalised_breaks)}",
        ),
        ("kernable pairs kerned", f"{t['kerned']} of {t['kern_pairs']}"),
        ("fi/fl/ffi/ffl as ligatures", f"{t['ligatures']} of {t['ligature_sites']}"),
        ("ff as a ligature", f"{t['ff_ligatures']} of {t['ff_sites']}"),
        ("text extraction intact", "yes" if t["extraction_intact"] else "no"),
        (
            "right-column baselines on grid",
            f"{_pct(t['grid_pct'])} ({t['grid_on']} of {t['grid_lines']})",
        ),
        ("page fill", fill),
    ]
    lines = [
        f"typography: {report.file} ({len(report.pages)} body pages, body text {size})",
        "",
        *(f"{label:34} {value}" for label, value in rows),
    ]
    if report.fonts_not_found:
        lines.append(f"{'fonts not found (not kerned)':34} {', '.join(report.fonts_not_found)}")
    head = (
        f"{'page':>5} {'cols':>4} {'lines':>5} {'just':>5} {'>1.5x':>6} {'>2x':>5} "
        f"{'worst':>6} {'hyph':>5} {'stack':>5} {'short':>5} {'kerned':>9} {'lig':>7} "
        f"{'grid':>7} {'fill':>6}"
    )
    lines += ["", head, "-" * len(head)]
    for page in data["pages"]:
        worst_page = "" if page["worst_ratio"] is None else f"{page['worst_ratio']:.2f}"
        grid = f"{page['grid_on']}/{page['grid_lines']}" if page["grid_lines"] else ""
        lines.append(
            f"{page['label']:>5} {page['columns']:>4} {page['lines']:>5} {page['justified']:>5} "
            f"{page['over_1_5']:>6} {page['over_2']:>5} {worst_page:>6} {page['hyphenated']:>5} "
            f"{page['hyphen_stacks']:>5} {page['short_breaks']:>5} "
            f"{page['kerned']:>4}/{page['kern_pairs']:<4} "
            f"{page['ligatures']:>3}/{page['ligature_sites']:<3} {grid:>7} "
            f"{100 * page['fill']:>5.1f}%"
        )
    return "\n".join(lines)
