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


def _fitness(ratio: float) -> int:
    if ratio < -0.5:
        return 0  # tight
    if ratio <= 0.5:
        return 1  # decent
    if ratio <= 1:
        return 2  # loose
    return 3  # very loose


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
    total_w = [0.0] * (count + 1)
    total_y = [0.0] * (count + 1)
    total_z = [0.0] * (count + 1)
    for index, item in enumerate(items):
        width = stretch = shrink = 0.0
        if isinstance(item, Box | Glue):
            width, stretch, shrink = item.width, item.stretch, item.shrink
        total_w[index + 1] = total_w[index] + width
        total_y[index + 1] = total_y[index] + stretch
        total_z[index + 1] = total_z[index] + shrink

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
    words = _word_starts(items)
    for b, item in enumerate(items):
        if isinstance(item, Penalty):
            if item.penalty >= INFINITY:
                continue
            penalty, flagged, pwidth = item.penalty, item.flagged, item.width
        elif isinstance(item, Glue) and b > 0 and isinstance(items[b - 1], Box):
            penalty, flagged, pwidth = 0.0, False, 0.0
        else:
            continue
        forced = penalty <= -INFINITY
        best: dict[tuple[int, int], tuple[float, _Node, float]] = {}
        keep: list[_Node] = []
        dropped: list[tuple[float, _Node]] = []
        for node in active:
            begin = node.begin
            width = total_w[b] - total_w[begin] + pwidth
            goal = node.goal
            if width < goal:
                stretch = total_y[b] - total_y[begin] + slack
                ratio = (goal - width) / stretch if stretch > 0 else float("inf")
            elif width > goal:
                shrink = total_z[b] - total_z[begin]
                ratio = (goal - width) / shrink if shrink > 0 else float("-inf")
            else:
                ratio = 0.0
            if ratio < -1 or forced:
                if ratio < -1:
                    dropped.append((ratio, node))
                    if not forced:
                        continue
            else:
                keep.append(node)
            rescued = forced and ratio > settings.tolerance and settings.rescue
            if (ratio < -1 or ratio > settings.tolerance) and not rescued:
                continue
            badness = 100.0 * min(abs(ratio), 10.0) ** 3
            demerits = (LINE_PENALTY + badness) ** 2
            if penalty >= 0:
                demerits += penalty**2
            elif not forced:
                demerits -= penalty**2
            if flagged and node.flagged:
                demerits += ADJACENT_HYPHENS
            fitness = _fitness(ratio)
            run = node.hyphens + 1 if flagged else 0
            if run >= 3 and not settings.rescue:
                continue  # never a stack of three hyphens
            if abs(fitness - node.fitness) > 1:
                demerits += FITNESS_JUMP
            if forced:
                if node.flagged:
                    demerits += FINAL_HYPHEN
                if node.line > 0 and words(begin, b) < 2 and width < settings.runt_fraction * goal:
                    if settings.tolerance <= 1:
                        continue  # a runt: only a looser pass may accept one, at a price
                    demerits += RUNT
            demerits += extra.get(b, 0.0) + node.demerits
            key = (fitness, min(run, 2))
            found = best.get(key)
            if found is None or demerits < found[0]:
                best[key] = (demerits, node, ratio)
        if not keep and not best and dropped and settings.rescue:
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


def _word_starts(items: Sequence[Item]) -> Callable[[int, int], int]:
    """A counter of word starts between two item indices (for runt control)."""
    prefix = [0]
    for item in items:
        prefix.append(prefix[-1] + (1 if isinstance(item, Box) and item.word_start else 0))

    def count(begin: int, end: int) -> int:
        return prefix[end] - prefix[begin]

    return count
