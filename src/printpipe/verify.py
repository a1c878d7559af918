"""Rebuild an edition and compare it with its recorded manifest (for archivists).

A manifest (``build/<edition>/manifest.json``, see :func:`printpipe.output.write_manifest`)
records the sha256 of every input and output and the ``SOURCE_DATE_EPOCH`` of the build.
Verifying answers two questions an archivist asks years later: *did anything that went in
change?* (inputs are hashed again) and *do we still get the same file?* (every recorded target
is rebuilt into a private temporary folder, never over the recorded outputs, with the recorded
epoch, and hashed).  Every difference is named at once; tool versions that changed since the
build are reported too, because they are the usual reason an unchanged input gives new bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from printpipe.errors import (
    Diagnostic,
    ExitCode,
    InvalidEditionError,
    Location,
    MissingInputError,
    PrintpipeError,
    VerifyMismatchError,
)
from printpipe.load import EDITION_FILE, display_path
from printpipe.output import (
    lock_record,
    manifest_base,
    manifest_name,
    manifest_source,
    sha256_of,
    tool_versions,
)
from printpipe.project import default_build_dir
from printpipe.targets import TARGETS

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class OutputCheck:
    """One recorded output against its rebuild."""

    target: str
    file: str
    recorded: str
    rebuilt: str | None  # None when the rebuild failed
    stored: str | None = None  # the file beside the manifest, if it is still there

    @property
    def matches(self) -> bool:
        return self.recorded == self.rebuilt and self.stored in (None, self.recorded)


@dataclass(frozen=True)
class VerifyReport:
    """What changed since the manifest was written; empty lists mean the build is reproduced."""

    edition: str
    manifest: Path
    changed_inputs: tuple[str, ...] = ()
    missing_inputs: tuple[str, ...] = ()
    added_inputs: tuple[str, ...] = ()
    outputs: tuple[OutputCheck, ...] = ()
    tool_changes: tuple[str, ...] = ()
    rebuild_error: str | None = None
    rebuild_problems: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = field(default=())

    @property
    def differing_outputs(self) -> tuple[OutputCheck, ...]:
        return tuple(check for check in self.outputs if not check.matches)

    @property
    def ok(self) -> bool:
        return not (
            self.changed_inputs
            or self.missing_inputs
            or self.added_inputs
            or self.differing_outputs
            or self.rebuild_error
        )

    def diagnostics(self) -> list[Diagnostic]:
        """One error per difference, each naming the file, the way build errors do."""
        found: list[Diagnostic] = []
        code = ExitCode.VERIFY_MISMATCH
        for names, message in (
            (self.changed_inputs, "input changed since the build"),
            (self.missing_inputs, "input recorded in the manifest is missing"),
            (self.added_inputs, "input not in the manifest (new since the build)"),
        ):
            found.extend(Diagnostic(message, Location(name), None, "error", code) for name in names)
        for check in self.differing_outputs:
            if check.rebuilt is None:
                message = f"output differs: the {check.target} target could not be rebuilt"
            elif check.rebuilt != check.recorded:
                message = (
                    f"output differs: the {check.target} target rebuilds as sha256 "
                    f"{check.rebuilt[:12]}…, recorded {check.recorded[:12]}…"
                )
            else:
                message = (
                    f"output file changed since the build: sha256 {str(check.stored)[:12]}…, "
                    f"recorded and rebuilt {check.recorded[:12]}…"
                )
            found.append(Diagnostic(message, Location(check.file), None, "error", code))
        if self.rebuild_error:
            found.extend(self.rebuild_problems)
            found.append(
                Diagnostic(f"the rebuild failed: {self.rebuild_error}", None, None, "error", code)
            )
        return found


def manifest_path(edition_path: Path) -> Path:
    """``<project>/build/<edition folder>/manifest.json``, where a default build writes it."""
    folder = edition_path.parent if edition_path.name == EDITION_FILE else edition_path
    folder = folder.resolve()
    return default_build_dir(folder) / MANIFEST


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise MissingInputError(
            f"no manifest at {display_path(path)}",
            hint="build it first (printpipe build EDITION --target all), then verify",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidEditionError(
            f"{display_path(path)} is not a readable manifest: {error}",
            hint="build it again to write a new one",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("inputs"), dict):
        raise InvalidEditionError(
            f"{display_path(path)} is not a printpipe manifest (no 'inputs')",
            hint="build it again to write a new one",
        )
    unknown = [name for name in data.get("outputs", {}) if name not in TARGETS]
    if unknown:
        raise InvalidEditionError(
            f"{display_path(path)} records targets this printpipe does not know: "
            f"{', '.join(unknown)}",
            hint="verify with the printpipe version named under 'tools' in the manifest",
        )
    return data


@contextmanager
def _source_date_epoch(value: str | None) -> Iterator[None]:
    """Build with the recorded epoch (or none), then put the caller's environment back."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = str(value)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _tool_changes(recorded: Any, lock: Any = None) -> tuple[str, ...]:
    changes: list[str] = []
    if isinstance(recorded, dict):
        now = tool_versions()
        changes.extend(
            f"{name} {recorded[name]} -> {now.get(name, 'missing')}"
            for name in sorted(recorded)
            if recorded[name] != now.get(name, "missing")
        )
    if isinstance(lock, dict) and lock.get("sha256") != lock_record()["sha256"]:
        before, after = lock.get("sha256"), lock_record()["sha256"]
        changes.append(f"requirements.lock sha256 {str(before)[:12]}… -> {str(after)[:12]}…")
    return tuple(changes)


