"""Charts from CSV parts, drawn as vectors with ``reportlab.graphics.charts``.

Every colour comes from the layout (the palette's CMYK values for press, their RGB twins for
screen and archive) and every default colour of the chart classes is overridden, so the press
file gets process CMYK only.  Numbers (data labels, axis labels, the legend's values) are
drawn as text in the layout's fonts, never as paths, at 6.5 pt or more, so they stay legible
in print and extractable.  :func:`chart_summary` writes the chart's data as a sentence: the
default alternative text for a tagged PDF.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.doughnut import Doughnut
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import CMYKColor, Color, HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from printpipe.compose.styles import StyleSheet
from printpipe.compose.tables import minus_sign, notes, title_style
from printpipe.model import Chart, NumberFormat
from printpipe.numformat import format_number

MIN_LABEL_PT = 6.5
_KIND_NAMES = {
    "bar": "Bar chart",
    "stacked-bar": "Stacked bar chart",
    "line": "Line chart",
    "pie": "Pie chart",
    "donut": "Donut chart",
}


def chart_summary(
    chart: Chart, language: str = "en", negative: str = "minus", minus: str = "\u2212"
) -> str:
    """The chart's data as one sentence, for alternative text and for readers without sight."""

    def number(value: float) -> str:
        return format_number(value, chart.format, language, negative, chart.decimals, minus)

    head = _KIND_NAMES.get(chart.kind, "Chart")
    if chart.title:
        head += f": {chart.title}"
    if chart.units:
        head += f" ({chart.units})"
    parts = []
    for name, values in chart.series:
        pairs = "; ".join(
            f"{category} {number(value)}"
            for category, value in zip(chart.categories, values, strict=True)
        )
        parts.append(f"{name}: {pairs}" if len(chart.series) > 1 else pairs)
    return f"{head}. " + ". ".join(parts) + "."


class _Look:
    """Fonts, sizes and colours of one chart, resolved from the layout for the target."""

    def __init__(self, sheet: StyleSheet, language: str) -> None:
        self.language = language
        style = sheet.layout.styles["chart"]
        self.face = sheet.book.face(style)
        self.bold = sheet.book.face(style, bold=True)
        self.size = max(style.size, MIN_LABEL_PT)
        self.text = sheet.palette[style.colour]
        self.rule = sheet.palette[sheet.layout.tables.rule]
        self.paper = sheet.palette["paper"] if "paper" in sheet.layout.colours else None
        space = sheet.palette.space
        self.series: list[Color] = []
        for colour in sheet.layout.palette:
            c, m, y, k = (value / 100.0 for value in colour.cmyk)
            self.series.append(CMYKColor(c, m, y, k) if space == "cmyk" else HexColor(colour.rgb))

    def drawing(self, width: float, height: float) -> Drawing:
        """A drawing whose initial state is the layout's face and colours.

        ReportLab's renderer otherwise starts every drawing in Helvetica and RGB black, which
        would put an unembedded font into the file even when no text uses it.
        """
        drawing = Drawing(width, height)
        drawing.initialFontName = self.face
        drawing.initialFontSize = self.size
        return drawing

    def colour(self, index: int) -> Color:
        return self.series[index % len(self.series)]

    def width(self, text: str, bold: bool = False) -> float:
        return stringWidth(text, self.bold if bold else self.face, self.size)

    def string(
        self, x: float, y: float, text: str, anchor: str = "start", bold: bool = False
    ) -> String:
        return String(
            x,
            y,
            text,
            fontName=self.bold if bold else self.face,
            fontSize=self.size,
            fillColor=self.text,
            textAnchor=anchor,
        )


