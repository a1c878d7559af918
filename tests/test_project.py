"""Editions anywhere: the project lookup, the package defaults, and `printpipe init`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import ROOT, run

from printpipe.errors import ExitCode
from printpipe.project import DEFAULTS, PROJECT_ENV, find_project


def _outside(tmp_path: Path) -> Path:
    """The 2019 sample copied to a folder that is no printpipe project and not in the repo."""
    edition = Path(shutil.copytree(ROOT / "editions" / "2019", tmp_path / "shared drive" / "2019"))
    assert not edition.resolve().is_relative_to(ROOT)
    assert find_project(edition).roots == (DEFAULTS.resolve(),)
    return edition


def test_an_edition_outside_any_project_builds_from_the_package_defaults(tmp_path: Path) -> None:
    edition = _outside(tmp_path)
    code, output = run("build", edition)
    assert code == 0, output
    press = edition / "build" / "harbourlight-2019-press.pdf"  # build/ beside its inputs
    reader = PdfReader(press)
    assert len(reader.pages) == 24
    fonts = {
        str(font["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert "NotoSerif-Regular" in fonts
    manifest = json.loads((edition / "build" / "manifest.json").read_text(encoding="utf-8"))
    assert "<printpipe-defaults>/layouts/house.yaml" in manifest["inputs"]
    assert "<printpipe-defaults>/assets/icc/FOGRA39L-argyll.icc" in manifest["inputs"]
    code, output = run("verify", edition)
    assert code == 0, output


def test_project_option_and_environment_come_before_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition = _outside(tmp_path)
    project = tmp_path / "house style"
    shutil.copytree(ROOT / "layouts", project / "layouts")
    shutil.copytree(ROOT / "assets", project / "assets")
    house = project / "layouts" / "house.yaml"
    house.write_text(house.read_text(encoding="utf-8").replace("House A4", "Ours"), "utf-8")
    code, output = run("check", edition, "--project", project)
    assert code == 0 and "layout Ours" in output, output
    assert os.environ.get(PROJECT_ENV) is None  # the option lasts one command
    code, output = run("check", edition)
    assert "layout House A4" in output
    monkeypatch.setenv(PROJECT_ENV, str(project))
    code, output = run("check", edition)
    assert "layout Ours" in output
    out = tmp_path / "out"
    code, output = run("build", edition, "--out", out, "--target", "screen")
    assert code == 0, output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (house.resolve().as_posix()) in manifest["inputs"]
    code, output = run("check", edition, "--project", tmp_path / "nothing here")
    assert code == ExitCode.USAGE and "no layouts/ or assets/ folder" in output


def test_the_edition_folder_and_the_nearest_project_come_first(tmp_path: Path) -> None:
    edition = _outside(tmp_path)
    (tmp_path / "shared drive" / "printpipe.yaml").write_text("# project\n", encoding="utf-8")
    layouts = edition / "layouts"
    layouts.mkdir()
    (layouts / "house.yaml").write_text("extends: house\nname: Edition's own\n", "utf-8")
    project = find_project(edition)
    assert project.roots == (edition.resolve(), edition.parent.resolve(), DEFAULTS.resolve())
    assert project.home == edition.parent.resolve()  # build/ goes into the project
    code, output = run("check", edition)
    assert code == 0 and "layout Edition's own" in output, output  # house extends the package's


def test_paths_still_may_not_leave_the_edition_or_the_assets(tmp_path: Path) -> None:
    edition = _outside(tmp_path)
    (tmp_path / "secret.jpg").write_bytes((edition / "photos" / "vigil.jpg").read_bytes())
    yaml = edition / "edition.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace("photos/vigil.jpg", "../../secret.jpg"), "utf-8"
    )
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION and "leads outside the edition" in output, output


def test_init_then_make_report_builds(tmp_path: Path) -> None:
    folder = tmp_path / "our reports"
    code, output = run("init", folder)
    assert code == 0, output
    assert (folder / "printpipe.yaml").is_file() and (folder / "Makefile").is_file()
    assert sys.executable in (folder / "Makefile").read_text(encoding="utf-8")
    done = subprocess.run(
        ["make", "report"], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: 0 errors, 0 warnings" in done.stdout
    pdfs = list((folder / "build" / "example").glob("*-press.pdf"))
    assert len(pdfs) == 1 and len(PdfReader(pdfs[0]).pages) % 4 == 0
    code, output = run("init", folder)
    assert code == ExitCode.USAGE and "not an empty folder" in output