def verify(edition_path: Path, manifest: Path | None = None) -> VerifyReport:
    """Compare the edition at ``edition_path`` with its manifest; raise if anything differs.

    Raises :class:`MissingInputError` when there is no manifest, and
    :class:`VerifyMismatchError` naming every changed input and differing output.
    """
    from printpipe.pipeline import BuildOptions, BuildResult, build  # the orchestrator is above

    manifest = manifest or manifest_path(edition_path)
    data = _read_manifest(manifest)
    folder = edition_path.parent if edition_path.name == EDITION_FILE else edition_path
    base = manifest_base(folder.resolve())
    changed: list[str] = []
    missing: list[str] = []
    for name, digest in sorted(data["inputs"].items()):
        source = manifest_source(name, base)
        if not source.is_file():
            missing.append(display_path(source))
        elif sha256_of(source) != digest:
            changed.append(display_path(source))
    outputs: dict[str, dict[str, Any]] = data.get("outputs") or {}
    checks: list[OutputCheck] = []
    added: list[str] = []
    rebuild_error: str | None = None
    rebuild_problems: tuple[Diagnostic, ...] = ()
    result: BuildResult | None = None
    warnings: tuple[Diagnostic, ...] = ()
    with tempfile.TemporaryDirectory(prefix="printpipe-verify-") as work:
        out = Path(work)
        try:
            with _source_date_epoch(data.get("source_date_epoch")):
                marks = (data.get("options") or {}).get("marks")
                options = BuildOptions(targets=tuple(outputs), out_dir=out, marks=marks)
                result = build(edition_path, options)
        except PrintpipeError as error:
            rebuild_error = error.message
            rebuild_problems = error.diagnostics
            if error.location or error.hint:
                rebuild_problems += (Diagnostic(error.message, error.location, error.hint),)
        if result is not None:
            warnings = tuple(result.warnings)
            current = {manifest_name(path, base) for path in result.edition.inputs}
            new = sorted(current - set(data["inputs"]))
            added = [display_path(manifest_source(name, base)) for name in new]
        built = {r.target: r.path for r in result.results} if result is not None else {}
        for target, recorded in outputs.items():
            rebuilt = sha256_of(built[target]) if target in built else None
            kept = manifest.parent / str(recorded.get("file", target))
            stored = sha256_of(kept) if kept.is_file() else None
            checks.append(
                OutputCheck(
                    target, display_path(kept), str(recorded.get("sha256")), rebuilt, stored
                )
            )
    report = VerifyReport(
        edition=display_path(folder),
        manifest=manifest,
        changed_inputs=tuple(changed),
        missing_inputs=tuple(missing),
        added_inputs=tuple(added),
        outputs=tuple(checks),
        tool_changes=_tool_changes(data.get("tools"), data.get("requirements_lock")),
        rebuild_error=rebuild_error,
        rebuild_problems=rebuild_problems,
        warnings=warnings,
    )
    if not report.ok:
        hint = "rebuild and archive the new files if the changes are intended"
        if report.tool_changes:
            hint += f"; tools changed since the build: {', '.join(report.tool_changes)}"
        parts = [
            f"{len(report.changed_inputs) + len(report.missing_inputs) + len(report.added_inputs)}"
            " input(s) changed",
            f"{len(report.differing_outputs)} of {len(report.outputs)} output(s) differ",
        ]
        raise VerifyMismatchError(
            f"{report.edition} does not match {display_path(manifest)}: {', '.join(parts)}",
            hint=hint,
            diagnostics=report.diagnostics(),
        )
    return report
