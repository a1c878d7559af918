"""Same inputs, same bytes: across runs, folders and hash seeds, for every target."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.conftest import ROOT, MakeEdition, run_build

EDITIONS = ("2019", "2020")


def _copy_project(target: Path) -> Path:
    for folder in ("layouts", "assets"):
        shutil.copytree(ROOT / folder, target / folder)
    for edition in EDITIONS:
        shutil.copytree(ROOT / "editions" / edition, target / "editions" / edition)
    return target


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob("*.pdf"))
    }


def test_every_target_identical_in_two_clones(tmp_path: Path) -> None:
    clones = [_copy_project(tmp_path / "a"), _copy_project(tmp_path / "elsewhere" / "deeper" / "b")]
    runs = []
    for seed, clone in zip(("0", "4242"), clones, strict=True):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1588204800"}
        for edition in EDITIONS:
            command = [
                sys.executable,
                "-m",
                "printpipe",
                "-q",
                "build",
                f"editions/{edition}",
                "--target",
                "all",
                "--out",
                f"out/{edition}",
            ]
            runs.append(subprocess.Popen(command, cwd=clone, env=env, stderr=subprocess.PIPE))
    for process in runs:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr.decode()
    for edition in EDITIONS:
        first = _digests(clones[0] / "out" / edition)
        second = _digests(clones[1] / "out" / edition)
        assert len(first) == 4, first
        assert first == second


def test_without_source_date_epoch_the_date_comes_from_the_edition(
    make_edition: MakeEdition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    edition = make_edition()
    first = run_build(edition, tmp_path / "a").results[0].path
    second = run_build(edition, tmp_path / "b").results[0].path
    assert first.read_bytes() == second.read_bytes()
    info = PdfReader(first).metadata
    assert info["/CreationDate"].startswith("D:20200430")  # the edition's date:
