"""`printpipe new`: next year's edition checks clean, with every placeholder listed at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter
from tests.conftest import BASIC_EDITION, MakeEdition, run_build
from yaml import safe_load

from printpipe.cli import main
from printpipe.errors import ExitCode, InvalidEditionError, UsageError
from printpipe.model import Callout, Photo, Section, Signatures
from printpipe.newedition import (
    MARKER,
    bump_years,
    find_placeholders,
    new_edition,
    placeholder_markdown,
    yaml_lines,
)
from printpipe.pipeline import BuildOptions, build, check
from printpipe.yamlfile import read_yaml

SUPPLIED = """\
cover:
  file: cover.pdf
  front_pages: 1
  back_pages: 1
  accept: "the designer's 2019 file"
appendices:
  - file: accounts.pdf
    title: "Accounts 2019"
"""


def _pdf(path: Path, pages: int) -> None:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595.28, 841.89)
    with path.open("wb") as handle:
        writer.write(handle)


def _previous(make_edition: MakeEdition) -> Path:
    """The basic edition plus a cover and an appendix, which must not be carried over."""
    yaml = BASIC_EDITION.replace("layout: house\n", "layout: house\n" + SUPPLIED)
    edition = make_edition(yaml=yaml)
    _pdf(edition / "cover.pdf", 2)
    _pdf(edition / "accounts.pdf", 1)
    return edition


def test_new_edition_checks_with_placeholder_warnings(make_edition: MakeEdition) -> None:
    previous = _previous(make_edition)
    target = previous.parent / "2020"
    report = new_edition(target, previous)
    assert report.year == 2020 and report.target == target.resolve()

    edition, _, warnings = check(target)  # must pass: no error raised
    assert edition.year == 2020
    assert edition.subtitle == "Annual Report 2020"
    assert edition.slug == "test-2020"
    assert edition.date is None
    assert edition.title == "Test Report" and edition.organisation == "Test Rights Network"
    assert edition.layout.name == "House A4"
    assert edition.cover is None and edition.appendices == ()
    assert not (target / "cover.pdf").exists() and not (target / "accounts.pdf").exists()

    kinds = [type(part).__name__ for part in edition.parts]
    assert kinds == ["TableOfContents", "Section", "Photo", "Section", "Signatures", "Callout"]
    photo = next(p for p in edition.parts if isinstance(p, Photo))
    assert photo.caption == f"{MARKER}: caption" and photo.credit == "Photo: test"
    assert photo.source == (target / "photos" / "a.jpg").resolve()
    assert photo.source.read_bytes() == (previous / "photos" / "a.jpg").read_bytes()
    signatures = next(p for p in edition.parts if isinstance(p, Signatures))
    assert [(s.name, s.role) for s in signatures.signatories] == [
        ("Ada Example", "Director"),
        ("Ben Example", "Chair"),
    ]
    assert signatures.signatories[0].image == (target / "signatures" / "ada.png").resolve()
    callout = next(p for p in edition.parts if isinstance(p, Callout))
    assert callout.title == "Subscribe to the monitor"
    section = next(p for p in edition.parts if isinstance(p, Section))
    text = section.source.read_text(encoding="utf-8")
    assert "# First section" in text and "## A subhead" in text
    assert "Defenders in twelve" not in text  # last year's words are gone

    placeholders = [w for w in warnings if "placeholder to fill" in w.message]
    assert placeholders == list(report.placeholders)
    assert all(w.severity == "warning" for w in placeholders)
    messages = " | ".join(w.message for w in placeholders)
    assert "the 2020 cover PDF" in messages and "appendix 'Accounts 2019'" in messages
    assert "write the text under 'First section'" in messages
    assert "write the text under 'A subhead'" in messages
    assert "write the text under 'Second section'" in messages
    assert messages.count(f"{MARKER}: caption") == 1


def test_placeholders_are_reported_at_file_and_line(make_edition: MakeEdition) -> None:
    previous = _previous(make_edition)
    target = previous.parent / "2020"
    new_edition(target, previous)
    found = find_placeholders(target)
    files = {Path(d.location.path).name for d in found if d.location}
    assert files == {"edition.yaml", "one.md", "two.md"}
    for diagnostic in found:
        location = diagnostic.location
        assert location is not None and location.line is not None and location.column
        line = Path(location.path).read_text(encoding="utf-8").splitlines()[location.line - 1]
        assert line[location.column - 1 :].startswith(MARKER), diagnostic.render()
        assert diagnostic.render().startswith(f"{location.path}:{location.line}:")
    assert len(found) == 2 + 1 + 3  # cover + appendix, caption, three headings' text


def test_new_refuses_to_overwrite_and_needs_a_valid_previous(make_edition: MakeEdition) -> None:
    previous = make_edition()
    existing = previous.parent / "2020"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="already exists"):
        new_edition(existing, previous)
    assert [p.name for p in existing.iterdir()] == ["notes.txt"]
    result = CliRunner().invoke(main, ["new", str(existing), "--from", str(previous)])
    assert result.exit_code == ExitCode.USAGE and "already exists" in result.output
    broken = make_edition(name="2018", yaml=BASIC_EDITION.replace("year: 2019", "year: soon"))
    with pytest.raises(InvalidEditionError):
        new_edition(previous.parent / "2019b", broken)
    assert not (previous.parent / "2019b").exists()
    assert not [p for p in previous.parent.iterdir() if p.name.startswith(".")]  # no debris


def test_new_through_the_cli_then_strict_build_refuses(make_edition: MakeEdition) -> None:
    previous = make_edition()
    target = previous.parent / "2020"
    result = CliRunner().invoke(main, ["new", str(target), "--from", str(previous)])
    assert result.exit_code == 0, result.output
    assert "edition for 2020" in result.output and "placeholders to fill" in result.output
    assert "sections/one.md:3:1: warning: placeholder to fill" in result.output
    result = CliRunner().invoke(main, ["check", str(target)])
    assert result.exit_code == 0, result.output
    assert "placeholder to fill" in result.output
    # An unfinished edition still builds (for proofs), but never under --strict.
    assert run_build(target, target.parent / "out", "screen").results
    with pytest.raises(InvalidEditionError, match="warnings are errors"):
        build(target, BuildOptions(targets=("screen",), out_dir=target / "strict", strict=True))


def test_placeholder_markdown_keeps_headings_and_bumps_years() -> None:
    text = (
        "Intro before any heading.\n\n# What we achieved in 2019\n\nSome *text*.\n\n"
        "- a\n- b\n\nSetext 2020 plans\n-----------------\n\n> quoted\n"
    )
    result = placeholder_markdown(text, "x.md", 2019)
    assert result.splitlines() == [
        f"{MARKER}: write the opening text of this section (last year: 1 paragraph; about 4 words)",
        "",
        "# What we achieved in 2020",
        "",
        f"{MARKER}: write the text under 'What we achieved in 2020' (last year: 1 paragraph, "
        "1 list; about 4 words)",
        "",
        "## Setext 2021 plans",
        "",
        f"{MARKER}: write the text under 'Setext 2021 plans' (last year: 1 quote; about 1 words)",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Annual Report 2019", "Annual Report 2020"),
        ("2019/2020 budget", "2020/2021 budget"),
        ("founded in 1998, report 2019", "founded in 1998, report 2020"),
        ("test-2019", "test-2020"),
        ("20190 and 12019", "20190 and 12019"),
    ],
)
def test_bump_years(text: str, expected: str) -> None:
    assert bump_years(text, 2019) == expected


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=("Cs",)), max_size=8), inner, max_size=3
        )
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), _VALUES, min_size=1, max_size=4)
)
def test_yaml_lines_read_back_unchanged(
    tmp_path_factory: pytest.TempPathFactory, data: dict
) -> None:
    path = tmp_path_factory.mktemp("yaml") / "x.yaml"
    path.write_text("\n".join(yaml_lines(data)) + "\n", encoding="utf-8")
    assert read_yaml(path, "x.yaml").data == data


# --- the year and the checklist (issue: `new` that cannot mislead) -----------------------------


def _sample_2019(project: Path) -> Path:
    import shutil

    from tests.conftest import ROOT

    return Path(shutil.copytree(ROOT / "editions" / "2019", project / "editions" / "2019"))


def test_new_2022_from_2019_says_2022_and_lists_every_carried_over_text(project: Path) -> None:
    from tests.conftest import run

    previous = _sample_2019(project)
    target = project / "editions" / "2022"
    code, output = run("new", target, "--from", previous)
    assert code == 0, output
    assert "edition for 2022 (year from the folder name '2022')" in output
    edition, _, warnings = check(target)
    assert edition.year == 2022 and edition.subtitle == "Annual Report 2022"
    assert edition.slug == "harbourlight-2022"
    carried = " | ".join(w.render() for w in warnings if "carried over unchanged" in w.message)
    kinds = [
        next(iter(part))
        for part in safe_load((previous / "edition.yaml").read_text(encoding="utf-8"))["parts"]
    ]
    signatures, callout, related = (kinds.index(k) for k in ("signatures", "callout", "related"))
    # Title, headings, credits, signatories, call-out and related titles: each is listed.
    for text in (
        "(title): warning: carried over unchanged: 'Standing with those who stand up'",
        f"(parts[{kinds.index('photo')}].photo.credit)",
        f"(parts[{signatures}].signatures[0].name): warning: carried over unchanged: "
        "'Amara Nwosu-Hale'",
        f"(parts[{signatures}].signatures[1].role)",
        f"(parts[{callout}].callout.title)",
        f"(parts[{related}].related.items[2].title)",
        "sections/01-letter.md:1:1: warning: carried over unchanged: "
        "'# A letter from our Executive Director'",
        "sections/02-achievements.md:1:1: warning: carried over unchanged: "
        "'# What we achieved in 2022'",
        "photos/workshop.jpg: warning: file carried over unchanged",
        "signatures/chair.png: warning: file carried over unchanged",
    ):
        assert text in carried, text
    headings = sum(
        line.startswith("#")
        for md in (target / "sections").glob("*.md")
        for line in md.read_text(encoding="utf-8").splitlines()
    )
    texts = [w for w in warnings if "carried over unchanged: '" in w.message]
    files = [w for w in warnings if "file carried over unchanged" in w.message]
    assert len(files) == 6 + 2 + 2  # six photos, two signatures, two CSV data files
    assert sum(w.location.path.endswith(".csv") for w in files if w.location) == 2
    # title, subtitle, credits, people..., then the data parts: a table source and four column
    # labels, two chart titles, two sources and one unit; the alt texts of the six photos
    assert len(texts) == headings + 2 + 6 + 4 + 2 + 4 + 10 + 6
    # Captions, the pull quote and the supplied PDFs are placeholders; rgb_file is kept.
    yaml = (target / "edition.yaml").read_text(encoding="utf-8")
    assert yaml.count(f"{MARKER}: caption") == 6 + 3  # six photos, a CSV table and two charts
    assert '#   rgb_file: "cover-rgb.pdf"' in yaml
    assert '#     rgb_file: "appendix-accounts-rgb.pdf"' in yaml
    assert "2020" not in yaml.replace("(2019)", "")  # no year that is neither 2019 nor 2022


def test_check_shows_the_checklist_until_confirmed_then_is_clean(project: Path) -> None:
    from tests.conftest import run

    previous = _sample_2019(project)
    target = project / "editions" / "2022"
    new_edition(target, previous)
    code, output = run("check", target)
    assert code == 0, output
    assert "warning: carried over unchanged: 'Standing with those who stand up'" in output
    hint = "change it for this year, or set confirmed: true on its entry in checklist.yaml"
    assert output.count(hint) == 1  # one hint for the whole kind

    # Editing a text confirms it: the new title is no longer listed.
    yaml_file = target / "edition.yaml"
    yaml = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(yaml.replace("Standing with those who stand up", "Still here"), "utf-8")
    _, output = run("check", target)
    assert "Standing with those" not in output and "'Amara Nwosu-Hale'" in output

    # Fill every placeholder, confirm the rest: clean.
    lines = [
        line.replace(f"{MARKER}: ", "")
        for line in yaml_file.read_text(encoding="utf-8").splitlines()
        if not line.startswith(f"# {MARKER}")
    ]
    yaml_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for md in (target / "sections").glob("*.md"):
        text = md.read_text(encoding="utf-8").splitlines()
        new = ["New text for this year." if MARKER in line else line for line in text]
        md.write_text("\n".join(new) + "\n", encoding="utf-8")
    checklist = target / "checklist.yaml"
    checklist.write_text(
        checklist.read_text(encoding="utf-8").replace("confirmed: false", "confirmed: true"),
        encoding="utf-8",
    )
    code, output = run("check", target)
    assert code == 0, output
    # Clean of placeholders; what remains is the build's own finding, which check now reports
    # too: the sample's partner snapshot is below 300 ppi where it is placed.
    assert "partner-snapshot" in output and "ppi where it is placed" in output, output
    assert output.strip().endswith("ok: 0 errors, 1 warning (22 parts, layout House A4)")


def test_year_from_option_folder_name_or_next(make_edition: MakeEdition) -> None:
    previous = make_edition()
    assert new_edition(previous.parent / "next", previous).year == 2020
    report = new_edition(previous.parent / "later", previous, year=2023)
    assert (report.year, report.year_from) == (2023, "--year")
    edition, _, _ = check(report.target)
    assert edition.subtitle == "Annual Report 2023" and edition.slug == "test-2023"
    assert bump_years("2019/2020 budget", 2019, 2023) == "2023/2024 budget"
