"""Benchmark printpipe against its peers and against the physical floor (issue 6).

    python tools/bench.py                 # S, M, L; prints a table, writes build/bench.json
    python tools/bench.py --quick         # S and M only
    python tools/bench.py --sizes M --runs 1 --no-peers

Everything is generated at run time under ``build/bench/`` (git-ignored):

- ``photos/``: deterministic, seeded 6000x4000 "camera" JPEGs (gradients, shapes, blurred
  texture and grain, so they compress like photographs), generated once and cached;
- ``S/``: a copy of ``editions/2019`` (or a small generated edition when it is missing);
  ``M/``: about 40 pages with 30 photos; ``L/``: about 200 pages with 150 photos plus a
  400-page appendix PDF. Photos are hard links into the cache (they must live inside the
  edition folder). The project root is the repository, so the real layouts and assets are used;
- ``runs/<size>/typography.json``: the typography report (``printpipe proof --report``) of the
  S and M press files, printed beside the compose time;
- ``peer.typ`` and ``peer.html`` in M/ and L/: the same content for Typst and WeasyPrint, which
  run from their own virtualenv ``peers-venv/`` (created on first use, never a dependency).

Every printpipe build runs in a child process (``python -c`` calling ``build()``) with its own
image cache folder, so "cold" means an empty cache and "warm" a rebuild with nothing changed.
Wall time, CPU time (user + system, including worker processes) and peak RSS come from
``os.wait4``; per-stage seconds from ``BuildResult.timings``. Results are medians of ``--runs``.
The bench never fails: anything that cannot run is reported as n/a with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bench_peers import (
    TYPST_CHILD,
    WEASYPRINT_CHILD,
    Chapter,
    PhotoPart,
    PullQuote,
    Report,
    ensure_peers_venv,
    html_of,
    markdown_of,
    typst_of,
)

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "build" / "bench"
PHOTOS = BENCH / "photos"
RESULTS = ROOT / "build" / "bench.json"
SAMPLE = ROOT / "editions" / "2019"
FONTS = ROOT / "assets" / "fonts"
EPOCH = "1588204800"  # 2020-04-30, as in the tests

PHOTO_VERSION = 1  # bump when make_photo changes: cached photos are named by it
APPENDIX_VERSION = 2  # likewise for make_appendix
CAMERA = (6000, 4000)
STAGES = (
    "load",
    "preflight-supplied",
    "images",
    "compose",
    "assemble",
    "finish",
    "preflight",
    "write",
    "total",
)
#: Table headings; printpipe times preflight inside write, so "write" includes "preflight".
STAGE_LABELS = {"preflight-supplied": "supplied", "preflight": "preflt", "write": "write+pf"}
MB = 1024 * 1024

# --- sizes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeSpec:
    """What one benchmark edition is made of."""

    name: str
    chapters: int
    words: int  # running text, all chapters together
    photos: int
    appendix_pages: int
    runs: int  # default number of runs (medians)
    peers: bool
    placement: str | None = None  # every photo placed so (None: the usual mix)
    memory_only: bool = False  # press cold and warm only: does the peak grow with the photos?


SIZES: dict[str, SizeSpec] = {
    "S": SizeSpec("S", 3, 5000, 6, 0, 3, False),
    "M": SizeSpec("M", 6, 12000, 30, 0, 3, True),
    "L": SizeSpec("L", 24, 68000, 150, 400, 1, True),
    # Issue 15's flat-memory sizes, run only when named (--sizes L,LW,2L): L with every photo
    # full-width (a 180 MB press file), and twice L (300 photos, an 800-page appendix).
    "LW": SizeSpec("LW", 24, 68000, 150, 400, 1, False, "full-width", True),
    "2L": SizeSpec("2L", 48, 136000, 300, 800, 1, False, None, True),
}
DEFAULT_SIZES = "S,M,L"

# --- photos ------------------------------------------------------------------------------------


def make_photo(seed: int, size: tuple[int, int]) -> Any:
    """A deterministic image that compresses like a photograph.

    A low-resolution scene (sky gradient plus random shapes) is blurred, given blurred texture
    at a quarter of the size, scaled up and given per-pixel grain. Only seeded ``random`` is
    used (never ``Image.effect_noise``, which is unseeded), so the bytes are reproducible.
    """
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = size
    small = (max(8, width // 16), max(8, height // 16))

    def colour() -> tuple[int, int, int]:
        return (rng.randrange(256), rng.randrange(256), rng.randrange(256))

    gradient = Image.linear_gradient("L").resize(small)
    scene = Image.composite(
        Image.new("RGB", small, colour()), Image.new("RGB", small, colour()), gradient
    )
    draw = ImageDraw.Draw(scene)
    for _ in range(rng.randint(12, 30)):
        x, y = rng.uniform(-0.2, 1.0) * small[0], rng.uniform(-0.2, 1.0) * small[1]
        w, h = rng.uniform(0.03, 0.4) * small[0], rng.uniform(0.03, 0.4) * small[1]
        if rng.random() < 0.5:
            draw.ellipse([x, y, x + w, y + h], fill=colour())
        else:
            points = [(x + rng.uniform(0, w), y + rng.uniform(0, h)) for _ in range(5)]
            draw.polygon(points, fill=colour())
    scene = scene.filter(ImageFilter.GaussianBlur(1.2))
    mid = (width // 4, height // 4)
    texture = Image.frombytes("L", mid, rng.randbytes(mid[0] * mid[1]))
    texture = texture.filter(ImageFilter.GaussianBlur(1.5)).point(lambda v: 128 + (v - 128) // 2)
    scene = scene.resize(mid, Image.Resampling.BICUBIC)
    scene = ImageChops.add(scene, Image.merge("RGB", (texture,) * 3), 1.0, -128)
    full = scene.resize(size, Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", size, rng.randbytes(width * height)).point(lambda v: v * 12 // 255)
    return ImageChops.add(full, Image.merge("RGB", (grain,) * 3), 1.0, -6)


def photo_size(index: int) -> tuple[int, int]:
    """Every tenth photo is a portrait; the rest are landscape camera frames."""
    return (CAMERA[1], CAMERA[0]) if index % 10 == 3 else CAMERA


def photo_path(index: int) -> Path:
    width, height = photo_size(index)
    return PHOTOS / f"photo-v{PHOTO_VERSION}-{index:03d}-{width}x{height}.jpg"


def _write_photo(index: int) -> str:
    path = photo_path(index)
    partial = path.with_suffix(".partial")
    make_photo(1000 + index, photo_size(index)).save(partial, "JPEG", quality=92, optimize=False)
    partial.replace(path)
    return path.name


def ensure_photos(count: int) -> list[Path]:
    """The first ``count`` cached photos, generating the missing ones on every core."""
    PHOTOS.mkdir(parents=True, exist_ok=True)
    missing = [i for i in range(count) if not photo_path(i).exists()]
    if missing:
        started = time.perf_counter()
        print(f"generating {len(missing)} photos into {PHOTOS} ...", file=sys.stderr, flush=True)
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(_write_photo, missing))
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return [photo_path(i) for i in range(count)]


# --- text --------------------------------------------------------------------------------------

_VOCABULARY = (
    "defenders district network training lawyers court hearing community safety digital support "
    "grant emergency partner region volunteer report monitor threat risk rights land water "
    "village journalist union workers women shelter testimony evidence protection campaign "
    "letter official embassy observer release detention trial family school health river forest "
    "mine coast harbour city mountain border office budget audit donor member year month week "
    "morning evening together quickly carefully openly quietly again still the a of to and in "
    "for with on at by from about after before during between through under over without within "
    "across against toward because while although when where documented met trained reached "
    "built opened closed asked answered helped protected visited wrote published recorded "
    "shared funded supported welcomed organised released new local regional national "
    "international small large careful brave difficult urgent safe public private legal "
    "independent many several few every most other each "
)
WORDS = _VOCABULARY.split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(7, 24))]
    if rng.random() < 0.12:
        i = rng.randrange(1, len(words))
        words[i] = f"*{words[i]}*"
    if rng.random() < 0.04:
        i = rng.randrange(1, len(words))
        words[i] = f"[{words[i]}](https://example.org/{words[i].strip('*')})"
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, words: int) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(_sentence(rng))
    return " ".join(out)


def _title(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS[:70]) for _ in range(n)]
    return " ".join(words).capitalize()


def generate_report(spec: SizeSpec, photos: Sequence[Path], signatures: Sequence[Path]) -> Report:
    """Deterministic text and photo parts for one size (photos are named photos/<file>)."""
    rng = random.Random(f"printpipe-bench-{spec.name}")
    per_chapter = spec.words // spec.chapters
    chapters: list[Chapter] = []
    for c in range(spec.chapters):
        title = f"{c + 1}. {_title(rng, 4)}"
        blocks: list[tuple[str, str]] = [("h1", title)]
        written = 0
        while written < per_chapter:
            if blocks[-1][0] == "p" and rng.random() < 0.18:
                blocks.append(("h2", _title(rng, rng.randint(3, 6))))
            roll = rng.random()
            if roll < 0.06:
                items = [_sentence(rng).rstrip(".") for _ in range(rng.randint(3, 5))]
                blocks.append(("ul", "\n".join(items)))
                written += sum(len(i.split()) for i in items)
            elif roll < 0.1:
                blocks.append(("quote", _sentence(rng)))
                written += 15
            else:
                size = rng.randint(60, 160)
                blocks.append(("p", _paragraph(rng, size)))
                written += size
        chapters.append(Chapter(f"chapter-{c + 1}", title, blocks))
    for i, path in enumerate(photos):
        from PIL import Image

        with Image.open(path) as image:
            width, height = image.size
        placement = spec.placement or (
            "full-bleed" if i % 8 == 7 else "full-width" if i % 4 == 1 else "column"
        )
        chapters[i * spec.chapters // len(photos)].photos.append(
            PhotoPart(
                f"photos/{path.name}",
                width,
                height,
                _sentence(rng).rstrip(".").replace("*", ""),
                f"Photo {i + 1}: bench generator (CC0)",
                placement,
            )
        )
    for c, chapter in enumerate(chapters):
        if c % 2:
            chapter.pull_quote = PullQuote(_sentence(rng).replace("*", ""), "A defender")
    people = [("Ada Example", "Director"), ("Ben Example", "Chair of the Board")]
    signatories = [
        (name, role, f"signatures/{signatures[i].name}" if i < len(signatures) else None)
        for i, (name, role) in enumerate(people)
    ]
    callout = ("Subscribe to the monitor", "News every month.", "https://example.org/monitor")
    return Report(f"Benchmark {spec.name}", chapters, signatories, callout)


# --- editions ----------------------------------------------------------------------------------


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if target.stat().st_ino == source.stat().st_ino:
            return
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def make_appendix(path: Path, pages: int) -> Path:
    """A ``pages``-page A4 table appendix: embedded Noto Sans, CMYK only (cached)."""
    if path.exists():
        return path
    from reportlab import rl_config
    from reportlab.lib.colors import CMYKColor
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    rl_config.useA85 = 0
    pdfmetrics.registerFont(TTFont("BenchSans", str(FONTS / "NotoSans-Regular.ttf")))
    pdfmetrics.registerFont(TTFont("BenchSans-Bold", str(FONTS / "NotoSans-Bold.ttf")))
    rng = random.Random("printpipe-bench-appendix")
    partial = path.with_suffix(".partial")
    canvas = Canvas(
        str(partial),
        pagesize=A4,
        invariant=1,
        enforceColorSpace="cmyk",
        initialFontName="BenchSans",  # never Helvetica: supplied PDFs must embed every font
    )
    canvas.setTitle("Benchmark appendix")
    ink, rule = CMYKColor(0, 0, 0, 0.92), CMYKColor(1, 0.45, 0, 0.3)
    width, height = A4
    for page in range(1, pages + 1):
        canvas.setFillColor(ink)
        canvas.setFont("BenchSans-Bold", 14)
        canvas.drawString(56, height - 70, f"Statement of accounts, schedule {page}")
        canvas.setStrokeColor(rule)
        canvas.setLineWidth(0.5)
        canvas.setFont("BenchSans", 8)
        y = height - 100
        for row in range(52):
            canvas.drawString(56, y, f"{page:03d}.{row:02d}  {_title(rng, 3)}")
            for col in range(4):
                value = rng.randrange(1000, 9_999_999)
                canvas.drawRightString(330 + col * 66, y, f"{value:,}")
            if row % 5 == 4:
                canvas.line(56, y - 3, width - 56, y - 3)
            y -= 13
        canvas.drawRightString(width - 56, 40, f"Page {page}")
        canvas.showPage()
    canvas.save()
    partial.replace(path)
    return path


def write_edition(spec: SizeSpec, folder: Path) -> tuple[Report | None, str]:
    """Write the edition of ``spec`` into ``folder``; returns its content and a description."""
    if spec.name == "S" and (SAMPLE / "edition.yaml").is_file():
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(SAMPLE, folder)
        return None, "copy of editions/2019"
    import yaml

    photos = ensure_photos(spec.photos)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("sections", "photos"):
        if (folder / stale).exists():
            shutil.rmtree(folder / stale)
    for path in photos:
        _link_or_copy(path, folder / "photos" / path.name)
    signatures = sorted((SAMPLE / "signatures").glob("*.png"))[:2]
    for path in signatures:
        _link_or_copy(path, folder / "signatures" / path.name)
    report = generate_report(spec, photos, signatures)
    parts: list[dict[str, Any]] = [{"toc": "Contents"}]
    for chapter in report.chapters:
        section = f"sections/{chapter.slug}.md"
        (folder / "sections").mkdir(exist_ok=True)
        (folder / section).write_text(markdown_of(chapter), encoding="utf-8")
        parts.append({"section": section})
        for photo in chapter.photos:
            parts.append(
                {
                    "photo": {
                        "file": photo.file,
                        "caption": photo.caption,
                        "alt": f"Photograph: {photo.caption}",
                        "credit": photo.credit,
                        "placement": photo.placement,
                    }
                }
            )
        if chapter.pull_quote:
            quote = chapter.pull_quote
            parts.append({"pull_quote": {"text": quote.text, "attribution": quote.attribution}})
    parts.append(
        {
            "signatures": [
                {"name": n, "role": r, **({"image": i} if i else {})}
                for n, r, i in report.signatories
            ]
        }
    )
    title, text, link = report.callout
    parts.append({"callout": {"title": title, "text": text, "link": link}})
    edition: dict[str, Any] = {
        "title": report.title,
        "subtitle": "printpipe benchmark edition",
        "organisation": "Harbourlight Rights Network",
        "year": 2019,
        "language": "en-GB",
        "date": "2020-04-30",
        "slug": f"bench-{spec.name.lower()}",
        "layout": "house",
    }
    notes = [f"{spec.photos} photos {CAMERA[0]}x{CAMERA[1]}", f"{spec.words} words"]
    if (SAMPLE / "cover.pdf").is_file():
        _link_or_copy(SAMPLE / "cover.pdf", folder / "cover.pdf")
        edition["cover"] = {"file": "cover.pdf"}
    if spec.appendix_pages:
        pages = spec.appendix_pages
        appendix = make_appendix(BENCH / f"appendix-v{APPENDIX_VERSION}-{pages}.pdf", pages)
        _link_or_copy(appendix, folder / "appendix.pdf")
        edition["appendices"] = [{"file": "appendix.pdf", "title": "Statement of accounts"}]
        notes.append(f"{spec.appendix_pages}-page appendix")
    edition["parts"] = parts
    text_yaml = yaml.safe_dump(edition, sort_keys=False, allow_unicode=True, width=100)
    (folder / "edition.yaml").write_text(text_yaml, encoding="utf-8")
    (folder / "peer.typ").write_text(typst_of(report), encoding="utf-8")
    (folder / "peer.html").write_text(html_of(report, FONTS), encoding="utf-8")
    return report, "generated: " + ", ".join(notes)


# --- measuring child processes -----------------------------------------------------------------


@dataclass
class Measured:
    """One child process: wall, CPU (user + system, its reaped children included), peak RSS."""

    ok: bool
    wall: float
    cpu: float
    rss_mb: float
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    rss_tree_mb: float = 0.0  # peak of the summed RSS of the process and all its descendants


def _limit_memory(limit: int | None) -> Callable[[], None] | None:
    if not limit:
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def measure(
    command: Sequence[str],
    log: Path,
    *,
    timeout: float = 3600,
    memory_limit: int | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run ``command``; its output goes to ``log``; never raises for a failing command."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONUNBUFFERED": "1"}
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(
                list(command),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                preexec_fn=_limit_memory(memory_limit),
            )
    except OSError as exc:
        return Measured(False, 0.0, 0.0, 0.0, f"cannot start {command[0]}: {exc}")
    timed_out = False
    peak = tree = 0.0
    while True:
        peak = max(peak, _peak_rss_mb(process.pid, command))
        tree = max(tree, _tree_rss_mb(process.pid, command))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > timeout:
            process.kill()
            timed_out = True
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.01)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    # ru_maxrss of a child starts from this process's RSS (the fork), so it only stands in
    # when the child ended before it could be read from /proc.
    rss = peak or usage.ru_maxrss / 1024
    tree = max(tree, rss)
    if timed_out:
        return Measured(False, wall, cpu, rss, f"timed out after {timeout:.0f} s", rss_tree_mb=tree)
    if process.returncode:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        error = f"exit {process.returncode}: {tail[0][:160]} (log: {_rel(log)})"
        return Measured(False, wall, cpu, rss, error, rss_tree_mb=tree)
    return Measured(True, wall, cpu, rss, rss_tree_mb=tree)


def _peak_rss_mb(pid: int, command: Sequence[str]) -> float:
    """VmHWM of ``pid`` once it runs ``command`` (before exec it is a copy of this process)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if [a.decode(errors="replace") for a in argv[:2]] != list(command[:2]):
            return 0.0
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _tree_rss_mb(pid: int, command: Sequence[str]) -> float:
    """Current RSS of ``pid`` and every descendant, summed (image workers, peers' children).

    Sampled every 10 ms by :func:`measure`; the peak of these sums is the process tree's
    peak RSS (a short spike between two samples can be missed).
    """
    if not _peak_rss_mb(pid, command):
        return 0.0  # not yet exec'd: still a copy of the bench
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total / 1024


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


