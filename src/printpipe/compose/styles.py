"""The layout's type scale as ReportLab paragraph styles, and inline runs as paragraph markup.

Colours are resolved here for the target's colour space (CMYK for press, sRGB for screen), so
nothing downstream can leak a colour of the wrong space into the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib.colors import CMYKColor, Color, HexColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from printpipe.compose.fonts import INVISIBLE, FontBook
from printpipe.model import Colour, Layout, Run, TextStyle
from printpipe.typeset import hyphenation_language

_ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "centre": TA_CENTER, "justify": TA_JUSTIFY}


@dataclass(frozen=True)
class Palette:
    """Named layout colours resolved for one colour space."""

    colours: dict[str, Colour]
    space: str  # "cmyk" or "rgb"

    def __getitem__(self, name: str) -> Color:
        colour = self.colours[name]
        if self.space == "cmyk":
            c, m, y, k = (value / 100.0 for value in colour.cmyk)
            return CMYKColor(c, m, y, k)
        return HexColor(colour.rgb)

    def markup(self, name: str) -> str:
        """The colour as a value for paragraph markup (``color="..."``)."""
        colour = self.colours[name]
        if self.space == "cmyk":
            c, m, y, k = (value / 100.0 for value in colour.cmyk)
            return f"cmyk({c:.4f},{m:.4f},{y:.4f},{k:.4f})"
        return colour.rgb


@dataclass(frozen=True)
class StyleSheet:
    """Paragraph styles for every layout style, plus what is needed to write inline markup."""

    styles: dict[str, ParagraphStyle]
    layout: Layout
    book: FontBook
    palette: Palette

    @classmethod
    def build(cls, layout: Layout, book: FontBook, space: str, language: str) -> StyleSheet:
        palette = Palette(layout.colours, space)
        hyphen_lang = hyphenation_language(language)
        styles = {
            name: _paragraph_style(style, book, palette, hyphen_lang)
            for name, style in layout.styles.items()
        }
        return cls(styles, layout, book, palette)

    def __getitem__(self, name: str) -> ParagraphStyle:
        return self.styles[name]

    def markup(self, runs: Iterable[Run], style_name: str) -> str:
        """Paragraph markup for ``runs`` set in ``style_name``, with fallback fonts as needed."""
        style = self.layout.styles[style_name]
        parts: list[str] = []
        for run in runs:
            if run.line_break:
                parts.append("<br/>")
                continue
            face = self.book.face(style, run.bold, run.italic)
            text = self._with_fallbacks(run.text, face)
            if run.bold:
                text = f"<b>{text}</b>"
            if run.italic:
                text = f"<i>{text}</i>"
            if run.href:
                colour = self.palette.markup(
                    "accent" if "accent" in self.layout.colours else style.colour
                )
                text = f"<a href={quoteattr(run.href)} color={quoteattr(colour)}>{text}</a>"
            parts.append(text)
        return "".join(parts)

    def plain(self, text: str, style_name: str) -> str:
        """Markup for plain text in one style."""
        return self.markup([Run(text)], style_name)

    def _with_fallbacks(self, text: str, face: str) -> str:
        out: list[str] = []
        for char in text:
            if char in INVISIBLE:
                continue
            if char.isspace() or self.book.has(face, char):
                out.append(escape(char))
                continue
            fallback = self.book.fallback_for(char)
            if fallback is None:
                out.append(escape(char))  # reported by the glyph check before composing
            else:
                out.append(f'<font name="{fallback}">{escape(char)}</font>')
        return "".join(out)


def _paragraph_style(
    style: TextStyle, book: FontBook, palette: Palette, hyphen_lang: str | None
) -> ParagraphStyle:
    face = book.face(style)
    extra: dict[str, object] = {}
    if style.hyphenate and hyphen_lang:
        extra = {"hyphenationLang": hyphen_lang, "embeddedHyphenation": 1, "uriWasteReduce": 0.3}
    if style.uppercase:
        extra["textTransform"] = "uppercase"
    return ParagraphStyle(
        style.name,
        fontName=face,
        bulletFontName=face,
        fontSize=style.size,
        leading=style.leading,
        textColor=palette[style.colour],
        bulletColor=palette[style.colour],
        alignment=_ALIGN[style.align],
        spaceBefore=style.space_before,
        spaceAfter=style.space_after,
        firstLineIndent=style.first_line_indent,
        leftIndent=style.left_indent,
        keepWithNext=int(style.keep_with_next),
        allowWidows=0,
        allowOrphans=0,
        splitLongWords=1,
        **extra,
    )
