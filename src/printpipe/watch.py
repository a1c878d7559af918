"""`printpipe watch`: rebuild on every saved change and show the result as a live proof.

The edition is built once, then again whenever one of its inputs changes (the loader knows
them all: edition.yaml, sections, photos, supplied PDFs, layouts, fonts, profiles).  Rebuilds
run in this process, so everything cached survives between them: prepared images and supplied
files' preflight reports on disk, registered fonts in memory.

The proof page is served by the standard library's HTTP server on 127.0.0.1 only, never
another interface.  It serves a fixed set of routes (the page, its script and style, the
state as JSON, rendered pages by number); no request path is ever mapped to a file, so
``/../../etc/passwd`` is simply not found.  Requests naming another host are refused too (a
web page elsewhere cannot reach the server through DNS rebinding).

A failed rebuild keeps the last good proof on screen under its errors.  Ctrl-C (or SIGTERM)
stops the watcher and the server and removes the private work folder.
"""

from __future__ import annotations

import errno
import json
import logging
import queue
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import watchfiles

from printpipe.compose import shared_paragraphs
from printpipe.errors import MissingInputError, PrintpipeError, UsageError
from printpipe.load import display_path
from printpipe.pipeline import BuildOptions, BuildResult, build
from printpipe.project import build_home, find_project
from printpipe.proof import PageRenderer, spread_pairs

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # loopback only: a proof of unpublished text is nobody else's business
DEBOUNCE_MS = 100  # editors write a file in several steps; wait this long for quiet
STATIC = {  # route -> (package file, content type); the only files the server reads
    "/": ("index.html", "text/html; charset=utf-8"),
    "/watch.js": ("watch.js", "text/javascript; charset=utf-8"),
    "/watch.css": ("watch.css", "text/css; charset=utf-8"),
}
PAGE_ROUTE = re.compile(r"/page/(\d{1,9})/(\d{1,6})\.png")
PAGE_IN_MESSAGE = re.compile(r"\bpage (\d{1,6})\b")
SHEET_IN_MESSAGE = re.compile(r"\bsheet (\d{1,6})\b")  # "page 9 (sheet 12)": the PDF page

Announce = Callable[[str], None]


@dataclass
class Generation:
    """One good build: its PDF (kept open for rendering) and what the page shows of it."""

    number: int
    folder: Path
    renderer: PageRenderer
    pages: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    took: float


@dataclass
class State:
    """What the browser polls: the last good build and the outcome of the latest attempt."""

    good: Generation | None = None
    attempt: int = 0  # rebuilds tried, successful or not
    ok: bool = False
    building: bool = False
    errors: list[str] = field(default_factory=list)
    took: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_json(self) -> bytes:
        with self.lock:
            good = self.good
            data = {
                "attempt": self.attempt,
                "ok": self.ok,
                "building": self.building,
                "errors": self.errors,
                "took": round(self.took, 3),
                "generation": good.number if good else None,
                "pages": good.pages if good else [],
                "spreads": spread_pairs(len(good.pages)) if good else [],
                "findings": good.findings if good else [],
            }
        return json.dumps(data).encode()


def _finding(
    severity: str, message: str, where: str | None, hint: str | None, pages: Iterable[int]
) -> dict[str, Any]:
    return {
        "severity": severity,
        "message": message,
        "where": where,
        "hint": hint,
        "pages": sorted(set(pages)),
    }


def findings_of(result: BuildResult, page_count: int) -> list[dict[str, Any]]:
    """The build's warnings and the output preflight's findings, each with its pages.

    Preflight findings know their pages (their ppi check repeats the build's resolution
    warning, which names the file, so it is left out); a diagnostic is pinned to the PDF page
    its message names ("on page 9 (sheet 12)": sheet 12; "on page 12": page 12), or shown
    unpinned.
    """
    found: list[dict[str, Any]] = []
    for diagnostic in dict.fromkeys(result.warnings):
        sheets = SHEET_IN_MESSAGE.findall(diagnostic.message)
        pages = [int(n) for n in sheets or PAGE_IN_MESSAGE.findall(diagnostic.message)]
        where = str(diagnostic.location) if diagnostic.location else None
        found.append(
            _finding(
                diagnostic.severity,
                diagnostic.message,
                where,
                diagnostic.hint,
                (p for p in pages if 1 <= p <= page_count),
            )
        )
    seen = {item["message"] for item in found}
    for target in result.results:
        for finding in target.report.findings:
            if finding.severity not in ("error", "warning") or finding.message in seen:
                continue
            if finding.check == "images.ppi":  # the build's own message names file and page
                continue
            on_pages = finding.pages or ((finding.page,) if finding.page else ())
            found.append(
                _finding(
                    finding.severity, finding.message, target.report.path, finding.hint, on_pages
                )
            )
    return found


