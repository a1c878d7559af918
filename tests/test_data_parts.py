"""Tables, charts and key figures: in the sample's finances, across pages, in both colour spaces.

Checked on the PDFs: text extracted with pdftotext -layout (cells in row order, numbers as the
column spec writes them), the content-stream operators of chart pages (process CMYK only on
press, RGB on screen), font sizes of the chart text, and the pages each row's words land on.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from tests.conftest import MINI
from tests.conftest import run as run_cli

from printpipe.model import Chart, KeyFigure, Location, NumberFormat
from printpipe.numformat import format_number
from printpipe.pipeline import BuildResult

YEAR_ROWS = [
    ("Trusts and foundations", "£1,284,700", "£1,106,400", "50.9%"),
    ("Governments and", "£655,300", "£602,000", "26.0%"),
    ("Individual donors", "£468,950", "£412,300", "18.6%"),
    ("Gifts in wills", "£61,250", "£38,000", "2.4%"),
    ("Training and consultancy", "£47,100", "£41,900", "1.9%"),
    ("Investment income", "£7,480", "£6,210", "0.3%"),
    ("Total income", "£2,524,780", "£2,206,810", "100.0%"),
]


def layout_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [] if first is None else ["-f", str(first), "-l", str(last or first)]
    result = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def page_ops(path: Path, index: int) -> set[bytes]:
    reader = PdfReader(path)
    page = reader.pages[index]
    stream = ContentStream(page.get_contents(), reader)
    return {operator for _, operator in stream.operations}


def page_with(path: Path, words: str) -> int:
    reader = PdfReader(path)
    for index, page in enumerate(reader.pages):
        if words in re.sub(r"\s+", " ", page.extract_text()):
            return index
    raise AssertionError(f"{words!r} not found")


# --- the sample's finances ---------------------------------------------------------------------


def test_sample_table_cells_in_row_order_formatted_per_column_spec(
    sample_press: BuildResult,
) -> None:
    path = sample_press.results[0].path
    reader = PdfReader(path)
    number = next(i for i, p in enumerate(reader.pages) if "Source of income" in p.extract_text())
    # The table sits in a column: read that column alone (a chart may stand beside it).
    width, height = (float(v) for v in reader.pages[number].mediabox.upper_right)
    text = ""
    for left in (0, width / 2):
        column = subprocess.run(
            ["pdftotext", "-layout", "-f", str(number + 1), "-l", str(number + 1),
             "-x", str(int(left)), "-y", "0", "-W", str(int(width / 2)), "-H", str(int(height)),
             str(path), "-"],
            capture_output=True, check=True,
        ).stdout.decode("utf-8")  # fmt: skip
        if "Source of income" in column:
            text = column
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    positions = []
    for cells in YEAR_ROWS:
        # The table sits in a column: its cells appear in order on one extracted line.
        pattern = r"\s+".join(re.escape(cell) for cell in cells)
        found = [number for number, line in enumerate(lines) if re.search(pattern, line)]
        assert found, f"row {cells} not found in order"
        positions.append(found[0])
    assert positions == sorted(positions)
    header = next(line for line in lines if "Source of income" in line)
    assert re.search(r"Source of income\s+2019\s+2018\s+Share", header)


def test_sample_pipe_table_key_figures_and_chart_numbers_are_text(
    sample_press: BuildResult,
) -> None:
    text = re.sub(r"\s+", " ", layout_text(sample_press.results[0].path))
    assert "| Funds" not in text and "|---" not in text
    assert re.search(r"Total funds £1,327,780 £1,102,300", text)
    for figure in ("£2.52m", "total income in 2019", "91p", "4.4"):
        assert figure in text
    # Data labels of the spending chart (in £ thousand) and the donut's legend and total.
    for label in (
        "702",
        "596",
        "520",
        "266",
        "215",
        "£2,524,780",
        "50.9%",
        "Spending by programme",
    ):
        assert label in text, label


def test_press_chart_page_is_process_cmyk_only(sample_press: BuildResult) -> None:
    path = sample_press.results[0].path
    index = page_with(path, "Income by source, 2019")
    ops = page_ops(path, index)
    assert b"k" in ops
    assert not ops & {b"rg", b"RG", b"sc", b"scn"}, ops
    assert sample_press.results[0].report.ok, sample_press.results[0].report.errors


def test_chart_text_is_at_least_6_5_pt(sample_press: BuildResult) -> None:
    path = sample_press.results[0].path
    reader = PdfReader(path)
    index = page_with(path, "Spending by programme")
    stream = ContentStream(reader.pages[index].get_contents(), reader)
    sizes = [float(operands[1]) for operands, op in stream.operations if op == b"Tf"]
    assert sizes and min(sizes) >= 6.5, sorted(set(sizes))


# --- a small edition with data parts -----------------------------------------------------------

DATA_EDITION = MINI.replace(
    "  - section: one.md\n",
    """  - section: one.md
  - table:
      file: data.csv
      caption: "Items"
      totals: 0
      columns:
        - {column: Item, label: "Item name"}
        - {column: Amount, format: currency, currency: "£", decimals: 2}
  - chart:
      file: chart.csv
      type: stacked-bar
      title: "Spending"
      x: Year
      y: [Grants, Staff]
