"""Percentages that are not tariff rates ("50% of global smelting", "about 5% of its exports"),
with what they are a share or change of."""
from __future__ import annotations

import re

from ..fact import Fact
from .context import Doc, clean_phrase
from .tariffs import _context_has_tariff, _parens_entity, is_tariff_rate

__all__ = ["percent_facts", "sentence_subject"]

_OF = re.compile(r"\s*(?:of|more|fewer|less)\s+", re.I)
_NP_END = re.compile(r"\s*(?:[,;:()]|(?<!\b[A-Z])\.|\s-\s|\b(?:in|from|to|by|since|compared|than|for|will|would|is|are|was|were|has|have|that|which|produced|while|and\s+\w+ed)\b)", re.I)
_LEAD_CLAUSE = re.compile(r"^(?:(?:In|On|From|By|Since|According\s+to|During|Between|Over|After|Before|As\s+of)\b[^,]{0,60},\s*)", re.I)
_VERB = re.compile(r"\s(?:has|have|had|is|are|was|were|will|would|can|could|may|might|shall|should|must|surged|rose|fell|grew|increased|decreased|declined|controls?|accounts?|accounted|reached|dropped|jumped)\b", re.I)
_BY = re.compile(r"((?:[A-Za-z][\w.'-]*\s+){0,3}[A-Za-z][\w'-]*)\s+(?:by|to)\s+(?:\w+\s+)?$", re.I)
_CHANGE_NOUN = re.compile(r"\s+(decline|increase|drop|rise|fall|growth|reduction|cut|jump)\s+in\s+", re.I)


def sentence_subject(doc: Doc, start: int, end: int) -> str | None:
    """The noun phrase a sentence opens with (its grammatical subject, roughly)."""
    text = doc.text[start:end]
    lead = _LEAD_CLAUSE.match(text)
    offset = lead.end() if lead else 0
    v = _VERB.search(text, offset)
    if not v or v.start() - offset > 90:
        return None
    phrase = clean_phrase(text[offset:v.start()])
    return phrase.lower() or None


def _subject(doc: Doc, s, r) -> str:
    text = doc.text
    m = _OF.match(text, r.end, s.end)
    if m:
        e = _NP_END.search(text, m.end() + 1, s.end)
        phrase = clean_phrase(text[m.end():e.start() if e else s.end])
        if phrase:
            return phrase.lower()[:80]
    c = _CHANGE_NOUN.match(text, r.end, s.end)
    if c:
        e = _NP_END.search(text, c.end() + 1, s.end)
        phrase = clean_phrase(text[c.end():e.start() if e else s.end])
        if phrase:
            return phrase.lower()[:80]
    b = _BY.search(text, max(s.start, r.start - 60), r.start)
    if b and not re.search(r"\d", b.group(1)):
        subj = sentence_subject(doc, s.start, r.start)
        if subj is None:
            return clean_phrase(b.group(1)).lower()
    return sentence_subject(doc, s.start, s.end) or "share"


def percent_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    for index in doc.rate_indices():
        s = doc.sentences[index]
        rates = doc.rates(index)
        for r in rates:
            if _parens_entity(doc, s, r) is not None or s.is_table_row:
                if _context_has_tariff(doc, s, index):
                    continue
            elif is_tariff_rate(doc, s, r) or (r.role in ("previous", "new") and any(
                    x.role in ("previous", "new") and x is not r and is_tariff_rate(doc, s, x)
                    and (x.previous == r.value or r.previous == x.value)
                    for x in rates)):
                continue
            if r.quoted:
                continue
            if r.follows:  # "a 15% tariff, up from the current 10%": the earlier value of that rate
                leaders = [x for x in rates if x.start < r.start and not x.follows]
                if leaders and (is_tariff_rate(doc, s, leaders[-1]) or _parens_entity(doc, s, leaders[-1])):
                    continue
            subject = _subject(doc, s, r)
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
