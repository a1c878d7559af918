"""The command line: thin Click commands over :mod:`printpipe.pipeline`.

This is the one place that turns a :class:`~printpipe.errors.PrintpipeError` into text on
stderr and an exit code; no command ever shows a traceback for a user mistake.  An unexpected
exception is an internal error (exit 1) with a short message and a request to report it
(``-v -v`` shows the traceback for that report).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from printpipe import __version__
from printpipe.errors import (
    Diagnostic,
    ExitCode,
    PrintpipeError,
    count_summary,
    render_grouped,
)
from printpipe.targets import TARGET_NAMES

log = logging.getLogger("printpipe")
F = TypeVar("F", bound=Callable[..., Any])


def _setup_logging(verbose: int, quiet: int) -> None:
    level = logging.WARNING + 10 * (quiet - verbose)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("printpipe")
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, min(level, logging.CRITICAL)))
    # Libraries speak through printpipe's messages; their own chatter only with -vv.
    for library in ("pypdf", "PIL", "fontTools"):
        quiet_library = logging.getLogger(library)
        quiet_library.handlers[:] = [handler] if verbose >= 2 else [logging.NullHandler()]
        quiet_library.propagate = False


def _echo_diagnostics(diagnostics: list[Diagnostic]) -> None:
    """Print each distinct diagnostic once, grouped with one hint per kind (-q: errors only)."""
    shown = [d for d in diagnostics if d.is_error or log.isEnabledFor(logging.WARNING)]
    if shown:
        click.echo(render_grouped(shown), err=True)


def handle_errors(command: F) -> F:
    """Run ``command``; map printpipe errors and interrupts to their exit codes."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PrintpipeError as error:
            click.echo(error.render(), err=True)
            sys.exit(int(error.exit_code))
        except KeyboardInterrupt:
            click.echo("interrupted; earlier outputs were left as they were", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as error:  # the one place an unexpected failure is caught
            if log.isEnabledFor(logging.DEBUG):
                raise
            click.echo(
                f"internal error: {type(error).__name__}: {error}\n"
                "    hint: this is a bug in printpipe; run again with -vv and report the output",
                err=True,
            )
            sys.exit(int(ExitCode.INTERNAL))

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="printpipe")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("-q", "--quiet", count=True, help="Less on stderr (-q hides warnings).")
def main(verbose: int, quiet: int) -> None:
    """Turn an edition (report content) and a layout (house style) into print-ready PDFs."""
    _setup_logging(verbose, quiet)
    # A plain `kill` stops a build like Ctrl-C: temporaries removed, earlier outputs kept.
    previous = signal.signal(signal.SIGTERM, _terminated)
    click.get_current_context().call_on_close(lambda: signal.signal(signal.SIGTERM, previous))


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


EDITION = click.argument(
    "edition", type=click.Path(exists=False, file_okay=True, dir_okay=True, path_type=Path)
)


