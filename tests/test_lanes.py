"""Several targets are built in two lanes side by side: the same files, findings and failures.

After the image stage a target is one process's work, so ``--target all`` on two cores builds
its targets in two forked lanes (``pipeline._lanes``).  Nothing a user sees may depend on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from tests.conftest import MINI, ROOT, MakeEdition, photo, run
from tests.test_spreads import LONE_PHOTO, SHORT

from printpipe import pipeline
from printpipe.pipeline import BuildOptions, _lanes, build


def test_targets_go_in_two_lanes_unless_one_worker_or_strict() -> None:
    every = ("press", "screen", "archive", "proof")
    assert _lanes(BuildOptions(targets=every, workers=2)) == [
        ("press", "archive"),
        ("screen", "proof"),
    ]
    assert _lanes(BuildOptions(targets=every, workers=1)) == [every]
    assert _lanes(BuildOptions(targets=every, workers=2, strict=True)) == [every]
    assert _lanes(BuildOptions(targets=("press",), workers=2)) == [("press",)]


def test_lanes_write_the_same_files_and_report_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = ("press", "screen", "archive", "proof")
    sample = ROOT / "editions" / "2019"
    lanes_built: list[int] = []
    real = pipeline._build_lanes

    def counted(*args: Any) -> None:
        lanes_built.append(len(args[-1]))
        real(*args)

    monkeypatch.setattr(pipeline, "_build_lanes", counted)
    side_by_side = build(sample, BuildOptions(targets=every, out_dir=tmp_path / "a", workers=2))
    assert lanes_built == [2]
    in_turn = build(sample, BuildOptions(targets=every, out_dir=tmp_path / "b", workers=1))
    assert [r.target for r in side_by_side.results] == list(every)
    for a, b in zip(side_by_side.results, in_turn.results, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.target
        assert a.pages == b.pages
        assert a.report.to_json().replace("/a/", "/b/") == b.report.to_json(), a.target
    assert side_by_side.warnings == in_turn.warnings
    assert side_by_side.placements == in_turn.placements
    assert side_by_side.fixups == in_turn.fixups
    assert {"compose", "finish", "write"} <= set(side_by_side.timings)
    manifest = (tmp_path / "a" / "manifest.json").read_text(encoding="utf-8")
    assert manifest.replace("/a/", "/b/") == (tmp_path / "b" / "manifest.json").read_text(
        encoding="utf-8"
    ).replace("/a/", "/b/")


def test_a_target_failing_in_a_lane_fails_the_build_as_it_would_in_turn(edition: Path) -> None:
    """A photo far below the press resolution: press fails, with the same message and code."""
    (edition / "photos").mkdir()
    Image.new("RGB", (90, 60), (120, 80, 40)).save(edition / "photos" / "tiny.jpg")
    parts = "  - photo: {file: photos/tiny.jpg, placement: full-width}\n"
    (edition / "edition.yaml").write_text(MINI + parts, encoding="utf-8")
    lanes = run("build", edition, "-t", "screen", "-t", "press", "-j", "2")
    in_turn = run("build", edition, "-t", "screen", "-t", "press", "-j", "1")
    assert lanes[0] != 0 and lanes == in_turn
    assert "tiny.jpg" in lanes[1]


def test_a_lane_prepares_photos_after_the_build_started_its_image_workers(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    """A photo promoted to a page mid-layout, in a lane: the lane starts image workers itself.

    The build's own image workers come from a forkserver the lanes did not start, and a forked
    lane cannot use it.
    """
    second = "  - photo: {file: photos/harbour.jpg, placement: column}\n"
    edition = make_edition(
        yaml=LONE_PHOTO.format(layout="house") + second,
        files={
            "sections/one.md": "# First section\n\n" + "\n\n".join([SHORT] * 8) + "\n",
            "sections/two.md": "# Second section\n\n" + "\n\n".join([SHORT] * 2) + "\n",
        },
    )
    photo(edition / "photos" / "hills.jpg", (5400, 3600), (40, 90, 60))
    photo(edition / "photos" / "harbour.jpg")  # two photos: the image stage starts workers
    every = ("press", "screen", "archive", "proof")
    result = build(edition, BuildOptions(targets=every, out_dir=tmp_path / "out", workers=2))
    assert [r.target for r in result.results] == list(every)
