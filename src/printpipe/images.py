"""Prepare photos for a target: open safely, orient, check resolution, downsample, convert colour.

This is the only module that imports Pillow.  ReportLab places whatever file it is given as is:
it ignores EXIF orientation, drops embedded ICC profiles and writes CMYK JPEGs with an inverted
``/Decode`` array.  So every photo is turned here into a file that needs no interpretation: upright,
already in the target's colour space (DeviceCMYK for press, sRGB for screen), at no more
resolution than the target can use.  Composition places a prepared JPEG as a placeholder that
names the file (compose/prepared.py), and the file's bytes are copied unchanged into the output
while it is written (imagefill.py), so no stage holds the photos in memory.

Results are cached by content (file hash, policy fingerprint, placed size), so a rebuild does no
image work at all, and two builds may share one cache folder: every file lands atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import multiprocessing
import os
import struct
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import lru_cache
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageChops, ImageCms, ImageMath, UnidentifiedImageError

from printpipe import geometry
from printpipe.errors import (
    BadInputFileError,
    Diagnostic,
    ImagePolicyError,
    MissingInputError,
    OutputError,
    PrintpipeError,
    raise_if_errors,
)
from printpipe.output import claim_temp, remove_stale_temps, signals_held

log = logging.getLogger(__name__)

__all__ = [
    "CACHE_VERSION",
    "ImageInfo",
    "ImagePolicy",
    "PreparedImage",
    "effective_ppi",
    "prepare_image",
    "prepare_images",
    "probe_image",
    "resolution_severity",
]

#: Bump when the preparation changes in a way that makes old cache entries wrong.
CACHE_VERSION = 1

#: The private keys by which a composed body names the prepared file an image XObject stands
#: for, and its length (compose/prepared.py writes them, imagefill.py fills and drops them).
PLACEHOLDER_FILE = "PrintpipeImage"
PLACEHOLDER_LENGTH = "PrintpipeLength"

# Formats we decode.  Restricting Image.open to these keeps Pillow away from formats whose
# plugins call external programs (EPS runs Ghostscript) or that no photo should be in.  (Camera
# MPO files come in through the JPEG opener; naming "MPO" here makes Pillow raise KeyError.)
_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "GIF", "BMP", "AVIF")

# Pillow raises these from its decoders on damaged input; anything else is a bug of ours.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)

# EXIF orientation -> the transpose that makes the image upright (ImageOps.exif_transpose's table).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_REEXPORT = "export the photo again as JPEG, PNG or TIFF from the original, then rebuild"


@dataclass(frozen=True)
class ImagePolicy:
    """What a target wants of its images (built by the pipeline from the target table + layout).

    ``colour`` is ``"cmyk"`` (press: convert RGB through ``cmyk_profile``) or ``"rgb"`` (screen and
    archive: everything to sRGB).  Photos above ``max_ppi`` at their placed size are resampled to
    ``target_ppi``; ``warn_below_ppi`` / ``error_below_ppi`` feed :func:`resolution_severity`.
    ``max_pixels`` refuses decompression bombs from the header, before anything is decoded.
    """

    colour: str
    target_ppi: float
    max_ppi: float
    warn_below_ppi: float
    error_below_ppi: float
    cmyk_profile: Path | None
    jpeg_quality: int = 90
    max_pixels: int = 150_000_000
    #: ``(target_ppi, max_ppi)`` the *decode* is sized for when it differs from this target's:
    #: the pipeline gives every target the press values, so one decode serves all targets
    #: (the 150 ppi RGB version is resampled from the 300 ppi decode) and a target's pixels
    #: never depend on which other targets were built with it.
    decode_ppi: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        # A bad policy is a bug in the pipeline's target table, not a user error.
        if self.colour not in ("cmyk", "rgb"):
            raise ValueError(f"ImagePolicy.colour must be 'cmyk' or 'rgb', not {self.colour!r}")
        if self.colour == "cmyk" and self.cmyk_profile is None:
            raise ValueError("ImagePolicy.colour 'cmyk' needs a cmyk_profile")
        if not 0 < self.target_ppi <= self.max_ppi:
            raise ValueError("ImagePolicy needs 0 < target_ppi <= max_ppi")
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError("ImagePolicy.jpeg_quality must be 1..100")
        if self.max_pixels < 1:
            raise ValueError("ImagePolicy.max_pixels must be positive")

    def fingerprint(self) -> str:
        """Stable text of every field, for the cache key.

        The profile is named by the sha256 of its bytes, not by its path, so a moved checkout
        keeps its cache and an edited profile invalidates it.
        """
        profile = _read_profile(self.cmyk_profile) if self.cmyk_profile else None
        fields = {
            "colour": self.colour,
            "target_ppi": repr(float(self.target_ppi)),
            "max_ppi": repr(float(self.max_ppi)),
            "warn_below_ppi": repr(float(self.warn_below_ppi)),
            "error_below_ppi": repr(float(self.error_below_ppi)),
            "cmyk_profile": hashlib.sha256(profile).hexdigest() if profile else None,
            "jpeg_quality": self.jpeg_quality,
            "max_pixels": self.max_pixels,
            "decode_ppi": [repr(float(v)) for v in self.decode_ppi] if self.decode_ppi else None,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class ImageInfo:
    """What a cheap look at a photo tells (header only, no pixel decode).

    Width and height are after EXIF orientation, i.e. as the reader will see the photo.
    ``label`` is how messages name the file (the edition-relative path); it defaults to the path.
    """

    path: Path
    width_px: int
    height_px: int
    format: str
    mode: str
    has_alpha: bool
    frames: int
    sha256: str
    label: str | None = None
    turned: bool = False  # stored sideways (EXIF orientation 5-8): width/height are swapped

    @property
    def name(self) -> str:
        """How diagnostics name this photo."""
        return self.label or str(self.path)

    @property
    def stored_size(self) -> tuple[int, int]:
        """Width and height as stored in the file, before turning upright."""
        return (self.height_px, self.width_px) if self.turned else (self.width_px, self.height_px)


@dataclass(frozen=True)
class PreparedImage:
    """A photo ready to place: the cached file plus what preflight needs to know about it.

    ``effective_ppi`` is of the *source* at the placed size (what the author supplied);
    ``output_ppi`` is of the prepared file.  ``has_alpha`` means the file is a PNG whose alpha
    the compositor must keep (ReportLab ``mask='auto'``); it only happens for ``rgb`` targets.
    """

    source: Path
    path: Path
    width_px: int
    height_px: int
    colour: str
    effective_ppi: float
    output_ppi: float
    resampled: bool
    has_alpha: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Framing:
    """What part of a photo to use: an explicit crop and where the subject is.

    ``crop`` is (x, y, w, h) and ``focus`` (x, y), both fractions of the whole image from its
    top left.  A crop to a page's shape keeps the focus inside the window and as near its
    centre as the image allows, instead of cutting away the subject at the edge.
    """

    crop: tuple[float, float, float, float] | None = None
    focus: tuple[float, float] | None = None

    def focus_in_crop(self) -> tuple[float, float]:
        return geometry.focus_in_crop(self.focus or (0.5, 0.5), self.crop)


Job = tuple[Any, ...]
"""(photo, placed width, placed height[, visible width and height[, framing]]) in points."""


def cropped_pixels(width_px: int, height_px: int, framing: Framing | None) -> tuple[int, int]:
    """Pixel size of the part of the image that ``framing`` keeps."""
    if framing is None or framing.crop is None:
        return width_px, height_px
    _, _, w, h = framing.crop
    return max(1, round(width_px * w)), max(1, round(height_px * h))


# --------------------------------------------------------------------------- resolution


def effective_ppi(
    width_px: int, height_px: int, placed_width_pt: float, placed_height_pt: float
) -> float:
    """Pixels per inch at the placed size, the lower of the two axes (the one that limits print)."""
    if placed_width_pt <= 0 or placed_height_pt <= 0:
        raise ValueError("placed size must be positive")
    return min(width_px * 72.0 / placed_width_pt, height_px * 72.0 / placed_height_pt)


def limiting_dimension(
    width_px: int, height_px: int, placed_width_pt: float, placed_height_pt: float
) -> str:
    """Where a photo is placed and which side limits its ppi: "placed 171 x 114 mm: height 134 ppi".

    A photo stretched or cropped to its frame has two resolutions; naming only the width (as
    messages once did) sends the user to enlarge the wrong side.
    """
    ppi_w = width_px * 72.0 / placed_width_pt
    ppi_h = height_px * 72.0 / placed_height_pt
    side, ppi = ("width", ppi_w) if ppi_w <= ppi_h else ("height", ppi_h)
    return (
        f"placed {placed_width_pt / 72 * 25.4:.0f} x {placed_height_pt / 72 * 25.4:.0f} mm: "
        f"its {side} limits it to {ppi:.0f} ppi"
    )


TAC_AREA_PX = 4  # total ink is judged on 4 x 4 pixel areas (0.34 mm at 300 ppi)


def total_ink(path: Path) -> float:
    """The highest total area coverage (C+M+Y+K, percent) of a prepared CMYK file.

    Measured on the file as written (after JPEG encoding, whose ringing can push single pixels
    past the profile's limit) over 4 x 4 pixel areas, as a press measures a patch, not a pixel.
    A JPEG is decoded at a quarter of its size by the decoder's own scaling (fast, and an area
    average by construction).  Anything that is not CMYK has no total ink: 0.

    Cache files are named by how they were made and never change, so the figure is kept beside
    the file (``<file>.tac``, with the file's size): a warm build does not decode every photo
    again just to measure it.
    """
    memo = path.with_name(path.name + ".tac")
    size = path.stat().st_size
    with suppress(OSError, ValueError):  # no figure yet, or a damaged one: measure
        recorded_size, _, value = memo.read_text(encoding="ascii").partition(":")
        if int(recorded_size) == size:
            return float(value)
    ink = _measure_total_ink(path)
    with suppress(OSError):  # a read-only cache measures again next time
        memo.write_text(f"{size}:{ink!r}", encoding="ascii")
    return ink


def _measure_total_ink(path: Path) -> float:
    """:func:`total_ink` without the memo: decode, average, add the four channels."""
    with Image.open(path) as im:
        if im.mode != "CMYK":
            return 0.0
        width, height = im.size
        im.draft("CMYK", (max(1, width // TAC_AREA_PX), max(1, height // TAC_AREA_PX)))
        small = im.convert("CMYK")
        if small.size[0] > max(1, width // TAC_AREA_PX):  # not a JPEG: average by hand
            small = small.reduce(TAC_AREA_PX)
    c, m, y, k = small.split()
    summed = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k)
    low_high = summed.getextrema() if isinstance(summed, Image.Image) else (0, 0)
    peak = low_high[1] if isinstance(low_high, tuple) else low_high
    return float(peak) * 100 / 255  # type: ignore[arg-type]


def resolution_severity(ppi: float, policy: ImagePolicy) -> str | None:
    """``"error"``, ``"warning"`` or None for a photo of ``ppi`` under ``policy``.

    prepare_image never raises for low resolution: the pipeline collects every photo's severity
    and reports them all at once, with where each photo is used.
    """
    if ppi < policy.error_below_ppi:
        return "error"
    if ppi < policy.warn_below_ppi:
        return "warning"
    return None


def _target_size(size: tuple[int, int], ppi: float, policy: ImagePolicy) -> tuple[int, int] | None:
    """The downsampled size when ``ppi`` is above the policy's maximum; never an upsample."""
    if ppi <= policy.max_ppi:
        return None
    scale = policy.target_ppi / ppi
    width, height = (max(1, round(side * scale)) for side in size)
    if width >= size[0] or height >= size[1]:
        return None
    return width, height


# --------------------------------------------------------------------------- probing


def probe_image(path: Path, *, max_pixels: int, label: str | None = None) -> ImageInfo:
    """Read the header of ``path``: size, format, mode, frames and the file's sha256.

    Refuses, with a message naming the file, anything that is not a usable image and anything
    above ``max_pixels`` (before decoding).  Damage further into the file is only found when
    the pixels are decoded, by :func:`prepare_image`.
    """
    name = label or str(path)
    data = _read_bytes(path, name)
    with _open_image(data, name, max_pixels) as im:
        # A PNG keeps EXIF after the pixels sometimes; reading it would decode the whole image.
        may_decode = not (im.format == "PNG" and "exif" not in im.info)
        orientation = _orientation(im) if may_decode else 1
        width, height = im.size
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        return ImageInfo(
            path=path,
            width_px=width,
            height_px=height,
            format=_format(im),
            mode=im.mode,
            has_alpha=_mode_has_alpha(im),
            frames=_frames(im),
            sha256=hashlib.sha256(data).hexdigest(),
            label=label,
            turned=orientation in (5, 6, 7, 8),
        )


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise MissingInputError(
            f"{name}: photo not found",
            hint="check the path; it is relative to the file that names it",
        ) from None
    except IsADirectoryError:
        raise MissingInputError(
            f"{name}: is a folder, not a photo", hint="name the photo file itself"
        ) from None
    except OSError as exc:
        raise MissingInputError(
            f"{name}: cannot read the photo ({exc.strerror or exc})",
            hint="check the file's permissions",
        ) from None


def _sniff_unsupported(data: bytes) -> tuple[str, str] | None:
    """Recognise files people put where a photo belongs, to say what to do with them."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "SVG is not supported", "export it as PNG or PDF"
    if data[:2] == b"\x1f\x8b" and b"<svg" in _gunzip_head(data):
        return "SVG is not supported (compressed SVGZ)", "export it as PNG or PDF"
    if data.startswith(b"%PDF"):
        return "a PDF is not a photo", "export it as PNG or JPEG, or add it as an appendix"
    if data.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        return "EPS is not supported", "export it as PNG, TIFF or JPEG"
    if data.startswith(b"8BPS"):
        return "Photoshop PSD is not supported", "export it as TIFF or JPEG"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "HEIC is not supported", "export it as JPEG"
    return None


def _gunzip_head(data: bytes) -> bytes:
    import zlib

    try:
        return zlib.decompressobj(wbits=31).decompress(data, 4096).lower()
    except zlib.error:
        return b""


@contextmanager
def _open_image(data: bytes, name: str, max_pixels: int) -> Iterator[Image.Image]:
    """Open lazily and refuse, from the header alone, what must not be decoded.

    Pillow's own bomb guard (a process-wide ``Image.MAX_IMAGE_PIXELS``) is switched off while
    printpipe's image is open, because our limit comes from the policy and is checked on the
    header size right after ``Image.open``, before any pixel is decoded.  Not thread-safe:
    printpipe prepares images in processes, and no other module uses Pillow.
    """
    if not data:
        raise BadInputFileError(f"{name}: the file is empty (0 bytes)", hint=_REEXPORT)
    unsupported = _sniff_unsupported(data)
    if unsupported:
        problem, fix = unsupported
        raise BadInputFileError(f"{name}: {problem}", hint=fix)
    saved_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        try:
            im = Image.open(io.BytesIO(data), formats=_FORMATS)
        except UnidentifiedImageError:
            raise BadInputFileError(
                f"{name}: not an image printpipe can read",
                hint="use JPEG, PNG, TIFF, WebP or GIF; " + _REEXPORT,
            ) from None
        except _DECODE_ERRORS as exc:
            raise BadInputFileError(
                f"{name}: the image header is damaged ({exc})", hint=_REEXPORT
            ) from None
        with im:
            _check_pixels(im, name, max_pixels)
            yield im
    finally:
        Image.MAX_IMAGE_PIXELS = saved_limit


def _check_pixels(im: Image.Image, name: str, max_pixels: int) -> None:
    width, height = im.size
    if width * height > max_pixels:
        raise ImagePolicyError(
            f"{name}: {width} x {height} px ({width * height / 1e6:.1f} megapixels) is above "
            f"the limit of {max_pixels / 1e6:.1f} megapixels",
            hint="downsize the photo: 300 ppi at the largest placed size is all print needs",
        )
    if width < 1 or height < 1:
        raise BadInputFileError(f"{name}: the image has no pixels ({width} x {height})")


def _format(im: Image.Image) -> str:
    # Cameras write MPO (a JPEG with extra preview frames); to everyone else it is a JPEG.
    return "JPEG" if im.format == "MPO" else str(im.format)


def _frames(im: Image.Image) -> int:
    return int(getattr(im, "n_frames", 1))


def _mode_has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info


def _orientation(im: Image.Image) -> int:
    """The EXIF (or XMP) orientation, 1 when absent or unreadable."""
    try:
        value = im.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# --------------------------------------------------------------------------- preparing


def prepare_image(
    info: ImageInfo,
    placed_width_pt: float,
    placed_height_pt: float,
    policy: ImagePolicy,
    cache_dir: Path,
    visible: tuple[float, float] | None = None,
) -> PreparedImage:
    """The photo of ``info`` ready to place at the given size for ``policy``'s target.

    ``visible`` (points) is the centred part of the placed photo that shows, e.g. a full-bleed
    page that crops a landscape photo; pixels outside it are discarded, not embedded.

    A cache hit reads only a small JSON sidecar.  A miss decodes (at reduced scale when the
    photo is downsampled), turns it upright, downsamples above ``max_ppi``, converts colour
    *after* downsampling (fewer pixels through LittleCMS) and writes a JPEG, or a PNG when an
    ``rgb`` target must keep alpha.  For ``cmyk`` alpha is flattened onto white paper: PDF/X-4
    allows soft masks, but ReportLab cannot write a CMYK image with one.
    """
    cache_dir = Path(cache_dir)
    key = _cache_key(info, placed_width_pt, placed_height_pt, policy.fingerprint(), visible)
    cached = _load_cached(cache_dir, key, info.path)
    if cached is not None:
        return cached
    return _prepare_miss(info, placed_width_pt, placed_height_pt, policy, cache_dir, key, visible)


def prepare_images(
    jobs: Sequence[Job],
    policy: ImagePolicy,
    cache_dir: Path,
    *,
    workers: int | None = None,
) -> list[PreparedImage]:
    """:func:`prepare_image` for many placements, results in the order of ``jobs``.

    Cache misses run in a process pool when there is more than one and ``workers`` is not 1
    (None: one per CPU); a photo placed twice at the same size is prepared once.  Every job is
    attempted, and all failures are reported together.
    """
    return prepare_variants([(job, policy) for job in jobs], cache_dir, workers=workers)


Variant = tuple[Job, ImagePolicy]
"""One prepared version of a photo: where it is placed and for which target's policy."""


def prepare_variants(
    variants: Sequence[Variant], cache_dir: Path, *, workers: int | None = None
) -> list[PreparedImage]:
    """Prepare placements for one or several targets, decoding each photo once for all of them.

    Cache misses are grouped by photo and decode size (:func:`decode_group`): each group is one
    task that reads and decodes the photo once and derives every target's version from that
    decode, so ``--target all`` decodes a camera JPEG once instead of once per target.  Results
    come back in the order of ``variants``; all failures are reported together.
    """
    cache_dir = Path(cache_dir)
    fingerprints: dict[ImagePolicy, str] = {}
    keys = []
    for job, policy in variants:
        if policy not in fingerprints:
            fingerprints[policy] = policy.fingerprint()
        keys.append(
            _cache_key(job[0], job[1], job[2], fingerprints[policy], _visible(job), _framing(job))
        )
    done: dict[str, PreparedImage] = {}
    groups: dict[tuple[str, tuple[int, int] | None], dict[str, Variant]] = {}
    for variant, key in zip(variants, keys, strict=True):
        if key in done or any(key in group for group in groups.values()):
            continue
        cached = _load_cached(cache_dir, key, variant[0][0].path)
        if cached is not None:
            done[key] = cached
        else:
            groups.setdefault(decode_group(*variant), {})[key] = variant

    errors: list[PrintpipeError] = []
    if groups and cache_dir.is_dir():
        remove_stale_temps(cache_dir, ".*.tmp")  # left by a build that was killed
    tasks = [list(group.items()) for group in groups.values()]
    n_workers = min(workers or os.cpu_count() or 1, len(tasks))
    if n_workers > 1:
        n_workers = _affordable_workers(tasks, n_workers)
    if n_workers > 1:
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=_pool_context()) as pool:
            futures = [pool.submit(_prepare_group, task, cache_dir) for task in tasks]
            for future in futures:
                try:
                    done.update(future.result())
                except PrintpipeError as exc:
                    errors.append(exc)
    else:
        for task in tasks:
            try:
                done.update(_prepare_group(task, cache_dir))
            except PrintpipeError as exc:
                errors.append(exc)

    if len(errors) == 1:
        raise errors[0]
    if errors:
        diagnostics = [
            Diagnostic(e.message, e.location, e.hint, "error", e.exit_code) for e in errors
        ]
        raise_if_errors(diagnostics, "preparing images", type(errors[0]))

    results = []
    for (job, _), key in zip(variants, keys, strict=True):
        info = job[0]
        prepared = done[key]
        results.append(
            prepared if prepared.source == info.path else replace(prepared, source=info.path)
        )
    return results


