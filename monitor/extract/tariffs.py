"""Tariff facts: a rate (or none) and what it falls on, with basis, status and effective date."""
from __future__ import annotations

import re
from typing import Iterator

from ..fact import Fact
from .context import Doc, clean_phrase
from .folding import CasePattern, Prefilter, matches_at
from .gazetteer import lexicon
from .words import word_start_finder
from .rates import CHANGED_WORDS as _CHANGED_WORDS, LISTED_AFTER as _LISTED_BEFORE, Rate
from .sentences import Sentence
from .targets import (_POST_MODIFIER, GROUP_HEAD, Target, carry_over, first_subject, named_goods,
                      negated_name, noun_phrase, record_target,
                      targets_in_phrase, topic_of)

__all__ = ["tariff_facts", "is_tariff_rate", "table_rate_is_duty", "column_header", "TARIFF_WORD"]

_WORDS = sorted(lexicon()["tariff_words"], key=len, reverse=True)
TARIFF_WORD = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _WORDS) + r")\b|duty-free", re.I)
# The same over lower-cased text, written so that re can skip to the words' first letters
# (the longest word at a place wins, as in the alternation above).
_TARIFF_WORD_LOW = re.compile(word_start_finder(_WORDS, end=r"(?!\w)", not_after=r"\w") + "|duty-free")
_BASES = [(CasePattern.compile(p), name) for p, name in lexicon()["bases"]]
_STATUS = [(CasePattern.compile(p), name) for p, name in lexicon()["status_cues"]]

# "25% tariff", "10% additional tariff", "15% tariff rate", "zero percent reciprocal tariff rate".
_RATE_THEN_WORD = re.compile(r"\s*(?:\"\s*)?(?:[\w-]+\s+|[A-Z]\.(?:[A-Z]\.)+\s+){0,3}?(?:\w+-)?(?:tariffs?|dut(?:y|ies)|levy|levies|surcharges?|rate\s+of\s+duty|ad\s+valorem)\b(?!-free)", re.I)
# "a 40% rate on goods ...", "the 10% rate applied to Britain": in a document about tariffs, a
# rate is a duty unless a word before "rate" says what else it is (interest, growth...).
_RATE_THEN_RATE = re.compile(r"\s*(?:(?:reciprocal|baseline|new|current|lower|higher|combined|flat|blanket|"
                             r"additional|maximum|minimum|top|universal|import|preferential|agreed|same|"
                             r"ad\s+valorem)\s+){0,2}(?:rates?\b(?!\s+of\s+(?:growth|inflation|return|interest))"
                             r"|baseline\b(?!\s+(?:scenario|forecast|case|estimate|projection|year|data)))", re.I)
# What a rate falls on, named after it: "the 10% rate applied to Britain", "the 15% agreed by
# the European Union", "tariffs ... imposed on".
_APPLIED_TO = re.compile(r"\s*(?:[\w-]+\s+){0,3}?(?:applied|applying|imposed|levied|charged|agreed)\s+"
                         r"(?:to|on|by|with)\s+", re.I)
# "tariff of 2.7%", "rate of duty of 10 percent", "tariff to 25%", "tariff rates ... at 3.3%".
_LINK_WORDS = ("of", "to", "at", "from", "is", "was", "be", "by", "reach", "reaching", ":")
_LINK_BEFORE = re.compile(r"\b(?:" + "|".join(_LINK_WORDS) + r")\s*\"?\s*$", re.I)
_LONGEST_LINK = max(map(len, _LINK_WORDS))
_SHARE_AFTER = re.compile(r"\s*(?:of|more)\s+(?!duty\b|that\s+rate|the\s+(?:cumulative\s+)?rate|the\s+value)", re.I)
# "by 0.3 percentage points", "by a further 10 percentage points", "by almost 47%": a change.
_CHANGE_BEFORE = re.compile(r"\bby\s+(?:(?:a|an|another)\s+)?(?:(?:further|additional|extra)\s+)?$", re.I)
# A rate named after a tariff word and a qualifier: "a duty not exceeding 15 percent".
_WORD_THEN_QUAL = re.compile(r"\b(?:tariffs?|dut(?:y|ies)|levy|levies|surcharges?)\s+(?:of\s+)?$", re.I)
_AMEND = re.compile(r"\b(?:deleting|inserting|replacing|striking)\b[^.]{0,12}$", re.I)
_AMEND_CONTEXT = re.compile(r"\b(?:HTSUS|heading|Harmonized\s+Tariff\s+Schedule|note\s+\d|subdivision)\b", re.I)
_RATE_ON = re.compile(r"\brates?\s+(?:of\s+duty\s+)?on\s+(?!the\s+value)", re.I)
# Rates listed after this one ("15% or 20%"): what follows the list is said of each.
_MORE_RATES = re.compile(r"(?:\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)(?:\d[\d.,]*\s*(?:%|percent|per\s*cent)))+", re.I)
# (", and on textiles ..." after a rate begins the next conjunct, whose rate follows it.)
_ON_AFTER = re.compile(r"(?:(?!,\s*(?:and|or)\s+on\b)[^.;%]){0,45}?\bon\s+(?:all\s+)?(?:imports?\s+of\s+|imports?\s+from\s+)?", re.I)
# ("Light trucks ... remain subject to a 25% tariff", "Textiles and footwear face rates of 35%",
# "Passenger motor vehicles ... continue to attract duty of 5%": the present tense says it too.)
_SUBJECT_VERB = re.compile(
    r"\b(?:(?:will|shall|would|to)\s+(?:continue\s+to\s+)?(?:be\s*)?(?:,[^,]{0,40},\s*)?(?:subject\s+to|see|face|receive|pay|attract)"
    r"|(?:are|is|remain|remains|remained|become|becomes)\s+(?:also\s+|still\s+|now\s+)?subject\s+to"
    r"|(?:now\s+)?(?:face|faces|pay|pays|attract|attracts))\b", re.I)
_IMPOSE_ON = re.compile(r"\bimpos\w*\s+on\s+", re.I)
# The second object of "impose on X a ... duty": where X ends.
_DUTY_OBJECT = re.compile(r"\s+an?\s+(?:[\w-]+\s+){0,3}?(?:rates?|dut(?:y|ies)|tariffs?)\b", re.I)
_TO_RECEIVE = re.compile(r"\b(?:identify|allow\s+for|allow|for)\s+(.{3,160}?)\s+to\s+(?:receive|see|face|pay)\s+[^.;]{0,20}$", re.I)
_NULL_ON = re.compile(
    r"\b(?:tariffs?|duties|duty|levies|surcharges?)\s+(?:imposed\s+|to\s+be\s+imposed\s+)?on\s+"
    r"(?:(?:all\s+)?(?:imports?|goods|articles|products)\s+(?:imported\s+)?(?:of|from)\s+)?", re.I)
_NULL_NAMED = re.compile(r"\b(\w[\w-]*)\s+(?:section\s+)?(?:232|301|201|122)\s+(?:tariffs?|duties)\b", re.I)
_IMPOSING_TITLE = re.compile(r"\bImposing\s+(?:\w+\s+){0,2}?(?:Duties|Tariffs)\b(?!\s+on\b)([^.;)]{0,120})")
_INCLUDE_LIST = re.compile(r"\b(?:These|Those|The|Such)\s+(?:goods|products|articles|items|imports)?\s*includes?:?\s+(.+)$", re.I)
# The sentence before such a list says the goods are (or will be) hit: "are now subject to
# reciprocal tariffs", "will face the new duties", "will be subject to the tariffs".
_NOW_SUBJECT = re.compile(r"\b(?:subject\s+to|faces?|facing|hit\s+(?:by|with))\s+[^.]{0,30}\b(?:tariffs?|duties|levies)", re.I)
_NEGATION_BEFORE = re.compile(r"\b(?:no\s+longer|not|never|exempt)\b[^.]{0,20}$", re.I)
_NEGATED = re.compile(r"\b(?:no\s+longer|not|never|exempt)\b[^.]{0,25}$", re.I)
_WILL_BE_SUBJECT_THE = re.compile(r"(.{3,120}?)\s+(?:will|shall)\s+be\s+subject\s+to\s+the\s+(?:tariffs?|duties)\b", re.I)
# "for countries with which the United States has large trade deficits, he announced higher
# tariffs", "for nations that ..., a 20% ...": the group the tariffs fall on.
_GROUP_NOUNS = r"(?:countries|nations|trading\s+partners|partners|economies|jurisdictions)"
_FOR_GROUP = re.compile(r"\b[Ff]or\s+((?:all\s+|other\s+|those\s+|the\s+)?" + _GROUP_NOUNS +
                        r"\s+(?:with|that|which|where|whose|without)\b[^,]{3,100}),[^.;]{0,60}?\b(?:tariffs?|duties)\b")


