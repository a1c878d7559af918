"""Shared fixtures: a throw-away project (layouts + assets), small editions, built samples."""

from __future__ import annotations

import os
import shutil
import signal
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from printpipe.cli import main
from printpipe.pipeline import BuildOptions, BuildResult, build

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Register the fuzz test's `long` profile before Hypothesis reads --hypothesis-profile."""
    from tests.test_fuzz import register_profiles

    register_profiles()


EPOCH = "1588204800"  # 2020-04-30


@pytest.fixture(autouse=True)
def _source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A minimal printpipe project: the real layouts and assets, no editions."""
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    shutil.copytree(ROOT / "assets", tmp_path / "assets")
    (tmp_path / "editions").mkdir()
    return tmp_path


def photo(
    path: Path, size: tuple[int, int] = (1200, 800), colour: tuple[int, int, int] = (200, 60, 40)
) -> Path:
    """A small noisy RGB JPEG (noise so it compresses like a photo)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    noise = Image.effect_noise(size, 40).convert("RGB")
    image = Image.blend(Image.new("RGB", size, colour), noise, 0.25)
    image.save(path, quality=85)
    return path


def signature(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(20, 180), (200, 20), (380, 170), (580, 30)], fill=(10, 20, 70, 255), width=9
    )
    image.save(path)
    return path


LOREM = (
    "Defenders in twelve coastal districts documented threats, met officials and trained "
    "one another in digital safety, often at considerable personal risk. "
)

BASIC_EDITION = """\
title: "Test Report"
subtitle: "Annual Report 2019"
organisation: "Test Rights Network"
year: 2019
language: en-GB
date: 2020-04-30
slug: test-2019
layout: house
parts:
  - toc: Contents
  - section: sections/one.md
  - photo:
      file: photos/a.jpg
      caption: "A caption"
      credit: "Photo: test"
      placement: column
  - section: sections/two.md
  - signatures:
      - name: "Ada Example"
        role: "Director"
        image: signatures/ada.png
      - name: "Ben Example"
        role: "Chair"
  - callout:
      title: "Subscribe to the monitor"
      text: "News every month."
      link: "https://example.org/monitor"
"""


MakeEdition = Callable[..., Path]


@pytest.fixture
def make_edition(project: Path) -> MakeEdition:
    """Write an edition into the project; returns its folder.

    ``yaml`` replaces edition.yaml; ``files`` adds or replaces text files; photos and a
    signature referenced by the basic edition are always created.
    """

    def make(
        name: str = "2019", yaml: str = BASIC_EDITION, files: dict[str, str] | None = None
    ) -> Path:
        folder = project / "editions" / name
        (folder / "sections").mkdir(parents=True, exist_ok=True)
        (folder / "edition.yaml").write_text(textwrap.dedent(yaml), encoding="utf-8")
        (folder / "sections" / "one.md").write_text(
            "# First section\n\n"
            + "\n\n".join(LOREM * 5 for _ in range(6))
            + "\n\n## A subhead\n\n- one\n- two\n",
            encoding="utf-8",
        )
        (folder / "sections" / "two.md").write_text(
            "# Second section\n\n" + "\n\n".join(LOREM * 4 for _ in range(5)) + "\n\n> A quote.\n",
            encoding="utf-8",
        )
        photo(folder / "photos" / "a.jpg", (1600, 1000))
        signature(folder / "signatures" / "ada.png")
        for relative, text in (files or {}).items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return folder

    return make


def run_build(edition: Path, out: Path, *targets: str) -> BuildResult:
    return build(edition, BuildOptions(targets=targets or ("press",), out_dir=out, workers=1))


@pytest.fixture(scope="session")
def sample_press(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The 2019 sample edition's press PDF, built once per test session (worker)."""
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    out = tmp_path_factory.mktemp("sample-press")
    return build(ROOT / "editions" / "2019", BuildOptions(targets=("press",), out_dir=out))


# --- the hostile-input tests' small edition and CLI runner ---------------------------------

MINI = """\
title: "Mini"
organisation: "Org"
year: 2019
slug: mini
layout: house
parts:
  - section: one.md
"""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs longer than ``seconds``."""

    def expired(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(*args: str | Path, seconds: float = 120) -> tuple[int, str]:
    """The CLI in-process: exit code and output; a traceback, stray exception or hang fails."""
    with deadline(seconds):
        result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture
def edition(project: Path) -> Path:
    """A one-section edition (MINI) in the throw-away project, for the hostile-input tests."""
    folder = project / "editions" / "e"
    folder.mkdir()
    (folder / "one.md").write_text("# One\n\nSome text.\n", encoding="utf-8")
    (folder / "edition.yaml").write_text(MINI, encoding="utf-8")
    return folder