def _pages(renderer: PageRenderer, safe_pt: float) -> list[dict[str, Any]]:
    pages = []
    for index in range(renderer.pages):
        boxes = renderer.boxes(index)
        x0, y0, x1, y1 = boxes.trim
        safe = (x0 + safe_pt, y0 + safe_pt, x1 - safe_pt, y1 - safe_pt)
        pages.append(
            {
                "number": index + 1,
                "media": boxes.media,
                "trim": boxes.trim,
                "bleed": boxes.bleed,
                "safe": safe,
            }
        )
    return pages


class Session:
    """The watcher's state between rebuilds: the work folder, the state the browser polls."""

    def __init__(self, edition: Path, target: str, dpi: int, announce: Announce) -> None:
        self.edition = edition
        self.target = target
        self.dpi = dpi
        self.announce = announce
        self.state = State()
        self.work = Path(tempfile.mkdtemp(prefix="printpipe-watch-"))
        self.inputs: set[Path] = set()
        # An edition outside any project keeps build/ (and the image cache) in its own folder:
        # the build's own writes there are not edits.
        root = edition.resolve()
        build_dir = (build_home(root) / "build").resolve()
        self.ignored = build_dir if build_dir.is_relative_to(root) else None
        self._render_lock = threading.Lock()

    # --- building ------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Build once; on success show the new proof, on failure its errors over the old one."""
        with self.state.lock:
            self.state.attempt += 1
            self.state.building = True
            number = self.state.attempt
        folder = self.work / f"build-{number}"
        started = time.perf_counter()
        options = BuildOptions(targets=(self.target,), out_dir=folder, proof_stamp=False)
        try:
            result = build(self.edition, options)
            renderer = PageRenderer(result.results[0].path)
            safe_pt = result.edition.layout.page.safe_mm / 25.4 * 72
            pages = _pages(renderer, safe_pt)
        except PrintpipeError as error:
            self._failed(folder, started, error.render())
            return
        except Exception as error:  # a bug: say so on the page, keep watching
            log.debug("rebuild failed", exc_info=True)
            self._failed(folder, started, f"internal error: {type(error).__name__}: {error}")
            return
        took = time.perf_counter() - started
        self.inputs = {Path(p) for p in result.edition.inputs}
        generation = Generation(
            number, folder, renderer, pages, findings_of(result, len(pages)), took
        )
        with self.state.lock:
            previous = self.state.good
            self.state.good = generation
            self.state.ok, self.state.building, self.state.took = True, False, took
            self.state.errors = []
        if previous is not None:
            with self._render_lock:
                previous.renderer.close()
            shutil.rmtree(previous.folder, ignore_errors=True)
        for diagnostic in dict.fromkeys(result.warnings):
            self.announce(diagnostic.render())
        self.announce(f"built {len(pages)} pages in {took:.1f} s")

    def _failed(self, folder: Path, started: float, errors: str) -> None:
        took = time.perf_counter() - started
        shutil.rmtree(folder, ignore_errors=True)
        with self.state.lock:
            self.state.ok, self.state.building, self.state.took = False, False, took
            self.state.errors = [errors]
        self.announce(f"rebuild failed ({took:.1f} s); the page keeps the last good proof:")
        self.announce(errors)

    def relevant(self, changes: set[tuple[watchfiles.Change, str]]) -> bool:
        """A change to a known input, or anything in the edition folder (a new section)."""
        root = self.edition.resolve()
        for _, name in changes:
            path = Path(name)
            if self.ignored is not None and path.is_relative_to(self.ignored):
                continue
            if path in self.inputs or path.resolve() in self.inputs or path.is_relative_to(root):
                return True
        return False

    # --- serving -------------------------------------------------------------------------

    def page_png(self, number: int, page: int) -> bytes | None:
        """Page ``page`` (1-based) of generation ``number`` if it is still the one shown."""
        with self.state.lock:
            good = self.state.good
        if good is None or good.number != number or not 1 <= page <= len(good.pages):
            return None
        cached = good.folder / "pages" / f"{page}.png"
        with self._render_lock:
            if self.state.good is not good:
                return None
            if cached.is_file():
                return cached.read_bytes()
            data = good.renderer.png(page - 1, self.dpi)
            cached.parent.mkdir(exist_ok=True)
            cached.write_bytes(data)
            return data

    def close(self) -> None:
        with self.state.lock:
            good, self.state.good = self.state.good, None
        if good is not None:
            with self._render_lock:
                good.renderer.close()
        shutil.rmtree(self.work, ignore_errors=True)


