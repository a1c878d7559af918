"""The orchestrator: the only code that knows the order of the stages.

load -> check (glyphs, images) -> per target: prepare images -> compose -> assemble ->
finish -> preflight -> write.  Each stage takes and returns typed values; this module only
passes them along, collects warnings, times the stages and decides what is fatal.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import multiprocessing
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from printpipe import __version__, fontfix, geometry, images
from printpipe.assemble import (
    Assembled,
    PageGeometryPt,
    assemble,
    check_supplied,
    content_digest,
    open_pdf,
    working_password,
)
from printpipe.compose import (
    ComposedBody,
    ComposeSettings,
    ImageFile,
    check_glyphs,
    check_tables,
    compose_body,
    proof_overlay,
    shared_paragraphs,
)
from printpipe.errors import (
    Diagnostic,
    ExitCode,
    ImagePolicyError,
    InvalidEditionError,
    Location,
    PreflightError,
    PrintpipeError,
    raise_if_errors,
)
from printpipe.finish import Heading, build_date, finish, stamp_pages
from printpipe.imagefill import fill_prepared_images
from printpipe.load import display_path, load_edition
from printpipe.model import Edition, PageGeometry, Photo, Signatures, SuppliedPdf
from printpipe.newedition import find_placeholders, find_unconfirmed
from printpipe.output import Written, output_error, write_atomically, write_manifest
from printpipe.preflight import (
    BREAKS_STANDARD,
    NEVER_ACCEPTED,
    PROFILES,
    Finding,
    PreflightReport,
    preflight,
)
from printpipe.project import build_home, default_build_dir, find_project
from printpipe.structure import StructureInput
from printpipe.targets import TARGETS, Target

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
"""Called with a stage name as each stage starts (the CLI draws a progress bar)."""

STAGES_PER_TARGET = 7  # preflight-supplied, images, compose, assemble, finish, write, preflight


@dataclass(frozen=True)
class BuildOptions:
    """What the user asked for on the command line."""

    targets: tuple[str, ...] = ("press",)
    out_dir: Path | None = None
    strict: bool = False
    marks: bool | None = None
    workers: int | None = None
    progress: Progress | None = None
    proof_stamp: bool = True  # `watch` draws the guides in the browser, to toggle them


@dataclass(frozen=True)
class TargetResult:
    """One written file."""

    target: str
    path: Path
    pages: int
    report: PreflightReport


@dataclass
class BuildResult:
    """Everything a build produced and noticed."""

    edition: Edition
    results: list[TargetResult] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    placements: list[str] = field(default_factory=list)  # how each supplied file was placed
    fixups: list[str] = field(default_factory=list)  # repairs made to supplied pages
    timings: dict[str, float] = field(default_factory=dict)
    manifest: Path | None = None


@contextmanager
def _timed(
    timings: dict[str, float], stage: str, progress: Progress | None = None
) -> Iterator[None]:
    """Time a stage (timings add up over targets), log it, and tell the progress bar."""
    if progress is not None:
        progress(stage)
    start = time.perf_counter()
    try:
        yield
    finally:
        took = time.perf_counter() - start
        timings[stage] = timings.get(stage, 0.0) + took
        log.info("%-20s %6.2f s", stage, took)


# --- check -------------------------------------------------------------------------------------


def _image_sources(edition: Edition) -> list[tuple[Path, Location]]:
    found: list[tuple[Path, Location]] = []
    for part in edition.parts:
        if isinstance(part, Photo):
            found.append((part.source, part.location))
        elif isinstance(part, Signatures):
            found.extend((p.image, p.location) for p in part.signatories if p.image is not None)
    return found


def probe_images(edition: Edition, max_pixels: int) -> dict[Path, images.ImageInfo]:
    """Look at every image's header; report every unusable image at once."""
    infos: dict[Path, images.ImageInfo] = {}
    problems: list[Diagnostic] = []
    for source, location in _image_sources(edition):
        if source in infos:
            continue
        try:
            infos[source] = images.probe_image(
                source, max_pixels=max_pixels, label=display_path(source)
            )
        except PrintpipeError as error:
            problems.append(
                Diagnostic(error.message, location, error.hint, "error", error.exit_code)
            )
    raise_if_errors(problems, f"{edition.label}: images cannot be used", ImagePolicyError)
    return infos


def missing_alt(edition: Edition) -> list[Diagnostic]:
    """Photos without ``alt:``: a screen reader can only say "photo" for them."""
    return [
        Diagnostic(
            f"the photo {display_path(part.source)} has no alt: text; screen readers of the "
            "screen and archive files cannot say what it shows",
            part.location,
            'add alt: "what the photo shows" to this photo in edition.yaml (README: Alt text)',
            severity="warning",
        )
        for part in edition.parts
        if isinstance(part, Photo) and not part.alt
    ]


