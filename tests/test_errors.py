"""Every error class: its exit code and the words of its message, through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from reportlab.pdfgen.canvas import Canvas
from tests.conftest import BASIC_EDITION, MakeEdition

from printpipe.cli import main
from printpipe.errors import ExitCode

POSITION = re.compile(r"edition\.yaml:(\d+):(\d+)")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_three_planted_mistakes_reported_at_once(make_edition: MakeEdition) -> None:
    planted = (
        BASIC_EDITION.replace("subtitle:", "subtitel:")
        .replace("photos/a.jpg", "photos/missing.jpg")
        .replace("      placement: column", "    placement: column")
    )
    edition = make_edition(yaml=planted)
    code, output = run("check", str(edition))
    assert code != 0
    positions = POSITION.findall(output)
    assert len(set(positions)) >= 3, output
    assert "unknown key 'subtitel'" in output and "did you mean 'subtitle'" in output
    assert "file not found: photos/missing.jpg" in output
    assert "a part has exactly one kind" in output  # the bad indent


@pytest.mark.parametrize(
    ("yaml_change", "words", "expected"),
    [
        (("year: 2019", "year: twenty"), "expected a whole number", ExitCode.INVALID_EDITION),
        (("layout: house", "layout: hous"), "did you mean 'house'", ExitCode.MISSING_INPUT),
        (
            ("placement: column", "placement: colum"),
            "did you mean 'column'",
            ExitCode.INVALID_EDITION,
        ),
        (
            ('title: "Test Report"', 'title: "Test"\ntitle: "Again"'),
            "duplicate key 'title'",
            ExitCode.INVALID_EDITION,
        ),
        (
            ("language: en-GB", "language: !!python/object:os.system en"),
            "is not allowed",
            ExitCode.INVALID_EDITION,
        ),
    ],
)
def test_invalid_edition_exit_code(
    make_edition: MakeEdition, yaml_change: tuple[str, str], words: str, expected: ExitCode
) -> None:
    edition = make_edition(yaml=BASIC_EDITION.replace(*yaml_change))
    code, output = run("check", str(edition))
    assert code == expected, output
    assert words in output


def test_yaml_syntax_error_has_position(make_edition: MakeEdition) -> None:
    edition = make_edition(yaml=BASIC_EDITION + "  - section: [unclosed\n")
    code, output = run("check", str(edition))
    assert code == ExitCode.INVALID_EDITION
    assert POSITION.search(output) and "YAML syntax" in output


def test_missing_glyph_names_character_file_and_line(make_edition: MakeEdition) -> None:
    edition = make_edition(
        files={"sections/two.md": "# Second\n\nfine text\n\nA snowman \u2603 here.\n"}
    )
    code, output = run("check", str(edition))
    assert code == ExitCode.INVALID_EDITION
    assert "U+2603" in output and "two.md:5" in output


def test_missing_input_exit_code(make_edition: MakeEdition) -> None:
    edition = make_edition(yaml=BASIC_EDITION.replace("sections/two.md", "sections/nope.md"))
    code, output = run("check", str(edition))
    assert code == ExitCode.MISSING_INPUT
    assert "file not found: sections/nope.md" in output


def test_no_edition_folder(tmp_path: Path) -> None:
    code, output = run("check", str(tmp_path / "nowhere"))
    assert code == ExitCode.MISSING_INPUT and "no edition.yaml" in output


def test_bad_input_file_exit_code(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition(yaml=BASIC_EDITION + "cover:\n  file: cover.pdf\n")
    (edition / "cover.pdf").write_text("<html><body>404</body></html>")
    code, output = run("build", str(edition), "--out", str(tmp_path / "out"))
    assert code == ExitCode.BAD_INPUT_FILE, output
    assert "cover.pdf is an HTML page" in output


def test_image_policy_exit_code(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    Image.new("RGB", (10, 10), "red").save(edition / "photos" / "a.jpg")
    code, output = run("build", str(edition), "--out", str(tmp_path / "out"))
    assert code == ExitCode.IMAGE_POLICY, output
    assert "a.jpg" in output and "ppi on page" in output


def test_preflight_failure_of_supplied_appendix(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition(
        yaml=BASIC_EDITION + "appendices:\n  - file: accounts.pdf\n    title: Accounts\n"
    )
    canvas = Canvas(str(edition / "accounts.pdf"), pagesize=(595.28, 841.89))
    canvas.setFillColorRGB(1, 0, 0)
    canvas.drawString(72, 700, "Helvetica, not embedded, in RGB")
    canvas.save()
    code, output = run("build", str(edition), "--out", str(tmp_path / "out"))
    assert code == ExitCode.PREFLIGHT_FAILED, output
    assert "Helvetica" in output and "accept:" in output
    assert not (tmp_path / "out" / "test-2019-press.pdf").exists()


def test_output_folder_not_writable(make_edition: MakeEdition, tmp_path: Path) -> None:
    edition = make_edition()
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    code, output = run("build", str(edition), "--out", str(blocker / "out"))
    assert code == ExitCode.OUTPUT_FAILED, output
    assert "cannot write" in output


def test_bad_source_date_epoch(
    make_edition: MakeEdition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition = make_edition()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code, output = run("build", str(edition), "--out", str(tmp_path / "out"))
    assert code == ExitCode.USAGE and "SOURCE_DATE_EPOCH" in output


def test_schema_command_prints_both_schemas() -> None:
    import json

    code, output = run("schema")
    assert code == 0
    schemas = json.loads(output)
    assert schemas["edition"]["properties"]["parts"]["items"]["maxProperties"] == 2  # + break
    assert "trim" in schemas["layout"]["properties"]["page"]["properties"]


def test_version() -> None:
    code, output = run("--version")
    assert code == 0 and "printpipe" in output


def test_committed_schema_files_match_the_code() -> None:
    """Editors read schemas/*.json; they must never drift from what the loader enforces."""
    import json

    from tests.conftest import ROOT

    from printpipe.schema import schemas_json

    live = json.loads(schemas_json())
    for name in ("edition", "layout"):
        committed = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
        assert committed == live[name], (
            f"update schemas/{name}.schema.json: printpipe schema {name}"
        )
