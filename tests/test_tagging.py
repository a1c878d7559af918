"""Tagged PDF: the screen and archive files carry a structure tree that matches the edition.

Checked independently of the code that writes it: poppler reads the tree (``pdfinfo
-struct-text``), pdfua (an independent PDF/UA-1 checker built on pikepdf) runs its rules,
qpdf checks the syntax, and pikepdf walks content streams, the ParentTree and annotations.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from tests.conftest import BASIC_EDITION, ROOT, MakeEdition, run, run_build

from printpipe.load import load_edition
from printpipe.model import (
    Callout,
    Heading,
    ListBlock,
    Photo,
    PullQuote,
    Quote,
    Related,
    Section,
    Signatures,
    TableOfContents,
)
from printpipe.model import Paragraph as ParagraphBlock
from printpipe.pipeline import BuildOptions, build

TAGGED = ("screen", "archive")
needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler not installed")
needs_qpdf = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Both sample editions' screen and archive files, built once for this module."""
    files = {}
    for year in ("2019", "2020"):
        out = tmp_path_factory.mktemp(f"tagged-{year}")
        result = build(ROOT / "editions" / year, BuildOptions(targets=TAGGED, out_dir=out))
        for target in result.results:
            files[(year, target.target)] = target.path
    return files


ALL = [(year, target) for year in ("2019", "2020") for target in TAGGED]


# --- the tree, walked with pikepdf ---------------------------------------------------------------


def _elements(node: pikepdf.Object) -> Iterator[pikepdf.Dictionary]:
    """Structure elements in tree (reading) order."""
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def _marked_ids(pdf: pikepdf.Pdf, page: pikepdf.Page) -> list[int]:
    return [
        int(operands[1]["/MCID"])
        for operands, operator in pikepdf.parse_content_stream(page)
        if str(operator) == "BDC"
        and isinstance(operands[1], pikepdf.Dictionary)
        and "/MCID" in operands[1]
    ]


