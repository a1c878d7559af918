"""The benchmark's content model and its peers: the same report as Typst markup and as HTML.

``tools/bench.py`` generates one :class:`Report` per size and writes it three ways: as a
printpipe edition (Markdown + ``edition.yaml``), as Typst markup and as HTML for WeasyPrint.
The peers run from their own virtualenv (``build/bench/peers-venv``), never from printpipe's
environment: they are benchmark references, not dependencies.

The peer documents follow the house layout (A4 + 3 mm bleed, two columns, Noto Serif 9.5/13.5,
Noto Sans headings) closely enough that page counts are comparable; they embed the photos
untouched (RGB, full resolution), which is what those tools do.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# --- content model -----------------------------------------------------------------------------

#: A block of a chapter: ("h1" | "h2" | "p" | "quote", text) or ("ul", "item\nitem").
Block = tuple[str, str]


@dataclass(frozen=True)
class PhotoPart:
    """One photo: a file relative to the edition folder, its pixel size and placement."""

    file: str
    width_px: int
    height_px: int
    caption: str
    credit: str
    placement: str  # column | full-width | full-bleed


@dataclass(frozen=True)
class PullQuote:
    """A quotation set large across the text width."""

    text: str
    attribution: str


@dataclass
class Chapter:
    """One Markdown section and what follows it before the next section."""

    slug: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    photos: list[PhotoPart] = field(default_factory=list)
    pull_quote: PullQuote | None = None


@dataclass
class Report:
    """The whole body of one benchmark edition."""

    title: str
    chapters: list[Chapter]
    signatories: list[tuple[str, str, str | None]]  # name, role, signature image or None
    callout: tuple[str, str, str]  # title, text, link


_EMPHASIS = re.compile(r"\*([^*]+)\*")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def markdown_of(chapter: Chapter) -> str:
    """The chapter's text as printpipe Markdown (the text uses *emphasis* and [links](url))."""
    out: list[str] = []
    for kind, text in chapter.blocks:
        if kind == "h1":
            out.append(f"# {text}")
        elif kind == "h2":
            out.append(f"## {text}")
        elif kind == "ul":
            out.append("\n".join(f"- {item}" for item in text.splitlines()))
        elif kind == "quote":
            out.append(f"> {text}")
        else:
            out.append(text)
    return "\n\n".join(out) + "\n"


# --- Typst -------------------------------------------------------------------------------------


def _typst_inline(text: str) -> str:
    text = _LINK.sub(lambda m: f'#link("{m.group(2)}")[{m.group(1)}]', text)
    return _EMPHASIS.sub(lambda m: f"_{m.group(1)}_", text)


#: Text-area height of the house layout (297 - 24 - 26 mm) times printpipe's 0.6 photo cap.
MAX_PHOTO_HEIGHT_MM = 148

TYPST_PREAMBLE = """\
#set document(title: "{title}")
#set page(width: 216mm, height: 303mm, columns: 2,
  margin: (top: 27mm, bottom: 29mm, inside: 25mm, outside: 20mm),
  numbering: "1", number-align: center)
#set columns(gutter: 6mm)
#set text(font: "Noto Serif", size: 9.5pt, lang: "en", region: "gb", hyphenate: true)
#set par(justify: true, leading: 4pt, spacing: 8pt)
#show heading: set text(font: "Noto Sans", fill: rgb("#0a4f86"))
#show heading.where(level: 1): it => {{
  pagebreak(weak: true)
  place(top, scope: "parent", float: true, text(size: 24pt, it))
}}
#show heading.where(level: 2): set text(size: 12.5pt)
#show figure.caption: set text(font: "Noto Sans", size: 7.5pt)
"""


def _typst_photo(photo: PhotoPart) -> str:
    path = f'"{photo.file}"'
    caption = f"[{photo.caption} _{photo.credit}_]"
    if photo.placement == "full-bleed":
        return (
            "#page(margin: 0pt, columns: 1, numbering: none)"
            f'[#image({path}, width: 100%, height: 100%, fit: "cover")]'
        )
    portrait = photo.height_px > photo.width_px
    size = f"height: {MAX_PHOTO_HEIGHT_MM}mm" if portrait else "width: 100%"
    figure = f"figure(image({path}, {size}), caption: {caption})"
    if photo.placement == "full-width":
        return f'#place(top, scope: "parent", float: true, {figure})'
    return f"#{figure}"


