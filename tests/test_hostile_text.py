"""Text pasted from anywhere: characters no font has, invisible ones, and text far too long.

A character the fonts lack is an error naming it, the file and the line (or a fallback font
declared in the layout sets it); invisible formatting characters are handled without a trace;
text too long to set in reasonable time, and blocks taller than a page, are errors that name
the part, never a hang.  Every build runs under a timer.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from tests.conftest import MINI, photo
from tests.conftest import run as run_cli

from printpipe.errors import ExitCode

WORDS = "Defenders documented threats and trained one another in digital safety. "


def run(*args: str | Path, seconds: float = 30) -> tuple[int, str]:
    """The CLI under a 30 s deadline: text must never make a build hang."""
    return run_cli(*args, seconds=seconds)


@pytest.fixture
def edition(project: Path) -> Path:
    folder = project / "editions" / "e"
    folder.mkdir()
    (folder / "edition.yaml").write_text(MINI, encoding="utf-8")
    return folder


def section(edition: Path, markdown: str) -> None:
    (edition / "one.md").write_text(markdown, encoding="utf-8")


def build(edition: Path, *extra: str, seconds: float = 30) -> tuple[int, str]:
    return run("build", edition, "--out", edition / "out", *extra, seconds=seconds)


# --- characters the fonts lack ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Thanks to all 😀 supporters.", ["'😀' (U+1F600 GRINNING FACE)"]),
        ("中文 report", ["'中' (U+4E2D CJK UNIFIED IDEOGRAPH-4E2D)", "'文' (U+6587"]),
        ("مرحبا", ["(U+0645 ARABIC LETTER MEEM)", "(U+0631 ARABIC LETTER REH)"]),
        ("A ring x\u20dd here", ["(U+20DD COMBINING ENCLOSING CIRCLE, a combining mark)"]),
        ("Klingon \ue000 glyph", ["U+E000 (private-use character)"]),
    ],
    ids=["emoji", "cjk", "arabic", "combining", "private-use"],
)
def test_missing_character_names_it_the_file_and_the_line(
    edition: Path, text: str, words: list[str]
) -> None:
    section(edition, f"# One\n\nFine text.\n\n{text}\n")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert "one.md:5: error:" in output and "not in font NotoSerif-Regular.ttf" in output
    assert "fallback_fonts:" in output
    for word in words:
        assert word in output, output


@pytest.mark.parametrize(
    ("markdown", "line"),
    [
        ("# One\n\nFine text.\n\n- first item\n- a \u4e2d item\n", 6),
        ("# One\n\nFine text.\n\n1. first\n\n   nested \u4e2d paragraph\n", 7),
        ("# One\n\nFine text.\n\n> quoted words\n> more \u4e2d words\n", 5),
        ("# One\n\n> - quoted list\n> - with \u4e2d inside\n", 4),
    ],
    ids=["list-item", "list-paragraph", "block-quote", "list-in-quote"],
)
def test_missing_character_in_a_list_or_quote_is_refused_with_its_line(
    edition: Path, markdown: str, line: int
) -> None:
    """List items and block quotes go through the glyph check too, with their own lines."""
    section(edition, markdown)
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert f"one.md:{line}: error:" in output, output
    assert "'\u4e2d' (U+4E2D" in output, output


def test_control_characters_are_named_not_printed(edition: Path) -> None:
    section(edition, "# One\n\nA bell\x07 and an escape\x1b[31m here.\n")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert "U+0007 (control character)" in output and "U+001B (control character)" in output
    assert "\x07" not in output and "\x1b" not in output
    assert "delete the control characters" in output


def test_missing_character_in_yaml_text_names_the_part(edition: Path) -> None:
    section(edition, "# One\n\nText.\n")
    extra = '  - pull_quote: {text: "We did it 🎉", attribution: "A"}\n'
    (edition / "edition.yaml").write_text(MINI + extra, encoding="utf-8")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert "edition.yaml:8:5 (parts[1].pull_quote)" in output and "U+1F389 PARTY POPPER" in output


def test_fallback_font_from_the_layout_sets_arabic(edition: Path, project: Path) -> None:
    (project / "layouts" / "arabic.yaml").write_text(
        "extends: house\nfallback_fonts: [../assets/fonts/NotoSansArabic-Regular.ttf]\n"
    )
    (edition / "edition.yaml").write_text(MINI.replace("house", "arabic"), encoding="utf-8")
    section(edition, "# One\n\nThe word for peace is سلام in Arabic.\n")
    code, output = build(edition, "-t", "screen", "--strict")
    assert code == 0, output
    with pikepdf.open(edition / "out" / "mini-screen.pdf") as pdf:
        fonts = {
            str(font.get("/BaseFont"))
            for page in pdf.pages
            for font in page.Resources.get("/Font", {}).values()
        }
    assert any("NotoSansArabic" in name for name in fonts), fonts


# --- invisible and special characters ------------------------------------------------------------


def test_invisible_characters_are_handled(edition: Path) -> None:
    section(
        edition,
        "# One\n\n"
        "extra\u00adordinary in\u00adcom\u00adpre\u00adhen\u00adsi\u00adble, "  # soft hyphens
        "10\u00a0000 people, 5\u202f%, fig.\u20077, "  # no-break spaces
        "fa\u200dmily, zw\u200cnj, zero\u200bwidth, word\u2060joiner, "  # joiners, ZWSP, WJ
        "left\u200eto\u200fright, \u2067isolate\u2069, \u202bembed\u202c, \ufeffbom, "  # bidi
        "Cafe\u0301 (decomposed e + acute, as macOS writes it).\n\n"
        + (WORDS * 40).replace(" one ", " one\u00a0")
        + "\n",
    )
    # --strict: any warning (a .notdef glyph found by preflight included) fails the build.
    code, output = build(edition, "-t", "screen", "--strict")
    assert code == 0, output


# --- text too long ----------------------------------------------------------------------------


def test_a_100_kb_paragraph_is_set(edition: Path) -> None:
    paragraph = (WORDS * (100_000 // len(WORDS) + 1))[:100_000]
    section(edition, f"# One\n\n{paragraph}\n")
    code, output = build(edition, "-t", "screen", seconds=60)
    assert code == 0, output
    with pikepdf.open(edition / "out" / "mini-screen.pdf") as pdf:
        assert len(pdf.pages) > 15


def test_a_paragraph_beyond_the_limit_is_refused_quickly(edition: Path) -> None:
    paragraph = (WORDS * 5000)[:300_000]  # minutes to set
    section(edition, "# One\n\nShort.\n\n" + paragraph + "\n")
    code, output = build(edition, seconds=10)
    assert code == ExitCode.INVALID_EDITION, output
    assert "one.md:5: error: this paragraph is 300,000 characters long" in output
    assert "split it into paragraphs with blank lines" in output


def test_a_word_without_spaces_is_refused_quickly(edition: Path) -> None:
    section(edition, "# One\n\n" + "x" * 100_000 + "\n")
    code, output = build(edition, seconds=10)
    assert code == ExitCode.INVALID_EDITION, output
    assert "one.md:3" in output and "'word' of 100,000 characters with no space" in output


def test_a_heading_longer_than_a_page_is_set(edition: Path) -> None:
    section(edition, "# " + "A heading that does not end " * 400 + "\n\nText.\n")
    code, output = build(edition, "-t", "screen")
    assert code == 0, output
    with pikepdf.open(edition / "out" / "mini-screen.pdf") as pdf:
        assert len(pdf.pages) >= 2


def test_a_list_item_longer_than_a_page_is_split(edition: Path) -> None:
    section(edition, "# One\n\n- " + WORDS * 200 + "\n- second\n\n1. " + WORDS * 200 + "\n")
    code, output = build(edition, "-t", "screen")
    assert code == 0, output


LONG = " ".join(["lorem ipsum dolor sit amet"] * 1500)


@pytest.mark.parametrize(
    ("part", "words"),
    [
        (f'  - pull_quote: {{text: "{LONG}", attribution: A}}\n', ["the pull quote is"]),
        (f'  - callout: {{title: "Subscribe", text: "{LONG}"}}\n', ["the call-out box is"]),
        (f'  - signatures: [{{name: "{LONG}", role: R}}]\n', ["the signature block is"]),
        (
            f'  - photo: {{file: p.jpg, caption: "{LONG}", placement: full-width}}\n',
            ["the full-width photo with its caption is"],
        ),
        (
            f'  - photo: {{file: p.jpg, caption: "{LONG}", placement: full-bleed}}\n',
            ["the caption of the full-bleed photo is"],
        ),
    ],
    ids=["pull-quote", "callout", "signatures", "full-width-caption", "full-bleed-caption"],
)
def test_a_block_taller_than_a_page_is_an_error_naming_it(
    edition: Path, part: str, words: list[str]
) -> None:
    section(edition, "# One\n\nText.\n")
    photo(edition / "p.jpg", (2600, 1700))
    (edition / "edition.yaml").write_text(MINI + part, encoding="utf-8")
    code, output = build(edition, seconds=20)
    assert code == ExitCode.INVALID_EDITION, output
    assert "edition.yaml:8:5 (parts[1]." in output and "mm tall; a page has room for" in output
    assert "shorten its text" in output
    for word in words:
        assert word in output, output
    assert not (edition / "out" / "mini-press.pdf").exists()


def test_a_long_caption_under_a_column_photo_is_split(edition: Path) -> None:
    section(edition, "# One\n\nText.\n")
    photo(edition / "p.jpg", (1100, 700))
    part = f'  - photo: {{file: p.jpg, caption: "{LONG}"}}\n'
    (edition / "edition.yaml").write_text(MINI + part, encoding="utf-8")
    code, output = build(edition, "-t", "screen")
    assert code == 0, output