BUILD_CHILD = """
import json, resource, sys
from pathlib import Path
args = json.loads(sys.argv[1])
from printpipe import pipeline
if not hasattr(pipeline, "cache_dir"):
    sys.exit("bench: printpipe.pipeline.cache_dir is gone; cannot isolate the image cache")
cache = Path(args["cache"])
pipeline.cache_dir = lambda edition: cache
options = pipeline.BuildOptions(targets=tuple(args["targets"]), out_dir=Path(args["out"]))
import time
assemble_cpu = []
_assemble = pipeline.assemble
def _cpu_of_assemble(*a, **k):
    started = time.process_time()
    try:
        return _assemble(*a, **k)
    finally:
        assemble_cpu.append(time.process_time() - started)
pipeline.assemble = _cpu_of_assemble
if args.get("profile"):
    import cProfile, pstats, io
    profiler = cProfile.Profile()
    result = profiler.runcall(pipeline.build, Path(args["edition"]), options)
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(args["profile"])
    Path(args["report"]).with_suffix(".profile.txt").write_text(stream.getvalue())
else:
    result = pipeline.build(Path(args["edition"]), options)
files = [
    {"target": r.target, "pages": r.pages, "bytes": r.path.stat().st_size} for r in result.results
]
Path(args["report"]).write_text(json.dumps({
    "timings": result.timings,
    "files": files,
    "rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "assemble_cpu": sum(assemble_cpu),
}))
"""