def _handler(session: Session, port_of: Callable[[], int]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "printpipe-watch"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http: " + format, *args)

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _refuse(self, status: HTTPStatus) -> None:
            self._send(status, f"{status.value} {status.phrase}\n".encode(), "text/plain")

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").lower()
            if host not in (f"127.0.0.1:{port_of()}", f"localhost:{port_of()}"):
                self._refuse(HTTPStatus.FORBIDDEN)
                return
            path = unquote(urlsplit(self.path).path)
            if path in STATIC:
                name, content_type = STATIC[path]
                page = resources.files("printpipe").joinpath("watch_page", name)
                self._send(HTTPStatus.OK, page.read_bytes(), content_type)
                return
            if path == "/state.json":
                self._send(HTTPStatus.OK, session.state.as_json(), "application/json")
                return
            match = PAGE_ROUTE.fullmatch(path)
            data = session.page_png(int(match[1]), int(match[2])) if match else None
            if data is None:
                self._refuse(HTTPStatus.NOT_FOUND)
                return
            self._send(HTTPStatus.OK, data, "image/png")

    return Handler


def serve(session: Session, port: int) -> ThreadingHTTPServer:
    """Start the proof server on 127.0.0.1:``port`` (0: any free port) in a daemon thread."""
    bound: list[int] = []
    try:
        server = ThreadingHTTPServer((HOST, port), _handler(session, lambda: bound[0]))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {HOST} is in use", hint="choose another with --port N"
            ) from None
        raise
    server.daemon_threads = True
    bound.append(server.server_address[1])
    threading.Thread(target=server.serve_forever, name="printpipe-watch", daemon=True).start()
    return server


class _Watcher:
    """watchfiles in a thread of its own, feeding a queue.

    It starts before the first build and runs until Ctrl-C, so a change saved while a
    rebuild runs waits in the queue instead of being missed, and the main thread stays free
    to take Ctrl-C.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self.changes: queue.Queue[set[tuple[watchfiles.Change, str]]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sorted(roots),), name="printpipe-watchfiles", daemon=True
        )
        self._thread.start()

    def _run(self, roots: list[Path]) -> None:
        for changes in watchfiles.watch(
            *roots, debounce=DEBOUNCE_MS, step=50, stop_event=self._stop, raise_interrupt=False
        ):
            self.changes.put(changes)

    def next_batch(self, timeout: float) -> set[tuple[watchfiles.Change, str]]:
        """Every change queued so far (waiting up to ``timeout`` for the first)."""
        try:
            batch = set(self.changes.get(timeout=timeout))
        except queue.Empty:
            return set()
        while True:
            try:
                batch |= self.changes.get_nowait()
            except queue.Empty:
                return batch

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def watched_folders(edition: Path) -> list[Path]:
    """Every folder an input can be in: the edition's, and each ``layouts/`` and ``assets/``.

    The loader refuses inputs anywhere else, so these few folders (watched recursively) see
    every change, including a layout that starts to extend another file or a new section.
    """
    root = edition.resolve()
    try:
        project = find_project(root)
        candidates = [root, *project.layout_dirs(), *project.asset_dirs()]
    except PrintpipeError:
        candidates = [root]
    folders = list(dict.fromkeys(f.resolve() for f in candidates if f.is_dir()))
    return [f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders)]


def watch(edition: Path, target: str, port: int, dpi: int, announce: Announce) -> None:
    """Build, serve the proof, rebuild on change until Ctrl-C."""
    if not edition.exists():
        raise MissingInputError(
            f"no such edition: {display_path(edition)}", hint="give a folder with edition.yaml"
        )
    session = Session(edition, target, dpi, announce)
    server: ThreadingHTTPServer | None = None
    watcher: _Watcher | None = None
    try:
        server = serve(session, port)
        announce(f"proof of {display_path(edition)} at http://{HOST}:{server.server_address[1]}/")
        watcher = _Watcher(watched_folders(edition))  # before the first build: no edit lost
        with shared_paragraphs():  # a rebuild sets only the paragraphs that changed
            session.rebuild()
            while True:
                batch = watcher.next_batch(timeout=0.25)
                if batch and session.relevant(batch):
                    session.rebuild()
    except KeyboardInterrupt:
        announce("stopped")
    finally:
        if watcher is not None:
            watcher.close()
        if server is not None:
            server.shutdown()
            server.server_close()
        session.close()
