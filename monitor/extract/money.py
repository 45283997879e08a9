"""Money: "$1 billion", "US$100 million", "€2bn", "1.2 trillion yuan", "75 dollars", with
currency, qualifier (over, about, less than) and what the amount is for."""
from __future__ import annotations

import re
from bisect import bisect_left

from ..fact import Fact
from .context import Doc, clean_phrase, readable
from .folding import matches_at
from .gazetteer import lexicon
from .numbers import (CURRENCY_WORDS, NUMBER, SCALE, SCALE_WORD, SPELLED, SPELLED_FIRST_WORDS, parse_number,
                      parse_spelled, scale_of, tidy)
from .shares import words_before

__all__ = ["money_facts"]

_SYMBOLS: dict[str, str] = lexicon()["currency_symbols"]
_CWORDS: dict[str, str] = lexicon()["currency_words"]
_PUBLISHERS: dict[str, list[str]] = lexicon()["dollar_publishers"]
# "All amounts are in Canadian dollars", "(figures in Australian dollars)".
_DECLARED = re.compile(r"\b(?:amounts?|figures?|values?|sums?|prices?)\s+(?:are\s+)?(?:\w+\s+)?in\s+("
                       + "|".join(w.replace(" ", r"\s+") for w in lexicon()["currency_words"] if w.endswith(" dollars"))
                       + r")\b", re.I)
_OTHER_DOLLARS = [w for w in lexicon()["currency_words"] if w.endswith(" dollars")]
_FIELD_EDGE = re.compile(r"[ \t]*(?:$|[\n|\-:<>]|\u2013|\u2014)")
_SYM = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
# Every symbol ends with one of these characters, at most _SYMBOL_REACH characters after its start.
_SYMBOL_CHARS = sorted({s[-1] for s in _SYMBOLS})
_SYMBOL_REACH = max(len(s) for s in _SYMBOLS) - 1
_CW = "|".join(sorted(_CWORDS, key=len, reverse=True))
_SCALE = SCALE
# ISO codes and "Rs" written before the number ("USD 190 billion", "Rs. 500 crore"): in capitals
# only, since some are words too.
_CODES = "|".join(sorted(lexicon()["currency_codes_before_number"], key=len, reverse=True))
_CODE = rf"(?<![\w.])(?-i:{_CODES})\.?"
_QUAL = r"(?:(?P<qual>over|about|around|approximately|nearly|almost|roughly|some|more\s+than|less\s+than|at\s+least|up\s+to|at\s+most|under|an\s+estimated|estimated|exceeded|exceeding)\s+)?"
_QUAL_BEFORE = re.compile(_QUAL.replace("(?:(?P<qual>", "(?:\\b(?P<qual>", 1)[:-1] + "$", re.I)
# Amounts in words need a scale word: "thirty billion dollars", "two hundred billion dollars", "a
# twelve-billion-dollar bridge payment program" (the last, hyphenated, is an adjective).
_SPELLED_AMOUNT = rf"(?<![\w-])(?P<n3>{SPELLED}(?:[- ]hundred)?)[- ](?P<s4>{SCALE_WORD})[- ](?P<cw3>{_CW})\b"
_MONEY = re.compile(
    rf"(?=[^\s\w]|\d|[A-Z][A-Z.]{{0,3}}\$|[A-Z][A-Za-z]{{1,2}}\.?\s?\d|[A-Za-z]+[- ](?:hundred[- ])?(?:[a-z]+illion|thousand))(?:(?:(?P<sym>{_SYM})|(?P<code>{_CODE}))\s?(?P<n1>{NUMBER})(?:\s*(?P<s1>{_SCALE}))?(?:\s+(?P<cw1>{_CW})\b)?"
    rf"|(?<![\w$.,])(?P<n2>{NUMBER})(?:\s*(?P<s2>{_SCALE}))?\s+(?P<cw2>{_CW})\b"
    rf"|{_SPELLED_AMOUNT})"
    rf"(?:\s+(?:and|to|-)\s+(?:{_SYM})?\s?(?P<hi>{NUMBER})(?:\s*(?P<s3>{_SCALE}))?)?", re.I)


