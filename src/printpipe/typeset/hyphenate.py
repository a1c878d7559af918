"""Where a word may break: pyphen's patterns under the rules a book designer sets.

Patterns alone break "round-the-c-lock" and "Harbour-light"; the rules here decide first
whether a word may break at all and where:

- no break leaving fewer than 2 letters before or 3 after; words under 6 letters never;
- an explicit compound breaks only at its own hyphen ("round-the-|clock");
- no capitalised words (unless the layout allows them), numbers, URLs or e-mail addresses;
- URLs and e-mail addresses break after ``/ . @ -`` with no added hyphen;
- soft hyphens in the text are the only break points of their word;
- the layout's and the edition's ``exceptions`` (``pro-tec-tion``) and ``never`` lists, and
  the organisation's name, win over the patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyphen

SOFT_HYPHEN = "\u00ad"
MIN_WORD = 6
LEFT = 2
RIGHT = 3

_URL = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+$|^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$"
    r"|^[\w-]+(?:\.[\w-]+)*\.(?:org|com|net|int|info|edu|gov|[a-z]{2})/\S*$",
    re.IGNORECASE,
)
_LEADING = "\"'“‘«‹([{¿¡*_"
_TRAILING = "\"'”’»›)]}.,;:!?…*_"
_URL_BREAK_AFTER = "/.@-"


@dataclass(frozen=True)
class Break:
    """A place a word may break: after character ``index``; ``hyphen`` says whether one is added."""

    index: int
    hyphen: bool


def hyphenation_language(language: str) -> str | None:
    """The pyphen dictionary for a BCP 47 tag (en-GB -> en_GB, de -> de_DE), if there is one."""
    wanted = language.replace("-", "_")
    for candidate in (wanted, wanted.split("_")[0]):
        if candidate in pyphen.LANGUAGES:
            return candidate
        match = pyphen.language_fallback(candidate)
        if match:
            return str(match)
    return None


def _room(core: str, index: int, letters: bool) -> bool:
    """Whether a break after ``core[index]`` leaves enough on each side.

    After a hyphen the pieces that count are the letters next to it ("brother-|in-law" leaves
    "in", too short; "brother-in-|law" is fine); elsewhere, the characters.
    """
    before, after = core[:index], core[index + 1 :]
    if letters:
        start = len(before)
        while start > 0 and before[start - 1].isalpha():
            start -= 1
        end = 0
        while end < len(after) and after[end].isalpha():
            end += 1
        before, after = before[start:], after[:end]
    return len(before) >= LEFT and len(after) >= RIGHT


_DICTIONARIES: dict[str, pyphen.Pyphen] = {}


def _dictionary(lang: str) -> pyphen.Pyphen:
    """The pyphen patterns for ``lang``, loaded once per process (loading takes 0.3 s)."""
    found = _DICTIONARIES.get(lang)
    if found is None:
        found = _DICTIONARIES[lang] = pyphen.Pyphen(lang=lang, left=LEFT, right=RIGHT)
    return found


def is_url(word: str) -> bool:
    """Whether ``word`` (without surrounding punctuation) is a URL or e-mail address."""
    return bool(_URL.match(word))


@dataclass
class Hyphenator:
    """Break points of words for one language and one set of rules; cached per word."""

    language: str | None
    capitalised: bool = False
    exceptions: Iterable[str] = ()
    never: Iterable[str] = ()
    _dic: pyphen.Pyphen | None = field(init=False, default=None)
    _exceptions: dict[str, list[int]] = field(init=False, default_factory=dict)
    _never: set[str] = field(init=False, default_factory=set)
    _cache: dict[str, tuple[Break, ...]] = field(init=False, default_factory=dict)
    key: tuple[object, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        # What the break points depend on: caches of set words are keyed by it.
        self.exceptions = tuple(self.exceptions)
        self.never = tuple(self.never)
        self.key = (self.language, self.capitalised, self.exceptions, self.never)
        lang = hyphenation_language(self.language) if self.language else None
        self._dic = _dictionary(lang) if lang else None
        for entry in self.exceptions:
            word = entry.replace("-", "").lower()
            points, seen = [], 0
            for char in entry:
                if char == "-":
                    points.append(seen)
                else:
                    seen += 1
            self._exceptions[word] = points
        self._never = {word.lower() for word in self.never}

    def breaks(self, word: str) -> tuple[Break, ...]:
        """Break points of ``word`` (a run of non-space characters, punctuation included)."""
        found = self._cache.get(word)
        if found is None:
            found = self._cache[word] = tuple(self._breaks(word))
        return found

    def _breaks(self, word: str) -> list[Break]:
        if SOFT_HYPHEN in word:
            # The author's soft hyphens are the only points; offsets are in the cleaned word.
            points, seen = [], 0
            for char in word:
                if char == SOFT_HYPHEN:
                    if seen:
                        points.append(Break(seen, True))
                else:
                    seen += 1
            return points
        start = 0
        while start < len(word) and word[start] in _LEADING:
            start += 1
        end = len(word)
        while end > start and word[end - 1] in _TRAILING:
            end -= 1
        for possessive in ("’s", "'s"):
            if word[start:end].endswith(possessive):
                end -= len(possessive)
        core = word[start:end]
        if not core:
            return []
        if is_url(core):
            return [
                Break(start + index + 1, False)
                for index, char in enumerate(core[:-1])
                if char in _URL_BREAK_AFTER and _room(core, index, char == "-")
            ]
        if core.lower() in self._never:
            return []
        if "-" in core or "\u2010" in core:
            # An explicit compound breaks at its own hyphen(s), nowhere else.
            return [
                Break(start + index + 1, False)
                for index, char in enumerate(core[:-1])
                if char in "-\u2010" and _room(core, index, True)
            ]
        if any(char.isdigit() for char in core) or not core.isalpha():
            return []
        if core.lower() in self._exceptions:
            return [Break(start + index, True) for index in self._exceptions[core.lower()]]
        if len(core) < MIN_WORD or self._dic is None:
            return []
        if core[0].isupper() and not self.capitalised:
            return []
        return [
            Break(start + index, True)
            for index in self._dic.positions(core)
            if index >= LEFT and len(core) - index >= RIGHT
        ]
