"""Numbers as written in trade documents: digits with separators, spelled numbers, scale words."""
from __future__ import annotations

import re

from .gazetteer import lexicon

__all__ = ["NUMBER", "SPELLED", "SPELLED_FIRST_WORDS", "CURRENCY_WORDS", "SCALE", "SCALE_WORD", "parse_number",
           "parse_spelled", "scale_of", "NUM_OR_WORD"]

_WORDS: dict[str, int] = lexicon()["number_words"]
_UNITS = [w for w, v in _WORDS.items() if v < 20 and w not in ("no",)]
_TENS = [w for w, v in _WORDS.items() if 20 <= v < 100]

# 1,234.5 or 1234 or .5; separators only in groups of three so "9903.01.25" never reads as one.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
# "twenty-five", "ninety nine", "fifteen", "zero".
SPELLED = (r"(?:(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(w for w in _UNITS if _WORDS[w] < 10 and _WORDS[w] > 0)
           + r"))?|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"|dozen)")
NUM_OR_WORD = rf"(?:{NUMBER}|{SPELLED})"
# Currency words ("75 dollars", "1.2 trillion yuan"), for finders.
# (Multi-word ones, "Swiss francs", end with a word of their own: finders need only single words.)
CURRENCY_WORDS = frozenset(w for w in lexicon()["currency_words"] if " " not in w)
# Scale words after a number. A one-letter abbreviation ("$5m", "€2b") must end the token; a
# second word multiplies the first, as Indian amounts do ("1.5 lakh crore" is 1.5 * 10^5 * 10^7).
_SCALES: dict[str, float] = lexicon()["scales"]
# ("5 billions", "10 crores": a plural scale is the same scale.)
SCALE_WORD = "(?:" + "|".join(sorted((w for w in _SCALES if len(w) > 1), key=len, reverse=True)) + r")s?\b"
SCALE = (r"(?:" + SCALE_WORD + "|[" + "".join(sorted(w for w in _SCALES if len(w) == 1)) + r"](?!\w))(?:\s+"
         + SCALE_WORD + ")?")
# The words a spelled number can start with (for finders that look for where one may begin).
SPELLED_FIRST_WORDS = frozenset(_TENS) | frozenset(_UNITS) | {"dozen"}


def parse_number(raw: str) -> float:
    """``"1,234.5"`` -> 1234.5."""
    return float(raw.replace(",", ""))


def parse_spelled(raw: str) -> int | None:
    """``"twenty-five"`` -> 25; None when it is not a number word."""
    total = 0
    for part in re.split(r"[- ]+", raw.lower()):
        if part not in _WORDS:
            return None
        total += _WORDS[part]
    return total


def parse_any(raw: str) -> float | None:
    """Digits or words."""
    raw = raw.strip()
    if raw and (raw[0].isdigit() or raw[0] == "."):
        return parse_number(raw)
    return parse_spelled(raw)


def scale_of(word: str | None) -> float:
    """``"billion"`` -> 1e9, ``"lakh crore"`` -> 1e12; 1 for no scale word."""
    if not word:
        return 1.0
    value = 1.0
    for part in word.lower().split():
        part = part.rstrip(".")
        value *= float(_SCALES.get(part, _SCALES.get(part[:-1], 1.0) if part.endswith("s") else 1.0))
    return value


def tidy(value: float) -> int | float:
    """Whole numbers as int, others rounded to remove float noise."""
    if abs(value - round(value)) < 1e-9:
        return int(round(value))
    return round(value, 6)
