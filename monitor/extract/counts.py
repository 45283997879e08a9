"""Counts: "over 20 major American corporations", "three U.S. government agencies",
"19 of the 50 minerals". Identifiers ("Section 232", "Executive Order 14257", "90 FR 15041"),
years, clock times, list numbering and durations are not counts."""
from __future__ import annotations

import re
from bisect import bisect_left

from ..fact import Fact
from .context import Doc, clean_phrase, readable
from .folding import CasePattern, matches_at
from .gazetteer import lexicon
from .numbers import NUMBER, SPELLED, SPELLED_FIRST_WORDS, parse_any, scale_of, tidy
from .words import word_start_finder

__all__ = ["count_facts"]

_LEX = lexicon()
_TARIFF_WORDS = frozenset(w.lower() for w in _LEX["tariff_words"])
_EXCLUDED = (frozenset(_LEX["count_excluded_nouns"]) | _TARIFF_WORDS
             | frozenset(_LEX["currency_words"]))  # "30 billion reais" is money
# Words that may open the words between a number and its noun although they are no count's noun:
# "8 tariff lines", "five more manufacturers", "12 other critical minerals".
_MAY_LEAD = _TARIFF_WORDS | {"more", "other", "additional", "further"}
# A number right after a currency sign or code is an amount ("¥450 billion this", "USD 40,000 has").
_CURRENCY_BEFORE = frozenset(c.lower() for c in _LEX["currency_codes_before_number"])
_SYMBOL_ENDS = frozenset(sym[-1] for sym in _LEX["currency_symbols"])
# "9 in 10 prescriptions", "one out of five": the second number is a ratio's base, no count.
_RATIO_BEFORE = re.compile(rf"(?:\d|\b{SPELLED})\s+(?:in|out\s+of)\s+$", re.I)
# "received 189 inclusion requests ... and granted 162 of them": the pronoun stands for the noun
# counted just before.
_OF_THEM = re.compile(rf"(?P<n>{NUMBER}|{SPELLED})\s+of\s+(?:them|these|those)\b", re.I)
# "Of the 50 minerals on the list, the United States was 100% import-reliant for 12.": a bare
# number that closes a sentence opening "Of the M Xs" counts some of them.
_OF_THE_OPEN = re.compile(rf"^\W*of\s+the\s+(?P<m>{NUMBER}|{SPELLED})\s+(?P<noun>[a-z][a-z-]*s)\b", re.I)
_CLOSING_NUMBER = re.compile(rf"\s(?:for|in|to|from|with|of|at|on|by|are|were|was|is|than)\s+(?P<n>{NUMBER}|{SPELLED})(?![\w%])[\s.;!?)\"']*$", re.I)
# "* 1,200 -- exclusion requests pending at Commerce": a figure that leads a line, a dash, and what it counts.
_LEAD_FIGURE = re.compile(rf"[\s*\u2022>-]*(?P<n>{NUMBER})(?:\s+(?P<scale>thousand|million|billion))?\s+(?:--?|:)\s+"
                          rf"(?P<mods>(?:[A-Za-z][\w.'-]*\s+){{0,3}}?)(?P<noun>[a-z][a-z-]*[a-z]s)\b")
_BLOCKERS = frozenset(_LEX["count_prefix_blockers"])
# "The Stoxx 600 autos and parts index", "Table 2 shows": a number right after a capitalised word
# is part of a name, unless the word only opens the sentence ("About 12 of our SKUs").
_OPENERS = frozenset({"about", "over", "some", "nearly", "almost", "roughly", "around", "approximately", "only",
                      "just", "the", "all", "and", "but", "of", "in", "for", "with", "by", "to", "at", "on", "from",
                      "since", "after", "before", "under", "another", "those", "these", "its", "their", "our", "his",
                      "her", "than", "when", "while", "if", "another", "least", "up", "fewer", "less", "more", "an",
                      "estimated", "exactly", "another", "every", "each", "at", "as", "nearly", "top"})
# Words that end a noun phrase: "zero tariff under existing quotas" counts no quotas.
_PREPOSITIONS = frozenset({"under", "with", "from", "on", "at", "for", "in", "to", "by", "into", "over", "against",
                           "per", "than", "as", "through", "via"})