# Words one of which each pattern below needs (its pre-filter, see Doc.may_contain).
_GLOBAL_WORDS = ("global", "universal", "worldwide", "across-the-board", "blanket")  # _GLOBAL
_TO_VERBS = ("receive", "see", "face", "pay")  # _TO_RECEIVE
_SUBJECT_WORDS = ("subject", "see", "face", "receive", "pay", "attract")  # _SUBJECT_VERB
_NEGATION_WORDS = ("no", "never", "exempt")  # _NEGATED ("no" is in "not" and "no longer")
_SHARE_WORDS = ("share", "proportion", "percentage", "portion", "fraction")  # one of which _SHARE_SUBJECT needs
_SHARE_SUBJECT = re.compile(r"[\W\d]*+(?:\(\w{1,4}\)\s*)?(?:the\s+)?(?:share|proportion|percentage|portion|fraction)\s+of\b", re.I)
_ON_GOODS_THEN = re.compile(r"(?:%|percent|per\s*cent)\s+on\s+[^%;.]{2,50}?(?:,\s*(?:and\s+)?|\s+and\s+)$", re.I)
_RATE_NEAR = re.compile(r"(?:\d\s*%|percent)\s*(?:[\w-]+\s+){0,3}$", re.I)  # a rate right before


def _tariff_words(doc: Doc, start: int, end: int) -> Iterator[re.Match[str]]:
    """TARIFF_WORD's matches in ``text[start:end]`` (offsets into the text)."""
    if doc.lower is not None:
        return _TARIFF_WORD_LOW.finditer(doc.lower, start, end)
    return TARIFF_WORD.finditer(doc.text, start, end)


def _has_tariff_word(doc: Doc, start: int, end: int) -> bool:
    if doc.lower is not None:
        return _TARIFF_WORD_LOW.search(doc.lower, start, end) is not None
    return TARIFF_WORD.search(doc.text, start, end) is not None


def _first_cue(cues: list[tuple[CasePattern, str]], doc: Doc, start: int, end: int) -> str | None:
    """The name of the first cue (in the lexicon's order) found in ``text[start:end]``."""
    text, lowered = doc.window(start, end)
    for rx, name in cues:
        if rx.search(text, lowered):
            return name
    return None


def _basis(doc: Doc, start: int, end: int) -> str | None:
    return _first_cue(_BASES, doc, start, end)


def _status(doc: Doc, start: int, end: int) -> str | None:
    return _first_cue(_STATUS, doc, start, end)


def is_tariff_rate(doc: Doc, s: Sentence, r: Rate) -> bool:
    """Whether a percentage in this sentence is a duty rate rather than a share or a change."""
    return doc.memo(("tariff_rate", r.start, r.end, r.role), lambda: _is_tariff_rate(doc, s, r))


def _is_tariff_rate(doc: Doc, s: Sentence, r: Rate) -> bool:
    text = doc.text
    after = text[r.end:min(s.end, r.end + 60)]
    base = max(s.start, r.start - 200)  # where ``before`` begins
    before = text[base:r.start]
    if _SHARE_AFTER.match(after) and not re.search(r"\b(?:tariffs?|duty|duties)\s+(?:rate\s+)?(?:of|at)\s*$", before, re.I):
        return False
    lowered = doc.lower[max(s.start, r.start - 200):r.start] if doc.lower is not None else None
    if (lowered is None or "by" in lowered) and _is_change(doc, s, r):
        return False  # "cut ... by 0.3 percentage points": a change, not a rate
    # "a rate of 0 percent, increasing to 10 percent ..., and to 15 percent": later values of
    # the rate before, and "tariffs on steel between 10% and 35%, and on textiles between 10%
    # and 50%": the same kind of rate on other goods; both read as the rate before is.
    prior = _continued(doc, s, r)
    if prior is not None:
        return is_tariff_rate(doc, s, prior)
    # "The share of imports subject to additional duties ... rose from 12 percent": a share.
    if doc.may_contain(s.start, min(r.start, s.start + 40), _SHARE_WORDS) and _SHARE_SUBJECT.match(text, s.start, r.start):
        return False
    # "a rate of 100 percent on electric vehicles and 50 percent on semiconductors": the next
    # rate of a list of rates on goods is read as the one before.
    if _RATE_ON_NAMED.match(after) and doc.may_contain(max(s.start, r.start - 70), r.start, (" on ",)) \
            and _ON_GOODS_THEN.search(text, max(s.start, r.start - 70), r.start):
        prev = [x for x in doc.rates(doc.sentence_at(r.start)) if x.end <= r.start]
        if prev:
            return is_tariff_rate(doc, s, prev[-1])
    # The second rate of "15% or 20%", "the 30% and 25% rates" is read as the first.
    if _LISTED_BEFORE.search(text, max(s.start, r.start - 12), r.start):
        prev = [x for x in doc.rates(doc.sentence_at(r.start)) if x.end <= r.start]
        if prev:
            return is_tariff_rate(doc, s, prev[-1])
    if r.lead is not None:  # "a tariff of approximately 100 percent": the link precedes the qualifier
        base = max(s.start, r.lead - 200)
        before = text[base:r.lead]
        lowered = doc.lower[max(s.start, r.lead - 200):r.lead] if doc.lower is not None else None
        if _WORD_THEN_QUAL.search(text, max(s.start, r.lead - 60), r.lead):
            return True
    if r.quoted and _AMEND.search(before) and _AMEND_CONTEXT.search(text, s.start, s.end):
        return True
    if _RATE_THEN_WORD.match(after):
        return True
    if doc.about_tariffs and not r.points and _heading_goods(doc, r) is not None:
        return True
    if not r.points and r.role != "previous" and _item_label(doc, s, r) is not None:
        return True
    if doc.about_tariffs and not r.points and ((("rate" in after or "baseline" in after) and _RATE_THEN_RATE.match(after))
                                               or _applied_to(doc, s, r)):
        return True
    # A tariff word earlier in the clause, linked to this rate by "of/to/at/from".
    m = None
    for m in (_TARIFF_WORD_LOW.finditer(lowered) if lowered is not None else TARIFF_WORD.finditer(before)):
        pass
    if m is not None and before.startswith("-free", m.end()):
        m = None  # "tariff-free", "duty-free": no duty at all
    if m is not None and ";" not in before[m.end():] and _only_changes_between(doc, s, base + m.end(), r):
        if _ends_with_link(before) or _VERB_LINK.match(before, m.end()):
            return True
        # "the applicable reciprocal tariff (for most countries, between 15% and 41%)".
        if _PAREN_AFTER_WORD.match(before, m.end()):
            return True
    if r.points and _has_tariff_word(doc, s.start, s.end):
        return True
    if doc.about_tariffs and not r.points:
        # "face a rate of up to 50%", "the most-favoured-nation rate of 2.5%", "The rate set
        # forth in subsection (a) ... shall increase to 50 percent": the rate is named as such.
        rm = None
        if "rate" in before.lower():
            for rm in _RATE_NOUN.finditer(before):
                pass
        if rm is not None and not _NOT_DUTY_BEFORE_RATE.search(before, max(0, rm.start() - 30), rm.end()) \
                and _only_changes_between(doc, s, base + rm.end(), r) \
                and not re.search(r"[;:]", before[rm.end():]) \
                and (_ends_with_link(before) or _VERB_LINK.match(before, rm.end())):
            return True
        # "their pharmaceutical exports will pay no more than 15%", "carmakers now pay 15% on
        # vehicles": what an importer pays or faces, as a percentage, is a duty.
        if _PAYS.search(before[-40:]) and not _SHARE_AFTER.match(after):
            return True
        # "as well as 50% on steel and aluminum": a rate on named goods or countries.
        on = _RATE_ON_NAMED.match(after)
        if on and _has_tariff_word(doc, s.start, s.end):
            ms = doc.mentions_in(r.end + on.end(), min(s.end, r.end + on.end() + 40))
            if ms and ms[0].start == r.end + on.end():
                return True
    # "the rate on upholstered furniture shall increase to 30 percent" (a document about tariffs).
    if doc.about_tariffs and _ends_with_link(before) and "rate" in before:
        last = None
        for last in _RATE_ON.finditer(before):
            pass
        if last is not None and not re.search(r"\d\s*%|percent|[;:]", before[last.end():], re.I):
            return True
    return False


def _applied_to(doc: Doc, s: Sentence, r: Rate) -> "re.Match[str] | None":
    """"the 10% rate applied to Britain": where the named target begins (a country or bloc)."""
    if not doc.may_contain(r.end, min(s.end, r.end + 50), _APPLIED_WORDS):
        return None
    m = _APPLIED_TO.match(doc.text, r.end, s.end)
    if m is None or m.end() - r.end > 50:
        return None
    ms = doc.mentions_in(m.end(), min(s.end, m.end() + 40))
    return m if ms and ms[0].entity.kind != "product" and ms[0].start - m.end() <= 4 else None


