"""Installing and running printpipe prints no deprecation warnings from its own files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_builds_without_deprecations_and_holds_the_defaults(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", str(ROOT), "-w", tmp_path],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "deprecat" not in log.lower(), [ln for ln in log.splitlines() if "eprecat" in ln]
    (wheel,) = tmp_path.glob("printpipe-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for layout in (ROOT / "layouts").glob("*.yaml"):
        assert f"printpipe/defaults/layouts/{layout.name}" in names
    for asset in (ROOT / "assets").rglob("*"):
        if asset.is_file():
            assert f"printpipe/defaults/assets/{asset.relative_to(ROOT / 'assets')}" in names
    assert "printpipe/requirements.lock" in names


def test_a_build_raises_no_deprecation_warning_from_printpipe(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-W", "always::DeprecationWarning",
            "-W", "always::PendingDeprecationWarning", "-m", "printpipe",
            "build", str(ROOT / "tests" / "fixtures" / "verify" / "edition"),
            "--target", "all", "--out", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    own = [line for line in done.stderr.splitlines() if "Warning" in line and "printpipe" in line]
    assert not own, own
