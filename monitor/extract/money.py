"""Money: "$1 billion", "US$100 million", "€2bn", "1.2 trillion yuan", "75 dollars", with
currency, qualifier (over, about, less than) and what the amount is for."""
from __future__ import annotations

import re
from bisect import bisect_left

from ..fact import Fact
from .context import Doc, clean_phrase, readable
from .folding import matches_at
from .gazetteer import lexicon
from .numbers import CURRENCY_WORDS, NUMBER, parse_number, scale_of, tidy

__all__ = ["money_facts"]

_SYMBOLS: dict[str, str] = lexicon()["currency_symbols"]
_CWORDS: dict[str, str] = lexicon()["currency_words"]
_SYM = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
# Every symbol ends with one of these characters, at most _SYMBOL_REACH characters after its start.
_SYMBOL_CHARS = sorted({s[-1] for s in _SYMBOLS})
_SYMBOL_REACH = max(len(s) for s in _SYMBOLS) - 1
_CW = "|".join(sorted(_CWORDS, key=len, reverse=True))
_SCALE = r"(?:thousand|million|billion|trillion|bn|mn|mln|tn|[kmb](?![\w]))"
_QUAL = r"(?:(?P<qual>over|about|around|approximately|nearly|almost|roughly|some|more\s+than|less\s+than|at\s+least|up\s+to|at\s+most|under|an\s+estimated|estimated|exceeded|exceeding)\s+)?"
_QUAL_BEFORE = re.compile(_QUAL.replace("(?:(?P<qual>", "(?:\\b(?P<qual>", 1)[:-1] + "$", re.I)
_MONEY = re.compile(
    rf"(?=[^\s\w]|\d|[A-Z][A-Z.]{{0,3}}\$)(?:(?P<sym>{_SYM})\s?(?P<n1>{NUMBER})(?:\s*(?P<s1>{_SCALE}))?(?:\s+(?P<cw1>{_CW})\b)?"
    rf"|(?<![\w$.,])(?P<n2>{NUMBER})(?:\s*(?P<s2>{_SCALE}))?\s+(?P<cw2>{_CW})\b)"
    rf"(?:\s+(?:and|to|-)\s+(?:{_SYM})?\s?(?P<hi>{NUMBER})(?:\s*(?P<s3>{_SCALE}))?)?", re.I)
_IN_OF = re.compile(r"^\s*(?:(?:per|a|each)\s+(?:year|annum|month)\s+|annually\s+|(?:in|over)\s+(?:the\s+)?(?:last|next)\s+\w+\s+\w+\s+)?(?:in|of|for|on)\s+", re.I)
_NP_END = re.compile(r"\s*(?:[,;:()\u2014$€£¥]|\b[A-Z]{1,3}\$|(?<!\b[A-Z])\.|\s-\s|\b(?:since|from|to|by|in|over|and\s+(?:make|will|is|are)|while|that|which|with|as|all|per|annually|each|during|between)\b)", re.I)
_NOUN_AFTER = re.compile(r"^\s+(?!(?:in|of|for|on|to|by)\s)((?:[A-Za-z][\w.'-]*\s+){0,3}?(?:investments?|deficits?|surplus|commitments?|purchases?|deals?|funds?|exports?|imports?|sales|revenues?|contracts?|orders?|projects?|packages?|trade\s+deficit))\b", re.I)
_BEFORE_OF = re.compile(r"((?:[A-Za-z][\w.'-]*\s+){0,1}[A-Za-z][\w'-]*)\s+(?:of|worth|valued\s+at|totaling|totalling|at|estimated\s+at)\s+(?:[a-z\s]{0,25}?)?$", re.I)
_COPULA = re.compile(r"\b(?:was|were|is|are|exceeded|reached|totaled|totalled|hit|topped|surpassed|amounted\s+to|"
                     r"stood\s+at|came\s+in\s+at|rose\s+to|fell\s+to|grew\s+to)\s+(?:[a-z\s]{0,25}?)?$", re.I)
# "36% of Brazilian exports to the U.S., worth roughly US$14.5bn": what stands before the comma.
_APPOSITIVE = re.compile(r"((?:[A-Za-z][\w.'&-]*\s+){0,6}[A-Za-z][\w.'&-]*),\s*(?:worth|valued\s+at)\s+(?:[a-z\s]{0,25}?)?$")
_VERB_NOUN = {"invest": "investment", "purchase": "purchases", "buy": "purchases", "spend": "spending",
              "pay": "payments", "lend": "loans", "export": "exports", "import": "imports", "sell": "sales"}
_VERB = re.compile(r"\b(invest|purchase|buy|spend|pay|lend|export|import|sell)\w*\s+(?:\w+\s+){0,2}$", re.I)
_STOP_WORDS = {"the", "a", "an", "and", "or", "of", "in", "to", "it", "is", "was", "which", "that", "be"}


