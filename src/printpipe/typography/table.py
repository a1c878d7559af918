"""The report as a table a designer reads (``printpipe proof --report``)."""

from __future__ import annotations

from collections.abc import Sequence

from printpipe.typography.figures import Report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def _listed(items: Sequence[str], limit: int = 8) -> str:
    if not items:
        return ""
    shown = ", ".join(items[:limit])
    return f": {shown}" + (", ..." if len(items) > limit else "")


SHOWN = 5  # lines listed under the totals


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def format_report(report: Report) -> str:
    """The report as a table a designer reads: totals first, then one row per body page."""
    data = report.as_dict()
    t = data["totals"]
    worst = "n/a"
    if t["worst_ratio"] is not None:
        worst = f'{t["worst_ratio"]:.2f}x  "{t["worst_text"]}"'
    fills = [(page["fill"], page["label"]) for page in data["pages"] if page["fill"] > 0]
    fill = "n/a"
    if fills:
        low, label = min(fills)
        fill = f"min {100 * low:.1f} % (page {label}), mean {100 * t['fill_mean']:.1f} %"
    if t["blank_pages"]:
        fill += f"; blank: {', '.join(t['blank_pages'])}"
    size = "n/a" if report.body_size is None else f"{report.body_size:g} pt"
    rows = [
        ("body lines", f"{t['lines']}"),
        ("justified lines", f"{t['justified']} (overfull: {t['overfull']})"),
        ("  word spaces > 1.5x natural", f"{_pct(t['over_1_5_pct'])} ({t['over_1_5']})"),
        ("  word spaces > 2x natural", f"{_pct(t['over_2_pct'])} ({t['over_2']})"),
        ("  worst line", worst),
        ("  ending in a hyphen", f"{_pct(t['hyphenated_pct'])} ({t['hyphenated']})"),
        ("stacks of 3+ hyphenated lines", f"{t['hyphen_stacks']}"),
        ("short-fragment breaks", f"{t['short_breaks']}{_listed(report.short_breaks)}"),
        (
            "hyphenated capitalised words",
            f"{t['capitalised_breaks']}{_listed(report.capitalised_breaks)}",
        ),
        ("kernable pairs kerned", f"{t['kerned']} of {t['kern_pairs']}"),
        ("fi/fl/ffi/ffl as ligatures", f"{t['ligatures']} of {t['ligature_sites']}"),
        ("ff as a ligature", f"{t['ff_ligatures']} of {t['ff_sites']}"),
        ("text extraction intact", "yes" if t["extraction_intact"] else "no"),
        (
            "right-column baselines on grid",
            f"{_pct(t['grid_pct'])} ({t['grid_on']} of {t['grid_lines']})",
        ),
        ("page fill", fill),
    ]
    lines = [
        f"typography: {report.file} ({len(report.pages)} body pages, body text {size})",
        "",
        *(f"{label:34} {value}" for label, value in rows),
    ]
    if report.fonts_not_found:
        lines.append(f"{'fonts not found (not kerned)':34} {', '.join(report.fonts_not_found)}")
    if report.loose_lines:
        lines += ["", "loosest justified lines (word space / natural):"]
        lines += [
            f"  {ratio:6.2f}x  page {label:>4}  {_clip(text)}"
            for ratio, label, text in report.loose_lines[:SHOWN]
        ]
    if report.overfull_lines:
        lines += ["", "overfull lines (past the column's edge):"]
        lines += [
            f"  {excess:5.2f} pt  page {label:>4}  {_clip(text)}"
            for excess, label, text in report.overfull_lines[:SHOWN]
        ]
    head = (
        f"{'page':>5} {'cols':>4} {'lines':>5} {'just':>5} {'>1.5x':>6} {'>2x':>5} "
        f"{'worst':>6} {'hyph':>5} {'stack':>5} {'short':>5} {'kerned':>9} {'lig':>7} "
        f"{'grid':>7} {'fill':>6}"
    )
    lines += ["", head, "-" * len(head)]
    for page in data["pages"]:
        worst_page = "" if page["worst_ratio"] is None else f"{page['worst_ratio']:.2f}"
        grid = f"{page['grid_on']}/{page['grid_lines']}" if page["grid_lines"] else ""
        lines.append(
            f"{page['label']:>5} {page['columns']:>4} {page['lines']:>5} {page['justified']:>5} "
            f"{page['over_1_5']:>6} {page['over_2']:>5} {worst_page:>6} {page['hyphenated']:>5} "
            f"{page['hyphen_stacks']:>5} {page['short_breaks']:>5} "
            f"{page['kerned']:>4}/{page['kern_pairs']:<4} "
            f"{page['ligatures']:>3}/{page['ligature_sites']:<3} {grid:>7} "
            f"{100 * page['fill']:>5.1f}%"
        )
    return "\n".join(lines)