_IN_OF = re.compile(r"^\s*(?:worth\s+)?(?:(?:per|a|each)\s+(?:year|annum|month)\s+|annually\s+|(?:in|over)\s+(?:the\s+)?(?:last|next)\s+\w+\s+\w+\s+)?(?:in|of|for|on)\s+", re.I)
_NP_END = re.compile(r"\s*(?:[,;:()\u2014$€£¥]|\b[A-Z]{1,3}\$|(?<!\b[A-Z])\.|\s-\s|\b(?:since|from|to|by|in|over|and\s+(?:make|will|is|are)|while|that|which|with|as|all|per|annually|each|during|between|within|subject\s+to|(?:next|last|this)\s+(?:year|month|week|quarter|fiscal))\b)", re.I)
_NOUN_AFTER = re.compile(r"^\s+(?!(?:in|of|for|on|to|by)\s)((?:[A-Za-z][\w.'-]*\s+){0,3}?(?:investments?|deficits?|surplus|commitments?|purchases?|deals?|funds?|exports?|imports?|sales|revenues?|contracts?|orders?|projects?|packages?|trade\s+deficit))\b", re.I)
_BEFORE_OF = re.compile(words_before("{0,1}", r"[\w.'-]", r"[\w'-]") + r"\s+(?:of|worth|valued\s+at|totaling|totalling|at|estimated\s+at|priced|costing)\s+(?:[a-z\s]{0,25}?)?$", re.I)
_COPULA = re.compile(r"\b(?:was|were|is|are|(?:will|would|could|may|might|should)\s+be|exceeded|reached|totaled|totalled|hit|topped|surpassed|amounted\s+to|"
                     r"stood\s+at|came\s+in\s+at|(?:rose|fell|grew|narrowed|widened|increased|decreased|declined|dropped|climbed|shrank|jumped)\s+(?:[\w.%]+,?\s+){0,4}?to)\s+(?:[a-z\s]{0,25}?)?$", re.I)
# "36% of Brazilian exports to the U.S., worth roughly US$14.5bn", "The duty-free threshold for
# low-value parcels, once $800,": what stands before the comma. (Its noun phrase starts after a
# copula: "the United States is the sector's largest single export market, worth £9 billion".)
_APPOSITIVE = re.compile(words_before("{0,6}", r"[\w.'&-]") + r",\s*(?:worth|valued\s+at|once|formerly|previously|then|now|currently)\s+(?:[a-z\s]{0,25}?)?$")
_CLAUSE_BREAK = re.compile(r"[,;:]\s*|\b(?:while|whereas|but|that|as|because|since|where|when)\s+", re.I)
# "aim to more than double it to USD 500 billion": the amount is a new level of the one before.
_PRONOUN_TO = re.compile(r"\b(?:it|this|that|them|these)\s+(?:to|at|by)\s+(?:[a-z]+\s+){0,2}$", re.I)
_APPOSITIVE_CUE = re.compile(r"worth|valued|once|formerly|previously|then|now|currently")
_AFTER_COPULA = re.compile(r"^.*\b(?:is|are|was|were|remains?|remained|becomes?|became)\s+", re.I)
_VERB_NOUN: dict[str, str] = lexicon()["money_verb_nouns"]
_VERB = re.compile(r"\b(" + "|".join(_VERB_NOUN) + r")\w*\s+(?:\w+\s+){0,2}$", re.I)
# A bracket right after the amount holds a conversion or a gloss ("18 billion euros ($19.6
# billion) of U.S. goods"): what the amount is for comes after it.
_BRACKET_AFTER = re.compile(r"\s*\([^()]{0,80}\)")
# The bracket an amount stands in when it converts the amount just before it.
_CONVERSION_OPEN = re.compile(r"\s*\(\s*(?:(?:about|approximately|around|roughly|some|nearly|almost|or|i\.e\.|equivalent\s+to|approx\.)\s+)?$", re.I)
# An amount in brackets right after a name: "followed by Switzerland ($19bn) and Germany ($17.2bn)".
# A word of the name may be a number after a capitalised word: "List 2 (about $16 billion".
_NAME_BEFORE_BRACKET = re.compile(r"(?<![\w.'&-])((?:[A-Za-z0-9][\w.'&-]*+\s+){0,3}[A-Za-z0-9][\w.'&-]*+)\s*\(\s*(?:[a-z]+\s+)?$")
# Grammar words a name in front of a bracket does not start with (the phrase starts after them).
# (Prepositions inside a noun phrase stay: "sales in Brazil (R$5 billion)".)
_NOT_IN_NAME = frozenset({"and", "or", "by", "as", "than", "including", "like", "such", "followed", "while",
                          "whereas", "but", "is", "are", "was", "were", "had", "has", "have", "alone"})