# "- 9903.74.03: Buses, 10% ad valorem": a tariff heading or subheading, the goods it covers, and
# the rate that closes its line.
_HEADING_LINE = re.compile(r"(?m)^[ \t]*(?:[-*\u2022][ \t]+)?(?:heading[ \t]+|subheading[ \t]+)?\d{4}\.\d{2}(?:\.\d{2,4})?[ \t]*[:\u2013-][ \t]*"
                           r"(?P<goods>[^,:;\n]{3,120}),[ \t]*$", re.I)
_HEADING_RATE_END = re.compile(r"[ \t]*(?:ad[ \t]+valorem)?[ \t]*\.?[ \t]*(?:\n|$)", re.I)


def _heading_goods(doc: Doc, r: Rate) -> "re.Match[str] | None":
    """The goods of a heading line the rate closes (see _HEADING_LINE), if it is one."""
    text = doc.text
    line = text.rfind("\n", 0, r.start) + 1
    if r.start - line > 160 or not _HEADING_RATE_END.match(text, r.end):
        return None
    return _HEADING_LINE.match(text[:r.start], line)


# "- Steel products: 35 per cent, up from 15 per cent", "* Lithium batteries sold separately: up
# to 60%": a list item that names goods, a colon, and the rate (after a qualifier at most).
# ("Separator film, commodity code 3920 10 89 20: duty cut from 6% to 0%": the change's first rate.)
_ITEM_LABEL = re.compile(r"[ \t]*(?:[-*\u2022][ \t]+)?(?P<label>[A-Za-z][^:;%\n]{1,100}?)[ \t]*:[ \t]*"
                         r"(?:(?:rates?|duty|duties|tariffs?)[ \t]+)?(?:(?:" + "|".join(_CHANGED_WORDS) + r"|going[ \t]+(?:up|down))[ \t]+from[ \t]+)?"
                         r"(?:(?:as[ \t]+high[ \t]+as|up[ \t]+to|of|at|about|around)[ \t]+)?$", re.I)
# A code after the goods a label names: "Polyethylene separator film, commodity code 3920 10 89 20".
_LABEL_CODE = re.compile(r",[^,]*\d[\d .]*$")
_NOT_GOODS_LABEL = re.compile(r"\b(?:" + "|".join(lexicon()["item_label_not_goods"]) + r")\b", re.I)


def _item_label(doc: Doc, s: Sentence, r: Rate) -> "re.Match[str] | None":
    """The goods a list item names before its colon, when the rate follows the colon (see
    _ITEM_LABEL), in an item of a list about tariffs; a label that names a share, a change or
    a rate ("Share of imports: 12%", "Baseline rate: 10%") is no goods."""
    at = r.start
    if r.role == "new" and r.partner is not None and r.partner < r.start:
        at = r.partner  # "duty cut from 6% to 0%": both rates follow the label
    if not s.is_item or ":" not in doc.text[s.start:at] or at - s.start > 130:
        return None
    m = _ITEM_LABEL.fullmatch(doc.text, s.start, at)
    if m is None or _NOT_GOODS_LABEL.search(m.group("label")):
        return None
    index = doc.sentence_at(r.start)
    if not _context_has_tariff(doc, s, index) and not (doc.about_tariffs and _list_has_tariff(doc, index)):
        return None
    return m


def _list_has_tariff(doc: Doc, index: int) -> bool:
    """Whether an item of the list that sentence ``index`` is an item of names a tariff (up to
    30 items either side)."""
    sentences = doc.sentences
    lo = index
    while lo > 0 and index - lo < 30 and sentences[lo - 1].is_item:
        lo -= 1
    hi = index
    while hi + 1 < len(sentences) and hi - index < 30 and sentences[hi + 1].is_item:
        hi += 1
    # Which items name one is worked out once per document, whichever item asks.
    named = doc.memo(("items_naming_tariffs",), lambda: {
        i for i, x in enumerate(sentences) if x.is_item and _has_tariff_word(doc, x.start, x.end)})
    return any(lo <= i <= hi for i in named)


def _ends_with_link(before: str) -> bool:
    """Whether ``before`` ends with a link word (_LINK_BEFORE: "of", "to", "at", ":"...). Only
    its last few characters are searched: after the word come only spaces and one quote."""
    rest = before.rstrip()
    if rest.endswith('"'):
        rest = rest[:-1].rstrip()
    return _LINK_BEFORE.search(before, max(0, len(rest) - _LONGEST_LINK - 1)) is not None


# What ties a rate to the tariff word or rate before it besides a link word: "duties that
# already average 35.2%", "Tariffs on steel products would range between 10% and 35%".
_VERB_LINK = re.compile(r"[^.;%]{0,60}?\b(?:averag\w*|rang(?:e|es|ed|ing)|stands?|stood|totall?(?:s|ed|ing)?|"
                        r"(?:increase|rise|climb|fall|drop|go|jump|reduce|cut|lower|raise)\w*\s+to|"
                        r"(?:is|are|was|were|be|been|remains?|remained)\s+(?:set\s+|fixed\s+|capped\s+)?at)\s+$", re.I)
_PAREN_AFTER_WORD = re.compile(r"\s*\([^()%]{0,40}$")
# "rate" as a noun (not "rate of duty", a tariff word itself, nor "rated").
_RATE_NOUN = re.compile(r"\brates?\b(?!\s+of\s+duty)", re.I)
_PAYS = re.compile(r"\b(?:pays?|paid|paying|faces?|faced|facing)\s+(?:an?\s+|the\s+)?(?:(?:additional|extra|further|full)\s+)?$", re.I)
_RATE_ON_NAMED = re.compile(r"\s+on\s+(?:(?:all\s+)?(?:imports?|goods|products)\s+(?:of|from)\s+)?", re.I)
# Between a rate and the one it continues: "increasing to", "on January 1, 2027, and to",
# ", and on textiles and clothing", "and then to".
_CONTINUES = re.compile(
    r"^(?:\s+on\s+[^;%]{3,30}?)?\s*,?\s+(?:(?:and|or|then|but)\s+)*(?:(?:[a-z]+ing|will\s+\w+|rises?|increases?)\s+)?"
    r"(?:further\s+)?(?:to|on|for|at)\b[^;%.]{0,60}$", re.I)
_CONTINUE_VERBS = re.compile(r"\b(?:increas|ris|rais|climb|fall|drop|go|jump|reduc|cut|lower|decreas|step|mov)\w*\s+(?:further\s+)?to\s+$"
                             r"|\b(?:and|or|then)\s+(?:on|for|to)\b", re.I)


def _is_change(doc: Doc, s: Sentence, r: Rate) -> bool:
    """Whether a rate is a change ("by 10 percentage points", "by almost 47%")."""
    at = r.lead if r.lead is not None else r.start
    lo = max(s.start, at - 30)
    return doc.may_contain(lo, at, ("by",)) and _CHANGE_BEFORE.search(doc.text, lo, at) is not None


def _only_changes_between(doc: Doc, s: Sentence, start: int, r: Rate) -> bool:
    """Whether every rate between ``start`` and ``r`` is a change: "tariffs on Chinese goods by
    a further 10 percentage points, to a total of 30%" (the tariff word names the total)."""
    return all(_is_change(doc, s, x) for x in doc.rates(doc.sentence_at(r.start))
               if x.end <= r.start and x.start >= start and x.start != r.start)


def _continued(doc: Doc, s: Sentence, r: Rate) -> Rate | None:
    """The rate that ``r`` continues (see _CONTINUES), if any."""
    return doc.memo(("continued", r.start, r.role), lambda: _continuing(doc, s, r))


def _continuing(doc: Doc, s: Sentence, r: Rate) -> Rate | None:
    rates = doc.rates(doc.sentence_at(r.start))
    if r.role == "new" and r.partner is not None and r.partner < r.start:
        # "and on motorcycles from 50 per cent to 30 per cent": the pair continues as its first does.
        first = next((x for x in rates if x.start == r.partner), None)
        return _continued(doc, s, first) if first is not None else None
    prev = [x for x in rates if x.end <= r.start]
    if not prev:
        return None
    x = prev[-1]
    if r.start - x.end > 100:
        return None
    gap = doc.text[x.end:r.start]
    if len(gap) > 100 or not _CONTINUES.match(gap) or not _CONTINUE_VERBS.search(gap):
        return None
    # The first end of a range, the first rate of a change, stands for it.
    while x.role == "range-high" and len(prev) > 1 and prev[-2].start == x.start:
        prev.pop()
        x = prev[-1]
    if x.role == "new" and x.partner is not None and x.partner < x.start:
        x = next((y for y in rates if y.start == x.partner), x)
    return x