# "38.5 billion Swiss francs" is money, whatever word comes between.
_CURRENCY_FIRST = frozenset(w.split()[0] for w in _LEX["currency_words"] if " " in w)  # "swiss" (francs)
# "6 of the 10 largest categories": the part is counted too.
_N_OF_THE_M = re.compile(rf"(?P<n>{NUMBER}|{SPELLED})\s+of\s+the\s+(?:(?:top|largest|biggest|leading|main)\s+)?(?P<m>{NUMBER}|{SPELLED})\s+(?:[A-Za-z][\w-]*\s+){{0,2}}?(?P<noun>[a-z][a-z-]*[a-z]s)\b", re.I)
# Plurals without an s: "more than 7,000 people".
_IRREGULAR = "|".join(sorted(_LEX["count_irregular_plurals"], key=len, reverse=True))
# Words in "s" that follow a plural noun without being one ("2,000 cattle producers" but "7,000
# people across"; "26 customs brokers" but "40 companies has").
_S_NOT_NOUNS = frozenset(_LEX["count_s_words_not_nouns"])
_S_NOT_NOUNS_ALT = "|".join(sorted(_S_NOT_NOUNS, key=len, reverse=True))
# "26 licensed customs brokers", "11 GICS sectors": a plural noun that modifies the next one; the
# count is of the last.
_NEXT_PLURAL = re.compile(r"[ \t]+([a-z][a-z-]*[a-z]s)\b(?![\w'’-])")
_QUAL = r"(?:(?P<qual>over|about|around|approximately|nearly|almost|roughly|some|more\s+than|fewer\s+than|less\s+than|at\s+least|up\s+to|an\s+estimated|estimated|only|just|top)\s+)?"
_QUAL_BEFORE = re.compile(_QUAL.replace("(?:(?P<qual>", "(?:\\b(?P<qual>", 1)[:-1] + "$", re.I)
_NOT_AFTER = frozenset("$.,:/#§(-")  # besides word characters, which no candidate follows
_COUNT = CasePattern.compile(
    rf"(?<![\w$.,:/#§(-])(?=[\dA-Za-z])(?P<n>{NUMBER}|{SPELLED})(?![\w%:]|\.\d|,\d|\s*(?:%|percent|per\s*cent))"
    rf"(?:\s+(?P<scale>thousand|million|billion))?"
    rf"\s+(?P<mods>(?:(?:of\s+the\s+)?[A-Za-z][\w.'’-]*\s+){{0,3}}?)(?P<noun>[a-z][a-z-]*[a-z]s|(?:{_IRREGULAR})(?!\s+(?!(?:{_S_NOT_NOUNS_ALT})\b)[a-z][a-z-]*[a-z]s\b))\b")
_OF_THE_THEN = re.compile(
    rf"\bof\s+the\s+(?P<m>{NUMBER}|{SPELLED})\s+(?P<noun>[a-z][a-z-]*s)\b(?:[^.;]|\.(?=\S)|\.(?<=\b[A-Z]\.)\s){{0,120}}?,\s*(?P<n>{NUMBER}|{SPELLED})\s+(?:are|were|is|have|had)\b", re.I)
# Where the two patterns above can start: _COUNT needs a number not glued to what comes before
# (the document's ``words`` know where digits and spelled numbers start; _COUNT_START finds them
# when there are none), _OF_THE_THEN a word "of". The patterns are then tried only there, not at
# every position of every sentence. (Each digit is its own alternative: re skips ahead only when
# every alternative starts with a literal character.)
_DIGIT_START = "|".join(rf"{d}(?<![\w$.,:/#§(-]{d})" for d in "0123456789")
_COUNT_START = CasePattern.compile_lower(_DIGIT_START + "|" + word_start_finder(SPELLED_FIRST_WORDS))
_OF_THE_START = CasePattern.compile_lower(r"of(?<!\wof)\s+the\s")


# The word before a number (searched in its slice: possessive and after no character of its
# own, so that each start costs one try, not one per split of the word).
_WORD_BEFORE = re.compile(r"(?<![\w.§-])([\w.§-]++)\s*$")
# A number after these is an identifier's: "Executive Order 14257", "section 232".
_NAMED_BEFORE = re.compile(r"(?:executive\s+order|section|heading|note|title|chapter)\s*$", re.I)


