"""Target profiles: what each target demands of a finished or supplied file, as rows of data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from printpipe.errors import (
    UsageError,
)

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class PreflightProfile:
    """What one target demands of a finished file; a row of data, not code branches.

    Rows live in :data:`PROFILES`; a stage that knows more (the layout's trim size) derives its
    own with ``dataclasses.replace(PROFILES["press"], trim_size_mm=(210, 297))``.
    """

    name: str
    # Every demand defaults to "not required", so each row below names only what it asks.
    require_trim_box: bool = False
    require_bleed_mm: float | None = None  # BleedBox beyond TrimBox on every side
    trim_size_mm: tuple[float, float] | None = None  # expected trim (width, height); None = any
    forbid_colour_spaces: frozenset[str] = frozenset()  # colour tags, see _CHECK_FOR_TAG
    output_intent: str | None = None  # required /S of an output intent
    require_xmp: bool = False
    page_multiple: int | None = None
    error_below_ppi: float | None = None
    warn_below_ppi: float | None = None
    forbid_encryption: bool = False  # error if encrypted at all (else a warning)
    forbid_javascript: bool = False  # error for JavaScript/Launch actions (else a warning)
    forbid_type3: bool = False  # error for Type 3 fonts (else info)
    require_uniform_size: bool = True  # every page has the same trim size
    claims_standard: bool = True  # the XMP must declare the intent's standard (pdfxid/pdfaid)


_RGB = frozenset({"DeviceRGB", "ICCBased/RGB", "CalRGB"})
_PRESS_FORBIDS = _RGB | {"Lab"}  # Lab is device-independent: convert it before printing
SPOT_TAG = "spot:"  # colour tag of a spot colourant: "spot:<name>|<alternate space>"
_CMYK = frozenset({"DeviceCMYK"})
MAX_IMAGE_PIXELS = 150_000_000  # the same limit as for photos (printpipe.images)

PROFILES: Mapping[str, PreflightProfile] = MappingProxyType(
    {
        p.name: p
        for p in (
            PreflightProfile(
                "press",
                require_trim_box=True,
                require_bleed_mm=3.0,
                forbid_colour_spaces=_PRESS_FORBIDS,
                output_intent="/GTS_PDFX",
                require_xmp=True,
                page_multiple=4,
                error_below_ppi=150,
                warn_below_ppi=300,
                forbid_type3=True,
                forbid_encryption=True,
                forbid_javascript=True,
            ),
            PreflightProfile("screen", forbid_encryption=True, forbid_javascript=True),
            PreflightProfile(
                "archive",
                forbid_colour_spaces=_CMYK,
                output_intent="/GTS_PDFA1",
                require_xmp=True,
                forbid_encryption=True,
                forbid_javascript=True,
            ),
            # A designer's cover or appendix before merging: what merging cannot repair.
            PreflightProfile(
                "supplied-press",
                forbid_colour_spaces=_PRESS_FORBIDS,
                error_below_ppi=150,
                warn_below_ppi=300,
                forbid_type3=True,
                forbid_javascript=True,
                require_uniform_size=False,
            ),
            PreflightProfile(
                "supplied-archive", forbid_javascript=True, require_uniform_size=False
            ),
            # Any PDF at all: fonts and structure only.
            PreflightProfile("any", require_uniform_size=False),
        )
    }
)


# Findings that break PDF/X-4 or PDF/A-2 in the merged file: an output carrying one of them
# (accepted in a supplied file) must not declare the standard.
BREAKS_STANDARD = frozenset(
    {
        "fonts.embedded",
        "fonts.standard-14",
        "colour.device-rgb",
        "colour.device-cmyk",
        "file.broken",
    }
)
# Findings that ``accept:`` never lets through: they would harm a RIP or a reader.
NEVER_ACCEPTED = frozenset({"images.too-large"})


@dataclass(frozen=True)
class _IntentRule:
    """What an output-intent subtype implies for the profile stream and the XMP packet."""

    components: int  # /N of the DestOutputProfile
    icc_space: bytes  # colour space field of an ICC header
    xmp_namespace: str
    xmp_property: str
    xmp_label: str
    trapped_is_name: bool


_INTENT_RULES: Mapping[str, _IntentRule] = MappingProxyType(
    {
        "/GTS_PDFX": _IntentRule(
            4, b"CMYK", "http://www.npes.org/pdfx/ns/id/", "GTS_PDFXVersion",
            "pdfxid:GTS_PDFXVersion", True,
        ),
        "/GTS_PDFA1": _IntentRule(
            3, b"RGB ", "http://www.aiim.org/pdfa/ns/id/", "part", "pdfaid:part", False
        ),
    }
)  # fmt: skip

# A colour "tag" says what a colour space amounts to; profiles forbid tags, checks report them.
_CHECK_FOR_TAG: Mapping[str, str] = MappingProxyType(
    {
        "DeviceRGB": "colour.device-rgb",
        "ICCBased/RGB": "colour.device-rgb",
        "CalRGB": "colour.device-rgb",
        "DeviceCMYK": "colour.device-cmyk",
        "ICCBased/CMYK": "colour.device-cmyk",
        "DeviceGray": "colour.device-gray",
        "Lab": "colour.lab",
        "ICCBased/Gray": "colour.device-gray",
    }
)


def _resolve_profile(profile: PreflightProfile | str) -> PreflightProfile:
    if isinstance(profile, PreflightProfile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise UsageError(
            f"unknown preflight profile {profile!r}",
            hint=f"choose one of: {', '.join(sorted(PROFILES))}",
        ) from None