def _chain_end(doc: Doc, s: Sentence, r: Rate) -> int:
    """Where the last rate continuing ``r`` without new goods ends ("0 percent, increasing to
    10 percent ..., and to 15 percent ..., on all goods of Nicaragua": what follows the last
    value is said of all of them); ``r.end`` without such rates."""
    end, last = r.end, r
    for x in doc.rates(doc.sentence_at(r.start)):
        if x.start < end:
            continue
        c = _continued(doc, s, x)
        if c is None or c.start != last.start or _GAP_ON.search(doc.text, last.end, x.start):
            break
        end, last = x.end, x
    return end


def _open_bracket_before(text: str, lo: int, at: int) -> int | None:
    """Where the spaces before an opening bracket that ``at`` follows (spaces aside) begin:
    "Japan (25%)" -> the offset after "Japan". None without such a bracket. Read backwards, not
    searched for (a search would try every position from ``lo``)."""
    q = at
    while q > lo and text[q - 1].isspace():
        q -= 1
    if q <= lo or text[q - 1] != "(":
        return None
    q -= 1
    while q > lo and text[q - 1].isspace():
        q -= 1
    return q


def _parens_entity(doc: Doc, s: Sentence, r: Rate) -> Target | None:
    """``Japan (25%)``: the entity right before the opening bracket."""
    return doc.memo(("parens", r.start), lambda: _bracketed_entity(doc, s, r))


def _bracketed_entity(doc: Doc, s: Sentence, r: Rate) -> Target | None:
    opening = _open_bracket_before(doc.text, s.start, r.start)
    if opening is None:
        return None
    for mention in reversed(doc.mentions_in(s.start, opening)):
        if opening - mention.end <= 1:
            return Target(mention.entity.name, mention.entity.code, mention.entity, mention.start, mention.end)
        break
    return None


def _table_entity(doc: Doc, s: Sentence, r: Rate) -> Target | None:
    for mention in doc.mentions_in(s.start, r.start):
        return Target(mention.entity.name, mention.entity.code, mention.entity, mention.start, mention.end)
    return None


def _row_name(doc: Doc, s: Sentence, r: Rate) -> Target | None:
    """What a table row the gazetteer knows nothing in is about: its first cell before the rate
    that reads as a name ("| 7 | 7007 19 00 | Solar glass | 10% |": "solar glass"; a serial
    number or a tariff code is no name), without what qualifies it ("Motorcycles with a
    cylinder capacity over 800 cc", "Prepared foods, including peanut butter")."""
    text, pos = doc.text, s.start
    for cell in text[s.start:r.start].split("|")[:-1]:  # (the last piece holds the rate)
        a = pos + len(cell) - len(cell.lstrip())
        pos += len(cell) + 1
        if a >= len(text) or not text[a].isalpha():
            continue
        name = re.split(r"\s*[,(;:]", cell.strip(), maxsplit=1)[0]
        cut = _POST_MODIFIER.search(name)
        name = _label_goods(name[:cut.start()] if cut else name)
        return Target(name, None, None, a, a + len(cell.strip())) if name else None
    return None


# A column header that names what its rates fall on: "Tariff on EU cars", "Duty on Chinese goods".
_HEADER_ON = re.compile(r"(?:[\w-]+\s+)?(?:tariffs?|dut(?:y|ies)|levy|rates?)\s+on\s+", re.I)


def _header_targets(doc: Doc, index: int, pos: int) -> list[Target]:
    """The targets the header of the column that ``pos`` (in table row ``index``) is in names
    after "Tariff on" (see _HEADER_ON), found in the header row itself."""
    found = doc.header_cell(index, pos)
    if found is None or not _HEADER_ON.match(found[1].strip()):
        return []
    j = index
    while j > 0 and doc.sentences[j - 1].is_table_row:
        j -= 1
    head = doc.sentences[j]
    at = doc.text.find(found[1], head.start, head.end)
    if at < 0:
        return []
    on = _HEADER_ON.search(doc.text, at, at + len(found[1]))
    end = at + len(found[1].rstrip())
    return targets_in_phrase(doc, on.end(), end, allow_us=False) or named_goods(doc, on.end(), end)


def _label_goods(label: str) -> str | None:
    """A label (a table cell, a list item's lead) as the goods it names: at most six words, the
    first in lower case unless more than its first letter is a capital ("Solar glass" ->
    "solar glass", "EV batteries" stays)."""
    name = clean_phrase(label)
    if not name or len(name.split()) > 6:
        return None
    return name[0].lower() + name[1:] if name[:1].isupper() and name[1:2].islower() else name


_NOT_DUTY_RATE = r"(?:" + "|".join(sorted(lexicon()["non_duty_rate_words"], key=len, reverse=True)) + r")"
# "growth rate", "interest rates": a word before "rate" that says it is no duty.
_NOT_DUTY_BEFORE_RATE = re.compile(r"\b" + _NOT_DUTY_RATE + r"\s+rates?\b", re.I)


def _names_duty_rate(text: str) -> bool:
    """Whether a phrase names a rate that is a duty (in a document about tariffs)."""
    return "rate" in text.lower() and re.search(r"\brates?\b", text, re.I) is not None \
        and not _NOT_DUTY_BEFORE_RATE.search(text) and not re.search(r"\brates?\s+of\s+" + _NOT_DUTY_RATE + r"\b", text, re.I)


# Column headers that say a rate changed, not what it is of.
_CHANGE_HEADERS = frozenset(lexicon()["table_rate_change_headers"])


def column_header(doc: Doc, index: int, pos: int) -> str | None:
    """The header of the table column that offset ``pos`` (in table row ``index``) is in, on one
    line; None when that header cell has no word."""
    found = doc.header_cell(index, pos)
    if found is None or not re.search(r"[A-Za-z]", found[1]):
        return None
    return " ".join(found[1].split())


def table_rate_is_duty(doc: Doc, s: Sentence, index: int, r: Rate) -> bool:
    """Whether a percentage in a table row is a duty rate: its column's header says so ("New
    tariff", "April rate" in a document about tariffs) or, headed by something else ("Share of
    imports"), it is not; without a header, what the table and its lead-in speak of decides."""
    return doc.memo(("table_duty", r.start, r.role), lambda: _table_rate_is_duty(doc, s, index, r))


def _table_rate_is_duty(doc: Doc, s: Sentence, index: int, r: Rate) -> bool:
    header = column_header(doc, index, r.start)
    if header is not None:
        if TARIFF_WORD.search(header):
            return True
        if doc.about_tariffs and _names_duty_rate(header):
            return True
        # "From | To", "Old | New": a rate's change, read as what the table speaks of.
        if header.lower().rstrip(":") in _CHANGE_HEADERS:
            return _context_has_tariff(doc, s, index)
        return False
    return _context_has_tariff(doc, s, index)


def _context_has_tariff(doc: Doc, s: Sentence, index: int) -> bool:
    """Whether tariffs are what this sentence, its list's intro or its table speak of."""
    return doc.memo(("context_tariff", index), lambda: _tariff_context(doc, s, index))


def _tariff_context(doc: Doc, s: Sentence, index: int) -> bool:
    if _has_tariff_word(doc, s.start, s.end) or re.search(r"\b(?:impos|levie|levy)", doc.text[s.start:s.end]):
        return True
    if s.intro is not None and (_has_tariff_word(doc, s.intro.start, s.intro.end)
                                or (s.is_item and doc.about_tariffs)):
        return True
    # Table rows: a header or an earlier row of the same table mentions tariffs.
    for j in range(index - 1, max(-1, index - 30), -1):
        prev = doc.sentences[j]
        if not prev.is_table_row and j < index - 1:
            return _has_tariff_word(doc, prev.start, prev.end) and doc.sentences[j + 1].is_table_row
        if _has_tariff_word(doc, prev.start, prev.end):
            return True
    return False


