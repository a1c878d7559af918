"""CSV files as the spreadsheet exported them: cells with their line and column, checked.

The organisation's finance spreadsheet is exported as CSV by Excel, LibreOffice or Numbers, in
UTF-8 (with or without a byte-order mark) or UTF-16 with one; separators are commas, or
semicolons where the comma is the decimal mark.  A small parser keeps the line and column of
every cell, so a bad cell is reported as ``data/income.csv:7:19`` rather than "row 6".  Nothing
is ever evaluated: a cell that looks like a formula (``=HYPERLINK(...)``) is an error, unless it
starts with an apostrophe, the spreadsheet convention for "this is text".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from printpipe.errors import Diagnostic, ExitCode, Location

MAX_BYTES = 1024 * 1024
# A report table or chart of more rows than this is a data dump, not a page of a report.
MAX_ROWS = 5000

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$|^\.\d+$")
_FORMULA = re.compile(r"^(=|@[A-Za-z]|[+\-][A-Za-z(])")


@dataclass(frozen=True)
class CsvCell:
    """One cell's text and where it starts (1-based line and column, in characters)."""

    text: str
    line: int
    column: int


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and rows, every cell with its position."""

    label: str
    header: tuple[CsvCell, ...]
    rows: tuple[tuple[CsvCell, ...], ...]

    def where(self, cell: CsvCell) -> Location:
        return Location(self.label, cell.line, cell.column)

    def index(self, name: str) -> int | None:
        """The position of the column headed ``name`` (exact, then ignoring case and spaces)."""
        names = [cell.text for cell in self.header]
        if name in names:
            return names.index(name)
        folded = [n.strip().casefold() for n in names]
        wanted = name.strip().casefold()
        return folded.index(wanted) if wanted in folded else None


def parse_number(text: str) -> float | None:
    """A number as a spreadsheet exports it (1284700, 1,284,700.50, -12.5, (12.5)); else None.

    Grouping commas are accepted only in whole groups of three, so ``1,5`` (a continental
    decimal) is refused rather than read as fifteen.
    """
    cleaned = text.strip().replace("\u2212", "-")
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()
    elif cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:].strip()
    elif cleaned.startswith("+"):
        cleaned = cleaned[1:].strip()
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif not _PLAIN.match(cleaned):
        return None
    value = float(cleaned)
    if not math.isfinite(value):
        return None
    return -value if negative else value


def _decode(raw: bytes, label: str) -> tuple[str | None, list[Diagnostic]]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding), []
            except UnicodeDecodeError as error:
                return None, [
                    Diagnostic(
                        f"the file starts with a {encoding.upper()} byte-order mark but is not "
                        f"valid {encoding.upper()} (byte {error.start + len(bom)})",
                        Location(label),
                        "export it again as 'CSV UTF-8'",
                    )
                ]
    if b"\x00" in raw[:200]:
        return None, [
            Diagnostic(
                "the file looks like UTF-16 without a byte-order mark",
                Location(label, 1, 1),
                "export it again as 'CSV UTF-8' (or UTF-16 with a byte-order mark)",
            )
        ]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        return None, [
            Diagnostic(
                "the file is not UTF-8 (an older spreadsheet encoding such as Windows-1252?)",
                Location(label, line, column),
                "export it again as 'CSV UTF-8' (Excel: Save As > CSV UTF-8)",
            )
        ]


def _outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            count += 1
    return count


def _delimiter(text: str) -> str:
    """Comma, or the semicolon (or tab) of exports where the comma is the decimal mark.

    Another separator is chosen only when the first two lines agree on it, so a comma file
    whose heading happens to hold a semicolon is still read as commas.
    """
    lines = text.split("\n", 2)[:2]
    commas = _outside_quotes(lines[0], ",")
    for sep in (";", "\t"):
        counts = [_outside_quotes(line, sep) for line in lines]
        if counts[0] > commas and len(set(counts)) == 1:
            return sep
    return ","


def _records(text: str, label: str, problems: list[Diagnostic]) -> list[tuple[CsvCell, ...]]:
    """Split ``text`` into records of positioned cells (RFC 4180, any line ending)."""
    sep = _delimiter(text)
    records: list[tuple[CsvCell, ...]] = []
    fields: list[CsvCell] = []
    line, column = 1, 1
    index, length = 0, len(text)
    while index <= length:
        start_line, start_column = line, column
        value: list[str] = []
        if index < length and text[index] == '"':
            index += 1
            column += 1
            closed = False
            while index < length:
                char = text[index]
                if char == '"':
                    if index + 1 < length and text[index + 1] == '"':
                        value.append('"')
                        index += 2
                        column += 2
                        continue
                    index += 1
                    column += 1
                    closed = True
                    break
                value.append(char)
                index += 1
                if char == "\n":
                    line, column = line + 1, 1
                else:
                    column += 1
            if not closed:
                problems.append(
                    Diagnostic(
                        'a quoted cell is never closed (a missing ")',
                        Location(label, start_line, start_column),
                        'close the quote; a " inside a quoted cell is written ""',
                    )
                )
                return records
            # Text after the closing quote up to the separator belongs to the cell, as
            # spreadsheets read it.
            while index < length and text[index] not in (sep, "\n", "\r"):
                value.append(text[index])
                index += 1
                column += 1
        else:
            while index < length and text[index] not in (sep, "\n", "\r"):
                value.append(text[index])
                index += 1
                column += 1
        fields.append(CsvCell("".join(value), start_line, start_column))
        if index < length and text[index] == sep:
            index += 1
            column += 1
            continue
        # End of record: a line break or the end of the text.
        if not (len(fields) == 1 and not fields[0].text):
            records.append(tuple(fields))
        fields = []
        if index >= length:
            break
        if text[index] == "\r" and index + 1 < length and text[index + 1] == "\n":
            index += 1
        index += 1
        line, column = line + 1, 1
    return records


def read_csv(path: Path, label: str) -> tuple[CsvTable | None, list[Diagnostic]]:
    """Read and check a CSV file; every problem found is returned, never raised."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [
                Diagnostic(
                    f"the file is {size / 1e6:.1f} MB; a table or chart takes at most "
                    f"{MAX_BYTES // 1024} KB",
                    Location(label, 1, 1),
                    "export only the rows and columns the report shows",
                )
            ]
        raw = path.read_bytes()
    except OSError as error:
        return None, [
            Diagnostic(
                f"cannot read the file: {error.strerror}",
                Location(label),
                "check the path and permissions",
                code=ExitCode.MISSING_INPUT,
            )
        ]
    text, problems = _decode(raw, label)
    if text is None:
        return None, problems
    records = _records(text, label, problems)
    if problems:
        return None, problems
    if not records:
        return None, [
            Diagnostic(
                "the file is empty",
                Location(label, 1, 1),
                "export the table with a header row and at least one row of data",
            )
        ]
    header, rows = records[0], records[1:]
    if not rows:
        problems.append(
            Diagnostic(
                "the file has a header but no rows",
                Location(label, header[0].line + 1, 1),
                "export the data rows too",
            )
        )
    if len(rows) > MAX_ROWS:
        problems.append(
            Diagnostic(
                f"the file has {len(rows):,} rows; a table or chart takes at most {MAX_ROWS:,}",
                Location(label, rows[MAX_ROWS][0].line, 1),
                "export only the rows the report shows",
            )
        )
    seen: dict[str, CsvCell] = {}
    for cell in header:
        name = cell.text.strip()
        if not name:
            problems.append(
                Diagnostic(
                    "a column has no name in the header row",
                    Location(label, cell.line, cell.column),
                    "give every column a heading (or delete the empty column)",
                )
            )
        elif name in seen:
            problems.append(
                Diagnostic(
                    f"two columns are called '{name}'",
                    Location(label, cell.line, cell.column),
                    "give each column its own heading",
                )
            )
        seen[name] = cell
    checked: list[tuple[CsvCell, ...]] = []
    for row in (header, *rows[:MAX_ROWS]):
        if len(row) != len(header):
            extra = row[len(header)] if len(row) > len(header) else None
            end = row[-1]
            problems.append(
                Diagnostic(
                    f"this row has {len(row)} cells, the header has {len(header)}",
                    Location(
                        label,
                        (extra or end).line,
                        extra.column if extra else end.column + len(end.text),
                    ),
                    "a cell holding the separator must be quoted; check for a missing or "
                    "extra cell in this row",
                )
            )
        kept = []
        for cell in row:
            if _FORMULA.match(cell.text.strip()) and parse_number(cell.text) is None:
                problems.append(
                    Diagnostic(
                        f"this cell looks like a spreadsheet formula ({cell.text.strip():.40}); "
                        "printpipe never evaluates formulas",
                        Location(label, cell.line, cell.column),
                        "export the values, not the formulas; to print it as text, start the "
                        "cell with an apostrophe (')",
                    )
                )
            if cell.text.startswith("'"):
                cell = CsvCell(cell.text[1:], cell.line, cell.column)
            kept.append(cell)
        checked.append(tuple(kept))
    return CsvTable(label, tuple(checked[0]), tuple(checked[1:])), problems