def printpipe_build(
    edition: Path, targets: Sequence[str], tag: str, *, cold: bool, profile: int = 0
) -> Measured:
    """One printpipe build in a child process; ``cold`` empties its image cache first."""
    work = BENCH / "runs" / edition.name
    cache = work / "cache"
    if cold and cache.exists():
        shutil.rmtree(cache)
    out = work / "out"
    report = work / f"{tag}.json"
    report.unlink(missing_ok=True)
    args = {
        "edition": str(edition),
        "targets": list(targets),
        "out": str(out),
        "cache": str(cache),
        "report": str(report),
        "profile": profile,
    }
    measured = measure([sys.executable, "-c", BUILD_CHILD, json.dumps(args)], work / f"{tag}.log")
    if measured.ok:
        try:
            data = json.loads(report.read_text())
        except (OSError, ValueError) as exc:
            measured.ok, measured.error = False, f"no report from the build: {exc}"
            return measured
        measured.extra = {
            "timings": data["timings"],
            "pages": sum(f["pages"] for f in data["files"]),
            "bytes": sum(f["bytes"] for f in data["files"]),
            "rss_workers_mb": data["rss_workers_mb"],
            "assemble_cpu": data.get("assemble_cpu"),
        }
        if profile:
            measured.extra["profile"] = report.with_suffix(".profile.txt").read_text()
    return measured