def check(
    path: Path, tagged: bool = True
) -> tuple[Edition, dict[Path, images.ImageInfo], list[Diagnostic]]:
    """Validate everything a build needs without building: YAML, Markdown, glyphs, images.

    ``tagged``: a tagged (screen or archive) file will be built, so photos need alt text.
    """
    edition, warnings = load_edition(path)
    # Left by `printpipe new`: placeholders, and what was carried over and not yet confirmed.
    warnings = [*warnings, *find_placeholders(edition.root), *find_unconfirmed(edition.root)]
    if tagged:
        warnings += missing_alt(edition)
    raise_if_errors(
        check_glyphs(edition) + check_tables(edition),
        f"{edition.label}: text cannot be set",
        InvalidEditionError,
    )
    infos = probe_images(edition, max_pixels=MAX_PIXELS)
    return edition, infos, warnings


MAX_PIXELS = 150_000_000


def check_edition(
    path: Path, targets: tuple[str, ...] = ("press",)
) -> tuple[Edition, list[Diagnostic]]:
    """``printpipe check``: everything a build of ``targets`` would find before writing.

    The build's own order and exit codes: text and images, then per target the supplied
    files' preflight (cached as the build caches it), the photos' resolution at their placed
    size (computable from the layout without composing, see :mod:`printpipe.geometry`), and
    what assembling would refuse (cover page count, damaged pages, ``fit: refuse``).
    """
    edition, infos, warnings = check(path)
    found = list(warnings)
    for name in targets:
        target = TARGETS[name]
        chosen = _supplied_for(edition, target.colour)
        supplied = _supplied_checks(chosen, target)
        found.extend(d for d in supplied if not d.is_error)
        raise_if_errors(supplied, "supplied PDFs fail preflight", PreflightError)
        bleed = edition.layout.page.bleed_pt if target.bleed else 0.0
        if target.name == "press":
            policy = image_policy(edition, target)
            problems = _planned_resolution_problems(edition, infos, policy, bleed)
            found.extend(d for d in problems if not d.is_error)
            raise_if_errors(problems, "photos are below the press resolution", ImagePolicyError)
        trim_w, trim_h = edition.layout.page.trim_pt
        geometry = PageGeometryPt(trim_w, trim_h, bleed, edition.layout.page.bleed_pt)
        check_supplied(chosen.cover, chosen.appendices, geometry)
    unique = {(d.message, str(d.location), d.severity): d for d in found}
    return edition, list(unique.values())


# --- images ------------------------------------------------------------------------------------


def image_policy(edition: Edition, target: Target) -> images.ImagePolicy:
    """The image rules of ``target`` with the layout's thresholds."""
    rules = edition.layout.images
    press = target.image_ppi == "press"
    return images.ImagePolicy(
        colour=target.colour,
        target_ppi=rules.target_ppi if press else rules.screen_ppi,
        max_ppi=rules.max_ppi if press else rules.screen_ppi,
        warn_below_ppi=rules.warn_below_ppi,
        error_below_ppi=rules.error_below_ppi,
        cmyk_profile=edition.layout.press.cmyk_profile,
        jpeg_quality=target.jpeg_quality,
        max_pixels=MAX_PIXELS,
        # Every target decodes at the press size, so one decode serves them all (see
        # images.prepare_variants) and no target's pixels depend on the others built with it.
        decode_ppi=None if press else (rules.target_ppi, rules.max_ppi),
    )


ImageKey = tuple[Path, str]


def _image_jobs(
    edition: Edition, infos: dict[Path, images.ImageInfo], bleed: float
) -> dict[ImageKey, images.Job]:
    page = edition.layout.page
    jobs: dict[ImageKey, images.Job] = {}
    for part in edition.parts:
        if isinstance(part, Photo):
            jobs[(part.source, part.placement)] = _photo_job(
                part, part.placement, infos[part.source], page, bleed
            )
        elif isinstance(part, Signatures):
            cell = geometry.signature_cell_width(page, len(part.signatories))
            for person in part.signatories:
                if person.image is not None:
                    info = infos[person.image]
                    size = geometry.signature_size(info.width_px, info.height_px, cell)
                    jobs[(person.image, f"signature{len(part.signatories)}")] = (info, *size, None)
    return jobs