# "Ireland alone shipped $50.3bn worth,": a bare "worth" after the amount: the clause's subject
# is what is worth it.
_WORTH_AFTER = re.compile(r"\s+worth\b(?!\s+of\b)", re.I)
_CLAUSE_OPEN = re.compile(r"(?:^|[,;:(]\s*)((?:[A-Za-z][\w.'&-]*\s+){0,5}?)(?:[a-z]+(?:ed|d))\s+(?:[a-z]+\s+){0,2}$")
# "$2.1 trillion -- value of U.S. goods imports": a figure that leads a line, its dash and what it is.
_DASH_AFTER = re.compile(r"\s*(?:--?|:)\s+(?:(?:the\s+)?(?:value|total|amount|sum|worth|cost)\s+of\s+)?")
_LINE_LEAD = re.compile(r"[\s*\u2022>#-]*")
_QUALS = r"(?:(?:over|about|around|approximately|nearly|almost|roughly|some|more\s+than|less\s+than|at\s+least|up\s+to|at\s+most|under|an\s+estimated|estimated)\s+)?"
# "The euro slipped 0.4 per cent against the dollar to $1.0820", "57.12 per dollar": an exchange rate.
_AGAINST_CURRENCY = re.compile(rf"\bagainst\s+the\s+(?:{_CW})\s+(?:to|at)\s+{_QUALS}$", re.I)
_PER_CURRENCY = re.compile(rf"\s*(?:per|to\s+the|a|against\s+the)\s+(?:{_CW})\b", re.I)
# "exports to the United States, which reached USD 127.8 billion", "the Export Market Development
# Grants program, which provides up to A$770,000": the relative clause's antecedent.
_WHICH = re.compile(words_before("{0,6}", r"[\w.'&-]") + rf",\s*which\s+(?:[a-z]+\s+){{1,3}}?{_QUALS}$")
_LEADING_GRAMMAR = re.compile(r"^(?:(?:of|to|in|for|on|at|with|from|by|into|and|or|whose|which|who|that)\s+)+", re.I)
# "Treasury says customs receipts hit ...": what is reported starts after the reporting verb.
_REPORTED = re.compile(r"^.*\b(?:says|said|say|reports?|reported|estimates?|estimated|notes?|noted|expects?|expected|projects?|projected)\s+(?:that\s+)?", re.I)
# "could cost members $1.2 billion a year", "would charge vessels built in China $50 per net ton":
# a verb, to whom, then the amount.
_RECIPIENT_NOUN: dict[str, str] = lexicon()["money_recipient_verbs"]
_RECIPIENT = re.compile(r"\b(" + "|".join(_RECIPIENT_NOUN) + r")(?:s|ed|ing)?\s+((?:[A-Za-z][\w.'-]*\s+){1,5}?)" + _QUALS + "$", re.I)
# "repurchased 2.4 million shares for $212 million": a plural noun, "for", the amount.
_FOR_BEFORE = re.compile(r"(?<![\w'-])((?:[a-z][\w'-]*\s+)?[a-z][\w'-]*[a-z]s)\s+for\s+" + _QUALS + "$")
_NOT_FOR_NOUNS = frozenset({"calls", "asks", "pays", "accounts", "stands", "goes", "applies", "looks", "waits",
                            "allows", "provides", "sells", "buys", "is", "was", "has", "this", "thus", "plus", "as",
                            "days", "weeks", "months", "years", "hours"})
# "raising full-year adjusted EPS guidance to a range of $7.90 to $8.20": a range, total or level
# names no subject; what is raised or set to it does.
_GENERIC_HEADS = frozenset({"range", "total", "sum", "level", "amount", "figure", "average", "record", "high", "low",
                            "estimate", "maximum", "minimum", "cap", "ceiling", "value", "tune", "tally"})
