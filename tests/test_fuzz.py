"""Property: whatever an edition and its layout say, a build ends in a PDF or a printpipe error.

Hypothesis writes editions (YAML shaped like a real edition, with arbitrary Unicode and values
of the wrong kind in any place, sometimes with raw text damage), Markdown sections (headings,
lists, quotes, code, HTML, tables and arbitrary lines), layouts (the house style with any of
its values replaced by anything, including NaN, infinities, zero and huge numbers), photos and
supplied PDFs (good ones, junk bytes, truncated copies).  The only outcomes allowed are a
written PDF or a :class:`PrintpipeError` with a documented exit code other than "internal";
any other exception, or a build that runs past a minute, fails the test.

By default a bounded number of examples runs (part of ``make test``).  ``make fuzz`` runs
``pytest tests/test_fuzz.py --hypothesis-profile=long``: about ten minutes.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image
from tests.conftest import deadline

from printpipe.errors import ExitCode, PrintpipeError
from printpipe.pipeline import BuildOptions, build

ROOT = Path(__file__).resolve().parent.parent

# `--hypothesis-profile=long` needs the profile registered before pytest configures Hypothesis,
# i.e. in tests/conftest.py, which registers the same values through this function.
LONG_EXAMPLES = 4000  # about ten minutes on one core
QUICK_EXAMPLES = 60  # part of `make test`: well under a minute


def register_profiles() -> None:
    """The ``long`` profile that ``make fuzz`` loads."""
    settings.register_profile("long", max_examples=LONG_EXAMPLES, deadline=None)


register_profiles()
_PROFILE = settings.get_current_profile_name()
EXAMPLES = QUICK_EXAMPLES if _PROFILE == "default" else settings.default.max_examples
EXAMPLES = int(os.environ.get("PRINTPIPE_FUZZ_EXAMPLES", EXAMPLES))  # for a run of any length
EXAMPLE_SECONDS = 60  # a build of these small editions takes well under a second

ALLOWED = {code for code in ExitCode if code not in (ExitCode.OK, ExitCode.INTERNAL)}

# --- values ---------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# Latin letters and punctuation: every character is in the house fonts, so builds get far.
LATIN = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x17F, exclude_categories=("Cc",)), max_size=40
)
NUMBER = st.one_of(
    st.integers(-5, 400),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 0.0, -0.0, 1e-300, 1e300, 0.001, 1e9]),
)
SCALAR = st.one_of(st.none(), st.booleans(), NUMBER, LATIN, ANY_TEXT)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(LATIN, inner, max_size=3),
    max_leaves=6,
)


class Chaos:
    """How wrong one example is: the share of values replaced by anything at all.

    Half the examples are well formed (only the text and the numbers vary), so that
    composing, assembling and finishing are exercised, not only validation.
    """

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.level = draw(st.sampled_from([0.0, 0.0, 0.0, 0.0, 0.03, 0.1, 0.3, 0.7]), label="chaos")
        words = LATIN.filter(str.strip)
        self.text = words if self.level == 0 else st.one_of(words, words, LATIN, ANY_TEXT)

    def wrong(self) -> bool:
        return self.level > 0 and self.draw(st.floats(0, 1)) < self.level

    def pick(self, strategy: st.SearchStrategy[Any]) -> Any:
        """A value from ``strategy``, or (as often as the chaos level says) anything."""
        return self.draw(VALUE) if self.wrong() else self.draw(strategy)

    def choose(self, good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
        """A good value in well-formed examples; good or odd ones in the others."""
        return self.pick(good if self.level == 0 else st.one_of(good, odd))


# --- files ----------------------------------------------------------------------------------

PHOTOS = ("good.jpg", "alpha.png", "junk.jpg", "cut.jpg", "missing.jpg")
PDFS = ("good.pdf", "junk.pdf", "cut.pdf", "missing.pdf")


def _good_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((2600, 1800), 40).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _good_png() -> bytes:
    out = io.BytesIO()
    image = Image.effect_noise((1300, 1000), 60).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((1300, 1000)))
    image.save(out, "PNG")
    return out.getvalue()


def _good_pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595.2756, 841.8898))
        pdf.pages[-1].Contents = pdf.make_stream(b"0 0 0 1 k 50 50 200 200 re f")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# --- Markdown -------------------------------------------------------------------------------


def markdown_line(text: st.SearchStrategy[str], odd: bool) -> st.SearchStrategy[str]:
    """One line (or block) of a section; ``odd`` adds what sections may not contain."""
    lines = st.one_of(
        st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 7), text),
        text,
        text,
        text.map(lambda t: f"- {t}"),
        text.map(lambda t: f"  1. {t}"),
        text.map(lambda t: f"> {t}"),
        text.map(lambda t: f"*{t}* **{t}** `{t}`"),
        st.builds(
            lambda t, u: f"[{t}]({u})",
            text,
            st.sampled_from(["https://x.org", "javascript:alert(1)", "mailto:a@b.c", ""]),
        ),
        st.sampled_from(["", "---", "***", "\\", "&amp; &lt;b&gt;"]),
    )
    if not odd:
        return lines
    return lines | st.sampled_from(
        [
            "```\ncode\n```",
            "<div>html</div>",
            "| a | b |\n|---|---|\n| 1 | 2 |",
            "![img](good.jpg)",
            "    indented code",
        ]
    )


def markdown(chaos: Chaos) -> str:
    lines = markdown_line(chaos.text, odd=chaos.level > 0)
    return "\n".join(chaos.draw(st.lists(lines, max_size=14)))


# --- edition.yaml ---------------------------------------------------------------------------

GOOD_PHOTOS = st.sampled_from(PHOTOS[:2])
ODD_PHOTOS = st.sampled_from(PHOTOS[2:])
GOOD_PDFS = st.sampled_from(PDFS[:1])
ODD_PDFS = st.sampled_from(PDFS[1:])


def optional(chaos: Chaos, found: dict[str, Any], key: str, strategy: Any) -> None:
    """Set ``key`` now and then (``strategy`` through the chaos)."""
    if chaos.draw(st.booleans()):
        found[key] = chaos.pick(strategy)


def part(chaos: Chaos) -> Any:
    text = chaos.text
    kinds = ["section", "section", "toc", "photo", "photo", "pull_quote", "callout"]
    kinds += ["signatures", "related", "page_break"] + (["unknown"] if chaos.level else [])
    kind = chaos.draw(st.sampled_from(kinds))
    if kind == "section":
        return {"section": chaos.choose(st.sampled_from(["s0.md", "s1.md", "s2.md"]), chaos.text)}
    if kind == "toc":
        return {"toc": chaos.pick(text)}
    if kind == "photo":
        photo = {"file": chaos.choose(GOOD_PHOTOS, ODD_PHOTOS)}
        optional(chaos, photo, "caption", text)
        optional(chaos, photo, "credit", text)
        placements = st.sampled_from(["column", "column", "full-width", "full-bleed"])
        optional(chaos, photo, "placement", placements)
        return {"photo": photo}
    if kind == "pull_quote":
        quote = {"text": chaos.pick(text)}
        optional(chaos, quote, "attribution", text)
        return {"pull_quote": quote}
    if kind == "callout":
        box = {"title": chaos.pick(text), "text": chaos.pick(text)}
        optional(chaos, box, "link", st.sampled_from(["https://example.org", "mailto:a@b.c"]))
        optional(chaos, box, "link_text", text)
        return {"callout": box}
    if kind == "signatures":
        people = []
        for _ in range(chaos.draw(st.integers(1, 4))):
            person = {"name": chaos.pick(text), "role": chaos.pick(text)}
            optional(chaos, person, "image", GOOD_PHOTOS if not chaos.level else ODD_PHOTOS)
            people.append(person)
        return {"signatures": people}
    if kind == "related":
        items = []
        for _ in range(chaos.draw(st.integers(1, 3))):
            item = {"title": chaos.pick(text)}
            optional(chaos, item, "url", st.just("https://example.org/r"))
            optional(chaos, item, "note", text)
            items.append(item)
        return {"related": {"title": chaos.pick(text), "items": items}}
    if kind == "page_break":
        return {"page_break": True}
    return chaos.draw(st.dictionaries(LATIN, VALUE, max_size=2))


def supplied(chaos: Chaos, appendix: bool) -> dict[str, Any]:
    found: dict[str, Any] = {"file": chaos.choose(GOOD_PDFS, ODD_PDFS)}
    if appendix:
        found["title"] = chaos.pick(chaos.text)
        optional(chaos, found, "fit", st.sampled_from(["scale", "refuse"]))
    else:
        optional(chaos, found, "front_pages", st.integers(0, 3))
        optional(chaos, found, "back_pages", st.integers(0, 3))
    optional(chaos, found, "password", chaos.text)
    optional(chaos, found, "accept", chaos.text)
    return found


def chaos_or(
    chaos: Chaos, good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return good if not chaos.level else st.one_of(good, odd)


def edition(chaos: Chaos) -> dict[str, Any]:
    text = chaos.text
    found: dict[str, Any] = {
        "title": chaos.pick(text),
        "organisation": chaos.pick(text),
        "year": chaos.choose(st.integers(1900, 2999), st.integers(1800, 3100)),
        "layout": chaos.choose(st.sampled_from(["fuzz", "fuzz", "house", "letter"]), text),
        "parts": [part(chaos) for _ in range(chaos.draw(st.integers(0 if chaos.level else 1, 7)))],
    }
    optional(chaos, found, "subtitle", text)
    languages = st.sampled_from(["en-GB", "de", "fr", "ar", "zz"])
    optional(chaos, found, "language", chaos_or(chaos, languages, st.just("EN_gb")))
    dates = st.sampled_from(["2020-04-30", "1999-12-31"])
    optional(chaos, found, "date", chaos_or(chaos, dates, st.just("2020-13-01")))
    slugs = st.sampled_from(["fuzz", "a.b-c_d"])
    optional(chaos, found, "slug", chaos_or(chaos, slugs, st.just("Bad Slug")))
    if chaos.draw(st.integers(0, 3)) == 0:
        found["cover"] = supplied(chaos, appendix=False)
    if chaos.draw(st.integers(0, 3)) == 0:
        found["appendices"] = [supplied(chaos, True) for _ in range(chaos.draw(st.integers(1, 2)))]
    if chaos.wrong():
        found[chaos.draw(LATIN)] = chaos.draw(VALUE)
    return found


def damaged(chaos: Chaos, text: str) -> str:
    """``text``, or, in chaotic examples, with one random insertion or deletion."""
    if chaos.level < 0.3 or not text or chaos.draw(st.integers(0, 2)) != 0:
        return text
    at = chaos.draw(st.integers(0, len(text)))
    if chaos.draw(st.booleans()):
        return text[:at] + chaos.draw(ANY_TEXT) + text[at:]
    return text[:at] + text[at + chaos.draw(st.integers(1, 20)) :]


# --- layouts --------------------------------------------------------------------------------

HOUSE = yaml.safe_load((ROOT / "layouts" / "house.yaml").read_text(encoding="utf-8"))


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*path, index))
    else:
        yield path


LEAVES = sorted(_leaves(HOUSE), key=repr)


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def plausible(value: float) -> st.SearchStrategy[float]:
    """Another number a designer might write where ``value`` is: smaller, larger, zero."""
    top = abs(value) * 4 + 10
    return st.one_of(st.just(0), st.integers(0, int(top)), st.floats(0, top, allow_nan=False))


def layout(chaos: Chaos) -> dict[str, Any]:
    found = yaml.safe_load(yaml.safe_dump(HOUSE))
    numeric = [p for p in LEAVES if type(_at(HOUSE, p)) in (int, float)]
    for path in chaos.draw(st.lists(st.sampled_from(numeric), max_size=4)):
        value = _at(HOUSE, path)
        near: st.SearchStrategy[Any] = st.just(value)
        if isinstance(value, int) and value > 0:
            near = st.integers(max(1, value // 2), value + 1)
        elif value > 0:
            near = st.floats(value / 2, value * 2)
        _replace(found, path, chaos.choose(near, plausible(value)))
    if chaos.level:
        for path in chaos.draw(st.lists(st.sampled_from(LEAVES), max_size=3)):
            _replace(found, path, chaos.pick(_at_strategy(HOUSE, path)))
    if chaos.wrong():
        found[chaos.draw(st.sampled_from(sorted(HOUSE)))] = chaos.draw(VALUE)
    if chaos.draw(st.booleans()):
        # The same style, written as a few overrides of the house style.
        found = {"extends": "house", **{k: v for k, v in found.items() if v != HOUSE.get(k)}}
    return found


def _at_strategy(data: Any, path: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    value = _at(data, path)
    return st.just(value) if not isinstance(value, int | float) else plausible(value)


# --- the property ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "layouts", root / "layouts")
    shutil.copytree(ROOT / "assets", root / "assets")
    (root / "editions").mkdir()
    shared = root / "shared"
    shared.mkdir()
    jpeg = _good_jpeg()
    pdf = _good_pdf(4)
    files = {
        "good.jpg": jpeg,
        "alpha.png": _good_png(),
        "junk.jpg": b"\xff\xd8\xff\xe0 not really a JPEG" * 3,
        "cut.jpg": jpeg[: len(jpeg) // 3],
        "good.pdf": pdf,
        "junk.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF\n",
        "cut.pdf": pdf[: len(pdf) // 2],
    }
    for name, data in files.items():
        (shared / name).write_bytes(data)
    return root


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=4096)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(target=st.sampled_from(["press", "press", "screen", "archive", "proof"]), data=st.data())
def test_any_edition_builds_or_fails_cleanly(
    fuzz_project: Path, target: str, data: st.DataObject
) -> None:
    chaos = Chaos(data.draw)
    sections = [markdown(chaos) for _ in range(3)]
    layout_text = damaged(chaos, _dump(layout(chaos)))
    edition_text = damaged(chaos, _dump(edition(chaos)))
    folder = Path(tempfile.mkdtemp(dir=fuzz_project / "editions"))
    try:
        for name in (*PHOTOS, *PDFS):
            source = fuzz_project / "shared" / name
            if source.exists():
                os.link(source, folder / name)  # a hard link: inside the edition
        for index, text in enumerate(sections):
            (folder / f"s{index}.md").write_text(text, encoding="utf-8")
        (fuzz_project / "layouts" / "fuzz.yaml").write_text(layout_text, encoding="utf-8")
        (folder / "edition.yaml").write_text(edition_text, encoding="utf-8")
        out = folder / "out"
        try:
            with deadline(EXAMPLE_SECONDS):
                result = build(folder, BuildOptions(targets=(target,), out_dir=out, workers=1))
        except PrintpipeError as error:
            event(f"chaos {chaos.level}: exit {int(error.exit_code)} ({error.exit_code.name})")
            assert error.exit_code in ALLOWED, (error.exit_code, error.render())
            assert error.render().strip()
            assert not list(out.glob(".*.tmp")) if out.exists() else True
            return
        event(f"chaos {chaos.level}: built {target}")
        for written in result.results:
            with written.path.open("rb") as handle:
                assert handle.read(5) == b"%PDF-"
            assert written.pages >= 1 and math.isfinite(written.pages)
        assert not list(out.glob(".*.tmp"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
