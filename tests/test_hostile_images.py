"""Photos from phones, web pages and design tools, through the command line.

The unit tests of the image stage (tests/test_images.py) check pixels and colour; here every
kind of odd or broken file goes through ``check`` or ``build`` and gets its exit code and
message pinned, and the odd files that must work are built into one edition.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from tests.conftest import MINI, run

from printpipe.errors import ExitCode

SIZE = (1000, 700)  # 308 ppi in the house column: no resolution warning


@pytest.fixture
def edition(project: Path) -> Path:
    folder = project / "editions" / "e"
    (folder / "photos").mkdir(parents=True)
    (folder / "one.md").write_text("# One\n\nSome text.\n", encoding="utf-8")
    (folder / "edition.yaml").write_text(MINI, encoding="utf-8")
    return folder


def with_photos(edition: Path, files: dict[str, bytes], placement: str = "column") -> None:
    parts = ""
    for name, data in files.items():
        (edition / "photos" / name).write_bytes(data)
        parts += f"  - photo: {{file: photos/{name}, placement: {placement}}}\n"
    (edition / "edition.yaml").write_text(MINI + parts, encoding="utf-8")


def noise(mode: str = "RGB", size: tuple[int, int] = SIZE) -> Image.Image:
    grey = Image.effect_noise(size, 40)
    if mode == "RGB":
        return Image.merge("RGB", [grey, grey.rotate(90, expand=False), grey.transpose(0)])
    return grey.convert(mode)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and header claiming ``width`` x ``height``, one row of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * (width + 1)))
        + chunk(b"IEND", b"")
    )


def strip_adobe_marker(jpeg: bytes) -> bytes:
    at = jpeg.find(b"\xff\xee")
    assert at > 0
    (length,) = struct.unpack(">H", jpeg[at + 2 : at + 4])
    return jpeg[:at] + jpeg[at + 2 + length :]


# --- refused from the header, by `check` ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("zero.jpg", b"", ExitCode.BAD_INPUT_FILE, ["the file is empty (0 bytes)", "export"]),
        ("notes.jpg", b"Meeting notes, not a photo\n" * 20, 5, ["not an image printpipe can read"]),
        (
            "logo.svg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9"/>',
            5,
            ["SVG is not supported", "export it as PNG or PDF"],
        ),
        ("scan.jpg", b"%PDF-1.7\n%%EOF\n", 5, ["a PDF is not a photo"]),
        ("art.psd", b"8BPS\x00\x01" + b"\0" * 64, 5, ["Photoshop PSD is not supported"]),
        ("phone.heic", b"\0\0\0\x18ftypheic" + b"\0" * 64, 5, ["HEIC is not supported"]),
        ("header.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0", 5, ["image header is damaged"]),
    ],
)
def test_unusable_file_is_refused_by_check(
    edition: Path, name: str, data: bytes, code: int, words: list[str]
) -> None:
    with_photos(edition, {name: data})
    exit_code, output = run("check", edition)
    assert exit_code == code, output
    assert f"photos/{name}" in output and "edition.yaml:8:5 (parts[1].photo)" in output
    for word in words:
        assert word in output, output


def test_decompression_bomb_refused_fast_without_decoding(edition: Path) -> None:
    bomb = png_header_only(30_000, 30_000)  # 900 megapixels in 100 bytes
    assert len(bomb) < 200
    with_photos(edition, {"bomb.png": bomb})
    started = time.perf_counter()
    exit_code, output = run("build", edition, "--out", edition / "out")
    assert exit_code == ExitCode.IMAGE_POLICY, output
    assert "30000 x 30000 px (900.0 megapixels) is above the limit" in output
    assert "downsize the photo" in output
    assert time.perf_counter() - started < 3


# --- refused while decoding, by `build` ---------------------------------------------------------


def test_truncated_jpeg(edition: Path) -> None:
    whole = encode(noise(), "JPEG", quality=90)
    with_photos(edition, {"cut.jpg": whole[: len(whole) // 2]})
    exit_code, output = run("build", edition, "--out", edition / "out")
    assert exit_code == ExitCode.BAD_INPUT_FILE, output
    assert "photos/cut.jpg: the image file is truncated" in output
    assert "copy the photo again" in output
    assert not (edition / "out" / "mini-press.pdf").exists()


def test_truncated_png(edition: Path) -> None:
    whole = encode(noise(), "PNG")
    with_photos(edition, {"cut.png": whole[: len(whole) * 2 // 3]})
    exit_code, output = run("build", edition, "--out", edition / "out")
    assert exit_code == ExitCode.BAD_INPUT_FILE, output
    assert "photos/cut.png" in output and ("truncated" in output or "damaged" in output)


def test_unsupported_colour_mode(edition: Path) -> None:
    with_photos(edition, {"lab.tif": encode(noise().convert("LAB"), "TIFF")})
    exit_code, output = run("build", edition, "--out", edition / "out")
    assert exit_code == ExitCode.BAD_INPUT_FILE, output
    assert "colour mode LAB is not supported" in output and "8-bit RGB" in output


def test_tiny_image_placed_full_page_is_a_ppi_error(edition: Path) -> None:
    with_photos(
        edition, {"tiny.jpg": encode(Image.new("RGB", (10, 10), "red"), "JPEG")}, "full-bleed"
    )
    exit_code, output = run("build", edition, "--out", edition / "out")
    assert exit_code == ExitCode.IMAGE_POLICY, output
    assert "10x10 px photo is 1 ppi on page" in output and "below 150 ppi" in output
    assert "supply a larger original, or place it smaller" in output
    assert not (edition / "out" / "mini-press.pdf").exists()


def test_resolution_message_names_the_side_that_limits(edition: Path) -> None:
    """A wide photo filling a tall page is limited by its height, and the message says so."""
    with_photos(
        edition, {"wide.jpg": encode(Image.new("RGB", (300, 100), "red"), "JPEG")}, "full-bleed"
    )
    exit_code, output = run("build", edition, "--out", edition / "out")
    assert exit_code == ExitCode.IMAGE_POLICY, output
    assert re.search(r"placed \d+ x \d+ mm: its height limits it to \d+ ppi", output), output


# --- odd files that must work -----------------------------------------------------------------


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def _odd_but_valid() -> dict[str, bytes]:
    cmyk = encode(noise("CMYK"), "JPEG", quality=90)
    palette = noise().convert("P")
    grey_alpha = Image.merge("LA", [noise("L"), Image.linear_gradient("L").resize(SIZE)])
    deep = noise("L").convert("I").point(lambda v: v * 257).convert("I;16")
    files = {
        "png-named.jpg": encode(noise(), "PNG"),
        "cmyk-adobe.jpg": cmyk,
        "cmyk-no-adobe.jpg": strip_adobe_marker(cmyk),
        "progressive.jpg": encode(noise(), "JPEG", progressive=True, quality=90),
        "sixteen.png": encode(deep, "PNG"),
        "palette.png": encode(palette, "PNG", transparency=0),
        "grey-alpha.png": encode(grey_alpha, "PNG"),
        "pages.tif": encode(noise(), "TIFF", save_all=True, append_images=[noise("L")]),
        "photo.webp": encode(noise(), "WEBP", quality=90),
        "anim.gif": encode(noise().convert("P"), "GIF", save_all=True, append_images=[palette]),
        "bilevel.tif": encode(noise("1"), "TIFF"),
    }
    for orientation in range(1, 9):
        files[f"exif{orientation}.jpg"] = encode(noise(), "JPEG", exif=_exif(orientation))
    return files


def test_odd_but_valid_photos_build_for_press_and_screen(edition: Path) -> None:
    files = _odd_but_valid()
    with_photos(edition, files)
    out = edition / "out"
    exit_code, output = run("build", edition, "--out", out, "-t", "press", "-t", "screen")
    assert exit_code == 0, output
    assert "photos/pages.tif: warning: multi-page TIFF: only the first page is used" in output
    assert "animated GIF: only the first frame is used" in output
    assert "cmyk-no-adobe.jpg: warning: CMYK JPEG without Adobe marker: inverted" in output
    grey = "/DeviceGray"  # 16-bit, bilevel and grey+alpha sources stay grey (K only for press)
    for target, spaces in (("press", {"/DeviceCMYK", grey}), ("screen", {"/DeviceRGB", grey})):
        with pikepdf.open(out / f"mini-{target}.pdf") as pdf:
            shapes = []
            for page in pdf.pages:
                for image in page.get_images().values():
                    shapes.append((int(image.Width), int(image.Height)))
                    assert str(image.ColorSpace) in spaces, (target, image.ColorSpace)
            assert len(shapes) >= len(files), (target, shapes)
            # EXIF 5-8 turn the 1000x700 photo upright into a portrait one.
            portrait = [s for s in shapes if s[1] > s[0]]
            assert len(portrait) == 4, (target, shapes)