def typst_of(report: Report) -> str:
    """The report as one Typst document (body only: no cover, no appendix)."""
    out = [TYPST_PREAMBLE.format(title=report.title), "#outline(title: [Contents])"]
    for chapter in report.chapters:
        for kind, text in chapter.blocks:
            if kind == "h1":
                out.append(f"= {text}")
            elif kind == "h2":
                out.append(f"== {text}")
            elif kind == "ul":
                out.append("\n".join(f"- {_typst_inline(item)}" for item in text.splitlines()))
            elif kind == "quote":
                out.append(f"#quote(block: true)[{_typst_inline(text)}]")
            else:
                out.append(_typst_inline(text))
        for photo in chapter.photos:
            out.append(_typst_photo(photo))
        if chapter.pull_quote:
            quote = chapter.pull_quote
            out.append(
                '#place(top, scope: "parent", float: true, block(width: 100%, inset: 6pt)'
                f'[#text(size: 17pt, style: "italic", fill: rgb("#0a4f86"))[{quote.text}] '
                f'\\ #text(font: "Noto Sans", size: 8.5pt)[{quote.attribution}]])'
            )
    cells = []
    for name, role, image in report.signatories:
        picture = f'#image("{image}", height: 15mm) ' if image else ""
        cells.append(f"[{picture}*{name}* \\ {role}]")
    out.append(f"#grid(columns: {len(cells)}, gutter: 6mm, {', '.join(cells)})")
    title, text, link = report.callout
    out.append(
        f'#block(stroke: 0.8pt + rgb("#0a4f86"), inset: 8pt, width: 100%)'
        f'[*{title}* \\ {text} #link("{link}")]'
    )
    return "\n\n".join(out) + "\n"


# --- HTML --------------------------------------------------------------------------------------


def _html_inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
    return _EMPHASIS.sub(lambda m: f"<em>{m.group(1)}</em>", text)


def _font_faces(fonts: Path) -> str:
    faces = []
    for family, stem in (("Noto Serif", "NotoSerif"), ("Noto Sans", "NotoSans")):
        for style, weight, italic in (
            ("Regular", "normal", "normal"),
            ("Bold", "bold", "normal"),
            ("Italic", "normal", "italic"),
            ("BoldItalic", "bold", "italic"),
        ):
            url = (fonts / f"{stem}-{style}.ttf").as_uri()
            faces.append(
                f'@font-face {{ font-family: "{family}"; src: url("{url}"); '
                f"font-weight: {weight}; font-style: {italic}; }}"
            )
    return "\n".join(faces)


HTML_STYLE = """
@page { size: 216mm 303mm; margin: 27mm 20mm 29mm 25mm;
        @bottom-center { content: counter(page); font: bold 8pt "Noto Sans"; } }
@page :left { margin-left: 20mm; margin-right: 25mm; }
@page bleed { margin: 0; @bottom-center { content: none; } }
body { font: 9.5pt/13.5pt "Noto Serif"; text-align: justify; hyphens: auto; margin: 0; }
section { columns: 2; column-gap: 6mm; break-before: page; }
h1 { column-span: all; font: bold 24pt/28pt "Noto Sans"; color: #0a4f86; margin: 0 0 14pt; }
h2 { font: bold 12.5pt/16pt "Noto Sans"; color: #0a4f86; margin: 10pt 0 4pt; }
p { margin: 0 0 4pt; }
blockquote { font-style: italic; color: #0a4f86; margin: 2pt 0 6pt 10pt; }
figure { margin: 0 0 10pt; break-inside: avoid; }
figure img { width: 100%; }
figure.wide { column-span: all; }
figure.wide img { max-height: 148mm; object-fit: contain; }
figure.portrait img { width: auto; height: 148mm; }
figcaption { font: 7.5pt/10pt "Noto Sans"; text-align: left; }
div.bleed { page: bleed; break-before: page; break-after: page; width: 216mm; height: 303mm; }
div.bleed img { width: 216mm; height: 303mm; object-fit: cover; display: block; }
.pull { column-span: all; font: italic 17pt/23pt "Noto Serif"; color: #0a4f86; }
.signatures { display: flex; gap: 6mm; } .signatures img { height: 15mm; }
.callout { border: 0.8pt solid #0a4f86; padding: 8pt; }
nav li { font: 11pt/18pt "Noto Sans"; list-style: none; }
"""


