"""Press-specific promises: preflight CLI, K-only black, outline, accepted supplied files."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.pdfgen.canvas import Canvas
from tests.conftest import BASIC_EDITION, MakeEdition, run_build

from printpipe.cli import main
from printpipe.errors import ExitCode
from printpipe.pipeline import BuildResult


def _bad_pdf(path: Path) -> Path:
    canvas = Canvas(str(path), pagesize=(595.28, 841.89))
    canvas.setFillColorRGB(0.9, 0.1, 0.1)
    canvas.rect(72, 600, 200, 100, fill=1)
    canvas.drawString(72, 700, "Helvetica, not embedded, in RGB")
    canvas.save()
    return path


def test_preflight_command_names_rgb_and_unembedded_font(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["preflight", str(_bad_pdf(tmp_path / "bad.pdf"))])
    assert result.exit_code == ExitCode.PREFLIGHT_FAILED
    assert "Helvetica" in result.output and "not embedded" in result.output
    assert "DeviceRGB" in result.output


def test_preflight_command_json(tmp_path: Path) -> None:
    import json

    result = CliRunner().invoke(main, ["preflight", str(_bad_pdf(tmp_path / "bad.pdf")), "--json"])
    report = json.loads(result.output)
    checks = {finding["check"] for finding in report["findings"]}
    assert {"fonts.standard-14", "colour.device-rgb"} <= checks


def test_preflight_command_passes_the_press_output(sample_press: BuildResult) -> None:
    result = CliRunner().invoke(main, ["preflight", str(sample_press.results[0].path)])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_black_text_is_k_only(sample_press: BuildResult) -> None:
    """Text set in the layout's text colour uses K alone: no rich black on small type."""
    reader = PdfReader(sample_press.results[0].path)
    labels = reader.page_labels
    rich = []
    for index, page in enumerate(reader.pages):
        if not labels[index].isdigit():
            continue  # cover and appendix belong to their designers
        fill = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"k":
                fill = tuple(float(v) for v in operands)
            elif operator in (b"Tj", b"TJ") and fill is not None and fill[3] > 0.95:
                if any(component > 0 for component in fill[:3]):
                    rich.append((labels[index], fill))
            elif operator in (b"rg", b"g", b"sc", b"scn"):
                fill = None
    assert not rich, rich[:5]


def test_outline_has_sections_and_appendix(sample_press: BuildResult) -> None:
    reader = PdfReader(sample_press.results[0].path)
    titles = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert titles[0] == "Cover"
    assert "A letter from our Executive Director" in titles
    assert titles[-1] == "Audited financial statements"