def _resolve(doc: Doc, s: Sentence, index: int, r: Rate) -> tuple[list[Target], Target | None]:
    """Targets for a rate, and the imposer when the text names one that is not the U.S."""
    text = doc.text
    # Comparisons: "India (70%)" in a sentence about one product: India imposes, the product is hit.
    paren = _parens_entity(doc, s, r)
    if paren is not None and paren.entity is not None and paren.entity.kind != "product":
        topic = topic_of(doc, s)
        if topic is not None:
            return [topic], paren
        return [paren], None
    if s.is_table_row:
        t = _table_entity(doc, s, r)
        if t is None:
            # "| Base case: truce rolled over | 15% |" under "Tariff on EU cars": a row that names
            # nothing the gazetteer knows is a case of what its column's header names.
            found = _header_targets(doc, index, r.start)
            if found:
                return found, None
            t = _row_name(doc, s, r)
        if t:
            return [t], None
    il = _item_label(doc, s, r) if s.is_item else None
    if il is not None:
        a, b = il.span("label")
        code = _LABEL_CODE.search(text, a, b)
        b = code.start() if code else b
        cut = _POST_MODIFIER.search(text, a, b)  # "Lithium batteries sold separately"
        b = cut.start() if cut else b
        found = _goods_named(doc, a, b, opening=True)
        if found:
            return found, None
        name = _label_goods(re.sub(r"\s*\([^()]*\)", "", text[a:b]))
        if name:
            return [Target(name, None, None, a, b)], None
    hl = _heading_goods(doc, r)
    if hl is not None:
        a, b = hl.start("goods"), hl.end("goods")
        found = targets_in_phrase(doc, a, b, allow_us=False)
        return found or [Target(clean_phrase(hl.group("goods")).lower(), None, None, a, b)], None
    # ", and on textiles and clothing between 10% and 50%": the goods the gap names, else
    # (", increasing to 10 percent") what the rate continued falls on.
    cont = _continued(doc, s, r)
    if cont is not None:
        lead = r
        if r.role == "new" and r.partner is not None and r.partner < r.start:
            lead = next((x for x in doc.rates(index) if x.start == r.partner), r)
        on = None
        for on in _GAP_ON.finditer(text, cont.end, lead.start):
            pass
        if on is not None:
            a, b = noun_phrase(doc, on.end(), lead.start)
            found = targets_in_phrase(doc, a, b) or named_goods(doc, a, b)
            if found:
                return found, None
        return _resolve(doc, s, index, cont)
    # "the 10% rate applied to Britain", "the 15% agreed by the European Union".
    ap = _applied_to(doc, s, r)
    if ap is not None:
        mention = doc.mentions_in(ap.end(), s.end)[0]
        e = mention.entity
        return [Target(e.name, e.code, e, mention.start, mention.end)], None
    # "The same 15% rate will apply to Korean auto parts": the goods it applies to.
    if doc.may_contain(r.end, min(s.end, r.end + 40), ("appl",)):
        at = _APPLIES_TO.match(text, r.end, s.end)
        if at is not None:
            a, b = noun_phrase(doc, at.end(), s.end)  # (goods, not a phrase: "goods already on the water")
            found = targets_in_phrase(doc, a, b, allow_us=False, allow_phrase=False) or named_goods(doc, a, b)
            if found:
                return found, None
    # "... 25% tariff on steel", "... 84 percent tariff would be imposed on all goods ... from the United States".
    more = _MORE_RATES.match(text, r.end, s.end)
    after = more.end() if more else _chain_end(doc, s, r)
    m = _ON_AFTER.match(text, after, s.end)
    # "10 percent on January 1, 2028, on all goods of Nicaragua": "on" a date says when, not what.
    for _ in range(2):
        d = doc.dates_in(m.end(), m.end() + 1) if m else None
        if not d:
            break
        m = _ON_AFTER.match(text, d[0].end, s.end)
    if m and _NEW_DUTY_ON.search(text, after, m.end()):
        m = None  # "from 15% to 10%, and the duty on ethanol ...": that "on" is the next duty's
    if m and not re.search(r"\d\s*%|percent", text[after:m.end()]):
        # "on 18 billion euros ($19.6 billion) of U.S. goods": the goods the amount is worth.
        am = _AMOUNT_OF.match(text, m.end(), s.end)
        a, b = noun_phrase(doc, am.end() if am else m.end(), s.end)
        found = targets_in_phrase(doc, a, b)
        # Goods the gazetteer does not know: "a 25 percent duty on upholstered furniture and
        # kitchen cabinets and vanities" falls on the known ones and on the rest as named.
        found += [t for t in named_goods(doc, a, b, parts=True) if t.subject not in {f.subject for f in found}]
        if not found:
            # "a duty of fifteen percent ad valorem on solar wafers, cells and modules": goods the
            # gazetteer does not know, listed; each item is a target.
            lm = _GOODS_LIST.match(text, b, s.end)
            b2 = lm.end() if lm else b
            found = [Target(p, None, None, a, b2) for p in _list_items(doc, a, b2)]
        if found:
            imposer = first_subject(doc, s.start, r.start)
            return found, imposer if imposer and imposer.entity and found[0].entity and imposer.entity.kind != "product" and found[0].entity.code == "US" else None
    clause_start = max(s.start, text.rfind(";", s.start, r.start) + 1)
    # "a global tariff of 10%": every trading partner.
    lo = max(s.start, r.start - 60)
    g = _GLOBAL.search(text, lo, r.start) if doc.may_contain(lo, r.start, _GLOBAL_WORDS) else None
    if g:
        return [Target("global", None, None, g.start(), g.end())], None
    # "tariffs on steel and aluminum to 50%": targets between the tariff word and the rate, the
    # nearest first ("tariffs on Chinese goods cut to 30% ... and Chinese duties on American goods
    # lowered to 10%"). A country named right before the tariff word imposes it ("Chinese duties").
    words_on = [tm for tm in _tariff_words(doc, clause_start, r.start) if _ON_WORD.match(text, tm.end(), r.start)]
    if doc.about_tariffs and doc.may_contain(clause_start, r.start, ("rate",)):
        words_on += [rm for rm in _RATE_ON.finditer(text, clause_start, r.start)]
        words_on.sort(key=lambda x: x.start())
    # ("cut its tariff on bourbon from 100% to 50%": the new rate's goods come before the old one.)
    at = r.partner if r.role == "new" and r.partner is not None and r.partner < r.start else r.start
    for tm in reversed(words_on):
        on = _ON_WORD.match(text, tm.end(), r.start)
        a = on.end() if on else tm.end()
        if a > at or re.search(r"\d\s*%|percent", text[a:at], re.I):
            continue
        imposer = _imposer_before(doc, clause_start, tm.start())
        b = noun_phrase(doc, a, at)[1]
        found = targets_in_phrase(doc, a, b, allow_us=imposer is not None) or named_goods(doc, a, b)
        if found:
            return found, imposer
    # "impose on articles of all such trading partners an additional ... 10 percent".
    imposing = doc.may_contain(clause_start, r.start, ("impos",))
    for im in _IMPOSE_ON.finditer(text, clause_start, r.start) if imposing else ():
        a, b = noun_phrase(doc, im.end(), r.start)
        duty = _DUTY_OBJECT.search(text, a, b)  # "impose on X an additional rate of duty of ...": X alone
        b = duty.start() if duty else b
        found = targets_in_phrase(doc, a, b, allow_us=False)
        if found:
            return found, None
    # "identify products from ... Annex III ... to receive a zero percent ... rate".
    m = _TO_RECEIVE.search(text[clause_start:r.start]) if doc.may_contain(clause_start, r.start, _TO_VERBS) else None
    if m:
        a = clause_start + m.start(1)
        b = clause_start + m.end(1)
        cut = text.find("(", a, b)
        found = targets_in_phrase(doc, a, cut if cut > 0 else b, allow_us=False)
        if found:
            return found, None
    # "Imports from Kazakhstan will be subject to a 25% tariff", "all articles ... from the PRC ... shall be ... subject to".
    vm = _last_subject_verb(doc, clause_start, r.start)
    if vm is not None:
        head_start = clause_start
        # Start the subject after a leading "Effective ..., " clause or a comma-led clause.
        last_comma = text.rfind(", ", clause_start, vm.start())
        pre = text[head_start:vm.start()]
        frm = None
        for frm in re.finditer(r"\bfrom\s+", pre):
            pass
        # "Rare earth oxides and gallium from countries with ... will pay": named goods are the
        # target, and where they come from only says which; "Imports from Kazakhstan": the place.
        if frm is not None and not _GENERIC_BEFORE_FROM.search(pre, 0, frm.start()):
            goods = [t for t in targets_in_phrase(doc, head_start, head_start + frm.start(), allow_us=False)
                     if t.entity is not None and t.entity.kind == "product"]
            if goods:
                return goods, None
        if frm is not None:
            a = head_start + frm.end()
            found = targets_in_phrase(doc, a, vm.start(), allow_us=False)
            if found:
                return found, None
        a = last_comma + 2 if last_comma > clause_start else head_start
        colon = text.rfind(": ", a, vm.start())  # "Autos: Japan's carmakers now pay": after a run-in label
        a = colon + 2 if colon >= 0 else a
        found = _goods_named(doc, a, vm.start(), opening=a == s.start or colon >= 0)
        if not found:
            # "Passenger motor vehicles themselves are not covered ... and continue to attract
            # duty of 5%": the noun phrase that opens the clause, before its first verb.
            b = noun_phrase(doc, a, vm.start())[1]
            reflexive = _REFLEXIVE.search(text, a, b)
            found = named_goods(doc, a, reflexive.start() if reflexive else b, opening=a == s.start) if b < vm.start() else []
        if found:
            return found, None
        # "They continue to pay the full UKGT rate of 2.7%": what the sentence before is about.
        if _THEY.fullmatch(text, a, vm.start()) and index > 0:
            found = _previous_subject(doc, index)
            if found:
                return found, None
        # The comma closed an aside ("Derivative products containing ..., such as permanent
        # magnets ..., will face"): the subject is where the clause begins.
        if a != head_start:
            found = targets_in_phrase(doc, head_start, vm.start(), allow_us=False)
            if found:
                return found, None
    # The sentence's own country ("Japan has agreed ..., all while paying a baseline 15% tariff").
    t = first_subject(doc, clause_start, r.start) or first_subject(doc, s.start, r.start)
    if t:
        return [t], None
    topic = topic_of(doc, s)
    if topic is not None:
        return [topic], None
    # Goods named between the duty and its rate ("rate of duty ... (... as Applied to Low-Value
    # Imports), from 90 percent to 120 percent").
    prods = [m for m in doc.mentions_in(clause_start, r.start) if m.entity.kind == "product" and not negated_name(doc, m)]
    if prods:
        e = prods[-1].entity
        return [Target(e.name, e.code, e, prods[-1].start, prods[-1].end)], None
    # "The United States has ... MFN tariff rates ... at 3.3%": the U.S. is what the rate is about.
    ms = doc.mentions_in(s.start, r.start)
    # "U.S. tariffs were raised to 145%": the U.S. imposes; the tariffs fall on the document's country.
    if ms and ms[0].entity.code == "US" and ms[0].start - s.start < 8 and doc.main_country is not None \
            and _TARIFF_AFTER_NAME.match(text, ms[0].end, r.start):
        e = doc.main_country
        return [Target(e.name, e.code, e, r.start, r.end)], None
    if ms and ms[0].entity.code == "US" and ms[0].start - s.start < 8:
        e = ms[0].entity
        return [Target(e.name, e.code, e, ms[0].start, ms[0].end)], None
    # "Does the 10% baseline apply ...?": the baseline is the rate every partner pays.
    if _BASELINE_AFTER.match(text, r.end, s.end):
        return [Target("global", None, None, r.start, r.end)], None
    # "it would face a 25% tariff", "The current 10% reciprocal tariff remains": the topic so far.
    t = carry_over(doc, index)
    if t:
        return [t], None
    if doc.main_country is not None:
        e = doc.main_country
        return [Target(e.name, e.code, e, r.start, r.end)], None
    return [], None