def _parent_tree(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


@pytest.mark.parametrize(("year", "target"), ALL)
def test_every_mcid_is_in_the_parent_tree(
    samples: dict[tuple[str, str], Path], year: str, target: str
) -> None:
    with pikepdf.open(samples[(year, target)]) as pdf:
        tree = _parent_tree(pdf)
        counted = 0
        for page in pdf.pages:
            mcids = _marked_ids(pdf, page)
            assert len(mcids) == len(set(mcids)), "an MCID is used twice on a page"
            if not mcids:
                continue
            parents = tree[int(page.obj.StructParents)]
            for mcid in mcids:
                element = parents[mcid]
                assert isinstance(element, pikepdf.Dictionary) and "/S" in element
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                found = [
                    k
                    for k in kids
                    if (k == mcid) or (isinstance(k, pikepdf.Dictionary) and k.get("/MCID") == mcid)
                ]
                assert found, f"element {element.S} does not list MCID {mcid}"
                counted += 1
        assert counted > 200


@pytest.mark.parametrize(("year", "target"), ALL)
def test_no_text_outside_marked_content(
    samples: dict[tuple[str, str], Path], year: str, target: str
) -> None:
    """Every text object lies inside a marked sequence: an MCID (content) or an artifact."""
    shown = ("Tj", "TJ", "'", '"')
    with pikepdf.open(samples[(year, target)]) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            depth = 0
            for _, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name in ("BDC", "BMC"):
                    depth += 1
                elif name == "EMC":
                    depth -= 1
                elif name in shown or name in ("Do", "S", "f", "B", "sh"):
                    assert depth > 0, f"page {number}: {name} outside marked content"
            assert depth == 0


@pytest.mark.parametrize(("year", "target"), ALL)
def test_figures_have_alt_and_links_have_elements(
    samples: dict[tuple[str, str], Path], year: str, target: str
) -> None:
    with pikepdf.open(samples[(year, target)]) as pdf:
        elements = list(_elements(pdf.Root.StructTreeRoot))
        figures = [e for e in elements if e.S == "/Figure"]
        assert figures and all(str(e.get("/Alt", "")).strip() for e in figures)
        linked = {
            e.K.Obj.objgen
            for e in elements
            if e.S == "/Link"
            and isinstance(e.K, pikepdf.Dictionary)
            and e.K.get("/Type") == "/OBJR"
        }
        tree = _parent_tree(pdf)
        links = 0
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if annotation.get("/Subtype") != "/Link":
                    continue
                links += 1
                assert str(annotation.get("/Contents", "")).strip()
                assert annotation.objgen in linked
                assert tree[int(annotation.StructParent)].S == "/Link"
                assert page.obj.Tabs == "/S"
        assert links > 10


@pytest.mark.parametrize(("year", "target"), ALL)
def test_document_level_entries(
    samples: dict[tuple[str, str], Path], year: str, target: str
) -> None:
    with pikepdf.open(samples[(year, target)]) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked is True
        assert str(root.Lang) == "en-GB"
        assert root.ViewerPreferences.DisplayDocTitle is True
        xmp = root.Metadata.read_bytes().decode()
        assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
        assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp
        assert "<dc:title>" in xmp
        if target == "archive":
            assert "<pdfaid:conformance>A</pdfaid:conformance>" in xmp
        top = next(iter(_elements(root.StructTreeRoot)))
        assert top.S == "/Document"
        sections = [k for k in top.K if k.S == "/Sect"]
        assert len(sections) >= 8


def test_press_is_not_tagged(sample_press) -> None:  # type: ignore[no-untyped-def]
    with pikepdf.open(sample_press.results[0].path) as pdf:
        assert "/StructTreeRoot" not in pdf.Root
        assert b"BDC" not in b"".join(p.Contents.read_bytes() for p in pdf.pages[2:4])


# --- independent checkers ------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "target"), ALL)
def test_pdfua_checker_reports_nothing(
    samples: dict[tuple[str, str], Path], year: str, target: str
) -> None:
    checker = Path(sys.executable).with_name("pdfua")
    done = subprocess.run(
        [str(checker), "check", str(samples[(year, target)])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS (no findings)" in done.stdout


@needs_qpdf
@pytest.mark.parametrize(("year", "target"), ALL)
def test_qpdf_check_is_clean(samples: dict[tuple[str, str], Path], year: str, target: str) -> None:
    done = subprocess.run(
        ["qpdf", "--check", str(samples[(year, target)])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout


# --- reading order against the edition -----------------------------------------------------------


def _norm(text: str) -> str:
    """The words of ``text``: hyphenation breaks are the composer's, word spaces are not."""
    return " ".join(re.sub(r"[\-\u00ad\u2010]", "", text).split())


# Full-width photos of the samples that the layout sets as full-bleed pages (alone on a page
# otherwise): their caption and credit are read as one paragraph, as on any full-bleed page.
PAGE_PHOTOS = {"hills.jpg"}


def _expected(edition_path: Path) -> list[tuple[str, str]]:
    """(role, text) of every heading, paragraph, list item, photo and box, in edition order."""
    edition, _ = load_edition(edition_path)
    found: list[tuple[str, str]] = []

    def blocks(items: tuple) -> None:  # type: ignore[type-arg]
        for block in items:
            if isinstance(block, Heading):
                found.append((f"H{min(block.level, 3)}", block.text))
            elif isinstance(block, ParagraphBlock):
                found.append(("P", "".join(run.text for run in block.runs)))
            elif isinstance(block, ListBlock):
                for number, item in enumerate(block.items):
                    marker = f"{block.start + number}." if block.ordered else "•"
                    first = item[0] if item else None
                    if isinstance(first, ParagraphBlock):  # the marker opens the item's text
                        found.append(("P", marker + " " + "".join(r.text for r in first.runs)))
                        blocks(item[1:])
                    else:
                        blocks(item)
            elif isinstance(block, Quote):
                blocks(block.blocks)

    for part in edition.parts:
        if isinstance(part, TableOfContents):
            found.append(("H1", part.title))
        elif isinstance(part, Section):
            blocks(part.blocks)
        elif isinstance(part, Photo):
            assert part.alt, f"sample photo {part.source.name} has no alt:"
            found.append(("Figure", part.alt))
            if part.placement == "full-bleed" or part.source.name in PAGE_PHOTOS:
                found.append(("P", " ".join(filter(None, [part.caption, part.credit]))))
            else:
                found.extend(("P", text) for text in (part.caption, part.credit) if text)
        elif isinstance(part, PullQuote):
            found.append(("P", f"“{part.text}”"))
        elif isinstance(part, Signatures):
            for person in part.signatories:
                if person.image is not None:
                    found.append(("Figure", person.alt or f"Signature of {person.name}"))
                found.extend([("P", person.name), ("P", person.role)])
        elif isinstance(part, Callout):
            found.extend([("P", part.title), ("P", part.text)])
        elif isinstance(part, Related):
            found.append(("P", part.title))
    return found


def _struct_text(path: Path) -> list[tuple[str, str]]:
    """(role, text) of each element poppler prints, in its order; Figures get their /Alt."""
    output = subprocess.run(
        ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
    ).stdout
    with pikepdf.open(path) as pdf:
        alts = iter(
            str(e.get("/Alt", "")) for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Figure"
        )
        found: list[tuple[str, str]] = []
        for line in output.splitlines():
            stripped = line.strip()
            if stripped.startswith('"'):
                if found and found[-1][0] != "Figure":
                    found[-1] = (found[-1][0], found[-1][1] + stripped[1:-1])
            elif stripped:
                role = stripped.split()[0]
                found.append((role, next(alts) if role == "Figure" else ""))
        return found


def _in_order(expected: list[tuple[str, str]], actual: list[tuple[str, str]]) -> None:
    position = 0
    for role, text in expected:
        want = (role, _norm(text))
        while position < len(actual) and (actual[position][0], _norm(actual[position][1])) != want:
            position += 1
        assert position < len(actual), (
            f"not found in reading order after the last match: {role} {text[:70]!r}"
        )
        position += 1


@needs_poppler
@pytest.mark.parametrize("target", TAGGED)
def test_struct_text_reads_the_edition_in_order(
    samples: dict[tuple[str, str], Path], target: str
) -> None:
    expected = _expected(ROOT / "editions" / "2019")
    actual = _struct_text(samples[("2019", target)])
    assert len(expected) > 100
    _in_order(expected, actual)
    # Every list item has its body (its marker is read with its text).
    roles = [role for role, _ in actual]
    assert roles.count("LI") == roles.count("LBody") > 20


# --- alt text diagnostics -----------------------------------------------------------------------


def test_photo_without_alt_warns_for_screen_and_fails_strict(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    folder = make_edition()
    code, output = run("build", folder, "--target", "screen", "--out", tmp_path / "a")
    assert code == 0, output
    assert "photos/a.jpg has no alt: text" in output
    assert "edition.yaml:" in output
    code, output = run("build", folder, "--target", "screen", "--strict", "--out", tmp_path / "b")
    assert code != 0
    assert "photos/a.jpg has no alt: text" in output
    code, output = run("check", folder)
    assert code == 0 and "photos/a.jpg has no alt: text" in output


def test_photo_with_alt_is_quiet_and_its_alt_is_in_the_file(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    yaml = BASIC_EDITION.replace(
        'caption: "A caption"', 'caption: "A caption"\n      alt: "A red field under noise"'
    )
    folder = make_edition(yaml=yaml)
    result = run_build(folder, tmp_path, "screen")
    assert not [w for w in result.warnings if "alt:" in w.message]
    with pikepdf.open(result.results[0].path) as pdf:
        alts = [str(e.Alt) for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Figure"]
    assert alts == ["A red field under noise", "Signature of Ada Example"]


def test_press_build_does_not_ask_for_alt(make_edition: MakeEdition, tmp_path: Path) -> None:
    result = run_build(make_edition(), tmp_path, "press")
    assert not [w for w in result.warnings if "alt:" in w.message]


def test_untagged_supplied_pages_are_figures_with_their_text(
    samples: dict[tuple[str, str], Path],
) -> None:
    with pikepdf.open(samples[("2019", "archive")]) as pdf:
        top = next(iter(_elements(pdf.Root.StructTreeRoot)))
        cover = top.K[0]
        assert str(cover.T) == "Cover"
        figure = cover.K[0]
        assert figure.S == "/Figure"
        assert "cover" in str(figure.Alt).lower()
        assert "Supporting human rights defenders since 2005" in str(figure.ActualText)
        page = pdf.pages[0]
        assert _marked_ids(pdf, page) == [0]
        assert _parent_tree(pdf)[int(page.obj.StructParents)][0].objgen == figure.objgen


def test_tagged_build_is_deterministic(make_edition: MakeEdition, tmp_path: Path) -> None:
    folder = make_edition()
    first = run_build(folder, tmp_path / "one", "screen").results[0].path.read_bytes()
    second = run_build(folder, tmp_path / "two", "screen").results[0].path.read_bytes()
    assert first == second


def test_a_photo_drawn_with_alt_in_the_2020_sample(
    samples: dict[tuple[str, str], Path],
) -> None:
    edition, _ = load_edition(ROOT / "editions" / "2020")
    wanted = [p.alt for p in edition.parts if isinstance(p, Photo)]
    with pikepdf.open(samples[("2020", "screen")]) as pdf:
        alts = [str(e.Alt) for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Figure"]
    assert [a for a in alts if a in wanted] == wanted


def _pdfua_passes(path: Path) -> str:
    checker = Path(sys.executable).with_name("pdfua")
    done = subprocess.run(
        [str(checker), "check", str(path)], capture_output=True, text=True, check=False
    )
    return done.stdout if done.returncode else ""


def test_tagged_supplied_pdf_keeps_its_structure(
    make_edition: MakeEdition, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A tagged appendix (here: another edition's screen file) is grafted, not flattened."""
    annex = make_edition("annex", files={"sections/one.md": "# Annex heading\n\nAnnex text.\n"})
    annex_pdf = run_build(annex, tmp_path / "annex", "screen").results[0].path
    yaml = BASIC_EDITION + ('appendices:\n  - file: annex.pdf\n    title: "Annex"\n')
    folder = make_edition("outer", yaml=yaml)
    shutil.copy(annex_pdf, folder / "annex.pdf")
    result = run_build(folder, tmp_path / "outer", "screen", "archive")
    for target in result.results:
        with pikepdf.open(target.path) as pdf:
            elements = list(_elements(pdf.Root.StructTreeRoot))
            annex_sect = next(e for e in elements if str(e.get("/T", "")) == "Annex")
            grafted = list(_elements(annex_sect))
            assert grafted[0].S == "/Part"
            assert str(grafted[0].Lang) == "en-GB"
            headings = [e for e in grafted if e.S == "/H1"]
            assert headings and any(e.S == "/BlockQuote" for e in grafted)
            assert not [e for e in grafted if e.S == "/Figure" and "/ActualText" in e]
            tree = _parent_tree(pdf)
            annex_pages = [p for p in pdf.pages if p.obj.get("/StructParents") is not None][
                -len(pikepdf.open(annex_pdf).pages) :
            ]
            for page in annex_pages:
                parents = tree[int(page.obj.StructParents)]
                for mcid in _marked_ids(pdf, page):
                    assert isinstance(parents[mcid], pikepdf.Dictionary)
        assert _pdfua_passes(target.path) == ""
        if shutil.which("pdfinfo"):
            text = subprocess.run(
                ["pdfinfo", "-struct-text", str(target.path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert text.index('"Annex heading') > text.index('"Second section')
    assert "annex.pdf is tagged: its structure is kept" in caplog.text


def test_pull_quote_in_another_language(make_edition: MakeEdition, tmp_path: Path) -> None:
    yaml = BASIC_EDITION + (
        '  - pull_quote: {text: "Nous ne sommes pas seuls.", attribution: "Awa", lang: fr}\n'
    )
    result = run_build(make_edition(yaml=yaml), tmp_path, "screen")
    with pikepdf.open(result.results[0].path) as pdf:
        quotes = [e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/BlockQuote"]
        assert [str(q.get("/Lang", "")) for q in quotes] == ["", "fr"]


def test_supplied_pdf_with_a_looping_tree_still_builds(
    make_edition: MakeEdition, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    annex = make_edition("annex", files={"sections/one.md": "# Annex\n\nText.\n"})
    annex_pdf = run_build(annex, tmp_path / "annex", "screen").results[0].path
    with pikepdf.open(annex_pdf) as pdf:
        document = next(iter(_elements(pdf.Root.StructTreeRoot)))
        document.K.append(document)  # a child that is its own ancestor
        pdf.save(tmp_path / "looping.pdf")
    yaml = BASIC_EDITION + 'appendices:\n  - file: annex.pdf\n    title: "Annex"\n'
    folder = make_edition("outer", yaml=yaml)
    shutil.copy(tmp_path / "looping.pdf", folder / "annex.pdf")
    result = run_build(folder, tmp_path / "outer", "screen")
    assert "its structure cannot be used" in caplog.text
    with pikepdf.open(result.results[0].path) as pdf:
        sect = next(
            e for e in _elements(pdf.Root.StructTreeRoot) if str(e.get("/T", "")) == "Annex"
        )
        assert {str(k.S) for k in sect.K} == {"/Figure", "/Link"}  # the annex has a link
        # Its marked content now sits inside Figures: tagged, but no PDF/UA claim.
        assert b"pdfuaid" not in pdf.Root.Metadata.read_bytes()


def test_charts_and_tables_are_tagged(samples: dict[tuple[str, str], Path]) -> None:
    from printpipe.model import Chart, DataTable

    edition, _ = load_edition(ROOT / "editions" / "2019")
    charts = [p for p in edition.parts if isinstance(p, Chart)]
    tables = [p for p in edition.parts if isinstance(p, DataTable)]
    known = {p.alt for p in edition.parts if isinstance(p, Photo)}
    with pikepdf.open(samples[("2019", "screen")]) as pdf:
        elements = list(_elements(pdf.Root.StructTreeRoot))
        figure_alts = [str(e.Alt) for e in elements if e.S == "/Figure"]
        chart_alts = [
            a
            for a in figure_alts
            if a not in known and not a.startswith(("Signature", "The", "Aud"))
        ]
        assert len(chart_alts) == len(charts) >= 2
        assert all(re.search(r"\d", alt) for alt in chart_alts), chart_alts
        found = [e for e in elements if e.S == "/Table"]
        assert len(found) >= len(tables) >= 1
        for table in found:
            rows = [r for r in table.K if r.S == "/TR"]
            header = [c for c in rows[0].K if c.S == "/TH"]
            assert header and all(c.A.Scope == "/Column" for c in header)
            assert all(c.S == "/TD" for row in rows[1:] for c in row.K)


def test_a_table_over_two_pages_reads_its_header_once(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    rows = "\n".join(f"| Item {n} | {n * 10} |" for n in range(1, 121))
    table = f"# Long table\n\n| Name | Amount |\n|---|---:|\n{rows}\n"
    folder = make_edition(files={"sections/two.md": table})
    result = run_build(folder, tmp_path, "screen")
    path = result.results[0].path
    with pikepdf.open(path) as pdf:
        elements = list(_elements(pdf.Root.StructTreeRoot))
        table_element = next(e for e in elements if e.S == "/Table")
        assert len([r for r in table_element.K if r.S == "/TR"]) == 121
        header = [c for c in table_element.K[0].K if c.S == "/TH"]
        assert len(header) == 2
        for cell in header:  # one piece of content: the repeats are artifacts
            assert not isinstance(cell.K, pikepdf.Array)
        pages = {
            int(p.obj.StructParents) for p in pdf.pages if p.obj.get("/StructParents") is not None
        }
        assert len(pages) >= 3
    if shutil.which("pdfinfo"):
        text = subprocess.run(
            ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert text.count('"Amount') == 1
        assert "Item 120" in text
        printed = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert printed.count("Amount") >= 2  # the header is repeated on the page, as artifact
