"""Tests for the image-preparation stage (printpipe.images).

Every input is made here with Pillow at test time.  Colour checks compare against LittleCMS
called directly, so they fail if the stage stops converting, converts naively or picks the
wrong source profile.  A CMYK profile is needed: the repository's FOGRA39L-argyll.icc when it
is there, else a small synthetic printer profile written below (never committed anywhere).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, JpegImagePlugin

from printpipe import images
from printpipe.errors import (
    BadInputFileError,
    ExitCode,
    ImagePolicyError,
    MissingInputError,
    PrintpipeError,
)
from printpipe.images import (
    ImageInfo,
    ImagePolicy,
    effective_ppi,
    prepare_image,
    prepare_images,
    probe_image,
    resolution_severity,
)

ASSET_PROFILE = Path(__file__).resolve().parents[1] / "assets" / "icc" / "FOGRA39L-argyll.icc"
LABEL = "editions/2019/photos/"

# --------------------------------------------------------------------------- ICC profiles
# Just enough of ICC v2 to give LittleCMS a CMYK printer profile (lut16 A2B0/B2A0, Lab PCS) and
# an RGB matrix/TRC profile.  The colour model is deliberately naive: the tests compare with
# LittleCMS using the same profile, so only validity matters.

_D50 = (0.9642, 1.0, 0.8249)
_SRGB_D50 = (  # linear sRGB -> XYZ (D50, Bradford), the columns are the primaries
    (0.4360747, 0.3850649, 0.1430804),
    (0.2225045, 0.7168786, 0.0606169),
    (0.0139322, 0.0971045, 0.7141733),
)


def _inverse3(m: tuple[tuple[float, ...], ...]) -> list[list[float]]:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    cof = [
        [e * i - f * h, c * h - b * i, b * f - c * e],
        [f * g - d * i, a * i - c * g, c * d - a * f],
        [d * h - e * g, b * g - a * h, a * e - b * d],
    ]
    return [[v / det for v in row] for row in cof]


_XYZ_TO_SRGB = _inverse3(_SRGB_D50)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _lin(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _gamma(v: float) -> float:
    v = min(max(v, 0.0), 1.0)
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def _rgb_to_lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    lin = [_lin(v) for v in rgb]
    xyz = [sum(row[k] * lin[k] for k in range(3)) for row in _SRGB_D50]

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(xyz[k] / _D50[k]) for k in range(3))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _lab_to_rgb(lab: tuple[float, float, float]) -> list[float]:
    fy = (lab[0] + 16) / 116
    fs = (fy + lab[1] / 500, fy, fy - lab[2] / 200)

    def finv(t: float) -> float:
        return t**3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)

    xyz = [_D50[k] * finv(fs[k]) for k in range(3)]
    return [_gamma(sum(row[k] * xyz[k] for k in range(3))) for row in _XYZ_TO_SRGB]


def _lut16(n_in: int, n_out: int, grid: int, clut: list[int]) -> bytes:
    identity_matrix = b"".join(_s15(1.0 if r == c else 0.0) for r in range(3) for c in range(3))
    identity_curve = struct.pack(">HH", 0, 65535)
    return (
        b"mft2\0\0\0\0"
        + struct.pack(">BBBB", n_in, n_out, grid, 0)
        + identity_matrix
        + struct.pack(">HH", 2, 2)
        + identity_curve * n_in
        + struct.pack(f">{len(clut)}H", *clut)
        + identity_curve * n_out
    )


def _icc(
    device_class: bytes, space: bytes, pcs: bytes, name: str, tags: dict[bytes, bytes]
) -> bytes:
    ascii_name = name.encode("ascii") + b"\0"
    tags = {
        b"desc": b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_name))
        + ascii_name
        + struct.pack(">IIHB", 0, 0, 0, 0)
        + b"\0" * 67,
        b"cprt": b"text\0\0\0\0" + b"test profile, not for use\0",
        b"wtpt": b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in _D50),
        **tags,
    }
    start = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags.items():
        body += b"\0" * (-(start + len(body)) % 4)
        table += signature + struct.pack(">II", start + len(body), len(data))
        body += data
    body += b"\0" * (-(start + len(body)) % 4)
    header = (
        struct.pack(">I", start + len(body))
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + device_class
        + space
        + pcs
        + struct.pack(">6H", 2020, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + b"".join(_s15(v) for v in _D50)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + table + body


def _synthetic_cmyk_icc() -> bytes:
    def lab16(lab: tuple[float, float, float]) -> list[int]:
        def clip(v: float) -> int:
            return min(max(round(v), 0), 65535)

        return [clip(lab[0] / 100 * 0xFF00), clip((lab[1] + 128) * 256), clip((lab[2] + 128) * 256)]

    steps = 5
    a2b: list[int] = []
    for c in range(steps):
        for m in range(steps):
            for y in range(steps):
                for k in range(steps):
                    ink = [v / (steps - 1) for v in (c, m, y)]
                    black = k / (steps - 1)
                    rgb = tuple((1 - v) * (1 - black) for v in ink)
                    a2b += lab16(_rgb_to_lab(rgb))  # type: ignore[arg-type]
    grid = 9
    b2a: list[int] = []
    for li in range(grid):
        for ai in range(grid):
            for bi in range(grid):
                enc = [i * 65535 / (grid - 1) for i in (li, ai, bi)]
                lab = (enc[0] / 0xFF00 * 100, enc[1] / 256 - 128, enc[2] / 256 - 128)
                r, g, b = _lab_to_rgb(lab)
                black = 1 - max(r, g, b)
                ink = (
                    [0.0, 0.0, 0.0]
                    if black >= 1
                    else [(1 - v - black) / (1 - black) for v in (r, g, b)]
                )
                b2a += [round(v * 65535) for v in (*ink, black)]
    return _icc(
        b"prtr",
        b"CMYK",
        b"Lab ",
        "printpipe test CMYK",
        {b"A2B0": _lut16(4, 3, steps, a2b), b"B2A0": _lut16(3, 4, grid, b2a)},
    )


def _swapped_rgb_icc() -> bytes:
    """An RGB profile whose red and green primaries are sRGB's green and red."""
    columns = [[row[k] for row in _SRGB_D50] for k in range(3)]
    trc = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256))
    return _icc(
        b"mntr",
        b"RGB ",
        b"XYZ ",
        "printpipe test swapped RGB",
        {
            b"rXYZ": b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in columns[1]),
            b"gXYZ": b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in columns[0]),
            b"bXYZ": b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in columns[2]),
            b"rTRC": trc,
            b"gTRC": trc,
            b"bTRC": trc,
        },
    )


