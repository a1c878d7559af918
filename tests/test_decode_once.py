"""`--target all` decodes each photo once for every target (images.prepare_variants).

Every target's version of a photo is made from one decode sized for the press, so the screen
file of `--target all` must also be byte for byte the screen file built on its own.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import MakeEdition, photo

from printpipe import images
from printpipe.pipeline import BuildOptions, build


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counts: Counter[str] = Counter()
    real = images._decode

    def counting(data: bytes, info: images.ImageInfo, *args: object) -> object:
        counts[info.path.name] += 1
        return real(data, info, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(images, "_decode", counting)
    return counts


def test_target_all_decodes_each_photo_once(
    make_edition: MakeEdition, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = make_edition()
    photo(folder / "photos" / "a.jpg", (4200, 2800))  # far above 300 ppi in a column
    counts = _count_decodes(monkeypatch)
    result = build(folder, BuildOptions(targets=("press", "screen", "archive", "proof"), workers=1))
    assert len(result.results) == 4
    assert counts == {"a.jpg": 1, "ada.png": 1}
    # The four versions differ (CMYK at 300 ppi, RGB at 300 and 150 ppi), from that one decode.
    cached = sorted((folder.parent.parent / "build" / ".cache" / "images").glob("*.jpg"))
    assert len(cached) >= 3
    # A warm rebuild decodes nothing at all.
    counts.clear()
    build(folder, BuildOptions(targets=("press", "screen"), workers=1))
    assert counts == {}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_target_is_the_same_built_alone_or_with_all(
    make_edition: MakeEdition, tmp_path: Path
) -> None:
    folder = make_edition()
    photo(folder / "photos" / "a.jpg", (4200, 2800))
    project = folder.parent.parent
    alone = shutil.copytree(project, tmp_path / "alone")
    together = build(folder, BuildOptions(targets=("press", "screen", "proof"), workers=1))
    for target in ("screen", "proof", "press"):
        single = build(
            alone / "editions" / folder.name,
            BuildOptions(targets=(target,), out_dir=tmp_path / f"out-{target}", workers=1),
        )
        mine = next(r.path for r in together.results if r.target == target)
        assert _sha(single.results[0].path) == _sha(mine), target
        shutil.rmtree(alone / "build" / ".cache")  # each single build starts cold