def _median_of(runs: list[Measured]) -> dict[str, Any]:
    """Medians of every number over the successful runs, or the first error."""
    good = [r for r in runs if r.ok]
    if not good:
        return {"ok": False, "error": runs[0].error if runs else "not run", "runs": 0}
    row: dict[str, Any] = {
        "ok": True,
        "runs": len(good),
        "wall": statistics.median(r.wall for r in good),
        "cpu": statistics.median(r.cpu for r in good),
        "rss_mb": statistics.median(r.rss_mb for r in good),
        "rss_tree_mb": statistics.median(r.rss_tree_mb for r in good),
        "walls": [round(r.wall, 3) for r in good],
    }
    for key in ("pages", "bytes", "rss_workers_mb"):
        if key in good[0].extra:
            row[key] = statistics.median(r.extra[key] for r in good)
    if "timings" in good[0].extra:
        row["stages"] = {
            stage: statistics.median(r.extra["timings"].get(stage, 0.0) for r in good)
            for stage in sorted({s for r in good for s in r.extra["timings"]})
        }
    if runs and len(good) < len(runs):
        row["failed_runs"] = [r.error for r in runs if not r.ok]
    return row


def _edit_one_paragraph(
    edition: Path, sentence: str = "One changed sentence for the bench. "
) -> Callable[[], None]:
    """Change one paragraph of the first section; returns the undo."""
    sections = sorted((edition / "sections").glob("*.md"))
    if not sections:
        return lambda: None
    path = sections[0]
    original = path.read_text(encoding="utf-8")
    head, sep, tail = original.partition("\n\n")
    path.write_text(head + sep + sentence + tail, encoding="utf-8")
    return lambda: path.write_text(original, encoding="utf-8")


def bench_printpipe(edition: Path, runs: int, memory_only: bool = False) -> dict[str, Any]:
    """Cold and warm press, press with one paragraph changed, cold screen, cold all."""
    rows: dict[str, list[Measured]] = {
        k: [] for k in ("press-cold", "press-warm", "press-edit", "screen-cold", "all-cold")
    }
    if memory_only:
        for i in range(runs):
            _progress(f"  printpipe press cold/warm, run {i + 1}/{runs}")
            rows["press-cold"].append(printpipe_build(edition, ["press"], "press-cold", cold=True))
            rows["press-warm"].append(printpipe_build(edition, ["press"], "press-warm", cold=False))
        return {name: _median_of(measured) for name, measured in rows.items() if measured}
    for i in range(runs):
        _progress(f"  printpipe press cold/warm/edit, run {i + 1}/{runs}")
        rows["press-cold"].append(printpipe_build(edition, ["press"], "press-cold", cold=True))
        rows["press-warm"].append(printpipe_build(edition, ["press"], "press-warm", cold=False))
        undo = _edit_one_paragraph(edition)
        try:
            rows["press-edit"].append(printpipe_build(edition, ["press"], "press-edit", cold=False))
        finally:
            undo()
    for i in range(runs):
        _progress(f"  printpipe screen cold, run {i + 1}/{runs}")
        rows["screen-cold"].append(printpipe_build(edition, ["screen"], "screen-cold", cold=True))
    for i in range(runs):
        _progress(f"  printpipe --target all cold, run {i + 1}/{runs}")
        targets = ["press", "screen", "archive", "proof"]
        rows["all-cold"].append(printpipe_build(edition, targets, "all-cold", cold=True))
    return {name: _median_of(measured) for name, measured in rows.items()}


# --- typography --------------------------------------------------------------------------------

TYPOGRAPHY_SIZES = ("S", "M")  # the report takes about a second per 25 pages
TYPOGRAPHY_CHILD = """
import json, sys, time
from pathlib import Path
from printpipe.load import load_edition
from printpipe.project import find_project
from printpipe.typography import Geometry, layout_fonts, measure
edition, pdf, report = sys.argv[1:4]
loaded, _ = load_edition(Path(edition))
assets = [folder / "fonts" for folder in find_project(loaded.root).asset_dirs()]
fonts = [*layout_fonts(loaded.layout), *(folder for folder in assets if folder.is_dir())]
start = time.perf_counter()
data = measure(Path(pdf), Geometry.from_layout(loaded.layout), fonts).as_dict()
data["seconds"] = time.perf_counter() - start
Path(report).write_text(json.dumps(data))
"""


def bench_typography(edition: Path) -> dict[str, Any]:
    """The typography report's totals for the press file the runs above wrote (a child)."""
    work = BENCH / "runs" / edition.name
    found = sorted((work / "out").glob("*-press.pdf"))
    if not found:
        return {"ok": False, "error": "no press PDF was built"}
    report = work / "typography.json"
    report.unlink(missing_ok=True)
    command = [sys.executable, "-c", TYPOGRAPHY_CHILD, str(edition), str(found[0]), str(report)]
    run = measure(command, work / "typography.log")
    if not run.ok:
        return {"ok": False, "error": run.error}
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError) as exc:
        return {"ok": False, "error": f"no report: {exc}"}
    return {"ok": True, "seconds": data["seconds"], "pages": data["body_pages"], **data["totals"]}


