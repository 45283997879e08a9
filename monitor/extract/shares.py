"""Percentages that are not tariff rates ("50% of global smelting", "about 5% of its exports"),
with what they are a share or change of."""
from __future__ import annotations

import re

from ..fact import Fact
from .context import Doc, clean_phrase, readable
from .gazetteer import lexicon
from .rates import Rate
from .tariffs import _context_has_tariff, _parens_entity, column_header, is_tariff_rate, table_rate_is_duty

__all__ = ["percent_facts", "sentence_subject", "words_before"]


def words_before(count: str, word: str, last: str | None = None) -> str:
    """A group of ``count`` words and one more (a letter, then characters of ``word``, or of
    ``last`` for the last one), for a pattern searched for in the words before an amount or a
    rate, in their own slice of the text (searched from a later position of the whole text, its
    match could start right after a letter).

    Each word is possessive (re need not give back its characters: no space or keyword comes
    from one), and no word starts right after a letter (a match there would also match one letter
    earlier, so the leftmost match never starts there): re then tries the rest once per word, not
    once per letter and per split of the words."""
    return rf"(?<![A-Za-z])((?:[A-Za-z]{word}*+\s+){count}[A-Za-z]{last or word}*+)"


# "50% of global smelting", "shave 0.2 percentage points off euro zone growth".
_OF = re.compile(r"\s*(?:of|more|fewer|less|off)\s+", re.I)
# "at rates 1.5 percentage points below market rates": what the figure is measured against, when
# nothing else names what it is of.
_MEASURED_AGAINST = re.compile(r"\s*(?:below|above|under|over)\s+", re.I)
# "prices for affected drugs rise between 4% and 9%", "annual inflation eased to three point
# five percent": the clause's subject changes by or to the rate.
_CHANGE_VERB = r"(?:" + "|".join(lexicon()["change_verbs"]) + r")"
_CHANGED_BY = re.compile(
    r"(?:^|[,;:]\s*|\b(?:while|whereas|and|but|as|with|said|says|that)\s+)(?!(?:while|whereas|and|but|as|with|said|says|that)\b)(?P<obj>(?:[\w.'&-]+\s+){1,6}?)"
    r"(?:(?:has|have|had|will|would|could|may|might)\s+(?:been\s+)?)?" + _CHANGE_VERB +
    r"\s+(?:by\s+|to\s+|(?:a|an)\s+)?$", re.I)
# "3.4% -- U.S. core inflation, year on year": a figure that leads its line, then what it is.
_DASH_LABEL = re.compile(r"\s+-{1,3}\s+([^,;()]{3,80})")
_NP_END = re.compile(r"\s*(?:[,;:()]|(?<!\b[A-Z])\.|\s-\s|\b(?:in|from|to|by|since|compared|than|for|will|would|is|are|was|were|has|have|that|which|produced|while|and\s+\w+ed"
                     r"|(?:this|last|next)\s+(?:year|quarter|month|week))\b)", re.I)
_LEAD_CLAUSE = re.compile(r"^(?:(?:In|On|From|By|Since|According\s+to|During|Between|Over|After|Before|As\s+of)\b[^,]{0,60},\s*)", re.I)
_VERB = re.compile(r"\s(?:has|have|had|is|are|was|were|will|would|can|could|may|might|shall|should|must|surged|rose|fell|grew|increased|decreased|declined|controls?|accounts?|accounted|reached|dropped|jumped|stood|topped|totaled|totalled|amounted|exceeded|surpassed|buys|bought|sends|sent)\b", re.I)
# What a change is of: "cut Swiss economic growth by 0.3 ...", "reduce reciprocal tariffs by 115
# percentage points", "purchases of U.S. rice increasing by 75%", "the S&P 500 up 3.3%".
_CHANGE_VERBS = frozenset(lexicon()["change_verbs"])


