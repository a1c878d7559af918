"""Where an edition's layouts and shared assets come from, and where its build goes.

Editions live wherever an organisation keeps its files, so a project folder is a help, never a
requirement.  Layouts (``layouts/<name>.yaml``) and shared assets (``assets/``) are looked up
in this order, first match wins:

1. the edition folder itself (its own ``layouts/`` or ``assets/``);
2. the nearest folder above it that is a printpipe project, marked by a ``printpipe.yaml``
   file or a ``layouts/`` folder;
3. the folder named by ``--project DIR`` or the ``PRINTPIPE_PROJECT`` environment variable;
4. the defaults shipped inside the package (house and letter layouts, Noto fonts, the CMYK and
   sRGB profiles with their licences).

The confinement rule is unchanged: a path may lead only into the edition or into one of these
folders' ``layouts/`` and ``assets/``.  ``build/`` goes into the project when there is one,
else into the edition folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from printpipe.errors import UsageError

PROJECT_FILE = "printpipe.yaml"
PROJECT_ENV = "PRINTPIPE_PROJECT"
#: In a wheel these are real folders; in a checkout, links to the repository's own
#: ``layouts/`` and ``assets/`` (the sample project), followed when the wheel is built.
DEFAULTS = Path(__file__).resolve().parent / "defaults"
#: How manifests name a file from the package defaults, wherever the package is installed.
DEFAULTS_PREFIX = "<printpipe-defaults>/"


@dataclass(frozen=True)
class Project:
    """The folders searched for ``layouts/`` and ``assets/`` (nearest first) and the build home."""

    roots: tuple[Path, ...]
    home: Path  # build/ goes here: the project folder, else the edition folder

    def layout_dirs(self) -> tuple[Path, ...]:
        return tuple(root / "layouts" for root in self.roots)

    def asset_dirs(self) -> tuple[Path, ...]:
        return tuple(root / "assets" for root in self.roots)


def is_project(folder: Path) -> bool:
    """A printpipe project is marked by ``printpipe.yaml`` or a ``layouts/`` folder."""
    return (folder / PROJECT_FILE).is_file() or (folder / "layouts").is_dir()


def explicit_project() -> Path | None:
    """The folder named by ``--project`` / ``PRINTPIPE_PROJECT``, checked; None if unset."""
    value = os.environ.get(PROJECT_ENV)
    if not value:
        return None
    folder = Path(value).expanduser()
    if not (folder / "layouts").is_dir() and not (folder / "assets").is_dir():
        raise UsageError(
            f"--project / {PROJECT_ENV} names {value}, which has no layouts/ or assets/ folder",
            hint="name a printpipe project folder (printpipe init DIR makes one)",
        )
    return folder.resolve()


def nearest_project(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that is a printpipe project."""
    start = start.resolve()
    return next((folder for folder in (start, *start.parents) if is_project(folder)), None)


def find_project(edition_root: Path) -> Project:
    """The lookup order for an edition folder (see the module docstring)."""
    edition_root = edition_root.resolve()
    # An edition may carry its own layouts/ or assets/ and still live in a project above it.
    own = (edition_root / "layouts").is_dir() or (edition_root / "assets").is_dir()
    marked = (edition_root / PROJECT_FILE).is_file()
    found = edition_root if marked else nearest_project(edition_root.parent)
    candidates = [edition_root] if own else []
    for folder in (found, explicit_project(), DEFAULTS):
        if folder is not None:
            candidates.append(folder.resolve())
    return Project(roots=tuple(dict.fromkeys(candidates)), home=found or edition_root)


def build_home(edition_root: Path) -> Path:
    """Where ``build/`` goes for this edition: the project, else the edition folder."""
    return find_project(edition_root).home


def default_build_dir(edition_root: Path) -> Path:
    """``<project>/build/<edition folder>``, or ``<edition>/build`` for an edition on its own."""
    edition_root = edition_root.resolve()
    home = build_home(edition_root)
    return home / "build" if home == edition_root else home / "build" / edition_root.name