_ON_WORD = re.compile(r"\s+on\s+")
# A clause that names another duty before its "on": ", and the duty on ethanol".
_NEW_DUTY_ON = re.compile(r"[,;]\s*(?:(?:and|or|but|while|whereas)\s+)?(?:(?:the|its|their|a|an)\s+)?(?:[\w-]+\s+)?"
                          r"(?:tariffs?|dut(?:y|ies)|levy|levies|rates?)\s+on\s+$", re.I)
_GOODS_LIST = re.compile(r"(?:(?:,[ \t]*(?:and[ \t]+|or[ \t]+)?|[ \t]+(?:and|or)[ \t]+)[a-z][\w-]*(?:[ \t]+[a-z][\w-]*){0,2}?(?=[,.;]|[ \t]+(?:and|or)\b|$))+")


def _list_items(doc: Doc, a: int, b: int) -> list[str]:
    """Each item of a short list of goods ("solar wafers, cells and modules"), when every item
    reads as goods (named_goods on its own)."""
    out: list[str] = []
    for piece in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", doc.text[a:b]):
        if not piece:
            continue
        start = doc.text.find(piece, a, b)
        got = named_goods(doc, start, start + len(piece))
        if not got or len(got) != 1:
            return []
        out.append(got[0].subject)
    return out if len(out) > 1 else []
_AMOUNT_OF = re.compile(r"(?:(?:about|some|roughly|nearly|over|more\s+than)\s+)?(?:[$€£¥]|[A-Z]{2,3}\$|[A-Z]{3}\s)?\s*\d[\d.,]*\s*"
                        r"(?:bn|billion|million|trillion|mn|m)?\s*(?:[A-Za-z]+\s+)?(?:\([^()]{0,40}\)\s*)?(?:worth\s+)?of\s+", re.I)
_GENERIC_BEFORE_FROM = re.compile(r"\b(?:imports?|goods|products|articles|shipments|merchandise|exports?|originating|"
                                  r"imported|coming|everything|all)\s+$", re.I)
_BASELINE_AFTER = re.compile(r"\s+(?:universal\s+|global\s+)?baseline\b(?!\s+(?:scenario|forecast|case|estimate|projection|year|data))", re.I)
_GAP_ON = re.compile(r"\b(?:and|or)\s+(?:on|for)\s+(?:(?:all\s+)?(?:imports?|goods|products)\s+(?:of|from)\s+)?", re.I)
_EXEMPT_FROM_BEFORE = re.compile(r"\bexempt(?:ed|ions?)?\s+from\s+(?:the\s+|its\s+|their\s+|any\s+)?(?:[\w-]+\s+){0,2}$", re.I)
def _exempt_from(doc: Doc, s: Sentence, r: Rate) -> bool:
    """"Coffee ... will be exempt from the 20% rate": what the sentence names is kept out of the
    rate (but "exempt from the 40% Brazil tariff" names the tariff's own target)."""
    if not _EXEMPT_FROM_BEFORE.search(doc.text, max(s.start, r.start - 40), r.start):
        return False
    after = doc.mentions_in(r.end, min(s.end, r.end + 40))[:1]
    return not (after and after[0].start - r.end <= 2)


_APPLIES_TO = re.compile(r"\s*(?:[\w-]+\s+){0,3}?(?:(?:will|would|shall|also|now|then)\s+)?appl(?:y|ies)\s+to\s+", re.I)
_APPLIED_WORDS = ("appl", "impos", "levied", "charged", "agreed")  # what _APPLIED_TO needs
_TARIFF_AFTER_NAME = re.compile(r"\s+(?:tariffs?|duties|dut(?:y|ies))\b", re.I)


def _last_subject_verb(doc: Doc, lo: int, hi: int) -> "re.Match[str] | None":
    """The last match of _SUBJECT_VERB in ``text[lo:hi]``. Each match holds one of _SUBJECT_WORDS
    near its end: the pattern is tried only in a short window around their occurrences (latest
    first), not at every position of the clause."""
    lowered = doc.lower
    if lowered is None:
        last = None
        for last in _SUBJECT_VERB.finditer(doc.text, lo, hi):
            pass
        return last
    at = []
    for w in _SUBJECT_WORDS:
        p = lowered.find(w, lo, hi)
        while p >= 0:
            if not lowered[p - 1:p].isalpha():  # a word's start ("surface", "oversee" hold none)
                at.append(p)
            p = lowered.find(w, p + 1, hi)
    for p in sorted(at, reverse=True):
        found = None
        for m in _SUBJECT_VERB.finditer(doc.text, max(lo, p - 110), min(hi, p + 16)):
            if m.start() <= p < m.end():
                found = m
        if found is not None:
            return found
    return None


_REFLEXIVE = re.compile(r"\s+(?:themselves|itself)\b", re.I)
_THEY = re.compile(r"\s*(?:they|these|those|such\s+goods|these\s+goods)(?:\s+(?:continue|still|also|now|will|would|must))*\s*", re.I)


def _goods_named(doc: Doc, a: int, b: int, opening: bool = False) -> list[Target]:
    """The targets a subject phrase names: the known ones and the goods named beside them
    ("Textiles and footwear": footwear too), else goods the gazetteer does not know."""
    found = targets_in_phrase(doc, a, b, allow_us=False)
    if found and any(t.entity is not None and t.entity.kind == "product" for t in found):
        known = {t.subject for t in found}
        found += [t for t in named_goods(doc, a, b, parts=True, opening=opening) if t.subject not in known]
    return found or named_goods(doc, a, b, opening=opening)


def _previous_subject(doc: Doc, index: int) -> list[Target]:
    """The targets the subject of the sentence before names ("Finished battery packs are not
    exempt. They continue to pay ...")."""
    from .shares import sentence_subject  # local: shares imports this module
    prev = doc.sentences[index - 1]
    subject = sentence_subject(doc, prev.start, prev.end)
    at = doc.text.find(subject, prev.start, prev.end) if subject else -1
    return _goods_named(doc, at, at + len(subject), opening=at == prev.start) if at >= 0 else []


