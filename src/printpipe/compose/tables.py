"""Tables (from CSV parts and Markdown pipe tables) as ReportLab platypus Tables.

Every cell is a Paragraph, so text wraps inside its column and a later tagging step can see
cells as text; the header row is ``repeatRows`` (repeated when the table breaks across columns
or pages, and identifiable as the header), and rows never split (``splitInRow=0``).  Column
widths are measured here rather than left to ReportLab, so a table that cannot fit its
placement is an error naming the table and its width instead of a squeezed or overflowing
table.  Numbers are right-aligned with the same decimals per column, which aligns them on the
decimal mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table

from printpipe.compose.flowables import table_style
from printpipe.compose.styles import StyleSheet
from printpipe.errors import InvalidEditionError, Location
from printpipe.model import MM, DataTable, Run, TableBlock
from printpipe.numformat import EN_DASH, MINUS, format_number

PAD = 4.0  # points between columns (each side of a cell boundary)
KEEP_WHOLE = 6  # tables of up to this many body rows never break
CSV_HINT = (
    "leave out or shorten columns (columns:, label:), use placement: full-width, or a smaller "
    "table style"
)
PIPE_HINT = (
    "use fewer or shorter columns, or put the data in a CSV file and use a table: part with "
    "placement: full-width"
)
_ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "centre": TA_CENTER}


@dataclass(frozen=True)
class TableCell:
    """One cell: its paragraph markup and its plain text (for measuring)."""

    markup: str
    text: str


def minus_sign(sheet: StyleSheet, style_name: str) -> str:
    """U+2212 where the style's face has it, else an en dash (Noto's subsets lack the minus)."""
    face = sheet.book.face(sheet.layout.styles[style_name])
    return MINUS if sheet.book.has(face, MINUS) else EN_DASH


def _style(base: ParagraphStyle, align: str, name: str) -> ParagraphStyle:
    return ParagraphStyle(
        f"{base.name}-{name}-{align}",
        parent=base,
        alignment=_ALIGN.get(align, TA_LEFT),
        spaceBefore=0,
        spaceAfter=0,
        firstLineIndent=0,
        leftIndent=0,
        hyphenationLang="",
        embeddedHyphenation=0,
    )


def _width(text: str, face: str, size: float) -> float:
    return stringWidth(text, face, size)


def _bold_face(sheet: StyleSheet, style_name: str) -> str:
    style = sheet.layout.styles[style_name]
    return sheet.book.face(style, bold=True)


def _column_widths(
    header: Sequence[TableCell],
    rows: Sequence[Sequence[TableCell]],
    wraps: Sequence[bool],
    sheet: StyleSheet,
    available: float,
    name: str,
    location: Location,
    hint: str,
) -> list[float]:
    """Widths that fill ``available``; text columns wrap down to their longest word."""
    body, head = sheet["table"], sheet["table_header"]
    bold = _bold_face(sheet, "table")
    count = len(header)
    natural = [0.0] * count
    least = [0.0] * count
    for index in range(count):
        cells = [(header[index].text, head.fontName, head.fontSize)] + [
            (row[index].text, bold, body.fontSize) for row in rows if index < len(row)
        ]
        for text, face, size in cells:
            natural[index] = max(natural[index], _width(text, face, size))
            longest = max(text.split(), key=len, default="")
            least[index] = max(
                least[index],
                _width(longest, face, size) if wraps[index] else _width(text, face, size),
            )
    padding = [PAD * 2] * count
    padding[0] -= PAD
    padding[-1] -= PAD
    natural = [w + p for w, p in zip(natural, padding, strict=True)]
    least = [w + p + 0.5 for w, p in zip(least, padding, strict=True)]
    if sum(least) > available:
        raise InvalidEditionError(
            f"the table '{name:.60}' is {sum(least) / MM:.0f} mm wide at its narrowest; its "
            f"placement has room for {available / MM:.0f} mm",
            location=location,
            hint=hint,
        )
    widths = list(natural)
    if sum(widths) > available:
        # Take the excess from the wrapping columns, in proportion to what each can give.
        excess = sum(widths) - available
        give = [
            w - m if wraps[i] else 0.0 for i, (w, m) in enumerate(zip(widths, least, strict=True))
        ]
        total = sum(give)
        widths = [w - excess * g / total for w, g in zip(widths, give, strict=True)]
    else:
        # Fill the measure: the extra goes to the first text column (labels get the room).
        target = next((i for i, wrap in enumerate(wraps) if wrap), 0)
        widths[target] += available - sum(widths)
    return widths


def build_table(
    header: Sequence[TableCell],
    rows: Sequence[Sequence[TableCell]],
    aligns: Sequence[str],
    wraps: Sequence[bool],
    totals: int,
    sheet: StyleSheet,
    available: float,
    name: str,
    location: Location,
    extra: Sequence[tuple] = (),
    hint: str = CSV_HINT,
) -> Table:
    """A platypus Table of paragraph cells in the layout's table look (``extra``: commands)."""
    look = sheet.layout.tables
    palette = sheet.palette
    widths = _column_widths(header, rows, wraps, sheet, available, name, location, hint)
    head_styles = [_style(sheet["table_header"], a, "h") for a in aligns]
    body_styles = [_style(sheet["table"], a, "b") for a in aligns]
    data: list[list[Flowable]] = [
        [Paragraph(cell.markup, head_styles[i]) for i, cell in enumerate(header)]
    ]
    first_total = len(rows) - totals
    for number, row in enumerate(rows):
        cells = list(row) + [TableCell("", "")] * (len(header) - len(row))
        data.append(
            [
                Paragraph(
                    f"<b>{cell.markup}</b>"
                    if number >= first_total and cell.markup
                    else cell.markup,
                    body_styles[i],
                )
                for i, cell in enumerate(cells[: len(header)])
            ]
        )
    rule = palette[look.rule]
    commands: list[tuple] = [
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *extra,
    ]
    if look.header_fill:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), palette[look.header_fill]))
        commands.append(("LEFTPADDING", (0, 0), (0, -1), PAD))
        commands.append(("RIGHTPADDING", (-1, 0), (-1, -1), PAD))
        widths[0] += PAD
        widths[-1] += PAD
        widths = [w * available / sum(widths) for w in widths]
    if look.header_rule_width:
        commands.append(("LINEBELOW", (0, 0), (-1, 0), look.header_rule_width, rule))
    if look.rule_width:
        commands.append(("LINEBELOW", (0, 1), (-1, -1), look.rule_width, rule))
    if look.stripe:
        for number in range(1, first_total + 1, 2):
            commands.append(("BACKGROUND", (0, number + 1), (-1, number + 1), palette[look.stripe]))
    # Widows and orphans of tables: the header keeps its first two rows, the last two rows stay
    # together, and a table of a few rows is never broken at all.
    body = len(rows)
    if body <= KEEP_WHOLE:
        commands.append(("NOSPLIT", (0, 0), (-1, -1)))
    else:
        commands.append(("NOSPLIT", (0, 0), (-1, 2)))
        commands.append(("NOSPLIT", (0, -2), (-1, -1)))
    if totals:
        start = first_total + 1
        if look.total_rule_width:
            commands.append(("LINEABOVE", (0, start), (-1, -1), look.total_rule_width, rule))
        if look.total_fill:
            commands.append(("BACKGROUND", (0, start), (-1, -1), palette[look.total_fill]))
    table = Table(
        data,
        colWidths=widths,
        repeatRows=1,
        splitByRow=1,
        splitInRow=0,
        hAlign="LEFT",
        style=table_style(sheet, *commands),
        spaceBefore=2,
        spaceAfter=2,
    )
    table._pp_table = name  # for the tagging step: this is a data table with a header row
    return table


