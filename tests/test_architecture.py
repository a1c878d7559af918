"""Each library has one home: a test walks the imports and keeps it so (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "printpipe"

HOMES = {
    "reportlab": {"compose"},
    "pypdf": {
        "assemble.py",
        "finish.py",
        "fontfix.py",
        "imagefill.py",
        "preflight",
        "spotcolour.py",
        "structure.py",
    },
    "pikepdf": {"preflight"},  # qpdf parses content streams for the preflight's scanner
    "PIL": {"images.py", "proof.py"},
    "pypdfium2": {"proof.py", "structure.py"},
    "watchfiles": {"watch.py"},
    "http": {"watch.py"},
    "yaml": {"yamlfile.py"},
    "click": {"cli.py"},
    "markdown_it": {"markdown.py"},
    "jsonschema": {"load.py"},
    "pdfminer": {"typography"},
    "uharfbuzz": {"typeset", "typography"},
    "pyphen": {"typeset"},
}


def test_the_typesetter_does_not_draw() -> None:
    """typeset/ hands compose finished lines; only compose talks to ReportLab."""
    for path in sorted((PACKAGE / "typeset").rglob("*.py")):
        assert "reportlab" not in _imports(path), path


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_each_library_is_imported_only_in_its_home() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        home = relative.parts[0]
        for library in _imports(path) & set(HOMES):
            if home not in HOMES[library]:
                wrong.append(f"{relative} imports {library}")
    assert not wrong, wrong


def test_only_the_pipeline_knows_the_stage_order() -> None:
    """Stages do not import the orchestrator (imports flow one way)."""
    stages = ["load.py", "images.py", "assemble.py", "finish.py", "preflight", "output.py"]
    for name in stages:
        files = sorted((PACKAGE / name).rglob("*.py")) if name == "preflight" else [PACKAGE / name]
        for path in files:
            assert "printpipe.pipeline" not in path.read_text(encoding="utf-8"), path