def _imposer_before(doc: Doc, lo: int, at: int) -> Target | None:
    """The country or bloc named right before a tariff word ("Chinese duties", "Canada's
    tariffs", "EU tariffs"), other than the United States."""
    ms = doc.mentions_in(lo, at)
    if not ms:
        return None
    m = ms[-1]
    gap = doc.text[m.end:at]
    if m.entity.kind == "product" or m.entity.code == "US" or not re.fullmatch(r"(?:'s)?\s+(?:[\w-]+\s+)?", gap):
        return None
    return Target(m.entity.name, m.entity.code, m.entity, m.start, m.end)


def _fact(doc: Doc, s: Sentence, start: int, end: int, target: Target, value, rule: str,
          details: dict, qualifier: str) -> Fact:
    return Fact(kind="tariff", subject=target.subject, value=value, unit="percent",
                text=doc.raw[start:end], start=start, end=end, sentence=doc.sentence_text(s),
                rule=rule, qualifier=qualifier, subject_code=target.code, details=details)


def _effective(doc: Doc, s: Sentence) -> str | None:
    from .deadlines import deadline_dates  # local: deadlines imports this module's words
    found = doc.memo(("effective", s.start), lambda: deadline_dates(doc, s))
    return found[0] if found else None


_ZERO = re.compile(r"\b(?:zero|0)\s+(?=(?:[\w-]+\s+){0,2}?(?:tariffs?|dut(?:y|ies))\b)", re.I)
_TO_NIL = re.compile(r"\bto\s+(nil|zero)\b(?![\w-]|\s*(?:%|percent|per\s*cent|pct))", re.I)
_GLOBAL = re.compile(r"\b(?:global|universal|worldwide|across-the-board|blanket)\s+(?:[\w-]+\s+)?(?:tariffs?|dut(?:y|ies))\s*(?:of|at)?\s*$", re.I)


def _rates(doc: Doc, index: int, gates: dict[str, set[int]]) -> list[Rate]:
    """Percentages, plus "a zero reciprocal tariff rate" (a rate written without a unit)."""
    s = doc.sentences[index]
    rates = list(doc.rates(index))
    for m in _ZERO.finditer(doc.text, s.start, s.end) if index in gates["zero"] else ():
        if not any(r.start <= m.start() < r.end for r in rates):
            rates.append(Rate(m.start(), m.end() - 1, 0))
    # "has been reduced to nil", "will cut its tariff on US beef to zero": a rate of zero.
    for m in _TO_NIL.finditer(doc.text, s.start, s.end) if index in gates["nil"] else ():
        if not any(r.start <= m.start(1) < r.end for r in rates):
            rates.append(Rate(m.start(1), m.end(1), 0))
    rates.sort(key=lambda r: r.start)
    return rates


# Pre-filters: the literal core of each sentence rule, which re finds in one fast pass over the
# whole text (see folding.py). A rule runs only on the sentences where its pre-filter matched, so
# each must be a necessary condition for its rule's pattern. (These patterns serve a text that
# has no lower-cased copy; see _gate_spans.)
_GATES: dict[str, "Prefilter | re.Pattern[str]"] = {
    "zero": Prefilter.any_of(*(w + r"\s+(?:[\w-]+\s+){0,2}?(?:tariff|dut)" for w in ("zero", "0"))),  # _ZERO
    "on": Prefilter.any_of(*(w + r"\s+(?:imposed\s+|to\s+be\s+imposed\s+)?on\s"
                            for w in ("tariffs?", "duties", "duty", "levies", "surcharges?"))),  # _NULL_ON
    "named": Prefilter.any_of(*(n + r"\s+(?:tariffs?|duties)" for n in ("232", "301", "201", "122"))),  # _NULL_NAMED
    "title": re.compile(r"Imposing\s"),  # _IMPOSING_TITLE
    "subject_the": Prefilter.any_of(*(w + r"\s+be\s+subject\s+to\s+the\s+(?:tariffs?|duties)"
                                     for w in ("will", "shall"))),  # _WILL_BE_SUBJECT_THE
    "for_group": Prefilter.any_of(r"for\s+(?:(?:all|other|those|the)\s+)?"
                                  r"(?:countries|nations|trading|partners|economies|jurisdictions)"),  # _FOR_GROUP
    "include": Prefilter.any_of(r"include"),  # _INCLUDE_LIST
    "nil": Prefilter.any_of(r"to\s+nil", r"to\s+zero"),  # _TO_NIL
}


# Pre-filters the document's word index answers without a pass of their own: the token (a
# tariff word; for "named" a number) that the rule's pattern starts with, then the rest of the
# pre-filter matched right there. "zero" is the token "zero" or a lone "0" before a space. (The
# numbers both look at are followed by a space: the index lists those apart.)
_ON_WORDS = frozenset({"tariff", "tariffs", "duties", "duty", "levies", "surcharge", "surcharges"})
_ON_REST = re.compile(r"\s+(?:imposed\s+|to\s+be\s+imposed\s+)?on\s")
_NAMED_NUMBERS = ("232", "301", "201", "122")
_NAMED_REST = re.compile(r"\s+(?:tariffs?|duties)")
# The other pre-filters are answered by a word that each match holds (a looser condition, found
# by str.find, which skips through the text far faster than re searches for a pattern): in the
# text as written for "title" (its pattern keeps the case), else in the lower-cased text. In
# those of _AFTER_SPACE the word follows a space ("until" holds no "to nil").
_GATE_LITERALS = {"title": ("Imposing",), "subject_the": ("subject",), "include": ("include",),
                  "nil": ("nil", "zero")}
_AFTER_SPACE = frozenset({"subject_the", "nil"})


def _gate_spans(doc: Doc, name: str) -> list[tuple[int, int]] | None:
    """Where the pre-filter ``name`` (or a looser condition) matches, without a pass of re over
    the text (None: not answered so)."""
    words, lowered, text = doc.words, doc.lower, doc.text
    if words is None or lowered is None or name == "for_group":
        return None
    spans: list[tuple[int, int]] = []
    if name in _GATE_LITERALS:
        within = text if name == "title" else lowered
        for literal in _GATE_LITERALS[name]:
            p = within.find(literal)
            while p >= 0:
                if name not in _AFTER_SPACE or within[p - 1:p].isspace():
                    spans.append((p, p + len(literal)))
                p = within.find(literal, p + 1)
    elif name == "zero":
        spans = [(p, p + 4) for p in words.by_word.get("zero", ())]
        spans += [(p, p + 2) for p in words.spaced_digits if text.startswith("0", p) and text[p + 1:p + 2].isspace()]
    elif name == "on":
        for word in _ON_WORDS & words.by_word.keys():
            for p in words.by_word[word]:
                m = _ON_REST.match(lowered, p + len(word))
                if m:
                    spans.append((p, m.end()))
    else:
        for p in words.spaced_digits:
            if text.startswith(_NAMED_NUMBERS, p):
                m = _NAMED_REST.match(lowered, p + 3)
                if m:
                    spans.append((p, m.end()))
    return sorted(spans)


def _gate(doc: Doc, name: str, rx: "Prefilter | re.Pattern[str]", spans: list[tuple[int, int]] | None) -> set[int]:
    """Indices of the sentences that pass the pre-filter ``name`` (``spans``: its matches)."""
    if spans is None:
        return set(doc.indices_matching(rx))
    found = set()
    for a, b in spans:
        i = doc.sentence_at(a)
        if i >= 0 and b <= doc.sentences[i].end:
            found.add(i)
    return found


def _followers_count(rates: list[Rate], leader: Rate) -> int:
    """How many "up from ..." rates follow ``leader`` (before the next other rate)."""
    n = 0
    for x in rates:
        if x.start <= leader.start:
            continue
        if not x.follows:
            break
        n += 1
    return n


class _Cues:
    """Basis and status of one sentence, worked out once and only when a fact needs them."""

    def __init__(self, doc: Doc, s: Sentence):
        self._doc = doc
        self._span = (doc, s.start, s.end)
        self._basis: str | None | bool = False
        self._status: str | None | bool = False
        self._bases: list[tuple[CasePattern, str]] | None = None

    @property
    def basis(self) -> str | None:
        if self._basis is False:
            self._basis = _basis(*self._span)
        return self._basis  # type: ignore[return-value]

    @property
    def status(self) -> str | None:
        if self._status is False:
            self._status = _status(*self._span)
        return self._status  # type: ignore[return-value]

    def basis_near(self, start: int, end: int) -> str | None:
        """The basis named in ``text[start:end]`` (part of the sentence): only the cues whose
        literals the sentence holds are tried (a part cannot hold what the whole lacks)."""
        if self._bases is None:
            doc, a, b = self._span
            self._bases = [(rx, name) for rx, name in _BASES
                           if rx.hints is None or doc.may_contain(a, b, rx.hints)]
        return _first_cue(self._bases, self._doc, start, end)


