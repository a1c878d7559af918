"""Numbers as a reader of the edition's language writes them: 1,650.5 in English, 1.650,5 in German.

A small table of conventions (after CLDR) rather than Babel: a report needs grouping, the
decimal mark, where the currency symbol goes and how a per-cent sign is spaced, for a handful
of languages, and nothing else.  Negative numbers follow the house style (a true minus sign or
accountants' parentheses), which is a layout choice, not a language one.
"""

from __future__ import annotations

from dataclasses import dataclass

from printpipe.model import NumberFormat

NBSP = "\u00a0"
NNBSP = "\u202f"
MINUS = "\u2212"
EN_DASH = "\u2013"  # the typographers' stand-in for a minus, in fonts that lack U+2212


@dataclass(frozen=True)
class Conventions:
    """How one language writes numbers."""

    group: str
    decimal: str
    currency_first: bool  # £1,200 (True) or 1.200 € (False)
    percent_space: bool  # 51 % (True) or 51% (False)


_ENGLISH = Conventions(",", ".", True, False)
_BY_LANGUAGE = {
    "en": _ENGLISH,
    "de": Conventions(".", ",", False, True),
    "de-ch": Conventions("’", ".", True, True),
    "fr": Conventions(NNBSP, ",", False, True),
    "es": Conventions(".", ",", False, True),
    "it": Conventions(".", ",", False, False),
    "nl": Conventions(".", ",", True, False),
    "pt": Conventions(".", ",", True, False),
    "pt-pt": Conventions(NBSP, ",", False, False),
    "da": Conventions(".", ",", False, True),
    "sv": Conventions(NBSP, ",", False, True),
    "nb": Conventions(NBSP, ",", False, True),
    "fi": Conventions(NBSP, ",", False, True),
    "pl": Conventions(NBSP, ",", False, True),
    "cs": Conventions(NBSP, ",", False, True),
}


def conventions(language: str) -> Conventions:
    """The conventions for a BCP 47 tag: the region's if listed, else the language's, else en."""
    tag = language.lower()
    if tag in _BY_LANGUAGE:
        return _BY_LANGUAGE[tag]
    return _BY_LANGUAGE.get(tag.split("-")[0], _ENGLISH)


def format_number(
    value: float,
    spec: NumberFormat,
    language: str,
    negative: str = "minus",
    decimals: int = 0,
    minus: str = MINUS,
) -> str:
    """``value`` written per ``spec`` for ``language``; ``decimals`` applies when spec has none."""
    rules = conventions(language)
    places = spec.decimals if spec.decimals is not None else decimals
    scaled = value / spec.scale if spec.scale else value
    rounded = round(abs(scaled), places)
    whole, _, fraction = f"{rounded:.{places}f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = rules.group.join(groups)
    if fraction:
        text += rules.decimal + fraction
    if spec.kind == "currency" and spec.currency:
        text = f"{spec.currency}{text}" if rules.currency_first else f"{text}{NBSP}{spec.currency}"
    elif spec.kind == "percent":
        text += f"{NBSP}%" if rules.percent_space else "%"
    if scaled < 0 and rounded != 0:
        text = f"({text})" if negative == "parentheses" else minus + text
    return text


def decimals_of(text: str) -> int:
    """How many decimals a number in a CSV file was written with ("12.50" -> 2)."""
    cleaned = text.strip()
    return len(cleaned.rsplit(".", 1)[1]) if "." in cleaned else 0