def _blocked(doc: Doc, start: int) -> bool:
    before = doc.text[max(0, start - 25):start]
    last = before.rstrip()[-1:]
    if last in _SYMBOL_ENDS or (last in "nNfF" and before[-1:].isspace() and _RATIO_BEFORE.search(before)):
        return True  # (_RATIO_BEFORE ends in "in" or "of" and a space: a search costs a try per letter)
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lower()
    if word == "and":  # "Proclamations 10895 and 10896", but "cobalt powder and 12 other critical minerals"
        return bool(re.search(r"\d\S*\s+and\s*$", before))
    if word in _BLOCKERS or word.rstrip(".") in _BLOCKERS or word.rstrip(".") in _CURRENCY_BEFORE:
        return True
    if m.group(1)[:1].isupper() and word.isalpha() and word not in _OPENERS:
        return True  # "Stoxx 600 autos", "Table 2 shows"
    return m.group(1)[-1:] in "rngeRNGE" and bool(_NAMED_BEFORE.search(before))  # (its words' last letters)


def _token_before(text: str, at: int) -> int:
    """Where the token that ends before the spaces before ``at`` begins."""
    j = at
    while j > 0 and text[j - 1] == " ":
        j -= 1
    k = j
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] in ",.-"):
        k -= 1
    return k


def _group(text: str, m: re.Match[str], name: str) -> str | None:
    """Group ``name`` of ``m`` as ``text`` has it (``m`` may be a match over the lower-cased text)."""
    a, b = m.span(name)
    return text[a:b] if a >= 0 else None


