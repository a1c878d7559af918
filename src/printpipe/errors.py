"""Exit codes, diagnostics and the exceptions that carry them.

Every user-facing failure is a :class:`PrintpipeError` that knows its exit code and renders as
one clear message; the CLI turns it into text on stderr and never shows a traceback.  Exit codes
are a stable interface (documented in the README), so scripts may branch on them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace


class ExitCode(enum.IntEnum):
    """Process exit codes; the numbers never change once released."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    INVALID_EDITION = 3
    MISSING_INPUT = 4
    BAD_INPUT_FILE = 5
    IMAGE_POLICY = 6
    PREFLIGHT_FAILED = 7
    OUTPUT_FAILED = 8
    VERIFY_MISMATCH = 9
    INTERRUPTED = 130


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and a line and column when the file is text (1-based)."""

    path: str
    line: int | None = None
    column: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.key:
            text += f" ({self.key})"
        return text


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the inputs, with where it is and how to fix it."""

    message: str
    location: Location | None = None
    hint: str | None = None
    severity: str = "error"  # "error", "warning" or "info" (worth knowing, never a problem)
    code: ExitCode = ExitCode.INVALID_EDITION

    def render(self) -> str:
        """The diagnostic as one line (plus an indented hint), the way a compiler prints it."""
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class PrintpipeError(Exception):
    """A failure the user can fix; it carries one or more diagnostics and an exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        diagnostics: Sequence[Diagnostic] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.diagnostics = tuple(diagnostics)

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """Every diagnostic (grouped, one hint per kind), then the summary line."""
        lines = [render_grouped(self.diagnostics)] if self.diagnostics else []
        if not self.diagnostics or self.location or self.hint:
            own = Diagnostic(self.message, self.location, self.hint, "error", self.exit_code)
            lines.append(own.render())
        else:
            lines.append(self.message)
        return "\n".join(lines)


def render_grouped(diagnostics: Iterable[Diagnostic]) -> str:
    """Diagnostics with one hint per kind, so 45 placeholders do not repeat the same advice.

    Those sharing a severity and hint are listed together and the hint follows once; groups
    keep the order in which they first appear, and duplicates are printed once.
    """
    groups: dict[tuple[str, str | None], list[Diagnostic]] = {}
    for diagnostic in dict.fromkeys(diagnostics):
        groups.setdefault((diagnostic.severity, diagnostic.hint), []).append(diagnostic)
    lines: list[str] = []
    for (_, hint), members in groups.items():
        lines.extend(replace(member, hint=None).render() for member in members)
        if hint:
            lines.append(f"    hint: {hint}")
    return "\n".join(lines)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def count_summary(diagnostics: Iterable[Diagnostic]) -> str:
    """``0 errors, 3 warnings`` (and ``, 1 note`` for information), distinct diagnostics."""
    found = list(dict.fromkeys(diagnostics))
    errors = sum(d.severity == "error" for d in found)
    warnings = sum(d.severity == "warning" for d in found)
    notes = sum(d.severity == "info" for d in found)
    text = f"{_counted(errors, 'error')}, {_counted(warnings, 'warning')}"
    return text + (f", {_counted(notes, 'note')}" if notes else "")


class UsageError(PrintpipeError):
    """The command line itself is wrong."""

    exit_code = ExitCode.USAGE


class InvalidEditionError(PrintpipeError):
    """edition.yaml, a layout or a Markdown section does not validate."""

    exit_code = ExitCode.INVALID_EDITION


class MissingInputError(PrintpipeError):
    """A file the edition names does not exist or cannot be read."""

    exit_code = ExitCode.MISSING_INPUT


class BadInputFileError(PrintpipeError):
    """A supplied file exists but cannot be used: corrupt, encrypted, not what it claims to be."""

    exit_code = ExitCode.BAD_INPUT_FILE


class ImagePolicyError(PrintpipeError):
    """An image breaks the target's policy (resolution too low, too many pixels...)."""

    exit_code = ExitCode.IMAGE_POLICY


class PreflightError(PrintpipeError):
    """The finished file or a supplied PDF fails preflight."""

    exit_code = ExitCode.PREFLIGHT_FAILED


class OutputError(PrintpipeError):
    """The result cannot be written (folder not writable, disk full...)."""

    exit_code = ExitCode.OUTPUT_FAILED


class VerifyMismatchError(PrintpipeError):
    """A rebuild does not match the recorded manifest."""

    exit_code = ExitCode.VERIFY_MISMATCH


def raise_if_errors(
    diagnostics: Iterable[Diagnostic], summary: str, error_type: type[PrintpipeError]
) -> None:
    """Raise ``error_type`` carrying every diagnostic if any of them is an error.

    The exit code is the one of the first error, so a run with only missing files exits with
    MISSING_INPUT while a mixed run reports everything and exits with the first class found.
    """
    found = list(diagnostics)
    errors = [d for d in found if d.is_error]
    if not errors:
        return
    error = error_type(f"{summary}: {len(errors)} error(s)", diagnostics=found)
    error.exit_code = errors[0].code
    raise error