_GENERIC_BEFORE = re.compile(words_before("{0,6}", r"[\w.'-]") + r"\s+(?:to|at|of|in|with)\s+(?:a|an|the)\s+"
                             r"(?:[a-z-]+\s+)?(?:" + "|".join(sorted(_GENERIC_HEADS)) + r")\s+of\s+" + _QUALS + "$", re.I)
_NOT_IN_NP = frozenset({"we", "they", "it", "he", "she", "i", "you", "are", "is", "was", "were", "be", "been", "will",
                        "would", "could", "may", "might", "has", "have", "had", "and", "or", "but", "that", "which"})
# "could add up to $1,000 to the cost of moving a container": what the amount is added to.
_ADD_BEFORE = re.compile(r"\badd(?:s|ed|ing)?\s+" + _QUALS + "$", re.I)
_TO_AFTER = re.compile(r"\s+to\s+")
# An amount that continues the one before it in its sentence: a comparison ("up from the $300
# million we guided", "from $7.50 to $8.00", "three times the $77 billion"), a new level ("rising
# to $140 per net ton") or the next item of a list ("$80 per item ..., $160 per item ..., and $200").
_CONTINUES = re.compile(rf"(?:\b(?:up|down)\s+from|\bfrom|\bthan|\btimes|\bcompared\s+(?:with|to)|\bversus|\bvs\.?"
                        rf"|\b(?:rising|falling|increasing|climbing|growing|going|rose|fell|increased)\s+to|\bin\s+(?:fiscal\s+)?\d{{4}}\s+to|[,;]\s*(?:and|or)?|\s(?:and|or))"
                        rf"\s+(?:the\s+)?{_QUALS}$", re.I)
_PRONOUN_WORTH = re.compile(r"^\W*(?:that|this|it)(?:'s|\s+is|\s+was|\s+would\s+be)\s+worth\s+" + _QUALS + "$", re.I)
_OBJECT_GOT = re.compile(r"\b(?:received|won|got|secured|obtained|signed|announced|approved|granted|awarded)\s+(?:a|an|the)\s+"
                         r"((?:[\w-]+\s+){0,2}?[\w-]+)(?=\s+(?:from|for|on|of|to|in|with|by)\b|\s*[,.;])")
# "$1,900 per household in 2025 dollars": a four-digit year before a currency word names a price base.
_PRICE_BASE = re.compile(r"(?:19|20)\d\d")
_GLOSS_OR_QUOTE = re.compile(r"\s*\([^()]{1,20}\)(?=\s+of\b)|[\"\u201c\u201d]")
# Where a sentence has more than one clause, before an amount.
_CLAUSE_MARK = re.compile(r"[,;:]|\s-\s|\u2014")
# "Fees on vessels ... increase from $50", "Cash bids at the elevator averaged $9.86": the
# sentence's subject, a verb of level or change, and (after a preposition) the amount.
_LEVEL_VERBS = sorted(set(lexicon()["change_verbs"]) | set(lexicon()["money_level_verbs"]), key=len, reverse=True)
_SUBJECT_VERB_BEFORE = re.compile(r"[\s*\u2022>-]*((?:[A-Za-z][\w.'&-]*\s+){1,14}?)(?:(?:will|would|could|may|has|have|had)\s+)?"
                                  r"(?:" + "|".join(_LEVEL_VERBS) + r")\s+(?:from|at|to|by|about|around|roughly|nearly|some|an\s+average\s+of)?\s*$", re.I)
_PARTICLES = frozenset({"out", "up", "back", "off", "down", "in", "over", "away"})
_STOP_WORDS = {"the", "a", "an", "and", "or", "of", "in", "to", "it", "is", "was", "which", "that", "be"}
# Words a subject cannot start with; a recipient cannot start with a verb's particle either
# ("will pay out $9.5 billion"). Made once: they are asked for every amount.
_NOT_SUBJECT_START = frozenset(_STOP_WORDS | _NOT_IN_NP)
_NOT_RECIPIENT_START = _NOT_SUBJECT_START | _PARTICLES


_CHANGE_IN_BEFORE = re.compile(r"\b(?:" + "|".join(lexicon()["change_nouns"]) + r")\s+in\s+((?:[\w.'&-]+\s+){0,6}?[\w.'&-]+),?\s+"
                               r"from\s+(?:about\s+|around\s+|roughly\s+|nearly\s+)?$", re.I)
