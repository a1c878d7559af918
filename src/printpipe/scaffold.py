"""``printpipe init DIR``: a new project a designer can start from, and that builds at once.

A project is a folder marked by ``printpipe.yaml``, with a layout of its own that extends the
house layout shipped in the package (so it inherits the fonts and colour profiles), an example
edition, and a Makefile with the same targets as printpipe's own repository.  Nothing is
written into a folder that already holds files.
"""

from __future__ import annotations

import datetime
import shlex
import sys
from pathlib import Path

from printpipe.errors import UsageError
from printpipe.load import display_path
from printpipe.project import PROJECT_FILE

_MARKER = """\
# This folder is a printpipe project: editions below it find layouts/ and assets/ here first,
# then printpipe's built-in defaults (the house and letter layouts, Noto fonts, ICC profiles).
# Nothing in this file is read yet; it marks the project and says so.
"""

_LAYOUT = """\
# Your house style. Everything not set here comes from printpipe's built-in `house` layout
# (A4, two columns, Noto Serif and Noto Sans, FOGRA39 CMYK). `printpipe schema layout` prints
# every key with its meaning. Fonts and profiles of your own go into ../assets/.
extends: house
name: Our house style
colours:
  accent: {cmyk: [85, 10, 40, 20], rgb: "#1f7a72"}
"""

_EDITION = """\
title: "Our annual report"
subtitle: "Annual Report {year}"
organisation: "Our organisation"
year: {year}
language: en-GB
slug: example-{year}
layout: ours
parts:
  - toc: "Contents"
  - section: sections/01-welcome.md
  - callout:
      title: "Stay in touch"
      text: "Edit edition.yaml and the Markdown files in sections/, then run make report."
      link: "https://example.org"
"""

_SECTION = """\
# Welcome

This example edition is here to be replaced. Each section is a Markdown file; edition.yaml
lists the sections, photos, quotes and signatures in the order they are printed.

## What to do next

- Write your sections in `sections/` and list them in `edition.yaml`.
- Put photos in `photos/` and add them as `photo:` parts.
- Ask your designer for a cover PDF and add it under `cover:`.
- Run `make report` for the press PDF, `make all` for every target.

Next year, `printpipe new editions/{next_year} --from editions/example` starts from this one.
"""

_MAKEFILE = """\
# printpipe project: thin make targets over the CLI, as in printpipe's own repository.
# PRINTPIPE defaults to the printpipe that made this project; `make PRINTPIPE=printpipe` uses
# the one on your PATH (e.g. installed with pipx).
PRINTPIPE ?= {printpipe}
EDITION ?= editions/example
EDITIONS := $(patsubst %/edition.yaml,%,$(wildcard editions/*/edition.yaml))

.PHONY: report press screen archive proof all check clean

## The example edition's press PDF: build/example/
report:
\t$(PRINTPIPE) build $(EDITION) --target press

press screen archive proof:
\t$(PRINTPIPE) build $(EDITION) --target $@

check:
\t$(PRINTPIPE) check $(EDITION)

## Every edition x every target
all: $(addprefix all-,$(notdir $(EDITIONS)))

all-%:
\t$(PRINTPIPE) build editions/$* --target all

clean:
\trm -rf build
"""


def init_project(folder: Path) -> list[Path]:
    """Write a new project into ``folder`` (new or empty); return the files written."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(
            f"{display_path(folder)} already exists and is not an empty folder",
            hint="name a new folder; printpipe init never overwrites files",
        )
    year = datetime.date.today().year
    printpipe = f"{shlex.quote(sys.executable)} -m printpipe"
    files = {
        PROJECT_FILE: _MARKER,
        "layouts/ours.yaml": _LAYOUT,
        "assets/README.md": "Fonts (.ttf) and ICC profiles your layouts name go here.\n",
        "editions/example/edition.yaml": _EDITION.format(year=year),
        "editions/example/sections/01-welcome.md": _SECTION.format(next_year=year + 1),
        "Makefile": _MAKEFILE.format(printpipe=printpipe),
        ".gitignore": "build/\n",
    }
    written: list[Path] = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