def _photo_job(
    part: Photo, placement: str, info: images.ImageInfo, page: PageGeometry, bleed: float
) -> images.Job:
    """How to prepare a photo for ``placement`` (which may differ from the part's own)."""
    framing = images.Framing(part.crop, part.focus) if part.crop or part.focus else None
    pixels = images.cropped_pixels(info.width_px, info.height_px, framing)
    size = geometry.photo_size(placement, *pixels, page, bleed)
    visible = None
    if placement == "full-bleed":
        trim_w, trim_h = page.trim_pt
        visible = (trim_w + 2 * bleed, trim_h + 2 * bleed)
    return (info, *size, visible, framing)


def page_name(body: ComposedBody, page: int, page_offset: int) -> str:
    """A body page as people find it: by its printed folio, the PDF sheet in brackets.

    ``page 9 (sheet 12)``: readers and proof-checkers count folios; the sheet is where a PDF
    viewer's page box takes you.
    """
    sheet = page + page_offset
    folio = body.folios[page - 1] if 0 < page <= len(body.folios) else None
    return f"page {folio} (sheet {sheet})" if folio else f"sheet {sheet}"


def _resolution_problems(
    body: ComposedBody,
    infos: dict[Path, images.ImageInfo],
    policy: images.ImagePolicy,
    page_offset: int,
) -> list[Diagnostic]:
    """Effective resolution of every placed image, named by file, page and ppi."""
    problems: list[Diagnostic] = []
    reported: set[tuple[Path, int]] = set()
    for placement in body.placements:
        info = infos.get(placement.source)
        if info is None or (placement.source, placement.page) in reported:
            continue
        ppi = images.effective_ppi(
            info.width_px, info.height_px, placement.width_pt, placement.height_pt
        )
        severity = images.resolution_severity(ppi, policy)
        if severity is None:
            continue
        reported.add((placement.source, placement.page))
        threshold = policy.error_below_ppi if severity == "error" else policy.warn_below_ppi
        where = images.limiting_dimension(
            info.width_px, info.height_px, placement.width_pt, placement.height_pt
        )
        problems.append(
            Diagnostic(
                f"{info.width_px}x{info.height_px} px photo is {ppi:.0f} ppi on "
                f"{page_name(body, placement.page, page_offset)} (below {threshold:.0f} ppi; "
                f"{where})",
                Location(display_path(placement.source)),
                "supply a larger original, or place it smaller",
                severity=severity,
                code=ExitCode.IMAGE_POLICY,
            )
        )
    return problems


def prepare_every_target(
    edition: Edition,
    infos: dict[Path, images.ImageInfo],
    targets: list[Target],
    workers: int | None,
) -> None:
    """Fill the image cache for several targets at once: each photo is decoded once.

    The targets' own image stage then finds every image in the cache.
    """
    variants: list[images.Variant] = []
    for target in targets:
        bleed = edition.layout.page.bleed_pt if target.bleed else 0.0
        policy = image_policy(edition, target)
        variants += [(job, policy) for job in _image_jobs(edition, infos, bleed).values()]
    images.prepare_variants(variants, cache_dir(edition), workers=workers)


TAC_TOLERANCE = 1.0  # percent: rounding of 8-bit values over four channels


def _ink_problems(
    prepared: list[images.PreparedImage], infos: dict[Path, images.ImageInfo], limit: float
) -> list[Diagnostic]:
    """Total ink of every photo, measured on the file that goes into the PDF.

    A photo printpipe converted above the limit is an error (the conversion is ours); one
    supplied in CMYK is the photographer's separation, passed through: a warning.
    """
    problems = []
    for image in prepared:
        ink = images.total_ink(image.path)
        if ink <= limit + TAC_TOLERANCE:
            continue
        info = infos.get(image.source)
        supplied = info is not None and info.mode == "CMYK"
        problems.append(
            Diagnostic(
                f"{'CMYK' if supplied else 'converted'} photo carries {ink:.0f} % total ink, "
                f"above the {limit:g} % limit (press.total_ink_limit)",
                Location(display_path(image.source)),
                "separate it again with the printer's profile and ink limit"
                if supplied
                else "convert with the printer's profile (colour_management.cmyk_profile)",
                severity="warning" if supplied else "error",
                code=ExitCode.PREFLIGHT_FAILED,
            )
        )
    return problems


def _planned_resolution_problems(
    edition: Edition,
    infos: dict[Path, images.ImageInfo],
    policy: images.ImagePolicy,
    bleed: float,
) -> list[Diagnostic]:
    """The resolution policy at each photo's planned size (what the composed body will show)."""
    problems: list[Diagnostic] = []
    for (source, _kind), job in _image_jobs(edition, infos, bleed).items():
        info, width_pt, height_pt = job[0], job[1], job[2]
        ppi = images.effective_ppi(info.width_px, info.height_px, width_pt, height_pt)
        severity = images.resolution_severity(ppi, policy)
        if severity is None:
            continue
        threshold = policy.error_below_ppi if severity == "error" else policy.warn_below_ppi
        where = images.limiting_dimension(info.width_px, info.height_px, width_pt, height_pt)
        problems.append(
            Diagnostic(
                f"{info.width_px}x{info.height_px} px photo is {ppi:.0f} ppi where it is "
                f"placed (below {threshold:.0f} ppi; {where})",
                Location(display_path(source)),
                "supply a larger original, or place it smaller",
                severity=severity,
                code=ExitCode.IMAGE_POLICY,
            )
        )
    return problems


