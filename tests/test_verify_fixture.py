"""`printpipe verify` against a manifest committed to the repository (tests/fixtures/verify).

The manifest was written by `make fixtures`; a change that alters the output bytes on purpose
regenerates it with that one command.  Verifying it here is what an archivist does a year
later: same inputs, same locked tool versions, same bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT, run

from printpipe.errors import ExitCode

FIXTURE = ROOT / "tests" / "fixtures" / "verify"


def test_the_committed_manifest_verifies() -> None:
    code, output = run("verify", FIXTURE / "edition", "--manifest", FIXTURE / "manifest.json")
    assert code == 0, f"{output}\n(if the bytes changed on purpose: make fixtures)"
    assert "inputs unchanged, 2 output(s) rebuilt byte for byte" in output


def test_a_changed_input_is_named(tmp_path: Path) -> None:
    # The same project layout in a throw-away folder, so the manifest's relative names hold.
    for folder in ("layouts", "assets"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    edition = tmp_path / "tests" / "fixtures" / "verify" / "edition"
    shutil.copytree(FIXTURE / "edition", edition)
    with (edition / "one.md").open("a", encoding="utf-8") as text:
        text.write("\nOne more sentence.\n")
    code, output = run("verify", edition, "--manifest", FIXTURE / "manifest.json")
    assert code == ExitCode.VERIFY_MISMATCH, output
    assert "one.md: error: input changed since the build" in output
    assert "verify-fixture-press.pdf: error: output differs" in output
