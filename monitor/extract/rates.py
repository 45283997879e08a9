"""Percentages as written: "25%", "25 percent", "twenty-five per cent", ranges ("10-20%",
"between 7.5% and 100%"), changes ("from 90 percent to 120 percent"), "up to", "at least"."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .folding import Prefilter, fold, matches_at
from .gazetteer import lexicon
from .numbers import NUMBER, SPELLED, parse_any, tidy

__all__ = ["Rate", "find_rates", "has_unit", "RATE_WORDS", "CHANGED_WORDS"]

_UNIT = r"(?:%|\s*percent(?:age\s+points?)?\b|\s*per\s*cent\b|\s*pct\b)"
# "three point five percent": a spelled number with spelled decimals.
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_SPELLED_DECIMAL = rf"{SPELLED}\s+point(?:\s+(?:{'|'.join(_DIGIT_WORDS)}))+"
_VAL = rf"(?:{NUMBER}|{_SPELLED_DECIMAL}|{SPELLED})"
_QUALIFIERS = ("up to", "at least", "at most", "more than", "less than", "over", "under", "about", "around",
               "approximately", "nearly", "almost", "roughly", "some", "virtually", "as much as", "as high as",
               "not exceeding", "not to exceed", "no more than", "no less than", "a maximum of", "as low as")
_QUAL = r"(?:(?P<qual>" + "|".join(q.replace(" ", r"\s+") for q in _QUALIFIERS) + r")\s+)?"
_EARLIER = r"(?:the\s+)?(?:current\s+|previous\s+|existing\s+|prior\s+)?"
# "up from", "slashed from": what the rate before was.
CHANGED_WORDS = tuple(lexicon()["rate_change_participles"])
_CHANGED = r"(?:" + "|".join(CHANGED_WORDS) + r")"
# One pass finds every form; the alternatives are tried left to right at each position.
_RATE = re.compile(
    rf"(?<![\w.,$])(?:"
    rf"between\s+(?P<blo>{_VAL})\s*(?P<bu1>{_UNIT})?\s+and\s+(?P<bhi>{_VAL})(?P<bu2>{_UNIT})"
    # "from 25 per cent to nil": a rate cut to nothing is a rate of zero.
    rf"|from\s+{_QUAL.replace('qual', 'fq')}(?P<flo>{_VAL})(?P<fu1>{_UNIT})(?:\s+in\s+\d{{4}})?\s+to\s+"
    rf"(?:(?P<fhi>{_VAL})(?P<fu2>{_UNIT})|(?P<fnil>nil|zero)(?![\w-]))"
    rf"|(?P<rlo>{NUMBER})\s*(?:%\s*)?(?:-|to)\s*(?P<rhi>{NUMBER})(?P<ru>{_UNIT})"
    # ("lowered from 25% to 15%" is a change, read by the "from" form at "from".)
    rf"|(?P<since>(?:up|down)\s+from\s+{_EARLIER}|(?:previously|formerly)\s+|{_CHANGED}\s+from\s+{_EARLIER}(?={_VAL}{_UNIT}(?!\s*to\s)))?"
    rf"{_QUAL}(?P<quote>\")?(?P<val>{_VAL})(?P<unit>{_UNIT})"
    # "to 30% from 145%": the new rate, then the old one (one form: the number is read once).
    rf"(?:,?\s+(?:(?:up|down)\s+)?from\s+{_EARLIER}(?P<told>{_VAL})(?P<tu2>{_UNIT}))?"
    rf")(?![\w])", re.I)
# The same for lower-cased text, run without re.I: under it every letter of the many number and
# qualifier words is compared through a case fold, and the alternatives cannot be skipped by
# their first letter.
_RATE_LOWER = re.compile(fold(_RATE.pattern))


# The words a form above can begin with, besides a number or a quote (see ``find_rates``).
RATE_WORDS = frozenset({"between", "from", "previously", "formerly"} | set(CHANGED_WORDS) | {q.split()[0] for q in _QUALIFIERS})
# A rate right after another, joined by "or", "and" or a comma ("tariffs of 15% or 20%",
# "the 30% and 25% rates"): it is read as the first one is.
LISTED_AFTER = re.compile(r"(?:%|percent|per\s*cent)\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)$", re.I)
# Every form above ends with a unit, so a sentence without one holds no rate ("percent" is
# "per\s*cent" with no space).
has_unit = Prefilter.any_of(r"%", r"per\s*cent", r"pct")


@dataclass(slots=True)
class Rate:
    start: int
    end: int
    value: float
    low: float | None = None
    high: float | None = None
    previous: float | None = None  # "from 90 percent to 120 percent": 90
    qualifier: str | None = None
    points: bool = False  # percentage points
    role: str = "single"  # single, range-low, range-high, previous, new
    quoted: bool = False
    lead: int | None = None  # where the match begins when a qualifier comes first ("up to 25%")
    partner: int | None = None  # previous/new: the start of the other rate of the change
    follows: bool = False  # "up from the current 10%": the previous value of the rate before it


def _parse(raw: str) -> float | None:
    """A number in digits or words, "three point five" included."""
    whole, sep, decimals = re.sub(r"\s+", " ", raw.strip()).lower().partition(" point ")
    if not sep:
        return parse_any(raw)
    value = parse_any(whole)
    digits = [_DIGIT_WORDS.index(w) for w in decimals.split()]
    if value is None or not digits:
        return None
    return value + int("".join(map(str, digits))) / 10 ** len(digits)


def _points(unit: str | None) -> bool:
    return bool(unit) and "point" in unit.lower()


def find_rates(text: str, start: int = 0, end: int | None = None, starts: list[int] | None = None,
               lowered: str | None = None) -> list[Rate]:
    """Every percentage in ``text[start:end]``; ranges and changes give one Rate per end.

    ``starts``, if given, holds every place a rate can begin (a ``RATE_WORDS`` word, a number or
    a quote): the pattern is tried only there, and, with ``lowered`` (the text lower-cased), only
    before the last unit (every form ends with one), and over ``lowered``."""
    out: list[Rate] = []
    end = len(text) if end is None else end
    if starts is None:
        matches = _RATE.finditer(text, start, end)
    else:
        stop = None if lowered is None else max(lowered.rfind(u, start, end) for u in ("%", "cent", "pct"))
        matches = (matches_at(_RATE, text, starts, start, end) if lowered is None
                   else matches_at(_RATE_LOWER, lowered, starts, start, end, stop))
    for m in matches:
        g = m.groupdict()
        if g["blo"] is not None or g["flo"] is not None or g["rlo"] is not None:
            lo_key, hi_key = ("blo", "bhi") if g["blo"] is not None else (("flo", "fhi" if g["fnil"] is None else "fnil")
                                                                         if g["flo"] is not None else ("rlo", "rhi"))
            lo, hi = _parse(g[lo_key]), (0 if hi_key == "fnil" else _parse(g[hi_key]))
            if lo is None or hi is None:
                continue
            lo_s, lo_e = m.span(lo_key)
            hi_s, hi_e = m.span(hi_key)
            unit = g["bu2"] or g["fu2"] or g["ru"] or g["fu1"]
            if g["flo"] is not None:
                out.append(Rate(lo_s, m.end("fu1"), tidy(lo), role="previous", points=_points(unit), partner=hi_s))
                out.append(Rate(hi_s, m.end(), tidy(hi), previous=tidy(lo), role="new", points=_points(unit),
                                qualifier=None, partner=lo_s))
                continue
            if g["rlo"] is not None and lo >= hi:
                continue  # "2019-2024%" is no range
            out.append(Rate(m.start(), m.end(), tidy(lo), low=tidy(lo), high=tidy(hi), role="range-low",
                            points=_points(unit)))
            out.append(Rate(m.start(), m.end(), tidy(hi), low=tidy(lo), high=tidy(hi), role="range-high",
                            points=_points(unit)))
            continue
        value = _parse(g["val"])
        if value is None:
            continue
        qual = re.sub(r"\s+", " ", g["qual"].lower()) if g["qual"] else None
        if g["told"] is not None and not g["quote"] and g["since"] is None:
            old = _parse(g["told"])
            if old is not None:  # "to 30% from 145%": the new rate first, then the old one
                ns, os_ = m.start("val"), m.start("told")
                pts = _points(g["tu2"])
                out.append(Rate(ns, m.end("unit"), tidy(value), previous=tidy(old), role="new", points=pts,
                                partner=os_, qualifier=qual, lead=m.start("qual") if g["qual"] else None))
                out.append(Rate(os_, m.end(), tidy(old), role="previous", points=pts, partner=ns))
                continue
        since = g["since"] is not None
        out.append(Rate(m.start("val") if not g["quote"] else m.start("quote"), m.end(), tidy(value),
                        qualifier=qual, points=_points(g["unit"]), quoted=bool(g["quote"]),
                        lead=m.start("qual") if g["qual"] else None,
                        role="previous" if since else "single", follows=since))
    # "down from the 30% and 25% rates": every rate of the list is a previous one.
    for i in range(1, len(out)):
        r, before = out[i], out[i - 1]
        if before.follows and r.role == "single" and not r.quoted \
                and LISTED_AFTER.search(text, max(start, r.start - 12), r.start):
            r.role, r.follows = "previous", True
    return out