_OBJECT_BY_BEFORE = re.compile(r"\b(?:" + "|".join(lexicon()["amount_object_verbs"]) + r")\s+(?:the\s+|its\s+|their\s+|our\s+)?"
                               r"((?:[\w.'&-]+\s+){0,3}?[\w.'&-]+)\s+by\s+(?:about\s+|around\s+|roughly\s+|nearly\s+|some\s+|an\s+estimated\s+)?$", re.I)
_PRONOUN_END = re.compile(r"\b(?:it|they|this|that|these|those|we|he|she)$", re.I)
# "for about 2,700 suppliers": a quantity after the preposition, not what the amount is for.
_QUANTITY_LEAD = re.compile(r"(?:(?:about|around|approximately|nearly|almost|roughly|some|over|under|up\s+to|more\s+than)\s+)?\d", re.I)


def _table_subject(doc: Doc, index: int, pos: int) -> str | None:
    """An amount in a table cell is what its column header says, for what its row names:
    "Vietnam | ... | $136.6 billion" under "Goods exports to U.S. (2024)"."""
    found = doc.header_cell(index, pos)
    if found is None or found[0] == 0:  # the first column names the row
        return None
    text, row = doc.text, doc.sentences[index]
    header = clean_phrase(re.sub(r"\s*\([^)]*\)", "", found[1]))  # "(2024)", "(US$ bn)"
    name = clean_phrase(text[row.start:row.end].strip().strip("|").split("|")[0])
    if not header or not name or name[0].isdigit():
        return None
    if header[:1].isupper() and header[1:2].islower():
        header = header[0].lower() + header[1:]
    return f"{name} {header}"


def _name_before_bracket(before: str) -> str | None:
    m = _NAME_BEFORE_BRACKET.search(before)
    if not m:
        return None
    words = m.group(1).split()
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() in _NOT_IN_NAME or (words[i][0].isdigit() and not (i and words[i - 1][0].isupper())):
            words = words[i + 1:]  # (a number that no name leads is no part of one: "in 2024")
            break
    if words and words[-1][0].isdigit():  # "List 2": the capitalised words the number closes
        i = len(words) - 1
        while i > 0 and words[i - 1][0].isupper():
            i -= 1
        words = words[i:]
    phrase = clean_phrase(_LEADING_GRAMMAR.sub("", " ".join(words)))
    if not phrase or phrase[0].isdigit() or phrase.lower() in _STOP_WORDS or phrase.lower() in _CWORDS:
        return None
    return phrase


def _before_of(before: str) -> str | None:
    """The noun before "of", "worth", "valued at" an amount ("a quarterly dividend of $0.70"); for a
    range, total or level, what was set to it ("guidance to a range of"). A short gloss in
    brackets and quotes around the noun are passed over ("a general rate increase (GRI) of",
    'a "USTR port fee surcharge" of')."""
    if "(" in before or '"' in before or "\u201d" in before:
        before = _GLOSS_OR_QUOTE.sub("", before)
    b = _BEFORE_OF.search(before)
    if not b or b.group(1).split()[-1].lower() in _STOP_WORDS:
        return None
    if b.group(1).split()[-1].lower() not in _GENERIC_HEADS:
        return clean_phrase(b.group(1))
    g = _GENERIC_BEFORE.search(before)
    if not g:  # "a minimum of $32.71", "annual trade value of": the best there is
        return clean_phrase(b.group(1))
    words = g.group(1).split()
    for i in range(len(words) - 1, -1, -1):
        w = words[i].lower()
        if w in _NOT_IN_NP or w in _STOP_WORDS or w.endswith("ing"):
            words = words[i + 1:]
            break
    phrase = clean_phrase(" ".join(words))
    return phrase or None


