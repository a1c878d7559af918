"""The validated edition: what every later stage reads.

Everything here is a frozen dataclass made by :mod:`printpipe.load` after validation, so later
stages never see raw YAML and never need to re-check it.  Lengths are in millimetres where a
designer writes them (layouts) and in points where the PDF needs them (the ``*_pt`` helpers).
Each content value keeps a :class:`~printpipe.errors.Location` so any stage can say where it
came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from printpipe.errors import Location

MM = 72.0 / 25.4


def mm_to_pt(mm: float) -> float:
    """Millimetres to PDF points."""
    return mm * MM


# --- Markdown content -------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A stretch of inline text with one set of attributes."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None
    line_break: bool = False


@dataclass(frozen=True)
class Heading:
    """A Markdown heading; level 1 titles a section and goes into the contents."""

    level: int
    runs: tuple[Run, ...]
    location: Location

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text."""

    runs: tuple[Run, ...]
    location: Location


@dataclass(frozen=True)
class ListBlock:
    """A bullet or numbered list; each item is a sequence of blocks."""

    ordered: bool
    start: int
    items: tuple[tuple[Block, ...], ...]
    location: Location


@dataclass(frozen=True)
class Quote:
    """A block quote."""

    blocks: tuple[Block, ...]
    location: Location


@dataclass(frozen=True)
class TableBlock:
    """A Markdown pipe table: cells as runs, one alignment per column (left, right, centre)."""

    header: tuple[tuple[Run, ...], ...]
    rows: tuple[tuple[tuple[Run, ...], ...], ...]
    aligns: tuple[str, ...]
    location: Location


Block = Heading | Paragraph | ListBlock | Quote | TableBlock


# --- Body parts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A Markdown file's blocks."""

    source: Path
    blocks: tuple[Block, ...]
    location: Location
    break_before: str | None = None  # recto | page | column | none; None: the default


@dataclass(frozen=True)
class TableOfContents:
    """Where the contents list goes, and its title."""

    title: str
    location: Location
    break_before: str | None = None  # recto | page | column | none; None: the default


@dataclass(frozen=True)
class Photo:
    """A photo placed at column width, text width or as a full-bleed page."""

    source: Path
    caption: str | None
    credit: str | None
    placement: str
    location: Location
    alt: str | None = None  # what the photo shows, for screen readers (tagged targets)
    break_before: str | None = None
    focus: tuple[float, float] | None = None  # where the subject is, fractions of the image
    crop: tuple[float, float, float, float] | None = None  # x, y, w, h, fractions of the image


@dataclass(frozen=True)
class PullQuote:
    """A quotation set large."""

    text: str
    attribution: str | None
    location: Location
    lang: str | None = None  # the quotation's language, when not the edition's
    break_before: str | None = None  # recto | page | column | none; None: the default


@dataclass(frozen=True)
class Callout:
    """A boxed call to action."""

    title: str
    text: str
    link: str | None
    link_text: str | None
    location: Location
    break_before: str | None = None  # recto | page | column | none; None: the default


@dataclass(frozen=True)
class Signatory:
    """One person signing: name, role and an optional signature image."""

    name: str
    role: str
    image: Path | None
    location: Location
    alt: str | None = None  # default: "Signature of NAME"


@dataclass(frozen=True)
class Signatures:
    """Signatories set side by side."""

    signatories: tuple[Signatory, ...]
    location: Location
    break_before: str | None = None  # recto | page | column | none; None: the default


@dataclass(frozen=True)
class RelatedItem:
    """One related report."""

    title: str
    url: str | None
    note: str | None


@dataclass(frozen=True)
class Related:
    """A list of related reports."""

    title: str
    items: tuple[RelatedItem, ...]
    location: Location
    break_before: str | None = None  # recto | page | column | none; None: the default


@dataclass(frozen=True)
class PageBreak:
    """Force a new page."""

    location: Location


# --- Data parts (tables, charts, key figures from CSV and YAML) ---------------------------------


@dataclass(frozen=True)
class NumberFormat:
    """How a column's (or an axis's) numbers are written: kind, decimals, currency, scale."""

    kind: str = "number"  # "text" | "number" | "currency" | "percent"
    decimals: int | None = None  # None: as many as the source shows
    currency: str = ""
    scale: float = 1.0  # values are divided by this before they are written


@dataclass(frozen=True)
class DataColumn:
    """One column of a data table: its header and how its cells are written."""

    label: str
    format: NumberFormat
    align: str = "left"  # "left" | "right" | "centre"


Cell = str | float