def _wrap(text: str, width: float, look: _Look) -> str:
    """``text`` broken into lines (joined by newlines) no wider than ``width``."""
    lines: list[str] = []
    for word in text.split():
        if lines and look.width(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _legend(drawing: Drawing, look: _Look, names: list[str], y: float, width: float) -> float:
    """Swatch-and-name legend rows from ``y`` downwards; returns the y below it."""
    x = 0.0
    row = look.size * 1.6
    for index, name in enumerate(names):
        needed = look.size + 4 + look.width(name) + 12
        if x and x + needed > width:
            x, y = 0.0, y - row
        drawing.add(
            Rect(x, y, look.size, look.size, fillColor=look.colour(index), strokeColor=None)
        )
        drawing.add(look.string(x + look.size + 4, y + 1, name))
        x += needed
    return y - row


def _bar(chart: Chart, look: _Look, width: float, fmt: Callable[[float], str]) -> Drawing:
    stacked = chart.kind == "stacked-bar"
    count = len(chart.categories)
    series = len(chart.series)
    per_bar = look.size + 5
    label_w = min(max(look.width(c) for c in chart.categories) + 6, width * 0.4)
    names = [_wrap(c, label_w - 6, look) for c in chart.categories]
    lines = max(name.count("\n") + 1 for name in names)
    band = max(per_bar * (1 if stacked else series) + 6, lines * look.size * 1.2 + 6)
    totals = [sum(values) for values in zip(*(v for _, v in chart.series), strict=True)]
    biggest = max(totals) if stacked else max(max(v) for _, v in chart.series)
    value_room = look.width(fmt(biggest)) + 6
    legend_h = look.size * 1.6 + 4 if series > 1 else 0.0
    axis_h = look.size + 6 if stacked else 0.0
    plot_h = count * band
    height = plot_h + legend_h + axis_h + 2
    drawing = look.drawing(width, height)
    bars = HorizontalBarChart()
    lowest = min(0.0, min(min(v) for _, v in chart.series))
    # Negative bars grow left from zero; their labels need room before the category names.
    negative_room = look.width(fmt(lowest)) + 6 if lowest < 0 and not stacked else 0.0
    bars.x, bars.y = label_w + negative_room, axis_h + 1
    bars.width = width - bars.x - value_room
    bars.height = plot_h
    # The category axis runs top-down (reverseDirection), which also reverses the bars inside
    # a group; the series go in reversed so the first one is on top, as in the legend.
    order = list(range(series))[::-1] if not stacked else list(range(series))
    bars.data = [list(chart.series[index][1]) for index in order]
    bars.strokeColor = None
    bars.fillColor = None
    bars.barWidth = per_bar - 1
    bars.groupSpacing = 6
    bars.barSpacing = 1
    bars.categoryAxis.style = "stacked" if stacked else "parallel"
    bars.categoryAxis.categoryNames = names
    bars.categoryAxis.reverseDirection = 1
    bars.categoryAxis.strokeColor = look.rule
    bars.categoryAxis.strokeWidth = 0.5
    bars.categoryAxis.visibleTicks = 0
    labels = bars.categoryAxis.labels
    labels.fontName, labels.fontSize, labels.fillColor = look.face, look.size, look.text
    labels.boxAnchor, labels.dx = "e", -5 - negative_room
    bars.categoryAxis.labelAxisMode = "low"
    labels.leading = look.size * 1.2
    labels.textAnchor = "end"
    axis = bars.valueAxis
    axis.valueMin = lowest
    axis.valueMax = biggest * 1.02 if biggest > 0 else 1
    axis.strokeColor = look.rule
    axis.visible = 1 if stacked else 0
    axis.visibleTicks = 0
    axis.visibleGrid = 1 if stacked else 0
    axis.gridStrokeColor = look.rule
    axis.gridStrokeWidth = 0.25
    axis.labels.fontName, axis.labels.fontSize = look.face, look.size
    axis.labels.fillColor = look.text
    axis.labelTextFormat = fmt
    for position, index in enumerate(order):
        bars.bars[position].fillColor = look.colour(index)
        bars.bars[position].strokeColor = None
    if not stacked:
        bars.barLabelFormat = fmt
        bars.barLabels.fontName, bars.barLabels.fontSize = look.face, look.size
        bars.barLabels.fillColor = look.text
        # "w" with a nudge: ReportLab flips both for negative bars, so labels sit outside.
        bars.barLabels.boxAnchor, bars.barLabels.nudge = "w", 3
    drawing.add(bars)
    if stacked:
        # Totals at the end of each stack: the number readers look for.
        step = plot_h / count
        for number, total in enumerate(totals):
            x = bars.x + bars.width * (total - axis.valueMin) / (axis.valueMax - axis.valueMin)
            y = bars.y + plot_h - step * (number + 0.5) - look.size / 3
            drawing.add(look.string(x + 3, y, fmt(total), bold=True))
    if series > 1:
        _legend(drawing, look, [name for name, _ in chart.series], height - look.size - 1, width)
    return drawing


def _line(chart: Chart, look: _Look, width: float, fmt: Callable[[float], str]) -> Drawing:
    series = len(chart.series)
    legend_h = look.size * 1.6 + 4 if series > 1 else 0.0
    plot_h = min(width * 0.55, 150)
    values = [v for _, vs in chart.series for v in vs]
    low, high = min(0.0, min(values)), max(values)
    left = max(look.width(fmt(high)), look.width(fmt(low))) + 6
    height = plot_h + look.size * 2 + 10 + legend_h
    drawing = look.drawing(width, height)
    lines = HorizontalLineChart()
    lines.x, lines.y = left, look.size + 6
    lines.width = width - left - look.width(fmt(high)) / 2 - 2
    lines.height = plot_h
    lines.data = [list(vs) for _, vs in chart.series]
    lines.strokeColor = None
    lines.fillColor = None
    lines.joinedLines = 1
    cats = lines.categoryAxis
    cats.categoryNames = list(chart.categories)
    cats.strokeColor, cats.strokeWidth = look.rule, 0.5
    cats.visibleTicks = 0
    cats.labels.fontName, cats.labels.fontSize = look.face, look.size
    cats.labels.fillColor = look.text
    cats.labels.boxAnchor, cats.labels.dy = "n", -3
    axis = lines.valueAxis
    axis.valueMin = low
    axis.valueMax = high * 1.1 if high > 0 else 1
    axis.strokeColor = None
    axis.visibleAxis = 0
    axis.visibleTicks = 0
    axis.visibleGrid = 1
    axis.gridStrokeColor, axis.gridStrokeWidth = look.rule, 0.25
    axis.labels.fontName, axis.labels.fontSize = look.face, look.size
    axis.labels.fillColor = look.text
    axis.labels.dx = -3
    axis.labelTextFormat = fmt
    for index in range(series):
        lines.lines[index].strokeColor = look.colour(index)
        lines.lines[index].strokeWidth = 1.6
    if series == 1:
        lines.lineLabelFormat = fmt
        lines.lineLabels.fontName, lines.lineLabels.fontSize = look.bold, look.size
        lines.lineLabels.fillColor = look.text
        lines.lineLabels.dy = 5
    drawing.add(lines)
    if series > 1:
        _legend(drawing, look, [name for name, _ in chart.series], height - look.size - 1, width)
    return drawing


def _pie(chart: Chart, look: _Look, width: float, fmt: Callable[[float], str]) -> Drawing:
    _, values = chart.series[0]
    total = sum(values) or 1.0
    diameter = min(width * 0.5, 120.0)
    row = look.size * 1.75
    legend_h = row * len(values)
    height = diameter + 10 + legend_h
    drawing = look.drawing(width, height)
    pie = Doughnut() if chart.kind == "donut" else Pie()
    pie.x, pie.y = (width - diameter) / 2, legend_h + 8
    pie.width = pie.height = diameter
    pie.data = list(values)
    pie.labels = None
    pie.startAngle = 90
    pie.direction = "clockwise"
    if isinstance(pie, Doughnut):
        pie.innerRadiusFraction = 0.55
    pie.strokeColor = look.paper
    pie.strokeWidth = 0.75 if look.paper is not None else 0
    for index in range(len(values)):
        pie.slices[index].fillColor = look.colour(index)
        pie.slices[index].strokeColor = look.paper
        pie.slices[index].strokeWidth = 0.75 if look.paper is not None else 0
    drawing.add(pie)
    if isinstance(pie, Doughnut):
        centre = look.string(
            width / 2, pie.y + diameter / 2 - look.size / 2, fmt(total), "middle", True
        )
        centre.fontSize = look.size * 1.4
        drawing.add(centre)
    share = NumberFormat("percent", 1)
    y = legend_h - row + 2
    for index, (category, value) in enumerate(zip(chart.categories, values, strict=True)):
        drawing.add(
            Rect(0, y, look.size, look.size, fillColor=look.colour(index), strokeColor=None)
        )
        drawing.add(look.string(look.size + 4, y + 1, category))
        percent = format_number(100 * value / total, share, look.language)
        drawing.add(look.string(width - look.width("100.0 %") - 8, y + 1, fmt(value), "end"))
        drawing.add(look.string(width, y + 1, percent, "end"))
        drawing.add(Line(0, y - 3, width, y - 3, strokeColor=look.rule, strokeWidth=0.25))
        y -= row
    return drawing


def chart_flowables(chart: Chart, sheet: StyleSheet, language: str, width: float) -> list[Flowable]:
    """Title, drawing, caption and source of a chart part, kept together."""
    negative = sheet.layout.tables.negative
    minus = minus_sign(sheet, "chart")

    def fmt(value: float) -> str:
        return format_number(value, chart.format, language, negative, chart.decimals, minus)

    look = _Look(sheet, language)
    draw = {"bar": _bar, "stacked-bar": _bar, "line": _line}.get(chart.kind, _pie)
    drawing = draw(chart, look, width, fmt)
    # For the tagging step: the Figure's /Alt.
    drawing._pp_alt = chart.alt or chart_summary(chart, language, negative, minus)
    items: list[Flowable] = []
    if chart.title:
        title = chart.title + (f" ({chart.units})" if chart.units else "")
        items.append(Paragraph(sheet.plain(title, "h3"), title_style(sheet)))
    items.append(drawing)
    items.append(Spacer(1, 2))
    items.extend(notes(chart.caption, chart.source, sheet))
    return [KeepTogether(items)]
