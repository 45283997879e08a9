"""Counts: "over 20 major American corporations", "three U.S. government agencies",
"19 of the 50 minerals". Identifiers ("Section 232", "Executive Order 14257", "90 FR 15041"),
years, clock times, list numbering and durations are not counts."""
from __future__ import annotations

import re

from ..fact import Fact
from .context import Doc, clean_phrase, readable
from .folding import CasePattern, matches_at
from .gazetteer import lexicon
from .numbers import NUMBER, SPELLED, SPELLED_FIRST_WORDS, parse_any, scale_of, tidy
from .words import word_start_finder

__all__ = ["count_facts"]

_LEX = lexicon()
_EXCLUDED = (frozenset(_LEX["count_excluded_nouns"]) | frozenset(w.lower() for w in _LEX["tariff_words"])
             | frozenset(_LEX["currency_words"]))  # "30 billion reais" is money
_BLOCKERS = frozenset(_LEX["count_prefix_blockers"])
# "38.5 billion Swiss francs" is money, whatever word comes between.
_CURRENCY_FIRST = frozenset(w.split()[0] for w in _LEX["currency_words"] if " " in w)  # "swiss" (francs)
# "6 of the 10 largest categories": the part is counted too.
_N_OF_THE_M = re.compile(rf"(?P<n>{NUMBER}|{SPELLED})\s+of\s+the\s+(?P<m>{NUMBER}|{SPELLED})\s+(?:[A-Za-z][\w-]*\s+){{0,2}}?(?P<noun>[a-z][a-z-]*[a-z]s)\b", re.I)
_QUAL = r"(?:(?P<qual>over|about|around|approximately|nearly|almost|roughly|some|more\s+than|fewer\s+than|less\s+than|at\s+least|up\s+to|an\s+estimated|estimated|only|just|top)\s+)?"
_QUAL_BEFORE = re.compile(_QUAL.replace("(?:(?P<qual>", "(?:\\b(?P<qual>", 1)[:-1] + "$", re.I)
_NOT_AFTER = frozenset("$.,:/#§(-")  # besides word characters, which no candidate follows
_COUNT = re.compile(
    rf"(?<![\w$.,:/#§(-])(?=[\dA-Za-z])(?P<n>{NUMBER}|{SPELLED})(?![\w%:]|\.\d|,\d|\s*(?:%|percent|per\s*cent))"
    rf"(?:\s+(?P<scale>thousand|million|billion))?"
    rf"\s+(?P<mods>(?:(?:of\s+the\s+)?[A-Za-z][\w.'’-]*\s+){{0,3}}?)(?P<noun>[a-z][a-z-]*[a-z]s)\b", re.I)
_OF_THE_THEN = re.compile(
    rf"\bof\s+the\s+(?P<m>{NUMBER}|{SPELLED})\s+(?P<noun>[a-z][a-z-]*s)\b(?:[^.;]|\.(?=\S)|\.(?<=\b[A-Z]\.)\s){{0,120}}?,\s*(?P<n>{NUMBER}|{SPELLED})\s+(?:are|were|is|have|had)\b", re.I)
_WORD_BEFORE = re.compile(r"([\w.§-]+)\s*$")
# Where the two patterns above can start: _COUNT needs a number not glued to what comes before
# (the document's ``words`` know where digits and spelled numbers start; _COUNT_START finds them
# when there are none), _OF_THE_THEN a word "of". The patterns are then tried only there, not at
# every position of every sentence. (Each digit is its own alternative: re skips ahead only when
# every alternative starts with a literal character.)
_DIGIT_START = "|".join(rf"{d}(?<![\w$.,:/#§(-]{d})" for d in "0123456789")
_COUNT_START = CasePattern.compile_lower(_DIGIT_START + "|" + word_start_finder(SPELLED_FIRST_WORDS))
_OF_THE_START = CasePattern.compile_lower(r"of(?<!\wof)\s+the\s")


def _blocked(doc: Doc, start: int) -> bool:
    before = doc.text[max(0, start - 25):start]
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lower()
    if word in _BLOCKERS or word.rstrip(".") in _BLOCKERS:
        return True
    return bool(re.search(r"(?:executive\s+order|section|heading|note|title|chapter)\s*$", before, re.I))


