"""JSON Schemas of ``edition.yaml`` and ``layouts/<name>.yaml``.

The schemas are the single description of both file formats: the loader validates against them
(so an unknown key or a wrong type is caught before any work starts), ``printpipe schema``
prints them for editors, and every property carries a ``description`` that doubles as the
reference documentation.  They are plain data so that adding a key is a one-line change.
"""

from __future__ import annotations

import json
from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"

_STR = {"type": "string", "minLength": 1}
_NUM = {"type": "number"}
_POS = {"type": "number", "exclusiveMinimum": 0}
_NONNEG = {"type": "number", "minimum": 0}
_PATH = {"type": "string", "minLength": 1, "description": "A path relative to this file."}
_URL = {
    "type": "string",
    "pattern": "^(https?|mailto):",
    "description": "An http(s) or mailto link.",
}


def _obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict:
    """A closed object: keys not listed are errors, because a typo must not drop content."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def _described(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {**schema, "description": text}


_SUPPLIED_ALT = (
    "What the pages show, for screen readers, when the file is not tagged (default: its title)."
)

PLACEMENTS = ("column", "full-width", "full-bleed")
CHART_TYPES = ("bar", "stacked-bar", "line", "pie", "donut")

_NUMBER_FORMAT: dict[str, Any] = {
    "format": {
        "enum": ["text", "number", "currency", "percent"],
        "description": "How the numbers are written (grouping and decimal mark from the "
        "edition's language).",
    },
    "decimals": {"type": "integer", "minimum": 0, "maximum": 6},
    "currency": _described(_STR, "Currency symbol for format: currency, e.g. '£'."),
    "scale": _described(_POS, "Divide the values by this before writing them (1000: thousands)."),
}

_PHOTO = _obj(
    {
        "file": _described(_PATH, "The photo, relative to edition.yaml (JPEG, PNG, TIFF, WebP)."),
        "caption": _described(_STR, "Caption set under the photo."),
        "credit": _described(_STR, "Photographer and licence, set after the caption."),
        "alt": _described(
            _STR,
            "What the photo shows, read aloud by screen readers (screen and archive files).",
        ),
        "placement": {
            "enum": list(PLACEMENTS),
            "default": "column",
            "description": "column width, full text width, or a full-bleed page of its own.",
        },
        "focus": {
            "type": "array",
            "items": {"type": "number", "minimum": 0, "maximum": 1},
            "minItems": 2,
            "maxItems": 2,
            "description": "Where the subject is, as [x, y] fractions of the image from its "
            "top left; a crop keeps it inside and as central as it can.",
        },
        "crop": _obj(
            {
                "x": {"type": "number", "minimum": 0, "maximum": 1},
                "y": {"type": "number", "minimum": 0, "maximum": 1},
                "w": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "h": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            },
            ("x", "y", "w", "h"),
            description="The part of the image to use, fractions of it from its top left.",
        ),
    },
    ("file",),
)

_SIGNATORY = _obj(
    {
        "name": _described(_STR, "The signatory's name."),
        "role": _described(_STR, "Role or title, set under the name."),
        "image": _described(_PATH, "Signature image (PNG with transparency works best)."),
        "alt": _described(_STR, "Text read for the signature image (default: Signature of NAME)."),
    },
    ("name", "role"),
)

_RELATED_ITEM = _obj(
    {"title": _STR, "url": _URL, "note": _described(_STR, "A short line under the title.")},
    ("title",),
)

_PART_KINDS: dict[str, dict[str, Any]] = {
    "section": _described(_PATH, "A Markdown file: headings, paragraphs, lists, quotes."),
    "toc": _described(_STR, "A table of contents with this title."),
    "photo": _PHOTO,
    "pull_quote": _obj(
        {
            "text": _STR,
            "attribution": _STR,
            "lang": _described(_STR, "Language of the quotation (BCP 47), if not the edition's."),
        },
        ("text",),
        description="A quotation set large, across the text width.",
    ),
    "callout": _obj(
        {
            "title": _STR,
            "text": _STR,
            "link": _URL,
            "link_text": _described(_STR, "Text shown for the link (default: the URL)."),
        },
        ("title", "text"),
        description="A boxed call to action, e.g. a subscribe box.",
    ),
    "signatures": {
        "type": "array",
        "items": _SIGNATORY,
        "minItems": 1,
        "maxItems": 4,
        "description": "One to four signatories side by side; never split across pages.",
    },
    "related": _obj(
        {
            "title": _STR,
            "items": {"type": "array", "items": _RELATED_ITEM, "minItems": 1},
        },
        ("title", "items"),
        description="A list of related reports or articles, with links.",
    ),
    "page_break": {"const": True, "description": "Start the next part on a new page."},
    "table": _obj(
        {
            "file": _described(_PATH, "A CSV file (UTF-8, or UTF-16 with a byte-order mark)."),
            "columns": {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "column": _described(_STR, "The column's heading in the CSV."),
                        "label": _described(_STR, "Header text to print (default: the heading)."),
                        **_NUMBER_FORMAT,
                        "align": {"enum": ["left", "right", "centre"]},
                    },
                    ("column",),
                ),
                "description": "Columns to print, in order (default: all; numeric ones detected).",
            },
            "caption": _described(_STR, "Set above the table."),
            "source": _described(_STR, "Where the figures come from; set under the table."),
            "placement": {
                "enum": ["column", "full-width"],
                "default": "column",
                "description": "Column width (breaks across columns and pages, header "
                "repeated), or the full text width (at the top of a page; must fit on one).",
            },
            "totals": {
                "type": "integer",
                "minimum": 0,
                "default": 0,
                "description": "How many last rows are totals (set bold, with a rule above).",
            },
        },
        ("file",),
        description="A table read from a CSV file; numbers formatted for the edition's language.",
    ),
    "chart": _obj(
        {
            "file": _described(_PATH, "A CSV file: one column of categories, one per series."),
            "type": {
                "enum": list(CHART_TYPES),
                "default": "bar",
                "description": "bar (horizontal), stacked-bar, line, pie or donut.",
            },
            "x": _described(_STR, "The column of categories (or of years, for a line)."),
            "y": {
                "anyOf": [_STR, {"type": "array", "items": _STR, "minItems": 1}],
                "description": "The column (or columns) of values, one series each.",
            },
            "title": _described(_STR, "Set above the chart."),
            "caption": _described(_STR, "Set under the chart."),
            "source": _described(_STR, "Where the figures come from; set under the chart."),
            "units": _described(_STR, "What the numbers count, e.g. '£ thousand'."),
            "alt": _described(
                _STR, "Text for readers who cannot see the chart (default: its data in words)."
            ),
            **_NUMBER_FORMAT,
            "totals": {
                "type": "integer",
                "minimum": 0,
                "description": "How many last rows are totals; the chart leaves them out.",
            },
            "placement": {"enum": ["column", "full-width"], "default": "column"},
        },
        ("file", "x", "y"),
        description="A vector chart drawn from a CSV file in the layout's palette.",
    ),
    "figures": _obj(
        {
            "title": _described(_STR, "An optional heading above the figures."),
            "placement": {
                "enum": ["column", "full-width"],
                "default": "column",
                "description": "In the column (two per row when four do not fit), or across "
                "the text width (at the top of a page in a multi-column layout).",
            },
            "items": {
                "type": "array",
                "minItems": 2,
                "maxItems": 4,
                "items": _obj(
                    {
                        "value": {
                            "type": ["number", "string"],
                            "description": "A number (written for the edition's language) "
                            "or text as it is.",
                        },
                        "label": _described(_STR, "A short label, e.g. 'people trained'."),
                        "prefix": _described(_STR, "Set before the number, e.g. '£'."),
                        "suffix": _described(_STR, "Set after the number, e.g. '%' or ' m'."),
                        "decimals": {"type": "integer", "minimum": 0, "maximum": 6},
                    },
                    ("value", "label"),
                ),
            },
        },
        ("items",),
        description="Two to four key figures, large, across the measure.",
    ),
}

PART_KINDS = tuple(_PART_KINDS)

_WORDS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_HYPHENATION_LISTS = {
    "exceptions": _described(
        _WORDS, "Words with their only break points marked by hyphens, e.g. 'pro-tec-tion'."
    ),
    "never": _described(_WORDS, "Words never to hyphenate (names, brands)."),
}

BREAKS = ("recto", "page", "column", "none")

_PART = {
    "type": "object",
    "description": "One part of the body; exactly one of the kinds below, and an optional 'break'.",
    "minProperties": 1,
    "maxProperties": 2,
    "properties": {
        **_PART_KINDS,
        "break": {
            "enum": list(BREAKS),
            "description": "Where this part starts: on the next right-hand page (recto), the "
            "next page, the next column, or straight on (none). Overrides the layout's "
            "page.sections_start for a section.",
        },
    },
    "additionalProperties": False,
}

_SPOT_COLOURS = {
    "enum": ["keep", "convert"],
    "description": "Spot colours (PANTONE...) in supplied PDFs: keep them as plates of their "
    "own (reported), or convert them to process colour through their alternate space. "
    "Unset: each is a warning.",
}

_SUPPLIED_BLEED = {
    "type": "number",
    "minimum": 0,
    "maximum": 20,
    "description": "Bleed (mm) on every side of pages exported with bleed but no TrimBox; "
    "without it, a page of exactly trim + the layout's bleed is recognised as such.",
}

EDITION_SCHEMA: dict[str, Any] = _obj(
    {
        "title": _described(_STR, "The report's title (cover, metadata, running heads)."),
        "subtitle": _described(_STR, "e.g. 'Annual Report 2019'."),
        "organisation": _described(_STR, "The publishing organisation."),
        "year": {"type": "integer", "minimum": 1900, "maximum": 2999},
        "language": {
            "type": "string",
            "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
            "description": "BCP 47 language tag, e.g. en-GB; drives hyphenation.",
        },
        "date": {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}$",
            "description": "Publication date (YYYY-MM-DD); the PDF dates when "
            "SOURCE_DATE_EPOCH is not set.",
        },
        "slug": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9._-]*$",
            "description": "Output file stem: build/<edition>/<slug>-<target>.pdf.",
        },
        "layout": _described(_STR, "Layout name (layouts/<name>.yaml) or a path to one."),
        "cover": _obj(
            {
                "file": _described(_PATH, "The designer's cover PDF (CMYK, for press)."),
                "rgb_file": _described(
                    _PATH, "An RGB export of the same pages, used by screen, archive and proof."
                ),
                "front_pages": {"type": "integer", "minimum": 0, "default": 2},
                "back_pages": {"type": "integer", "minimum": 0, "default": 2},
                "bleed": _SUPPLIED_BLEED,
                "spot_colours": _SPOT_COLOURS,
                "password": _described(_STR, "Password of an encrypted cover."),
                "accept": _described(_STR, "Why preflight problems of this file are accepted."),
                "alt": _described(_STR, _SUPPLIED_ALT),
            },
            ("file",),
            description="Front pages go before the body, back pages after the appendices.",
        ),
        "appendices": {
            "type": "array",
            "items": _obj(
                {
                    "file": _PATH,
                    "rgb_file": _described(
                        _PATH, "An RGB export of the same pages, used by screen, archive and proof."
                    ),
                    "title": _described(_STR, "Bookmark and contents title."),
                    "fit": {
                        "enum": ["scale", "refuse"],
                        "default": "scale",
                        "description": "What to do with pages that are not the trim size.",
                    },
                    "bleed": _SUPPLIED_BLEED,
                    "spot_colours": _SPOT_COLOURS,
                    "password": _described(_STR, "Password of an encrypted appendix."),
                    "accept": _described(_STR, "Why preflight problems are accepted."),
                    "alt": _described(_STR, _SUPPLIED_ALT),
                },
                ("file", "title"),
            ),
        },
        "hyphenation": _obj(
            _HYPHENATION_LISTS,
            description="Hyphenation words for this edition, added to the layout's lists.",
        ),
        "parts": {"type": "array", "items": _PART, "minItems": 1},
    },
    ("title", "organisation", "year", "layout", "parts"),
    title="printpipe edition",
    description="One year's report: metadata, layout, cover, body parts and appendices.",
)

_COLOUR = _obj(
    {
        "cmyk": {
            "type": "array",
            "items": {"type": "number", "minimum": 0, "maximum": 100},
            "minItems": 4,
            "maxItems": 4,
            "description": "C, M, Y, K in percent, for press.",
        },
        "rgb": {
            "type": "string",
            "pattern": "^#[0-9A-Fa-f]{6}$",
            "description": "sRGB hex for screen and archive.",
        },
    },
    ("cmyk", "rgb"),
)

_FONT_FAMILY = _obj(
    {
        "regular": _described(_PATH, "TrueType (.ttf) file; CFF/OTF is not supported."),
        "bold": _PATH,
        "italic": _PATH,
        "bold_italic": _PATH,
    },
    ("regular",),
)

STYLE_NAMES = (
    "body",
    "h1",
    "h2",
    "h3",
    "list",
    "quote",
    "pull_quote",
    "pull_quote_attribution",
    "caption",
    "credit",
    "callout_title",
    "callout_body",
    "signature_name",
    "signature_role",
    "toc_title",
    "toc1",
    "toc2",
    "related_title",
    "related_item",
    "running_head",
    "folio",
    "table",
    "table_header",
    "chart",
    "key_figure",
    "key_figure_label",
)

_STYLE = _obj(
    {
        "font": _described(_STR, "A family named under fonts:."),
        "weight": {"enum": ["regular", "bold", "italic", "bold_italic"]},
        "size": _POS,
        "leading": _POS,
        "colour": _described(_STR, "A colour named under colours:."),
        "align": {"enum": ["left", "right", "centre", "justify"]},
        "hyphenate": {"type": "boolean"},
        "space_before": _NONNEG,
        "space_after": _NONNEG,
        "first_line_indent": _NUM,
        "left_indent": _NONNEG,
        "keep_with_next": {"type": "boolean"},
        "uppercase": {"type": "boolean"},
        "letter_spacing": _NUM,
    }
)

LAYOUT_SCHEMA: dict[str, Any] = _obj(
    {
        "name": _described(_STR, "A human name for the house style."),
        "extends": _described(_STR, "Another layout this one overrides (name or path)."),
        "page": _obj(
            {
                "trim": {
                    "type": "array",
                    "items": _POS,
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "Trimmed page size in mm: [width, height].",
                },
                "bleed": _described(_NONNEG, "Bleed on every side in mm (3 is usual)."),
                "margins": _obj(
                    {"top": _NONNEG, "bottom": _NONNEG, "inner": _NONNEG, "outer": _NONNEG},
                    description="Margins in mm; inner is the spine side of facing pages.",
                ),
                "columns": {"type": "integer", "minimum": 1, "maximum": 4},
                "gutter": _described(_NONNEG, "Space between columns in mm."),
                "safe": _described(_NONNEG, "Safe area inside the trim in mm (proof guides)."),
                "sections_start": {
                    "enum": ["recto", "page", "column", "continue", "new-page"],
                    "description": "Where each Markdown section begins: on a right-hand page "
                    "(a blank left-hand page is added when needed), a new page, the next "
                    "column, or straight on ('new-page' is the old name of 'page').",
                },
                "short_section_start": {
                    "enum": ["recto", "page", "column", "continue"],
                    "description": "Where a short section begins instead (see "
                    "short_section_pages): e.g. 'continue' under its heading on the same page.",
                },
                "min_fill": _described(
                    {"type": "number", "minimum": 0, "maximum": 1},
                    "A section's last page filled less than this (share of the type area) is "
                    "not left so: the next section opens in its next column instead of on a "
                    "new page.",
                ),
                "short_section_pages": _described(
                    _NONNEG,
                    "A section whose text fills less than this many pages is short.",
                ),
                "lone_photos": {
                    "enum": ["full-bleed", "keep"],
                    "description": "A full-width photo that would stand alone on a page (its "
                    "section ended and the next opens on a new page): 'full-bleed' gives it "
                    "the whole page when it keeps 45 % of each side and the press resolution; "
                    "'keep' (the default) leaves it at the top of that page.",
                },
            },
        ),
        "fonts": {
            "type": "object",
            "additionalProperties": _FONT_FAMILY,
            "minProperties": 1,
            "description": "Font families by name.",
        },
        "fallback_fonts": {
            "type": "array",
            "items": _PATH,
            "description": "TrueType files tried, in order, for characters the style's font lacks.",
        },
        "colours": {
            "type": "object",
            "additionalProperties": _COLOUR,
            "description": "Named colours, each in CMYK and RGB.",
        },
        "styles": _obj({name: _STYLE for name in STYLE_NAMES}),
        "palette": {
            "type": "array",
            "items": _COLOUR,
            "minItems": 2,
            "description": "Chart series colours, in order, each in CMYK and RGB.",
        },
        "tables": _obj(
            {
                "rule": _described(_STR, "Colour (named under colours:) of the rules."),
                "rule_width": _described(_NONNEG, "Rule under each row, in points (0: none)."),
                "header_rule_width": _described(_NONNEG, "Rule under the header, in points."),
                "header_fill": _described(_STR, "Colour behind the header row."),
                "stripe": _described(_STR, "Colour behind every other row."),
                "total_fill": _described(_STR, "Colour behind totals rows."),
                "total_rule_width": _described(_NONNEG, "Rule above totals rows, in points."),
                "negative": {
                    "enum": ["minus", "parentheses"],
                    "description": "Negative numbers as −1,250 or (1,250).",
                },
            },
            description="Rules and shading of tables; type from the table and table_header styles.",
        ),
        "running_head": _obj(
            {
                "verso": _described(
                    _STR,
                    "Left-page text; {title} {subtitle} {organisation} {year} {section}; "
                    "a year already in the text is not repeated.",
                ),
                "recto": _described(_STR, "Right-page text, same fields."),
                "rule": {"type": "boolean"},
                "skip": {
                    "type": "array",
                    "items": {"enum": ["contents", "openers"]},
                    "description": "Pages without a running head: the contents page, section "
                    "openers.",
                },
            }
        ),
        "contents": _obj(
            {"leaders": _described({"type": "boolean"}, "Dot leaders from title to folio.")},
            description="The contents page.",
        ),
        "folio": _obj({"position": {"enum": ["outer", "centre"]}, "start": {"type": "integer"}}),
        "grid": _described(
            {"type": "boolean"},
            "Baseline grid: body lines of every column on multiples of the body leading.",
        ),
        "hyphenation": _obj(
            {
                **_HYPHENATION_LISTS,
                "capitalised": _described(
                    {"type": "boolean"}, "Also hyphenate capitalised words (default: no)."
                ),
            },
            description="Hyphenation rules beyond the language's patterns.",
        ),
        "press": _obj(
            {
                "pad_to_multiple": _described(
                    {"type": "integer", "minimum": 1},
                    "Pad the page count to a multiple of this (4 for saddle stitch, 1 for none).",
                ),
                "marks": _described({"type": "boolean"}, "Draw crop and registration marks."),
                "allow_padding": _described(
                    {"type": "boolean"},
                    "Blank pages may be added to reach pad_to_multiple (reported as a note); "
                    "false makes a document that needs them an error.",
                ),
                "spot_colours": _SPOT_COLOURS,
                "total_ink_limit": _described(
                    {"type": "number", "minimum": 200, "maximum": 400, "default": 300},
                    "Highest total ink (C+M+Y+K, %) a converted photo may carry after JPEG "
                    "encoding; the CMYK profile's own limit.",
                ),
                "overprint_black": _described(
                    {"type": "boolean", "default": True},
                    "100 % K text and rules overprint in the press file (no white halo when "
                    "plates mis-register); false makes them knock out.",
                ),
            }
        ),
        "colour_management": _obj(
            {
                "cmyk_profile": _described(_PATH, "ICC profile of the press (output intent)."),
                "rgb_profile": _described(_PATH, "sRGB ICC profile for screen and archive."),
                "output_condition": _described(_STR, "Human description of the press condition."),
                "output_condition_identifier": _described(_STR, "e.g. FOGRA39."),
                "registry": _described(_STR, "Where the condition is registered."),
            }
        ),
        "images": _obj(
            {
                "error_below_ppi": _POS,
                "warn_below_ppi": _POS,
                "max_ppi": _POS,
                "target_ppi": _POS,
                "screen_ppi": _POS,
            }
        ),
    },
    title="printpipe layout",
    description="A house style: page geometry, fonts, type scale, colours, running heads.",
)


def schemas_json() -> str:
    """Both schemas as one JSON document, for ``printpipe schema``."""
    return json.dumps(
        {
            "edition": {"$schema": DRAFT, **EDITION_SCHEMA},
            "layout": {"$schema": DRAFT, **LAYOUT_SCHEMA},
        },
        indent=2,
    )
