"""Calendar dates: absolute ("August 1, 2025", "1 August 2025", "2025-08-01"), year-less
("Aug. 7", "August 1") and their resolution against the document's date."""
from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, insort
from typing import Iterator
from dataclasses import dataclass

from .folding import matches_at
from .gazetteer import lexicon
from .words import Words

__all__ = ["DateMention", "find_dates", "resolve_year", "iso", "add_days", "document_year", "own_date", "MONTH_WORDS",
           "RELATIVE_WORDS", "WEEKDAY"]

_MONTHS: dict[str, int] = lexicon()["months"]
MONTH_WORDS = frozenset(_MONTHS)
# Words a relative date can start with ("within 90 days", "no later than 30 days after ...").
RELATIVE_WORDS = frozenset({"within", "no", "not"})
# "Monday, June 22": a weekday written before a date (optional in the patterns that allow it).
WEEKDAY = r"(?:" + "|".join(sorted(lexicon()["weekdays"], key=len, reverse=True)) + r")\.?,?\s+"
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
# "August 1, 2025", "Aug. 7", "August 1st", "Sept 30 2025". The year needs a comma or a space
# and must not be the start of a longer number.
_MDY_REST = (r"\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?!:\d|\.\d|,\d)"
             r"(?:,?\s+(?P<year>(?:19|20)\d\d)\b(?![-.,]?\d))?")