def _subject(doc: Doc, start: int, end: int, s_start: int, s_end: int) -> str:
    text = doc.text
    after = text[end:s_end]
    before = text[max(s_start, start - 80):start]
    ap = _APPOSITIVE.search(before) if ("worth" in before or "valued" in before) else None
    if ap:
        phrase = re.sub(r"^(?:of|in|for)\s+", "", ap.group(1))
        if phrase.split()[0].lower() not in _STOP_WORDS:
            return clean_phrase(phrase)
    if _COPULA.search(before, max(0, len(before) - 45)):  # the verb stands in the last words
        from .shares import sentence_subject  # the sentence's subject is what the amount measures
        subj = sentence_subject(doc, s_start, start)
        if subj:
            return subj[:80]
    noun = _NOUN_AFTER.match(after)
    if noun:
        return clean_phrase(noun.group(1))
    m = _IN_OF.match(after)
    if m:
        a = end + m.end()
        e = _NP_END.search(text, a + 1, s_end)
        phrase = clean_phrase(text[a:e.start() if e else s_end])
        ms = doc.mentions_in(a, e.start() if e else s_end)
        only_place = ms and len(phrase) <= (ms[0].end - ms[0].start) + 4 and ms[0].entity.kind != "product"
        if phrase and not only_place and phrase.lower() not in _STOP_WORDS and not phrase[0].isdigit():
            return phrase[:80]
        b = _BEFORE_OF.search(text[max(s_start, start - 80):start])
        if b and b.group(1).split()[-1].lower() not in _STOP_WORDS:
            return clean_phrase(b.group(1))
        verb = _VERB.search(text, max(s_start, start - 40), start)
        if verb:
            return f"{_VERB_NOUN[verb.group(1).lower()]} in {phrase}"
    before = text[max(s_start, start - 80):start]
    b = _BEFORE_OF.search(before)
    if b and b.group(1).split()[-1].lower() not in _STOP_WORDS:
        return clean_phrase(b.group(1))
    verb = _VERB.search(before)
    if verb:
        return _VERB_NOUN[verb.group(1).lower()]
    return "amount"


def _starts(doc: Doc) -> list[int] | None:
    """Where _MONEY can match: at a currency symbol ("$", "US$", "U.S.$": up to four characters
    before a "$"), or at a number in a sentence with a currency word (the second form needs one
    after the number). None: search everywhere."""
    numbers = doc.starts_of_words(frozenset(), digits=True)
    worded = doc.starts_of_words(CURRENCY_WORDS)
    if numbers is None or worded is None:
        return None
    starts: list[int] = []
    for i in sorted({doc.sentence_at(p) for p in worded} - {-1}):
        s = doc.sentences[i]
        starts.extend(numbers[bisect_left(numbers, s.start):bisect_left(numbers, s.end)])
    text = doc.text
    for ch in _SYMBOL_CHARS:
        i = text.find(ch)
        while i >= 0:
            starts.extend(range(max(0, i - _SYMBOL_REACH), i + 1))
            i = text.find(ch, i + 1)
    return sorted(set(starts))


def money_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    starts = _starts(doc)
    indices = range(len(doc.sentences)) if starts is None else sorted({doc.sentence_at(p) for p in starts} - {-1})
    for s in (doc.sentences[i] for i in indices):
        for m in (_MONEY.finditer(text, s.start, s.end) if starts is None
                  else matches_at(_MONEY, text, starts, s.start, s.end)):
            sym, cw = m.group("sym"), (m.group("cw1") or m.group("cw2"))
            n = m.group("n1") or m.group("n2")
            scale = m.group("s1") or m.group("s2")
            # "25 MMT", "12 m" (metres): a bare one-letter scale needs a currency symbol.
            if not sym and scale and len(scale) == 1:
                continue
            if sym and sym.upper() in ("$",) and cw and cw.lower() not in ("dollars", "dollar", "usd"):
                cw = None
            currency = _SYMBOLS.get(sym) if sym else None
            if cw and not (sym and sym != "$"):
                currency = _CWORDS[cw.lower()] if currency in (None, "USD") else currency
            currency = currency or "USD"
            value = tidy(parse_number(n) * scale_of(scale))
            vstart = m.start("sym") if sym else m.start("n2")
            subject = readable(doc, _subject(doc, vstart, m.end(), s.start, s.end))
            details: dict = {"currency": currency}
            q = _QUAL_BEFORE.search(text, max(s.start, m.start() - 25), m.start())
            if q and q.group("qual"):
                details["modifier"] = re.sub(r"\s+", " ", q.group("qual").lower())
            values = [value]
            if m.group("hi"):
                hi = tidy(parse_number(m.group("hi")) * scale_of(m.group("s3") or scale))
                details.update(low=value, high=hi)
                values.append(hi)
            for i, v in enumerate(values):
                q = subject + ("|range-high" if i else ("|range-low" if len(values) > 1 else ""))
                facts.append(Fact(kind="money", subject=subject, value=v, unit=currency,
                                  text=doc.raw[m.start():m.end()], start=m.start(), end=m.end(),
                                  sentence=doc.sentence_text(s), rule="money.amount", qualifier=q,
                                  details=details))
    return facts
