"""The typography report (issue 9), measured exactly on small ReportLab PDFs.

Known word spacing, kerning, ligatures, hyphens and baselines; and the shape of
`printpipe proof --report --json` on the 2019 sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from tests.conftest import ROOT, deadline

from printpipe.cli import main
from printpipe.typography import measure

FONTS = ROOT / "assets" / "fonts"
SERIF = "NotoSerif-Regular"
SIZE = 10.0
SPACE = 2.6  # Noto Serif's space: 260 units at 10 pt
PAGE = (400.0, 400.0)
LEFT, RIGHT = 50.0, 250.0  # one column, 200 pt wide


@pytest.fixture(scope="module", autouse=True)
def _font() -> None:
    if SERIF not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(SERIF, str(FONTS / f"{SERIF}.ttf")))


def width(text: str) -> float:
    return pdfmetrics.stringWidth(text, SERIF, SIZE)


def justified(
    canvas: Canvas, text: str, y: float, left: float = LEFT, right: float = RIGHT
) -> float:
    """Set ``text`` on one line from ``left`` to ``right`` with Tw; returns the ratio set."""
    spaces = text.count(" ")
    word_space = (right - left - width(text)) / spaces
    line = canvas.beginText(left, y)
    line.setFont(SERIF, SIZE)
    line.setWordSpace(word_space)
    line.textOut(text)
    line.setWordSpace(0)
    canvas.drawText(line)
    return (SPACE + word_space) / SPACE


def ragged(canvas: Canvas, text: str, y: float, left: float = LEFT) -> None:
    canvas.setFont(SERIF, SIZE)
    canvas.drawString(left, y, text)


def pdf_of(tmp_path: Path, draw, pages: int = 1, name: str = "t.pdf") -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    canvas = Canvas(str(path), pagesize=PAGE, initialFontName=SERIF, invariant=1)
    for number in range(pages):
        draw(canvas, number)
        canvas.showPage()
    canvas.save()
    return path


def totals(pdf: Path) -> dict:  # type: ignore[type-arg]
    return measure(pdf, None, [FONTS]).as_dict()["totals"]


# --- word spacing ------------------------------------------------------------------------------


def test_word_space_ratios_and_the_worst_line(tmp_path: Path) -> None:
    ratios = {}

    def draw(canvas: Canvas, _: int) -> None:
        y = 350.0
        texts = [
            "a line of text that nearly fills the measure so",  # tightened: ratio < 1
            "a line of text that nearly fills the measure",  # 1.18
            "the quick brown fox jumps over the dog",  # 1.53
            "this one is tight and it has many words",  # 1.77
            "a line of text that fills the col",  # 4.56
            "two words",  # 58.6
            "the last line stays short",  # not justified: it ends before the edge
        ]
        for text in texts[:-1]:
            ratios[text] = justified(canvas, text, y)
            y -= 14
        ragged(canvas, texts[-1], y)

    report = totals(pdf_of(tmp_path, draw))
    assert sorted(round(r, 2) for r in ratios.values()) == [0.61, 1.18, 1.53, 1.77, 4.56, 58.59]
    assert report["lines"] == 7
    assert report["justified"] == 6
    assert report["overfull"] == 0
    assert report["over_1_5"] == 4 and report["over_2"] == 2
    assert report["over_1_5_pct"] == 66.7 and report["over_2_pct"] == 33.3
    assert report["worst_text"] == "two words"
    assert report["worst_ratio"] == 58.59


# --- the CLI -----------------------------------------------------------------------------------


def test_proof_report_json_of_the_2019_sample(tmp_path: Path) -> None:
    with deadline(180):
        result = CliRunner().invoke(
            main,
            [
                "proof",
                "--report",
                "--json",
                str(ROOT / "editions" / "2019"),
                "--out",
                str(tmp_path),
            ],
        )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"file", "body_size", "body_pages", "totals", "pages", "details"}
    assert data["body_size"] == 9.5
    figures = {
        "lines", "justified", "overfull", "over_1_5", "over_2", "over_1_5_pct", "over_2_pct",
        "worst_ratio", "worst_text", "hyphenated", "hyphenated_pct", "hyphen_stacks",
        "short_breaks", "capitalised_breaks", "kern_pairs", "kerned", "ligature_sites",
        "ligatures", "ff_sites", "ff_ligatures", "extraction_intact", "grid_lines", "grid_on",
        "grid_pct",
    }  # fmt: skip
    assert set(data["totals"]) == figures | {"fill_min", "fill_mean"}
    labels = [page["label"] for page in data["pages"]]
    assert labels and not any(label.startswith(("C", "A-")) for label in labels)
    assert data["body_pages"] == len(labels)
    for page in data["pages"]:
        assert set(page) == figures | {"index", "label", "columns", "fill"}
        assert 0.0 <= page["fill"] <= 1.0
    assert data["totals"]["justified"] > 100 and data["totals"]["kern_pairs"] > 50
    assert set(data["details"]) == {
        "short_breaks", "capitalised_breaks", "unkerned_pairs", "fonts_not_found"
    }  # fmt: skip
    assert data["details"]["fonts_not_found"] == []
    assert "press:" in result.stderr