def _subject(doc: Doc, start: int, end: int, s_start: int, s_end: int, index: int) -> str:
    text = doc.text
    if doc.sentences[index].is_table_row:
        table = _table_subject(doc, index, start)
        if table:
            return table
    bracket = _BRACKET_AFTER.match(text, end, s_end)
    if bracket:  # what the amount is for comes after its gloss
        end = bracket.end()
    after = text[end:s_end]
    before = text[max(s_start, start - 80):start]
    if _AGAINST_CURRENCY.search(before) or _PER_CURRENCY.match(after):
        return "exchange rate"
    if text[end - 1].isalpha() and "-" in text[start:end]:  # "a twelve-billion-dollar bridge payment program"
        e = _NP_END.search(text, end + 1, s_end)
        phrase = clean_phrase(text[end:e.start() if e else s_end])
        if phrase and not phrase[0].isdigit():
            return phrase[:80]
    if _LINE_LEAD.fullmatch(text, s_start, start):  # "* $2.1 trillion -- value of U.S. goods imports"
        dash = _DASH_AFTER.match(text, end, s_end)
        if dash and dash.group().strip():
            e = _NP_END.search(text, dash.end() + 1, s_end)
            phrase = clean_phrase(text[dash.end():e.start() if e else s_end])
            if phrase and not phrase[0].isdigit():
                return phrase[:80]
    if "(" in before[-16:]:
        name = _name_before_bracket(before)
        if name:
            return name
    if _PRONOUN_WORTH.search(before) and index > 0:
        # "That's worth about $25 million": what the sentence before was about.
        from .shares import sentence_subject
        for prev in (doc.sentences[index - 1], doc.sentences[index - 2] if index > 1 else None):
            if prev is None or len(doc.text[prev.start:prev.end].split()) < 5:
                continue  # ("CFO: Sure.")
            got = _OBJECT_GOT.search(doc.text, prev.start, prev.end)  # "received a product exclusion"
            subj = clean_phrase(got.group(1)) if got else sentence_subject(doc, prev.start, prev.end)
            if subj:
                return subj[:80]
            break
    comma = before.rfind(",")
    if comma >= 0 and _APPOSITIVE_CUE.search(before, comma):
        ap = _APPOSITIVE.search(before)
        if ap:
            phrase = clean_phrase(_AFTER_COPULA.sub("", re.sub(r"^(?:of|in|for)\s+", "", ap.group(1))))
            if phrase and phrase.split()[0].lower() not in _STOP_WORDS:
                return phrase
    if _WORTH_AFTER.match(text, end, s_end):  # "Ireland alone shipped $50.3bn worth"
        clause = max(before.rfind(","), before.rfind(";"), before.rfind(":"))
        names = [m for m in doc.mentions_in(start - len(before) + clause + 1, start) if m.entity.kind != "product"]
        if names:
            return names[-1].entity.name
    which = _WHICH.search(before) if "which" in before else None  # (a search tries every start)
    if which:  # "exports to the United States, which reached USD 127.8 billion"
        phrase = clean_phrase(_LEADING_GRAMMAR.sub("", which.group(1)))
        if phrase and phrase.split()[0].lower() not in _STOP_WORDS:
            return phrase[:80]
    copula = _COPULA.search(before, max(0, len(before) - 45))  # the verb stands in the last words
    if copula:
        # What the amount measures is the subject of its own clause: "India's exports grew 6.9
        # per cent, while the trade deficit narrowed to USD 21.9 billion"; "He noted that
        # bilateral trade ... reached USD 190 billion".
        verb = start - len(before) + copula.start()
        opened = None
        for opened in _CLAUSE_BREAK.finditer(text, s_start, verb):
            pass
        if opened is not None:
            phrase = clean_phrase(_LEADING_GRAMMAR.sub("", _REPORTED.sub("", text[opened.end():verb])))
            if phrase and len(phrase.split()) <= 12 and phrase.split()[0].lower() not in _STOP_WORDS:
                return phrase[:80]
        from .shares import sentence_subject  # the sentence's subject is what the amount measures
        subj = sentence_subject(doc, s_start, start)
        if subj and not _PRONOUN_END.search(subj):  # "From 1 September it will be AUD 1,586.43"
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
        if phrase and not only_place and phrase.lower() not in _STOP_WORDS and not _QUANTITY_LEAD.match(phrase) \
                and not phrase.lower().endswith("basis"):  # "on an annualized basis" says how, not what
            return phrase[:80]
        b = _before_of(text[max(s_start, start - 80):start])
        if b:
            return b
        verb = _VERB.search(text, max(s_start, start - 40), start)
        if verb:
            return f"{_VERB_NOUN[verb.group(1).lower()]} in {phrase}"
    before = text[max(s_start, start - 80):start]
    b = _before_of(before)
    if b:
        return b
    if _ADD_BEFORE.search(before):  # "add up to $1,000 to the cost of moving a container"
        to = _TO_AFTER.match(text, end, s_end)
        if to:
            e = _NP_END.search(text, to.end() + 1, s_end)
            phrase = clean_phrase(text[to.end():e.start() if e else s_end])
            if phrase and not phrase[0].isdigit():
                return phrase[:80]
    r = _RECIPIENT.search(before)
    # ("will pay out $9.5 billion": "out" is the verb's particle, no recipient)
    if r and r.group(2).split()[0].lower() not in _NOT_RECIPIENT_START:  # "cost members $1.2 billion"
        return f"{_RECIPIENT_NOUN[r.group(1).lower()]} {clean_phrase(r.group(2))}"
    f = _FOR_BEFORE.search(before)
    if f and f.group(1).split()[-1].lower() not in _NOT_FOR_NOUNS:  # "2.4 million shares for $212 million"
        words = f.group(1).split()
        if words[0].lower() in _STOP_WORDS or scale_of(words[0]) != 1.0 or len(words[0]) < 3:
            words = words[1:]
        return clean_phrase(" ".join(words))
    verb = _VERB.search(before)
    if verb:
        return _VERB_NOUN[verb.group(1).lower()]
    # "Fees on vessels ... increase from $50 to $80 per net ton", "Cash bids at the elevator
    # averaged $9.86 a bushel": in a sentence of one clause, its subject is what the amount is of.
    if start - s_start < 120 and not _CLAUSE_MARK.search(text, s_start, start):
        lead = _SUBJECT_VERB_BEFORE.match(text, s_start, start)
        if lead:
            subj = clean_phrase(lead.group(1))
            if subj and subj.split()[0].lower() not in _NOT_SUBJECT_START:
                return subj[:80]
    # "a 35% decline in U.S. poultry exports, from $486 million"; "grow the economy by $194
    # billion": what changed by or from the amount.
    for rx in (_CHANGE_IN_BEFORE, _OBJECT_BY_BEFORE):
        m = rx.search(text, max(s_start, start - 100), start)
        if m:
            phrase = clean_phrase(m.group(1))
            if phrase and phrase.split()[0].lower() not in _NOT_SUBJECT_START:
                return phrase[:80]
    return "amount"


