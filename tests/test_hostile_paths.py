"""Paths from other hands: nothing outside the edition (or assets/) is ever read.

Every refusal names the key that gave the path; names with spaces and accents simply work.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from tests.conftest import MINI, photo, run

from printpipe.errors import ExitCode


def check_section(edition: Path, name: str) -> tuple[int, str]:
    quoted = name.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\0")
    (edition / "edition.yaml").write_text(MINI.replace("one.md", f'"{quoted}"'), encoding="utf-8")
    return run("check", edition)


SECTION_KEY = "edition.yaml:7:5 (parts[0].section)"


def test_dot_dot_escape(edition: Path) -> None:
    (edition.parent / "outside.md").write_text("# secret\n")
    code, output = check_section(edition, "../outside.md")
    assert code == ExitCode.INVALID_EDITION
    assert "'../outside.md' leads outside the edition" in output and SECTION_KEY in output
    assert "keep inputs inside" in output


def test_deep_dot_dot_escape_to_system_file(edition: Path) -> None:
    code, output = check_section(edition, "../" * 30 + "etc/passwd")
    assert code == ExitCode.INVALID_EDITION and "leads outside the edition" in output


def test_absolute_path(edition: Path) -> None:
    code, output = check_section(edition, "/etc/passwd")
    assert code == ExitCode.INVALID_EDITION
    assert "absolute path '/etc/passwd' is not allowed" in output and SECTION_KEY in output


def test_symlink_out_of_the_edition_is_not_followed(edition: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# secret\n")
    (edition / "link.md").symlink_to(secret)
    code, output = check_section(edition, "link.md")
    assert code == ExitCode.INVALID_EDITION
    assert (
        "'link.md' leads outside the edition" in output and "links out are not followed" in output
    )


def test_symlink_to_a_device(edition: Path) -> None:
    (edition / "zero.md").symlink_to("/dev/zero")
    code, output = check_section(edition, "zero.md")
    assert code == ExitCode.INVALID_EDITION and "leads outside the edition" in output


def test_symlink_inside_the_edition_works(edition: Path) -> None:
    (edition / "alias.md").symlink_to(edition / "one.md")
    code, output = check_section(edition, "alias.md")
    assert code == 0, output


def test_dangling_symlink(edition: Path) -> None:
    (edition / "gone.md").symlink_to(edition / "deleted.md")
    code, output = check_section(edition, "gone.md")
    assert code == ExitCode.MISSING_INPUT
    assert "'gone.md' is a symbolic link to a file that does not exist" in output


def test_symlink_loop(edition: Path) -> None:
    (edition / "loop.md").symlink_to(edition / "loop.md")
    code, output = check_section(edition, "loop.md")
    assert code == ExitCode.MISSING_INPUT
    assert "cannot use the path 'loop.md'" in output and SECTION_KEY in output


def test_folder_instead_of_a_file(edition: Path) -> None:
    (edition / "sections").mkdir()
    code, output = check_section(edition, "sections")
    assert code == ExitCode.INVALID_EDITION
    assert "'sections' is a folder, not a file" in output and "name the file inside it" in output


def test_named_pipe_is_refused_without_reading_it(edition: Path) -> None:
    os.mkfifo(edition / "pipe.md")  # reading it would block for ever
    code, output = check_section(edition, "pipe.md")
    assert code == ExitCode.INVALID_EDITION
    assert "'pipe.md' is not a regular file" in output


def test_nul_in_a_path(edition: Path) -> None:
    code, output = check_section(edition, "one\x00.md")
    assert code == ExitCode.INVALID_EDITION
    assert "contains a NUL character" in output and SECTION_KEY in output


def test_name_too_long(edition: Path) -> None:
    code, output = check_section(edition, "n" * 5000 + ".md")
    assert code == ExitCode.MISSING_INPUT
    assert "File name too long" in output and SECTION_KEY in output


@pytest.fixture
def deny_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Make the listed files unreadable.

    chmod 000; and for root, who reads anything, the permission check answers as it would
    for anyone else.
    """
    denied: list[Path] = []
    if os.geteuid() == 0:
        real_access = os.access

        def access(path: os.PathLike | str, mode: int, *args: object, **kwargs: object) -> bool:
            if Path(path) in denied and mode & os.R_OK:
                return False
            return real_access(path, mode, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "access", access)
    yield denied
    for path in denied:
        path.chmod(0o644)


@pytest.mark.parametrize(
    ("yaml_extra", "file", "key"),
    [
        ("", "one.md", "parts[0].section"),
        ("  - photo: {file: locked.jpg}\n", "locked.jpg", "parts[1].photo.file"),
        ("cover: {file: locked.pdf}\n", "locked.pdf", "cover.file"),
    ],
)
def test_unreadable_file(
    edition: Path, deny_read: list[Path], yaml_extra: str, file: str, key: str
) -> None:
    target = edition / file
    if not target.exists():
        target.write_bytes(b"%PDF-1.4\n" if file.endswith(".pdf") else b"\xff\xd8\xff")
    target.chmod(0)
    deny_read.append(target.resolve())
    (edition / "edition.yaml").write_text(MINI + yaml_extra, encoding="utf-8")
    code, output = run("check", edition)
    assert code == ExitCode.MISSING_INPUT, output
    assert f"'{file}' cannot be read (permission denied)" in output
    assert f"({key})" in output and "fix the file's permissions" in output


