"""Bad CSV data is an input error: exit 3, ``file.csv:line:col``, a hint, every problem at once.

Encodings spreadsheets export (UTF-8 with or without a byte-order mark, UTF-16 with one) are
read; others are errors naming the line and column.  A formula-looking cell is never
evaluated: it is an error, or text when it starts with an apostrophe.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import MINI
from tests.conftest import run as run_cli

from printpipe import tabular
from printpipe.errors import ExitCode

TABLE = """\
  - table:
      file: data.csv
      columns:
        - {column: Source}
        - {column: Amount, format: currency, currency: "£"}
"""
CHART = """\
  - chart:
      file: data.csv
      type: pie
      x: Source
      y: Amount
"""


def setup(edition: Path, data: bytes | str, parts: str = TABLE) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    (edition / "data.csv").write_bytes(raw)
    (edition / "edition.yaml").write_text(MINI + parts, encoding="utf-8")


def check(edition: Path) -> tuple[int, str]:
    return run_cli("check", edition, seconds=30)


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (
            "Source,Amount\nGrants,12x00\n",
            "data.csv:2:8",
            "'12x00' in column 'Amount' is not a number",
        ),
        ("Source,Amount\nGrants,£1200\n", "data.csv:2:8", "'£1200' in column 'Amount' is not"),
        ("Source,Amount\nGrants,\n", "data.csv:2:8", None),  # empty: allowed in a table
        ("", "data.csv:1:1", "the file is empty"),
        ("Source,Amount\n", "data.csv:2:1", "the file has a header but no rows"),
        (
            "Source,Amount\nGrants,100,7\n",
            "data.csv:2:12",
            "this row has 3 cells, the header has 2",
        ),
        ("Source,Amount\nGrants\n", "data.csv:2:7", "this row has 1 cells, the header has 2"),
        (
            'Source,Amount\n"=HYPERLINK(""http://x"",""y"")",100\n',
            "data.csv:2:1",
            "this cell looks like a spreadsheet formula",
        ),
        (
            "Source,Amount\n@SUM(A1),100\n",
            "data.csv:2:1",
            "this cell looks like a spreadsheet formula",
        ),
        ('Source,Amount\n"Grants,100\n', "data.csv:2:1", "a quoted cell is never closed"),
        (b"Source,Amount\nCaf\xe9,100\n", "data.csv:2:4", "the file is not UTF-8"),
        ("Source,Amount,Amount\nGrants,1,2\n", "data.csv:1:15", "two columns are called 'Amount'"),
    ],
    ids=[
        "non-numeric",
        "currency-sign",
        "empty-cell-ok",
        "empty-file",
        "header-only",
        "ragged-long",
        "ragged-short",
        "formula",
        "at-formula",
        "unclosed-quote",
        "cp1252",
        "duplicate-column",
    ],
)
def test_data_error_names_file_line_and_column(
    edition: Path, data: str | bytes, where: str, words: str | None
) -> None:
    setup(edition, data)
    code, output = check(edition)
    if words is None:
        assert code == 0, output
        return
    assert code == ExitCode.INVALID_EDITION, output
    assert f"{where}: error: {words}" in output, output
    assert "hint:" in output


def test_missing_column_names_the_csv_header_and_the_yaml_key(edition: Path) -> None:
    setup(edition, "Source,Amonut\nGrants,100\n")
    code, output = check(edition)
    assert code == 3
    assert "data.csv:1:1: error: no column 'Amount' in the header" in output
    assert "edition.yaml:12:" in output  # where the part names it
    assert "did you mean 'Amonut'?" in output


def test_chart_columns_and_values_are_checked(edition: Path) -> None:
    setup(
        edition,
        "Source,Amount\nGrants,100\nGifts,-5\nFees,n/a\n",
        CHART.replace("x: Source", "x: Sauce"),
    )
    code, output = check(edition)
    assert code == 3
    assert "no column 'Sauce'" in output
    setup(edition, "Source,Amount\nGrants,100\nGifts,-5\nFees,n/a\n", CHART)
    code, output = check(edition)
    assert code == 3
    assert "data.csv:3:7: error: a pie chart cannot show the negative value -5" in output
    assert "data.csv:4:6: error: 'n/a' in column 'Amount' is not a number" in output


def test_every_problem_is_reported_at_once(edition: Path) -> None:
    setup(
        edition,
        "Source,Amount\nGrants,1x\n=cmd|' /C calc'!A0,5\nFees,2,3\nGifts,abc\n",
    )
    code, output = check(edition)
    assert code == 3
    for where in ("data.csv:2:8", "data.csv:3:1", "data.csv:4:8", "data.csv:5:7"):
        assert where in output, output


def test_file_over_the_size_limit(edition: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "MAX_BYTES", 1000)
    setup(edition, "Source,Amount\n" + "Grants,100\n" * 200)
    code, output = check(edition)
    assert code == 3
    assert "data.csv:1:1: error: the file is 0.0 MB; a table or chart takes at most 0 KB" in output


def test_real_size_limit_without_patching(edition: Path) -> None:
    setup(edition, "Source,Amount\n" + "Grants and other income,100\n" * 50_000)
    code, output = check(edition)
    assert code == 3
    assert re.search(r"data\.csv:1:1: error: the file is 1\.\d MB", output), output


def test_utf16_ignores_bom_and_semicolon_exports_are_read(edition: Path) -> None:
    text = "Source;Amount\nTrusts and foundations;1284700\nCafé donors;1250.5\n"
    setup(edition, b"\xff\xfe" + text.encode("utf-16-le"))
    code, output = run_cli("build", edition, "--out", edition / "out", "--target", "screen")
    assert code == 0, output
    (pdf,) = (edition / "out").glob("*-screen.pdf")
    words = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(pdf).pages))
    assert "Café donors" in words and "£1,250.5" in words and "£1,284,700.0" in words


def test_utf8_with_bom_and_crlf(edition: Path) -> None:
    setup(edition, b"\xef\xbb\xbfSource,Amount\r\nGrants,100\r\n")
    code, output = check(edition)
    assert code == 0, output


def test_utf16_without_bom_is_an_error(edition: Path) -> None:
    setup(edition, "Source,Amount\nGrants,100\n".encode("utf-16-le"))
    code, output = check(edition)
    assert code == 3
    assert "data.csv:1:1: error: the file looks like UTF-16 without a byte-order mark" in output


def test_apostrophe_keeps_a_formula_as_text_never_evaluated(edition: Path) -> None:
    setup(edition, "Source,Amount\n'=HYPERLINK(x),100\n")
    code, output = run_cli("build", edition, "--out", edition / "out", "--target", "screen")
    assert code == 0, output
    (pdf,) = (edition / "out").glob("*-screen.pdf")
    words = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "=HYPERLINK(x)" in words
    assert "'=HYPERLINK" not in words


def test_parse_number_refuses_ambiguous_grouping() -> None:
    assert tabular.parse_number("1,284,700.50") == 1284700.5
    assert tabular.parse_number("(1,250)") == -1250
    assert tabular.parse_number("−12.5") == -12.5
    assert tabular.parse_number("1,5") is None
    assert tabular.parse_number("1.234,5") is None
    assert tabular.parse_number("nan") is None
    assert tabular.parse_number("1e400") is None