def _visible(job: Job) -> tuple[float, float] | None:
    return job[3] if len(job) > 3 else None


def _framing(job: Job) -> Framing | None:
    return job[4] if len(job) > 4 else None


def _whole(job: Job) -> tuple[float, float]:
    """The size the whole photo is placed at: larger than the placement when a crop keeps part."""
    framing = _framing(job)
    if framing is None or framing.crop is None:
        return job[1], job[2]
    return job[1] / framing.crop[2], job[2] / framing.crop[3]


def window(length: int, keep: int, focus: float) -> int:
    """Start of a window of ``keep`` pixels in ``length`` around ``focus`` (a fraction).

    The window centres the focus as nearly as the edges allow; the focus is always inside it.
    """
    start = round(focus * length - keep / 2)
    return max(0, min(length - keep, start))


def _apply_crop(im: Image.Image, crop: tuple[float, float, float, float]) -> Image.Image:
    """Keep the part ``crop`` names: (x, y, w, h) as fractions of the upright image."""
    x, y, w, h = crop
    left, top = round(im.width * x), round(im.height * y)
    right = min(im.width, max(left + 1, round(im.width * (x + w))))
    bottom = min(im.height, max(top + 1, round(im.height * (y + h))))
    return _keep_icc(im.crop((left, top, right, bottom)), im)


