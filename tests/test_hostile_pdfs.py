"""Covers and appendices from other hands: broken, encrypted, odd and hostile PDFs.

Every supplied PDF is made here with pikepdf.  Each case builds an edition through the CLI and
pins the exit code and the message; outputs are opened with pikepdf (an independent reader)
to check that nothing hostile reached them, and rendered with pdfium where placement matters.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from pikepdf import Array, Dictionary, Name
from tests.conftest import MINI, run

from printpipe.assemble import PASSWORD_ENV, open_pdf
from printpipe.errors import BadInputFileError, ExitCode
from printpipe.model import SuppliedPdf

A4 = (595.2756, 841.8898)
BLACK_SQUARE = b"0 0 0 1 k 60 700 80 80 re f"  # near the top left of a portrait A4 page
KEY = "edition.yaml:9:6 (appendices[0].file)"


def pages(count: int = 1, size: tuple[float, float] = A4, content: bytes = BLACK_SQUARE):
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page(page_size=size)
        pdf.pages[-1].Contents = pdf.make_stream(content)
    return pdf


def appendix(edition: Path, make: Callable[[Path], object], options: str = "") -> Path:
    """Write the appendix with ``make(path)`` and name it in edition.yaml."""
    path = edition / "appendix.pdf"
    make(path)
    (edition / "edition.yaml").write_text(
        MINI + f"appendices:\n  - {{file: appendix.pdf, title: Accounts{options}}}\n",
        encoding="utf-8",
    )
    return path


def build(edition: Path, *targets: str) -> tuple[int, str]:
    args: list[str | Path] = ["build", edition, "--out", edition / "out"]
    for target in targets or ("press",):
        args += ["-t", target]
    return run(*args)


def output(edition: Path, target: str = "press") -> Path:
    return edition / "out" / f"mini-{target}.pdf"


def first_appendix_page(path: Path) -> int:
    """Index of page A-1: after the body and the blank verso that puts A-1 on a recto."""
    with pikepdf.open(path) as pdf:
        labels = [pikepdf.Page(page).label for page in pdf.pages]
    return labels.index("A-1")


# --- encryption -----------------------------------------------------------------------------


def _encrypted(user: str, owner: str = "owner-secret") -> Callable[[Path], None]:
    def make(path: Path) -> None:
        pages(2).save(path, encryption=pikepdf.Encryption(user=user, owner=owner))

    return make


def test_user_password_is_an_error_with_a_hint(edition: Path) -> None:
    appendix(edition, _encrypted("open-sesame"))
    code, out = build(edition)
    assert code == ExitCode.BAD_INPUT_FILE, out
    assert "appendix.pdf is encrypted with a password" in out and KEY in out
    assert "add 'password:'" in out and PASSWORD_ENV in out
    assert not output(edition).exists()


def test_password_key_opens_it(edition: Path) -> None:
    appendix(edition, _encrypted("open-sesame"), ", password: open-sesame")
    code, out = build(edition)
    assert code == 0, out
    assert "opened with the password from edition.yaml" in out
    with pikepdf.open(output(edition)) as pdf:  # no password: the output is never encrypted
        assert not pdf.is_encrypted and len(pdf.pages) == 4


def test_wrong_password_key(edition: Path) -> None:
    appendix(edition, _encrypted("open-sesame"), ", password: guess")
    code, out = build(edition)
    assert code == ExitCode.BAD_INPUT_FILE, out
    assert "the password given does not open it" in out


def test_password_from_the_environment_opens_it_for_assembly(
    edition: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = appendix(edition, _encrypted("open-sesame"))
    monkeypatch.setenv(PASSWORD_ENV, "open-sesame")
    reader, notes = open_pdf(SuppliedPdf(path, "appendix.pdf", "Accounts"))
    assert len(reader.pages) == 2
    assert any(PASSWORD_ENV in note.message for note in notes)
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(BadInputFileError, match="encrypted with a password"):
        open_pdf(SuppliedPdf(path, "appendix.pdf", "Accounts"))


def test_password_from_the_environment_builds(
    edition: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    appendix(edition, _encrypted("open-sesame"))
    monkeypatch.setenv(PASSWORD_ENV, "open-sesame")
    code, out = build(edition)
    assert code == 0, out


def test_owner_password_only_works_with_a_warning(
    edition: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    appendix(edition, _encrypted(""))
    monkeypatch.setenv(PASSWORD_ENV, "a password for some other file")
    code, out = build(edition)
    assert code == 0, out
    assert "warning" in out and "owner password only" in out
    with pikepdf.open(output(edition)) as pdf:
        assert not pdf.is_encrypted


# --- damaged and not PDFs -------------------------------------------------------------------


def _truncated(path: Path) -> None:
    pages(3).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])


def _broken_xref(path: Path) -> None:
    pages(3).save(path, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    data = path.read_bytes()
    path.write_bytes(data[: data.rfind(b"startxref")] + b"startxref\n99999\n%%EOF\n")


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (_truncated, 5, ["appendix.pdf is damaged and cannot be read", "export or download it"]),
        (lambda p: p.write_bytes(b""), 5, ["appendix.pdf is empty (0 bytes)"]),
        (
            lambda p: p.write_bytes(b"<!DOCTYPE html><html><body>404 Not Found</body></html>"),
            5,
            ["appendix.pdf is an HTML page", "a download may have saved an error page"],
        ),
        (lambda p: p.write_bytes(b"\x00\x01binary junk" * 50), 5, ["appendix.pdf is not a PDF"]),
        (lambda p: p.write_bytes(b"%PDF-1.7\n%%EOF\n"), 5, ["damaged and cannot be read"]),
        (lambda p: pikepdf.new().save(p), 5, ["appendix.pdf has no pages"]),
    ],
    ids=["truncated", "zero-bytes", "html", "binary", "header-only", "zero-pages"],
)
def test_unusable_pdf(
    edition: Path, make: Callable[[Path], None], code: int, words: list[str]
) -> None:
    appendix(edition, make)
    exit_code, out = build(edition)
    assert exit_code == code, out
    assert KEY in out
    for word in words:
        assert word in out, out
    assert not output(edition).exists()


def test_broken_xref_is_repaired_with_a_warning(edition: Path) -> None:
    appendix(edition, _broken_xref)
    code, out = build(edition)
    assert code == 0, out
    assert "appendix.pdf is damaged; it was repaired while reading" in out
    assert "incorrect startxref" in out
    with pikepdf.open(output(edition)) as pdf:
        labels = [pikepdf.Page(page).label for page in pdf.pages]
        assert labels[:5] == ["1", "2", "A-1", "A-2", "A-3"]  # body, blank verso, appendix


# --- geometry -------------------------------------------------------------------------------


def _dark_centre(image) -> tuple[float, float]:
    """Centre of the dark pixels, as fractions of the image (0,0 = top left)."""
    grey = image.convert("L")
    width, height = grey.size
    points = [(x, y) for y in range(height) for x in range(width) if grey.getpixel((x, y)) < 80]
    assert points, "nothing dark on the page"
    return (
        sum(x for x, _ in points) / len(points) / width,
        sum(y for _, y in points) / len(points) / height,
    )


def _quadrant(point: tuple[float, float]) -> tuple[bool, bool]:
    return point[0] > 0.5, point[1] > 0.5


def test_rotated_pages_arrive_the_way_they_are_seen(edition: Path) -> None:
    def make(path: Path) -> None:
        pdf = pages(4)
        for index, page in enumerate(pdf.pages):
            page.Rotate = 90 * index
        pdf.save(path)

    source = appendix(edition, make)
    code, out = build(edition)
    assert code == 0, out
    assert "297.0 x 210.0 mm scaled to 71%" in out  # 90 degrees: landscape as seen
    seen = pypdfium2.PdfDocument(source)
    built = pypdfium2.PdfDocument(output(edition))
    first = first_appendix_page(output(edition))
    with pikepdf.open(output(edition)) as pdf:
        for index in range(4):
            page = pdf.pages[first + index]
            assert int(page.obj.get("/Rotate", 0)) == 0
            assert [round(float(v), 1) for v in page.mediabox] == [0, 0, 612.3, 858.9]
            expected = _quadrant(_dark_centre(seen[index].render(scale=0.1).to_pil()))
            actual = _quadrant(_dark_centre(built[first + index].render(scale=0.1).to_pil()))
            assert actual == expected, (index * 90, expected, actual)


def test_content_outside_the_crop_box_does_not_show(edition: Path) -> None:
    def make(path: Path) -> None:
        # Black inside the crop box, magenta printer's marks outside it.
        pdf = pages(1, content=b"0 0 0 1 k 200 300 100 100 re f 0 1 0 0 k 0 0 40 842 re f")
        pdf.pages[0].CropBox = [50, 50, 450, 650]
        pdf.save(path)

    appendix(edition, make)
    code, out = build(edition, "screen")
    assert code == 0, out
    assert "page 1 is not the" in out and "141.1 x 211.7 mm scaled" in out
    first = first_appendix_page(output(edition, "screen"))
    image = pypdfium2.PdfDocument(output(edition, "screen"))[first].render(scale=0.2).to_pil()
    colours = image.convert("RGB").getcolors(1 << 20)
    assert not [c for _, c in colours if c[1] < 100 and c[0] > 150], "magenta leaked"
    assert [c for _, c in colours if max(c) < 80], "the black square is missing"


def test_mixed_sizes_landscape_and_five_metres_wide(edition: Path) -> None:
    def make(path: Path) -> None:
        pdf = pages(1)
        for size in [(612, 792), (A4[1], A4[0]), (14173, 595)]:  # Letter, landscape, 5 m
            pdf.add_blank_page(page_size=size)
            pdf.pages[-1].Contents = pdf.make_stream(b"0 0 0 1 k 0 0 100 100 re f")
        pdf.save(path)

    appendix(edition, make)
    code, out = build(edition)
    assert code == 0, out
    assert "pages 2-4 are not the 210.0 x 297.0 mm trim" in out
    assert "215.9 x 279.4 mm scaled to 97%" in out
    assert "297.0 x 210.0 mm scaled to 71%" in out
    assert "4999.9 x 209.9 mm scaled to 4%" in out
    with pikepdf.open(output(edition)) as pdf:
        boxes = {tuple(round(float(v), 1) for v in page.trimbox) for page in pdf.pages}
        assert boxes == {(8.5, 8.5, 603.8, 850.4)}


def test_fit_refuse_names_the_page(edition: Path) -> None:
    appendix(edition, lambda p: pages(2, (612, 792)).save(p), ", fit: refuse")
    code, out = build(edition)
    assert code == ExitCode.BAD_INPUT_FILE, out
    assert "page 1 is 215.9 x 279.4 mm, not the trim size 210.0 x 297.0 mm" in out
    assert "set 'fit: scale'" in out


def _limited(memory: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return limit


def _cli(edition: Path, memory: int = 2 << 30, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    return subprocess.run(
        [sys.executable, "-m", "printpipe", "build", str(edition), "--out", str(edition / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=_limited(memory),
    )


def test_two_thousand_pages_in_bounded_memory(edition: Path) -> None:
    appendix(edition, lambda p: pages(2000, content=b"0 0 0 1 k 10 10 50 50 re f").save(p))
    started = time.perf_counter()
    done = _cli(edition, memory=1536 << 20)  # address space, not resident memory
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert time.perf_counter() - started < 60
    with pikepdf.open(output(edition)) as pdf:
        assert len(pdf.pages) == 2004  # body, 2000 pages, 3 blanks to a multiple of 4


# --- interactive and hostile content ----------------------------------------------------------


def _widget_pdf(path: Path) -> None:
    pdf = pages(1, content=b"")
    look = pdf.make_stream(b"0 0 0 1 k 0 0 200 40 re f")
    look.Type, look.Subtype, look.BBox = Name.XObject, Name.Form, [0, 0, 200, 40]
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=pikepdf.String("total"),
            V=pikepdf.String("1,234"),
            F=4,
            Rect=[300, 400, 500, 440],
            AP=Dictionary(N=look),
        )
    )
    comment = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Text,
            Rect=[50, 50, 70, 70],
            Contents=pikepdf.String("reviewer's note, not for print"),
        )
    )
    pdf.pages[0].Annots = Array([field, comment])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), NeedAppearances=False)
    pdf.save(path)


def test_form_fields_print_as_seen_and_leave_no_form(edition: Path) -> None:
    appendix(edition, _widget_pdf)
    code, out = build(edition, "press", "screen")
    assert code == 0, out
    for target in ("press", "screen"):
        with pikepdf.open(output(edition, target)) as pdf:
            assert "/AcroForm" not in pdf.Root
            assert all("/Annots" not in page.obj for page in pdf.pages)
        first = first_appendix_page(output(edition, target))
        page = pypdfium2.PdfDocument(output(edition, target))[first]
        width, height = page.get_size()
        image = page.render(scale=0.5).to_pil().convert("L")
        trim_x = (width - A4[0]) / 2  # press pages carry the bleed
        centre = ((trim_x + 400) * 0.5, (height - trim_x - 420) * 0.5)
        assert image.getpixel(centre) < 60, f"{target}: the field's value is not on the page"


def _scripted(path: Path) -> None:
    pdf = pages(2)
    script = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
    pdf.Root.OpenAction = script
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([pikepdf.String("x"), script])))
    pdf.pages[0].AA = Dictionary(O=script)
    launch = pdf.make_indirect(Dictionary(S=Name.Launch, F=pikepdf.String("calc.exe")))
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[10, 10, 100, 100], A=launch)
    pdf.pages[1].Annots = Array([pdf.make_indirect(link)])
    pdf.save(path)


def test_javascript_and_launch_actions_are_refused(edition: Path) -> None:
    appendix(edition, _scripted)
    code, out = build(edition)
    assert code == ExitCode.PREFLIGHT_FAILED, out
    assert "document-level JavaScript" in out and "launches an application" in out
    assert "accept: <reason>" in out
    assert not output(edition).exists()


def _hostile_keys(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key in ("/JS", "/JavaScript", "/OpenAction", "/AA", "/AcroForm"):
                if key in obj:
                    found.append(key)
            if obj.get("/S") in (Name.JavaScript, Name.Launch):
                found.append(str(obj.get("/S")))
    return found


def test_accepted_scripts_never_reach_the_output(edition: Path) -> None:
    appendix(edition, _scripted, ", accept: the auditor's file as sent")
    code, out = build(edition, "press", "screen", "archive")
    assert code == 0, out
    assert "(accepted: the auditor's file as sent)" in out
    for target in ("press", "screen", "archive"):
        with pikepdf.open(output(edition, target)) as pdf:
            assert _hostile_keys(pdf) == [], target


def _flate_bomb(total: int) -> bytes:
    """A zlib stream of ``total`` zero bytes, made in milliseconds from one repeated block."""
    packer = zlib.compressobj(9)
    chunk = 1 << 24
    block = packer.compress(b"\0" * chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(b"\0" * chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    return block + again * (total // chunk - 1) + packer.flush()


def _bomb(where: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        pdf = pages(1)
        stream = pikepdf.Stream(pdf, b"")
        stream.write(_flate_bomb(4 << 30), filter=Name.FlateDecode)  # 4 GB inflated
        if where == "content":
            pdf.pages[0].Contents = stream
        else:
            stream.Type, stream.Subtype, stream.BBox = Name.XObject, Name.Form, [0, 0, 10, 10]
            pdf.pages[0].Resources = Dictionary(XObject=Dictionary(Fm0=stream))
            pdf.pages[0].Contents = pdf.make_stream(b"/Fm0 Do")
        pdf.save(path)

    return make


@pytest.mark.parametrize("where", ["content", "form"])
def test_decompression_bomb_is_refused_in_bounded_memory(edition: Path, where: str) -> None:
    appendix(edition, _bomb(where))
    assert (edition / "appendix.pdf").stat().st_size < 5_000_000
    started = time.perf_counter()
    done = _cli(edition, memory=1536 << 20)
    assert done.returncode == ExitCode.PREFLIGHT_FAILED, done.stderr
    assert "Traceback" not in done.stderr
    assert "Limit reached while decompressing" in done.stderr and "appendix.pdf" in done.stderr
    assert time.perf_counter() - started < 30


def test_accepted_decompression_bomb_is_still_refused(edition: Path) -> None:
    appendix(edition, _bomb("content"), ", accept: trusted")
    code, out = build(edition)
    assert code == ExitCode.BAD_INPUT_FILE, out
    assert "appendix.pdf page 1 cannot be used" in out and "decompression bomb" in out
    assert not output(edition).exists()