def _starts(doc: Doc) -> list[int] | None:
    """Where _MONEY can match: at a currency symbol ("$", "US$", "U.S.$": up to four characters
    before a "$"), or at a number in a sentence with a currency word (the second form needs one
    after the number). None: search everywhere."""
    numbers = doc.starts_of_words(frozenset(), digits=True)
    worded = doc.starts_of_words(CURRENCY_WORDS)
    spelled = doc.starts_of_words(SPELLED_FIRST_WORDS)
    if numbers is None or worded is None or spelled is None:
        return None
    starts: list[int] = list(worded)  # a code before its number: "USD 190 billion"
    for i in doc.sentences_at(worded):
        s = doc.sentences[i]
        starts.extend(numbers[bisect_left(numbers, s.start):bisect_left(numbers, s.end)])
        starts.extend(spelled[bisect_left(spelled, s.start):bisect_left(spelled, s.end)])
    text = doc.text
    for ch in _SYMBOL_CHARS:
        i = text.find(ch)
        while i >= 0:
            starts.extend(range(max(0, i - _SYMBOL_REACH), i + 1))
            i = text.find(ch, i + 1)
    return sorted(set(starts))


def _masthead_end(doc: Doc) -> int:
    """Where the document's body begins: its first line of more than a dozen words (before it:
    front matter, an HTML head, the publisher's name, headline and dateline)."""
    text, pos = doc.text, 0
    while pos < len(text) and pos < 1500:
        nl = text.find("\n", pos)
        nl = len(text) if nl < 0 else nl
        if len(text[pos:nl].split()) > 12:
            return pos
        pos = nl + 1
    return min(pos, len(text))