# --- build -------------------------------------------------------------------------------------


def default_out_dir(edition: Edition) -> Path:
    """``<project>/build/<edition folder name>``, or ``<edition>/build`` outside any project."""
    return default_build_dir(edition.root)


def fonts_dir(edition: Edition) -> Path:
    """Where the standard-14 substitutes are: the nearest ``assets/fonts`` that has them."""
    folders = [root / "fonts" for root in find_project(edition.root).asset_dirs()]
    probe = fontfix.SUBSTITUTES["Helvetica"][0]
    return next((f for f in folders if (f / probe).is_file()), folders[0])


def cache_dir(edition: Edition) -> Path:
    """The prepared-image cache, shared by every edition and target of the project."""
    return build_home(edition.root) / "build" / ".cache" / "images"


def _cached_preflight(edition: Edition, pdf: SuppliedPdf, profile: str) -> PreflightReport:
    """Preflight a supplied PDF once per content, so a warm rebuild skips a long appendix.

    Keyed by the file's sha256, the profile and printpipe's version; a damaged cache entry
    is simply a miss.
    """
    return _preflight_of(edition, pdf, profile)[1]


def _preflight_of(edition: Edition, pdf: SuppliedPdf, profile: str) -> tuple[str, PreflightReport]:
    """:func:`_cached_preflight` and the content digest the report belongs to."""
    digest = content_digest(pdf.source.read_bytes())
    key = hashlib.sha256(f"{digest}:{profile}:{__version__}".encode()).hexdigest()
    entry = cache_dir(edition).parent / "preflight" / f"{key}.json"
    try:
        cached = PreflightReport.from_json(entry.read_text(encoding="utf-8"))
        return digest, replace(cached, path=pdf.label)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    open_pdf(pdf)  # the precise error for a file that is not a usable PDF at all
    report = preflight(pdf.source, profile, password=working_password(pdf), label=pdf.label)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with write_atomically(entry) as temporary:
            temporary.write_text(report.to_json(), encoding="utf-8")
    except PrintpipeError:
        log.debug("could not cache the preflight report of %s", pdf.label)
    return digest, report


_FONT_NAME = re.compile(r"font (\S+) is not embedded.*$")


def _fixable_font(edition: Edition, finding: Finding) -> str | None:
    """The standard-14 font a finding names, if assembling will embed a substitute for it."""
    font = _FONT_NAME.search(finding.message)
    if finding.check != "fonts.standard-14" or font is None:
        return None
    return font.group(1) if fontfix.substitute(font.group(1), fonts_dir(edition)) else None


def _supplied_profile(target: Target) -> str:
    return f"supplied-{target.preflight}" if target.preflight in ("press", "archive") else "any"


def _supplied_checks(
    edition: Edition, target: Target, inflated: set[str] | None = None
) -> list[Diagnostic]:
    """Preflight covers and appendices before merging; accepted problems become warnings.

    ``accept:`` never lets through what would harm a RIP or a reader (:data:`NEVER_ACCEPTED`).
    ``inflated`` collects the content digests of files whose every page content the preflight
    inflated without damage (no ``file.broken`` finding), for :func:`assemble` to trust.
    """
    problems: list[Diagnostic] = []
    supplied = [edition.cover.pdf] if edition.cover else []
    supplied += list(edition.appendices)
    profile = _supplied_profile(target)
    for pdf in supplied:
        digest, report = _preflight_of(edition, pdf, profile)
        if inflated is not None and not any(f.check == "file.broken" for f in report.findings):
            inflated.add(digest)
        for finding in report.findings:
            if finding.severity == "info":
                continue
            severity = finding.severity
            message = f"{pdf.label}: {finding.message}"
            hint = finding.hint
            name = _fixable_font(edition, finding)
            if name is not None:
                severity, hint = "info", None
                fixed = f"font {name} embedded as {fontfix.family(name)} (metric-compatible)"
                message = f"{pdf.label}: {_FONT_NAME.sub(fixed, finding.message)}"
            if finding.check == "colour.spot" and pdf.spot_colours is not None:
                severity, hint = "info", None
                message += (
                    " kept: it prints on a plate of its own"
                    if pdf.spot_colours == "keep"
                    else f" converted to process {target.colour.upper()} through its alternate "
                    "space"
                )
            if severity == "error" and pdf.accept and finding.check not in NEVER_ACCEPTED:
                severity = "warning"
                message += f" (accepted: {pdf.accept})"
            elif severity == "error" and finding.check in NEVER_ACCEPTED:
                hint = f"{hint or 'fix the file'} ('accept:' cannot let this through)"
            elif severity == "error":
                hint = f"{hint or 'fix the file'}; or add 'accept: <reason>' to it in edition.yaml"
            problems.append(
                Diagnostic(message, pdf.location, hint, severity, ExitCode.PREFLIGHT_FAILED)
            )
    return problems