""",
)


def screen_word_boxes(edition: Path) -> str:
    """Build the edition's screen file; its words with their boxes (``pdftotext -bbox``)."""
    code, output = run_cli("build", edition, "--out", edition / "out", "--target", "screen")
    assert code == 0, output
    (pdf,) = (edition / "out").glob("*-screen.pdf")
    return subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")


def write_data_edition(edition: Path, rows: int, yaml: str = DATA_EDITION) -> None:
    lines = ["Item,Amount"]
    for number in range(1, rows + 1):
        # Rows of two to four lines, so the space left at a column's foot varies.
        words = " ".join(["alpha", "beta", "gamma", "delta", "epsilon"] * (2 + number % 3))
        lines.append(f'"Row{number:03d} {words} end{number:03d}",{number * 1234.5}')
    (edition / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (edition / "chart.csv").write_text(
        "Year,Grants,Staff\n2018,100,50\n2019,120,55\n2020,150,61\n", encoding="utf-8"
    )
    (edition / "edition.yaml").write_text(yaml, encoding="utf-8")


def test_long_table_repeats_its_header_and_never_splits_a_row(edition: Path) -> None:
    write_data_edition(edition, 120)
    code, output = run_cli("build", edition, "--out", edition / "out", "--target", "screen")
    assert code == 0, output
    (pdf,) = (edition / "out").glob("*-screen.pdf")
    pages = len(PdfReader(pdf).pages)
    row_pages: dict[str, set[int]] = {}
    header_count = 0
    pages_with_rows = 0
    for page in range(1, pages + 1):
        text = layout_text(pdf, page)
        found = re.findall(r"Row(\d{3})|end(\d{3})", text)
        for start, end in found:
            row_pages.setdefault(start or end, set()).add(page)
        columns = 0
        for line in text.splitlines():
            columns += line.count("Item name")
        header_count += columns
        pages_with_rows += bool(found)
    assert len(row_pages) == 120
    # A row's first and last words (it wraps over two lines) are always on the same page.
    split = {row: found for row, found in row_pages.items() if len(found) > 1}
    assert not split, split
    assert pages_with_rows >= 2
    # The header is repeated at the top of every column the table continues in.
    assert header_count >= pages_with_rows + 1
    text = layout_text(pdf)
    assert "£1,234.50" in text and "£148,140.00" in text


def test_rows_never_split_and_sit_below_a_repeated_header_by_position(edition: Path) -> None:
    """Word boxes: a row's first and last words share a page and a column, one line apart.

    And every column holding rows has the header above its first row.
    """
    write_data_edition(edition, 120)
    boxes = screen_word_boxes(edition)
    starts: dict[str, tuple[int, float, float]] = {}
    ends: dict[str, tuple[int, float, float]] = {}
    heads: list[tuple[int, float, float]] = []
    for page, body in enumerate(boxes.split("<page ")[1:], start=1):
        for x, y, word in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', body):
            where = (page, float(x), float(y))
            if match := re.fullmatch(r"Row(\d{3})", word):
                starts[match[1]] = where
            elif match := re.fullmatch(r"end(\d{3})", word):
                ends[match[1]] = where
            elif word == "Item":
                heads.append(where)
    assert len(starts) == len(ends) == 120
    for row, (page, x, y) in starts.items():
        end_page, end_x, end_y = ends[row]
        assert end_page == page, f"row {row} split across pages {page} and {end_page}"
        # Same column: the last word ends its row's cell, left of the next column (x + 244 pt).
        assert 0 <= end_x - x < 230, f"row {row} split across columns"
        assert 0 < end_y - y < 40, f"row {row}: its last line is not right below its first"
    columns = {(page, round(x)) for page, x, _ in starts.values()}
    assert len(columns) >= 4  # the table really runs over several columns and pages
    for page, x in columns:
        first = min(y for p, sx, y in starts.values() if (p, round(sx)) == (page, x))
        above = [y for p, hx, y in heads if p == page and abs(hx - x) < 1 and y < first]
        assert above, f"no header above the rows on page {page} at x={x}"


def test_screen_chart_is_rgb_and_press_chart_is_cmyk(edition: Path) -> None:
    write_data_edition(edition, 3)
    code, output = run_cli("build", edition, "--out", edition / "out", "--target", "all")
    assert code == 0, output
    (screen,) = (edition / "out").glob("*-screen.pdf")
    (press,) = (edition / "out").glob("*-press.pdf")
    screen_ops = page_ops(screen, page_with(screen, "Spending"))
    press_ops = page_ops(press, page_with(press, "Spending"))
    assert b"rg" in screen_ops and not screen_ops & {b"k", b"K"}
    assert b"k" in press_ops and not press_ops & {b"rg", b"RG"}
    text = re.sub(r"\s+", " ", layout_text(screen))
    # Stacked totals are set as text.
    for total in ("150", "175", "211"):
        assert total in text


def test_table_too_wide_for_its_column_names_the_table_and_its_width(edition: Path) -> None:
    header = ",".join(f"Column{n}" for n in range(9))
    row = ",".join(str(1234567.25 + n) for n in range(9))
    (edition / "wide.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    (edition / "edition.yaml").write_text(
        MINI + "  - table:\n      file: wide.csv\n      caption: Budget lines\n",
        encoding="utf-8",
    )
    for command in (["check"], ["build", "--out", str(edition / "out")]):
        code, output = run_cli(command[0], edition, *command[1:])
        assert code == 3, output
        assert "the table 'Budget lines' is" in output and "mm wide" in output
        assert "edition.yaml:8:" in output


def test_new_edition_carries_data_parts_with_placeholders(project: Path) -> None:
    import shutil

    from tests.conftest import ROOT

    shutil.copytree(ROOT / "editions" / "2020", project / "editions" / "2020")
    code, output = run_cli(
        "new", project / "editions" / "2021", "--from", project / "editions" / "2020"
    )
    assert code == 0, output
    new = project / "editions" / "2021"
    assert (new / "data" / "income.csv").read_bytes() == (
        ROOT / "editions" / "2020" / "data" / "income.csv"
    ).read_bytes()
    code, output = run_cli("check", new)
    assert code == 0, output
    assert (
        "placeholder to fill: TODO(printpipe): caption; put 2021's figures in data/income.csv"
        in output
    )
    assert "TODO(printpipe): 2021 figure" in output


# --- number formatting and the chart summary ----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "spec", "value", "negative", "expected"),
    [
        ("en-GB", NumberFormat("number", 1), 1650.5, "minus", "1,650.5"),
        ("de-DE", NumberFormat("number", 1), 1650.5, "minus", "1.650,5"),
        ("fr-FR", NumberFormat("number", 0), 1650, "minus", "1\u202f650"),
        ("en-GB", NumberFormat("currency", 0, "£"), 1284700, "minus", "£1,284,700"),
        ("de-DE", NumberFormat("currency", 2, "€"), 1284700, "minus", "1.284.700,00\u00a0€"),
        ("en-GB", NumberFormat("percent", 1), 50.94, "minus", "50.9%"),
        ("de-DE", NumberFormat("percent", 0), 51, "minus", "51\u00a0%"),
        ("en-GB", NumberFormat("currency", 0, "£"), -2500, "minus", "\u2212£2,500"),
        ("en-GB", NumberFormat("currency", 0, "£"), -2500, "parentheses", "(£2,500)"),
        ("en-GB", NumberFormat("number", 0, scale=1000), 702350, "minus", "702"),
        ("en-GB", NumberFormat("number", 0), -0.2, "minus", "0"),
    ],
)
def test_numbers_are_written_for_the_language_and_house_style(
    language: str, spec: NumberFormat, value: float, negative: str, expected: str
) -> None:
    assert format_number(value, spec, language, negative) == expected


