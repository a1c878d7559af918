"""The data parts of edition.yaml (``table:``, ``chart:``, ``figures:``) as validated values.

Called by :mod:`printpipe.load` for each data part, after the schema check: it reads the CSV
(:mod:`printpipe.tabular`), finds the columns the part names, and turns numeric cells into
numbers, reporting every missing column and every cell that is not a number with its
``file.csv:line:col``.  Formatting the numbers for the edition's language is left to compose.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from printpipe.errors import Diagnostic, Location
from printpipe.model import (
    Cell,
    Chart,
    DataColumn,
    DataTable,
    KeyFigure,
    KeyFigures,
    NumberFormat,
)
from printpipe.numformat import decimals_of
from printpipe.tabular import CsvCell, CsvTable, parse_number, read_csv

Resolve = Callable[[str], Path | None]
"""Resolves the path under a key of the part (``"file"``); None when a problem was recorded."""
Where = Callable[[tuple[str | int, ...]], Location]
"""The edition.yaml location of a key inside the part."""

NUMERIC = ("number", "currency", "percent")
CHART_LIMITS = {"pie": 8, "donut": 8, "bar": 24, "stacked-bar": 24, "line": 60}


def _format(spec: dict[str, Any], default: str = "number") -> NumberFormat:
    return NumberFormat(
        kind=str(spec.get("format", default)),
        decimals=spec.get("decimals") if isinstance(spec.get("decimals"), int) else None,
        currency=str(spec.get("currency", "")),
        scale=float(spec.get("scale", 1) or 1),
    )


def _missing_column(
    table: CsvTable, name: str, where: Location, problems: list[Diagnostic]
) -> None:
    names = [cell.text for cell in table.header]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    first = table.header[0]
    problems.append(
        Diagnostic(
            f"no column '{name}' in the header (named at {where}); the columns are: "
            f"{', '.join(names)}",
            table.where(first),
            f"did you mean '{close[0]}'?" if close else "use a heading from the CSV's first row",
        )
    )


def _number(
    table: CsvTable,
    cell: CsvCell,
    column: str,
    problems: list[Diagnostic],
    allow_empty: bool,
) -> float | str:
    if not cell.text.strip() and allow_empty:
        return ""
    value = parse_number(cell.text)
    if value is None:
        shown = cell.text.strip() or "an empty cell"
        problems.append(
            Diagnostic(
                f"'{shown:.40}' in column '{column}' is not a number",
                table.where(cell),
                "write plain numbers (1284700 or -1250.50) without currency signs, spaces or "
                "per-cent signs; the part's format: adds them",
            )
        )
        return ""
    return value


def _cells(row: tuple[CsvCell, ...], index: int) -> CsvCell:
    return row[index] if index < len(row) else CsvCell("", row[-1].line, row[-1].column)


def _read_data(
    resolve: Resolve, label: Callable[[Path], str], problems: list[Diagnostic]
) -> tuple[Path, CsvTable] | None:
    """The part's CSV file, read; None when it is missing or unreadable (problems recorded)."""
    path = resolve("file")
    if path is None:
        return None
    table, found = read_csv(path, label(path))
    problems.extend(found)
    return None if table is None else (path, table)


def build_table(
    value: dict[str, Any],
    resolve: Resolve,
    where: Where,
    label: Callable[[Path], str],
    problems: list[Diagnostic],
) -> DataTable | None:
    """A ``table:`` part; None when its file or columns have problems (recorded)."""
    before = len(problems)
    read = _read_data(resolve, label, problems)
    if read is None:
        return None
    path, table = read
    specs = value.get("columns")
    if not isinstance(specs, list):
        specs = [{"column": cell.text} for cell in table.header]
        for index, spec in enumerate(specs):
            numeric = index > 0 and all(
                parse_number(row[index].text) is not None or not row[index].text.strip()
                for row in table.rows
                if index < len(row)
            )
            spec["format"] = "number" if numeric else "text"
    columns: list[DataColumn] = []
    indices: list[int] = []
    for number, spec in enumerate(specs):
        if not isinstance(spec, dict):
            continue
        name = str(spec.get("column", ""))
        position = table.index(name)
        if position is None:
            _missing_column(table, name, where(("columns", number, "column")), problems)
            continue
        index = position
        fmt = _format(spec, "text")
        align = spec.get("align") or ("right" if fmt.kind in NUMERIC else "left")
        columns.append(DataColumn(str(spec.get("label", table.header[index].text)), fmt, align))
        indices.append(index)
    rows: list[tuple[Cell, ...]] = []
    decimals = [0] * len(columns)
    for row in table.rows:
        cells: list[Cell] = []
        for position, (column, index) in enumerate(zip(columns, indices, strict=True)):
            cell = _cells(row, index)
            if column.format.kind in NUMERIC:
                cells.append(_number(table, cell, column.label, problems, allow_empty=True))
                decimals[position] = max(decimals[position], decimals_of(cell.text))
            else:
                cells.append(cell.text.strip())
        rows.append(tuple(cells))
    if len(problems) > before:
        return None
    totals = value.get("totals", 0)
    return DataTable(
        name=str(value.get("caption") or label(path)),
        columns=tuple(columns),
        rows=tuple(rows),
        caption=value.get("caption"),
        source=value.get("source"),
        placement=str(value.get("placement", "column")),
        totals=totals if isinstance(totals, int) and not isinstance(totals, bool) else 0,
        location=where(()),
        decimals=tuple(decimals),
    )


