"""Writing results when the world gets in the way.

No room, no permission, Ctrl-C, kill -9, and two builds of one edition at once.  Whatever
happens, an earlier output stays byte for byte as it was, no temporary file is left in the
output folder for long (the next build removes what a killed one left), and the image cache
stays usable.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from tests.conftest import LOREM, MINI, photo, run

from printpipe import images, output
from printpipe.errors import ExitCode

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def edition(project: Path) -> Path:
    folder = project / "editions" / "e"
    folder.mkdir()
    (folder / "one.md").write_text("# One\n\n" + LOREM * 3 + "\n", encoding="utf-8")
    (folder / "edition.yaml").write_text(MINI, encoding="utf-8")
    return folder


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp"))


@pytest.fixture
def earlier(edition: Path) -> tuple[Path, str]:
    """A good earlier output; afterwards the section changes, so a new build would differ."""
    out = edition / "out"
    code, text = run("build", edition, "--out", out)
    assert code == 0, text
    final = out / "mini-press.pdf"
    (edition / "one.md").write_text("# One, revised\n\n" + LOREM * 4 + "\n", encoding="utf-8")
    return final, digest(final)


def assert_untouched(final: Path, sha: str) -> None:
    assert digest(final) == sha, "the earlier output was changed"
    assert temporaries(final.parent) == []


# --- no permission, no room ---------------------------------------------------------------------


def test_output_folder_not_writable(
    edition: Path, earlier: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    final, sha = earlier
    if os.geteuid() == 0:  # root writes anywhere: answer as the file system would for others

        def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(output.tempfile, "mkstemp", refuse)
    final.parent.chmod(0o555)
    try:
        code, text = run("build", edition, "--out", final.parent)
    finally:
        final.parent.chmod(0o755)
    assert code == ExitCode.OUTPUT_FAILED, text
    assert "cannot write" in text and "Permission denied" in text
    assert "choose a writable folder with --out" in text
    assert "earlier outputs were left as they were" in text
    assert_untouched(final, sha)


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_when_renaming_into_place(
    edition: Path, earlier: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    final, sha = earlier
    monkeypatch.setattr(output.os, "replace", _disk_full)
    code, text = run("build", edition, "--out", final.parent)
    assert code == ExitCode.OUTPUT_FAILED, text
    assert "No space left on device" in text and "free some disk space" in text
    assert_untouched(final, sha)


def test_disk_full_half_way_through_the_pdf(
    edition: Path, earlier: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    final, sha = earlier
    from pypdf import PdfWriter

    def half_then_full(self: PdfWriter, stream: object) -> None:
        stream.write(b"%PDF-1.6\n% half a file\n")  # type: ignore[attr-defined]
        _disk_full()

    monkeypatch.setattr(PdfWriter, "write", half_then_full)
    code, text = run("build", edition, "--out", final.parent)
    assert code == ExitCode.OUTPUT_FAILED, text
    assert "cannot write" in text and "mini-press.pdf" in text and "No space left" in text
    assert_untouched(final, sha)


def test_disk_full_in_the_image_cache(
    edition: Path, earlier: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    final, sha = earlier
    photo(edition / "p.jpg", (1000, 700))
    (edition / "edition.yaml").write_text(MINI + "  - photo: {file: p.jpg}\n", encoding="utf-8")
    monkeypatch.setattr(images, "_write_atomic", _disk_full)
    code, text = run("build", edition, "--out", final.parent, "-j", "1")
    assert code == ExitCode.OUTPUT_FAILED, text
    assert "cannot write the image cache" in text and "No space left" in text
    assert_untouched(final, sha)


def test_disk_full_in_the_work_folder(
    edition: Path, earlier: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    final, sha = earlier
    from reportlab.pdfgen.canvas import Canvas

    monkeypatch.setattr(Canvas, "save", _disk_full)
    code, text = run("build", edition, "--out", final.parent)
    assert code == ExitCode.OUTPUT_FAILED, text
    assert "No space left on device" in text
    assert_untouched(final, sha)


# --- interrupted and killed builds ----------------------------------------------------------


def _slow_edition(edition: Path) -> None:
    """Enough pages and photos that a build spends a while writing and checking its output."""
    (edition / "one.md").write_text(
        "# One\n\n" + "\n\n".join(LOREM * 6 for _ in range(150)) + "\n", encoding="utf-8"
    )
    parts = ""
    for index in range(2):
        photo(edition / f"p{index}.jpg", (2400, 1600))
        parts += f"  - photo: {{file: p{index}.jpg}}\n"
    (edition / "edition.yaml").write_text(MINI + parts, encoding="utf-8")


def _start(edition: Path, out: Path, tmpdir: Path) -> subprocess.Popen[str]:
    tmpdir.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(SRC), "TMPDIR": str(tmpdir)}
    return subprocess.Popen(
        [sys.executable, "-m", "printpipe", "build", str(edition), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _when_writing(process: subprocess.Popen[str], out: Path, timeout: float = 60) -> None:
    """Wait until the build has a temporary output file open (it is writing or checking it)."""
    started = time.monotonic()
    while not temporaries(out):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() - started < timeout, "the build never started writing"
        time.sleep(0.001)


@pytest.fixture
def slow_earlier(edition: Path, tmp_path: Path) -> tuple[Path, str]:
    _slow_edition(edition)
    out = edition / "out"
    code, text = run("build", edition, "--out", out)
    assert code == 0, text
    final = out / "mini-press.pdf"
    changed = "# Changed\n\n" + "\n\n".join(LOREM * 5 for _ in range(160)) + "\n"
    (edition / "one.md").write_text(changed, encoding="utf-8")
    return final, digest(final)


def test_ctrl_c_leaves_the_earlier_output_and_no_temporary_files(
    edition: Path, slow_earlier: tuple[Path, str], tmp_path: Path
) -> None:
    final, sha = slow_earlier
    process = _start(edition, final.parent, tmp_path / "tmp")
    _when_writing(process, final.parent)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "interrupted; earlier outputs were left as they were" in stderr
    assert "Traceback" not in stderr
    assert_untouched(final, sha)
    assert list((tmp_path / "tmp").iterdir()) == []  # the private work folder is gone too


def test_killed_build_leaves_the_earlier_output_and_the_next_build_cleans_up(
    edition: Path, slow_earlier: tuple[Path, str], tmp_path: Path
) -> None:
    final, sha = slow_earlier
    process = _start(edition, final.parent, tmp_path / "tmp")
    _when_writing(process, final.parent)
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert digest(final) == sha
    left = temporaries(final.parent)
    assert left, "expected the killed build's temporary file"
    code, text = run("build", edition, "--out", final.parent)
    assert code == 0, text
    assert temporaries(final.parent) == []
    assert digest(final) != sha
    with pikepdf.open(final) as pdf:
        assert len(pdf.pages) > 4


def test_temporary_of_a_running_build_is_left_alone(edition: Path, tmp_path: Path) -> None:
    out = edition / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from printpipe.output import claim_temp;"
            f"claim_temp(Path({str(out)!r}), 'mini-press.pdf'); print('held', flush=True);"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        [held] = temporaries(out)
        code, text = run("build", edition, "--out", out)
        assert code == 0, text
        assert temporaries(out) == [held], "a running build's file was deleted"
    finally:
        holder.kill()
        holder.wait()
    code, text = run("build", edition, "--out", out)
    assert code == 0, text
    assert temporaries(out) == []


# --- two builds at once -----------------------------------------------------------------------


def test_two_builds_of_one_edition_at_once(edition: Path, tmp_path: Path) -> None:
    _slow_edition(edition)
    out = edition / "out"
    first = _start(edition, out, tmp_path / "tmp1")
    second = _start(edition, out, tmp_path / "tmp2")
    results = [(*p.communicate(timeout=120), p.returncode) for p in (first, second)]
    for _, stderr, code in results:
        assert "Traceback" not in stderr
        assert code == 0 or (code == ExitCode.OUTPUT_FAILED and "cannot write" in stderr), stderr
    assert any(code == 0 for *_, code in results)
    assert temporaries(out) == []
    with pikepdf.open(out / "mini-press.pdf") as pdf:
        assert len(pdf.pages) > 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outputs"]["press"]["sha256"] == digest(out / "mini-press.pdf")
    cache = edition.parents[1] / "build" / ".cache" / "images"
    assert temporaries(cache) == []
    sidecars = list(cache.glob("*.json"))
    assert len(sidecars) == 2
    for sidecar in sidecars:
        meta = json.loads(sidecar.read_text())
        with Image.open(cache / meta["file"]) as image:
            image.load()
            assert image.size == (meta["width_px"], meta["height_px"])
    # The cache the two builds shared gives the same bytes as a build from nothing.
    rebuilt = tmp_path / "again"
    code, text = run("build", edition, "--out", rebuilt)
    assert code == 0, text
    assert digest(rebuilt / "mini-press.pdf") == digest(out / "mini-press.pdf")


def test_a_temporary_removed_before_it_is_locked_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another build's clean-up can delete a brand-new temporary before it is locked."""
    import fcntl

    from printpipe import output

    real_flock = fcntl.flock
    calls = {"n": 0}

    def flock_after_a_cleaner(handle: int, operation: int) -> None:
        calls["n"] += 1
        if calls["n"] == 1:  # the other build's clean-up runs in between
            output.remove_stale_temps(tmp_path, ".*.tmp")
        real_flock(handle, operation)

    monkeypatch.setattr(output.fcntl, "flock", flock_after_a_cleaner)
    handle, path = output.claim_temp(tmp_path, "photo.jpg")
    try:
        assert path.exists()
        assert os.fstat(handle).st_nlink == 1
    finally:
        os.close(handle)
