"""Measuring: lines, word spaces, hyphens, kerning, ligatures, baselines and page fill."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from printpipe.load import display_path
from printpipe.model import Layout
from printpipe.typography.figures import Figures, PageReport, Report
from printpipe.typography.glyphs import Box, PageGlyphs, read_body_pages
from printpipe.typography.kerning import LIGATURE_FORMS, KernTable, glyph_char
from printpipe.typography.lines import (
    INDENT_MERGE,
    LINE_TOLERANCE,
    Column,
    Geometry,
    Line,
    column_of,
    infer_columns,
    is_gap,
    raw_lines,
    split_columns,
)

KERN_TOLERANCE = 0.05  # pt: drawn distance equals advance + kern
LIGATURE_SITES = re.compile("ff[il]|f[fil]")
WORD = re.compile(r"[^\W\d_]+")
ADDRESS = re.compile(r"[@/]|\.\w")  # web and e-mail addresses are not words


def _letters_before(text: str) -> str:
    match = re.search(r"[^\W\d_]*$", text)
    return match.group(0) if match else ""


def _letters_after(text: str) -> str:
    match = re.match(r"[^\W\d_]*", text.lstrip())
    return match.group(0) if match else ""


def space_ratio(line: Line, space_em: Callable[[str], float | None]) -> float | None:
    """Drawn over natural advance of the line's word spaces (None when it has none).

    A word space is a run of space glyphs between two words (drawn: from the first space's
    origin to the next word's; natural: the spaces' widths at their size), or a gap wider than
    ``GAP_EM`` between glyphs with no space glyph, for words placed one by one (drawn: from the
    end of the word to the next; natural: the font's space, ``space_em``, a quarter em if the
    font file is unknown).
    """
    glyphs = line.glyphs
    drawn = natural = 0.0
    # a gap before the first letter follows a list marker ("•", "3."): it is no word space
    first_letter = next((i for i, g in enumerate(glyphs) if g.text.isalpha()), len(glyphs))
    index = 1
    while index < len(glyphs):
        glyph, previous = glyphs[index], glyphs[index - 1]
        if glyph.is_space and not previous.is_space:
            end = index
            while end < len(glyphs) and glyphs[end].is_space:
                end += 1
            if end < len(glyphs):
                drawn += glyphs[end].x - glyph.x
                natural += sum(g.width_em * g.size for g in glyphs[index:end])
            index = end
            continue
        if index > first_letter and is_gap(previous, glyph):
            drawn += glyph.x - (previous.x + previous.advance + previous.charspace)
            natural += (space_em(previous.font) or 0.25) * previous.size
        index += 1
    return drawn / natural if natural > 0 else None


def on_grid(y: float, baselines: Sequence[float], leading: float | None) -> bool:
    """Whether baseline ``y`` lies on one of ``baselines`` (within 0.5 pt).

    Where those baselines have no line within a leading of ``y`` (beside a photo, below a
    column's end), their grid continues: ``y`` is on it when it is a whole number of leadings
    from the nearest one.
    """
    if not baselines:
        return False
    nearest = min(baselines, key=lambda base: abs(y - base))
    distance = abs(y - nearest)
    if distance <= LINE_TOLERANCE:
        return True
    if leading is None or distance < leading - LINE_TOLERANCE:
        return False
    return abs(distance - round(distance / leading) * leading) <= LINE_TOLERANCE


def _union_area(boxes: Sequence[Box]) -> float:
    """Area of a union of rectangles (slabs between distinct y values)."""
    ys = sorted({y for box in boxes for y in (box.y0, box.y1)})
    area = 0.0
    for low, high in itertools.pairwise(ys):
        spans = sorted((b.x0, b.x1) for b in boxes if b.y0 <= low and b.y1 >= high)
        covered, reach = 0.0, float("-inf")
        for x0, x1 in spans:
            if x1 <= reach:
                continue
            covered += x1 - max(x0, reach)
            reach = x1
        area += covered * (high - low)
    return area


def _leading_by_size(lines_by_page: Sequence[Sequence[Line]]) -> dict[float, float]:
    """The most common baseline step of each size between consecutive lines of one column."""
    steps: dict[float, Counter[float]] = {}
    for lines in lines_by_page:
        for a, b in itertools.pairwise(lines):
            if a.size == b.size and a.column == b.column and a.column is not None:
                step = round(a.y - b.y, 2)
                if 0 < step < 3 * a.size:
                    steps.setdefault(a.size, Counter())[step] += 1
    return {size: counter.most_common(1)[0][0] for size, counter in steps.items()}


class _Measurer:
    def __init__(self, pages: list[PageGlyphs], geometry: Geometry | None, kerns: KernTable):
        self.pages = pages
        self.geometry = geometry
        self.kerns = kerns
        self.short_breaks: list[str] = []
        self.capitalised_breaks: list[str] = []
        self.unkerned: Counter[str] = Counter()
        self.loose_lines: list[tuple[float, str, str]] = []
        self.overfull_lines: list[tuple[float, str, str]] = []
        raw = [raw_lines(page.glyphs) for page in pages]
        sizes: Counter[float] = Counter()
        for lines in raw:
            for line in lines:
                for glyph in line.glyphs:
                    if not glyph.is_space:
                        sizes[glyph.size] += 1
        self.body_size = (
            geometry.body_size
            if geometry and geometry.body_size
            else (round(sizes.most_common(1)[0][0], 2) if sizes else None)
        )
        self.columns: list[list[Column]] = []
        self.areas: list[Box | None] = []
        self.lines: list[list[Line]] = []
        for page, lines in zip(pages, raw, strict=True):
            columns, area = self._frame(page, lines)
            split = split_columns(lines, columns)
            for line in split:
                if line.column is None:
                    line.column = column_of(line.x0, columns)
            self.columns.append(columns)
            self.areas.append(area)
            self.lines.append(split)
        self.leading = _leading_by_size(self.lines)
        if geometry is not None:
            self.leading.update(geometry.leading)
        else:
            self._infer_missing_columns()
            self._infer_areas()
        self.lowercase_words = {
            word
            for lines in self.lines
            for line in lines
            if self.is_body(line)
            for token in line.text.split()
            if not ADDRESS.search(token)
            for word in WORD.findall(token)
            if word.islower()
        }

    def is_body(self, line: Line) -> bool:
        return self.body_size is not None and abs(line.size - self.body_size) < 0.01

    def _frame(self, page: PageGlyphs, lines: list[Line]) -> tuple[list[Column], Box | None]:
        body = [line for line in lines if self.is_body(line)]
        if self.geometry is None:
            return infer_columns(body), None
        best: tuple[tuple[int, int], list[Column], Box] | None = None
        for inner_left in (True, False):
            columns, area = self.geometry.frame(page.trim, inner_left)
            # lines starting on a column's edge, then lines starting just inside one (lists)
            score = (
                sum(any(abs(line.x0 - c.left) <= LINE_TOLERANCE for c in columns) for line in body),
                sum(any(0 <= line.x0 - c.left <= INDENT_MERGE for c in columns) for line in body),
            )
            if best is None or score > best[0]:
                best = (score, columns, area)
        assert best is not None
        return best[1], best[2]

    def _infer_missing_columns(self) -> None:
        """Give every page the columns of its side (the margins alternate).

        That is the most common set among the pages with the most columns, when the page's own
        columns are part of it.

        A page set in one column, or with none (a photo, the contents), is still a page of the
        two-column grid: its empty column is the white a fill figure must show.
        """
        for side in (0, 1):
            pages = [i for i in range(len(self.columns)) if i % 2 == side]
            widest = max((len(self.columns[i]) for i in pages), default=0)
            if not widest:
                pages = list(range(len(self.columns)))
                widest = max((len(self.columns[i]) for i in pages), default=0)
            sets = Counter(tuple(self.columns[i]) for i in pages if len(self.columns[i]) == widest)
            if not sets:
                continue
            canonical = list(sets.most_common(1)[0][0])
            for index in range(side, len(self.columns), 2):
                own = self.columns[index]
                inside = all(any(k.left - 1 <= c.left < k.right for k in canonical) for c in own)
                if inside and own != canonical:
                    self.columns[index] = canonical
                    for line in self.lines[index]:
                        line.column = column_of(line.x0, canonical)

    def _infer_areas(self) -> None:
        tops, bottoms = [], []
        for lines in self.lines:
            for line in lines:
                if line.column is not None and self.is_body(line):
                    leading = self.leading.get(line.size, 1.2 * line.size)
                    tops.append(line.y + 0.75 * leading)
                    bottoms.append(line.y - 0.25 * leading)
        for index, columns in enumerate(self.columns):
            if columns and tops:
                self.areas[index] = Box(columns[0].left, min(bottoms), columns[-1].right, max(tops))

    # -- per page --

    def measure(self) -> tuple[list[PageReport], Figures]:
        totals = Figures()
        reports = []
        body_sequence = [
            (p, line) for p, lines in enumerate(self.lines) for line in lines if self.is_body(line)
        ]
        next_body: dict[int, Line | None] = {
            id(line): following for (_, line), (_, following) in itertools.pairwise(body_sequence)
        }
        for p, page in enumerate(self.pages):
            figures = Figures()
            self._lines(p, figures, next_body)
            self._kerning(p, figures)
            self._ligatures(p, figures)
            self._grid(p, figures)
            fill = self._fill(p)
            reports.append(PageReport(page.index, page.label, self._used_columns(p), figures, fill))
            totals.add(figures)
        return reports, totals

    def _used_columns(self, p: int) -> int:
        return len({line.column for line in self.lines[p] if self.is_body(line)} - {None})

    def _lines(self, p: int, figures: Figures, next_body: dict[int, Line | None]) -> None:
        columns = self.columns[p]
        run_column: int | None = None
        run = 0
        for line in self.lines[p]:
            body = self.is_body(line)
            hyphen = body and line.ends_in_hyphen()
            # stacks: consecutive lines of one column ending in a hyphen
            if hyphen and line.column == run_column:
                run += 1
            else:
                run = 1 if hyphen else 0
                run_column = line.column
            if run == 3:
                figures.hyphen_stacks += 1
            if not body:
                continue
            figures.lines += 1
            if hyphen:
                self._hyphen_break(line, next_body.get(id(line)), figures)
            ratio = space_ratio(line, self.kerns.space_em)
            if ratio is None or line.column is None:
                continue
            right = columns[line.column].right
            edges = (line.x1, line.edge_before_hang())
            if not any(abs(edge - right) <= LINE_TOLERANCE for edge in edges):
                if line.x1 > right + LINE_TOLERANCE and line.edge_before_hang() > right:
                    figures.overfull += 1
                    label = self.pages[p].label
                    self.overfull_lines.append((line.x1 - right, label, line.text.strip()))
                continue
            figures.justified += 1
            figures.over_1_5 += ratio > 1.5
            figures.over_2 += ratio > 2.0
            figures.hyphenated += hyphen
            self.loose_lines.append((ratio, self.pages[p].label, line.text.strip()))
            if figures.worst_ratio is None or ratio > figures.worst_ratio:
                figures.worst_ratio, figures.worst_text = ratio, line.text.strip()

    def _hyphen_break(self, line: Line, following: Line | None, figures: Figures) -> None:
        text = line.text.rstrip()[:-1]
        before = _letters_before(text)
        after = _letters_after(following.text) if following else ""
        words = text.split()
        word = words[-1].lstrip("\"'‘“([") if words else ""
        shown = f"{word}-{after}"
        if len(before) < 2 or len(after) < 3:
            figures.short_breaks += 1
            self.short_breaks.append(shown)
        if before[:1].isupper() and not self._common_word((before + after).lower()):
            figures.capitalised_breaks += 1
            self.capitalised_breaks.append(shown)

    def _common_word(self, word: str) -> bool:
        """Set in lower case somewhere in the body (or its singular or plural is)."""
        forms = {word, word + "s", word.removesuffix("s"), word.removesuffix("es")}
        return not forms.isdisjoint(self.lowercase_words)

    def _kerning(self, p: int, figures: Figures) -> None:
        for line in self.lines[p]:
            if not self.is_body(line):
                continue
            for glyph in line.glyphs:
                if glyph.text and glyph.text in LIGATURE_FORMS:
                    figures.presentation_forms += 1
                elif not glyph.text:
                    figures.missing_unicode += 1
            for a, b in itertools.pairwise(line.glyphs):
                if a.is_space or b.is_space or a.font != b.font or abs(a.size - b.size) > 0.01:
                    continue
                if is_gap(a, b):  # two words placed one by one: no pair
                    continue
                first, second = glyph_char(a), glyph_char(b)
                if first is None or second is None or not (first + second).strip():
                    continue
                kern = self.kerns.kern(a.font, first, second)
                if not kern:
                    continue
                expected = (a.width_em + kern) * a.em_x + a.charspace
                figures.kern_pairs += 1
                if abs((b.x - a.x) - expected) <= KERN_TOLERANCE:
                    figures.kerned += 1
                else:
                    self.unkerned[first + second] += 1

    def _ligatures(self, p: int, figures: Figures) -> None:
        for line in self.lines[p]:
            if not self.is_body(line):
                continue
            chars: list[str] = []
            owner: list[int] = []
            for number, glyph in enumerate(line.glyphs):
                text = LIGATURE_FORMS.get(glyph.text, glyph.text)
                chars.extend(text)
                owner.extend([number] * len(text))
            for match in LIGATURE_SITES.finditer("".join(chars)):
                one_glyph = len(set(owner[match.start() : match.end()])) == 1
                if match.group(0) == "ff":
                    figures.ff_sites += 1
                    figures.ff_ligatures += one_glyph
                else:
                    figures.ligature_sites += 1
                    figures.ligatures += one_glyph

    def _grid(self, p: int, figures: Figures) -> None:
        body = [line for line in self.lines[p] if self.is_body(line) and line.column is not None]
        if len({line.column for line in body}) < 2:
            return
        first = [line.y for line in body if line.column == 0]
        leading = self.leading.get(self.body_size or 0.0)
        for line in body:
            if line.column:
                figures.grid_lines += 1
                figures.grid_on += on_grid(line.y, first, leading)

    def _fill(self, p: int) -> float:
        area = self.areas[p]
        if area is None or area.area <= 0:
            return 0.0
        columns = self.columns[p]
        boxes: list[Box] = []
        for line in self.lines[p]:
            leading = self.leading.get(line.size, 1.2 * line.size)
            if line.column is not None:  # the columns it spans (a full-width caption: all)
                reached = [c for c in columns[line.column :] if c.left < line.x1]
                x0, x1 = columns[line.column].left, reached[-1].right
            else:
                x0, x1 = line.x0, line.x1
            box = Box(x0, line.y - 0.25 * leading, x1, line.y + 0.75 * leading).clip(area)
            if box:
                boxes.append(box)
        for image in self.pages[p].images:
            box = image.clip(area)
            if box:
                boxes.append(box)
        return round(_union_area(boxes) / area.area, 3)


def layout_fonts(layout: Layout) -> list[Path]:
    """The font files a layout names (every face of every family)."""
    files: list[Path] = []
    for family in layout.fonts.values():
        faces = (family.regular, family.bold, family.italic, family.bold_italic)
        files.extend(path for path in faces if path is not None)
    return files


def measure(pdf: Path, geometry: Geometry | None = None, fonts: Sequence[Path] = ()) -> Report:
    """Measure the body pages of ``pdf``.

    ``geometry`` (from :meth:`Geometry.from_layout`) gives columns, type area, body size and
    leading; without it they are inferred from the pages.  ``fonts`` are font files or folders
    of them, where the PDF's fonts are found by base name for their kern values.
    """
    pages = read_body_pages(pdf)
    files: list[Path] = []
    for path in fonts:
        if path.is_dir():
            files.extend(sorted(path.glob("*.ttf")) + sorted(path.glob("*.otf")))
        else:
            files.append(path)
    kerns = KernTable(files)
    measurer = _Measurer(pages, geometry, kerns)
    reports, totals = measurer.measure()
    return Report(
        file=display_path(pdf),
        body_size=measurer.body_size,
        pages=reports,
        totals=totals,
        short_breaks=measurer.short_breaks,
        capitalised_breaks=measurer.capitalised_breaks,
        unkerned=measurer.unkerned,
        fonts_not_found=sorted(kerns.missing),
        loose_lines=sorted(measurer.loose_lines, key=lambda item: -item[0]),
        overfull_lines=measurer.overfull_lines,
    )