def _after_change_verb(text: str, lo: int, at: int) -> bool:
    """Whether a change verb ends right before ``at`` (or before "by", "to", "a" there): the
    pre-filter of _CHANGED_BY, a set look-up instead of a search."""
    words = text[lo:at].lower().split()
    if words and words[-1] in ("by", "to", "a", "an"):
        words.pop()
    return bool(words) and words[-1] in _CHANGE_VERBS
_CHANGE_OBJECT = re.compile(
    r"\b(?:cut|cuts|cutting|reduce[sd]?|reducing|raise[sd]?|raising|increase[sd]?|increasing|lower(?:s|ed|ing)?|"
    r"boost(?:s|ed|ing)?|lift(?:s|ed|ing)?|slash(?:es|ed|ing)?|trim(?:s|med|ming)?)\s+(?P<obj>[^,;.%]{3,60}?)\s+by\s+"
    r"(?:(?:a|an|another)\s+)?(?:(?:further|additional|extra)\s+)?$", re.I)
_CHANGING_END = re.compile(r"(?:ing|up|down|er)\s+(?:by\s+)?$")
_CHANGING = re.compile(
    r"(?:^|,\s*|\bwith\s+|\band\s+)(?P<obj>(?:[\w.'&-]+\s+){1,6}?)(?:was\s+|were\s+|is\s+|are\s+)?"
    r"(?:increasing|rising|growing|falling|declining|dropping|jumping|climbing|up|down|higher|lower)\s+(?:by\s+)?$", re.I)
_LABEL = re.compile(r"^\s*[A-Z][A-Z0-9 ,'&/-]{2,60}:\s+")
_TO_LEVEL = re.compile(r"\s+to\s+")
_ENUMERATOR = re.compile(r"\s*\(\w{1,4}\)\s+")
_PRONOUN = re.compile(r"^(?:we|i|you|it|they|them|he|she|that|this|these|those|there|one|which)$", re.I)
# A name right after the previous figure's comma or "and": "..., Stellantis 5.4 per cent".
_GAPPED = re.compile(r"(?:,|\band)\s+(?:and\s+)?(?P<name>[A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,2})\s+$")
_CLAUSE_SUBJECT = re.compile(r"(?:^|[,;:]\s*|\b(?:that|while|whereas|and|but)\s+)(?!(?:that|while|whereas|and|but|the)\s)"
                             r"(?P<obj>(?:[\w.'&-]+\s+){0,4}?[\w.'&-]+)\s+(?:accounted|accounts|account|made|make|makes|went|go|goes|"
                             r"represented|represents|represent|took|takes|comprised|comprise|comprises)\b[^,;:]*$", re.I)
_PARTICIPLE_NP = re.compile(r"(?P<np>(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*s)(?:\s+(?:this|last|next)\s+(?:year|quarter|month))?,\s+"
                            r"(?:averaging|ranging|totall?ing|amounting\s+to|worth)\s+(?:(?:about|around|roughly|between|from)\s+)?$")
_LEVEL_CLAUSE = re.compile(r"(?:^|[,;:]\s*|\b(?:that|while|whereas|and|but|with)\s+)(?!(?:that|while|whereas|and|but|with|the)\s)"
                           r"(?P<obj>(?:[\w.'&-]+\s+){0,4}[\w.'&-]+)\s+(?:stood|stands|stand|was|were|is|are|remained|remains|reached|hit)"
                           r"\s+(?:at\s+|to\s+)?(?:(?:about|around|roughly|nearly|almost|some|just|over|under)\s+)?$", re.I)