def test_supplied_file_accepted_with_a_reason_is_reported(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    edition = make_edition(
        yaml=BASIC_EDITION
        + "appendices:\n  - file: accounts.pdf\n    title: Accounts\n"
        + '    accept: "auditor\'s file; reprint not possible"\n'
    )
    _bad_pdf(edition / "accounts.pdf")
    result = run_build(edition, tmp_path / "out")
    messages = " ".join(w.render() for w in result.warnings)
    assert "accepted: auditor's file" in messages
    # Helvetica is no longer a problem to accept: it is embedded, and reported as a fixup.
    assert "Helvetica" not in messages
    assert any("font Helvetica embedded as Liberation Sans" in n for n in result.placements)


def test_marks_sit_outside_the_bleed_on_an_enlarged_media_box(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    import pikepdf
    import pypdfium2

    from printpipe.pipeline import BuildOptions, build

    edition = make_edition()
    plain = run_build(edition, tmp_path / "plain").results[0].path
    marked = build(edition, BuildOptions(out_dir=tmp_path / "marks", marks=True, workers=1))
    path = marked.results[0].path
    with pikepdf.open(plain) as before, pikepdf.open(path) as after:
        for old, new in zip(before.pages, after.pages, strict=True):
            assert list(new.obj.TrimBox) == list(old.obj.TrimBox)
            assert list(new.obj.BleedBox) == list(old.obj.BleedBox)
            media = [float(v) for v in new.obj.MediaBox]
            bleed = [float(v) for v in new.obj.BleedBox]
            assert media[0] < bleed[0] - 20 and media[2] > bleed[2] + 20
        spaces = after.pages[0].obj.Resources.ColorSpace
        registration = next(iter(spaces.values()))
        assert registration[0] == "/Separation" and registration[1] == "/All"
    # Rendered at 72 dpi: the top-left crop mark lies on the trim line, out in the slug; the
    # bleed beside it stays clean.
    page = pypdfium2.PdfDocument(str(path))[1]
    image = page.render(scale=1).to_pil().convert("L")
    slug, bleed = 30, 3 * 72 / 25.4
    trim_line = round(slug + bleed)
    assert image.crop((3, trim_line - 1, slug - 4, trim_line + 2)).getextrema()[0] < 160
    assert image.crop((slug + 1, slug + 1, trim_line - 2, trim_line - 2)).getextrema()[0] >= 250
    report = marked.results[0].report
    assert report.ok


# --- clean files: every object reachable, qpdf --check clean ----------------------------------


def object_counts(path: Path) -> tuple[int, int]:
    """(objects in the file, objects reachable from the trailer), read with pikepdf."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        present = {
            obj.objgen
            for obj in pdf.objects
            if obj is not None and obj._type_code != pikepdf.ObjectType.null
        }
        seen: set[tuple[int, int]] = set()
        stack: list = [pdf.trailer]
        while stack:
            obj = stack.pop()
            if not isinstance(obj, pikepdf.Object):
                continue  # numbers, names and strings come back as Python values
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            if isinstance(obj, pikepdf.Stream):
                stack.extend(obj.stream_dict.values())
            elif isinstance(obj, pikepdf.Dictionary):
                stack.extend(obj.values())
            elif isinstance(obj, pikepdf.Array):
                stack.extend(obj)
        return len(present), len(seen & present)


def qpdf_check(path: Path) -> str:
    import subprocess

    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_sample_press_file_has_no_unreferenced_objects(sample_press: BuildResult) -> None:
    path = sample_press.results[0].path
    total, reachable = object_counts(path)
    assert total == reachable, (total, reachable)
    assert "No syntax or stream encoding errors found" in qpdf_check(path)


def test_every_target_has_no_unreferenced_objects(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    """Links to headings (the contents page) copy destination pages; none may be left over."""
    edition = make_edition()
    result = run_build(edition, tmp_path / "out", "press", "screen", "archive", "proof")
    for target in result.results:
        total, reachable = object_counts(target.path)
        assert total == reachable, (target.target, total, reachable)
        assert "No syntax or stream encoding errors found" in qpdf_check(target.path)


def test_photo_separations_carry_black(sample_press: BuildResult) -> None:
    """Medium black generation: every photo puts K on (nearly) every pixel.

    The cover's photo (converted by tools/make_samples.py) included; the zero-K profile left K
    off 45-83 % of the pixels.
    """
    import io

    from PIL import Image

    reader = PdfReader(sample_press.results[0].path)
    shares: dict[int, float] = {}
    for page in reader.pages:
        for ref in (page["/Resources"].get("/XObject") or {}).values():
            image = ref.get_object()
            if image.get("/Subtype") != "/Image" or image.get("/ColorSpace") != "/DeviceCMYK":
                continue
            if int(image["/Width"]) < 600 or ref.idnum in shares:
                continue  # signatures are mostly paper white
            with Image.open(io.BytesIO(image._data)) as im:
                histogram = im.getchannel("K").histogram()
            shares[ref.idnum] = histogram[0] / sum(histogram)
    assert len(shares) >= 5, shares
    assert all(share < 0.1 for share in shares.values()), shares  # the cover's photo too
