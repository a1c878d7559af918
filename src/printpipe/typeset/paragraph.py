"""Set one paragraph: inline spans in, finished lines (glyphs with positions) out.

The steps follow Typst's inline layout: collect the text (with the details of
:mod:`.details`), shape the words (:mod:`.shaping`), find break points (:mod:`.hyphenate`),
break the paragraph as a whole (:mod:`.linebreak`), then finalise each line: its glyphs, the
glyph expansion and the extra word space that make a justified line end on the measure.
Nothing here knows about ReportLab; compose draws the :class:`Line` values it gets back.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from printpipe.typeset.details import NBSP, refine
from printpipe.typeset.hyphenate import SOFT_HYPHEN, Hyphenator
from printpipe.typeset.linebreak import (
    FIL,
    INFINITY,
    Box,
    Glue,
    Item,
    Penalty,
    Settings,
    break_lines,
)
from printpipe.typeset.shaping import Glyph, Shaper, shaper_for

OPENING_QUOTES = "\"'“‘«‹„"
SPACE_STRETCH = 0.5  # of the space width: TeX's ratio; ratio 1 = spaces at 1.5 x natural
SPACE_SHRINK = 1 / 3
HYPHEN_PENALTY = 100
URL_PENALTY = 20
BREAK_SPACE = " \t\n"
RAG_EMS = 3.0  # ragged lines without a rag of their own may fall this many ems short


@dataclass(frozen=True)
class Span:
    """Inline text in one face and size; ``style`` is the caller's (colour, link)."""

    text: str
    font: Path
    size: float
    style: Hashable = None
    line_break: bool = False  # a forced line break (Markdown's hard break)


@dataclass(frozen=True)
class Setting:
    """How a paragraph is set."""

    measure: float
    align: str = "justify"  # justify | left | right | centre
    first_indent: float = 0.0
    hang_punctuation: bool = False
    expansion: float = 0.02  # glyph expansion the breaker may use (Tz), each way
    tracking: float = 0.01  # letter-spacing it may add (Tc), in ems per glyph; half that off
    hyphenator: Hyphenator | None = None
    rag: float = 0.0  # ragged lines: how much shorter than the measure a line may be


@dataclass(frozen=True)
class Piece:
    """Glyphs of one span on one line, starting at ``x`` (points from the line's left)."""

    font: Path
    size: float
    style: Hashable
    glyphs: tuple[Glyph, ...]
    text: str
    x: float
    width: float  # drawn width, expansion and word space included


@dataclass(frozen=True)
class Line:
    """A finished line: pieces to draw, the horizontal scale and the extra space per space."""

    pieces: tuple[Piece, ...]
    scale: float  # glyph expansion, 1.0 = none (ReportLab's horizontal scale / 100)
    word_space: float  # points added to each space glyph before scaling (PDF Tw)
    letter_space: float  # points added after every glyph before scaling (PDF Tc)
    width: float  # drawn width
    hyphenated: bool
    trailing_space: bool  # a space glyph ends the line (so extraction sees a word break)


_Token = tuple[int, int, int]
"""A box's source: the span's index and characters [start, end) of the text (a plain tuple:
paragraphs make hundreds of thousands)."""


AVOID = 1.0e7  # demerits for a hyphen the caller wants avoided (foot of a column or page)