_DMY_REST = rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH})\.?(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
# Each pattern starts with a character re can skip ahead to; the word boundary before it is a
# lookbehind after that character ("\\bjan" is "j" not preceded by a word character, then "an").
# The month patterns run over the lower-cased text when there is one (see folding.py).
_MONTH_LOW = r"(?:" + "|".join(m[0] + r"(?<!\w" + m[0] + ")" + m[1:]
                                for m in sorted(_MONTHS, key=len, reverse=True)) + r")"
_MDY = re.compile(rf"\b(?P<month>{_MONTH})" + _MDY_REST, re.I)
_MDY_LOW = re.compile(rf"(?P<month>{_MONTH_LOW})" + _MDY_REST)
_DMY = re.compile(r"(?P<day>\d(?<!\w\d)\d?)" + _DMY_REST, re.I)
_DMY_LOW = re.compile(r"(?P<day>\d(?<!\w\d)\d?)" + _DMY_REST)
_ISO = re.compile(r"(?P<year>(?:19|20)(?<![\d.]\d\d)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?![\d])")
# The month and day part of an ISO date: found by its leading "-" (a literal, which re finds
# fast); the date itself starts four characters before.
_ISO_TAIL = re.compile(r"-[01]\d-[0-3]\d")


# Spelled ordinal days, as people say them: "July fifteenth", "the first of July", "June
# thirtieth", "the twenty-first of May".
_UNITS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_ORDINALS: dict[str, int] = {w: i + 1 for i, w in enumerate(_UNITS + [
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth"])}
_ORDINALS.update({f"twenty-{w}": 21 + i for i, w in enumerate(_UNITS)})
_ORDINALS.update({f"twenty {w}": 21 + i for i, w in enumerate(_UNITS)})
_ORDINALS.update({"thirtieth": 30, "thirty-first": 31, "thirty first": 31})
_ORDINAL = r"(?:" + "|".join(w.replace(" ", r"\s+") for w in sorted(_ORDINALS, key=len, reverse=True)) + r")"
_YEAR_AFTER = r"(?:,?\s+(?P<year>(?:19|20)\d\d)\b(?![-.,]?\d))?"
# After the month ("July fifteenth"); not "June second-quarter", "March third quarter".
_MDY_SPELLED = re.compile(rf"(?P<month>{_MONTH})\.?\s+(?:the\s+)?(?P<day>{_ORDINAL})(?![\w-])(?!\s+(?:quarter|half)\b)" + _YEAR_AFTER, re.I)
# Before it ("the fifteenth of June"): tried back from each month word.
_DMY_SPELLED_BEFORE = re.compile(rf"\b(?:the\s+)?(?P<day>{_ORDINAL})\s+of\s+$", re.I)
_DMY_SPELLED_AFTER = re.compile(rf"(?P<month>{_MONTH})\b" + _YEAR_AFTER, re.I)
_WORD = re.compile(r"[A-Za-z]+")
_MONTH_AT = re.compile(rf"\b{_MONTH}\b", re.I)


def _ordinal(word: str) -> int:
    return _ORDINALS[" ".join(word.lower().split())]


def _spelled(text: str, starts: "Iterator[int] | list[int]") -> Iterator[DateMention]:
    """Dates whose day is a spelled ordinal, tried at each month word's start."""
    for at in starts:
        w = _WORD.match(text, at)
        if w is None or (w.group(0).islower() and len(w.group(0)) <= 4):
            continue  # "mar", "dec" in lower case are ordinary words (as in find_dates)
        # Cheap looks first: an ordinal after the month starts with one of these letters, and
        # one before it ends with "of".
        j = w.end()
        while j < len(text) and text[j] in ". \t\n":
            j += 1
        m = _MDY_SPELLED.match(text, at) if j < len(text) and text[j] in "fstenFSTEN" else None
        if m:
            month_raw = m.group("month")
            if not (month_raw.lower() == "may" and not month_raw[0].isupper()):
                year = int(m.group("year")) if m.group("year") else None
                yield DateMention(at, m.end(), year, _month(month_raw), _ordinal(m.group("day")))
            continue
        if text[at - 3:at - 1].lower() != "of":
            continue
        b = _DMY_SPELLED_BEFORE.search(text, max(0, at - 30), at)
        a = _DMY_SPELLED_AFTER.match(text, at) if b else None
        if a:
            month_raw = a.group("month")
            if month_raw.lower() == "may" and not month_raw[0].isupper():
                continue
            year = int(a.group("year")) if a.group("year") else None
            yield DateMention(b.start(), a.end(), year, _month(month_raw), _ordinal(b.group("day")))


def _iso_dates(text: str) -> Iterator[re.Match[str]]:
    """What ``_ISO.finditer(text)`` yields, tried only four characters before a "-MM-DD"."""
    return matches_at(_ISO, text, [m.start() - 4 for m in _ISO_TAIL.finditer(text) if m.start() >= 4])


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    year: int | None
    month: int
    day: int


def _month(word: str) -> int:
    return _MONTHS[word.lower().rstrip(".")]


def _valid(year: int | None, month: int, day: int) -> bool:
    try:
        dt.date(year or 2000, month, day)  # 2000 is a leap year: Feb 29 stays possible
    except ValueError:
        return False
    return True


def _passes(text: str, lowered: str | None, words: Words | None) -> list:
    """Matches of the three patterns, in the order they claim text: over the lower-cased text
    when there is one, tried only where a month word or a number starts when ``words`` (what a
    ``WordFinder`` with the month words found in ``lowered``) says where."""
    if lowered is None:
        return [_iso_dates(text), _MDY.finditer(text), _DMY.finditer(text)]
    if words is None:
        return [_iso_dates(text), _MDY_LOW.finditer(lowered), _DMY_LOW.finditer(lowered)]
    return [_iso_dates(text), matches_at(_MDY_LOW, lowered, words.starts_of(MONTH_WORDS)),
            matches_at(_DMY_LOW, lowered, _day_starts(lowered, words.digits))]


_SUFFIX_HEADS = frozenset("snrt")  # of "st", "nd", "rd", "th"


def _day_starts(lowered: str, digits: list[int]) -> list[int]:
    """The numbers of ``digits`` a day-month date can start at: one or two digits, then a space
    or an ordinal suffix ("1 August", "21st of May"). Most numbers are not (a year, "25%",
    "1,000"), and two characters tell it at a fraction of the cost of trying the pattern."""
    out = []
    for p in digits:
        after = lowered[p + 1:p + 2]
        if after.isdecimal():
            after = lowered[p + 2:p + 3]
        if after.isspace() or after in _SUFFIX_HEADS:
            out.append(p)
    return out


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a span of ``taken`` (sorted spans that do not overlap: only
    the last one that starts before ``end`` can)."""
    i = bisect_left(taken, (end,))
    return i > 0 and taken[i - 1][1] > start


def find_dates(text: str, lowered: str | None = None, words: Words | None = None) -> list[DateMention]:
    """Dates with at least a month and a day, left to right, without overlaps.

    ``lowered`` is ``text.lower()`` when that keeps every offset, ``words`` what a ``WordFinder``
    (with the month words) found in it: both only make it faster."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for rx, matches in zip((_ISO, _MDY, _DMY), _passes(text, lowered, words)):
        for m in matches:
            if _overlaps(taken, m.start(), m.end()):
                continue
            month_raw = text[m.start("month"):m.end("month")]  # as written, not lower-cased
            # "may" is a verb far more often than a month: require a capital.
            if month_raw.lower() == "may" and not month_raw[0].isupper():
                continue
            # Lowercase month abbreviations ("mar", "dec") are usually ordinary words.
            if month_raw.islower() and len(month_raw) <= 4 and rx is not _ISO:
                continue
            month = int(month_raw) if rx is _ISO else _month(month_raw)
            day = int(m.group("day"))
            year = int(m.group("year")) if m.group("year") else None
            if not _valid(year, month, day):
                continue
            found.append(DateMention(m.start(), m.end(), year, month, day))
            insort(taken, (m.start(), m.end()))
    # Spelled days ("the first of July"), tried at each month word.
    starts = words.starts_of(MONTH_WORDS) if words is not None else [m.start() for m in _MONTH_AT.finditer(text)]
    for d in _spelled(text, starts):
        if _valid(d.year, d.month, d.day) and not _overlaps(taken, d.start, d.end):
            found.append(d)
            insort(taken, (d.start, d.end))
    found.sort(key=lambda d: d.start)
    return found


def document_year(dates: list[DateMention]) -> int | None:
    """The year of the text's own full dates when they all agree (then a year-less date is safe)."""
    years = {d.year for d in dates if d.year}
    return years.pop() if len(years) == 1 else None


# A document's own date in its text: after a dateline label at a line start ("Posted On: 18 FEB
# 2026 6:15PM", "Made on: 8 May 2025"), after a place in a dateline near the top, or alone on a
# line near the end, where orders are signed ("THE WHITE HOUSE,\nSeptember 22, 2025."). Markup
# and bullets may stand before any.
_LINE_LEAD = r"(?:^|\n)[ \t*_#>|-]*"
_DATELINE_LABEL = re.compile(
    _LINE_LEAD + r"(?:" + "|".join(sorted((w.replace(" ", r"\s+") for w in lexicon()["deadline_dateline_labels"]),
                                          key=len, reverse=True)) + r")\s*:?\s*(?:" + WEEKDAY + r")?$", re.I)
# A wire or press-release dateline near the top: "WASHINGTON, March 4, 2025 -", "OTTAWA, Ontario,
# 4 March 2025 /CNW/".
_PLACE_BEFORE = re.compile(r"(?:^|\n)[ \t*_]*[A-Z][A-Z .'-]{2,40}(?:,\s+[A-Z][A-Za-z.]+){0,2},\s+$")
_PLACE_AFTER = re.compile(r"[ \t*_]*(?:-|/|\()")
_DATELINE_REACH = 2000
_ALONE_BEFORE = re.compile(_LINE_LEAD + r"(?:" + WEEKDAY + r")?$", re.I)
_ALONE_AFTER = re.compile(r"[ \t*_.]*(?:\n|$)")
_SIGNATURE_LINES = 3  # how close to the end a date alone on its line must stand


def own_date(text: str, dates: list[DateMention]) -> dt.date | None:
    """The date a document gives itself in its text when it gives exactly one (see above).

    Any other date in the text says when something happened, not when the document was
    written: only a labelled dateline or a signature date is certain enough for "within 30
    days of this release"."""
    found: set[dt.date] = set()
    end = len(text.rstrip())
    for d in dates:
        if not d.year:
            continue
        line = text.rfind("\n", 0, d.start) + 1
        before = text[max(0, line - 1):d.start]
        if _DATELINE_LABEL.search(before) or (d.start < _DATELINE_REACH and _PLACE_BEFORE.search(before)
                                               and _PLACE_AFTER.match(text, d.end)):
            found.add(dt.date(d.year, d.month, d.day))
        elif d.start >= end - 400 and _ALONE_BEFORE.search(before) and _ALONE_AFTER.match(text, d.end) \
                and sum(1 for x in text[d.end:end].split("\n") if x.strip()) < _SIGNATURE_LINES:
            found.add(dt.date(d.year, d.month, d.day))
    return found.pop() if len(found) == 1 else None


def resolve_year(month: int, day: int, reference: dt.date | None, fallback_year: int | None) -> int | None:
    """Year for a year-less date: the reference date's, moved by one when that is closer
    (a "January 5" written in late December means next January)."""
    if reference is not None:
        best = None
        for year in (reference.year - 1, reference.year, reference.year + 1):
            if not _valid(year, month, day):
                continue
            gap = abs((dt.date(year, month, day) - reference).days)
            if best is None or gap < best[0]:
                best = (gap, year)
        return best[1] if best and best[0] <= 183 else reference.year
    return fallback_year


def iso(year: int | None, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"XXXX-{month:02d}-{day:02d}"


def add_days(year: int, month: int, day: int, days: int) -> str:
    return (dt.date(year, month, day) + dt.timedelta(days=days)).isoformat()
