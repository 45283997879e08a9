"""One document prepared for the rules: visible text, sentences, entity and date mentions."""
from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable, TypeVar

from ..markup import reading_text
from .dates import MONTH_WORDS, RELATIVE_WORDS, DateMention, document_year, find_dates
from .folding import CasePattern, Prefilter
from .gazetteer import Entity, Gazetteer, Mention, lexicon
from .numbers import CURRENCY_WORDS, SPELLED_FIRST_WORDS
from .rates import RATE_WORDS, Rate, find_rates, has_unit
from .sentences import Sentence, split_sentences
from .words import Words

__all__ = ["Doc", "prepare", "clean_phrase"]

T = TypeVar("T")
_MISSING = object()

_SPACE = re.compile(r"\s+")
_ABBREVIATION_END = re.compile(r"(?<![\w.])(?:[A-Za-z]\.){2,}$")
_TRAIL = re.compile(r"(?:\s+(?:and|or|but|of|in|to|the|a|an))+$", re.I)
_LEAD = re.compile(r"^(?:the|a|an|its|their|his|her|our|this|these|those|that|certain|some)\s+", re.I)


_LABEL = re.compile(r"^[A-Z][A-Z0-9 ,'&/-]{2,60}:\s+")
_LEAD_VERBS = frozenset(lexicon()["subject_lead_verbs"]) | {"and", "or", "but", "for", "of", "in", "to", "with", "by",
                                                           "from", "on", "at", "as"}
_TRAIL_WORDS = frozenset(lexicon()["subject_trail_verbs"]) | {"by", "to", "for", "of", "in", "at", "from", "on", "with",
                                                            "as", "and", "or"}
_DROP = re.compile(r"^(?:" + "|".join(m.replace(" ", r"\s+") for m in sorted(lexicon()["subject_drop_modifiers"], key=len, reverse=True))
                   + r")\s+", re.I)


def readable(doc: "Doc", phrase: str) -> str:
    """A subject phrase as a person would write it, and the same whatever the cosmetic edit: no
    "LABEL:" run-in heading, article, quantity modifier ("over", "about": that is the fact's
    modifier) or verb at the start, and the words in their own case except a first word that
    is capitalised only because it opens the sentence ("Stocks" -> "stocks", but "American
    corporations", "U.S. trade deficit", "Goldman Sachs" stay)."""
    text = clean_phrase(phrase)
    if ":" in text:
        text = _LABEL.sub("", text)
    words = text.split(" ")
    while len(words) > 1:
        if words[0].lower() in _LEAD_VERBS:
            words = clean_phrase(" ".join(words[1:])).split(" ")
            continue
        m = _DROP.match(text := " ".join(words))
        if m is None:
            break
        words = clean_phrase(text[m.end():]).split(" ")
    while len(words) > 1 and words[-1].lower() in _TRAIL_WORDS:  # "exports go", "capacity fell"
        words = clean_phrase(" ".join(words[:-1])).split(" ")
    first = words[0] if words else ""
    name = first[:-2] if first.endswith("'s") else first  # "America's reliance"
    if first[:1].isupper() and first[1:].islower() and doc.gazetteer.lookup(name) is None \
            and not (len(words) > 1 and words[1][:1].isupper()):
        words[0] = first.lower()
    return " ".join(words)


def clean_phrase(text: str) -> str:
    """A noun phrase for a subject: one line, no leading article, no trailing punctuation."""
    text = _SPACE.sub(" ", text).strip(" ,;:()\"'")
    if text.endswith(".") and not _ABBREVIATION_END.search(text):  # "the U.S." keeps its dot
        text = text.rstrip(".").strip(" ,;:()\"'")
    text = text.lstrip(".")
    text = _TRAIL.sub("", text)
    while True:
        new = _LEAD.sub("", text)
        if new == text:
            return text
        text = new


