"""Stage 7: land results atomically and record what went into them.

A build writes into a temporary file beside the final one and renames it into place only when
everything (preflight included) succeeded, so an earlier good output is never replaced by a
failed or interrupted build, and readers never see half a file.

A build that is killed (SIGKILL, power loss) cannot delete its temporary file.  Each temporary
is therefore held under an exclusive ``flock`` for as long as its build runs; the kernel drops
the lock when the process dies, however it dies.  Before writing, a build deletes the
temporaries of the same name that nobody holds any more, and leaves alone those of a build
still running (two builds of one edition at once).
"""

from __future__ import annotations

import errno
import glob
import hashlib
import json
import os
import platform
import signal
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from printpipe import __version__
from printpipe.errors import OutputError
from printpipe.load import display_path
from printpipe.model import Edition
from printpipe.project import DEFAULTS, DEFAULTS_PREFIX, build_home


@dataclass(frozen=True)
class Written:
    """One output file as the manifest records it."""

    target: str
    path: Path
    pages: int


try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

STALE_AFTER_S = 24 * 3600  # without flock: a temporary this old belongs to no running build

LIBRARIES = (
    "reportlab",
    "rl_accel",
    "pypdf",
    "pillow",
    "pyyaml",
    "markdown-it-py",
    "pyphen",
    "jsonschema",
)


def output_error(path: Path, error: OSError) -> OutputError:
    """The OutputError for an OS failure while writing ``path``, with what to do about it."""
    if error.errno == errno.ENOSPC:
        hint = "free some disk space and build again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a writable folder with --out"
    else:
        hint = "check the output folder"
    return OutputError(
        f"cannot write {display_path(path)}: {error.strerror or error}",
        hint=f"{hint}; earlier outputs were left as they were",
    )


def temp_pattern(name: str) -> str:
    """The glob of the temporary files :func:`write_atomically` makes for a file ``name``."""
    return f".{glob.escape(name)}.*.tmp"


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block ends.

    Creating a temporary file and recording it for clean-up are two steps; an interrupt
    between them would leave the file behind.  Held signals are delivered when the block
    ends, by which time the caller's ``finally`` knows the file.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def claim_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new temporary file for ``name`` in ``folder``, locked by the returned descriptor.

    The caller closes the descriptor when the file has been renamed into place or deleted;
    until then :func:`remove_stale_temps` in any other process leaves the file alone.
    """
    while True:
        handle, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        try:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
        except BaseException:  # Ctrl-C included: never leave an unowned file behind
            os.close(handle)
            os.unlink(path)
            raise
        # Between mkstemp and flock another build's clean-up may have taken the new, not yet
        # locked file for a leftover and deleted it; then the lock is on a nameless file.
        if os.fstat(handle).st_nlink > 0:
            return handle, Path(path)
        os.close(handle)


def remove_stale_temps(folder: Path, pattern: str) -> list[Path]:
    """Delete the temporary files matching ``pattern`` that no running process holds.

    They are what a killed build leaves behind.  Without ``flock`` (not POSIX) only files a
    day old are taken to be stale.
    """
    removed = []
    for candidate in sorted(folder.glob(pattern)):
        try:
            handle = os.open(candidate, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a build that is still running owns it
            elif time.time() - os.fstat(handle).st_mtime < STALE_AFTER_S:
                continue
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
        except OSError:
            continue
        finally:
            os.close(handle)
    return removed


@contextmanager
def write_atomically(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it over ``final`` if the block succeeds.

    Temporaries of ``final`` left by killed builds are deleted first.
    """
    claimed: tuple[int, Path] | None = None
    try:
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(final.parent, temp_pattern(final.name))
            with signals_held():
                claimed = claim_temp(final.parent, final.name)
        except OSError as error:
            raise output_error(final, error) from None
        temporary = claimed[1]
        yield temporary
        with temporary.open("rb") as stream:
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, final)
    except OSError as error:
        raise output_error(final, error) from None
    finally:
        if claimed is not None:
            claimed[1].unlink(missing_ok=True)
            os.close(claimed[0])


def sha256_of(path: Path) -> str:
    """The file's sha256, read in chunks so large appendices do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tool_versions() -> dict[str, str]:
    """printpipe, Python and the libraries that shape the output bytes."""
    versions = {"printpipe": __version__, "python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


#: The hash-locked runtime requirements printpipe is meant to run with (a link in a checkout).
LOCK_FILE = Path(__file__).resolve().parent / "requirements.lock"


def lock_record() -> dict[str, str | None]:
    """The lock file's name and sha256, so an archivist knows which versions to reinstall."""
    digest = sha256_of(LOCK_FILE) if LOCK_FILE.is_file() else None
    return {"file": LOCK_FILE.name, "sha256": digest}


def manifest_name(path: Path, base: Path) -> str:
    """How a manifest names a file: relative to ``base``, else from the package defaults.

    A file from the package defaults is named ``<printpipe-defaults>/...`` so the manifest
    means the same wherever printpipe is installed; any other file (a ``--project`` folder)
    by its absolute path.
    """
    resolved = path.resolve()
    if resolved.is_relative_to(base.resolve()):
        return resolved.relative_to(base.resolve()).as_posix()
    for folder in ("layouts", "assets"):  # links in a checkout, folders in a wheel
        root = (DEFAULTS / folder).resolve()
        if resolved.is_relative_to(root):
            return f"{DEFAULTS_PREFIX}{folder}/{resolved.relative_to(root).as_posix()}"
    return resolved.as_posix()


def manifest_source(name: str, base: Path) -> Path:
    """The file a manifest name stands for (the inverse of :func:`manifest_name`)."""
    if name.startswith(DEFAULTS_PREFIX):
        return DEFAULTS / name.removeprefix(DEFAULTS_PREFIX)
    return base / name


def manifest_base(edition_root: Path) -> Path:
    """What manifest paths are relative to: the project folder, or the edition on its own."""
    return build_home(edition_root)


def write_manifest(
    path: Path, edition: Edition, results: Sequence[Written], fixups: Sequence[str] = ()
) -> Path:
    """Record sha256 of every input and output, tool versions and SOURCE_DATE_EPOCH.

    Outputs of targets not built this time are kept from the previous manifest, so building
    targets one by one still leaves a complete record.
    """
    project = manifest_base(edition.root)
    previous: dict = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    inputs = {manifest_name(path, project): sha256_of(path) for path in sorted(edition.inputs)}
    options = {"marks": edition.layout.press.marks}
    same_build = (
        isinstance(previous, dict)
        and previous.get("inputs") == inputs
        and previous.get("options") == options
        and previous.get("source_date_epoch") == os.environ.get("SOURCE_DATE_EPOCH")
    )
    # Outputs of other targets stay only if they were built from exactly these inputs.
    outputs = dict(previous.get("outputs", {})) if same_build else {}
    for result in results:
        outputs[result.target] = {
            "file": result.path.name,
            "sha256": sha256_of(result.path),
            "bytes": result.path.stat().st_size,
            "pages": result.pages,
        }
    manifest = {
        "edition": manifest_name(edition.root, project),
        "slug": edition.slug,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        "options": options,
        "inputs": inputs,
        "outputs": dict(sorted(outputs.items())),
        "fixups": list(fixups),  # repairs made to supplied files (fonts embedded, colours)
        "tools": tool_versions(),
        "requirements_lock": lock_record(),
    }
    with write_atomically(path) as temporary:
        temporary.write_text(
            json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
    return path
