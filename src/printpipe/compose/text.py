"""Text blocks for every paragraph style: inline runs to typeset spans, styles to settings.

One place decides how a layout style is set by the typesetter: its face per emphasis (with
fallback fonts for characters the face lacks), alignment and rag, hyphenation rules (the
layout's and the edition's word lists, the organisation's name never broken), hanging
punctuation for quotations, and its place on the baseline grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from printpipe.compose.fonts import INVISIBLE
from printpipe.compose.styles import StyleSheet
from printpipe.compose.textblock import Ink, TextBlock
from printpipe.model import Edition, Run
from printpipe.typeset import Hyphenator, Setting, Span
from printpipe.typeset.hyphenate import SOFT_HYPHEN

HANGING = ("quote", "pull_quote")
HEADINGS = ("h1", "h2", "h3", "toc_title", "related_title", "callout_title")
RAG = 3.0  # ragged lines may fall short of the measure by this many ems before it costs


class TextMaker:
    """Makes :class:`TextBlock` flowables in the layout's styles for one edition."""

    def __init__(self, edition: Edition, sheet: StyleSheet) -> None:
        self.sheet = sheet
        self.layout = edition.layout
        rules = edition.layout.hyphenation
        never = [*rules.never, *edition.hyphenation.never, *edition.organisation.split()]
        self.hyphenator = Hyphenator(
            edition.language,
            capitalised=rules.capitalised,
            exceptions=(*rules.exceptions, *edition.hyphenation.exceptions),
            never=never,
        )
        self.fonts: dict[Path, str] = {path: name for name, path in sheet.book.files.items()}
        body = edition.layout.styles["body"]
        self.grid = body.leading if edition.layout.grid else None

    def colour(self, name: str) -> object:
        return self.sheet.palette[name]

    def spans(self, runs: Iterable[Run], style_name: str) -> list[Span]:
        """Typeset spans for ``runs``: one per stretch of text in one face and ink."""
        style = self.layout.styles[style_name]
        book = self.sheet.book
        link = "accent" if "accent" in self.layout.colours else style.colour
        spans: list[Span] = []
        for run in runs:
            if run.line_break:
                spans.append(Span("", self._path(book.face(style)), style.size, line_break=True))
                continue
            face = book.face(style, run.bold, run.italic)
            ink = Ink(link if run.href else style.colour, run.href)
            text = run.text.upper() if style.uppercase else run.text
            if self._plain(face, text):  # the usual case: one span, no character to check
                if text:
                    spans.append(Span(text, self._path(face), style.size, ink))
                continue
            current = ""
            current_face = face
            for char in text:
                if char in INVISIBLE:
                    continue
                chosen = face
                if not (char.isspace() or char == SOFT_HYPHEN or book.has(face, char)):
                    chosen = book.fallback_for(char) or face
                if chosen != current_face and current:
                    spans.append(Span(current, self._path(current_face), style.size, ink))
                    current = ""
                current_face = chosen
                current += char
            if current:
                spans.append(Span(current, self._path(current_face), style.size, ink))
        return spans

    def _plain(self, face: str, text: str) -> bool:
        """Whether ``face`` sets every character of ``text`` itself, with none to drop."""
        book = self.sheet.book
        return all(
            char not in INVISIBLE
            and (char.isspace() or char == SOFT_HYPHEN or book.has(face, char))
            for char in set(text)
        )

    def _path(self, face: str) -> Path:
        return self.sheet.book.files[face]

    def block(
        self,
        runs: Iterable[Run],
        style_name: str,
        *,
        first_indent: float | None = None,
        marker: str | None = None,
        indent: float = 0.0,
        space_before: float | None = None,
        space_after: float | None = None,
        grid: bool = True,
    ) -> TextBlock:
        """A text block of ``runs`` in ``style_name``; ``marker`` is a bullet or number."""
        style = self.layout.styles[style_name]
        spans = self.spans(runs, style_name)
        setting = Setting(
            measure=1.0,  # set from the frame at wrap time
            align=style.align,
            first_indent=style.first_line_indent if first_indent is None else first_indent,
            hang_punctuation=style_name in HANGING,
            hyphenator=self.hyphenator if style.hyphenate else None,
            rag=RAG * style.size,
        )
        on_grid = self.grid if grid else None
        if style_name in HEADINGS:
            snap = "before"
        elif on_grid and abs(style.leading - on_grid) < 0.01:
            snap = "body"
        else:
            snap = "after"
        marker_spans = self.spans([Run(marker)], style_name) if marker else []
        left = style.left_indent + indent
        return TextBlock(
            spans,
            setting,
            style.leading,
            self.fonts,
            self.colour,
            space_before=style.space_before if space_before is None else space_before,
            space_after=style.space_after if space_after is None else space_after,
            left_indent=left,
            grid=on_grid,
            snap=snap,
            keep_with_next=style.keep_with_next,
            marker=marker_spans,
            marker_width=min(left, 12.0) if marker else 0.0,
        )

    def plain(self, text: str, style_name: str, **options: object) -> TextBlock:
        """A text block of plain ``text``."""
        return self.block([Run(text)], style_name, **options)  # type: ignore[arg-type]
