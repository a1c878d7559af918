"""`printpipe check` finds what the build finds: one catalogue of hostile editions, both commands.

Each case is an edition the build rejects (supplied PDFs failing preflight, photos below the
press resolution, pages the assembly refuses, text no font has); `check` must fail on it with
the build's exit code, before any work is written.  A clean edition passes both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from tests.conftest import MINI, run
from tests.test_hostile_pdfs import _bomb, _encrypted, _scripted, appendix, pages

from printpipe.errors import ExitCode

A4 = (595.2756, 841.8898)


def unembedded_font(path: Path) -> None:
    """A font with no free substitute (standard-14 fonts are embedded by a fixup)."""
    pdf = pages(1)
    page = pdf.pages[0]
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1)
    font.BaseFont = pikepdf.Name("/Frutiger-Roman")
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Accounts) Tj ET")
    pdf.save(path)


def rgb(path: Path) -> None:
    pages(1, content=b"1 0 0 rg 60 700 80 80 re f").save(path)


def letter(path: Path) -> None:
    pages(1, size=(612, 792)).save(path)


def low_resolution_photo(edition: Path) -> None:
    (edition / "photos").mkdir()
    Image.new("RGB", (60, 40), "red").save(edition / "photos" / "small.jpg", quality=90)
    (edition / "edition.yaml").write_text(
        MINI + "  - photo: {file: photos/small.jpg, caption: Small, placement: column}\n",
        encoding="utf-8",
    )


def short_cover(edition: Path) -> None:
    pages(1).save(edition / "cover.pdf")
    (edition / "edition.yaml").write_text(MINI + "cover: {file: cover.pdf}\n", encoding="utf-8")


def missing_glyph(edition: Path) -> None:
    (edition / "one.md").write_text("# One\n\n- an item with \u4e2d\n", encoding="utf-8")


def garbage(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\nthis is not a PDF at all\n")


CATALOGUE: dict[str, Callable[[Path], object]] = {
    "unembedded-font": lambda e: appendix(e, unembedded_font),
    "rgb-for-press": lambda e: appendix(e, rgb),
    "javascript": lambda e: appendix(e, _scripted),
    "user-password": lambda e: appendix(e, _encrypted("open-sesame")),
    "garbage": lambda e: appendix(e, garbage),
    "fit-refuse": lambda e: appendix(e, letter, ", fit: refuse"),
    "accepted-bomb": lambda e: appendix(e, _bomb("content"), ", accept: trusted"),
    "low-resolution-photo": low_resolution_photo,
    "short-cover": short_cover,
    "missing-glyph": missing_glyph,
}


EXPECTED = {
    "unembedded-font": ExitCode.PREFLIGHT_FAILED,
    "rgb-for-press": ExitCode.PREFLIGHT_FAILED,
    "javascript": ExitCode.PREFLIGHT_FAILED,
    "user-password": ExitCode.BAD_INPUT_FILE,
    "garbage": ExitCode.BAD_INPUT_FILE,
    "fit-refuse": ExitCode.BAD_INPUT_FILE,
    "accepted-bomb": ExitCode.BAD_INPUT_FILE,
    "low-resolution-photo": ExitCode.IMAGE_POLICY,
    "short-cover": ExitCode.BAD_INPUT_FILE,
    "missing-glyph": ExitCode.INVALID_EDITION,
}


@pytest.mark.parametrize("case", sorted(CATALOGUE))
def test_check_fails_with_the_build_exit_code(edition: Path, case: str) -> None:
    CATALOGUE[case](edition)
    built, build_output = run("build", edition, "--out", edition / "out")
    assert built != 0, build_output
    checked, check_output = run("check", edition)
    assert checked == built, (case, ExitCode(checked), check_output, build_output)
    assert "ok (" not in check_output
    assert built == EXPECTED[case], (case, build_output)


def test_clean_edition_passes_both(edition: Path) -> None:
    appendix(edition, lambda p: pages(2).save(p))
    checked, check_output = run("check", edition)
    assert checked == 0, check_output
    built, build_output = run("build", edition, "--out", edition / "out")
    assert built == 0, build_output


def test_check_reports_the_placed_resolution_and_the_limiting_side(edition: Path) -> None:
    low_resolution_photo(edition)
    code, output = run("check", edition)
    assert code == ExitCode.IMAGE_POLICY, output
    assert "60x40 px photo is" in output and "where it is placed" in output
    assert "its width limits it to" in output


def test_check_preflights_supplied_files_once_for_the_build(
    edition: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` caches the supplied files' preflight as the build does: the build reuses it."""
    from printpipe import pipeline

    appendix(edition, lambda p: pages(2).save(p))
    code, output = run("check", edition)
    assert code == 0, output

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("supplied file preflighted again")

    real = pipeline.preflight
    monkeypatch.setattr(
        pipeline,
        "preflight",
        lambda path, profile, **kw: (
            not_again() if str(profile).startswith("supplied") else real(path, profile, **kw)
        ),
    )
    code, output = run("build", edition, "--out", edition / "out")
    assert code == 0, output