def _accepted_breaks(edition: Edition, target: Target) -> list[str]:
    """Accepted problems of supplied files that break the target's standard (from the cache)."""
    if target.standard is None:
        return []
    supplied = [edition.cover.pdf] if edition.cover else []
    found = []
    for pdf in [*supplied, *edition.appendices]:
        if not pdf.accept:
            continue
        report = _cached_preflight(edition, pdf, _supplied_profile(target))
        found += [
            f"{pdf.label} {f.message}"
            for f in report.errors
            if f.check in BREAKS_STANDARD and not _fixable_font(edition, f)
        ]
    return found


def _claim_withdrawn(target: Target, breaks: list[str]) -> Diagnostic:
    shown = "; ".join(breaks[:3]) + (f"; and {len(breaks) - 3} more" if len(breaks) > 3 else "")
    return Diagnostic(
        f"the {target.name} file does not declare {target.standard}: accepted problems in "
        f"supplied files break it ({shown})",
        None,
        f"fix the supplied files (or remove 'accept:') for a file that is {target.standard}",
        severity="warning",
        code=ExitCode.PREFLIGHT_FAILED,
    )


def _proof_overlay(edition: Edition, bleed: float, out: Path) -> Path:
    """Guides for the proof's page geometry and a stamp naming the edition and build date."""
    page = edition.layout.page
    trim_w, trim_h = page.trim_pt
    media = (trim_w + 2 * bleed, trim_h + 2 * bleed)
    return proof_overlay(
        out,
        media,
        (bleed, bleed, bleed + trim_w, bleed + trim_h),
        (0.0, 0.0, *media),
        page.safe_mm,
        f"{edition.slug} · {build_date(edition):%Y-%m-%d}",
        edition.layout.fonts[edition.layout.styles["running_head"].font].regular,
    )


def _supplied_for(edition: Edition, colour: str) -> Edition:
    """The edition with the supplied PDFs (CMYK, or their RGB exports) this colour wants.

    Each file's ``spot_colours`` choice is resolved here: its own, else the layout's.
    """
    default = edition.layout.press.spot_colours

    def chosen(pdf: SuppliedPdf) -> SuppliedPdf:
        return replace(pdf.for_colour(colour), spot_colours=pdf.spot_colours or default)

    return replace(
        edition,
        cover=replace(edition.cover, pdf=chosen(edition.cover.pdf)) if edition.cover else None,
        appendices=tuple(chosen(pdf) for pdf in edition.appendices),
    )


def _accepted_pages(edition: Edition, assembled: Assembled) -> frozenset[int]:
    """1-based pages that come from supplied PDFs the edition accepts as they are."""
    supplied = [edition.cover.pdf] if edition.cover else []
    labels = {pdf.label for pdf in [*supplied, *edition.appendices] if pdf.accept}
    return frozenset(
        page
        for r in assembled.ranges
        if r.source in labels
        for page in range(r.start + 1, r.start + r.count + 1)
    )


def _accepted(finding: Finding, accepted: frozenset[int]) -> bool:
    """A finding only on accepted supplied pages is reported, not fatal."""
    return bool(finding.pages) and set(finding.pages) <= accepted


def _images_by_size(prepared: Iterable[images.PreparedImage]) -> dict[tuple[int, int], str]:
    """Prepared images by pixel size, so preflight names a placed image by its source file."""
    names: dict[tuple[int, int], list[str]] = {}
    for image in prepared:
        found = names.setdefault((image.width_px, image.height_px), [])
        if display_path(image.source) not in found:
            found.append(display_path(image.source))
    return {size: " or ".join(files) for size, files in names.items()}


def _refuse_padding(edition: Edition, assembled: Assembled) -> None:
    """Padding is a note, unless the layout forbids it (``press.allow_padding: false``)."""
    blanks = sum(r.count for r in assembled.range_of("blank"))
    press = edition.layout.press
    if blanks and not press.allow_padding:
        problem = Diagnostic(
            f"the document needs {blanks} blank page(s) to make a multiple of "
            f"{press.pad_to_multiple} pages, and the layout forbids padding",
            Location(edition.layout.label, key="press.allow_padding"),
            "add or remove content, or allow padding in the layout",
        )
        raise_if_errors([problem], "page count", InvalidEditionError)


