"""Key figures: two to four large numbers with a short label each, as reports open their results.

Set as a one-row table of paragraph cells (a grid of two by two where the measure is too narrow
for four), each under a short rule in the accent colour; the numbers are written for the
edition's language like every other number in the report.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph, Table

from printpipe.compose.flowables import table_style
from printpipe.compose.styles import StyleSheet
from printpipe.compose.tables import minus_sign
from printpipe.model import MM, KeyFigure, KeyFigures, NumberFormat
from printpipe.numformat import format_number

MIN_CELL = 34 * MM


def figure_text(
    figure: KeyFigure, language: str, negative: str = "minus", minus: str = "\u2212"
) -> str:
    """The figure as printed: prefix, number written for ``language``, suffix."""
    value = figure.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        decimals = figure.decimals if figure.decimals is not None else 0
        if figure.decimals is None and isinstance(value, float) and not value.is_integer():
            decimals = len(repr(value).split(".")[1])
        number = NumberFormat("number", decimals)
        value = format_number(float(value), number, language, negative, decimals, minus)
    return f"{figure.prefix}{value}{figure.suffix}"


def key_figures(part: KeyFigures, sheet: StyleSheet, language: str, width: float) -> list[Flowable]:
    """The figures across ``width``; two per row when four do not fit."""
    count = len(part.figures)
    per_row = count if width / count >= MIN_CELL else 2 if width / 2 >= MIN_CELL else 1
    negative = sheet.layout.tables.negative
    cells = [
        [
            Paragraph(
                sheet.plain(
                    figure_text(figure, language, negative, minus_sign(sheet, "key_figure")),
                    "key_figure",
                ),
                sheet["key_figure"],
            ),
            Paragraph(sheet.plain(figure.label, "key_figure_label"), sheet["key_figure_label"]),
        ]
        for figure in part.figures
    ]
    rows: list[list[object]] = []
    for start in range(0, count, per_row):
        group = cells[start : start + per_row]
        group += [[]] * (per_row - len(group))
        row: list[object] = []
        for index, cell in enumerate(group):
            row += [cell] if index == 0 else ["", cell]  # a gap column keeps the rules apart
        rows.append(row)
    accent = sheet.palette["accent" if "accent" in sheet.layout.colours else "text"]
    gap = 10.0
    commands: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]
    for row_index, row in enumerate(rows):
        for column in range(0, len(row), 2):
            if row[column]:
                commands.append(
                    ("LINEABOVE", (column, row_index), (column, row_index), 1.5, accent)
                )
    cell_width = (width - gap * (per_row - 1)) / per_row
    widths = [cell_width if i % 2 == 0 else gap for i in range(2 * per_row - 1)]
    items: list[Flowable] = []
    if part.title:
        items.append(Paragraph(sheet.plain(part.title, "h3"), sheet["h3"]))
    table = Table(
        rows,
        colWidths=widths,
        hAlign="LEFT",
        style=table_style(sheet, *commands),
        spaceBefore=4,
        spaceAfter=8,
    )
    items.append(table)
    return items