def _use_project(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Make ``--project DIR`` the ``PRINTPIPE_PROJECT`` of this command, and only of it."""
    import os

    from printpipe.project import PROJECT_ENV

    if value is None:
        return
    saved = os.environ.get(PROJECT_ENV)
    os.environ[PROJECT_ENV] = value

    def restore() -> None:
        if saved is None:
            os.environ.pop(PROJECT_ENV, None)
        else:
            os.environ[PROJECT_ENV] = saved

    ctx.call_on_close(restore)


PROJECT = click.option(
    "--project",
    metavar="DIR",
    expose_value=False,
    callback=_use_project,
    help="A project folder (layouts/, assets/) to look in after the edition's own "
    "[env: PRINTPIPE_PROJECT].",
)


def _targets_option(help_text: str) -> Callable[[F], F]:
    """``--target/-t``, repeatable, with 'all': the same choice for build and check."""
    return click.option(
        "--target",
        "-t",
        "targets",
        multiple=True,
        type=click.Choice([*TARGET_NAMES, "all"]),
        default=("press",),
        show_default=True,
        help=help_text,
    )


@main.command()
@EDITION
@_targets_option("What to build; repeat or use 'all'.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--marks/--no-marks", default=None, help="Crop and registration marks (press).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Image worker processes.")
@PROJECT
@handle_errors
def build(
    edition: Path,
    targets: tuple[str, ...],
    out: Path | None,
    strict: bool,
    marks: bool | None,
    jobs: int | None,
) -> None:
    """Build EDITION (a folder with edition.yaml) for one or more targets."""
    from printpipe.load import display_path
    from printpipe.pipeline import STAGES_PER_TARGET, BuildOptions
    from printpipe.pipeline import build as run_build

    chosen = TARGET_NAMES if "all" in targets else tuple(dict.fromkeys(targets))
    options = BuildOptions(targets=chosen, out_dir=out, strict=strict, marks=marks, workers=jobs)
    if (
        sys.stderr.isatty()
        and log.isEnabledFor(logging.WARNING)
        and not log.isEnabledFor(logging.INFO)
    ):
        steps = 1 + len(chosen) * STAGES_PER_TARGET
        with click.progressbar(length=steps, label="building", file=sys.stderr) as bar:

            def advance(stage: str) -> None:
                bar.label = f"{stage:<18}"
                bar.update(1)

            result = run_build(edition, replace(options, progress=advance))
    else:
        result = run_build(edition, options)
    _echo_diagnostics(result.warnings)
    for line in result.placements:
        click.echo(f"supplied: {line}")
    for target in result.results:
        click.echo(f"{target.target}: {display_path(target.path)} ({target.pages} pages)")
    click.echo(f"ok: {count_summary(result.warnings)}")


@main.command()
@EDITION
@_targets_option("The targets a build would make; repeat or use 'all'.")
@PROJECT
@handle_errors
def check(edition: Path, targets: tuple[str, ...]) -> None:
    """Validate EDITION without building: the build's findings and exit codes, much faster."""
    from printpipe.pipeline import check_edition

    chosen = TARGET_NAMES if "all" in targets else tuple(dict.fromkeys(targets))
    loaded, warnings = check_edition(edition, chosen)
    _echo_diagnostics(warnings)
    click.echo(
        f"{loaded.label}: ok: {count_summary(warnings)} "
        f"({len(loaded.parts)} parts, layout {loaded.layout.name})"
    )


@main.command()
@click.argument("which", required=False, type=click.Choice(["edition", "layout"]))
@handle_errors
def schema(which: str | None) -> None:
    """Print the JSON Schema of edition.yaml and layout files (or of one of them).

    schemas/edition.schema.json and schemas/layout.schema.json are these, for editors.
    """
    import json

    from printpipe.schema import schemas_json

    both = schemas_json()
    click.echo(json.dumps(json.loads(both)[which], indent=2) if which else both)


@main.command(name="preflight")
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--target",
    "profile",
    default="press",
    show_default=True,
    help="Profile: press, screen, archive, supplied-press, any.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--password", help="Password of an encrypted PDF.")
@handle_errors
def preflight_command(pdf: Path, profile: str, as_json: bool, password: str | None) -> None:
    """Check any PDF against a target's rules; exit 7 if it fails."""
    from printpipe.errors import MissingInputError, UsageError
    from printpipe.preflight import PROFILES, preflight

    if profile not in PROFILES:
        raise UsageError(f"unknown profile '{profile}'", hint=f"use one of: {', '.join(PROFILES)}")
    if not pdf.is_file():
        raise MissingInputError(f"no such file: {pdf}", hint="check the path")
    report = preflight(pdf, profile, password=password, label=str(pdf))
    click.echo(report.to_json() if as_json else report.render_text())
    if not report.ok:
        sys.exit(int(ExitCode.PREFLIGHT_FAILED))


@main.command(name="proof")
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for the output files."
)
@click.option(
    "--dpi", type=click.IntRange(10, 600), default=50, show_default=True, help="Render resolution."
)
@click.option(
    "--report",
    "typography",
    is_flag=True,
    help="Print the typography report (word spacing, hyphens, kerning, grid, fill) instead.",
)
@click.option("--json", "as_json", is_flag=True, help="The typography report as JSON.")
@PROJECT
@handle_errors
def proof_command(
    source: Path, out: Path | None, dpi: int, typography: bool, as_json: bool
) -> None:
    """PNG spreads and a contact sheet of EDITION (built as a proof first) or of any FILE.pdf.

    With --report (or --json), measure the typography of the body pages instead: of FILE.pdf,
    or of EDITION's press file, built first (the body is composed as in every target).
    """
    from printpipe.pipeline import BuildOptions
    from printpipe.pipeline import build as run_build

    is_pdf = source.suffix.lower() == ".pdf" and not source.is_dir()
    if typography or as_json:
        _typography_report(source, out, is_pdf, as_json)
        return
    from printpipe.proof import render_proofs

    if is_pdf:
        pdf = source
    else:
        result = run_build(source, BuildOptions(targets=("proof",), out_dir=out))
        _echo_diagnostics(result.warnings)
        pdf = result.results[0].path
        click.echo(f"proof: {pdf} ({result.results[0].pages} pages)")
    proofs = render_proofs(pdf, out or pdf.parent, dpi=dpi)
    columns, rows = proofs.grid
    click.echo(f"spreads: {len(proofs.spreads)} PNG files in {proofs.contact_sheet.parent}")
    click.echo(f"contact sheet: {proofs.contact_sheet} ({proofs.pages} pages, {columns}x{rows})")