def build_target(
    edition: Edition,
    infos: dict[Path, images.ImageInfo],
    target: Target,
    options: BuildOptions,
    result: BuildResult,
    work: Path,
) -> TargetResult:
    """Build one target into its final place; nothing is replaced unless all went well."""
    edition = _supplied_for(edition, target.colour)
    timings = result.timings
    layout = edition.layout
    bleed = layout.page.bleed_pt if target.bleed else 0.0
    policy = image_policy(edition, target)
    inflated: set[str] = set()  # supplied files whose page content preflight inflated
    with _timed(timings, "preflight-supplied", options.progress):
        supplied = _supplied_checks(edition, target, inflated)
        result.warnings.extend(d for d in supplied if d.severity == "warning")
        for found in supplied:
            if found.severity == "info" and found.message not in result.placements:
                result.placements.append(found.message)
        raise_if_errors(supplied, "supplied PDFs fail preflight", PreflightError)
    with _timed(timings, "images", options.progress):
        jobs = _image_jobs(edition, infos, bleed)
        keys = list(jobs)
        done = images.prepare_images(
            [jobs[k] for k in keys], policy, cache_dir(edition), workers=options.workers
        )
        prepared = dict(zip(keys, done, strict=True))
        for image in done:
            for note in image.warnings:
                result.warnings.append(
                    Diagnostic(note, Location(display_path(image.source)), severity="warning")
                )

    def prepare_pages(sources: list[Path]) -> None:
        """Prepare the page versions of photos composition sets as full-bleed pages.

        For every target of this build at once, in the image workers; ``lookup`` then finds
        them in the cache.
        """
        photos = {p.source: p for p in edition.parts if isinstance(p, Photo)}
        variants: list[images.Variant] = []
        for other in dict.fromkeys([target, *(TARGETS[name] for name in options.targets)]):
            at = layout.page.bleed_pt if other.bleed else 0.0
            rules = policy if other is target else image_policy(edition, other)
            variants += [
                (_photo_job(photos[s], "full-bleed", infos[s], layout.page, at), rules)
                for s in sources
                if s in photos and (s, "full-bleed") not in prepared
            ]
        if variants:
            images.prepare_variants(variants, cache_dir(edition), workers=options.workers)

    def lookup(source: Path, kind: str) -> ImageFile:
        if (source, kind) not in prepared:
            # A placement composition chose: a full-width photo that would have stood alone on
            # a page becomes a full-bleed page.  Prepared now, only when it happens.
            part = next(p for p in edition.parts if isinstance(p, Photo) and p.source == source)
            job = _photo_job(part, kind, infos[source], layout.page, bleed)
            (image,) = images.prepare_images([job], policy, cache_dir(edition), workers=1)
            jobs[(source, kind)], prepared[(source, kind)] = job, image
            done.append(image)
            result.warnings.extend(
                Diagnostic(note, Location(display_path(source)), severity="warning")
                for note in image.warnings
            )
        image = prepared[(source, kind)]
        job = jobs[(source, kind)]
        framing = job[4] if len(job) > 4 else None
        used = images.cropped_pixels(job[0].width_px, job[0].height_px, framing)
        return ImageFile(image.path, image.width_px, image.height_px, image.has_alpha, used)

    front = edition.cover.front_pages if edition.cover else 0
    body_path = work / f"{target.name}-body.pdf"
    with _timed(timings, "compose", options.progress):
        body = compose_body(
            edition,
            ComposeSettings(
                target.colour,
                target.bleed,
                first_page_recto=front % 2 == 0,
                tagged=target.tagged,
                overprint_black=target.colour == "cmyk" and layout.press.overprint_black,
                proof=target.proof,
            ),
            lookup,
            body_path,
            prepare_pages,
        )
    if target.name == "press":
        problems = _resolution_problems(body, infos, policy, front)
        result.warnings.extend(d for d in problems if not d.is_error)
        raise_if_errors(problems, "photos are below the press resolution", ImagePolicyError)
    if target.colour == "cmyk":
        inked = _ink_problems(done, infos, layout.press.total_ink_limit)
        result.warnings.extend(d for d in inked if not d.is_error)
        raise_if_errors(inked, "photos carry more ink than the press takes", PreflightError)
    with _timed(timings, "assemble", options.progress):
        trim_w, trim_h = layout.page.trim_pt
        assembled: Assembled = assemble(
            body_path,
            edition.cover,
            edition.appendices,
            PageGeometryPt(trim_w, trim_h, bleed, layout.page.bleed_pt),
            layout.press.pad_to_multiple if target.pad else None,
            colour=target.colour,
            fonts_dir=fonts_dir(edition),
            inflated=frozenset(inflated),
        )
        # The photos stay in the cache until the writer copies them into the output.
        fill_prepared_images(assembled.writer, {image.path.name: image.path for image in done})
        result.warnings.extend(assembled.warnings)
        _refuse_padding(edition, assembled)
        for fixup in assembled.fixups:
            if fixup not in result.fixups:
                result.fixups.append(fixup)
        for placed in assembled.placed:
            if placed.text not in result.placements:
                result.placements.append(placed.text)
    body_start = assembled.range_of("body")[0].start
    headings = [Heading(h.title, h.level, body_start + h.page - 1) for h in body.headings]
    with _timed(timings, "finish", options.progress):
        # Before finishing, so subset tags, /ID and compression include the stamp.
        if target.proof and options.proof_stamp:
            overlay = _proof_overlay(edition, bleed, work / f"{target.name}-overlay.pdf")
            stamp_pages(assembled.writer, overlay)
        breaks = _accepted_breaks(edition, target)
        if breaks:
            result.warnings.append(_claim_withdrawn(target, breaks))
        claimed = replace(target, standard=None) if breaks else target
        structure = None
        if body.structure is not None:
            files = [edition.cover.pdf] if edition.cover else []
            structure = StructureInput(
                body.structure, {pdf.label: pdf for pdf in [*files, *edition.appendices]}
            )
            # Accepted supplied pages that break the standards break PDF/UA too: no claim.
            structure.conforming = not breaks
        writer = finish(assembled, edition, claimed, headings, build_date(edition), structure)
    out_dir = options.out_dir or default_out_dir(edition)
    final = out_dir / f"{edition.slug}-{target.name}.pdf"
    with _timed(timings, "write", options.progress), write_atomically(final) as temporary:
        with temporary.open("wb") as handle:
            writer.write(handle)
        with _timed(timings, "preflight", options.progress):
            base = PROFILES[target.preflight]
            profile = replace(
                base,
                trim_size_mm=layout.page.trim_mm,
                page_multiple=layout.press.pad_to_multiple if base.page_multiple else None,
                claims_standard=not breaks,
            )
            supplied_pages = frozenset(
                page
                for r in assembled.ranges
                if r.kind in ("cover-front", "cover-back", "appendix")
                for page in range(r.start + 1, r.start + r.count + 1)
            )
            report = preflight(
                temporary,
                profile,
                label=display_path(final),
                checked_pages=supplied_pages,
                image_sources=_images_by_size(prepared.values()),
            )
        accepted = _accepted_pages(edition, assembled)
        findings = [
            Diagnostic(
                f.message + (" (accepted supplied pages)" if _accepted(f, accepted) else ""),
                Location(display_path(final)),
                f.hint,
                "warning" if _accepted(f, accepted) else f.severity,
                ExitCode.PREFLIGHT_FAILED,
            )
            for f in report.findings
            if f.severity in ("error", "warning") and f.check != "images.ppi"
        ]
        result.warnings.extend(d for d in findings if not d.is_error)
        raise_if_errors(findings, f"{display_path(final)} fails preflight", PreflightError)
        if options.strict:
            raise_if_errors(
                [replace(w, severity="error") for w in result.warnings if w.severity == "warning"],
                "warnings are errors under --strict",
                InvalidEditionError,
            )
    log.info("wrote %s (%d pages)", display_path(final), assembled.pages)
    return TargetResult(target.name, final, assembled.pages, report)


