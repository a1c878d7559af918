"""Messages people read: grouped hints, counts at the end, pages named by printed folio."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from tests.conftest import BASIC_EDITION, MakeEdition, photo, run

from printpipe.errors import Diagnostic, ExitCode, Location, count_summary, render_grouped


def test_diagnostics_sharing_a_hint_print_it_once() -> None:
    same = [
        Diagnostic(f"placeholder {n}", Location("a.md", n), "fill it", "warning") for n in (1, 2)
    ]
    other = Diagnostic("odd", Location("b.md", 3), "another hint", "warning")
    text = render_grouped([same[0], other, same[1], same[0]])
    assert text.splitlines() == [
        "a.md:1: warning: placeholder 1",
        "a.md:2: warning: placeholder 2",
        "    hint: fill it",
        "b.md:3: warning: odd",
        "    hint: another hint",
    ]
    info = Diagnostic("padded", None, None, "info")
    assert count_summary([*same, other, same[0]]) == "0 errors, 3 warnings"
    assert count_summary([same[0], info]) == "0 errors, 1 warning, 1 note"


def test_check_ends_with_counts_and_one_hint_per_kind(make_edition: MakeEdition) -> None:
    previous = make_edition()
    code, output = run("new", previous.parent / "2020", "--from", previous)
    assert code == 0, output
    code, output = run("check", previous.parent / "2020")
    assert code == 0, output
    placeholders = output.count("warning: placeholder to fill")
    carried = output.count("carried over unchanged")
    no_alt = output.count("has no alt: text")  # the basic edition's photo has none
    assert placeholders == 4 and carried > 5 and no_alt == 1
    assert output.count("hint: replace it with this year's text or file") == 1
    summary = output.strip().splitlines()[-1]
    assert summary.endswith(
        f"ok: 0 errors, {placeholders + carried + no_alt} warnings (6 parts, layout House A4)"
    )


def test_low_resolution_photo_is_named_by_folio_with_the_sheet(make_edition: MakeEdition) -> None:
    edition = make_edition()
    photo(edition / "photos" / "a.jpg", (700, 467))  # about 215 ppi at column width
    out = edition.parent / "out"
    code, output = run("build", edition, "--out", out)
    assert code == 0, output
    line = next(line for line in output.splitlines() if "a.jpg: warning:" in line)
    labels = PdfReader(out / "test-2019-press.pdf").page_labels
    sheet = int(line.split("(sheet ")[1].split(")")[0])
    folio = line.split(" ppi on page ")[1].split(" ")[0]
    assert folio == labels[sheet - 1] and folio != str(sheet), line
    assert "ok: 0 errors, 1 warning" in output


def _with_layout(make_edition: MakeEdition, project: Path, press: str) -> Path:
    """The basic edition (4 pages) on the house layout with other press settings."""
    (project / "layouts" / "variant.yaml").write_text(
        f"extends: house\npress:\n{press}", encoding="utf-8"
    )
    return make_edition(yaml=BASIC_EDITION.replace("layout: house", "layout: variant"))


def test_padding_is_a_note_and_strict_builds_with_it(
    make_edition: MakeEdition, project: Path
) -> None:
    edition = _with_layout(make_edition, project, "  pad_to_multiple: 8\n")
    out = edition.parent / "out"
    code, output = run("build", edition, "--out", out, "--strict")
    assert code == 0, output
    assert "info: added 4 blank page(s) before the inside back cover to make 8 pages" in output
    assert "warning:" not in output
    assert output.strip().endswith("ok: 0 errors, 0 warnings, 1 note")
    assert len(PdfReader(out / "test-2019-press.pdf").pages) == 8


def test_a_layout_may_forbid_padding(make_edition: MakeEdition, project: Path) -> None:
    edition = _with_layout(make_edition, project, "  pad_to_multiple: 8\n  allow_padding: false\n")
    code, output = run("build", edition, "--out", edition.parent / "out")
    assert code == ExitCode.INVALID_EDITION, output
    assert "variant.yaml (press.allow_padding): error: the document needs 4 blank" in output
    assert "the layout forbids padding" in output


def test_strict_still_fails_on_a_real_problem(make_edition: MakeEdition) -> None:
    edition = make_edition()
    photo(edition / "photos" / "a.jpg", (700, 467))
    code, output = run("build", edition, "--out", edition.parent / "out", "--strict")
    assert code == ExitCode.IMAGE_POLICY, output
    assert "a.jpg: error: 700x467 px photo is" in output and "warnings are errors" in output


def test_preflight_of_the_output_names_images_by_their_source_file(
    make_edition: MakeEdition,
) -> None:
    from dataclasses import replace

    from tests.conftest import run_build

    from printpipe.preflight import PROFILES, preflight

    edition = make_edition()
    result = run_build(edition, edition.parent / "out", "press")
    report = result.results[0].report
    names = {image.name for image in report.images}
    assert any(name.endswith("photos/a.jpg") for name in names), names
    assert any(name.endswith("signatures/ada.png") for name in names), names
    # Without the build's knowledge the same file names XObjects; with it, a finding names files.
    strict = replace(PROFILES["press"], warn_below_ppi=5000)
    bare = preflight(result.results[0].path, strict)
    assert not any(name.endswith("a.jpg") for name in {i.name for i in bare.images})
    sources = {(i.width_px, i.height_px): i.name for i in report.images}
    named = preflight(result.results[0].path, strict, image_sources=sources)
    assert any("photos/a.jpg" in f.message and "ppi" in f.message for f in named.findings)


def test_preflight_names_pages_by_folio_when_the_pdf_has_labels(make_edition: MakeEdition) -> None:
    from dataclasses import replace

    from tests.conftest import run_build

    from printpipe.preflight import PROFILES, preflight

    edition = make_edition()
    photo(edition / "photos" / "a.jpg", (700, 467))
    pdf = run_build(edition, edition.parent / "out", "press").results[0].path
    labels = PdfReader(pdf).page_labels
    report = preflight(pdf, replace(PROFILES["press"], warn_below_ppi=300))
    (finding,) = [f for f in report.findings if f.check == "images.ppi"]
    sheet = finding.pages[0]
    assert finding.message.startswith(f"page {labels[sheet - 1]} (sheet {sheet}): image ")
    assert labels[sheet - 1] != str(sheet)
