"""Markdown printpipe does not set is reported, never printed as its markup.

HTML, images inside text, code blocks and footnotes are errors with ``file:line`` (dropping
them would lose content); an HTML comment is a warning and is left out; a thematic break is
dropped silently (it carries nothing); pipe tables are set as tables.  For each construct the
test checks the exit code and message, and, where a PDF is made, that none of the markup
reaches its text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import run as run_cli

from printpipe.errors import ExitCode


def build(edition: Path, markdown: str) -> tuple[int, str, str | None]:
    (edition / "one.md").write_text(markdown, encoding="utf-8")
    out = edition / "out"
    code, output = run_cli("build", edition, "--out", out, "--target", "screen", seconds=60)
    pdfs = list(out.glob("*-screen.pdf")) if out.exists() else []
    text = None
    if pdfs:
        text = " ".join(page.extract_text() for page in PdfReader(pdfs[0]).pages)
    return code, output, text


@pytest.mark.parametrize(
    ("markdown", "line", "words"),
    [
        ("# One\n\nText.\n\n<div>boxed</div>\n", 5, "HTML is not supported in a section"),
        ("# One\n\nSome <b>bold</b> text.\n", 3, "HTML is not set in a section (<b>)"),
        (
            "# One\n\nText and\n![A photo](photo.jpg) inline.\n",
            4,
            "an image inside text is not set",
        ),
        ("# One\n\n```\nprint('x')\n```\n", 3, "code block is not supported"),
        ("# One\n\nText.\n\n    indented code\n", 5, "indented code block"),
        ("# One\n\nA claim.[^1]\n", 3, "footnotes are not supported ([^1])"),
        ("# One\n\nA claim.\n\n[^1]: http://example.org\n", 5, "a footnote definition"),
    ],
    ids=[
        "html-block",
        "inline-html",
        "image",
        "fenced-code",
        "indented-code",
        "footnote",
        "note-def",
    ],
)
def test_unsupported_construct_is_an_error_with_file_and_line(
    edition: Path, markdown: str, line: int, words: str
) -> None:
    code, output, text = build(edition, markdown)
    assert code == ExitCode.INVALID_EDITION, output
    assert f"one.md:{line}: error: " in output and words in output, output
    assert text is None  # nothing printed, so no markup printed


def test_html_comment_is_a_warning_and_left_out(edition: Path) -> None:
    code, output, text = build(
        edition, "# One\n\nVisible text <!-- inline note -->.\n\n<!-- editor: check figures -->\n"
    )
    assert code == 0, output
    assert "one.md:5: warning: an HTML comment is not printed" in output
    assert "one.md:3: warning: an HTML comment is not printed" in output
    assert text is not None and "Visible text" in text
    for markup in ("<!--", "-->", "inline note", "check figures"):
        assert markup not in text


def test_thematic_break_is_dropped_silently(edition: Path) -> None:
    code, output, text = build(edition, "# One\n\nBefore.\n\n---\n\nAfter.\n\n***\n")
    assert code == 0, output
    assert text is not None and "Before." in text and "After." in text
    assert "---" not in text and "***" not in text


def test_pipe_table_is_set_as_a_table(edition: Path) -> None:
    code, output, text = build(
        edition,
        "# One\n\n| Source | £ | % |\n|---|---:|---:|\n| Trusts | 1,284,700 | 51 |\n"
        "| *Gifts* | 61,250 | 2 |\n| Total | 1,345,950 | 53 |\n",
    )
    assert code == 0, output
    assert text is not None
    flat = re.sub(r"\s+", " ", text)
    assert "|" not in flat and "---" not in flat and "*Gifts*" not in flat
    assert re.search(r"Source £ %.*Trusts 1,284,700 51 Gifts 61,250 2 Total 1,345,950 53", flat)


def test_check_reports_the_same_problems(edition: Path) -> None:
    (edition / "one.md").write_text("# One\n\n<span>x</span> ![a](b.png)\n", encoding="utf-8")
    code, output = run_cli("check", edition)
    assert code == 3
    assert output.count("one.md:3: error:") == 3  # <span>, </span> and the image
