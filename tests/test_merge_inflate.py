"""Merging at qpdf speed: a supplied file's pages are inflated once per content, not per build.

The supplied-file preflight inflates every page's content (inside pypdf's limits) and its
report is cached by the file's sha256.  Assembly trusts that, and only that: a file whose
report is clean is not inflated again; a file whose report found damage (even an accepted
one) is still checked page by page, so a bomb is refused as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Name
from pypdf import PageObject, PdfReader
from tests.conftest import MINI, run
from tests.test_hostile_pdfs import _flate_bomb

from printpipe.assemble import PageGeometryPt, assemble
from printpipe.errors import ExitCode
from printpipe.load import load_edition
from printpipe.model import SuppliedPdf
from printpipe.pipeline import _supplied_checks
from printpipe.targets import TARGETS

A4 = (595.2756, 841.8898)
BLEED = 8.5039  # 3 mm


def _pdf(path: Path, count: int, content: bytes = b"0 0 0 1 k 60 700 80 80 re f") -> Path:
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page(page_size=A4)
        pdf.pages[-1].Contents = pdf.make_stream(content)
    pdf.save(path)
    return path


def _bomb(path: Path) -> Path:
    """One page whose content inflates past pypdf's limit (75 MB): damage the preflight reports."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=A4)
    stream = pikepdf.Stream(pdf, b"")
    stream.write(_flate_bomb(128 << 20), filter=Name.FlateDecode)
    pdf.pages[0].Contents = stream
    pdf.save(path)
    return path


@pytest.fixture
def contents_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts ``PageObject.get_contents`` calls (each one inflates the page's content)."""
    calls: list[int] = []
    original = PageObject.get_contents

    def counted(self: PageObject):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(self)

    monkeypatch.setattr(PageObject, "get_contents", counted)
    return calls


def _merge(tmp_path: Path, supplied: Path, inflated: frozenset[str]):  # type: ignore[no-untyped-def]
    body = _pdf(tmp_path / "body.pdf", 1)
    pdf = SuppliedPdf(supplied, "appendix.pdf", "Accounts")
    return assemble(body, None, [pdf], PageGeometryPt(*A4, BLEED, BLEED), None, inflated=inflated)


def test_a_cached_clean_file_is_not_inflated_again(
    tmp_path: Path, contents_calls: list[int]
) -> None:
    supplied = _pdf(tmp_path / "appendix.pdf", 5)
    digest = hashlib.sha256(supplied.read_bytes()).hexdigest()

    checked = _merge(tmp_path, supplied, frozenset())
    assert len(contents_calls) == 5  # unknown to the preflight cache: every page inflated
    contents_calls.clear()
    trusted = _merge(tmp_path, supplied, frozenset({digest}))
    assert contents_calls == []  # the preflight already inflated these very bytes

    # The same pages either way: boxes, placement matrix and the supplier's content.
    assert trusted.pages == checked.pages == 6
    for mine, theirs in zip(trusted.writer.pages, checked.writer.pages, strict=True):
        assert mine.trimbox == theirs.trimbox and mine.mediabox == theirs.mediabox
        assert mine.get_contents().get_data() == theirs.get_contents().get_data()
    placed = trusted.writer.pages[1].get_contents().get_data()
    assert b"1.000000 0 0 1.000000 8.5039 8.5039 cm" in placed and b"80 80 re f" in placed


def test_a_digest_of_other_bytes_is_not_trusted(tmp_path: Path, contents_calls: list[int]) -> None:
    supplied = _pdf(tmp_path / "appendix.pdf", 3)
    stale = hashlib.sha256(b"an earlier version of the file").hexdigest()
    _merge(tmp_path, supplied, frozenset({stale}))
    assert len(contents_calls) == 3


def test_only_files_the_preflight_found_undamaged_are_trusted(edition: Path) -> None:
    clean = _pdf(edition / "clean.pdf", 2)
    _bomb(edition / "bomb.pdf")
    (edition / "edition.yaml").write_text(
        MINI + "appendices:\n"
        "  - {file: clean.pdf, title: Accounts}\n"
        "  - {file: bomb.pdf, title: Notes, accept: the printer checked it}\n",
        encoding="utf-8",
    )
    loaded, problems = load_edition(edition)
    assert not [p for p in problems if p.is_error]
    inflated: set[str] = set()
    found = _supplied_checks(loaded, TARGETS["press"], inflated)
    assert any("bomb.pdf" in d.message and "accepted" in d.message for d in found)
    assert inflated == {hashlib.sha256(clean.read_bytes()).hexdigest()}

    # Accepted damage is still checked while merging: the build names the page it cannot use.
    code, out = run("build", edition, "--out", edition / "out")
    assert code == ExitCode.BAD_INPUT_FILE, out
    assert "bomb.pdf page 1 cannot be used" in out and "decompression bomb" in out


def test_a_clean_file_builds_the_same_warm_as_cold(edition: Path) -> None:
    """The second build trusts the cached report; its output holds the same pages."""
    _pdf(edition / "appendix.pdf", 4)
    (edition / "edition.yaml").write_text(
        MINI + "appendices:\n  - {file: appendix.pdf, title: Accounts}\n", encoding="utf-8"
    )
    out = edition / "out" / "mini-press.pdf"
    assert run("build", edition, "--out", edition / "out")[0] == 0
    cold = out.read_bytes()
    assert run("build", edition, "--out", edition / "out")[0] == 0
    assert out.read_bytes() == cold
    assert len(PdfReader(out).pages) >= 5