_BY = re.compile(words_before("{0,3}", r"[\w.'-]", r"[\w'-]") + r"\s+(?:by|to)\s+(?:\w+\s+)?$", re.I)
# Words that are not part of the noun phrase a rate is the value of ("the Harbor Maintenance Fee
# of 0.125%": "pay the" ends it), and heads that say nothing of what the rate is of.
_PHRASE_STOPS = frozenset(lexicon()["percent_phrase_stops"])
_EMPTY_HEADS = frozenset(lexicon()["percent_empty_heads"])
# "Gross margin of 27.1%", "Goods and services tax (GST) of 10%": the words before "of" (an
# acronym in brackets after them aside).
_WORDS_OF = re.compile(words_before("{0,5}", r"[\w.'&-]") + r"(?:\s+\([A-Z][A-Za-z]{1,8}\))?\s+of\s+$")
# "Net sales of $1.24 billion, up 3.8%": a change after a comma, of what the clause before names.
_COMMA_CHANGE = re.compile(r",\s*(?:up|down)\s+(?:by\s+)?$", re.I)
# Where that clause's name ends: its level ("of $1.24 billion", "at 4.1%", "were $4.62 billion").
_NAME_END = re.compile(r"\s+(?:of|at|was|were|is|are|reached|totall?ed|stood\s+at)\s+"
                       r"(?:(?:about|around|nearly|roughly|some)\s+)?(?:[$€£¥]|[A-Z]{3}\s|\d)")
_CHANGE_NOUN = re.compile(r"\s+(decline|increase|drop|rise|fall|growth|reduction|cut|jump)\s+in\s+", re.I)


def _noun_phrase_of(words: str) -> str | None:
    """The noun phrase that ends ``words`` (up to the first word of _PHRASE_STOPS from its
    end; "and" or "&" only between two of its words), unless it says nothing (_EMPTY_HEADS)."""
    kept: list[str] = []
    for word in reversed(words.split()):
        if word.lower() in _PHRASE_STOPS or re.search(r"\d", word):
            break
        kept.append(word)
    while kept and kept[-1].lower() in ("and", "&"):
        kept.pop()
    if not kept or (len(kept) == 1 and kept[0].lower() in _EMPTY_HEADS):
        return None
    return " ".join(reversed(kept))


def _named_by_of(doc: Doc, s, at: int) -> str | None:
    """What a rate is the value of when a noun phrase and "of" lead to it ("Gross margin of
    27.1%", "the Harbor Maintenance Fee of 0.125%", "The cut of 5 percentage points")."""
    text = doc.text
    lo = max(s.start, at - 70)
    if "of" not in text[max(lo, at - 6):at]:
        return None
    m = _WORDS_OF.search(text[lo:at])
    return _noun_phrase_of(m.group(1)) if m else None


def _named_before_comma(doc: Doc, s, at: int) -> str | None:
    """"- Net sales of $1.24 billion, up 3.8% from ...": the name the clause before the comma
    opens with, its level and verb cut off."""
    text = doc.text
    m = _COMMA_CHANGE.search(text, max(s.start, at - 12), at)
    if m is None:
        return None
    c = m.start()
    lo = max(s.start, max(text.rfind(x, s.start, c) for x in ",;:") + 1, c - 120)
    chunk = text[lo:c].lstrip(" \t*-\u2022>")
    e = _NAME_END.search(chunk)
    if e is None:
        return None
    name = clean_phrase(chunk[:e.start()])
    words = name.split()
    if not words or len(words) > 5 or re.search(r"\d", name) or words[0].lower() in _PHRASE_STOPS \
            or _PRONOUN.match(name):
        return None
    return name


def sentence_subject(doc: Doc, start: int, end: int) -> str | None:
    """The noun phrase a sentence opens with (its grammatical subject, roughly)."""
    text = doc.text[start:end]
    enum = _ENUMERATOR.match(text)  # "(2) The share of imports ... rose"
    if enum:
        text = text[enum.end():]
    label = _LABEL.match(text)  # "TRADE IMBALANCE: In 2024, the U.S. goods trade deficit ..."
    if label:
        text = text[label.end():]
    lead = _LEAD_CLAUSE.match(text)
    offset = lead.end() if lead else 0
    v = _VERB.search(text, offset)
    if not v or v.start() - offset > 90:
        return None
    phrase = clean_phrase(text[offset:v.start()])
    return phrase or None


