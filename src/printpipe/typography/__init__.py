"""The typography report: measure a built PDF the way a book designer reviews a proof (issue 9).

Every figure is read back from the PDF itself, never from the composer's intentions, so any
composer (ReportLab's paragraphs today, the paragraph composer of issue 9 tomorrow) is measured
the same way.  Glyphs with their positions come from pdfminer.six (this module is its only
home): for every drawn glyph its origin in user space, font, size, advance, ``Tc``/``Tz`` state
and Unicode text from the font's ToUnicode map.  Kern values come from the font files themselves
(HarfBuzz, the base font name with its subset tag stripped, looked up among the layout's fonts
and the project's ``assets/fonts``).

What is measured: ``printpipe proof --report FILE.pdf`` measures that file;
``printpipe proof --report EDITION`` builds the edition's press target first, every time (as
``printpipe proof`` builds the proof target; the build is deterministic and its image cache
makes a rebuild quick), and measures it with the layout's geometry.  Every target shares one
body composition, so the press file stands for all of them.

Which pages: **body pages only**, by page label: arabic (``1``) and roman (``i``) labels are the
body; covers (``C1``), appendices (``A-1``) and padding (``Blank-1``) are not.  A PDF without
page labels is all body.

The rules (all distances in points, user space):

- **Lines.** Glyphs are taken in content-stream order; a new line starts when the baseline moves
  by more than 0.01 pt, when the pen goes backwards, or when it jumps into another column across
  a gap of at least half the gutter.  A line's right edge is the last glyph's origin plus its
  advance (``Tz`` included, ``Tc`` not).
- **Body lines.** Lines whose most common glyph size is the body size: the layout's ``body``
  style size when an edition is measured, else the most common glyph size on the body pages.
  Headings, captions, running heads, folios and pull quotes are not body lines.
- **Columns and type area.** With an edition, the layout gives them: trim box plus margins, the
  column width and gutter; whether the inner margin is on the left is chosen per page by which
  side puts more body lines on a column's left edge (so the rule holds whatever the recto
  convention).  For a bare PDF they are inferred per page: column lefts are clusters of body
  line starts (indents within 36 pt merge), a column's right edge is the most common line end
  (to 0.1 pt; lines are first cut at gaps wider than an em, so columns drawn row by row come
  apart); a page whose columns fit inside the most common set of its side (the margins
  alternate) takes that set, so a page set in one column still has two; the type area's height
  spans the body lines of all body pages.
- **Justified lines.** Body lines that contain a word space (a space with a non-space glyph on
  both sides) and whose right edge is within 0.5 pt of their column's right edge (or whose edge
  before a final hyphen, full stop or comma is: hanging punctuation counts).  Lines further out
  than 0.5 pt are counted as ``overfull``, not justified.
- **Word-space ratio** of a justified line: the summed drawn advance of its word spaces (origin
  of the space to the origin of the next glyph, so ``Tw``, ``Tc``, ``Tz`` and ``TJ`` numbers are
  included) over their summed natural advance (the font's space width at that size).  Words
  placed one by one without space glyphs count too: a gap wider than 0.2 em between glyphs is
  a word space (natural: the font file's space), except the gap after a list marker (before the
  line's first letter).  Reported: share of justified lines over 1.5x and over 2x, and the worst
  line with its text.
- **Hyphens.** A line ends in a hyphen when its last glyph is ``-``, U+2010 or a soft hyphen
  after a letter.  ``hyphenated`` counts justified lines ending so (share of justified lines);
  ``hyphen_stacks`` counts runs of 3 or more consecutive body lines of one column ending so
  (a run of 4 is one stack); ``short_breaks`` counts breaks leaving fewer than 2 letters before
  the hyphen (letters since the last non-letter) or fewer than 3 after it (letters at the start
  of the next body line); ``capitalised_breaks`` counts breaks in a word that starts with a
  capital letter and that never appears in lower case in the body text, nor does its singular or
  plural ("Harbour-light" and "Septem-ber" count; "Wheth-er" opening a sentence does not).
- **Kerning.** Every pair of adjacent glyphs within a word of a body line (same font and
  size, neither a space) whose font has a non-zero kern value for the pair (HarfBuzz with
  ``kern`` only, so contextual lookups are not counted) is kernable; it is kerned when the drawn
  distance of the origins equals ``(advance + kern) x size x Tz + Tc`` within 0.05 pt.  Pairs in
  fonts whose file is not found are listed in ``fonts_not_found`` and not counted.
- **Ligatures.** Occurrences of ``ffi``, ``ffl``, ``ff``, ``fi`` and ``fl`` in the body lines'
  text (longest first, left to right: "office" holds one ``ffi``); an occurrence is ligated when
  one glyph draws all its letters.  ``ligature_sites``/``ligatures`` count fi, fl, ffi and ffl
  (the issue's "fi / fl"), ``ff_sites``/``ff_ligatures`` count ff.  ``extraction_intact`` is
  true when no glyph extracts as a presentation form (U+FB00-FB06: copied text would read
  "oﬃce"; ``/ActualText`` is not read, as pypdf does not read it either) and no glyph lacks
  Unicode text.
- **Baseline grid.** On pages with body lines in two or more columns: the share of body
  baselines in the second and later columns that lie within 0.5 pt of a body baseline of the
  first column.  Where the first column has no body line within a leading (beside a photo or
  below its last line) its grid continues: a baseline a whole number of body leadings (within
  0.5 pt) from the nearest first-column baseline is on it.
- **Page fill.** Per body page: the area of the union of line boxes and image boxes, clipped to
  the type area, over the type area.  A line box spans the columns it reaches (its own width when
  it starts in no column) and its leading vertically, from a quarter leading below the baseline to
  three quarters above; the leading of a size is the layout style's (edition) or the most common
  baseline step of that size (bare PDF; 1.2 x size when there is none).  Rules and tints are not
  counted; a full-bleed photo fills the page.

JSON (``printpipe proof --report --json``), stable keys::

    {"file": str, "body_size": float, "body_pages": int,
     "totals": {FIGURES..., "fill_min": float | null, "fill_mean": float | null,
                "blank_pages": [label, ...]}  (fill over the pages that are not blank),
     "pages": [{"index": int (0-based), "label": str, "columns": int, FIGURES...,
                "fill": float}],
     "details": {"short_breaks": [str], "capitalised_breaks": [str],
                 "unkerned_pairs": {"AV": int, ...}, "fonts_not_found": [str],
                 "loosest_lines": [{"ratio": float, "page": str, "text": str}] (10),
                 "overfull_lines": [{"excess": float (pt), "page": str, "text": str}]}}

    FIGURES = "lines" (body lines), "justified", "overfull", "over_1_5", "over_2",
      "over_1_5_pct", "over_2_pct", "worst_ratio", "worst_text", "hyphenated",
      "hyphenated_pct", "hyphen_stacks", "short_breaks", "capitalised_breaks",
      "kern_pairs", "kerned", "ligature_sites", "ligatures", "ff_sites", "ff_ligatures",
      "extraction_intact",
      "grid_lines", "grid_on", "grid_pct"

Percentages are 0-100 rounded to 0.1 and ``null`` when there is nothing to measure; ratios are
rounded to 0.01 and fill to 0.001 (a fraction), so the output is deterministic.
"""

from __future__ import annotations

from printpipe.typography.figures import Figures, PageReport, Report
from printpipe.typography.lines import Geometry
from printpipe.typography.metrics import layout_fonts, measure
from printpipe.typography.table import format_report

__all__ = [
    "Figures",
    "Geometry",
    "PageReport",
    "Report",
    "format_report",
    "layout_fonts",
    "measure",
]