@dataclass
class Doc:
    raw: str
    text: str  # visible, normalised, same length as raw
    sentences: list[Sentence]
    mentions: list[Mention]
    dates: list[DateMention]
    reference: dt.date | None
    year_hint: int | None
    gazetteer: Gazetteer
    main_country: Entity | None
    _starts: list[int] = field(default_factory=list)
    # The text lower-cased, same offsets (None when lower-casing would move them): case-insensitive
    # pre-filters run case-sensitively over it, which re does much faster (see folding.py).
    lower: str | None = None
    # Where product first words, month words, spelled numbers and digit runs start (from one
    # pass over ``lower``; None without it).
    words: Words | None = None

    def __post_init__(self) -> None:
        self._starts = [m.start for m in self.mentions]
        self._dstarts = [d.start for d in self.dates]
        self._sstarts = [s.start for s in self.sentences]
        self._sends = [s.end for s in self.sentences]
        if self.lower is None:
            self.lower = _lowered(self.text)
        self._rates: dict[int, list[Rate]] | None = None
        self._sentence_texts: dict[int, str] = {}
        self._memo: dict[tuple, object] = {}

    @cached_property
    def about_tariffs(self) -> bool:
        """Whether the document speaks of tariffs: "Japan (25%)" in a list reads as a rate only then."""
        if self.words is not None:  # the word index has looked for them already
            return not self.words.by_word.keys().isdisjoint(("tariff", "tariffs", "duties"))
        return bool(re.search(r"\b(?:tariffs?|duties)\b", self.text, re.I))

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        i = bisect_left(self._starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i].start < end:
            if self.mentions[i].end <= end:
                out.append(self.mentions[i])
            i += 1
        return out

    def dates_in(self, start: int, end: int) -> list[DateMention]:
        i = bisect_left(self._dstarts, start)
        out = []
        while i < len(self.dates) and self.dates[i].start < end:
            out.append(self.dates[i])
            i += 1
        return out

    def sentence_at(self, pos: int) -> int:
        """Index of the sentence containing offset ``pos`` (or -1)."""
        i = bisect_right(self._sstarts, pos) - 1
        return i if i >= 0 and pos < self.sentences[i].end else -1

    def sentences_at(self, positions: Iterable[int]) -> list[int]:
        """Indices of the sentences that hold any of ``positions`` (sorted), in order and each
        once: ``sorted({sentence_at(p) for p in positions} - {-1})`` in one walk, where a
        position in the sentence of the one before costs a comparison, not a search."""
        out: list[int] = []
        sstarts, sends = self._sstarts, self._sends
        end = -1  # the end of the last sentence listed
        for p in positions:
            if p < end:
                continue
            i = bisect_right(sstarts, p) - 1
            if i >= 0 and p < sends[i]:
                out.append(i)
                end = sends[i]
        return out

    def indices_matching(self, rx: "re.Pattern[str] | CasePattern | Prefilter") -> list[int]:
        """Indices of the sentences in which ``rx`` matches (inside the sentence): one pass over
        the text instead of one search per sentence.

        A pre-filter: a rule that needs a match of ``rx`` inside the sentence can skip the rest."""
        if isinstance(rx, Prefilter):
            return sorted(set().union(*(self.indices_matching(part) for part in rx.parts)))
        if not isinstance(rx, CasePattern):
            return self._indices_where(self.text, rx)
        if self.lower is None:
            return self._indices_where(self.text, rx.any_case)
        lowered = self.lower
        # Most patterns' words are in few documents: an ``in`` test (at C speed, and it stops at
        # the first hit) spares the search of the rest.
        if rx.hints is not None and not any(hint in lowered for hint in rx.hints):
            return []
        return self._indices_where(lowered, rx.lower, rx.literal)

    def _indices_where(self, text: str, rx: "re.Pattern[str]", literal: str | None = None) -> list[int]:
        """Indices of the sentences that hold a match of ``rx`` in ``text``, or with ``literal``
        (what ``rx`` matches, a plain string) an occurrence of it, which ``str.find`` finds
        in fewer steps than re."""
        # Once a sentence has a match, the search goes on from its end: a frequent word ("%" in
        # a table, "day") costs one step per sentence, not one per occurrence.
        seen: list[int] = []
        sstarts, sends, pos = self._sstarts, self._sends, 0
        search, find, n = rx.search, text.find, len(literal or "")
        while True:
            if literal is None:
                m = search(text, pos)
                if m is None:
                    return seen
                start, end = m.span()
            else:
                start = find(literal, pos)
                if start < 0:
                    return seen
                end = start + n
            i = bisect_right(sstarts, start) - 1  # the sentence that holds the match, if any
            if i >= 0 and start < sends[i] and end <= sends[i]:
                seen.append(i)
                pos = sends[i]
            else:
                pos = start + 1

    def starts_of_words(self, vocabulary: frozenset[str], digits: bool = False,
                        spaced: bool = False) -> list[int] | None:
        """Sorted starts of the (lower-case) words of ``vocabulary`` standing as tokens, and with
        ``digits`` of every number written in digits ("25", "1,000", ".5"), or with ``spaced``
        only of those a space follows (not ".5"): where a pattern that must begin with one of
        them can match (see ``folding.matches_at``). The vocabulary must be among the words
        ``prepare`` looked for (``RULE_WORDS``); None when the document has no such index (then
        search the whole text)."""
        if self.words is None:
            return None
        assert vocabulary <= RULE_WORDS, "a word the document's index was not built for"
        out = self.words.starts_of(vocabulary)
        if spaced:
            out.extend(self.words.spaced_digits)
            out.sort()
        elif digits:
            text = self.text
            found = self.words.digits
            out.extend(found)
            out.extend(p - 1 for p in found if p > 0 and text[p - 1] == ".")  # ".5"
            out.sort()
        return out

    def starts(self, rx: CasePattern) -> list[int]:
        """Where ``rx`` matches in the whole text, left to right (candidate starts for ``matches_at``)."""
        text, pattern = (self.lower, rx.lower) if self.lower is not None else (self.text, rx.any_case)
        return [m.start() for m in pattern.finditer(text)]

    def sentences_matching(self, rx: "re.Pattern[str] | CasePattern | Prefilter") -> list[Sentence]:
        """Sentences with at least one match of ``rx`` (one pass over the text, not one per sentence)."""
        return [self.sentences[i] for i in self.indices_matching(rx)]

    def rates(self, index: int) -> list[Rate]:
        """The percentages in sentence ``index`` (found once per document, shared by the tariff
        and percent rules; callers must not change the list)."""
        if self._rates is None:
            self._rates = {}
            starts = self._rate_starts()
            for i in self.indices_matching(has_unit):
                s = self.sentences[i]
                found = find_rates(self.text, s.start, s.end, starts, self.lower)
                if found:
                    self._rates[i] = found
        return self._rates.get(index, [])

    def _rate_starts(self) -> list[int] | None:
        """Where a percentage can begin (see ``find_rates``); None: anywhere."""
        starts = self.starts_of_words(_RATE_LEADS, digits=True)
        if starts is not None and '"' in self.text:
            text = self.text
            i = text.find('"')
            while i >= 0:
                starts.append(i)
                i = text.find('"', i + 1)
            starts.sort()
        return starts

    def rate_indices(self) -> list[int]:
        """Indices of the sentences that hold a percentage."""
        self.rates(0)
        return sorted(self._rates or ())

    def window(self, start: int, end: int) -> tuple[str, str | None]:
        """``text[start:end]`` and the same span of the lower-cased text (None without one)."""
        return self.text[start:end], (self.lower[start:end] if self.lower is not None else None)

    def may_contain(self, start: int, end: int, words: tuple[str, ...]) -> bool:
        """Whether ``text[start:end]`` may hold one of ``words`` (lower case; case aside): False
        only when it surely does not. A substring test on the lower-cased text, far cheaper than
        the search of a pattern that needs one of the words (its pre-filter)."""
        lowered = self.lower
        if lowered is None:
            return True
        for w in words:
            if lowered.find(w, start, end) >= 0:
                return True
        return False

    def memo(self, key: tuple, compute: "Callable[[], T]") -> "T":
        """``compute()``, worked out once per document for ``key``: what several rules ask about
        the same sentence or rate (is it a duty rate, the sentence's topic) is not redone."""
        value = self._memo.get(key, _MISSING)  # half the keys are new: no KeyError raised for them
        if value is _MISSING:
            value = self._memo[key] = compute()
        return value  # type: ignore[return-value]

    def header_cell(self, index: int, pos: int) -> tuple[int, str] | None:
        """(column, header cell) of the table column that offset ``pos`` of table row ``index``
        lies in: the cell of the table's first row at that column (the row that is "|" cells
        before any "|---|" rule). None outside a table, in its first row, or past its header's
        cells."""
        text = self.text
        row = self.sentences[index]
        column = text.count("|", row.start, pos) - (1 if text[row.start] == "|" else 0)
        j = index
        while j > 0 and self.sentences[j - 1].is_table_row and index - j < 60:
            j -= 1
        if j == index:
            return None
        head = self.sentences[j]
        cells = text[head.start:head.end].strip().strip("|").split("|")
        return (column, cells[column]) if 0 <= column < len(cells) else None

    def sentence_text(self, s: Sentence) -> str:
        """The sentence as it reads, on one line (asked once per fact: kept per sentence)."""
        text = self._sentence_texts.get(s.start)
        if text is None:
            text = self._sentence_texts[s.start] = " ".join(self.text[s.start:s.end].split())
        return text