def _subject(doc: Doc, s, r) -> str | None:
    text = doc.text
    at = r.lead if r.lead is not None else r.start
    if not text[s.start:at].strip(" *-•\t"):
        d = _DASH_LABEL.match(text, r.end, s.end)
        if d:
            return clean_phrase(d.group(1))
    for lead in (_OF, _CHANGE_NOUN):  # "50% of global smelting", "a 5% decline in exports"
        m = lead.match(text, r.end, s.end)
        if m:
            e = _NP_END.search(text, m.end() + 1, s.end)
            phrase = clean_phrase(text[m.end():e.start() if e else s.end])
            if phrase and re.match(r"(?:them|it|that|this|those|these)\b(?!\s+(?:of|year|month|quarter)\b)", phrase, re.I):
                # "textiles and apparel accounted for roughly 12 percent of that", "roughly 15
                # percent of them went to ...": the clause's subject, else the sentence's.
                c = _CLAUSE_SUBJECT.search(text[max(s.start, at - 120):at])
                if c and not _PRONOUN.match(c.group("obj")):
                    return clean_phrase(c.group("obj"))
                return sentence_subject(doc, s.start, at) or phrase
            if phrase:
                return phrase[:80]
    lo = max(s.start, r.start - 90)
    tail = text[max(lo, r.start - 16):r.start]  # both patterns end with a word these end with
    c = None
    if re.search(r"\bby\s+(?:\w+\s+){0,2}$", tail):
        c = _CHANGE_OBJECT.search(text, lo, r.start)
    if c is None and _CHANGING_END.search(tail):
        c = _CHANGING.search(text[lo:r.start])
    if c and not c.group("obj")[:1].isdigit():
        return clean_phrase(re.sub(r"^(?:with|and)\s+", "", c.group("obj").strip(), flags=re.I))
    ch = None
    if _after_change_verb(text, max(s.start, at - 30), at):
        lo = max(s.start, at - 90)
        # A sentence's first words ("Toyota gained 2.3 per cent."): "^" holds only at a
        # string's start, so the sentence's own text is searched from there.
        ch = _CHANGED_BY.search(text[lo:at]) if lo == s.start else _CHANGED_BY.search(text, lo, at)
    if ch and not re.search(r"\d", ch.group("obj")):
        return clean_phrase(ch.group("obj"))
    # "Volkswagen lost 6.1 per cent, Stellantis 5.4 per cent and BMW 3.8 per cent": the verb
    # left out after the first of a list, each name before its figure is what changed.
    g = _GAPPED.search(text, max(s.start, at - 60), at)
    if g and any(x.end <= g.start() and not text[x.end:g.start()].strip() for x in doc.rates(doc.sentence_at(r.start))):
        return clean_phrase(g.group("name"))
    b = _BY.search(text[max(s.start, r.start - 60):r.start])
    if b and not re.search(r"\d", b.group(1)):
        subj = sentence_subject(doc, s.start, r.start)
        if subj is None:
            return clean_phrase(b.group(1))
    # "domestic capacity utilization stood at 41 percent": the subject of the rate's own clause.
    c = _LEVEL_CLAUSE.search(text[max(s.start, at - 100):at])
    if c and not re.search(r"\d", c.group("obj")) and not _PRONOUN.match(c.group("obj")):
        return clean_phrase(c.group("obj"))
    subject = _named_by_of(doc, s, at) or _named_before_comma(doc, s, at)
    if subject is not None:
        return subject
    subject = sentence_subject(doc, s.start, s.end)
    if subject is None or _PRONOUN.match(subject):
        # "We have taken two price increases this year, averaging 4% to 6%": a pronoun says
        # nothing; the noun phrase a participle after a comma describes does.
        p = _PARTICIPLE_NP.search(text, max(s.start, at - 100), at)
        if p:
            return clean_phrase(p.group("np"))
    if subject is None or _PRONOUN.match(subject):
        m = _MEASURED_AGAINST.match(text, r.end, s.end)
        e = _NP_END.search(text, m.end() + 1, s.end) if m else None
        subject = clean_phrase(text[m.end():e.start() if e else s.end]) if m else None
    # No subject found (or a pronoun): a percentage of nothing named tells a reader nothing.
    return subject if subject and not _PRONOUN.match(subject) else None