@pytest.fixture(scope="session")
def synthetic_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("icc") / "test-cmyk.icc"
    path.write_bytes(_synthetic_cmyk_icc())
    return path


@pytest.fixture(scope="session")
def cmyk_profile(synthetic_profile: Path) -> Path:
    return ASSET_PROFILE if ASSET_PROFILE.is_file() else synthetic_profile


@pytest.fixture
def press(cmyk_profile: Path) -> ImagePolicy:
    return ImagePolicy("cmyk", 300, 450, 300, 150, cmyk_profile)


@pytest.fixture
def screen(cmyk_profile: Path) -> ImagePolicy:
    return ImagePolicy("rgb", 150, 150, 0, 0, cmyk_profile)


# --------------------------------------------------------------------------- helpers


def _write(folder: Path, name: str, im: Image.Image, fmt: str | None = None, **params) -> Path:
    path = folder / name
    im.save(path, fmt, **params)
    return path


def _probe(path: Path, max_pixels: int = 150_000_000) -> ImageInfo:
    return probe_image(path, max_pixels=max_pixels, label=LABEL + path.name)


def _pt(px: int, ppi: float) -> float:
    """The placed size (pt) at which ``px`` pixels have ``ppi``."""
    return px * 72 / ppi


def _prepare(path: Path, policy: ImagePolicy, cache: Path, ppi: float | None = None):
    """Prepare at a size that does not resample (the policy's max ppi) unless ``ppi`` is given."""
    info = _probe(path)
    ppi = ppi or policy.max_ppi
    return prepare_image(info, _pt(info.width_px, ppi), _pt(info.height_px, ppi), policy, cache)


def _lcms(colour, source, destination, in_mode: str, out_mode: str):
    """What LittleCMS itself makes of one colour: the oracle for the conversion tests."""

    def profile(p):
        if p is None:
            return ImageCms.createProfile("sRGB")
        return ImageCms.ImageCmsProfile(io.BytesIO(p) if isinstance(p, bytes) else str(p))

    transform = ImageCms.buildTransform(
        profile(source),
        profile(destination),
        in_mode,
        out_mode,
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )
    converted = ImageCms.applyTransform(Image.new(in_mode, (1, 1), colour), transform)
    assert converted is not None
    return _px(converted, (0, 0))