def _lowered(text: str) -> str | None:
    """``text`` lower-cased when that keeps every offset (it does unless the text has characters
    like "İ", whose lower case is two characters)."""
    low = text.lower()
    return low if len(low) == len(text) else None


def _main_country(mentions: list[Mention]) -> Entity | None:
    """The country a document is about, when one clearly dominates (for "the country", "it")."""
    counts = Counter(m.entity for m in mentions if m.entity.kind == "country" and m.entity.code != "US")
    if not counts:
        return None
    ranked = counts.most_common(2)
    top, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return top if n >= 2 and n >= 2 * second else None


# What a percentage can begin with besides a number or a quote (see find_rates).
_RATE_LEADS = RATE_WORDS | SPELLED_FIRST_WORDS
# The words the rules look for besides the gazetteer's (see words.py).
RULE_WORDS = (MONTH_WORDS | SPELLED_FIRST_WORDS | RELATIVE_WORDS | RATE_WORDS | CURRENCY_WORDS
              | frozenset(w for w in lexicon()["tariff_words"] if " " not in w))


def prepare(raw: str, fmt: str, reference: dt.date | None, gazetteer: Gazetteer) -> Doc:
    text = reading_text(raw, fmt)
    sentences = split_sentences(raw, text)
    lowered = _lowered(text)
    words = gazetteer.word_finder(RULE_WORDS).find(lowered) if lowered is not None else None
    mentions = gazetteer.mentions(text, lowered, words)
    # Drop a product match inside a country/bloc name and vice versa: keep the longest.
    kept: list[Mention] = []
    for m in mentions:
        if kept and m.start < kept[-1].end:
            if (m.end - m.start) > (kept[-1].end - kept[-1].start):
                kept[-1] = m
            continue
        kept.append(m)
    dates = find_dates(text, lowered, words)
    year_hint = document_year(dates) if reference is None else reference.year
    return Doc(raw, text, sentences, kept, dates, reference, year_hint, gazetteer, _main_country(kept),
               lower=lowered, words=words)