def _token_before(text: str, at: int) -> int:
    """Where the token that ends before the spaces before ``at`` begins."""
    j = at
    while j > 0 and text[j - 1] == " ":
        j -= 1
    k = j
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] in ",.-"):
        k -= 1
    return k


def count_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    date_spans = [(d.start, d.end) for d in doc.dates]
    # _COUNT needs a space after its number: only such numbers are tried.
    count_starts = doc.starts_of_words(SPELLED_FIRST_WORDS, spaced=True)
    if count_starts is None:
        count_starts = doc.starts(_COUNT_START)
    else:  # _COUNT cannot start right after one of these (its lookbehind): not worth a try
        count_starts = [p for p in count_starts if p == 0 or text[p - 1] not in _NOT_AFTER]
    of_the_starts = doc.starts(_OF_THE_START)
    sentences = {doc.sentence_at(p) for p in count_starts + of_the_starts} - {-1}
    # _N_OF_THE_M needs a number right before an "of the": found from those, read backwards.
    # (A digit on one side at least: "6 of the 10", "six of the 10", "19 of the fifty".)
    near = [q for q in of_the_starts if q > 1 and (text[q - 2].isdigit() or text[q + 7:q + 8].isdigit())]
    n_of_starts = sorted({_token_before(text, q) for q in near} & set(count_starts)) if near else []
    for s in (doc.sentences[i] for i in sorted(sentences)):
        for m in matches_at(_N_OF_THE_M, text, n_of_starts, s.start, s.end):
            value, noun = parse_any(m.group("n")), m.group("noun").lower()
            if value is None or noun in _EXCLUDED or _blocked(doc, m.start("n")):
                continue
            facts.append(Fact(kind="count", subject=noun, value=int(value), unit="count",
                              text=doc.raw[m.start("n"):m.end("n")], start=m.start("n"), end=m.end("n"),
                              sentence=doc.sentence_text(s), rule="count.n_of_the_m", qualifier=noun + "|part",
                              details={"of": tidy(parse_any(m.group("m")) or 0)}))
        for m in matches_at(_COUNT, text, count_starts, s.start, s.end):
            raw_n = m.group("n")
            noun = m.group("noun").lower()
            mods = m.group("mods") or ""
            if noun in _EXCLUDED or any(w.lower().strip(".") in _EXCLUDED for w in mods.split()[:1]):
                continue
            if noun in _CURRENCY_FIRST:
                continue
            if raw_n.lower() in ("one", "no") or re.search(r"\d", mods):
                continue
            value = parse_any(raw_n)
            if value is None:
                continue
            if raw_n[0].isdigit() and "." not in raw_n and 1900 <= value <= 2100 and not m.group("scale"):
                continue  # a year
            if any(a <= m.start("n") < b for a, b in date_spans) or _blocked(doc, m.start("n")):
                continue
            value = value * scale_of(m.group("scale"))
            if value != int(value):
                continue
            subject = readable(doc, clean_phrase(mods.replace("of the ", "") + m.group("noun")))
            details = {}
            q = _QUAL_BEFORE.search(text, max(s.start, m.start() - 25), m.start())
            if q and q.group("qual"):
                details["modifier"] = re.sub(r"\s+", " ", q.group("qual").lower())
            start = m.start("n")
            facts.append(Fact(kind="count", subject=subject, value=int(value), unit="count",
                              text=doc.raw[start:m.end()], start=start, end=m.end(),
                              sentence=doc.sentence_text(s), rule="count.noun", qualifier=subject,
                              details=details))
        for m in matches_at(_OF_THE_THEN, text, of_the_starts, s.start, s.end):
            value = parse_any(m.group("n"))
            if value is None:
                continue
            noun = m.group("noun").lower()
            facts.append(Fact(kind="count", subject=noun, value=int(value), unit="count",
                              text=doc.raw[m.start("n"):m.end("n")], start=m.start("n"), end=m.end("n"),
                              sentence=doc.sentence_text(s), rule="count.of_the", qualifier=noun + "|part",
                              details={"of": tidy(parse_any(m.group("m")) or 0)}))
    return facts
