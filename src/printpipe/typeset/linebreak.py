"""Total-fit line breaking (Knuth and Plass, "Breaking Paragraphs into Lines", 1981).

A paragraph is a list of boxes (word pieces), glue (spaces: width, stretch, shrink) and
penalties (possible breaks: hyphens, forced ends).  The breaker picks the breaks that minimise
the summed demerits of all lines at once, so one loose line is not bought with a worse one
later, as first-fit breaking does.  Demerits follow TeX: badness from the adjustment ratio,
extra for two hyphenated lines in a row, for lines of very different tightness next to each
other, for a hyphen on the last full line, and here also for a runt (a last line of one word,
shorter than a quarter measure) and for any break the caller penalises by position
(a hyphen at the foot of a column).

Boxes may carry stretch and shrink of their own: glyph expansion of at most a few per cent,
which the breaker spends alongside the spaces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

INFINITY = 10000  # a penalty this large forbids a break; minus it forces one
FIL = 1.0e7  # stretch of the paragraph's last line: "infinitely" stretchable

LINE_PENALTY = 10
ADJACENT_HYPHENS = 3000
FITNESS_JUMP = 100
FINAL_HYPHEN = 5000
RUNT = 1.0e6
OVERFULL = 1.0e9


@dataclass(frozen=True)
class Box:
    """Something drawn: ``width`` points, able to stretch/shrink by glyph expansion."""

    width: float
    stretch: float = 0.0
    shrink: float = 0.0
    word_start: bool = False  # the first piece of a word (counts words on a line)


@dataclass(frozen=True)
class Glue:
    """A space: a possible break when it follows a box."""

    width: float
    stretch: float
    shrink: float


@dataclass(frozen=True)
class Penalty:
    """A possible break costing ``penalty``; ``width`` is drawn only if the break is taken."""

    width: float
    penalty: float
    flagged: bool = False


Item = Box | Glue | Penalty


@dataclass(frozen=True)
class Settings:
    """One pass of the breaker."""

    tolerance: float  # largest adjustment ratio allowed (1 = spaces at full stretch)
    rag: float = 0.0  # ragged right: stretch at every line end instead of in the spaces
    emergency: float = 0.0  # extra stretch per line, TeX's \\emergencystretch
    rescue: bool = False  # last resort: accept overfull lines rather than fail
    runt_fraction: float = 0.25


@dataclass(slots=True)
class _Node:
    position: int
    line: int
    fitness: int
    demerits: float
    flagged: bool
    previous: _Node | None
    hyphens: int = 0  # hyphenated lines in a row ending here
    begin: int = 0  # the item the next line starts with
    goal: float = 0.0  # the next line's measure


@dataclass(frozen=True)
class Breaks:
    """The chosen breaks (item indices) and each line's adjustment ratio."""

    positions: tuple[int, ...]
    ratios: tuple[float, ...]
    demerits: float