def test_chart_summary_states_the_data_for_alt_text() -> None:
    from printpipe.compose.charts import chart_summary

    chart = Chart(
        "c",
        "bar",
        "Programme",
        ("Protection", "Training"),
        (("2019", (702350.0, 596100.0)),),
        NumberFormat("currency", 0, "£"),
        "Spending by programme",
        None,
        None,
        None,
        "column",
        Location("e.yaml", 1),
    )
    assert chart_summary(chart, "en-GB") == (
        "Bar chart: Spending by programme. Protection £702,350; Training £596,100."
    )


def test_key_figure_value_written_for_the_language() -> None:
    from printpipe.compose.keyfigures import figure_text

    figure = KeyFigure(1650, "people trained")
    assert figure_text(figure, "en-GB") == "1,650"
    assert figure_text(figure, "de-DE") == "1.650"
    assert figure_text(KeyFigure(2.5, "m", prefix="£", suffix="m", decimals=2), "en") == "£2.50m"


CHARTS_EDITION = (
    MINI.replace("year: 2019", "year: 2020\nlanguage: de-DE")
    + """\
  - chart: {file: years.csv, type: line, x: Year, y: [Income, Spending], title: "Beide",
            scale: 1000}
  - chart: {file: years.csv, type: line, x: Year, y: Income, title: "Einnahmen",
            format: currency, currency: "€", scale: 1000000, decimals: 1}
  - chart: {file: years.csv, type: stacked-bar, x: Year, y: [Income, Spending],
            title: "Gestapelt", scale: 1000}
  - chart: {file: years.csv, type: donut, x: Year, y: Income, title: "Ring",
            format: currency, currency: "€"}
  - chart: {file: net.csv, type: bar, x: Fund, y: Change, title: "Veränderung",
            format: currency, currency: "€"}
"""
)