def _build_one(
    edition: Edition,
    infos: dict[Path, images.ImageInfo],
    options: BuildOptions,
    result: BuildResult,
    work: Path,
    name: str,
) -> TargetResult:
    """Build the target ``name``; its warnings go into ``result``."""
    log.info("building %s", name)
    try:
        return build_target(edition, infos, TARGETS[name], options, result, work)
    except OSError as error:
        # The private work folder (the composed body) filled the disk or vanished.
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO):
            raise
        raise output_error(work, error) from None


def _sharing(names: tuple[str, ...]) -> AbstractContextManager[None]:
    """Targets built in turn set the same paragraphs: each is set once for all of them.

    A single target drops its lines after composing, so they take no memory while the file
    is written.
    """
    return shared_paragraphs() if len(names) > 1 else nullcontext()


def _lanes(options: BuildOptions) -> list[tuple[str, ...]]:
    """The targets split over the cores: two lanes built side by side, or one.

    After the image stage, which already uses every core, building a target is one process's
    work (composition, finishing, preflight, writing); with several targets and two cores the
    targets go in two lanes, each in a forked process, alternating so that each lane still
    shares its set paragraphs.  Sequential when the user asked for one worker, under
    ``--strict`` (its verdict counts the warnings of the targets before), and where processes
    cannot be forked cheaply.
    """
    names = tuple(options.targets)
    cores = options.workers or os.cpu_count() or 1
    if len(names) < 2 or cores < 2 or options.strict or not sys.platform.startswith("linux"):
        return [names]
    return [names[0::2], names[1::2]]