def typography_line(data: dict[str, Any]) -> str:
    """The report's key figures on one line, beside the compose time they cost."""
    t = data.get("typography")
    if not t:
        return ""
    if not t.get("ok"):
        return f"typography: n/a ({t.get('error')})"
    compose = data["printpipe"].get("press-cold", {}).get("stages", {}).get("compose")

    def pct(key: str) -> str:
        return "n/a" if t.get(key) is None else f"{t[key]:.1f} %"

    worst = "n/a" if t.get("worst_ratio") is None else f"{t['worst_ratio']:.1f}x"
    fill = "n/a" if t.get("fill_min") is None else f"{100 * t['fill_min']:.0f} %"
    return (
        f"typography ({t['pages']} body pages, measured in {t['seconds']:.2f} s; "
        f"compose {_fmt(compose)} s): spaces >1.5x {pct('over_1_5_pct')}, "
        f">2x {pct('over_2_pct')}, worst {worst}; hyphens {pct('hyphenated_pct')}, "
        f"stacks {t['hyphen_stacks']}, short {t['short_breaks']}, "
        f"capitalised {t['capitalised_breaks']}; kerned {t['kerned']}/{t['kern_pairs']}; "
        f"ligatures {t['ligatures']}/{t['ligature_sites']}; grid {pct('grid_pct')}; "
        f"fill min {fill}"
    )


# --- the floor ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _cmyk_transform(profile: str) -> Any:
    from PIL import ImageCms

    return ImageCms.buildTransform(ImageCms.createProfile("sRGB"), profile, "RGB", "CMYK")


def _floor_one(job: tuple[str, int, int, str | None]) -> bytes:
    """Decode at reduced scale, resample once to the placed size, (convert,) encode."""
    from PIL import Image, ImageCms

    path, width, height, profile = job
    with Image.open(path) as image:
        image.draft("RGB", (width, height))
        image = image.convert("RGB").resize(
            (width, height), Image.Resampling.LANCZOS, reducing_gap=2.0
        )
    if profile:
        image = ImageCms.applyTransform(image, _cmyk_transform(profile))
    import io

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def floor_jobs(edition_path: Path, ppi_kind: str = "press") -> tuple[list[Any], str | None]:
    """(photo, placed pixel size) for every photo, using printpipe's own geometry."""
    from PIL import Image

    from printpipe import geometry
    from printpipe.load import load_edition
    from printpipe.model import Photo

    edition, _ = load_edition(edition_path)
    layout = edition.layout
    ppi = layout.images.target_ppi if ppi_kind == "press" else layout.images.screen_ppi
    jobs = []
    for part in edition.parts:
        if not isinstance(part, Photo):
            continue
        with Image.open(part.source) as image:
            px_w, px_h = image.size
        bleed = layout.page.bleed_pt
        w_pt, h_pt = geometry.photo_size(part.placement, px_w, px_h, layout.page, bleed)
        width = min(px_w, max(1, round(w_pt / 72 * ppi)))
        height = min(px_h, max(1, round(h_pt / 72 * ppi)))
        jobs.append((str(part.source), width, height))
    return jobs, str(layout.press.cmyk_profile)


def bench_floor(edition: Path, output_bytes: int, runs: int) -> dict[str, Any]:
    """Decode every photo at the scale it is needed and write the output bytes, on all cores."""
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            jobs, profile = pool.submit(floor_jobs, edition).result()
    except Exception as exc:  # the floor must never fail the bench
        return {"rgb": {"ok": False, "error": f"{type(exc).__name__}: {exc}"}}
    result: dict[str, Any] = {"photos": len(jobs)}
    target = BENCH / "runs" / edition.name / "floor.bin"
    for name, icc in (("rgb", None), ("cmyk", profile)):
        walls = []
        for _ in range(runs):
            started = time.perf_counter()
            with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                encoded = list(pool.map(_floor_one, [(*job, icc) for job in jobs]))
            with target.open("wb") as handle:
                for chunk in encoded:
                    handle.write(chunk)
                rest = max(0, output_bytes - sum(map(len, encoded)))
                while rest > 0:
                    handle.write(bytes(min(rest, 8 * MB)))
                    rest -= 8 * MB
            walls.append(time.perf_counter() - started)
        result[name] = {
            "ok": True,
            "wall": statistics.median(walls),
            "runs": runs,
            "image_bytes": sum(map(len, encoded)),
        }
    target.unlink(missing_ok=True)
    return result


# --- peers -------------------------------------------------------------------------------------

PEER_MEMORY_LIMIT = 20 * 1024 * MB  # address space; keeps a runaway peer off the shared machine


def bench_peers(edition: Path, python: Path, runs: int, gs: bool) -> dict[str, Any]:
    """Typst and WeasyPrint on the same content, plus WeasyPrint -> Ghostscript to CMYK/300 ppi."""
    work = BENCH / "runs" / edition.name / "peers"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    commands = {
        "typst": [
            str(python),
            "-c",
            TYPST_CHILD,
            str(edition / "peer.typ"),
            str(work / "typst.pdf"),
            str(edition),
            str(FONTS),
        ],
        "weasyprint": [
            str(python),
            "-c",
            WEASYPRINT_CHILD,
            str(edition / "peer.html"),
            str(work / "weasyprint.pdf"),
        ],
    }
    for name, command in commands.items():
        measured = []
        for i in range(runs):
            _progress(f"  {name}, run {i + 1}/{runs}")
            one = measure(command, work / f"{name}.log", memory_limit=PEER_MEMORY_LIMIT)
            measured.append(one)
            if not one.ok:
                break
        row = _median_of(measured)
        pdf = work / f"{name}.pdf"
        if row["ok"] and pdf.exists():
            row["bytes"] = pdf.stat().st_size
            row["pages"] = _pages(pdf)
        results[name] = row
    source = work / "weasyprint.pdf"
    if not gs:
        results["weasyprint+gs"] = {"ok": False, "error": "gs (Ghostscript) is not installed"}
    elif not results["weasyprint"]["ok"]:
        results["weasyprint+gs"] = {"ok": False, "error": "weasyprint failed"}
    else:
        _progress("  ghostscript pass (CMYK, 300 ppi), 1 run")
        command = [
            "gs",
            "-q",
            "-dBATCH",
            "-dNOPAUSE",
            "-dSAFER",
            "-sDEVICE=pdfwrite",
            "-sColorConversionStrategy=CMYK",
            "-dProcessColorModel=/DeviceCMYK",
            "-dDownsampleColorImages=true",
            "-dColorImageResolution=300",
            f"-sOutputFile={work / 'weasyprint-gs.pdf'}",
            str(source),
        ]
        gs_row = _median_of([measure(command, work / "gs.log")])
        if gs_row["ok"]:
            gs_row["gs_wall"] = gs_row["wall"]
            gs_row["wall"] += results["weasyprint"]["wall"]
            gs_row["cpu"] += results["weasyprint"]["cpu"]
            gs_row["rss_mb"] = max(gs_row["rss_mb"], results["weasyprint"]["rss_mb"])
            gs_row["bytes"] = (work / "weasyprint-gs.pdf").stat().st_size
        results["weasyprint+gs"] = gs_row
    return results