def _px(im: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    """One pixel as a tuple, whatever the mode (getpixel gives an int for one band)."""
    value = im.getpixel(xy)
    assert value is not None
    return tuple(int(v) for v in value) if isinstance(value, tuple) else (int(value),)


def _grey(im: Image.Image, xy: tuple[int, int]) -> int:
    return _px(im, xy)[0]


def _close(a, b, tolerance: int = 2) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def _centre(path: Path):
    with Image.open(path) as im:
        return _px(im, (im.width // 2, im.height // 2))


def _strip_adobe_marker(data: bytes) -> bytes:
    """Remove APP14 'Adobe' segments, as some tools write CMYK JPEGs."""
    out, pos = bytearray(data[:2]), 2
    while pos < len(data):
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            out += data[pos:]
            break
        if marker != 0xEE:
            out += data[pos : pos + 2 + length]
        pos += 2 + length
    return bytes(out)


def _bomb_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width * 3 + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- pure functions


def test_effective_ppi_is_the_lower_axis() -> None:
    assert effective_ppi(3000, 2000, 595.28, 396.85) == pytest.approx(362.85, abs=0.01)
    # Placed taller than the photo's aspect: height limits.
    assert effective_ppi(3000, 2000, 720, 720) == pytest.approx(200.0)
    with pytest.raises(ValueError):
        effective_ppi(100, 100, 0, 10)


@pytest.mark.parametrize(("ppi", "expected"), [(149.9, "error"), (150, "warning"), (300, None)])
def test_resolution_severity(press: ImagePolicy, ppi: float, expected: str | None) -> None:
    assert resolution_severity(ppi, press) == expected


def test_policy_rejects_nonsense(cmyk_profile: Path) -> None:
    with pytest.raises(ValueError):
        ImagePolicy("cmy", 300, 450, 300, 150, cmyk_profile)
    with pytest.raises(ValueError):
        ImagePolicy("cmyk", 300, 450, 300, 150, None)
    with pytest.raises(ValueError):
        ImagePolicy("rgb", 300, 150, 0, 0, None)


def test_fingerprint_follows_profile_bytes_not_path(tmp_path: Path, cmyk_profile: Path) -> None:
    moved = tmp_path / "moved.icc"
    moved.write_bytes(cmyk_profile.read_bytes())
    edited = tmp_path / "edited.icc"
    edited.write_bytes(cmyk_profile.read_bytes() + b"\0")
    base = ImagePolicy("cmyk", 300, 450, 300, 150, cmyk_profile)
    assert base.fingerprint() == base.fingerprint()
    assert ImagePolicy("cmyk", 300, 450, 300, 150, moved).fingerprint() == base.fingerprint()
    assert ImagePolicy("cmyk", 300, 450, 300, 150, edited).fingerprint() != base.fingerprint()
    assert ImagePolicy("cmyk", 300, 450, 300, 150, cmyk_profile, 80).fingerprint() != (
        base.fingerprint()
    )
    with pytest.raises(MissingInputError, match="ICC profile"):
        ImagePolicy("cmyk", 300, 450, 300, 150, tmp_path / "nope.icc").fingerprint()


# --------------------------------------------------------------------------- probing


def test_probe_reads_the_header(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    path = _write(tmp_path, "a.jpg", Image.new("RGB", (200, 100), "grey"), exif=exif)
    info = _probe(path)
    assert (info.width_px, info.height_px) == (100, 200)  # as the reader sees it
    assert (info.format, info.mode, info.has_alpha, info.frames) == ("JPEG", "RGB", False, 1)
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert info.name == LABEL + "a.jpg"
    assert probe_image(path, max_pixels=10**6).name == str(path)


def test_png_named_jpg_is_read_by_content(tmp_path: Path, screen: ImagePolicy) -> None:
    path = _write(tmp_path, "really-png.jpg", Image.new("RGBA", (64, 64), (0, 0, 255, 128)), "PNG")
    assert _probe(path).format == "PNG"
    prepared = _prepare(path, screen, tmp_path / "cache")
    assert prepared.has_alpha and prepared.path.suffix == ".png"


# --------------------------------------------------------------------------- colour


@pytest.mark.parametrize("which", ["asset", "synthetic"])
@pytest.mark.parametrize("rgb", [(255, 128, 0), (30, 90, 200), (128, 128, 128), (20, 20, 20)])
def test_rgb_to_cmyk_equals_littlecms(
    tmp_path: Path, synthetic_profile: Path, which: str, rgb: tuple[int, int, int]
) -> None:
    profile = ASSET_PROFILE if which == "asset" else synthetic_profile
    if not profile.is_file():
        pytest.skip("assets/icc/FOGRA39L-argyll.icc is not built yet")
    policy = ImagePolicy("cmyk", 300, 450, 300, 150, profile)
    path = _write(tmp_path, "flat.png", Image.new("RGB", (64, 64), rgb))
    prepared = _prepare(path, policy, tmp_path / "cache")
    assert prepared.colour == "CMYK" and prepared.path.suffix == ".jpg"
    expected = _lcms(rgb, None, profile, "RGB", "CMYK")
    got = _centre(prepared.path)
    assert _close(got, expected), (got, expected)
    naive = _px(Image.new("RGB", (1, 1), rgb).convert("CMYK"), (0, 0))
    if rgb == (255, 128, 0):  # the oracle really tells a managed conversion from a naive one
        assert not _close(naive, expected, 10)


def test_cmyk_output_is_adobe_marked_full_resolution_without_exif(
    tmp_path: Path, press: ImagePolicy
) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.Base.Make] = "Camera"
    path = _write(tmp_path, "a.jpg", Image.new("RGB", (64, 64), (200, 10, 10)), exif=exif)
    prepared = _prepare(path, press, tmp_path / "cache")
    with Image.open(prepared.path) as out:
        assert out.mode == "CMYK"
        assert out.info.get("adobe") is not None  # ReportLab's /Decode [1 0 ...] is then right
        assert isinstance(out, JpegImagePlugin.JpegImageFile)
        assert all(h == v == 1 for _, h, v, _ in out.layer)  # K not subsampled
        assert "exif" not in out.info and "icc_profile" not in out.info


def test_embedded_rgb_profile_is_the_source(
    tmp_path: Path, screen: ImagePolicy, press: ImagePolicy
) -> None:
    icc = _swapped_rgb_icc()
    path = _write(tmp_path, "tagged.png", Image.new("RGB", (64, 64), (255, 0, 0)), icc_profile=icc)
    prepared = _prepare(path, screen, tmp_path / "screen")
    got = _centre(prepared.path)
    assert _close(got, _lcms((255, 0, 0), icc, None, "RGB", "RGB"))
    assert got[1] > 200 and got[0] < 60  # the file's "red" is green in sRGB
    prepared = _prepare(path, press, tmp_path / "press")
    assert _close(
        _centre(prepared.path), _lcms((255, 0, 0), icc, press.cmyk_profile, "RGB", "CMYK")
    )


def test_cmyk_source_for_screen_goes_through_the_profile(
    tmp_path: Path, screen: ImagePolicy
) -> None:
    cmyk = (10, 200, 40, 30)
    path = _write(tmp_path, "cmyk.tif", Image.new("CMYK", (64, 64), cmyk))
    prepared = _prepare(path, screen, tmp_path / "cache")
    assert prepared.colour == "RGB"
    assert _close(_centre(prepared.path), _lcms(cmyk, screen.cmyk_profile, None, "CMYK", "RGB"))


def test_cmyk_jpeg_with_adobe_marker_passes(tmp_path: Path, press: ImagePolicy) -> None:
    path = _write(tmp_path, "marked.jpg", Image.new("CMYK", (64, 64), (0, 255, 255, 0)))
    prepared = _prepare(path, press, tmp_path / "cache")
    assert prepared.warnings == ()
    assert _close(_centre(prepared.path), (0, 255, 255, 0))


def test_cmyk_jpeg_without_adobe_marker_is_not_printed_inverted(
    tmp_path: Path, press: ImagePolicy, screen: ImagePolicy
) -> None:
    # Pillow stores CMYK inverted (Adobe's convention) and says so in APP14.  Handing it the
    # negative of red stores plain red; without the marker, that is what the file means.
    buffer = io.BytesIO()
    Image.new("CMYK", (64, 64), (255, 0, 0, 255)).save(buffer, "JPEG", quality=95)
    path = tmp_path / "no-adobe.jpg"
    path.write_bytes(_strip_adobe_marker(buffer.getvalue()))
    with Image.open(path) as raw:  # the trap: Pillow assumes Adobe's inversion all the same
        assert raw.info.get("adobe") is None
        assert _close(_px(raw, (32, 32)), (255, 0, 0, 255))

    prepared = _prepare(path, press, tmp_path / "press")
    assert prepared.warnings == ("CMYK JPEG without Adobe marker: inverted to correct it",)
    with Image.open(prepared.path) as out:
        assert out.info.get("adobe") is not None
        rendered = _px(out.convert("RGB"), (32, 32))
    assert rendered[0] > 220 and rendered[1] < 40 and rendered[2] < 40, rendered
    red = _lcms(_centre(prepared.path), press.cmyk_profile, None, "CMYK", "RGB")
    assert red[0] > 150 and red[1] < 90 and red[2] < 90, red

    on_screen = _centre(_prepare(path, screen, tmp_path / "screen").path)
    assert on_screen[0] > 150 and on_screen[1] < 90 and on_screen[2] < 90, on_screen


# --------------------------------------------------------------------------- orientation

# Where the stored top-left corner is shown, per EXIF orientation.
_CORNER = {1: "tl", 2: "tr", 3: "br", 4: "bl", 5: "tl", 6: "tr", 7: "br", 8: "bl"}


def _corner_colour(im: Image.Image, corner: str) -> tuple[int, ...]:
    x = 5 if corner[1] == "l" else im.width - 6
    y = 5 if corner[0] == "t" else im.height - 6
    return _px(im.convert("RGB"), (x, y))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path: Path, screen: ImagePolicy, orientation: int) -> None:
    im = Image.new("RGB", (200, 100), (128, 128, 128))
    im.paste((255, 0, 0), (0, 0, 24, 24))  # marker in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    path = _write(tmp_path, "turned.jpg", im, exif=exif, quality=95)

    prepared = _prepare(path, screen, tmp_path / "cache")
    turned = orientation >= 5
    assert (prepared.width_px, prepared.height_px) == ((100, 200) if turned else (200, 100))
    with Image.open(prepared.path) as out, Image.open(path) as original:
        reference = ImageOps.exif_transpose(original)
        assert out.size == reference.size
        assert ExifTags.Base.Orientation not in out.getexif()
        red = _corner_colour(out, _CORNER[orientation])
        assert red[0] > 200 and red[1] < 60, red
        assert _corner_colour(reference, _CORNER[orientation])[0] > 200
        others = {"tl", "tr", "bl", "br"} - {_CORNER[orientation]}
        assert all(_corner_colour(out, c)[0] < 160 for c in others)


# --------------------------------------------------------------------------- modes and formats


def test_16bit_png_keeps_mid_greys(tmp_path: Path, press: ImagePolicy) -> None:
    row = b"".join(struct.pack("<H", x * 257) for x in range(256))
    path = _write(tmp_path, "deep.png", Image.frombytes("I;16", (256, 16), row * 16))
    with Image.open(path) as raw:
        assert raw.mode.startswith("I")
        assert _grey(raw.convert("L"), (128, 8)) == 255  # the clipping trap
    prepared = _prepare(path, press, tmp_path / "cache")
    assert prepared.colour == "L"
    with Image.open(prepared.path) as out:
        assert out.mode == "L"
        for x in (32, 64, 128, 192):
            assert abs(_grey(out, (x, 8)) - x) <= 3


def test_palette_with_transparency(tmp_path: Path, screen: ImagePolicy, press: ImagePolicy) -> None:
    im = Image.new("P", (64, 64), 0)
    im.putpalette([255, 255, 255, 0, 0, 255] + [0] * 762)
    im.paste(1, (0, 0, 32, 64))
    path = _write(tmp_path, "logo.png", im, transparency=0)

    for_screen = _prepare(path, screen, tmp_path / "screen")
    assert for_screen.has_alpha and for_screen.colour == "RGB"
    with Image.open(for_screen.path) as out:
        assert out.mode == "RGBA"
        assert _px(out, (10, 10))[3] == 255 and _px(out, (50, 10))[3] == 0

    for_press = _prepare(path, press, tmp_path / "press")
    assert not for_press.has_alpha and for_press.path.suffix == ".jpg"
    with Image.open(for_press.path) as out:
        assert out.mode == "CMYK"
        assert max(_px(out, (50, 32))) <= 3  # transparent -> white paper, no ink


def test_grey_with_alpha(tmp_path: Path, screen: ImagePolicy, press: ImagePolicy) -> None:
    im = Image.new("LA", (64, 64), (40, 255))
    im.paste((40, 0), (32, 0, 64, 64))
    path = _write(tmp_path, "grey.png", im)
    for_screen = _prepare(path, screen, tmp_path / "screen")
    assert (for_screen.colour, for_screen.has_alpha) == ("L", True)
    with Image.open(for_screen.path) as out:
        assert out.mode == "LA"
    for_press = _prepare(path, press, tmp_path / "press")
    assert (for_press.colour, for_press.has_alpha) == ("L", False)
    with Image.open(for_press.path) as out:
        assert abs(_grey(out, (10, 32)) - 40) <= 3 and _grey(out, (54, 32)) >= 252


def test_rgba_opaque_becomes_jpeg(tmp_path: Path, screen: ImagePolicy) -> None:
    path = _write(tmp_path, "opaque.png", Image.new("RGBA", (64, 64), (10, 120, 10, 255)))
    prepared = _prepare(path, screen, tmp_path / "cache")
    assert not prepared.has_alpha and prepared.path.suffix == ".jpg"


def test_multipage_tiff_uses_first_page(tmp_path: Path, screen: ImagePolicy) -> None:
    first, second = Image.new("RGB", (64, 64), (255, 0, 0)), Image.new("RGB", (64, 64), (0, 0, 255))
    path = tmp_path / "pages.tif"
    first.save(path, save_all=True, append_images=[second])
    assert _probe(path).frames == 2
    prepared = _prepare(path, screen, tmp_path / "cache")
    assert prepared.warnings == ("multi-page TIFF: only the first page is used",)
    assert _centre(prepared.path)[0] > 220


def test_animated_gif_uses_first_frame(tmp_path: Path, screen: ImagePolicy) -> None:
    frames = [Image.new("RGB", (64, 64), c) for c in ((0, 255, 0), (255, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    prepared = _prepare(path, screen, tmp_path / "cache")
    assert prepared.warnings == ("animated GIF: only the first frame is used",)
    assert _centre(prepared.path)[1] > 220


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("WEBP", {"quality": 95}), ("JPEG", {"progressive": True}), ("BMP", {})],
)
def test_other_formats(tmp_path: Path, press: ImagePolicy, fmt: str, params: dict) -> None:
    path = _write(tmp_path, "photo.bin", Image.new("RGB", (64, 64), (30, 90, 200)), fmt, **params)
    prepared = _prepare(path, press, tmp_path / "cache")
    assert prepared.colour == "CMYK"
    assert _close(
        _centre(prepared.path), _lcms((30, 90, 200), None, press.cmyk_profile, "RGB", "CMYK"), 4
    )


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_downsampled_to_target_ppi(tmp_path: Path, press: ImagePolicy, fmt: str) -> None:
    path = _write(
        tmp_path, f"big.{fmt.lower()}", Image.effect_noise((1200, 800), 30).convert("RGB"), fmt
    )
    info = _probe(path)
    prepared = prepare_image(info, 144, 96, press, tmp_path / "cache")  # 2 x 1.33 in: 600 ppi
    assert (prepared.width_px, prepared.height_px) == (600, 400)
    assert prepared.resampled
    assert prepared.effective_ppi == pytest.approx(600)
    assert prepared.output_ppi == pytest.approx(300)
    with Image.open(prepared.path) as out:
        assert out.size == (600, 400)


def test_jpeg_is_decoded_at_reduced_scale(
    tmp_path: Path, press: ImagePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        asked.append(size)
        return original(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored 2000 x 1000, shown 1000 x 2000
    path = _write(tmp_path, "big.jpg", Image.new("RGB", (2000, 1000), "olive"), exif=exif)
    prepared = prepare_image(_probe(path), 72, 144, press, tmp_path / "cache")  # 1000 ppi -> 300
    assert asked == [(600, 300)]  # the target, in stored orientation
    assert (prepared.width_px, prepared.height_px) == (300, 600)
    assert prepared.effective_ppi == pytest.approx(1000)


def test_never_upsamples(tmp_path: Path, press: ImagePolicy) -> None:
    path = _write(tmp_path, "small.png", Image.new("RGB", (100, 80), "navy"))
    prepared = prepare_image(_probe(path), 72, 72, press, tmp_path / "cache")  # 80 ppi
    assert (prepared.width_px, prepared.height_px, prepared.resampled) == (100, 80, False)
    assert prepared.effective_ppi == prepared.output_ppi == pytest.approx(80)
    assert resolution_severity(prepared.effective_ppi, press) == "error"


# --------------------------------------------------------------------------- errors


def test_decompression_bomb_refused_from_the_header(tmp_path: Path, press: ImagePolicy) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_bomb_png(30000, 30000))
    assert path.stat().st_size < 100_000
    limit_before = Image.MAX_IMAGE_PIXELS
    started = time.perf_counter()
    with pytest.raises(ImagePolicyError) as caught:
        _probe(path)
    assert time.perf_counter() - started < 0.5
    error = caught.value
    assert error.exit_code == ExitCode.IMAGE_POLICY
    assert LABEL + "bomb.png" in error.message
    assert "30000 x 30000" in error.message and "150.0 megapixels" in error.message
    assert error.hint and "downsize" in error.hint
    assert limit_before == Image.MAX_IMAGE_PIXELS  # Pillow's global is left as it was


def test_prepare_applies_the_policy_pixel_limit(tmp_path: Path, cmyk_profile: Path) -> None:
    path = _write(tmp_path, "a.png", Image.new("RGB", (100, 100)))
    strict = ImagePolicy("cmyk", 300, 450, 300, 150, cmyk_profile, max_pixels=5_000)
    with pytest.raises(ImagePolicyError, match="100 x 100"):
        prepare_image(_probe(path), 24, 24, strict, tmp_path / "cache")


def _truncated_jpeg(folder: Path) -> Path:
    path = _write(folder, "cut.jpg", Image.effect_noise((256, 256), 50).convert("RGB"))
    path.write_bytes(path.read_bytes()[:3000])
    return path


@pytest.mark.parametrize(
    ("make", "error", "words", "hint_words"),
    [
        (lambda d: d / "missing.jpg", MissingInputError, "not found", "relative"),
        (lambda d: d, MissingInputError, "folder", "photo file"),
        (lambda d: (d / "empty.jpg", b""), BadInputFileError, "empty (0 bytes)", "export"),
        (lambda d: (d / "notes.jpg", b"hello\n"), BadInputFileError, "not an image", "PNG"),
        (
            lambda d: (d / "logo.svg", b'<?xml version="1.0"?>\n<svg xmlns="x"/>'),
            BadInputFileError,
            "SVG is not supported",
            "export it as PNG or PDF",
        ),
        (lambda d: (d / "a.pdf", b"%PDF-1.7\n"), BadInputFileError, "not a photo", "appendix"),
    ],
    ids=["missing", "folder", "empty", "text", "svg", "pdf"],
)
def test_unusable_files_are_named_with_a_fix(tmp_path, make, error, words, hint_words) -> None:
    made = make(tmp_path)
    if isinstance(made, tuple):
        made[0].write_bytes(made[1])
        made = made[0]
    with pytest.raises(error) as caught:
        probe_image(made, max_pixels=10**8, label=LABEL + "x")
    assert LABEL + "x" in caught.value.message
    assert words in caught.value.message
    assert caught.value.hint and hint_words in caught.value.hint
    assert "Traceback" not in caught.value.render()


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "locked.png", Image.new("RGB", (4, 4)))
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make the read fail the way it would for a user
        real = Path.read_bytes

        def denied(self: Path) -> bytes:
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(MissingInputError, match="cannot read"):
        _probe(path)


def test_truncated_jpeg_is_reported_not_half_used(tmp_path: Path, press: ImagePolicy) -> None:
    path = _truncated_jpeg(tmp_path)
    info = _probe(path)  # the header is intact
    with pytest.raises(BadInputFileError) as caught:
        prepare_image(info, 100, 100, press, tmp_path / "cache")
    assert "truncated" in caught.value.message and LABEL + "cut.jpg" in caught.value.message
    assert caught.value.exit_code == ExitCode.BAD_INPUT_FILE
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert not list((tmp_path / "cache").glob("*")) if (tmp_path / "cache").exists() else True


def test_damaged_png_data(tmp_path: Path, press: ImagePolicy) -> None:
    data = _write(tmp_path, "ok.png", Image.effect_noise((64, 64), 50)).read_bytes()
    start = data.index(b"IDAT") + 8
    path = tmp_path / "bad.png"
    path.write_bytes(data[:start] + bytes(200) + data[start + 200 :])
    with pytest.raises(BadInputFileError, match=r"bad\.png"):
        _prepare(path, press, tmp_path / "cache")


def test_file_changed_after_probe(tmp_path: Path, press: ImagePolicy) -> None:
    path = _write(tmp_path, "a.png", Image.new("RGB", (8, 8), "red"))
    info = _probe(path)
    _write(tmp_path, "a.png", Image.new("RGB", (8, 8), "blue"))
    with pytest.raises(BadInputFileError, match="changed"):
        prepare_image(info, 10, 10, press, tmp_path / "cache")


# --------------------------------------------------------------------------- cache


def test_cache_hit_needs_no_decode(
    tmp_path: Path, press: ImagePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    tif = tmp_path / "pages.tif"
    Image.new("RGB", (64, 64), "red").save(
        tif, save_all=True, append_images=[Image.new("RGB", (64, 64))]
    )
    cache = tmp_path / "cache"
    first = _prepare(tif, press, cache)
    sidecars = list(cache.glob("*.json"))
    assert len(sidecars) == 1 and json.loads(sidecars[0].read_text())["warnings"] == list(
        first.warnings
    )
    assert not list(cache.glob("*.tmp")) and not list(cache.glob(".*"))

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded on a cache hit")

    monkeypatch.setattr(images, "_decode", no_decoding)
    second = _prepare(tif, press, cache)
    assert second == first and second.warnings  # warnings are cached too
    with pytest.raises(AssertionError, match="decoded"):  # another placed size is another entry
        _prepare(tif, press, cache, ppi=200)


def test_corrupt_sidecar_is_a_miss(tmp_path: Path, press: ImagePolicy) -> None:
    path = _write(tmp_path, "a.png", Image.new("RGB", (16, 16), "red"))
    cache = tmp_path / "cache"
    first = _prepare(path, press, cache)
    next(cache.glob("*.json")).write_text("{not json")
    assert _prepare(path, press, cache) == first


def test_output_is_deterministic(tmp_path: Path, press: ImagePolicy) -> None:
    path = _write(tmp_path, "n.jpg", Image.effect_noise((900, 600), 40).convert("RGB"))
    info = _probe(path)
    a = prepare_image(info, 144, 96, press, tmp_path / "one")
    b = prepare_image(info, 144, 96, press, tmp_path / "two")
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.path.name == b.path.name
    assert a == b.__class__(**{**b.__dict__, "path": a.path})


def test_prepare_images_pool_equals_inline(tmp_path: Path, press: ImagePolicy) -> None:
    sources = []
    for i, colour in enumerate(["red", "green", "blue", "orange"]):
        sources.append(_write(tmp_path, f"p{i}.png", Image.new("RGB", (300, 200), colour)))
    copy = tmp_path / "copy-of-p0.png"
    copy.write_bytes(sources[0].read_bytes())
    infos = [_probe(p) for p in [*sources, copy]]
    jobs = [(info, 72.0, 48.0) for info in infos] + [(infos[1], 36.0, 24.0)]

    inline = prepare_images(jobs, press, tmp_path / "inline", workers=1)
    pooled = prepare_images(jobs, press, tmp_path / "pool", workers=2)
    assert [p.source for p in pooled] == [info.path for info, _, _ in jobs]
    for a, b in zip(inline, pooled, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
        assert (a.width_px, a.height_px, a.output_ppi, a.warnings) == (
            b.width_px,
            b.height_px,
            b.output_ppi,
            b.warnings,
        )
    assert pooled[4].path == pooled[0].path and pooled[4].source == copy  # same content, once
    assert len(list((tmp_path / "pool").glob("*.jpg"))) == 5
    # All from the cache now: the same answers, in order.
    assert prepare_images(jobs, press, tmp_path / "pool", workers=2) == pooled


def test_prepare_images_reports_every_failure(tmp_path: Path, press: ImagePolicy) -> None:
    good = _write(tmp_path, "good.png", Image.new("RGB", (32, 32), "red"))
    bad_one = _truncated_jpeg(tmp_path)
    bad_two = tmp_path / "cut2.jpg"
    bad_two.write_bytes(bad_one.read_bytes()[:2500])
    jobs = [(_probe(p), 30.0, 30.0) for p in (good, bad_one, bad_two)]
    with pytest.raises(PrintpipeError) as caught:
        prepare_images(jobs, press, tmp_path / "cache", workers=2)
    error = caught.value
    assert error.exit_code == ExitCode.BAD_INPUT_FILE
    assert len(error.diagnostics) == 2
    assert all(d.hint for d in error.diagnostics)  # hints survive the trip from the worker
    assert "cut.jpg" in error.render() and "cut2.jpg" in error.render()
    with pytest.raises(BadInputFileError, match="truncated"):
        prepare_images(jobs[:2], press, tmp_path / "cache", workers=2)


def test_full_bleed_crop_discards_the_pixels_that_do_not_show(
    tmp_path: Path, screen: ImagePolicy
) -> None:
    """A landscape photo on a portrait bleed page keeps only its visible middle."""
    im = Image.new("RGB", (900, 300), (255, 0, 0))
    im.paste((0, 0, 255), (300, 0, 600, 300))  # the middle third is blue
    path = _write(tmp_path, "wide.jpg", im)
    info = _probe(path)
    placed = (_pt(900, 100), _pt(300, 100))
    visible = (placed[0] / 3, placed[1])
    prepared = prepare_image(info, *placed, screen, tmp_path / "cache", visible=visible)
    assert (prepared.width_px, prepared.height_px) == (300, 300)
    with Image.open(prepared.path) as out:
        red, _green, blue = out.convert("RGB").getpixel((10, 150))
        assert blue > 200 and red < 60
    assert prepared.effective_ppi == pytest.approx(100, abs=0.5)


# --------------------------------------------------------------------------- black generation


def test_shipped_profile_puts_black_in_neutrals(tmp_path: Path) -> None:
    """Medium black generation: every sRGB grey darker than L* 80 carries K; mid-grey >= 15 %.

    A zero-K profile turns greys into CMY only, and neutrals drift on press.  Each grey is an
    8 x 8 block so that JPEG's blocks do not blur neighbours into it.
    """
    greys = [*range(0, 256, 4), 128]
    ramp = Image.new("RGB", (8 * len(greys), 8))
    for i, v in enumerate(greys):
        ramp.paste((v, v, v), (8 * i, 0, 8 * i + 8, 8))
    path = _write(tmp_path, "ramp.png", ramp)
    policy = ImagePolicy("cmyk", 300, 450, 0, 0, ASSET_PROFILE, jpeg_quality=100)
    prepared = _prepare(path, policy, tmp_path / "cache")
    lab = ImageCms.applyTransform(
        ramp,
        ImageCms.buildTransform(
            ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
        ),
    )
    with Image.open(prepared.path) as out:
        cmyk = out.convert("CMYK")
        for i, v in enumerate(greys):
            k = cmyk.getpixel((8 * i + 4, 4))[3]
            lightness = lab.getpixel((8 * i + 4, 4))[0] * 100 / 255
            if lightness < 80:
                assert k > 0, (v, lightness, cmyk.getpixel((8 * i + 4, 4)))
            if v == 128:
                assert k >= 0.15 * 255, cmyk.getpixel((8 * i + 4, 4))


def test_image_workers_fit_the_memory_budget_beside_the_build(
    tmp_path: Path, press: ImagePolicy, screen: ImagePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A camera photo decoded whole for a full page costs a worker about 220 MB.

    Two fit beside a small build, one beside a build holding its composition; screen decodes
    (a quarter of the pixels or less) fit two.
    """
    from printpipe import images

    path = tmp_path / "camera.jpg"
    Image.new("RGB", (6000, 4000), (90, 120, 150)).save(path, quality=50)
    info = images.probe_image(path, max_pixels=200_000_000)
    page = (_pt(2551, 300), _pt(3579, 300), None)  # a full page at 300 ppi: every pixel
    full = [("a", ((info, *page), press))]
    small = [("b", ((info, _pt(1000, 150), _pt(667, 150), None), screen))]
    assert images._decoded_pixels(full) == 6000 * 4000
    assert images._decoded_pixels(small) < 6000 * 4000 // 4  # JPEG draft: 1/4 scale or less
    monkeypatch.setattr(images, "_own_rss", lambda: 100 * 2**20)
    assert images._affordable_workers([full, full], 2) == 2
    monkeypatch.setattr(images, "_own_rss", lambda: 250 * 2**20)
    assert images._affordable_workers([full, full], 2) == 1
    assert images._affordable_workers([small, small], 2) == 2
    monkeypatch.setattr(images, "_own_rss", lambda: 2000 * 2**20)
    assert images._affordable_workers([full, full], 2) == 1  # never none