def _typography_report(source: Path, out: Path | None, is_pdf: bool, as_json: bool) -> None:
    """Measure FILE.pdf, or EDITION's press file after building it; table or JSON on stdout."""
    import json

    from printpipe.pipeline import BuildOptions
    from printpipe.pipeline import build as run_build
    from printpipe.project import DEFAULTS, explicit_project, find_project, nearest_project
    from printpipe.typography import Geometry, format_report, layout_fonts, measure

    if is_pdf:
        # the fonts of the project around the file (or the current folder), then the defaults
        roots = [nearest_project(source.parent), nearest_project(Path.cwd()), explicit_project()]
        folders = [root / "assets" for root in roots if root is not None] + [DEFAULTS / "assets"]
        fonts = [folder / "fonts" for folder in folders if (folder / "fonts").is_dir()]
        report = measure(source, None, fonts)
    else:
        result = run_build(source, BuildOptions(targets=("press",), out_dir=out))
        _echo_diagnostics(result.warnings)
        pdf = result.results[0].path
        click.echo(f"press: {pdf} ({result.results[0].pages} pages)", err=True)
        layout = result.edition.layout
        assets = [folder / "fonts" for folder in find_project(result.edition.root).asset_dirs()]
        fonts = [*layout_fonts(layout), *(folder for folder in assets if folder.is_dir())]
        report = measure(pdf, Geometry.from_layout(layout), fonts)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report(report))


@main.command(name="verify")
@EDITION
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Manifest to compare with (default: build/<edition>/manifest.json).",
)
@PROJECT
@handle_errors
def verify_command(edition: Path, manifest: Path | None) -> None:
    """Rebuild EDITION and compare it with its manifest; exit 9 naming what differs."""
    from printpipe.load import display_path
    from printpipe.verify import verify

    report = verify(edition, manifest)
    for change in report.tool_changes:
        log.warning("note: tool version changed since the build: %s", change)
    click.echo(
        f"{report.edition}: matches {display_path(report.manifest)} "
        f"(inputs unchanged, {len(report.outputs)} output(s) rebuilt byte for byte)"
    )


@main.command(name="new")
@EDITION
@click.option(
    "--from",
    "previous",
    required=True,
    type=click.Path(path_type=Path),
    help="Last year's edition to copy the structure from.",
)
@click.option(
    "--year",
    type=click.IntRange(1900, 2999),
    help="The new edition's year (default: the folder name if it is a year, else last year + 1).",
)
@PROJECT
@handle_errors
def new_command(edition: Path, previous: Path, year: int | None) -> None:
    """Make EDITION from PREVIOUS: same structure, placeholders for new text.

    checklist.yaml lists every text and file carried over; `check` shows them until confirmed.
    """
    from printpipe.load import display_path
    from printpipe.newedition import CHECKLIST, new_edition

    report = new_edition(edition, previous, year)
    _echo_diagnostics([*report.placeholders, *report.carried_over])
    target = display_path(report.target)
    click.echo(
        f"{target}: edition for {report.year} (year from {report.year_from}); "
        f"{len(report.files)} files, {len(report.placeholders)} placeholders to fill, "
        f"{len(report.carried_over)} carried-over texts and files to confirm in "
        f"{display_path(report.target / CHECKLIST)}"
    )


@main.command(name="init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def init_command(folder: Path) -> None:
    """Make a new project in FOLDER: a layout extending house, an example edition, a Makefile."""
    from printpipe.load import display_path
    from printpipe.scaffold import init_project

    written = init_project(folder)
    for path in written:
        click.echo(f"  {display_path(path)}")
    click.echo(
        f"{display_path(folder)}: new printpipe project ({len(written)} files); "
        f"build the example with: cd {display_path(folder)} && make report"
    )


@main.command(name="watch")
@EDITION
@click.option(
    "--target",
    type=click.Choice(TARGET_NAMES),
    default="proof",
    show_default=True,
    help="What to rebuild and show.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--dpi", type=click.IntRange(36, 300), default=96, show_default=True, help="Page resolution."
)
@handle_errors
def watch_command(edition: Path, target: str, port: int, dpi: int) -> None:
    """Build EDITION, serve a live proof on 127.0.0.1 and rebuild on every change (Ctrl-C stops).

    The page shows spreads with trim/bleed/safe-area guides (toggle them), the build's warnings
    and preflight findings pinned to their pages, and reloads itself when a rebuild lands; a
    failed rebuild shows its errors and keeps the last good proof.
    """
    from printpipe.watch import watch

    watch(edition, target, port, dpi, announce=lambda line: click.echo(line))
