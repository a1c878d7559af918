"""Markdown sections to printpipe blocks, with a line number on every block.

markdown-it-py does the parsing (CommonMark); this module only maps its token stream onto the
small set of blocks the composer knows, so that a glyph problem or an unsupported construct can
be reported as ``sections/02.md:17``.  Pipe tables become table blocks.  Constructs printpipe
does not set are never printed as their markup: HTML, images inside text, code blocks and
footnotes are errors (dropping them would lose content); an HTML comment is a warning and is
dropped, as a comment is not meant to be read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from printpipe.errors import Diagnostic, ExitCode, Location
from printpipe.model import Block, Heading, ListBlock, Paragraph, Quote, Run, TableBlock

MAX_BYTES = 4 * 1024 * 1024
# ReportLab re-breaks a whole paragraph every time it splits it across a page, so setting one
# takes time that grows with the square of its length: 100 KB takes seconds, 400 KB minutes.
# Real paragraphs are a few hundred words; the limits keep a pasted dump from hanging a build.
MAX_PARAGRAPH_CHARS = 128 * 1024
# Breaking an unbroken string into lines is slower still; no word or URL is this long.
MAX_WORD_CHARS = 1000

# HTML and images are parsed (not left as text) so that they can be reported, never printed.
_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
_COMMENT = re.compile(r"^\s*<!--.*?-->\s*$", re.DOTALL)
_ALIGNS = {"text-align:right": "right", "text-align:center": "centre"}


class _Reader:
    """Walks a flat token list, building nested blocks and collecting problems."""

    def __init__(self, tokens: Sequence[Token], label: str) -> None:
        self.tokens = tokens
        self.index = 0
        self.label = label
        self.problems: list[Diagnostic] = []

    def location(self, token: Token) -> Location:
        line = token.map[0] + 1 if token.map else None
        return Location(self.label, line)

    def blocks_until(self, closing: str | None) -> tuple[Block, ...]:
        blocks: list[Block] = []
        while self.index < len(self.tokens):
            token = self.tokens[self.index]
            if closing is not None and token.type == closing:
                self.index += 1
                return tuple(blocks)
            block = self.block(token)
            if block is not None:
                blocks.append(block)
        return tuple(blocks)

    def block(self, token: Token) -> Block | None:
        kind = token.type
        location = self.location(token)
        if kind == "heading_open":
            inline = self.tokens[self.index + 1]
            self.index += 3
            return self.checked(Heading(int(token.tag[1]), self.runs(inline), location), "heading")
        if kind == "paragraph_open":
            inline = self.tokens[self.index + 1]
            self.index += 3
            return self.checked(Paragraph(self.runs(inline), location), "paragraph")
        if kind in ("bullet_list_open", "ordered_list_open"):
            self.index += 1
            closing = kind.replace("_open", "_close")
            start = int(token.attrs.get("start", 1) or 1)
            items: list[tuple[Block, ...]] = []
            while self.tokens[self.index].type != closing:
                self.index += 1  # list_item_open
                items.append(self.blocks_until("list_item_close"))
            self.index += 1
            return ListBlock(kind.startswith("ordered"), start, tuple(items), location)
        if kind == "blockquote_open":
            self.index += 1
            return Quote(self.blocks_until("blockquote_close"), location)
        if kind == "hr":
            self.index += 1
            return None
        if kind == "table_open":
            return self.table(token)
        if kind == "html_block" and _COMMENT.match(token.content):
            self.problems.append(
                Diagnostic(
                    "an HTML comment is not printed; it was left out",
                    location,
                    "delete it if it was meant for the reader",
                    severity="warning",
                )
            )
            self.index += 1
            return None
        self.problems.append(
            Diagnostic(
                f"Markdown {_describe(kind)} is not supported in a section",
                location,
                "use headings, paragraphs, lists and quotes; photos and boxes are parts "
                "in edition.yaml",
            )
        )
        self._skip(token)
        return None

    def runs(self, inline: Token) -> tuple[Run, ...]:
        """The runs of ``inline``, reporting the inline constructs printpipe does not set."""
        line = inline.map[0] + 1 if inline.map else None
        for child in inline.children or ():
            where = Location(self.label, line)
            if child.type in ("softbreak", "hardbreak") and line is not None:
                line += 1
            elif child.type == "image":
                self.problems.append(
                    Diagnostic(
                        f"an image inside text is not set (![{child.content}](...))",
                        where,
                        "place photos as photo: parts in edition.yaml, between sections",
                    )
                )
            elif child.type == "html_inline" and child.content.startswith("<!--"):
                self.problems.append(
                    Diagnostic(
                        "an HTML comment is not printed; it was left out",
                        where,
                        "delete it if it was meant for the reader",
                        severity="warning",
                    )
                )
            elif child.type == "html_inline":
                self.problems.append(
                    Diagnostic(
                        f"HTML is not set in a section ({child.content:.40})",
                        where,
                        "use Markdown: **bold**, *italic*, [text](link); a literal < is "
                        "written \\<",
                    )
                )
            elif child.type == "text" and (note := _FOOTNOTE.search(child.content)):
                self.problems.append(
                    Diagnostic(
                        f"footnotes are not supported ({note[0]})",
                        where,
                        "put the note in the text, in brackets, or in a box part",
                    )
                )
        return runs_of(inline)

    def table(self, token: Token) -> Block | None:
        """A pipe table: header cells, body rows and the column alignments."""
        location = self.location(token)
        header: list[tuple[Run, ...]] = []
        aligns: list[str] = []
        rows: list[tuple[tuple[Run, ...], ...]] = []
        row: list[tuple[Run, ...]] = []
        in_head = False
        self.index += 1
        while self.index < len(self.tokens) and self.tokens[self.index].type != "table_close":
            current = self.tokens[self.index]
            if current.type in ("thead_open", "thead_close"):
                in_head = current.type == "thead_open"
            elif current.type == "th_open":
                aligns.append(_ALIGNS.get(str(current.attrs.get("style", "")), "left"))
            elif current.type == "inline":
                (header if in_head else row).append(self.runs(current))
            elif current.type == "tr_close" and row:
                rows.append(tuple(row))
                row = []
            self.index += 1
        self.index += 1
        return TableBlock(tuple(header), tuple(rows), tuple(aligns), location)

    def checked(self, block: Heading | Paragraph, what: str) -> Block | None:
        """``block``, or None with a problem when it is too long to typeset in reasonable time."""
        text = "".join(run.text for run in block.runs)
        if len(text) > MAX_PARAGRAPH_CHARS:
            self.problems.append(
                Diagnostic(
                    f"this {what} is {len(text):,} characters long (the limit is "
                    f"{MAX_PARAGRAPH_CHARS:,}, about 30 pages)",
                    block.location,
                    "split it into paragraphs with blank lines",
                )
            )
            return None
        longest = max(text.split(), key=len, default="")
        if len(longest) > MAX_WORD_CHARS:
            self.problems.append(
                Diagnostic(
                    f"this {what} has a 'word' of {len(longest):,} characters with no space "
                    f"(starting {longest[:24]!r}); the limit is {MAX_WORD_CHARS:,}",
                    block.location,
                    "add spaces, or put a long link behind link text: [text](url)",
                )
            )
            return None
        return block

    def _skip(self, token: Token) -> None:
        """Skip a whole unsupported construct (its opening to its matching closing)."""
        self.index += 1
        if token.nesting != 1:
            return
        depth = 1
        while self.index < len(self.tokens) and depth:
            depth += self.tokens[self.index].nesting
            self.index += 1


def _describe(kind: str) -> str:
    names = {
        "fence": "code block",
        "code_block": "indented code block (4 leading spaces)",
        "html_block": "HTML",
        "html_inline": "HTML",
        "table_open": "table",
    }
    return names.get(kind, kind.replace("_open", ""))


def runs_of(inline: Token) -> tuple[Run, ...]:
    """Flatten an inline token into runs of uniformly styled text."""
    runs: list[Run] = []
    bold = italic = 0
    href: str | None = None
    for child in inline.children or ():
        kind = child.type
        if kind == "text":
            runs.append(Run(child.content, bold > 0, italic > 0, False, href))
        elif kind == "code_inline":
            runs.append(Run(child.content, bold > 0, italic > 0, True, href))
        elif kind == "softbreak":
            runs.append(Run(" ", bold > 0, italic > 0, False, href))
        elif kind == "hardbreak":
            runs.append(Run("", line_break=True))
        elif kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "link_open":
            href = str(child.attrs.get("href", "")) or None
        elif kind == "link_close":
            href = None
    return _merge(runs)


def _merge(runs: list[Run]) -> tuple[Run, ...]:
    merged: list[Run] = []
    for run in runs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and not run.line_break
            and not previous.line_break
            and (previous.bold, previous.italic, previous.code, previous.href)
            == (run.bold, run.italic, run.code, run.href)
        ):
            merged[-1] = Run(previous.text + run.text, run.bold, run.italic, run.code, run.href)
        else:
            merged.append(run)
    return tuple(merged)


def parse_markdown(text: str, label: str) -> tuple[tuple[Block, ...], list[Diagnostic]]:
    """Parse a section's text; returns its blocks and any problems found (never raises)."""
    # NFC: a letter and its accent typed as two characters (e + U+0301, as macOS and some web
    # pages produce) become the one character fonts have a glyph for.  Line breaks are kept,
    # so line numbers in messages stay right.
    tokens = _PARSER.parse(unicodedata.normalize("NFC", text))
    reader = _Reader(tokens, label)
    blocks = reader.blocks_until(None)
    lines = {d.location.line for d in reader.problems if d.location is not None}
    extra = [
        d
        for d in _footnote_definitions(text, label)
        if d.location is None or d.location.line not in lines
    ]
    return blocks, reader.problems + extra