def test_every_chart_type_draws_its_numbers_as_text_for_the_language(edition: Path) -> None:
    (edition / "years.csv").write_text(
        "Year,Income,Spending\n2018,2206810,2072600\n2019,2524780,2299300\n2020,2699765,2443300\n",
        encoding="utf-8",
    )
    (edition / "net.csv").write_text(
        "Fund,Change\nUnrestricted,109580\nRestricted,-21250\n", encoding="utf-8"
    )
    (edition / "edition.yaml").write_text(CHARTS_EDITION, encoding="utf-8")
    code, output = run_cli("build", edition, "--out", edition / "out", "--target", "press")
    assert code == 0, output
    (pdf,) = (edition / "out").glob("*-press.pdf")
    text = re.sub(r"\s+", " ", layout_text(pdf))
    # line labels in € million, stacked totals, the donut's total and shares, signed bars
    for words in ("2,7 €", "5.143", "7.431.355 €", "34,0 %", "109.580 €", "–21.250 €"):
        assert words in text, words
    for index in range(len(PdfReader(pdf).pages)):
        assert not page_ops(pdf, index) & {b"rg", b"RG"}


def test_full_width_table_floats_across_the_columns_or_must_fit_a_page(edition: Path) -> None:
    rows = "\n".join(f"Line {n},{n * 1000},{n * 1100}" for n in range(1, 6))
    (edition / "wide.csv").write_text(f"Item,Budget,Actual\n{rows}\n", encoding="utf-8")
    part = "  - table: {file: wide.csv, caption: Budget, placement: full-width}\n"
    (edition / "edition.yaml").write_text(MINI + part, encoding="utf-8")
    code, output = run_cli("build", edition, "--out", edition / "out", "--target", "screen")
    assert code == 0, output
    (pdf,) = (edition / "out").glob("*-screen.pdf")
    reader = PdfReader(pdf)
    # The header's right edge is near the right margin of the text area, not of column 1.
    found: dict[str, float] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip() in ("Item", "Actual"):
            found[text.strip()] = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    width = float(reader.pages[0].mediabox.width)
    # Header from the left margin to the right one: wider than a column (under half the page).
    assert found["Actual"] - found["Item"] > width * 0.6, found
    many = "\n".join(f"Line {n},{n},{n}" for n in range(1, 200))
    (edition / "wide.csv").write_text(f"Item,Budget,Actual\n{many}\n", encoding="utf-8")
    code, output = run_cli("build", edition, "--out", edition / "out")
    assert code == 3
    assert "the full-width table is" in output and "a page has room for" in output