def _crop_to_visible(
    im: Image.Image,
    placed: tuple[float, float],
    visible: tuple[float, float],
    focus: tuple[float, float] = (0.5, 0.5),
) -> Image.Image:
    """Keep the part of the photo that shows through ``visible`` (points), around ``focus``."""
    keep_w = min(1.0, visible[0] / placed[0])
    keep_h = min(1.0, visible[1] / placed[1])
    width = max(1, round(im.width * keep_w))
    height = max(1, round(im.height * keep_h))
    left = window(im.width, width, focus[0])
    top = window(im.height, height, focus[1])
    return _keep_icc(im.crop((left, top, left + width, top + height)), im)


@dataclass(frozen=True)
class _Sizes:
    """The geometry of one variant: upright source ppi, and stored-orientation sizes."""

    source_ppi: float
    target: tuple[int, int] | None  # stored orientation: what this variant is resampled to
    decode: tuple[int, int] | None  # stored orientation: the size asked of the JPEG decoder


def _sizes(
    stored: tuple[int, int], turned: bool, width_pt: float, height_pt: float, policy: ImagePolicy
) -> _Sizes:
    """Sizes of one variant from the stored size and orientation (the header tells both)."""
    upright = (stored[1], stored[0]) if turned else stored
    source_ppi = effective_ppi(*upright, width_pt, height_pt)
    target = _target_size(upright, source_ppi, policy)
    decode = target
    if policy.decode_ppi is not None:
        decode_policy = replace(
            policy, target_ppi=policy.decode_ppi[0], max_ppi=policy.decode_ppi[1], decode_ppi=None
        )
        # ... unless the press keeps every pixel: a full decode (and resampling all of it)
        # costs the screen version more than its own scaled decode.
        decode = _target_size(upright, source_ppi, decode_policy) or target

    def stored_way(size: tuple[int, int] | None) -> tuple[int, int] | None:
        return (size[1], size[0]) if size and turned else size

    return _Sizes(source_ppi, stored_way(target), stored_way(decode))