def build_chart(
    value: dict[str, Any],
    resolve: Resolve,
    where: Where,
    label: Callable[[Path], str],
    problems: list[Diagnostic],
) -> Chart | None:
    """A ``chart:`` part; None when its file or columns have problems (recorded)."""
    before = len(problems)
    read = _read_data(resolve, label, problems)
    if read is None:
        return None
    path, table = read
    totals = value.get("totals", 0)
    if isinstance(totals, int) and not isinstance(totals, bool) and 0 < totals < len(table.rows):
        # The last rows of an accounts export are totals; a chart leaves them out.
        table = CsvTable(table.label, table.header, table.rows[: len(table.rows) - totals])
    x_name = str(value.get("x", ""))
    x_index = table.index(x_name)
    if x_index is None:
        _missing_column(table, x_name, where(("x",)), problems)
    raw_y = value.get("y")
    y_names = [str(raw_y)] if isinstance(raw_y, str) else [str(name) for name in raw_y or ()]
    y_indices: list[int] = []
    for number, name in enumerate(y_names):
        index = table.index(name)
        if index is None:
            key: tuple[str | int, ...] = ("y",) if isinstance(raw_y, str) else ("y", number)
            _missing_column(table, name, where(key), problems)
        else:
            y_indices.append(index)
    kind = str(value.get("type", "bar"))
    if kind in ("pie", "donut") and len(y_names) > 1:
        problems.append(
            Diagnostic(
                f"a {kind} chart shows one series; y: names {len(y_names)}",
                where(("y",)),
                "name one column, or use type: bar or stacked-bar",
            )
        )
    limit = CHART_LIMITS.get(kind, 24)
    if len(table.rows) > limit:
        problems.append(
            Diagnostic(
                f"a {kind} chart of {len(table.rows)} rows cannot be read; the limit is {limit}",
                table.where(table.rows[limit][0]),
                "group the small items into 'Other', or show the data as a table: part",
            )
        )
    if x_index is None or len(y_indices) < len(y_names):
        return None
    categories = tuple(_cells(row, x_index).text.strip() for row in table.rows)
    series: list[tuple[str, tuple[float, ...]]] = []
    decimals = 0
    for index in y_indices:
        values: list[float] = []
        name = table.header[index].text.strip()
        for row in table.rows:
            cell = _cells(row, index)
            amount = _number(table, cell, name, problems, allow_empty=False)
            decimals = max(decimals, decimals_of(cell.text))
            values.append(amount if isinstance(amount, float) else 0.0)
            if kind in ("pie", "donut") and isinstance(amount, float) and amount < 0:
                problems.append(
                    Diagnostic(
                        f"a {kind} chart cannot show the negative value {cell.text.strip()}",
                        table.where(cell),
                        "use a bar chart for data with negative values",
                    )
                )
        series.append((name, tuple(values)))
    if len(problems) > before:
        return None
    fmt = _format(value)
    return Chart(
        name=str(value.get("title") or value.get("caption") or label(path)),
        kind=kind,
        x_label=table.header[x_index].text.strip(),
        categories=categories,
        series=tuple(series),
        format=fmt,
        title=value.get("title"),
        caption=value.get("caption"),
        source=value.get("source"),
        units=value.get("units"),
        placement=str(value.get("placement", "column")),
        location=where(()),
        decimals=decimals if fmt.scale == 1 else 0,
        alt=value.get("alt"),
    )


def build_figures(value: dict[str, Any], where: Where) -> KeyFigures:
    """A ``figures:`` part (the schema has checked its shape)."""
    raw = value.get("items")
    items: list[Any] = raw if isinstance(raw, list) else []
    figures = tuple(
        KeyFigure(
            value=item.get("value", ""),
            label=str(item.get("label", "")),
            prefix=str(item.get("prefix", "")),
            suffix=str(item.get("suffix", "")),
            decimals=item.get("decimals") if isinstance(item.get("decimals"), int) else None,
        )
        for item in items
        if isinstance(item, dict)
    )
    placement = str(value.get("placement", "column"))
    return KeyFigures(figures, value.get("title"), where(()), placement)