def title_style(sheet: StyleSheet) -> ParagraphStyle:
    """Titles of tables and charts: the h3 style, kept with what it titles."""
    return ParagraphStyle(
        "data-title", parent=sheet["h3"], keepWithNext=1, spaceBefore=8, spaceAfter=4
    )


def notes(caption: str | None, source: str | None, sheet: StyleSheet) -> list[Flowable]:
    """A caption (caption style) and a source note (credit style) under a table or chart."""
    items: list[Flowable] = []
    if caption:
        items.append(Paragraph(sheet.plain(caption, "caption"), sheet["caption"]))
    if source:
        style = ParagraphStyle("data-source", parent=sheet["credit"], spaceBefore=2)
        items.append(Paragraph(sheet.plain(source, "credit"), style))
    return items


def captioned(
    table: Flowable, caption: str | None, source: str | None, sheet: StyleSheet
) -> list[Flowable]:
    """The caption as a title above (kept with the table's first rows), source note below."""
    items: list[Flowable] = []
    if caption:
        items.append(Paragraph(sheet.plain(caption, "h3"), title_style(sheet)))
    items.append(table)
    items.extend(notes(None, source, sheet))
    return items


def data_table(
    part: DataTable, sheet: StyleSheet, language: str, available: float
) -> list[Flowable]:
    """A CSV table part: caption, table and source note."""
    negative = sheet.layout.tables.negative
    minus = minus_sign(sheet, "table")
    header = [TableCell(sheet.plain(c.label, "table_header"), c.label) for c in part.columns]
    # With accountants' parentheses, positive numbers hang back by the width of ")" so the
    # digits of a column stay aligned.
    hanging = {
        index
        for index, column in enumerate(part.columns)
        if negative == "parentheses"
        and column.align == "right"
        and any(isinstance(value, float) and value < 0 for value in (r[index] for r in part.rows))
    }
    paren = stringWidth(")", sheet["table"].fontName, sheet["table"].fontSize)
    extra: list[tuple] = []
    rows = []
    for number, row in enumerate(part.rows, start=1):
        cells = []
        for index, (column, value) in enumerate(zip(part.columns, row, strict=True)):
            if isinstance(value, float):
                places = part.decimals[index] if index < len(part.decimals) else 0
                text = format_number(value, column.format, language, negative, places, minus)
            else:
                text = value
            cell = TableCell(sheet.plain(text, "table"), text)
            if index in hanging and not text.endswith(")"):
                pad = (0.0 if index == len(part.columns) - 1 else PAD) + paren
                extra.append(("RIGHTPADDING", (index, number), (index, number), pad))
                cell = TableCell(cell.markup, text + ")")  # measured with the space it keeps
            cells.append(cell)
        rows.append(cells)
    wraps = [c.format.kind == "text" for c in part.columns]
    table = build_table(
        header,
        rows,
        [c.align for c in part.columns],
        wraps,
        min(part.totals, len(rows)),
        sheet,
        available,
        part.name,
        part.location,
        extra,
    )
    return captioned(table, part.caption, part.source, sheet)


def _runs_cell(runs: Sequence[Run], sheet: StyleSheet, style: str) -> TableCell:
    return TableCell(sheet.markup(runs, style), "".join(run.text for run in runs))


def pipe_table(block: TableBlock, sheet: StyleSheet, available: float) -> Flowable:
    """A Markdown pipe table; a last row whose first cell starts with "Total" is a totals row."""
    header = [_runs_cell(runs, sheet, "table_header") for runs in block.header]
    rows = [[_runs_cell(runs, sheet, "table") for runs in row] for row in block.rows]
    totals = 0
    for row in reversed(rows):
        if row and row[0].text.strip().lower().startswith("total"):
            totals += 1
        else:
            break
    wraps = [align == "left" for align in block.aligns]
    first = header[0].text.strip() if header else ""
    return build_table(
        header,
        rows,
        block.aligns,
        wraps,
        totals,
        sheet,
        available,
        f"{first} | …" if first else "pipe table",
        block.location,
        hint=PIPE_HINT,
    )