def _pages(pdf: Path) -> int | None:
    """Page count, by qpdf in a child (pypdf here would grow this process and its forks)."""
    if not shutil.which("qpdf"):
        return None
    found = subprocess.run(["qpdf", "--show-npages", str(pdf)], capture_output=True, text=True)
    return int(found.stdout) if found.returncode == 0 and found.stdout.strip().isdigit() else None


def bench_qpdf_merge(edition: Path) -> dict[str, Any]:
    """``qpdf --empty --pages`` of cover and appendix: the reference for merging supplied PDFs."""
    inputs = [p for p in (edition / "cover.pdf", edition / "appendix.pdf") if p.exists()]
    if not shutil.which("qpdf") or not inputs:
        return {"ok": False, "error": "qpdf or inputs missing"}
    out = BENCH / "runs" / edition.name / "qpdf-merge.pdf"
    command = ["qpdf", "--empty", "--pages", *map(str, inputs), "--", str(out)]
    row = _median_of([measure(command, out.with_suffix(".log"))])
    out.unlink(missing_ok=True)
    return row


# --- printpipe watch: one paragraph edited while a live proof is open -------------------------


def _get_state(port: int) -> dict[str, Any] | None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/state.json")
        response = connection.getresponse()
        return json.loads(response.read()) if response.status == 200 else None
    except (OSError, ValueError):
        return None
    finally:
        connection.close()


def _wait_state(port: int, done: Callable[[dict[str, Any]], bool], seconds: float) -> dict | None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        state = _get_state(port)
        if state is not None and done(state):
            return state
        time.sleep(0.02)
    return None