WORKER_MEMORY_MB = 600
"""What the build and its image workers may hold at once (peak RSS): the pool is sized to it.

A worker decoding a camera photo at full scale for a full-bleed page holds about 220 MB while
it resamples; two of them beside a build holding its composition would pass the budget, so a
pool started then runs fewer workers (never fewer than one).  The output never counts: the
photos go into it from the cache files.
"""

BYTES_PER_DECODED_PIXEL = 9
"""A worker's peak per decoded pixel: the decode, LANCZOS's intermediate and its output."""

POOL_OVERHEAD_MB = 50
"""What a pool costs beside its workers: the fork server and multiprocessing's resource tracker."""


def _decoded_pixels(task: list[tuple[str, Variant]]) -> int:
    """How many pixels the decode of ``task`` holds: JPEGs decode at 1/2, 1/4 or 1/8 scale."""
    info = task[0][1][0][0]
    width, height = info.stored_size
    decode = decode_group(*task[0][1])[1]
    if decode is not None:
        scale = 1
        while (
            scale < 8 and width // (2 * scale) >= decode[0] and height // (2 * scale) >= decode[1]
        ):
            scale *= 2
        width, height = -(-width // scale), -(-height // scale)
    return width * height


def _own_rss() -> int:
    """The resident memory of the build process in bytes (0 where /proc does not tell)."""
    try:
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _affordable_workers(tasks: list[list[tuple[str, Variant]]], wanted: int) -> int:
    """As many of ``wanted`` workers as :data:`WORKER_MEMORY_MB` holds beside this process."""
    per_task = max(_decoded_pixels(task) for task in tasks) * BYTES_PER_DECODED_PIXEL
    room = (WORKER_MEMORY_MB - POOL_OVERHEAD_MB) * 2**20 - _own_rss()
    return max(1, min(wanted, room // max(1, per_task)))


WORKER_START = "forkserver"
"""How image workers start: from a small server process, not as copies of the build.

Composition asks for photos too (a lone photo set as a full-bleed page), when the build
process holds a composed document: forked copies of it would each count its memory again in
the build's peak.  A process forked from a build that already started the server cannot use
it (it is not the server's parent): such a process sets ``"fork"``.
"""


def _pool_context() -> multiprocessing.context.BaseContext | None:
    """The start method of :data:`WORKER_START`, where the platform has it.

    The server listens on a socket in the temporary folder: where it cannot start (a folder
    path too long for a socket, say), workers are forked as before.
    """
    if WORKER_START not in multiprocessing.get_all_start_methods():
        return None
    if WORKER_START == "forkserver":
        # The server loads this module (Pillow, LittleCMS) once, for every worker it forks.
        # Workers import the caller's main script as ``__mp_main__``, as with "spawn": a
        # script calling build() guards its entry point (``if __name__ == "__main__":``).
        forkserver.set_forkserver_preload([__name__])
        try:
            forkserver.ensure_running()
        except OSError as error:
            log.debug("image workers are forked: the fork server did not start (%s)", error)
            return None
    return multiprocessing.get_context(WORKER_START)


def decode_group(job: Job, policy: ImagePolicy) -> tuple[str, tuple[int, int] | None]:
    """Variants with the same key share one decode: the photo's hash and the decode size.

    Only JPEG decodes at a reduced size; every other format is decoded whole, once.
    """
    info = job[0]
    if info.format != "JPEG":
        return info.sha256, None
    sizes = _sizes(info.stored_size, info.turned, *_whole(job), policy)
    return info.sha256, sizes.decode


def _prepare_group(task: list[tuple[str, Variant]], cache_dir: Path) -> dict[str, PreparedImage]:
    """Read and decode one photo once, then write every variant of it into the cache.

    Runs in a worker process too.  Every variant of the group asks the decoder for the same
    size, so each one's pixels are exactly those it would get decoded on its own.
    """
    info = task[0][1][0][0]
    policy = task[0][1][1]
    data = _read_bytes(info.path, info.name)
    if hashlib.sha256(data).hexdigest() != info.sha256:
        raise BadInputFileError(
            f"{info.name}: the photo changed while the build was running",
            hint="run the build again once the file is saved",
        )
    decode_size = decode_group(*task[0][1])[1]
    decoded = _decode(data, info, decode_size, policy.max_pixels)
    del data
    return {
        key: _prepare_variant(decoded, job, variant_policy, cache_dir, key)
        for key, (job, variant_policy) in task
    }


def _prepare_variant(
    decoded: _Decoded, job: Job, policy: ImagePolicy, cache_dir: Path, key: str
) -> PreparedImage:
    """Resample, crop, turn upright and convert one decoded photo for one target; cache it."""
    info, placed_width_pt, placed_height_pt = job[0], job[1], job[2]
    visible = _visible(job)
    framing = _framing(job)
    turned = decoded.orientation in (5, 6, 7, 8)
    sizes = _sizes(decoded.stored, turned, *_whole(job), policy)
    notes = list(decoded.notes)
    im = decoded.image
    resampled = sizes.target is not None
    if sizes.target and im.size != sizes.target:
        # A screen version made from the larger shared decode is first box-reduced by the
        # whole factor (reducing_gap 1, as libjpeg's scaled decode would have), then LANCZOS
        # does the rest: LANCZOS over the full decode would cost more than the decode saved.
        gap = 1.0 if sizes.decode != sizes.target else 3.0
        im = _keep_icc(im.resize(sizes.target, Image.Resampling.LANCZOS, reducing_gap=gap), im)
    if decoded.orientation in _UPRIGHT:
        im = _keep_icc(im.transpose(_UPRIGHT[decoded.orientation]), im)
    if framing is not None and framing.crop is not None:
        im = _apply_crop(im, framing.crop)
    if visible is not None:
        focus = framing.focus_in_crop() if framing is not None else (0.5, 0.5)
        im = _crop_to_visible(im, (placed_width_pt, placed_height_pt), visible, focus)
        placed_width_pt = placed_width_pt * min(1.0, visible[0] / placed_width_pt)
        placed_height_pt = placed_height_pt * min(1.0, visible[1] / placed_height_pt)
    im, colour, has_alpha = _convert_colour(im, policy, notes, info.name)
    if im is decoded.image:
        im = im.copy()  # the decode is shared with the other variants: keep its info intact
    im.info = {}  # no EXIF, ICC or comment: deterministic bytes, nothing for ReportLab to ignore

    suffix = ".png" if has_alpha else ".jpg"
    target = cache_dir / f"{key}{suffix}"
    if has_alpha:
        payload = _encode(im, "PNG", optimize=False, compress_level=6)
    else:
        # Chroma subsampling only for RGB (YCbCr): asked for on CMYK, Pillow would halve the
        # resolution of M, Y and K, and K carries the detail of a photo.
        chroma = {"subsampling": "4:2:0"} if im.mode == "RGB" else {}
        payload = _encode(
            im, "JPEG", quality=policy.jpeg_quality, optimize=False, progressive=False, **chroma
        )
    prepared = PreparedImage(
        source=info.path,
        path=target,
        width_px=im.width,
        height_px=im.height,
        colour=colour,
        effective_ppi=sizes.source_ppi,
        output_ppi=effective_ppi(im.width, im.height, placed_width_pt, placed_height_pt),
        resampled=resampled,
        has_alpha=has_alpha,
        warnings=tuple(notes),
    )
    _store(cache_dir, key, payload, prepared)
    return prepared


def _prepare_miss(
    info: ImageInfo,
    placed_width_pt: float,
    placed_height_pt: float,
    policy: ImagePolicy,
    cache_dir: Path,
    key: str,
    visible: tuple[float, float] | None = None,
    framing: Framing | None = None,
) -> PreparedImage:
    """Decode, convert and write one photo into the cache (a group of one variant)."""
    job: Job = (info, placed_width_pt, placed_height_pt, visible, framing)
    return _prepare_group([(key, (job, policy))], cache_dir)[key]


@dataclass(frozen=True)
class _Decoded:
    """One decode of a photo, shared by its variants: stored orientation, normalised mode."""

    image: Image.Image
    stored: tuple[int, int]  # the file's full size (the image may be decoded smaller)
    orientation: int
    notes: tuple[str, ...]


def _decode(
    data: bytes, info: ImageInfo, decode_size: tuple[int, int] | None, max_pixels: int
) -> _Decoded:
    """Decode the first frame in L/LA/RGB/RGBA/CMYK; a JPEG at no less than ``decode_size``."""
    name = info.name
    notes: list[str] = []
    with _open_image(data, name, max_pixels) as im:
        fmt = _format(im)
        frames = _frames(im)
        if frames > 1 and im.format != "MPO":
            kind = "multi-page TIFF" if fmt == "TIFF" else f"animated {fmt}"
            unit = "page" if fmt == "TIFF" else "frame"
            notes.append(f"{kind}: only the first {unit} is used")
        if fmt != "JPEG":
            # Decode first: a PNG may keep its EXIF after the pixels, and reading it then would
            # load (and a failed load must be reported, not retried on a half-read image).
            _load(im, name)
        orientation = _orientation(im)
        stored = im.size
        if fmt == "JPEG":
            if decode_size:
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the requested size.
                im.draft(im.mode, decode_size)
            _load(im, name)
        icc = im.info.get("icc_profile")
        inverted_cmyk = fmt == "JPEG" and im.mode == "CMYK" and im.info.get("adobe") is None
        work = _normalise_mode(im, name)
    if icc:
        work.info["icc_profile"] = icc
    if inverted_cmyk:
        # pitfalls §2: without the Adobe marker the data is inverted; ReportLab would print it
        # as a negative.  Invert now and Pillow's save writes the marker.
        work = _keep_icc(ImageChops.invert(work), work)
        notes.append("CMYK JPEG without Adobe marker: inverted to correct it")
    return _Decoded(work, stored, orientation, tuple(notes))


def _load(im: Image.Image, name: str) -> None:
    """Decode the pixels; Pillow's errors become a message that names the file."""
    try:
        im.load()
    except _DECODE_ERRORS as exc:
        raise _decode_error(name, exc) from None


def _decode_error(name: str, exc: BaseException) -> BadInputFileError:
    text = str(exc)
    if "truncated" in text:
        return BadInputFileError(
            f"{name}: the image file is truncated (it ends before all pixels are stored)",
            hint="copy the photo again from its source; the copy was cut short",
        )
    return BadInputFileError(f"{name}: the image data is damaged ({text})", hint=_REEXPORT)


def _keep_icc(new: Image.Image, old: Image.Image) -> Image.Image:
    if "icc_profile" in old.info:
        new.info["icc_profile"] = old.info["icc_profile"]
    return new


def _normalise_mode(im: Image.Image, name: str) -> Image.Image:
    """Any decoded mode -> one of L, LA, RGB, RGBA, CMYK (a new image, detached from the file)."""
    mode = im.mode
    transparent = "transparency" in im.info
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greys: convert('L') would clip everything above 255 to white.
        grey = im.convert("I").point(lambda i: i * (1 / 257)).convert("L")
        return grey
    if mode == "F":
        return im.convert("L")
    if mode in ("1", "L"):
        return im.convert("LA") if transparent else im.convert("L")
    if mode in ("LA", "La"):
        return im.convert("LA")
    if mode in ("P", "PA"):
        return im.convert("RGBA") if transparent or mode == "PA" else im.convert("RGB")
    if mode in ("RGB", "YCbCr", "RGBX"):
        return im.convert("RGBA") if transparent else im.convert("RGB")
    if mode in ("RGBA", "RGBa"):
        return im.convert("RGBA")
    if mode == "CMYK":
        return im.copy()
    raise BadInputFileError(
        f"{name}: colour mode {mode} is not supported",
        hint="save the photo as 8-bit RGB, greyscale or CMYK",
    )


# --------------------------------------------------------------------------- colour


def _convert_colour(
    im: Image.Image, policy: ImagePolicy, notes: list[str], name: str
) -> tuple[Image.Image, str, bool]:
    """Into the target's colour space; returns the image, its colour name and whether alpha stays.

    RGB sources use their embedded ICC profile as the source profile, else sRGB.  CMYK sources
    are kept as they are for press: their numbers are taken to be for the output condition
    already (converting CMYK to CMYK would rebuild the black generation).
    """
    icc = im.info.get("icc_profile")
    has_alpha = im.mode in ("LA", "RGBA") and _alpha_used(im)
    if im.mode in ("LA", "RGBA") and not has_alpha:
        im = im.convert(im.mode[:-1])
    if policy.colour == "cmyk":
        if has_alpha:
            im = _flatten_on_white(im)
            has_alpha = False
        if im.mode == "RGB":
            source = _embedded_profile(icc, "RGB", notes)
            assert policy.cmyk_profile is not None  # checked by ImagePolicy
            cmyk = _read_profile(policy.cmyk_profile)
            im = _apply(im, _transform(source, cmyk, "RGB", "CMYK"))
        return im, im.mode, False

    if im.mode == "CMYK":
        source = _embedded_profile(icc, "CMYK", notes)
        if source is None and policy.cmyk_profile is not None:
            source = _read_profile(policy.cmyk_profile)
        if source is None:
            notes.append("CMYK photo without a profile: converted to RGB without colour management")
            im = im.convert("RGB")
        else:
            im = _apply(im, _transform(source, None, "CMYK", "RGB"))
    elif im.mode in ("RGB", "RGBA"):
        source = _embedded_profile(icc, "RGB", notes)
        if source is not None:
            im = _apply(im, _transform(source, None, im.mode, im.mode))
    colour = "L" if im.mode in ("L", "LA") else "RGB"
    return im, colour, has_alpha


def _alpha_used(im: Image.Image) -> bool:
    low, _high = im.getchannel("A").getextrema()
    assert isinstance(low, int | float)  # one band: extrema are two numbers
    return low < 255


def _flatten_on_white(im: Image.Image) -> Image.Image:
    base = im.mode[:-1]
    paper = Image.new(base, im.size, (255,) * len(base) if base == "RGB" else 255)
    paper.paste(im.convert(base), mask=im.getchannel("A"))
    return paper


def _embedded_profile(icc: bytes | None, space: str, notes: list[str]) -> bytes | None:
    """The photo's own ICC profile when it is usable for ``space``, else None (assume sRGB)."""
    if not icc:
        return None
    try:
        found = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.xcolor_space.strip()
    except (OSError, ImageCms.PyCMSError, ValueError):
        notes.append("embedded ICC profile is damaged: ignored")
        return None
    if found != space:
        notes.append(f"embedded ICC profile is for {found}, not {space}: ignored")
        return None
    return icc


def _apply(im: Image.Image, transform: ImageCms.ImageCmsTransform) -> Image.Image:
    out = transform.apply(im)
    out.info = {}
    return out


@lru_cache(maxsize=32)
def _transform(
    source: bytes | None, destination: bytes | None, in_mode: str, out_mode: str
) -> ImageCms.ImageCmsTransform:
    """A LittleCMS transform, built once per process (building costs more than applying).

    ``None`` stands for LittleCMS's built-in sRGB.  Relative colorimetric with black point
    compensation is what prepress tools use for photos going to a press profile.
    """
    return ImageCms.buildTransform(
        _profile(source),
        _profile(destination),
        in_mode,
        out_mode,
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def _profile(data: bytes | None) -> ImageCms.ImageCmsProfile:
    if data is None:
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return ImageCms.ImageCmsProfile(io.BytesIO(data))


def _read_profile(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise MissingInputError(
            f"{path}: cannot read the CMYK ICC profile ({exc.strerror or exc})",
            hint="check the profile path in the target settings (assets/icc/)",
        ) from None


# --------------------------------------------------------------------------- cache


def _cache_key(
    info: ImageInfo,
    width_pt: float,
    height_pt: float,
    fingerprint: str,
    visible: tuple[float, float] | None = None,
    framing: Framing | None = None,
) -> str:
    shown = [f"{v:.2f}" for v in visible] if visible else None
    framed = [framing.crop, framing.focus] if framing else None
    text = json.dumps(
        [info.sha256, fingerprint, f"{width_pt:.2f}", f"{height_pt:.2f}", shown, CACHE_VERSION]
        + ([framed] if framed else [])
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def _store(cache_dir: Path, key: str, payload: bytes, prepared: PreparedImage) -> None:
    """Image first, sidecar last: a sidecar on disk means its image is complete."""
    sidecar = {
        "cache_version": CACHE_VERSION,
        "file": prepared.path.name,
        "width_px": prepared.width_px,
        "height_px": prepared.height_px,
        "colour": prepared.colour,
        "effective_ppi": prepared.effective_ppi,
        "output_ppi": prepared.output_ppi,
        "resampled": prepared.resampled,
        "has_alpha": prepared.has_alpha,
        "warnings": list(prepared.warnings),
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(prepared.path, payload)
        text = json.dumps(sidecar, sort_keys=True, indent=1) + "\n"
        _write_atomic(cache_dir / f"{key}.json", text.encode())
    except OSError as exc:
        raise OutputError(
            f"{cache_dir}: cannot write the image cache ({exc.strerror or exc})",
            hint="check that the build folder is writable and the disk is not full",
        ) from None


def _write_atomic(path: Path, payload: bytes) -> None:
    # Locked while it is written, so a build starting meanwhile does not take it for the
    # leftover of a killed one (see printpipe.output.remove_stale_temps).
    claimed: tuple[int, Path] | None = None
    try:
        with signals_held():  # a Ctrl-C between creating and recording would leak the file
            claimed = claim_temp(path.parent, path.name)
        with open(claimed[0], "wb", closefd=False) as handle:
            handle.write(payload)
        os.replace(claimed[1], path)
    except BaseException:
        if claimed is not None:
            with suppress(OSError):
                os.unlink(claimed[1])
        raise
    finally:
        if claimed is not None:
            os.close(claimed[0])


def _load_cached(cache_dir: Path, key: str, source: Path) -> PreparedImage | None:
    """The cached result for ``key``, or None when absent, unreadable or from another version."""
    try:
        meta = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        if meta.get("cache_version") != CACHE_VERSION:
            return None
        path = cache_dir / str(meta["file"])
        if not path.is_file():
            return None
        return PreparedImage(
            source=source,
            path=path,
            width_px=int(meta["width_px"]),
            height_px=int(meta["height_px"]),
            colour=str(meta["colour"]),
            effective_ppi=float(meta["effective_ppi"]),
            output_ppi=float(meta["output_ppi"]),
            resampled=bool(meta["resampled"]),
            has_alpha=bool(meta["has_alpha"]),
            warnings=tuple(str(w) for w in meta["warnings"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