@pytest.mark.parametrize(
    ("yaml_extra", "key"),
    [
        ("  - photo: {file: ../../../photo.jpg}\n", "parts[1].photo.file"),
        (
            "  - signatures: [{name: A, role: B, image: /tmp/sig.png}]\n",
            "parts[1].signatures[0].image",
        ),
        ("cover: {file: ../cover.pdf}\n", "cover.file"),
        ("appendices: [{file: ../../x.pdf, title: X}]\n", "appendices[0].file"),
    ],
)
def test_every_file_key_goes_through_the_same_gate(
    edition: Path, yaml_extra: str, key: str
) -> None:
    (edition / "edition.yaml").write_text(MINI + yaml_extra, encoding="utf-8")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert f"({key})" in output
    assert "leads outside the edition" in output or "absolute path" in output


# --- layouts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "words"),
    [
        ("/etc/hostname", ["absolute path is not allowed"]),
        ("../../../../etc/passwd", ["is outside the project's layouts/ folder"]),
        ("../../outside.yaml", ["is outside the project's layouts/ folder"]),
    ],
)
def test_layout_must_come_from_the_project(
    edition: Path, project: Path, layout: str, words: list[str]
) -> None:
    shutil.copy(project / "layouts" / "house.yaml", project.parent / "outside.yaml")
    (edition / "edition.yaml").write_text(MINI.replace("house", layout), encoding="utf-8")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert "edition.yaml:5:1 (layout)" in output
    for word in words:
        assert word in output


def test_layout_extends_cannot_escape(edition: Path, project: Path) -> None:
    shutil.copy(project / "layouts" / "house.yaml", project.parent / "outside.yaml")
    (edition / "mine.yaml").write_text("extends: ../../../outside.yaml\n")
    (edition / "edition.yaml").write_text(MINI.replace("house", "mine.yaml"), encoding="utf-8")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert "mine.yaml:1:1 (extends)" in output and "outside the project's layouts/" in output


def test_layout_font_outside_assets(edition: Path, project: Path, tmp_path: Path) -> None:
    shutil.copy(project / "assets" / "fonts" / "NotoSans-Regular.ttf", tmp_path / "font.ttf")
    (project / "layouts" / "mine.yaml").write_text(
        f"extends: house\nfallback_fonts: [{'../' * 10}{str(tmp_path)[1:]}/font.ttf]\n"
    )
    (edition / "edition.yaml").write_text(MINI.replace("house", "mine"), encoding="utf-8")
    code, output = run("check", edition)
    assert code == ExitCode.INVALID_EDITION, output
    assert "(fallback_fonts[0])" in output and "leads outside the edition" in output


def test_edition_layout_inside_the_edition_works(edition: Path) -> None:
    (edition / "mine.yaml").write_text("extends: house\nname: Mine\n")
    (edition / "edition.yaml").write_text(MINI.replace("house", "mine.yaml"), encoding="utf-8")
    code, output = run("check", edition)
    assert code == 0 and "layout Mine" in output, output


# --- names that must work -----------------------------------------------------------------


def test_spaces_and_accents_everywhere(project: Path, tmp_path: Path) -> None:
    folder = project / "editions" / "Jahr 2019 – ü"
    (folder / "Kapitel ä").mkdir(parents=True)
    (folder / "Kapitel ä" / "Über uns.md").write_text("# Über uns\n\nÀ bientôt, señor.\n")
    photo(folder / "Fotos ñ" / "Ha fen 東.jpg", (1100, 700))
    appendix = pikepdf.new()
    appendix.add_blank_page(page_size=(595.276, 841.89))
    appendix.save(folder / "Anhang März.pdf")
    (folder / "edition.yaml").write_text(
        MINI.replace("one.md", '"Kapitel ä/Über uns.md"')
        + '  - photo: {file: "Fotos ñ/Ha fen 東.jpg", caption: "Hafen"}\n'
        + 'appendices: [{file: "Anhang März.pdf", title: "Anhang"}]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out put é"
    code, output = run("build", folder, "--out", out)
    assert code == 0, output
    with pikepdf.open(out / "mini-press.pdf") as pdf:
        assert len(pdf.pages) == 4


def test_name_in_another_unicode_normal_form(edition: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Café März.md")  # as macOS writes it
    (edition / nfd).write_text("# Café\n\nText.\n", encoding="utf-8")
    code, output = check_section(edition, unicodedata.normalize("NFC", "Café März.md"))
    assert code == 0, output