def set_paragraph(
    spans: Sequence[Span], setting: Setting, avoid_hyphen_after: int | None = None
) -> list[Line]:
    """Break ``spans`` into lines of ``setting.measure`` and finalise them.

    ``avoid_hyphen_after``: the index of a line that ends a column; if it would end in a hyphen,
    the paragraph is broken again with that hyphen penalised, and kept if that moved it.
    """
    text, owner = _collect(spans)
    if not text.strip(BREAK_SPACE + NBSP):
        return []
    hang = 0.0
    if setting.hang_punctuation and text[0] in OPENING_QUOTES:
        span = spans[owner[0]]
        hang = shaper_for(span.font).width(text[0], span.size)
    justify = setting.align == "justify"

    def measure(line: int) -> float:
        if line == 0:
            return setting.measure - setting.first_indent + hang
        return setting.measure

    result = None
    passes = _passes(setting, justify, max(span.size for span in spans))
    for hyphenate, settings in passes:
        items, sources = _items(text, owner, spans, setting, hyphenate, justify)
        result = break_lines(items, measure, settings)
        if result is not None:
            break
    assert result is not None  # the last pass rescues
    if avoid_hyphen_after is not None and avoid_hyphen_after < len(result.positions):
        position = result.positions[avoid_hyphen_after]
        last = items[position]
        if isinstance(last, Penalty) and last.flagged:
            again = break_lines(items, measure, settings, {position: AVOID})
            if again is not None and avoid_hyphen_after < len(again.positions):
                moved = items[again.positions[avoid_hyphen_after]]
                if not (isinstance(moved, Penalty) and moved.flagged):
                    result = again
    return _finish(text, owner, spans, setting, items, sources, result.positions, hang, justify)


def _passes(setting: Setting, justify: bool, size: float) -> list[tuple[bool, Settings]]:
    hyphens = setting.hyphenator is not None
    if justify:
        plan = [
            (False, Settings(1.0)),
            (hyphens, Settings(1.0)),
            (hyphens, Settings(2.0, emergency=0.0)),
            (hyphens, Settings(2.0, emergency=setting.measure * 0.05)),
            (hyphens, Settings(100.0, rescue=True)),
        ]
    else:
        rag = setting.rag
        if rag <= 0:
            rag = RAG_EMS * size
        plan = [
            (False, Settings(1.0, rag=rag)),
            (hyphens, Settings(1.0, rag=rag)),
            (hyphens, Settings(3.0, rag=rag)),
            (hyphens, Settings(100.0, rag=rag, rescue=True)),
        ]
    return plan if hyphens else plan[1:]


def _collect(spans: Sequence[Span]) -> tuple[str, list[int]]:
    """The paragraph's text (details applied, soft hyphens kept) and each character's span."""
    parts: list[str] = []
    owner: list[int] = []
    for index, span in enumerate(spans):
        chunk = "\n" if span.line_break else span.text
        parts.append(chunk)
        owner.extend([index] * len(chunk))
    text = "".join(parts)
    refined = refine(text)
    if refined != text:
        # Keep a no-break space or en dash only where the run's font has it.
        chars = list(refined)
        for index, (old, new) in enumerate(zip(text, refined, strict=True)):
            if old != new and not shaper_for(spans[owner[index]].font).has(new):
                chars[index] = old
        refined = "".join(chars)
    return refined, owner


_BREAKS = BREAK_SPACE + NBSP
_TOKENS = re.compile(f"[^{re.escape(_BREAKS)}]+|.", re.DOTALL)
"""A word (a run of characters that are no space) or one space character."""
_FORCED = (Glue(0, FIL, 0), Penalty(0, -INFINITY))  # a forced line break (and the end)
_NO_BREAK = Penalty(0, INFINITY)
_SPACES: dict[tuple[Path, float, bool], Glue] = {}  # the glue of a space, by face and size


def _space_glue(span: Span, justify: bool) -> Glue:
    """A space of ``span``'s face and size; stretch and shrink only when justified."""
    key = (span.font, span.size, justify)
    glue = _SPACES.get(key)
    if glue is None:
        shaper = shaper_for(span.font)
        width = shaper.space.advance * span.size / shaper.upem
        stretch = width * SPACE_STRETCH if justify else 0.0
        shrink = width * SPACE_SHRINK if justify else 0.0
        glue = _SPACES[key] = Glue(width, stretch, shrink)
    return glue