def _dollar(doc: Doc) -> str:
    """The currency a bare "$" stands for: the U.S. dollar, unless the document is published by
    the government of another dollar country (named in its masthead: the first lines, the
    front matter) or says its amounts are in another dollar."""
    top = doc.raw[:1500]
    head = None
    for code, publishers in _PUBLISHERS.items():
        for p in publishers:
            if p not in top:  # (the usual case: no line of the masthead is worked out)
                continue
            if head is None:
                head = doc.raw[:_masthead_end(doc)]
            at = head.find(p)
            # A domain anywhere in the masthead (a URL in the front matter); a name as a line or
            # a field of its own ("March 13, 2025 - Ottawa - Department of Finance Canada"), not
            # as the subject of a headline.
            if at >= 0 and ("." in p or (_FIELD_EDGE.match(head[:at][::-1]) and _FIELD_EDGE.match(head[at + len(p):]))):
                return code
    lowered = doc.lower if doc.lower is not None else doc.text.lower()
    for name in _OTHER_DOLLARS:  # the declaration ends with the currency's name: looked for near it
        at = lowered.find(name)
        while at >= 0:
            m = _DECLARED.search(doc.text, max(0, at - 60), at + len(name) + 1)
            if m:
                return _CWORDS[" ".join(m.group(1).lower().split())]
            at = lowered.find(name, at + 1)
    return "USD"


def money_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    starts = _starts(doc)
    indices = range(len(doc.sentences)) if starts is None else doc.sentences_at(sorted(starts))
    for index in indices:
        s = doc.sentences[index]
        for m in (_MONEY.finditer(text, s.start, s.end) if starts is None
                  else matches_at(_MONEY, text, starts, s.start, s.end)):
            sym, code, cw = m.group("sym"), m.group("code"), (m.group("cw1") or m.group("cw2") or m.group("cw3"))
            n = m.group("n1") or m.group("n2")
            scale = m.group("s1") or m.group("s2") or m.group("s4")
            if n is None:  # in words: "two hundred billion dollars"
                words = m.group("n3").lower().replace("-", " ").split()
                hundred = words[-1] == "hundred"
                amount = parse_spelled(" ".join(words[:-1] if hundred else words))
                if not amount:
                    continue
                n = str(amount * (100 if hundred else 1))
            elif not sym and not code and not scale and _PRICE_BASE.fullmatch(n):
                continue  # "in 2025 dollars": a year's prices, no amount
            # "25 MMT", "12 m" (metres): a bare one-letter scale needs a currency symbol.
            if not sym and scale and len(scale) == 1:
                continue
            if sym and sym.upper() in ("$",) and cw and cw.lower() not in ("dollars", "dollar", "usd"):
                cw = None
            currency = _SYMBOLS.get(sym) if sym else None
            if cw and not (sym and sym != "$"):
                currency = _CWORDS[cw.lower()] if currency in (None, "USD") else currency
            if code:
                currency = _CWORDS[code.lower().rstrip(".")]
            elif sym == "$" and not cw:
                currency = doc.memo(("dollar",), lambda: _dollar(doc))
            currency = currency or "USD"
            value = tidy(parse_number(n) * scale_of(scale))
            vstart = m.start("sym") if sym else m.start("code") if code else m.start("n2") if m.group("n2") else m.start("n3")
            previous = facts[-1] if facts else None
            if previous is not None and previous.end <= m.start() and s.start <= previous.start \
                    and _CONVERSION_OPEN.fullmatch(text, previous.end, m.start()):
                subject = previous.subject  # "18 billion euros ($19.6 billion)": the same amount converted
            elif previous is not None and m.start() - previous.end < 200 \
                    and _PRONOUN_TO.search(text, max(s.start, m.start() - 40), m.start()):
                subject = previous.subject
            else:
                subject = _subject(doc, vstart, m.end(), s.start, s.end, index)
                if subject == "amount" and previous is not None and s.start <= previous.start \
                        and m.start() - previous.end < 200 \
                        and _CONTINUES.search(text, max(previous.end, m.start() - 40), m.start()):
                    subject = previous.subject  # "up from the $300 million", "rising to $140"
                else:
                    subject = readable(doc, subject)
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
    # An amount for nothing named tells a reader nothing (it still led the amounts that continue it).
    return [f for f in facts if f.subject != "amount"]
