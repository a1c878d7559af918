"""Proofs: the stamped proof target (text and guide pixels) and the PNG spreads / contact sheet."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader, PdfWriter
from tests.conftest import MakeEdition, run_build

from printpipe.cli import main
from printpipe.errors import BadInputFileError, ExitCode, MissingInputError, UsageError
from printpipe.proof import (
    BACKGROUND,
    LABEL_HEIGHT,
    SPREAD_GAP,
    TILE_PADDING,
    contact_grid,
    render_proofs,
    spread_pairs,
)

MM = 72 / 25.4
STAMP = "PROOF · test-2019 · 2020-04-30"  # slug and the SOURCE_DATE_EPOCH date of conftest


def _blank_pdf(path: Path, pages: int, size: tuple[float, float] = (300, 420)) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _save_on_failure(image: Image.Image, name: str) -> str:
    """Keep the actual picture for whoever reads the failure."""
    path = Path("build") / "test-failures" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return f"actual image saved to {path}"


# --- pure layout of spreads and the grid -------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        (0, []),
        (1, [(None, 0)]),
        (2, [(None, 0), (1, None)]),
        (4, [(None, 0), (1, 2), (3, None)]),
        (5, [(None, 0), (1, 2), (3, 4)]),
    ],
)
def test_spread_pairs_open_like_the_bound_report(
    pages: int, expected: list[tuple[int | None, int | None]]
) -> None:
    assert spread_pairs(pages) == expected


@pytest.mark.parametrize("spreads", [1, 2, 3, 4, 6, 7, 12, 13, 101])
def test_contact_grid_holds_every_spread_without_an_empty_row(spreads: int) -> None:
    columns, rows = contact_grid(spreads)
    assert columns <= 3 and columns * rows >= spreads > columns * (rows - 1)


# --- the contact sheet and spreads -------------------------------------------------------------


def _halves_with_a_page(
    sheet: Image.Image, grid: tuple[int, int], tile: tuple[int, int], spreads: int
) -> list[tuple[int, str]]:
    """(spread, "left"/"right") of every half of a cell holding anything but the background."""
    columns, _ = grid
    found = []
    for number in range(spreads):
        left, top = (number % columns) * tile[0], (number // columns) * tile[1]
        middle = left + tile[0] // 2
        bottom = top + tile[1] - TILE_PADDING - LABEL_HEIGHT
        for side, box in (
            ("left", (left + TILE_PADDING, top + TILE_PADDING, middle - 1, bottom)),
            ("right", (middle + 1, top + TILE_PADDING, left + tile[0] - TILE_PADDING, bottom)),
        ):
            colours = sheet.crop(box).getcolors(maxcolors=1 << 16) or [(0, (0, 0, 0))]
            if any(colour != BACKGROUND for _, colour in colours):
                found.append((number, side))
    return found


def test_contact_sheet_shows_the_document_as_bound_spreads(tmp_path: Path) -> None:
    pdf = _blank_pdf(tmp_path / "seven.pdf", 7)
    writer = PdfWriter(clone_from=pdf)
    writer.set_page_label(0, 0, prefix="C", style="/D", start=1)
    writer.set_page_label(1, 2, style="/r", start=1)
    writer.set_page_label(3, 6, style="/D", start=1)
    with pdf.open("wb") as handle:
        writer.write(handle)
    result = render_proofs(pdf, tmp_path / "png", dpi=20)
    assert result.pages == 7
    assert result.grid == (3, 2)  # four spreads, three to a row
    assert result.labels == ("C1", "i · ii", "1 · 2", "3 · 4")
    sheet = Image.open(result.contact_sheet).convert("RGB")
    assert sheet.size == (3 * result.tile_size[0], 2 * result.tile_size[1])
    halves = _halves_with_a_page(sheet, result.grid, result.tile_size, 4)
    expected = [(0, "right"), (1, "left"), (1, "right"), (2, "left"), (2, "right")]
    assert halves == [*expected, (3, "left"), (3, "right")], _save_on_failure(sheet, "c7.png")
    # The label under each spread is drawn (white text below the thumbnails).
    label_row = sheet.crop(
        (0, result.tile_size[1] - LABEL_HEIGHT, result.tile_size[0], result.tile_size[1])
    )
    assert max(min(colour) for _, colour in label_row.getcolors(1 << 16) or []) > 200
    assert [p.name for p in result.spreads] == [f"seven-spread-0{n}.png" for n in range(1, 5)]


def test_spreads_put_page_one_on_the_right(tmp_path: Path) -> None:
    pdf = _blank_pdf(tmp_path / "three.pdf", 3)
    result = render_proofs(pdf, tmp_path, dpi=20)
    first = Image.open(result.spreads[0]).convert("RGB")
    second = Image.open(result.spreads[1]).convert("RGB")
    assert first.size == second.size
    page_width = (first.width - SPREAD_GAP) // 2
    assert abs(page_width - 300 * 20 / 72) <= 1 and abs(first.height - 420 * 20 / 72) <= 1
    middle = first.height // 2
    assert first.getpixel((page_width // 2, middle)) == BACKGROUND  # empty verso
    assert first.getpixel((page_width + SPREAD_GAP + page_width // 2, middle)) == (255, 255, 255)
    assert second.getpixel((page_width // 2, middle)) == (255, 255, 255)


def test_proof_pngs_are_byte_identical_and_stale_spreads_go(tmp_path: Path) -> None:
    pdf = _blank_pdf(tmp_path / "doc.pdf", 6)
    first = render_proofs(pdf, tmp_path / "a", dpi=15)
    second = render_proofs(pdf, tmp_path / "b", dpi=15)
    for one, two in zip(
        (*first.spreads, first.contact_sheet), (*second.spreads, second.contact_sheet), strict=True
    ):
        assert one.read_bytes() == two.read_bytes()
    assert len(first.spreads) == 4
    _blank_pdf(pdf, 2)  # the document got shorter: old spreads 03 and 04 must not linger
    again = render_proofs(pdf, tmp_path / "a", dpi=15)
    assert (
        sorted(p.name for p in (tmp_path / "a").glob("doc-spread-*.png"))
        == [p.name for p in again.spreads]
        == ["doc-spread-01.png", "doc-spread-02.png"]
    )


def test_proof_errors_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError):
        render_proofs(tmp_path / "missing.pdf", tmp_path)
    (tmp_path / "fake.pdf").write_text("not a pdf")
    with pytest.raises(BadInputFileError):
        render_proofs(tmp_path / "fake.pdf", tmp_path)
    with pytest.raises(UsageError, match="dpi"):
        render_proofs(_blank_pdf(tmp_path / "ok.pdf", 1), tmp_path, dpi=5000)


# --- the proof target: stamp and guides --------------------------------------------------------


def _is_magenta(pixel: tuple[int, ...]) -> bool:
    red, green, blue = pixel[:3]
    return red > 180 and blue > 180 and green < 120


def test_proof_target_has_stamp_and_guides(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    result = run_build(edition, tmp_path / "out", "proof", "screen")
    proof, screen = (r.path for r in result.results)
    reader = PdfReader(proof)
    for page in reader.pages:
        assert STAMP in page.extract_text()
        trim = [round(float(v), 2) for v in page.trimbox]
        assert trim[:2] == [round(3 * MM, 2)] * 2  # the proof keeps its bleed, so guides show
    assert "PROOF" not in "".join(page.extract_text() for page in PdfReader(screen).pages)

    scale = 4.0
    document = pypdfium2.PdfDocument(str(proof))
    image = document[1].render(scale=scale).to_pil().convert("RGB")
    document.close()
    trim_x = round(3 * MM * scale)  # left trim line, in pixels
    rows = range(image.height // 4, 3 * image.height // 4, 10)
    hits = [
        y
        for y in rows
        if any(_is_magenta(image.getpixel((x, y))) for x in range(trim_x - 2, trim_x + 3))
    ]
    assert len(hits) == len(rows), _save_on_failure(image, "proof-page-2.png")
    # nothing magenta a few millimetres inside the trim: the line is a guide, not a fill
    inside = round((3 + 8) * MM * scale)
    assert not any(_is_magenta(image.getpixel((inside, y))) for y in rows)
    # the bleed (cyan, dashed) at the very edge and the safe area (green, dotted) inside
    edge = [image.getpixel((x, y)) for y in rows for x in range(0, 3)]
    assert any(b > 180 and g > 120 and r < 100 for r, g, b in edge)
    safe_x = round((3 + 5) * MM * scale)
    column = [
        image.getpixel((x, y))
        for y in range(image.height // 4, image.height * 3 // 4)
        for x in range(safe_x - 2, safe_x + 3)
    ]
    assert any(g > 100 and r < 80 and b < 80 for r, g, b in column)


# --- the command -------------------------------------------------------------------------------


def test_proof_command_on_an_edition_and_on_a_pdf(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    edition = make_edition()
    out = tmp_path / "proofs"
    result = CliRunner().invoke(main, ["proof", str(edition), "--out", str(out), "--dpi", "20"])
    assert result.exit_code == 0, result.output
    assert (out / "test-2019-proof.pdf").is_file()
    sheet = out / "test-2019-proof-contact.png"
    assert sheet.is_file() and "contact sheet" in result.output
    pages = len(PdfReader(out / "test-2019-proof.pdf").pages)
    assert len(list(out.glob("test-2019-proof-spread-*.png"))) == len(spread_pairs(pages))

    pdf = _blank_pdf(tmp_path / "cover.pdf", 2)
    result = CliRunner().invoke(main, ["proof", str(pdf), "--dpi", "20"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cover-contact.png").is_file()

    result = CliRunner().invoke(main, ["proof", str(tmp_path / "nope.pdf")])
    assert result.exit_code == ExitCode.MISSING_INPUT
    assert "Traceback" not in result.output and "no such file" in result.output