@dataclass(frozen=True)
class DataTable:
    """A table read from CSV: typed cells (numbers as floats), the last ``totals`` rows styled."""

    name: str
    columns: tuple[DataColumn, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str | None
    source: str | None
    placement: str
    totals: int
    location: Location
    decimals: tuple[int, ...] = ()  # per column: the most decimals the source shows
    break_before: str | None = None


@dataclass(frozen=True)
class Chart:
    """A chart drawn from CSV: categories along ``x``, one or more named series of values."""

    name: str
    kind: str  # "bar" | "stacked-bar" | "line" | "pie" | "donut"
    x_label: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    format: NumberFormat
    title: str | None
    caption: str | None
    source: str | None
    units: str | None
    placement: str
    location: Location
    decimals: int = 0
    alt: str | None = None  # alternative text; default: chart_summary() of the data
    break_before: str | None = None


@dataclass(frozen=True)
class KeyFigure:
    """One large number with its label ("1,650" / "people trained")."""

    value: float | str
    label: str
    prefix: str = ""
    suffix: str = ""
    decimals: int | None = None


@dataclass(frozen=True)
class KeyFigures:
    """Two to four key figures set across the measure."""

    figures: tuple[KeyFigure, ...]
    title: str | None
    location: Location
    placement: str = "column"
    break_before: str | None = None


Part = (
    Section
    | TableOfContents
    | Photo
    | PullQuote
    | Callout
    | Signatures
    | Related
    | PageBreak
    | DataTable
    | Chart
    | KeyFigures
)


# --- Supplied PDFs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SuppliedPdf:
    """A designer's or accountant's PDF, merged as it is."""

    source: Path
    label: str
    title: str
    fit: str = "scale"
    bleed_mm: float | None = None  # declared bleed of a page without a TrimBox
    spot_colours: str | None = None  # "keep" | "convert" | None (not decided: a warning)
    password: str | None = None
    accept: str | None = None
    location: Location | None = None
    rgb_source: Path | None = None  # an RGB export of the same pages, for RGB targets
    alt: str | None = None  # what an untagged file's pages show (default: its title)

    def for_colour(self, colour: str) -> SuppliedPdf:
        """The file to merge for a target of ``colour`` ("cmyk" or "rgb")."""
        if colour == "rgb" and self.rgb_source is not None:
            return replace(self, source=self.rgb_source, label=str(self.rgb_label))
        return self

    @property
    def rgb_label(self) -> str | None:
        if self.rgb_source is None:
            return None
        return str(Path(self.label).with_name(self.rgb_source.name))


@dataclass(frozen=True)
class Cover:
    """The cover PDF: its first pages go before the body, its last pages after appendices."""

    pdf: SuppliedPdf
    front_pages: int = 2
    back_pages: int = 2

    def for_colour(self, colour: str) -> Cover:
        """The cover to merge for a target of ``colour``."""
        return replace(self, pdf=self.pdf.for_colour(colour))


# --- Layout ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colour:
    """One named colour, given both for press (CMYK, 0-100) and for screens (sRGB hex)."""

    name: str
    cmyk: tuple[float, float, float, float]
    rgb: str


@dataclass(frozen=True)
class FontFamily:
    """The four faces of one family; missing faces fall back to regular."""

    name: str
    regular: Path
    bold: Path | None = None
    italic: Path | None = None
    bold_italic: Path | None = None

    def face(self, weight: str) -> Path:
        """The file for ``weight`` (regular, bold, italic, bold_italic)."""
        chosen: Path | None = getattr(self, weight)
        return chosen or self.regular

    def files(self) -> tuple[Path, ...]:
        faces = (self.regular, self.bold, self.italic, self.bold_italic)
        return tuple(path for path in faces if path is not None)


@dataclass(frozen=True)
class TextStyle:
    """A paragraph style from the layout's type scale."""

    name: str
    font: str
    weight: str = "regular"
    size: float = 10.0
    leading: float = 13.0
    colour: str = "text"
    align: str = "left"
    hyphenate: bool = False
    space_before: float = 0.0
    space_after: float = 0.0
    first_line_indent: float = 0.0
    left_indent: float = 0.0
    keep_with_next: bool = False
    uppercase: bool = False
    letter_spacing: float = 0.0


@dataclass(frozen=True)
class PageGeometry:
    """Trim, bleed, margins and columns, in millimetres as the designer wrote them."""

    trim_mm: tuple[float, float]
    bleed_mm: float
    margin_top_mm: float
    margin_bottom_mm: float
    margin_inner_mm: float
    margin_outer_mm: float
    columns: int
    gutter_mm: float
    safe_mm: float = 5.0
    sections_start: str = "page"  # recto | page | column | continue
    short_section_start: str | None = None  # where sections shorter than below start
    short_section_pages: float = 0.0
    min_fill: float = 0.0  # a section's last page under this share does not end the section
    lone_photos: str = "keep"  # full-bleed: a full-width photo alone on a page takes the page

    @property
    def trim_pt(self) -> tuple[float, float]:
        return (mm_to_pt(self.trim_mm[0]), mm_to_pt(self.trim_mm[1]))

    @property
    def bleed_pt(self) -> float:
        return mm_to_pt(self.bleed_mm)

    @property
    def media_pt(self) -> tuple[float, float]:
        """Page size of the press body: trim plus bleed on every side."""
        width, height = self.trim_pt
        return (width + 2 * self.bleed_pt, height + 2 * self.bleed_pt)

    @property
    def text_width_pt(self) -> float:
        return self.trim_pt[0] - mm_to_pt(self.margin_inner_mm + self.margin_outer_mm)

    @property
    def text_height_pt(self) -> float:
        return self.trim_pt[1] - mm_to_pt(self.margin_top_mm + self.margin_bottom_mm)

    @property
    def column_width_pt(self) -> float:
        gutters = (self.columns - 1) * mm_to_pt(self.gutter_mm)
        return (self.text_width_pt - gutters) / self.columns


@dataclass(frozen=True)
class PressSettings:
    """Press-only settings from the layout."""

    pad_to_multiple: int = 4
    marks: bool = False
    allow_padding: bool = True  # False: a document that needs blank pages is an error
    overprint_black: bool = True  # 100 % K text and rules overprint in the press file
    spot_colours: str | None = None  # supplied files' spot colours: "keep" | "convert"
    total_ink_limit: float = 300.0  # percent; the profile's limit (tools/build_icc.sh -l 300)
    cmyk_profile: Path | None = None
    rgb_profile: Path | None = None
    output_condition: str = "FOGRA39 (ISO 12647-2:2004, coated paper)"
    output_condition_identifier: str = "FOGRA39"
    registry: str = "http://www.color.org"


@dataclass(frozen=True)
class ImageThresholds:
    """Resolution rules, in pixels per inch at the placed size."""

    error_below_ppi: float = 150.0
    warn_below_ppi: float = 300.0
    max_ppi: float = 450.0
    target_ppi: float = 300.0
    screen_ppi: float = 150.0


@dataclass(frozen=True)
class RunningHead:
    """Templates for the running heads.

    Fields: {title} {subtitle} {organisation} {year} {section}.
    """

    verso: str = "{organisation}"
    recto: str = "{section}"
    rule: bool = True
    skip: tuple[str, ...] = ()  # page kinds without a running head: contents, openers


@dataclass(frozen=True)
class Hyphenation:
    """Hyphenation rules beyond the patterns: word lists, and whether capitals may break."""

    capitalised: bool = False
    exceptions: tuple[str, ...] = ()
    never: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableLook:
    """Rules and shading of tables (colour names from ``colours:``), and negative numbers."""

    rule: str = "text"
    rule_width: float = 0.5
    header_rule_width: float = 0.8
    header_fill: str | None = None
    stripe: str | None = None
    total_fill: str | None = None
    total_rule_width: float = 0.8
    negative: str = "minus"  # "minus" (−1,234) | "parentheses" ((1,234))


@dataclass(frozen=True)
class Layout:
    """A house style, after ``extends:`` has been resolved."""

    name: str
    source: Path
    label: str
    page: PageGeometry
    fonts: dict[str, FontFamily]
    fallback_fonts: tuple[Path, ...]
    colours: dict[str, Colour]
    styles: dict[str, TextStyle]
    running_head: RunningHead
    folio_position: str
    folio_start: int
    press: PressSettings
    images: ImageThresholds
    files: tuple[Path, ...] = ()
    contents_leaders: bool = True
    palette: tuple[Colour, ...] = ()  # chart series colours, in order
    tables: TableLook = TableLook()
    grid: bool = False
    hyphenation: Hyphenation = Hyphenation()


# --- The edition -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """One year's report, fully validated."""

    root: Path
    label: str
    title: str
    subtitle: str | None
    organisation: str
    year: int
    language: str
    date: str | None
    slug: str
    layout: Layout
    cover: Cover | None
    appendices: tuple[SuppliedPdf, ...]
    parts: tuple[Part, ...]
    inputs: tuple[Path, ...] = field(default=())
    hyphenation: Hyphenation = Hyphenation()