def break_lines(
    items: Sequence[Item],
    measure: Callable[[int], float],
    settings: Settings,
    extra: dict[int, float] | None = None,
) -> Breaks | None:
    """Best breaks of ``items`` into lines ``measure(line)`` wide, or None if none is feasible.

    ``items`` must end with a forced break.  ``extra`` adds demerits to a break at an item index.
    """
    extra = extra or {}
    count = len(items)
    total_w, total_y, total_z, starts, candidates = _prepare(items)

    def after(position: int) -> int:
        """Index of the first item that starts the next line (discardables skipped)."""
        index = position + 1 if position >= 0 else 0
        while index < count and not isinstance(items[index], Box):
            item = items[index]
            if isinstance(item, Penalty) and item.penalty <= -INFINITY:
                break
            index += 1
        return index

    start = _Node(-1, 0, 1, 0.0, False, None, 0, after(-1), measure(0))
    active: list[_Node] = [start]
    slack = settings.rag + settings.emergency
    tolerance, rescue, runt_fraction = settings.tolerance, settings.rescue, settings.runt_fraction
    inf, minus_inf = float("inf"), float("-inf")
    # The loop below is the hot path of composition (issue 9): the candidates, sums and word
    # counts are precomputed, names are local, and every sum is taken in the same order as
    # the textbook form, so the demerits (and the breaks) are exactly the same.
    for b, penalty, flagged, pwidth in candidates:
        forced = penalty <= -INFINITY
        width_b, stretch_b, shrink_b, words_b = total_w[b], total_y[b], total_z[b], starts[b]
        penalty_squared = penalty**2
        extra_b = extra.get(b, 0.0)
        best: dict[tuple[int, int], tuple[float, _Node, float]] = {}
        keep: list[_Node] = []
        dropped: list[tuple[float, _Node]] = []
        for node in active:
            begin = node.begin
            width = width_b - total_w[begin] + pwidth
            goal = node.goal
            if width < goal:
                stretch = stretch_b - total_y[begin] + slack
                ratio = (goal - width) / stretch if stretch > 0 else inf
            elif width > goal:
                shrink = shrink_b - total_z[begin]
                ratio = (goal - width) / shrink if shrink > 0 else minus_inf
            else:
                ratio = 0.0
            if ratio < -1 or forced:
                if ratio < -1:
                    dropped.append((ratio, node))
                    if not forced:
                        continue
            else:
                keep.append(node)
            rescued = forced and ratio > tolerance and rescue
            if (ratio < -1 or ratio > tolerance) and not rescued:
                continue
            badness = 100.0 * min(abs(ratio), 10.0) ** 3
            demerits = (LINE_PENALTY + badness) ** 2
            if penalty >= 0:
                demerits += penalty_squared
            elif not forced:
                demerits -= penalty_squared
            if flagged and node.flagged:
                demerits += ADJACENT_HYPHENS
            if ratio < -0.5:
                fitness = 0  # tight
            elif ratio <= 0.5:
                fitness = 1  # decent
            elif ratio <= 1:
                fitness = 2  # loose
            else:
                fitness = 3  # very loose
            run = node.hyphens + 1 if flagged else 0
            if run >= 3 and not rescue:
                continue  # never a stack of three hyphens
            if abs(fitness - node.fitness) > 1:
                demerits += FITNESS_JUMP
            if forced:
                if node.flagged:
                    demerits += FINAL_HYPHEN
                if node.line > 0 and words_b - starts[begin] < 2 and width < runt_fraction * goal:
                    if tolerance <= 1:
                        continue  # a runt: only a looser pass may accept one, at a price
                    demerits += RUNT
            demerits += extra_b + node.demerits
            key = (fitness, run if run < 2 else 2)
            found = best.get(key)
            if found is None or demerits < found[0]:
                best[key] = (demerits, node, ratio)
        if not keep and not best and dropped and rescue:
            # Nothing fits: take an overfull line from the least overfull start.
            ratio, node = max(dropped, key=lambda pair: pair[0])
            best[(0, 0)] = (node.demerits + OVERFULL, node, -1.0)
        active = keep
        if best:
            begin_next = after(b)
            for (fitness, run), (demerits, node, _ratio) in sorted(best.items()):
                line = node.line + 1
                active.append(
                    _Node(b, line, fitness, demerits, flagged, node, run, begin_next, measure(line))
                )
        if not active:
            return None
    finals = [node for node in active if node.position == count - 1]
    if not finals:
        return None
    chosen = min(finals, key=lambda n: (n.demerits, n.fitness))
    best_demerits = chosen.demerits
    positions: list[int] = []
    walk: _Node | None = chosen
    while walk is not None and walk.position >= 0:
        positions.append(walk.position)
        walk = walk.previous
    positions.reverse()
    ratios = tuple(
        line_ratio(items, measure(line), settings, -1 if line == 0 else positions[line - 1], end)
        for line, end in enumerate(positions)
    )
    return Breaks(tuple(positions), ratios, best_demerits)


def _prepare(
    items: Sequence[Item],
) -> tuple[list[float], list[float], list[float], list[int], list[tuple[int, float, bool, float]]]:
    """Running sums of width, stretch and shrink, word starts, and the legal breaks.

    A break is a penalty below infinity or a glue right after a box; each comes with its
    penalty, flag and the width it adds to the line (a hyphen).
    """
    count = len(items)
    total_w = [0.0] * (count + 1)
    total_y = [0.0] * (count + 1)
    total_z = [0.0] * (count + 1)
    starts = [0] * (count + 1)
    candidates: list[tuple[int, float, bool, float]] = []
    width_sum = stretch_sum = shrink_sum = 0.0
    words = 0
    previous_box = False
    for index, item in enumerate(items):
        kind = item.__class__
        if kind is Penalty:
            if item.penalty < INFINITY:  # type: ignore[union-attr]
                candidates.append((index, item.penalty, item.flagged, item.width))  # type: ignore[union-attr]
        else:
            if kind is Glue and previous_box:
                candidates.append((index, 0.0, False, 0.0))
            elif kind is Box and item.word_start:  # type: ignore[union-attr]
                words += 1
            width_sum += item.width
            stretch_sum += item.stretch  # type: ignore[union-attr]
            shrink_sum += item.shrink  # type: ignore[union-attr]
        previous_box = kind is Box
        total_w[index + 1] = width_sum
        total_y[index + 1] = stretch_sum
        total_z[index + 1] = shrink_sum
        starts[index + 1] = words
    return total_w, total_y, total_z, starts, candidates


def line_ratio(
    items: Sequence[Item], goal: float, settings: Settings, previous: int, end: int
) -> float:
    """Adjustment ratio of the line from after break ``previous`` to break ``end``."""
    index = previous + 1
    while index < end and not isinstance(items[index], Box):
        index += 1
    width = stretch = shrink = 0.0
    for item in items[index:end]:
        if isinstance(item, Box | Glue):
            width += item.width
            stretch += item.stretch
            shrink += item.shrink
    last = items[end]
    if isinstance(last, Penalty):
        width += last.width
    stretch += settings.rag + settings.emergency
    if width < goal:
        return (goal - width) / stretch if stretch > 0 else float("inf")
    if width > goal:
        return max((goal - width) / shrink, -1.0) if shrink > 0 else -1.0
    return 0.0