def _items(
    text: str,
    owner: list[int],
    spans: Sequence[Span],
    setting: Setting,
    hyphenate: bool,
    justify: bool,
) -> tuple[list[Item], dict[int, _Token]]:
    """Boxes, glue and penalties for the text; ``sources`` maps box indices to text."""
    items: list[Item] = []
    sources: dict[int, _Token] = {}
    expansion = setting.expansion if justify else 0.0
    tracking = setting.tracking if justify else 0.0
    flex = (expansion, tracking)
    rules = setting.hyphenator.key if setting.hyphenator is not None else None
    tables: dict[int, dict[str, _Made]] = {}  # the word cache of each span of the paragraph
    for match in _TOKENS.finditer(text):
        index, end = match.span()
        if text[index] not in _BREAKS:  # a word (a space is one character on its own)
            span_index = owner[index]
            table = None
            if owner[end - 1] == span_index:  # a word in one run: its items may be cached
                table = tables.get(span_index)
                if table is None:
                    span = spans[span_index]
                    table = tables[span_index] = _WORDS.setdefault(
                        (span.font, span.size, hyphenate, rules, flex), {}
                    )
                cached = table.get(text[index:end])
                if cached is not None:
                    for item, offsets in cached:
                        if offsets is not None:
                            sources[len(items)] = (
                                span_index,
                                index + offsets[0],
                                index + offsets[1],
                            )
                        items.append(item)
                    continue
            _word(text, owner, spans, index, end, items, sources, flex, setting, hyphenate, table)
            continue
        char = text[index]
        span = spans[owner[index]]
        if char == "\n" and span.line_break:
            items.extend(_FORCED)
            continue
        if char == NBSP:
            items.append(_NO_BREAK)
        if items and items[-1].__class__ is not Glue:
            items.append(_space_glue(span, justify))
    while items and isinstance(items[-1], Glue):
        items.pop()
    items.extend(_FORCED)
    return items, sources


def _word(
    text: str,
    owner: list[int],
    spans: Sequence[Span],
    start: int,
    end: int,
    items: list[Item],
    sources: dict[int, _Token],
    flex: tuple[float, float],
    setting: Setting,
    hyphenate: bool,
    table: dict[str, _Made] | None,
) -> None:
    """Boxes (and break penalties) for the word ``text[start:end]``, which may span spans.

    Break points come from the whole word (so "example.org/x" followed by a full stop in
    another run still breaks after its slashes); boxes are cut at break points and span ends.
    ``table``: the word cache of the word's run, if it lies in one run.
    """
    raw = text[start:end]
    first_item = len(items)
    kept = [i for i, ch in enumerate(raw) if ch != SOFT_HYPHEN] + [len(raw)]
    breaks = {}
    if hyphenate and setting.hyphenator is not None:
        for found in setting.hyphenator.breaks(raw):
            breaks[start + kept[found.index]] = found.hyphen
    first = True
    position = start
    while position < end:
        span_index = owner[position]
        stop = position
        while stop < end and owner[stop] == span_index:
            stop += 1
        span = spans[span_index]
        shaper = shaper_for(span.font)
        cuts_raw = [at for at in sorted(breaks) if position < at < stop]
        bounds = [position, *cuts_raw, stop]
        segment = text[position:stop]
        word = segment.replace(SOFT_HYPHEN, "")
        clean_cuts = [len(text[position:at].replace(SOFT_HYPHEN, "")) for at in cuts_raw]
        widths = shaper.split_widths(word, clean_cuts, span.size)
        expansion, tracking = flex
        for piece, width in enumerate(widths):
            sources[len(items)] = (span_index, bounds[piece], bounds[piece + 1])
            track = (bounds[piece + 1] - bounds[piece]) * span.size * tracking
            items.append(
                Box(width, width * expansion + track, width * expansion + track / 2, first)
            )
            first = False
            after = bounds[piece + 1]
            if after in breaks and after < end:
                if breaks[after]:
                    items.append(Penalty(shaper.width("-", span.size), HYPHEN_PENALTY, True))
                else:
                    items.append(Penalty(0, URL_PENALTY, False))
        position = stop
    if table is not None:
        made = []
        for index in range(first_item, len(items)):
            token = sources.get(index)
            offsets = None if token is None else (token[1] - start, token[2] - start)
            made.append((items[index], offsets))
        table[raw] = made


_Made = list[tuple[Item, tuple[int, int] | None]]
"""A word's items, each with its characters (offsets in the word) if it is a box."""

