"""The CSV reader and the number formatter as pure functions, with generated inputs."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printpipe.model import NumberFormat
from printpipe.numformat import format_number
from printpipe.tabular import read_csv

# Cells as spreadsheets write them: any printable text, commas, quotes and line breaks
# included (formula-looking and apostrophe-led cells are covered by test_data_errors).  No
# semicolons: the separator is sniffed, and a one-column file with a semicolon in every line
# is read as two columns, as a spreadsheet would.
CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="=@+-';")
    | st.sampled_from([",", '"', "\n", " "]),
    min_size=1,
    max_size=12,
).filter(lambda text: text.strip() != "")


@settings(max_examples=60, deadline=None)
@given(
    columns=st.integers(1, 4).flatmap(
        lambda n: st.lists(st.lists(CELL, min_size=n, max_size=n), min_size=2, max_size=6)
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_reads_back_what_the_csv_module_writes(
    tmp_path_factory: pytest.TempPathFactory, columns: list[list[str]], encoding: str, newline: str
) -> None:
    header, *rows = columns
    if len(set(header)) != len(header) or any(h != h.strip() for h in header):
        return  # duplicate or padded headings are errors of their own
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(columns)
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    table, problems = read_csv(path, "data.csv")
    assert not [p for p in problems if p.is_error], [p.render() for p in problems]
    assert table is not None
    assert [c.text for c in table.header] == header
    assert [[c.text for c in row] for row in table.rows] == [row for row in rows if row != [""]]


@settings(max_examples=200, deadline=None)
@given(
    value=st.floats(-1e12, 1e12, allow_nan=False),
    decimals=st.integers(0, 4),
    language=st.sampled_from(["en-GB", "de-DE"]),
)
def test_formatted_number_reads_back(value: float, decimals: int, language: str) -> None:
    text = format_number(value, NumberFormat("number", decimals), language, "minus", 0, "-")
    group, mark = (",", ".") if language == "en-GB" else (".", ",")
    plain = text.replace(group, "").replace(mark, ".")
    assert abs(float(plain) - round(value, decimals)) <= 10**-decimals
    whole = plain.lstrip("-").split(".")[0]
    assert text.lstrip("-").split(mark)[0].count(group) == (len(whole) - 1) // 3