def _noun_count(doc: Doc, s, m: re.Match[str], date_spans: list[tuple[int, int]], rule: str) -> Fact | None:
    """The count a number and its noun make, or None when they make none."""
    text = doc.text
    raw_n, noun_text, mods, scale = (_group(text, m, g) for g in ("n", "noun", "mods", "scale"))
    noun = noun_text.lower()
    mods = mods or ""
    lead = mods.split()[:1]
    if noun in _EXCLUDED or any(w.lower().strip(".") in _EXCLUDED and w.lower() not in _MAY_LEAD for w in lead):
        return None
    if noun in _CURRENCY_FIRST:
        return None
    if raw_n.lower() in ("one", "no") or re.search(r"\d", mods):
        return None
    if any(w.lower() in _PREPOSITIONS for w in mods.split()):
        return None
    value = parse_any(raw_n)
    if value is None:
        return None
    if raw_n[0].isdigit() and "." not in raw_n and "," not in raw_n and 1900 <= value <= 2100 and not scale:
        return None  # a year
    if any(a <= m.start("n") < b for a, b in date_spans) or _blocked(doc, m.start("n")):
        return None
    value = value * scale_of(scale)
    if value != int(value):
        return None
    end = m.end()
    nxt = _NEXT_PLURAL.match(text, end)
    if nxt and nxt.group(1) not in _S_NOT_NOUNS and nxt.group(1) not in _EXCLUDED:
        mods, noun_text, end = f"{mods}{noun_text} ", nxt.group(1), nxt.end()
    subject = readable(doc, clean_phrase(mods.replace("of the ", "") + noun_text))
    details = {}
    q = _QUAL_BEFORE.search(text, max(s.start, m.start("n") - 25), m.start("n"))
    if q and q.group("qual"):
        details["modifier"] = re.sub(r"\s+", " ", q.group("qual").lower())
    start = m.start("n")
    return Fact(kind="count", subject=subject, value=int(value), unit="count",
                text=doc.raw[start:end], start=start, end=end,
                sentence=doc.sentence_text(s), rule=rule, qualifier=subject, details=details)


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
    sentences = doc.sentences_at(sorted(count_starts + of_the_starts))
    # _N_OF_THE_M needs a number right before an "of the": found from those, read backwards.
    # ("6 of the 10", "six of the 10", "19 of the fifty", "Six of the ten ASEAN members".)
    n_of_starts = []
    for q in of_the_starts:  # only an "of the" a number stands just before is read back to it
        i = bisect_left(count_starts, q) - 1
        if i >= 0 and q - count_starts[i] < 24 and _token_before(text, q) == count_starts[i]:
            n_of_starts.append(count_starts[i])
    # A number inside a date ("April 2, 2025") is no count (see _noun_count): not worth a try.
    in_dates = set()
    for d in doc.dates:
        in_dates.update(count_starts[bisect_left(count_starts, d.start):bisect_left(count_starts, d.end)])
    lowered = doc.lower if doc.lower is not None else text.lower()
    # _COUNT runs over the lower-cased text when there is one (re compares letters under re.I far
    # more slowly); _noun_count reads its words from the text.
    counted, count_match = (doc.lower, _COUNT.lower.match) if doc.lower is not None else (text, _COUNT.any_case.match)
    pronouns = doc.may_contain(0, len(text), (" of them", " of these", " of those"))
    for s in (doc.sentences[i] for i in sentences):
        for m in matches_at(_N_OF_THE_M, text, n_of_starts, s.start, s.end) if n_of_starts else ():
            value, noun = parse_any(m.group("n")), m.group("noun").lower()
            if value is None or noun in _EXCLUDED or _blocked(doc, m.start("n")):
                continue
            if not (m.group("n")[0].isdigit() or m.group("m")[0].isdigit()) and m.group("n").lower() == "one":
                continue  # "one of the two countries": a phrase, not a count
            facts.append(Fact(kind="count", subject=noun, value=int(value), unit="count",
                              text=doc.raw[m.start("n"):m.end("n")], start=m.start("n"), end=m.end("n"),
                              sentence=doc.sentence_text(s), rule="count.n_of_the_m", qualifier=noun + "|part",
                              details={"of": tidy(parse_any(m.group("m")) or 0)}))
        lead = _LEAD_FIGURE.match(text, s.start, s.end) if text[s.start:s.start + 8].lstrip(" *-\u2022>")[:1].isdigit() else None
        if lead:
            fact = _noun_count(doc, s, lead, date_spans, "count.lead_figure")
            if fact:
                facts.append(fact)
        # Each number is tried, also inside a rejected match: "Six of the ten ASEAN members" is
        # no count of "ASEAN members" by six, but holds one by ten.
        taken = s.start
        for p in count_starts[bisect_left(count_starts, s.start):bisect_left(count_starts, s.end)]:
            if p < taken or p in in_dates:
                continue
            m = count_match(counted, p, s.end)
            fact = _noun_count(doc, s, m, date_spans, "count.noun") if m else None
            if fact:
                facts.append(fact)
                taken = fact.end
        if pronouns and doc.may_contain(s.start, s.end, (" of them", " of these", " of those")):
            for m in _OF_THEM.finditer(text, s.start, s.end):
                value = parse_any(m.group("n"))
                noun = next((f.subject for f in reversed(facts) if f.end <= m.start() and m.start() - f.end < 300), None)
                if value is None or noun is None or value != int(value) or _blocked(doc, m.start("n")):
                    continue
                facts.append(Fact(kind="count", subject=noun, value=int(value), unit="count",
                                  text=doc.raw[m.start("n"):m.end()], start=m.start("n"), end=m.end(),
                                  sentence=doc.sentence_text(s), rule="count.of_them", qualifier=noun + "|part",
                                  details={}))
        opening = _OF_THE_OPEN.match(text[s.start:s.start + 60].lstrip(" *-\u2022>")) \
            if of_the_starts and lowered.find("of the", s.start, s.start + 12) >= 0 else None
        if opening:
            close = _CLOSING_NUMBER.search(text, s.start, s.end)
            value = parse_any(close.group("n")) if close else None
            if value is not None and value == int(value) and not 1900 <= value <= 2100:
                noun = opening.group("noun").lower()
                facts.append(Fact(kind="count", subject=noun, value=int(value), unit="count",
                                  text=doc.raw[close.start("n"):close.end("n")], start=close.start("n"),
                                  end=close.end("n"), sentence=doc.sentence_text(s), rule="count.of_the_closing",
                                  qualifier=noun + "|part", details={"of": tidy(parse_any(opening.group("m")) or 0)}))
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
