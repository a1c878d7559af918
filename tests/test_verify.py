"""`printpipe verify`: a fresh build verifies; every difference is named, with exit code 9.

A changed photo, a lost input and an edited output file are each named; no manifest says to
build first.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from tests.conftest import BASIC_EDITION, EPOCH, MakeEdition, run_build

from printpipe.cli import main
from printpipe.errors import ExitCode, MissingInputError, VerifyMismatchError
from printpipe.verify import manifest_path, verify


def _build(edition: Path, *targets: str) -> Path:
    """Build where verify looks by default: <project>/build/<edition>/."""
    out = edition.parent.parent / "build" / edition.name
    run_build(edition, out, *targets)
    return out


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_verify_passes_right_after_a_build(
    make_edition: MakeEdition, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition = make_edition()
    out = _build(edition, "press", "screen", "archive", "proof")
    assert manifest_path(edition) == (out / "manifest.json").resolve()
    # A different epoch in the caller's environment must not matter: the recorded one is used,
    # and the caller's is put back afterwards.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    report = verify(edition)
    assert os.environ["SOURCE_DATE_EPOCH"] == "1600000000"
    assert report.ok
    assert sorted(check.target for check in report.outputs) == [
        "archive",
        "press",
        "proof",
        "screen",
    ]
    assert all(check.rebuilt == check.recorded == check.stored for check in report.outputs)
    code, output = _cli("verify", str(edition))
    assert code == 0, output
    assert "rebuilt byte for byte" in output


def test_verify_names_a_modified_photo(make_edition: MakeEdition) -> None:
    edition = make_edition()
    _build(edition, "press", "screen")
    photo = edition / "photos" / "a.jpg"
    with Image.open(photo) as image:
        changed = image.copy()
    changed.putpixel((10, 10), (0, 0, 0))
    changed.save(photo, quality=85)
    with pytest.raises(VerifyMismatchError) as caught:
        verify(edition)
    error = caught.value
    assert error.exit_code == ExitCode.VERIFY_MISMATCH
    text = error.render()
    assert "photos/a.jpg: error: input changed since the build" in text
    assert "test-2019-press.pdf: error: output differs" in text
    assert "test-2019-screen.pdf: error: output differs" in text
    assert "1 input(s) changed, 2 of 2 output(s) differ" in text
    code, output = _cli("verify", str(edition))
    assert code == ExitCode.VERIFY_MISMATCH == 9
    assert "photos/a.jpg" in output and "input changed" in output


def test_verify_names_a_missing_input_and_an_edited_output(make_edition: MakeEdition) -> None:
    edition = make_edition()
    out = _build(edition, "screen")
    pdf = out / "test-2019-screen.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% edited\n")
    with pytest.raises(VerifyMismatchError) as caught:
        verify(edition)
    assert "test-2019-screen.pdf: error: output file changed since the build" in str(caught.value)
    (edition / "signatures" / "ada.png").unlink()
    with pytest.raises(VerifyMismatchError) as caught:
        verify(edition)
    text = str(caught.value)
    assert "signatures/ada.png: error: input recorded in the manifest is missing" in text
    assert "file not found: signatures/ada.png" in text  # why the rebuild failed
    assert "the screen target could not be rebuilt" in text


def test_verify_without_a_manifest_says_build_first(make_edition: MakeEdition) -> None:
    edition = make_edition()
    with pytest.raises(MissingInputError) as caught:
        verify(edition)
    assert "build it first" in (caught.value.hint or "")
    code, output = _cli("verify", str(edition))
    assert code == ExitCode.MISSING_INPUT
    assert "no manifest at" in output and "build it first" in output


def test_verify_uses_the_recorded_epoch(make_edition: MakeEdition) -> None:
    """A build without SOURCE_DATE_EPOCH (dated 31 December of the year) verifies with none set.

    Verifying under the caller's epoch (30 April 2020) would give other bytes.
    """
    edition = make_edition(yaml=BASIC_EDITION.replace("date: 2020-04-30\n", ""))
    saved = os.environ.pop("SOURCE_DATE_EPOCH")
    try:
        _build(edition, "screen")
    finally:
        os.environ["SOURCE_DATE_EPOCH"] = saved
    assert saved == EPOCH
    assert verify(edition).ok
    assert os.environ["SOURCE_DATE_EPOCH"] == EPOCH
