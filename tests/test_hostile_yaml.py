"""Hostile and broken YAML: every case is one clear message with a position, never a traceback.

Each case goes through ``printpipe check`` (the same loader as ``build``) and pins the exit code
and the words of the message.  Large inputs are generated here, never committed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from tests.conftest import MINI, run

from printpipe.errors import ExitCode


def check_bytes(edition: Path, data: bytes) -> tuple[int, str]:
    (edition / "edition.yaml").write_bytes(data)
    return run("check", edition)


def check_text(edition: Path, text: str) -> tuple[int, str]:
    return check_bytes(edition, text.encode("utf-8"))


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


# (name, text of edition.yaml, expected exit code, words, position "line:col" or None)
CASES = [
    ("unclosed bracket", MINI + "  - section: [one.md\n", 3, ["YAML syntax"], "9:1"),
    (
        "bad indentation",
        MINI.replace("year: 2019", "  year: 2019"),
        3,
        ["YAML syntax", "check the indentation"],
        "3:3",
    ),
    (
        "tab indentation",
        MINI.replace("  - section", "\t- section"),
        3,
        ["tab character", "indent with spaces"],
        "7:1",
    ),
    (
        "duplicate key",
        MINI + 'title: "Again"\n',
        3,
        ["duplicate key 'title'", "first given on line 1", "YAML would silently use the last"],
        "8:1",
    ),
    (
        "duplicate nested key",
        MINI + "cover:\n  file: a.pdf\n  file: b.pdf\n",
        3,
        ["duplicate key 'file'"],
        "10:3",
    ),
    (
        "wrong type: list for a number",
        MINI.replace("year: 2019", "year: [1]"),
        3,
        ["expected a whole number", "(year)"],
        "3:1",
    ),
    (
        "wrong type: text for a number",
        MINI.replace("year: 2019", "year: twenty"),
        3,
        ["expected a whole number"],
        "3:1",
    ),
    (
        "wrong type: text for parts",
        MINI.replace("parts:\n  - section: one.md\n", "parts: all of them\n"),
        3,
        ["expected a list"],
        "6:1",
    ),
    ("wrong type: mapping for text", MINI.replace('"Mini"', "{a: 1}"), 3, ["expected text"], "1:1"),
    (
        "unknown key",
        MINI + "subtitel: x\n",
        3,
        ["unknown key 'subtitel'", "did you mean 'subtitle'"],
        "8:1",
    ),
    (
        "unknown nested key",
        MINI + "  - photo: {file: one.md, captoin: x}\n",
        3,
        ["unknown key 'captoin'", "did you mean 'caption'"],
        None,
    ),
    ("alias bomb", _alias_bomb(), 3, ["alias bomb", "anchors"], None),
    (
        "python object tag",
        MINI.replace('"Mini"', '!!python/object/apply:os.system ["touch PWNED"]'),
        3,
        ["tag:yaml.org,2002:python/object/apply:os.system is not allowed", "remove the !tag"],
        "1:8",
    ),
    ("python name tag", MINI + "x: !!python/name:os.system\n", 3, ["is not allowed"], "8:4"),
    (
        "custom tag",
        MINI + "x: !include other.yaml\n",
        3,
        ["the tag !include is not allowed"],
        "8:4",
    ),
    ("set tag", MINI + "x: !!set {a, b}\n", 3, ["is not allowed"], "8:4"),
    (
        "merge key",
        "base: &b {title: x}\nedition:\n  <<: *b\n",
        3,
        ["merge keys (<<) are not supported"],
        "3:3",
    ),
    ("complex key", MINI + "? [a, b]\n: c\n", 3, ["a key must be plain text"], "8:3"),
    ("two documents", MINI + "---\ntitle: b\n", 3, ["YAML syntax", "another document"], "8:1"),
    ("empty file", "", 3, ["the file is empty"], None),
    ("only comments", "# nothing here\n\n", 3, ["the file is empty"], None),
    ("only null", "~\n", 3, ["must be a mapping"], None),
    ("a list, not a mapping", "- title\n- year\n", 3, ["must be a mapping"], "1:1"),
    ("a bare word", "edition\n", 3, ["must be a mapping"], "1:1"),
    (
        "control character",
        MINI.replace("Mini", "Mi\x07ni"),
        3,
        ["unprintable character U+0007", "delete it"],
        "1:11",
    ),
    (
        "nested too deeply (flow)",
        MINI + "x: " + "[" * 3000 + "]" * 3000 + "\n",
        3,
        ["nested too deeply"],
        None,
    ),
    (
        "nested too deeply (block)",
        MINI + "x:\n" + "".join("  " * i + "a:\n" for i in range(150)),
        3,
        ["nested too deeply"],
        None,
    ),
    (
        "number with 5000 digits",
        MINI.replace("year: 2019", "year: " + "9" * 5000),
        3,
        ["4300 digits", "quote it"],
        "3:7",
    ),
    (
        "hex number of 20 KB",
        MINI.replace("year: 2019", "year: 0x" + "f" * 20000),
        3,
        ["too large"],
        "3:7",
    ),
    ("impossible date", MINI + "date: 2020-02-30\n", 3, ["day is out of range"], "8:7"),
    (
        "a 100 KB value",
        MINI.replace('"Mini"', '"' + "x" * 100_000 + '"'),
        3,
        ["characters", "Markdown section"],
        "1:8",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "words", "position"),
    [pytest.param(text, code, words, pos, id=name) for name, text, code, words, pos in CASES],
)
def test_broken_edition_yaml(
    edition: Path, text: str, code: int, words: list[str], position: str | None
) -> None:
    started = time.perf_counter()
    exit_code, output = check_text(edition, text)
    assert exit_code == code, output
    for word in words:
        assert word in output, output
    if position is not None:
        assert f"edition.yaml:{position}" in output, output
    assert time.perf_counter() - started < 10, "a hostile file must be refused quickly"


def test_python_tag_runs_nothing(edition: Path) -> None:
    marker = edition / "PWNED"
    text = MINI.replace('"Mini"', f'!!python/object/apply:os.system ["touch {marker}"]')
    exit_code, _ = check_text(edition, text)
    assert exit_code == ExitCode.INVALID_EDITION
    assert not marker.exists()


def test_alias_bomb_is_refused_fast(edition: Path) -> None:
    started = time.perf_counter()
    exit_code, output = check_text(edition, _alias_bomb(levels=12))  # 9**12 strings expanded
    assert exit_code == ExitCode.INVALID_EDITION and "alias bomb" in output
    assert time.perf_counter() - started < 5


def test_non_utf8_bytes_name_the_line(edition: Path) -> None:
    data = MINI.encode().replace(b"Org", b"Org \xe9t\xe9")  # Latin-1 "été"
    exit_code, output = check_bytes(edition, data)
    assert exit_code == ExitCode.INVALID_EDITION
    assert "not UTF-8 (byte 0xe9)" in output and "edition.yaml:2" in output
    assert "save it as UTF-8" in output


def test_utf16_file_is_named_as_such(edition: Path) -> None:
    exit_code, output = check_bytes(edition, MINI.encode("utf-16"))
    assert exit_code == ExitCode.INVALID_EDITION
    assert "UTF-16, not UTF-8" in output


def test_utf8_bom_is_accepted(edition: Path) -> None:
    exit_code, output = check_bytes(edition, b"\xef\xbb\xbf" + MINI.encode())
    assert exit_code == 0, output


def test_ten_megabyte_file_is_refused_without_parsing(edition: Path) -> None:
    filler = "# " + "x" * 98 + "\n"
    text = MINI + filler * (10 * 1024 * 1024 // len(filler))
    started = time.perf_counter()
    exit_code, output = check_text(edition, text)
    assert exit_code == ExitCode.INVALID_EDITION
    assert re.search(r"the file is 10\.\d MB", output) and "at most 2 MB" in output
    assert time.perf_counter() - started < 5


def test_every_schema_problem_is_reported_at_once(edition: Path) -> None:
    text = (
        MINI.replace("year: 2019", "year: soon")
        .replace("slug: mini", "slug: Not A Slug")
        .replace("layout: house", "layout: house\nlayuot: house")
    )
    exit_code, output = check_text(edition, text)
    assert exit_code == ExitCode.INVALID_EDITION
    assert "3 error(s)" in output
    assert "expected a whole number" in output and "unknown key 'layuot'" in output
    assert "edition.yaml:4:1 (slug)" in output


# --- layouts go through the same reader -------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "words"),
    [
        ("extends: house\npage: {trim: [210, 297}\n", ["YAML syntax"]),
        ("extends: house\npage:\n\tbleed: 3\n", ["tab character"]),
        ("extends: house\nname: a\nname: b\n", ["duplicate key 'name'"]),
        ("extends: house\npage: {bleeed: 3}\n", ["unknown key 'bleeed'", "did you mean 'bleed'"]),
        ("extends: house\npage: {columns: two}\n", ["expected a whole number"]),
        ("extends: house\nname: !!python/object:os.system x\n", ["is not allowed"]),
        ("extends: house\n" + _alias_bomb(), ["alias bomb"]),
        ("", ["the file is empty"]),
        ("- a\n", ["a layout must be a mapping"]),
        ("extends: mine\n", ["extends itself"]),
    ],
)
def test_broken_layout_yaml(edition: Path, project: Path, layout: str, words: list[str]) -> None:
    (project / "layouts" / "mine.yaml").write_text(layout, encoding="utf-8")
    exit_code, output = check_text(edition, MINI.replace("layout: house", "layout: mine"))
    assert exit_code == ExitCode.INVALID_EDITION, output
    for word in words:
        assert word in output, output
    if "extends itself" not in words:
        assert "layouts/mine.yaml" in output, output


@pytest.mark.parametrize("multiple", [1, 2])
def test_layout_page_multiple_is_the_one_preflight_checks(
    edition: Path, project: Path, multiple: int
) -> None:
    (project / "layouts" / "mine.yaml").write_text(
        f"extends: house\npress: {{pad_to_multiple: {multiple}}}\n", encoding="utf-8"
    )
    (edition / "edition.yaml").write_text(MINI.replace("house", "mine"), encoding="utf-8")
    exit_code, output = run("build", edition, "--out", edition / "out")
    assert exit_code == 0, output