# Items of a word in one run, by (font, size, hyphenation, rules, flex), then by the word's
# text: words recur, and the items are immutable, so they are shared.
_WORDS: dict[tuple[object, ...], dict[str, _Made]] = {}


def _finish(
    text: str,
    owner: list[int],
    spans: Sequence[Span],
    setting: Setting,
    items: list[Item],
    sources: dict[int, _Token],
    positions: Sequence[int],
    hang: float,
    justify: bool,
) -> list[Line]:
    lines: list[Line] = []
    previous = -1
    for number, end in enumerate(positions):
        boxes = [sources[i] for i in range(previous + 1, end) if i in sources]
        if not boxes:
            previous = end
            continue  # nothing to draw (a last resort left an empty line)
        last = items[end]
        hyphen = isinstance(last, Penalty) and last.flagged
        forced = isinstance(last, Penalty) and last.penalty <= -INFINITY
        glue_break = isinstance(last, Glue) or forced
        goal = setting.measure - (setting.first_indent - hang if number == 0 else 0.0)
        indent = setting.first_indent - hang if number == 0 else 0.0
        lines.append(
            _line(text, spans, boxes, hyphen, glue_break, forced, goal, indent, setting, justify)
        )
        previous = end
    return lines


def _line(
    text: str,
    spans: Sequence[Span],
    boxes: list[_Token],
    hyphen: bool,
    trailing: bool,
    last: bool,
    goal: float,
    indent: float,
    setting: Setting,
    justify: bool,
) -> Line:
    """Glyphs of one line, and the expansion and word space that make it fit ``goal``."""
    # Runs of (span, text): word pieces with the spaces between them.
    runs: list[list] = []
    previous_end = -1
    previous_span = 0
    for span_index, start, end in boxes:
        if previous_end >= 0:
            gap = text[previous_end:start]
            if gap == " " or (gap and any(ch in _BREAKS for ch in gap)):
                _append(runs, previous_span, " ")
        _append(runs, span_index, text[start:end].replace(SOFT_HYPHEN, ""))
        previous_end, previous_span = end, span_index
    if hyphen and runs:
        runs[-1][1] += "-"
    if trailing and runs:
        runs[-1][1] += " "
    shaped = []
    boxes_width = 0.0
    space_width = 0.0
    count = 0
    glyph_count = 0
    track_room = 0.0
    tracking = setting.tracking
    chunks = _kern_across(
        [(spans[i], chunk, _shape_chunk(shaper_for(spans[i].font), chunk)) for i, chunk in runs]
    )
    # Sums are taken glyph by glyph, in order, as the breaker's widths were.
    for span, chunk, glyphs in chunks:
        shaper = shaper_for(span.font)
        scale = span.size / shaper.upem
        track = span.size * tracking
        space_gid = shaper.space[0]
        for gid, _, advance, _, _ in glyphs:
            if gid == space_gid:
                space_width += advance * scale
                count += 1
            else:
                boxes_width += advance * scale
                track_room += track
        glyph_count += len(glyphs)
        shaped.append((span, chunk, glyphs, scale, space_gid))
    if trailing and shaped:
        # The trailing space is drawn but takes no part in the fit.
        span, chunk, glyphs, scale, _ = shaped[-1]
        space_width -= glyphs[-1].advance * scale
        count -= 1
        glyph_count -= 1
    natural = boxes_width + space_width
    expand, word_space, letter_space = 1.0, 0.0, 0.0
    stretchy = justify and (not last or natural > goal)
    if stretchy:
        expand, word_space, letter_space = _fit(
            goal, (boxes_width, space_width), (count, glyph_count), track_room, setting.expansion
        )
    offset = indent
    if not justify or last:
        drawn = natural * expand
        if setting.align == "right":
            offset += goal - drawn
        elif setting.align == "centre":
            offset += (goal - drawn) / 2
    pieces = []
    x = offset
    for span, chunk, glyphs, scale, space_gid in shaped:
        width = 0.0
        for gid, _, advance, _, _ in glyphs:
            width += advance * scale + letter_space
            if gid == space_gid:
                width += word_space
        width *= expand
        pieces.append(Piece(span.font, span.size, span.style, glyphs, chunk, x, width))
        x += width
    return Line(tuple(pieces), expand, word_space, letter_space, x - offset, hyphen, trailing)