def _html_photo(photo: PhotoPart) -> str:
    src = html.escape(photo.file)
    if photo.placement == "full-bleed":
        return f'<div class="bleed"><img src="{src}" alt=""></div>'
    classes = ["wide"] if photo.placement == "full-width" else []
    if photo.height_px > photo.width_px:
        classes.append("portrait")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return (
        f'<figure{attr}><img src="{src}" alt=""><figcaption>{html.escape(photo.caption)} '
        f"<em>{html.escape(photo.credit)}</em></figcaption></figure>"
    )


def _html_image(src: str | None) -> str:
    return f'<img src="{html.escape(src)}" alt="">' if src else ""


def html_of(report: Report, fonts: Path) -> str:
    """The report as one HTML document for WeasyPrint (body only)."""
    toc = "".join(
        f'<li><a href="#{c.slug}">{html.escape(c.title)}</a></li>' for c in report.chapters
    )
    out = [
        "<!doctype html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title>",
        f"<style>{_font_faces(fonts)}{HTML_STYLE}</style></head><body>",
        f"<nav><h1>Contents</h1><ul>{toc}</ul></nav>",
    ]
    for chapter in report.chapters:
        out.append(f'<section id="{chapter.slug}">')
        bleeds: list[str] = []
        for kind, text in chapter.blocks:
            if kind in ("h1", "h2"):
                out.append(f"<{kind}>{_html_inline(text)}</{kind}>")
            elif kind == "ul":
                items = "".join(f"<li>{_html_inline(i)}</li>" for i in text.splitlines())
                out.append(f"<ul>{items}</ul>")
            elif kind == "quote":
                out.append(f"<blockquote>{_html_inline(text)}</blockquote>")
            else:
                out.append(f"<p>{_html_inline(text)}</p>")
        for photo in chapter.photos:
            target = bleeds if photo.placement == "full-bleed" else out
            target.append(_html_photo(photo))
        if chapter.pull_quote:
            quote = chapter.pull_quote
            out.append(f'<p class="pull">{quote.text}<br><small>{quote.attribution}</small></p>')
        out.append("</section>")
        out.extend(bleeds)
    cells = "".join(
        f"<div>{_html_image(image)}<br><b>{name}</b><br>{role}</div>"
        for name, role, image in report.signatories
    )
    title, text, link = report.callout
    out.append(f'<div class="signatures">{cells}</div>')
    out.append(f'<div class="callout"><b>{title}</b><br>{text} <a href="{link}">{link}</a></div>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- the peers' environment --------------------------------------------------------------------

PEER_PACKAGES = ("typst", "weasyprint")

TYPST_CHILD = """
import sys, typst
typst.compile(sys.argv[1], output=sys.argv[2], root=sys.argv[3], font_paths=[sys.argv[4]])
"""

WEASYPRINT_CHILD = """
import sys
from weasyprint import HTML
HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])
"""

VERSIONS_CHILD = """
import importlib.metadata as m, json, sys
print(json.dumps({name: m.version(name) for name in sys.argv[1:]}))
"""


def ensure_peers_venv(venv: Path, log: Path) -> tuple[Path | None, dict[str, str], str]:
    """The peers' Python (creating the venv on first use), their versions, or why not.

    Returns ``(python, versions, reason)``; ``python`` is None when the peers are unavailable.
    """
    python = venv / "bin" / "python"
    steps: list[list[str]] = []
    if not python.exists():
        steps.append([sys.executable, "-m", "venv", str(venv)])
    probe = [str(python), "-c", VERSIONS_CHILD, *PEER_PACKAGES]
    install = [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES]
    with log.open("ab") as out:
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=out, timeout=600).returncode:
                return None, {}, f"could not create {venv} (see {log})"
        found = subprocess.run(probe, capture_output=True, text=True, timeout=120)
        if found.returncode:
            try:
                code = subprocess.run(install, stdout=out, stderr=out, timeout=1800).returncode
            except subprocess.TimeoutExpired:
                return None, {}, "pip install timed out"
            if code:
                return None, {}, f"pip install {' '.join(PEER_PACKAGES)} failed (see {log})"
            found = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    if found.returncode:
        return None, {}, f"peers do not import: {found.stderr.strip().splitlines()[-1:]}"
    import json

    return python, json.loads(found.stdout), ""