def test_parentheses_house_style_keeps_digits_aligned(edition: Path) -> None:
    (edition / "paren.yaml").write_text(
        "extends: house\ntables: {negative: parentheses}\n", encoding="utf-8"
    )
    (edition / "net.csv").write_text(
        "Fund,Change\nUnrestricted,109580\nRestricted,-21250\nDesignated,4300\n",
        encoding="utf-8",
    )
    yaml = MINI.replace("layout: house", "layout: paren.yaml")
    yaml += "  - table: {file: net.csv, caption: Movements}\n"
    (edition / "edition.yaml").write_text(yaml, encoding="utf-8")
    boxes = screen_word_boxes(edition)
    right = {
        word: float(x_max)
        for x_max, word in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]+)</word>', boxes)
        if word in ("109,580", "(21,250)", "4,300")
    }
    assert set(right) == {"109,580", "(21,250)", "4,300"}, right
    # Positives end together, and the negative's ")" hangs out past them: digits align.
    assert abs(right["109,580"] - right["4,300"]) < 0.3
    assert 1.5 < right["(21,250)"] - right["109,580"] < 4, right


@pytest.mark.parametrize("year", [2019, 2020])
def test_sample_data_matches_the_accounts_appendix(year: int) -> None:
    """The CSVs' figures are the lines tools/make_samples.py prints in the audited accounts."""
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "make_samples", ROOT / "tools" / "make_samples.py"
    )
    assert spec is not None and spec.loader is not None
    samples = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = samples  # dataclasses look their module up while defined
    try:
        spec.loader.exec_module(samples)
    finally:
        del sys.modules["make_samples"]
    folder = ROOT / "editions" / str(year) / "data"
    for name, lines in (("income.csv", samples.INCOME), ("spending.csv", samples.EXPENDITURE)):
        rows = [line.split(",") for line in (folder / name).read_text().splitlines()[1:]]
        *items, total = rows
        this_year = sorted(int(row[1]) for row in items)
        last_year = sorted(int(row[2]) for row in items)
        assert this_year == sorted(line.total[year] for line in lines), name
        assert last_year == sorted(line.total[year - 1] for line in lines), name
        assert int(total[1]) == sum(this_year) and int(total[2]) == sum(last_year)


def test_tall_rows_move_whole_to_the_next_column_instead_of_splitting(edition: Path) -> None:
    """Rows of 8 to 16 lines: the foot of most columns cannot hold the next row whole.

    ReportLab would split such rows across columns if in-row splitting were on; each row's
    first word ("RowNNN") and last word ("endNNN") must share a page and a column.
    """
    lines = ["Item,Amount"]
    for number in range(1, 41):
        words = " ".join(["alpha", "beta", "gamma", "delta", "epsilon"] * (6 + 2 * (number % 5)))
        lines.append(f'"Row{number:03d} {words} end{number:03d}",{number * 1234.5}')
    write_data_edition(edition, 1)
    (edition / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    boxes = screen_word_boxes(edition)
    starts: dict[str, tuple[int, float]] = {}
    ends: dict[str, tuple[int, float]] = {}
    for page, body in enumerate(boxes.split("<page ")[1:], start=1):
        for x, word in re.findall(r'xMin="([\d.]+)"[^>]*>([^<]+)</word>', body):
            if match := re.fullmatch(r"Row(\d{3})", word):
                starts[match[1]] = (page, float(x))
            elif match := re.fullmatch(r"end(\d{3})", word):
                ends[match[1]] = (page, float(x))
    assert len(starts) == len(ends) == 40
    for row, (page, x) in starts.items():
        end_page, end_x = ends[row]
        assert (end_page, 0 <= end_x - x < 230) == (page, True), f"row {row} was split"
    assert len({(page, round(x)) for page, x in starts.values()}) >= 4  # many columns