def _footnote_definitions(text: str, label: str) -> list[Diagnostic]:
    """``[^1]: note`` lines, which CommonMark reads as link definitions and drops silently."""
    return [
        Diagnostic(
            "footnotes are not supported (a footnote definition)",
            Location(label, number),
            "put the note in the text, in brackets, or in a box part",
        )
        for number, line in enumerate(text.splitlines(), start=1)
        if re.match(r"^ {0,3}\[\^[^\]\s]+\]:", line)
    ]


def read_markdown(path: Path, label: str) -> tuple[tuple[Block, ...], list[Diagnostic]]:
    """Read and parse a section file, reporting unreadable or non-UTF-8 files as problems."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        return (), [
            Diagnostic(
                f"cannot read the section: {error.strerror}",
                Location(label),
                "check the path and permissions",
                code=ExitCode.MISSING_INPUT,
            )
        ]
    if len(raw) > MAX_BYTES:
        return (), [
            Diagnostic(
                f"the section is {len(raw) / 1e6:.1f} MB (limit {MAX_BYTES // 2**20} MB)",
                Location(label),
                "split it into several sections",
            )
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return (), [Diagnostic("the section is not UTF-8", Location(label, line), "save as UTF-8")]
    return parse_markdown(text, label)


def plain_text(blocks: Sequence[Block]) -> list[tuple[str, Location]]:
    """Every piece of text in ``blocks`` with its location, for glyph checks."""
    found: list[tuple[str, Location]] = []
    for block in blocks:
        if isinstance(block, Heading | Paragraph):
            found.append(("".join(run.text for run in block.runs), block.location))
        elif isinstance(block, ListBlock):
            for item in block.items:
                found.extend(plain_text(item))
        elif isinstance(block, Quote):
            found.extend(plain_text(block.blocks))
        elif isinstance(block, TableBlock):
            for cells in (block.header, *block.rows):
                for runs in cells:
                    found.append(("".join(run.text for run in runs), block.location))
    return found