def tariff_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    spans = {name: _gate_spans(doc, name) for name in _GATES}
    gates = {name: _gate(doc, name, rx, spans[name]) for name, rx in _GATES.items()}
    # _NULL_ON starts where its pre-filter does: it is tried only there when those are known.
    on_starts = [a for a, _ in spans["on"]] if spans["on"] is not None else None
    # Only sentences with a rate or with a pre-filter match can yield a tariff.
    for index in sorted(set(doc.rate_indices()).union(*gates.values())):
        s = doc.sentences[index]
        rates = _rates(doc, index, gates)
        cues = _Cues(doc, s)
        exempting = doc.may_contain(s.start, s.end, ("exempt",))  # what _exempt_from needs
        rated_targets: set[str] = set()
        resolved: dict[int, list[Target]] = {}  # rate start -> its targets (for previous rates)
        leader: Rate | None = None  # the last rate that is not "up from ..." (what those follow)
        followers: list[Rate] = []
        for r in rates:
            if not r.follows:
                leader, followers = r, []
            else:
                followers.append(r)
            parens = _parens_entity(doc, s, r) is not None
            if s.is_table_row and not parens:
                ok = table_rate_is_duty(doc, s, index, r) and not _SHARE_AFTER.match(text, r.end)
            elif parens:
                ok = _context_has_tariff(doc, s, index) and not _SHARE_AFTER.match(text, r.end)
            else:
                ok = is_tariff_rate(doc, s, r)
                if r.role == "previous":
                    ok = ok or any(x.role == "new" and x.previous == r.value and is_tariff_rate(doc, s, x) for x in rates)
                elif r.role == "new":
                    ok = ok or any(x.role == "previous" and r.previous == x.value and is_tariff_rate(doc, s, x) for x in rates)
                if r.follows and leader is not None and leader is not r:
                    ok = ok or leader.start in resolved
            if not ok:
                continue
            partner = next((x for x in rates if x.start == r.partner), None) if r.partner is not None else None
            if r.follows and leader is not None and leader.start in resolved:
                # "a 15% tariff, down from the 30% and 25% rates": the earlier rates of the same
                # targets, paired in order when there are as many of each.
                lead_targets = resolved[leader.start]
                n = len(followers)
                targets, imposer = ([lead_targets[n - 1]] if n <= len(lead_targets) and len(lead_targets) > 1
                                    and _followers_count(rates, leader) == len(lead_targets) else lead_targets), None
            elif r.role == "previous" and partner is not None and partner.start in resolved:
                # "to 30% from 145%": the old rate falls on what the new one does.
                targets, imposer = resolved[partner.start], None
            elif r.role == "previous" and partner is not None and partner.start > r.start:
                targets, imposer = _resolve(doc, s, index, partner)
            else:
                targets, imposer = _resolve(doc, s, index, r)
            if exempting and _exempt_from(doc, s, r):
                targets = []
            resolved[r.start] = targets
            if targets and r.role != "previous":
                record_target(doc, index, targets[0])
            if not targets:
                continue
            # Amendments: the deleted rate is the previous one, the inserted one is current.
            role = r.role
            if r.quoted and re.search(r"\bdeleting\b[^.]{0,12}$", text[max(s.start, r.start - 30):r.start], re.I):
                role = "previous"
            basis = cues.basis_near(max(s.start, r.start - 80), min(s.end, r.end + 60)) or cues.basis
            details: dict = {"status": "previous" if role == "previous" else cues.status, "basis": basis}
            if r.low is not None:
                details.update(low=r.low, high=r.high)
            if r.previous is not None:
                details["previous"] = r.previous
            if r.qualifier:
                details["modifier"] = r.qualifier
            if r.points:
                details["unit_detail"] = "percentage points"
            if imposer is not None:
                details["imposer"] = imposer.subject
            eff = _effective(doc, s)
            if eff:
                details["effective"] = eff
            qual_parts = [basis or ""]
            if imposer is not None:
                qual_parts.append("by " + imposer.subject.lower())
            if role in ("previous", "range-low", "range-high"):
                qual_parts.append(role)
            if r.points:
                qual_parts.append("points")
            details = {k: v for k, v in details.items() if v is not None}
            for t in targets:
                rated_targets.add(t.subject)
                facts.append(_fact(doc, s, r.start, r.end, t, r.value, "tariff.rate", details,
                                   "|".join(p for p in qual_parts if p)))
        facts.extend(_null_tariffs(doc, s, index, rated_targets, cues, gates, on_starts))
    # A tariff named without a rate adds nothing when the document gives that target a rate.
    rated = {f.subject for f in facts if f.value is not None}
    return [f for f in facts if f.value is not None or f.subject not in rated]


def _null_tariffs(doc: Doc, s: Sentence, index: int, rated: set[str], cues: _Cues,
                  gates: dict[str, set[int]], on_starts: list[int] | None) -> list[Fact]:
    """Tariffs named without a rate: "duties on all goods imported from Kazakhstan",
    "auto 232 tariffs", "Imposing Duties To Address ... the People's Republic of China"."""
    text = doc.text
    out: list[Fact] = []
    seen = set(rated)

    def add(t: Target, start: int, end: int, rule: str) -> None:
        if t.subject in seen or t.code == "US":
            return
        seen.add(t.subject)
        details = {k: v for k, v in {"status": cues.status, "basis": cues.basis}.items() if v}
        out.append(_fact(doc, s, start, end, t, None, rule, details, cues.basis or ""))

    null_on = (() if index not in gates["on"] else _NULL_ON.finditer(text, s.start, s.end) if on_starts is None
               else matches_at(_NULL_ON, text, on_starts, s.start, s.end))
    for m in null_on:
        lo = max(s.start, m.start() - 40)
        if doc.may_contain(lo, m.start(), _NEGATION_WORDS) and _NEGATED.search(text, lo, m.start()):
            continue
        # A rate right next to the tariff word belongs to the rated rule.
        if doc.may_contain(lo, m.start(), ("%", "percent")) and _RATE_NEAR.search(text[lo:m.start()]):
            continue
        a, b = noun_phrase(doc, m.end(), s.end)
        found = targets_in_phrase(doc, a, b, allow_us=False, groups_only=True)
        if not found:
            # "tariffs on imports from 14 countries, including Kazakhstan".
            inc = re.match(r"\s*,\s*including\s+", text[b:s.end])
            if inc:
                c = b + inc.end()
                found = [t for t in targets_in_phrase(doc, c, noun_phrase(doc, c, s.end)[1], allow_us=False,
                                                     allow_phrase=False)]
        for t in found:
            add(t, m.start(), b, "tariff.named_on")
    for m in _NULL_NAMED.finditer(text, s.start, s.end) if index in gates["named"] else ():
        for mention in doc.mentions_in(m.start(1), m.end(1)):
            e = mention.entity
            add(Target(e.name, e.code, e, mention.start, mention.end), m.start(), m.end(), "tariff.named_basis")
    for m in _IMPOSING_TITLE.finditer(text, s.start, s.end) if index in gates["title"] else ():
        for mention in doc.mentions_in(m.start(1), m.end(1)):
            e = mention.entity
            if e.kind != "product":
                add(Target(e.name, e.code, e, mention.start, mention.end), m.start(), m.end(1), "tariff.named_title")
                break
    m = _WILL_BE_SUBJECT_THE.match(text, s.start, s.end) if index in gates["subject_the"] else None
    if m and GROUP_HEAD.match(m.group(1)) and not doc.rates(index):
        t = Target(m.group(1).strip().lower(), None, None, m.start(1), m.end(1))
        add(t, m.start(), m.end(), "tariff.subject_to")
    # "for countries with ... deficits, he announced higher additional tariffs individualized ..."
    fm = _FOR_GROUP.search(text[s.start:s.end]) if index in gates["for_group"] else None
    if fm:
        a = s.start + fm.start(1)
        add(Target(re.sub(r"\s+", " ", fm.group(1)).lower(), None, None, a, a + len(fm.group(1))), a,
            s.start + fm.end(), "tariff.for_group")
    # List under a context sentence: "... now subject to reciprocal tariffs. These goods include A, B and C."
    lm = _INCLUDE_LIST.search(text, s.start, s.end) if index in gates["include"] else None
    if lm and index > 0:
        prev = doc.sentences[index - 1]
        nm = _NOW_SUBJECT.search(text, prev.start, prev.end) if prev.block == s.block else None
        if nm is not None and not _NEGATION_BEFORE.search(text, max(prev.start, nm.start() - 30), nm.start()):
            for mention in doc.mentions_in(lm.start(1), lm.end(1)):
                if mention.entity.kind == "product":
                    e = mention.entity
                    add(Target(e.name, e.code, e, mention.start, mention.end), mention.start, mention.end,
                        "tariff.listed")
    return out