# "15% of copper input materials ... - starting at 15% in 2027, increasing to 20% in 2028 and 54%
# in 2029": the steps of a schedule are of what its first rate named.
_STEP_BEFORE = re.compile(r"\b(?:" + "|".join(v.replace(" ", r"\s+") for v in lexicon()["series_step_verbs"])
                          + r")\s+(?:at|to)\s+(?:about\s+|around\s+)?$", re.I)
_SERIES_GAP = re.compile(r"\s*(?:in\s+(?:\d{4}|[A-Z][a-z]+(?:\s+\d{4})?)\s*)?,?\s*(?:and|then)\s+(?:to\s+)?")


def _series_leader(doc: Doc, rates: list[Rate], r: Rate, subjects: dict[int, str]) -> list[Rate]:
    """The earlier rate of this sentence that ``r`` continues as a step of a schedule ([] if none)."""
    earlier = [x for x in rates if x.end <= r.start and x.start in subjects]
    if not earlier:
        return []
    last = earlier[-1]
    if _STEP_BEFORE.search(doc.text, max(last.end, r.start - 40), r.start) \
            or _SERIES_GAP.fullmatch(doc.text, last.end, r.start):
        return [last]
    return []


def percent_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    for index in doc.rate_indices():
        s = doc.sentences[index]
        rates = doc.rates(index)
        subjects: dict[int, str] = {}
        for r in rates:
            if s.is_table_row and _parens_entity(doc, s, r) is None:
                if table_rate_is_duty(doc, s, index, r):
                    continue
            elif _parens_entity(doc, s, r) is not None:
                if _context_has_tariff(doc, s, index):
                    continue
            elif is_tariff_rate(doc, s, r) or (r.role in ("previous", "new") and any(
                    x.role in ("previous", "new") and x is not r and is_tariff_rate(doc, s, x)
                    and (x.previous == r.value or r.previous == x.value)
                    for x in rates)):
                continue
            if r.quoted:
                continue
            # The rate this one follows: "a 15% tariff, up from the current 10%" (the earlier
            # value of that tariff), "12% of the world's chips ..., down from 37%" (its subject).
            leader = [x for x in rates if x.start < r.start and not x.follows][-1:] if r.follows else []
            if leader and (is_tariff_rate(doc, s, leader[0]) or _parens_entity(doc, s, leader[0])):
                continue
            # "lift our core PCE forecast by 0.3 percentage points to 3.1%": the level the change
            # reaches is of what it changed.
            before = [x for x in rates if x.end <= r.start][-1:]
            if before and before[0].points and before[0].start in subjects and _TO_LEVEL.fullmatch(doc.text, before[0].end, r.start):
                leader = before
            if not leader and subjects:
                leader = _series_leader(doc, rates, r, subjects)
            if leader and leader[0].start in subjects:
                subject = subjects[leader[0].start]
            elif s.is_table_row and (header := column_header(doc, index, r.start)) is not None:
                subject = readable(doc, header)  # a table cell is a share of what its column says
            else:
                found = _subject(doc, s, r)
                if found is None:
                    continue
                subject = readable(doc, found)
            subjects[r.start] = subject
            details = {}
            if r.qualifier:
                details["modifier"] = r.qualifier
            if r.low is not None:
                details.update(low=r.low, high=r.high)
            if r.previous is not None:
                details["previous"] = r.previous
            if r.points:
                details["unit_detail"] = "percentage points"
            qual = subject + ("|" + r.role if r.role != "single" else "")
            facts.append(Fact(kind="percent", subject=subject, value=r.value, unit="percent",
                              text=doc.raw[r.start:r.end], start=r.start, end=r.end,
                              sentence=doc.sentence_text(s), rule="percent.share", qualifier=qual,
                              details=details))
    return facts
