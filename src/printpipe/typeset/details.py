"""Details a designer checks, applied to the text before it is broken into lines.

Each replacement swaps one character for one character, so offsets into the text (which
inline run a character belongs to) stay valid.

- A number and its unit, or "per cent", are joined by no-break spaces: "51 per cent" never
  splits across lines.
- A hyphen between two numbers is a range and becomes an en dash: "2019-2020" -> "2019–2020".
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
EN_DASH = "\u2013"

_UNITS = (
    r"per cent|percent|%|km|kg|mm|cm|m|ha|kW|MW|GW|kWh|°C|°F|ppi|dpi|pt|"
    r"million|billion|trillion|thousand|hours|days|weeks|months|years"
)
_NUMBER_UNIT = re.compile(rf"(?<=\d) (?=(?:{_UNITS})(?!\w))")
_PER_CENT = re.compile(r"(?<=\d\u00a0per) (?=cent(?!\w))")
_RANGE = re.compile(r"(?<![\w.,\-–])(\d{1,4})-(?=\d{1,4}(?![\d\-]))")


def refine(text: str) -> str:
    """``text`` with no-break spaces before units and en dashes in number ranges."""
    text = _NUMBER_UNIT.sub(NBSP, text)
    text = _PER_CENT.sub(NBSP, text)
    return _RANGE.sub(lambda match: match.group(1) + EN_DASH, text)