def bench_watch(edition: Path, edits: int = 3) -> dict[str, Any]:
    """Seconds from saving a one-paragraph edit to the new proof being served by `watch`.

    The clock starts when the file is written and stops when ``/state.json`` names the new
    build, so it includes the file watcher's debounce and the whole rebuild (proof target).
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONUNBUFFERED": "1"}
    log = BENCH / "runs" / edition.name / "watch.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "printpipe", "watch", str(edition), "--port", "0"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=out, text=True, env=env, cwd=ROOT
        )
    times: list[float] = []
    error = None
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        port = int(first.rsplit(":", 1)[1].strip(" /\n")) if "http://" in first else None
        if port is None:
            return {"ok": False, "error": f"watch did not start: {first.strip()!r}"}
        state = _wait_state(port, lambda s: s["generation"] is not None, 600)
        if state is None:
            return {"ok": False, "error": "the first build did not land (see the log)"}
        for i in range(edits):
            generation = state["generation"]
            undo = _edit_one_paragraph(edition, f" Edit {i} for the watch bench.")
            started = time.perf_counter()
            state = _wait_state(port, lambda s, g=generation: s["generation"] != g, 120)
            took = time.perf_counter() - started
            undo_started = state["generation"] if state else generation
            undo()
            state = _wait_state(port, lambda s, g=undo_started: s["generation"] != g, 120)
            if state is None:
                error = "a rebuild did not land within 120 s"
                break
            times.append(took)
    finally:
        process.terminate()
        process.wait(timeout=60)
    if not times:
        return {"ok": False, "error": error or "no rebuild measured"}
    return {"ok": True, "runs": len(times), "wall": statistics.median(times), "walls": times}


MERGE_PAGES = 2000


def bench_merge(runs: int) -> dict[str, Any]:
    """A 2,000-page appendix: printpipe's assemble stage against ``qpdf --empty --pages``.

    The edition is the 2019 sample with its appendix replaced by the generated 2,000 pages;
    builds are warm (images and the appendix's preflight cached), so the stage time is the
    merge itself.  qpdf concatenates cover and appendix as they are, with no placing.
    """
    folder = BENCH / "merge"
    if not (SAMPLE / "edition.yaml").is_file():
        return {"ok": False, "error": "editions/2019 is missing"}
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(SAMPLE, folder)
    appendix = make_appendix(BENCH / f"appendix-{MERGE_PAGES}-v{APPENDIX_VERSION}.pdf", MERGE_PAGES)
    yaml_path = folder / "edition.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    for name in ("appendix-accounts.pdf", "appendix-accounts-rgb.pdf"):
        (folder / name).unlink(missing_ok=True)
        _link_or_copy(appendix, folder / name)
    yaml_path.write_text(text, encoding="utf-8")
    printpipe_build(folder, ["press"], "merge-warmup", cold=True)
    builds = [printpipe_build(folder, ["press"], "merge", cold=False) for _ in range(runs)]
    merged = _median_of(builds)
    assemble = merged.get("stages", {}).get("assemble") if merged.get("ok") else None
    row: dict[str, Any] = {
        "ok": assemble is not None,
        "wall": assemble,
        "build": merged,
        "error": merged.get("error"),
        "assemble_cpu": statistics.median(
            b.extra["assemble_cpu"] for b in builds if b.ok and b.extra.get("assemble_cpu")
        )
        if any(b.ok and b.extra.get("assemble_cpu") for b in builds)
        else None,
        "assemble_walls": [
            round(b.extra["timings"]["assemble"], 3)
            for b in builds
            if b.ok and "assemble" in b.extra.get("timings", {})
        ],
    }
    if shutil.which("qpdf"):
        out = BENCH / "runs" / "merge" / "qpdf.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        command = ["qpdf", "--empty", "--pages", str(folder / "cover.pdf"), str(appendix), "--"]
        qpdf = [measure([*command, str(out)], out.with_suffix(".log")) for _ in range(runs)]
        row["qpdf"] = _median_of(qpdf)
        out.unlink(missing_ok=True)
    else:
        row["qpdf"] = {"ok": False, "error": "qpdf is not installed"}
    return row


# --- report ------------------------------------------------------------------------------------


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    if not a or not b or not a.get("ok") or not b.get("ok") or not b.get("wall"):
        return None
    return float(a["wall"]) / float(b["wall"])


ROUTES = (
    ("press-cold", "printpipe press, cold"),
    ("press-warm", "printpipe press, warm (no change)"),
    ("press-edit", "printpipe press, 1 paragraph changed"),
    ("screen-cold", "printpipe screen, cold"),
    ("all-cold", "printpipe --target all, cold"),
)


def size_table(name: str, data: dict[str, Any]) -> str:
    """One size: every route with wall, CPU, RSS, output and stage times."""
    head = (
        f"{'route':40} {'wall s':>8} {'cpu s':>8} {'RSS MB':>8} {'tree MB':>8} {'out MB':>8} "
        f"{'pages':>6}  " + " ".join(f"{STAGE_LABELS.get(s, s):>8}" for s in STAGES[:-1])
    )
    lines = [f"== {name}: {data['edition']}", head, "-" * len(head)]

    def row(label: str, r: dict[str, Any] | None) -> None:
        if not r or not r.get("ok"):
            reason = (r or {}).get("error", "not run")
            lines.append(f"{label:40} n/a ({reason})")
            return
        stages = r.get("stages", {})
        out_mb = r["bytes"] / MB if r.get("bytes") else None
        lines.append(
            f"{label:40} {_fmt(r['wall']):>8} {_fmt(r.get('cpu')):>8} "
            f"{_fmt(r.get('rss_mb'), 0):>8} {_fmt(r.get('rss_tree_mb'), 0):>8} "
            f"{_fmt(out_mb, 1):>8} {r.get('pages') or '':>6}  "
            + " ".join(f"{_fmt(stages.get(s)) if stages else '':>8}" for s in STAGES[:-1])
        )

    for key, label in ROUTES:
        row(label, data["printpipe"].get(key))
    floor = data.get("floor", {})
    row("floor: decode+resample+write (RGB)", floor.get("rgb"))
    row("floor: decode+resample+CMYK+write", floor.get("cmyk"))
    for key, label in (
        ("typst", "typst (RGB, photos untouched)"),
        ("weasyprint", "weasyprint (RGB, photos untouched)"),
        ("weasyprint+gs", "weasyprint + gs (CMYK, 300 ppi)"),
    ):
        if key in data.get("peers", {}):
            row(label, data["peers"][key])
    if data.get("qpdf_merge"):
        row("qpdf --empty --pages cover+appendix", data["qpdf_merge"])
    return "\n".join(lines)


RATIOS = (
    ("press cold / (weasyprint+gs)", "press-cold", "weasyprint+gs", "<= 0.10"),
    ("press cold / floor (CMYK)", "press-cold", "floor-cmyk", "<= 1.5"),
    ("press cold / floor (RGB)", "press-cold", "floor-rgb", ""),
    ("press warm / weasyprint", "press-warm", "weasyprint", "< 1.0"),
    ("press 1 para / weasyprint", "press-edit", "weasyprint", "< 1.0"),
    ("screen cold / weasyprint", "screen-cold", "weasyprint", "< 1.0"),
    ("screen cold / typst", "screen-cold", "typst", "<= 0.5"),
    ("press cold / typst", "press-cold", "typst", ""),
)


def _lookup(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    if key.startswith("floor-"):
        return data.get("floor", {}).get(key.removeprefix("floor-"))
    found = data.get("printpipe", {}).get(key) or data.get("peers", {}).get(key)
    return found if isinstance(found, dict) else None


def summary_table(results: dict[str, Any]) -> str:
    """Sizes across, measurements and ratios down."""
    sizes = list(results)
    lines = [f"{'measurement':36} " + " ".join(f"{s:>10}" for s in sizes) + "  target"]
    lines.append("-" * len(lines[0]))
    for key, label in ROUTES:
        for field_name, unit in (("wall", "s"), ("rss_mb", "MB")):
            cells = []
            for s in sizes:
                r = results[s]["printpipe"].get(key)
                cells.append(
                    _fmt(r.get(field_name), 1 if unit == "s" else 0) if r and r.get("ok") else "n/a"
                )
            lines.append(f"{label[10:] + ' ' + unit:36} " + " ".join(f"{c:>10}" for c in cells))
    for label, a, b, target in RATIOS:
        cells = [_fmt(_ratio(_lookup(results[s], a), _lookup(results[s], b))) for s in sizes]
        lines.append(f"{label:36} " + " ".join(f"{c:>10}" for c in cells) + f"  {target}")
    if "M" in results and "L" in results:
        m, big = results["M"]["printpipe"], results["L"]["printpipe"]
        time_ratio = _ratio(big.get("press-cold"), m.get("press-cold"))
        pm, pl = m.get("press-cold", {}).get("pages"), big.get("press-cold", {}).get("pages")
        page_ratio = pl / pm if pm and pl else None
        lines.append(
            f"{'L/M press cold time vs pages':36} {_fmt(time_ratio):>10} {_fmt(page_ratio):>10}"
            "  time ratio <= 1.2 x page ratio"
        )
    return "\n".join(lines)


# --- goals (issue 15): each one measured in this run, with pass or miss -------------------------

MEMORY_SIZES = ("L", "LW", "2L")  # the flat-memory goal: warm peaks shown too


def _wall(row: dict[str, Any] | None) -> float | None:
    return float(row["wall"]) if row and row.get("ok") and row.get("wall") is not None else None


def _check(value: float | None, op: str, limit: float) -> str:
    if value is None:
        return "n/a"
    return "pass" if (value < limit if op == "<" else value <= limit) else "MISS"


def goals(results: dict[str, Any], extra: dict[str, Any]) -> list[dict[str, Any]]:
    """Every performance goal with its measured value, its target and pass/miss."""
    rows: list[dict[str, Any]] = []

    def add(goal: str, value: float | None, op: str, limit: float, unit: str = "x") -> None:
        rows.append(
            {
                "goal": goal,
                "value": value,
                "target": f"{op} {limit:g}{'' if unit == 'x' else ' ' + unit}",
                "unit": unit,
                "result": _check(value, op, limit),
            }
        )

    for size, data in results.items():
        pp, peers = data.get("printpipe", {}), data.get("peers", {})
        press = pp.get("press-cold")
        if peers:
            add(
                f"{size}: screen cold / WeasyPrint",
                _ratio(pp.get("screen-cold"), peers.get("weasyprint")),
                "<",
                1.0,
            )
            add(
                f"{size}: press, 1 paragraph changed / WeasyPrint",
                _ratio(pp.get("press-edit"), peers.get("weasyprint")),
                "<=",
                0.5,
            )
        if "all-cold" in pp:
            add(f"{size}: --target all / press cold", _ratio(pp.get("all-cold"), press), "<", 1.6)
        for key, when in (("press-cold", "cold"), ("press-warm", "warm")):
            run = pp.get(key)
            if key == "press-warm" and size not in MEMORY_SIZES:
                continue
            rss = run.get("rss_tree_mb") if run and run.get("ok") else None
            add(f"{size}: press {when} peak RSS, process tree", rss, "<", 600, "MB")
    merge = extra.get("merge")
    if merge:
        add(
            f"{MERGE_PAGES:,}-page appendix: assemble / qpdf --pages",
            _ratio(merge, merge.get("qpdf")),
            "<=",
            1.0,
        )
        qpdf_cpu = (merge.get("qpdf") or {}).get("cpu")
        add(
            f"{MERGE_PAGES:,}-page appendix, CPU time: assemble / qpdf",
            merge["assemble_cpu"] / qpdf_cpu if merge.get("assemble_cpu") and qpdf_cpu else None,
            "<=",
            1.0,
        )
    watch = extra.get("watch")
    if watch:
        add("watch: 2019 sample, 1 paragraph edited", _wall(watch), "<", 3.0, "s")
    return rows


def merge_line(merge: dict[str, Any]) -> str:
    """The merge's stage time against qpdf's, with both CPU times and the machine's load."""
    qpdf = merge.get("qpdf") or {}
    walls = merge.get("assemble_walls") or []
    return (
        f"merge, {MERGE_PAGES:,}-page appendix: assemble stage {_fmt(merge.get('wall'), 3)} s "
        f"(median{', runs ' + str(walls) if walls else ''}), "
        f"{_fmt(merge.get('assemble_cpu'), 3)} s CPU; qpdf --empty --pages "
        f"{_fmt(qpdf.get('wall'), 3)} s wall, {_fmt(qpdf.get('cpu'), 3)} s CPU; "
        f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )


def goals_table(rows: list[dict[str, Any]]) -> str:
    """The goals as text: measured value, target, pass / MISS / n/a."""
    lines = [f"{'goal':52} {'measured':>10} {'target':>10}  result", "-" * 84]
    for row in rows:
        unit = "" if row["unit"] == "x" else f" {row['unit']}"
        digits = 0 if row["unit"] == "MB" else 2
        measured = _fmt(row["value"], digits) + unit if row["value"] is not None else "n/a"
        lines.append(f"{row['goal']:52} {measured:>10} {row['target']:>10}  {row['result']}")
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import importlib.metadata as metadata

    versions = {}
    for name in ("printpipe", "reportlab", "pypdf", "pillow"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "n/a"
    gs = shutil.which("gs")
    if gs:
        versions["ghostscript"] = subprocess.run(
            [gs, "--version"], capture_output=True, text=True
        ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "versions": versions,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help="comma-separated: S, M, L; LW (L, every photo full-width) and 2L (twice L) measure "
        "press memory only",
    )
    parser.add_argument("--quick", action="store_true", help="S and M only")
    parser.add_argument("--runs", type=int, help="runs per measurement (default 3 S/M, 1 L)")
    parser.add_argument("--no-peers", action="store_true", help="skip Typst/WeasyPrint/gs")
    parser.add_argument("--no-gs", action="store_true", help="skip the Ghostscript pass")
    parser.add_argument("--profile", default="M", help="size to cProfile (press, cold); '' = none")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    parser.add_argument("--no-watch", action="store_true", help="skip the `watch` rebuild")
    parser.add_argument("--no-merge", action="store_true", help="skip the 2,000-page merge")
    parser.add_argument(
        "--merge-only",
        action="store_true",
        help="only the 2,000-page merge against qpdf (no sizes, peers or watch; about a minute)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0 whatever happened (the bench never fails)."""
    args = parse_args(argv)
    sizes = ["S", "M"] if args.quick else [s.strip().upper() for s in args.sizes.split(",") if s]
    if args.merge_only:
        sizes, args.no_watch, args.no_merge = [], True, False
    sizes = [s for s in SIZES if s in sizes]
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    BENCH.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {}
    peers_python: Path | None = None
    peers_note = "skipped (--no-peers)"
    peer_versions: dict[str, str] = {}
    if not args.no_peers and any(SIZES[s].peers for s in sizes):
        _progress("preparing the peers' virtualenv (typst, weasyprint) ...")
        peers_python, peer_versions, peers_note = ensure_peers_venv(
            BENCH / "peers-venv", BENCH / "peers-venv.log"
        )
    gs = bool(shutil.which("gs")) and not args.no_gs
    for name in sizes:
        spec = SIZES[name]
        runs = args.runs or spec.runs
        folder = BENCH / name
        _progress(f"[{name}] writing the edition into {_rel(folder)} ...")
        try:
            _, description = write_edition(spec, folder)
        except Exception as exc:  # a broken generator is reported, not raised
            results[name] = {"edition": f"n/a ({type(exc).__name__}: {exc})", "printpipe": {}}
            continue
        data: dict[str, Any] = {"edition": description, "runs": runs}
        data["printpipe"] = bench_printpipe(folder, runs, spec.memory_only)
        press = data["printpipe"]["press-cold"]
        if press.get("ok"):
            data["edition"] += f"; press PDF {press['pages']:.0f} pages"
            data["edition"] += f", {press['bytes'] / MB:.0f} MB" if press.get("bytes") else ""
        if not spec.memory_only:
            _progress(f"  floor, {runs} run(s)")
            data["floor"] = bench_floor(folder, int(press.get("bytes") or 0), runs)
        if spec.peers:
            if peers_python:
                data["peers"] = bench_peers(folder, peers_python, runs, gs)
            else:
                data["peers"] = {
                    k: {"ok": False, "error": peers_note}
                    for k in ("typst", "weasyprint", "weasyprint+gs")
                }
        if spec.appendix_pages and not spec.memory_only:
            data["qpdf_merge"] = bench_qpdf_merge(folder)
        if name in TYPOGRAPHY_SIZES:
            _progress("  typography report of the press file")
            data["typography"] = bench_typography(folder)
        if args.profile.upper() == name:
            _progress("  cProfile of one cold press build")
            profiled = printpipe_build(folder, ["press"], "profile", cold=True, profile=15)
            data["profile"] = profiled.extra.get("profile", profiled.error)
        results[name] = data
        line = typography_line(data)
        print("\n" + size_table(name, data) + ("\n" + line if line else "") + "\n", flush=True)
    extra: dict[str, Any] = {}
    if not args.no_watch:
        _progress("[watch] one paragraph of the 2019 sample edited under `printpipe watch`")
        sample = BENCH / "S"
        if not (sample / "edition.yaml").is_file():
            write_edition(SIZES["S"], sample)
        extra["watch"] = bench_watch(sample)
    if not args.no_merge:
        _progress(f"[merge] a {MERGE_PAGES:,}-page appendix, printpipe against qpdf")
        extra["merge"] = bench_merge(args.runs or 3)
    goal_rows = goals(results, extra)
    elapsed = time.perf_counter() - started
    if results:
        print(summary_table(results))
    if extra.get("merge"):
        print("\n" + merge_line(extra["merge"]))
    print("\nGoals (issue 15), measured in this run:")
    print(goals_table(goal_rows))
    for name, data in results.items():
        line = typography_line(data)
        if line:
            print(f"{name} {line}")
    for name, data in results.items():
        if data.get("profile"):
            print(f"\ncProfile, {name} press cold (main process; image workers not shown):")
            print(data["profile"])
    document = {
        "machine": machine(),
        "peers": {"versions": peer_versions, "note": peers_note},
        "sizes": results,
        "watch": extra.get("watch"),
        "merge": extra.get("merge"),
        "goals": goal_rows,
        "conditions": {"load_average": os.getloadavg()},
        "bench_seconds": elapsed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    print(f"\nwrote {_rel(args.json)} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the bench never fails the suite; say what broke
        print(f"bench: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(0)