@dataclass
class _LaneResult:
    """What a lane built and noticed, target by target, to merge in the targets' order."""

    results: dict[str, TargetResult] = field(default_factory=dict)
    noticed: dict[str, BuildResult] = field(default_factory=dict)


_LANE_INPUTS: tuple[Edition, dict[Path, images.ImageInfo], BuildOptions, Path] | None = None
"""The build a forked lane works on: inherited from the parent, never pickled."""


def _run_lane(names: tuple[str, ...]) -> _LaneResult:
    """A lane, in its own process: each target noticed into its own BuildResult."""
    assert _LANE_INPUTS is not None
    edition, infos, options, work = _LANE_INPUTS
    images.WORKER_START = "fork"  # the build's forkserver belongs to the parent
    # Photos composition promotes to pages are prepared for this lane's targets only: the
    # other lane prepares its own (the same work twice, racing, otherwise).
    options = replace(options, targets=names)
    lane = _LaneResult()
    with _sharing(names):
        for name in names:
            noticed = BuildResult(edition)
            lane.results[name] = _build_one(edition, infos, options, noticed, work, name)
            noticed.edition = None  # type: ignore[assignment]  # the parent has it
            lane.noticed[name] = noticed
    return lane


def _build_lanes(
    edition: Edition,
    infos: dict[Path, images.ImageInfo],
    options: BuildOptions,
    result: BuildResult,
    work: Path,
    lanes: list[tuple[str, ...]],
) -> None:
    """Build the lanes side by side and merge what they did as if built one after another."""
    global _LANE_INPUTS
    _LANE_INPUTS = (edition, infos, replace(options, progress=None), work)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(lanes), mp_context=context) as pool:
            futures = [pool.submit(_run_lane, names) for names in lanes]
            done: dict[str, tuple[TargetResult, BuildResult]] = {}
            for future in futures:
                lane = future.result()  # a lane's failure is raised here, as it was raised
                done.update(
                    (name, (built, lane.noticed[name])) for name, built in lane.results.items()
                )
                if options.progress is not None:  # the bar moves as each lane lands
                    for name in lane.results:
                        for _ in range(STAGES_PER_TARGET):
                            options.progress(f"built {name}")
    finally:
        _LANE_INPUTS = None
    for name in options.targets:
        built, noticed = done[name]
        result.results.append(built)
        result.warnings += noticed.warnings
        result.placements += [p for p in noticed.placements if p not in result.placements]
        result.fixups += [f for f in noticed.fixups if f not in result.fixups]
        for stage, took in noticed.timings.items():  # added up over targets, as in turn
            result.timings[stage] = result.timings.get(stage, 0.0) + took


def build(path: Path, options: BuildOptions) -> BuildResult:
    """Build the edition at ``path`` for every target in ``options``."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with _timed(timings, "load", options.progress):
        edition, infos, warnings = check(
            path, tagged=any(TARGETS[name].tagged for name in options.targets)
        )
    build_date(edition)  # a malformed SOURCE_DATE_EPOCH is a usage error, before any work
    result = BuildResult(edition, warnings=list(warnings), timings=timings)
    if options.marks is not None:
        layout = replace(edition.layout, press=replace(edition.layout.press, marks=options.marks))
        edition = replace(edition, layout=layout)
        result.edition = edition
    if len(options.targets) > 1:
        with _timed(timings, "images"):
            targets = [TARGETS[name] for name in options.targets]
            prepare_every_target(edition, infos, targets, options.workers)
    with tempfile.TemporaryDirectory(prefix="printpipe-") as work:
        lanes = _lanes(options)
        if len(lanes) > 1:
            _build_lanes(edition, infos, options, result, Path(work), lanes)
        else:
            with _sharing(lanes[0]):
                for name in lanes[0]:
                    result.results.append(
                        _build_one(edition, infos, options, result, Path(work), name)
                    )
    out_dir = options.out_dir or default_out_dir(edition)
    written = [Written(r.target, r.path, r.pages) for r in result.results]
    result.manifest = write_manifest(
        out_dir / "manifest.json", edition, written, fixups=result.fixups
    )
    timings["total"] = time.perf_counter() - started
    return result