def _kern_across(
    chunks: list[tuple[Span, str, tuple[Glyph, ...]]],
) -> list[tuple[Span, str, tuple[Glyph, ...]]]:
    """Kern the pair where two runs of one face and size meet ("Monito|r." with a link)."""
    out = list(chunks)
    for number in range(1, len(out)):
        span, chunk, _ = out[number]
        before_span, before_chunk, before_glyphs = out[number - 1]
        if (
            span.font != before_span.font
            or span.size != before_span.size
            or not chunk
            or not before_chunk
            or chunk[0].isspace()
            or before_chunk[-1].isspace()
            or not before_glyphs
        ):
            continue
        shaper = shaper_for(span.font)
        pair = shaper.shape(before_chunk[-1] + chunk[0])
        if len(pair) != 2:
            continue
        alone = shaper.shape(before_chunk[-1])
        kern = pair[0].advance - sum(glyph.advance for glyph in alone)
        if kern:
            last = before_glyphs[-1]
            moved = Glyph(last.gid, last.cluster, last.advance + kern, last.x_offset, last.y_offset)
            out[number - 1] = (before_span, before_chunk, (*before_glyphs[:-1], moved))
    return out


def _shape_chunk(shaper: Shaper, chunk: str) -> tuple[Glyph, ...]:
    """Shape word by word (the cache hits on words) and join with space glyphs.

    Each word's glyphs are copied with their clusters moved to the word's offset in the
    chunk (the first word's need no copy).
    """
    shape = shaper.shape
    space_gid, _, space_advance, _, _ = shaper.space
    make = tuple.__new__
    glyphs: list[Glyph] = []
    offset = 0
    for part_index, part in enumerate(chunk.split(" ")):
        if part_index:
            glyphs.append(make(Glyph, (space_gid, offset - 1, space_advance, 0, 0)))
        if part:
            if offset:
                glyphs.extend(
                    [
                        make(Glyph, (gid, cluster + offset, advance, x_offset, y_offset))
                        for gid, cluster, advance, x_offset, y_offset in shape(part)
                    ]
                )
            else:
                glyphs.extend(shape(part))
        offset += len(part) + 1
    return tuple(glyphs)


def _fit(
    goal: float,
    widths: tuple[float, float],
    counts: tuple[int, int],
    track_room: float,
    expansion: float,
) -> tuple[float, float, float]:
    """Glyph expansion, word space and letter space that make the line exactly ``goal`` wide.

    Glyphs expand (and letter-space) in proportion up to their limits, as the breaker
    assumed; the spaces take the rest.  ``counts`` are the spaces and all glyphs (spaces
    included, a trailing space not); letter space after the last glyph is not seen.
    """
    boxes, spaces = widths
    count, glyphs = counts
    natural = boxes + spaces
    if natural < goal:
        room = expansion * boxes + track_room + SPACE_STRETCH * spaces
        ratio = min((goal - natural) / room, 1.0) if room > 0 else 0.0
        track = track_room * ratio
        rest = goal - natural - room * ratio
        if rest > 0 and track_room > 0:
            # An emergency: letter-spacing may double before the spaces grow alone.
            track += track_room * min(rest / (track_room + SPACE_STRETCH * spaces), 1.0)
    else:
        room = expansion * boxes + track_room / 2 + SPACE_SHRINK * spaces
        ratio = max((goal - natural) / room, -1.0) if room > 0 else 0.0
        track = track_room / 2 * ratio
    expand = 1 + expansion * ratio
    letter_space = track / max(glyphs - count, 1)
    if count <= 0:
        letter_space = (goal / expand - natural) / max(glyphs - 1, 1)
        return expand, 0.0, letter_space
    word_space = (goal / expand - natural - letter_space * (glyphs - 1)) / count
    return expand, word_space, letter_space


def _append(runs: list[list], span: int, chunk: str) -> None:
    if runs and runs[-1][0] == span:
        runs[-1][1] += chunk
    else:
        runs.append([span, chunk])
