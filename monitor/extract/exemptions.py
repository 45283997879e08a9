"""Exemptions: what is kept out of a tariff ("will be exempt from tariffs, such as uranium, iron
alloys, silver, and oil"; "... and copper scrap are not subject to 232 or reciprocal tariffs";
"were left off the EU list ..., as were pharmaceuticals"; "were added to the list of goods exempt
from ..."; "shall not apply to: (i) ...; (ii) ...")."""
from __future__ import annotations

import re
from typing import Iterator

from ..fact import Fact
from .context import Doc, clean_phrase
from .folding import CasePattern, Prefilter
from .gazetteer import lexicon
from .sentences import Sentence


def _words(key: str) -> str:
    """A lexicon list as an alternation (longest first; a space matches any whitespace)."""
    return "|".join(sorted((w.replace(" ", r"\s+") for w in lexicon()[key]), key=len, reverse=True))


__all__ = ["exemption_facts"]

_EXEMPT_LIST = CasePattern.compile(
    r"\b(?:exempt(?:ed)?|excluded|exclusions?)\s+from\s+(?:[\w-]+\s+){0,3}?(?:tariffs?|duties|duty)\b[^.;]{0,40}?"
    r"(?:,\s*)?(?:such\s+as|including|namely|:)\s+(?P<list>[^.;]+)")
_NOT_SUBJECT = CasePattern.compile(
    r"\s+(?:are|is|will|shall|would|do|does)\s+(?:not|no\s+longer)\s+(?:be\s+subject\s+to|subject\s+to|face|pay)\s+"
    r"(?:[\w%-]+\s+){0,5}?(?:tariffs?|duties|levy|levies|surcharges?)")
# "X, Y and Z will be exempt from tariffs", "pharmaceuticals, which ..., are exempt for now": the
# word (found first: re skips to its letters), then the verb before it.
_EXEMPT_WORD = CasePattern.compile(r"(?:exempt(?:ed)?|excluded|spared)\b(?!\s+from\s+(?:the\s+)?(?:requirement|obligation))")
_BE_BEFORE = re.compile(r"\s+(?:are|is|was|were|will|shall|would|remain|remains|have|has)\s+(?:(?:"
                        + _words("exemption_adverbs") + r")\s+){0,3}$", re.I)
# "spared nearly 700 products, including orange juice, ...", "shall not apply to articles ...".
_VERB_LIST = CasePattern.compile(
    r"\b(?:spared|spares|exempts|exempted|excludes|excluded)\s+(?!from\b)[^.;]{0,60}?,?\s*(?:including|such\s+as|namely)\s+(?P<list>[^.;]+)")
_NOT_APPLY = CasePattern.compile(r"\b(?:shall|will|does|do|would)\s+not\s+apply\s+to\s+(?P<applies>(?:[^.;]|\.(?=\S|\s+[\d(a-z]))+)")
# Where a list before "are exempt" begins: the clause start, or after a conjunction that opens one.
# ("and that generic pharmaceuticals will not be subject": what stands before "that" is another clause.)
_CLAUSE_OPEN = re.compile(r"(?:;|:(?=\s)|\b(?:" + _words("exemption_clause_openers") + r")\s)", re.I)
# A relative clause or an aside about size (", covering 36 drugs,") says what an item is.
_RELATIVE = re.compile(r",\s*(?:which|that|who|" + _words("exemption_size_asides") + r")\b[^,]*,?", re.I)
# Words that end a list: an attribution ("..., a White House official said"), a time.
_ATTRIBUTION = re.compile(r",\s*(?:[\w.'-]+\s+){0,5}?(?:said|says|according|told|reported)\b.*$", re.I)
# "Aircraft and aircraft parts were left off the EU list ..., as were pharmaceuticals": a list a
# tariff falls on (not an exemption list: "removed from the list of exempt goods" is the opposite).
_OFF_LIST = CasePattern.compile(
    r"\s+(?:are|is|were|was|will\s+be|would\s+be|have\s+been|has\s+been)\s+(?:also\s+)?(?:" + _words("exemption_off_list_verbs")
    + r")\s+(?:the\s+|its\s+|their\s+)?(?![\w-]*\s*(?:exempt|exclu|exception))(?:[\w.'-]+\s+){0,3}?(?:lists?|schedules?|annex(?:es)?)\b"
      r"(?!\s+of\s+(?:[\w-]+\s+){0,2}?(?:exempt|exclu|exception))")
_AS_WERE = re.compile(r",?\s+as\s+(?:were|was|are|is|will\s+be)\s+(?P<list>[^.;]+)", re.I)
# "Beef and coffee were added to the list of goods exempt from the 40% Brazil tariff; orange juice
# was already on it."
_ON_LIST = CasePattern.compile(
    r"\s+(?:are|is|were|was|will\s+be|would\s+be|have\s+been|has\s+been)\s+(?:also\s+)?(?:" + _words("exemption_on_list_verbs")
    + r")\s+(?:the\s+|its\s+|their\s+)?(?:(?:[\w.'-]+\s+){0,2}?(?:lists?|schedules?|annex(?:es)?)\s+of\s+(?:[\w-]+\s+){0,3}?"
      r"(?:exempt\w*|excluded|exclusions?|exceptions?)|(?:exemption|exclusion|exception)s?\s+(?:lists?|schedules?))\b")
_ALREADY_ON = re.compile(r"\s+(?:was|were|is|are)\s+already\s+(?:on|in)\s+(?:it|the\s+list|that\s+list)\b", re.I)
# "The order includes exemptions for pharmaceuticals and energy", "the order exempts lumber and
# copper from the new duties"; not after a word that undoes or only asks for it (_NEGATED).
_FOR_LIST = CasePattern.compile(r"\b(?:exemptions?|exclusions?|carve-?outs?)\s+(?:for|on)\s+(?P<list>[^.;]+)")
# (With "including" or "such as" after it, _VERB_LIST reads the examples instead.)
# "the decision to exempt car seats and cribs from the proposed action", "Egypt exempted slabs
# ... from the increase": the verb's object, when "from" follows it ("were exempted from" is no verb
# with an object).
# ("The orders exempted articles subject to ...": after a noun, and with a noun after it, "exempted"
# is a verb with an object too; "goods exempted under the order" is a participle.)
_OBJECT_LIST = CasePattern.compile(r"\b(?:exempts|exempting|spares|sparing|to\s+exempt|exempted(?:(?=\s+(?!from\b)[^.;]{1,120}?\sfrom\s)"
                                   r"|(?<=[a-z]s\sexempted)(?=\s+(?:the\s+|all\s+|certain\s+)?[a-z]+s\b(?!\s+(?:from|under|by|in|on|for|at|to|as)\b))))\s+(?!from\b)(?![^.;]*\b(?:including|such\s+as|namely)\b)(?P<list>[^.;]+)")
_NEGATED = re.compile(r"\b(?:" + _words("exemption_negators") + r")\b(?:\s+[\w-]+){0,3}\s*$", re.I)
_FROM = re.compile(r"\s+from\s")
_OFF_WORDS = tuple(w.split()[0] + " " for w in lexicon()["exemption_off_list_verbs"])
_OPENER = re.compile(r"(?:" + _words("exemption_openers") + r")\s*,\s*", re.I)


def _second_words(phrases: list[str]) -> list[str]:
    """Two-word phrases as one pattern per first word ("left off", "left out of" -> "left\\s+(?:off|out)")."""
    seconds: dict[str, list[str]] = {}
    for p in phrases:
        first, second = p.split()[:2]
        if second not in seconds.setdefault(first, []):
            seconds[first].append(second)
    return [first + r"\s+(?:" + "|".join(words) + ")" for first, words in seconds.items()]


# Pre-filter: the patterns need one. (Each part is a pass over the text: parts that start with
# the same letters are one part, which cannot hide a match since they never match at one place.)
_ANCHOR = Prefilter.any_of("ex(?:empt|clu)", r"subject\s+to", "spare", r"not\s+(?:apply|face|pay)", "carve", r"remove",
                           r"from\s+the\s+scope", *_second_words(lexicon()["exemption_off_list_verbs"]))
_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,|;|\band\b|\bor\b)\s*")
_PAREN = re.compile(r"\([^()]*\)")
# "Proclamation 10896 (steel)": a bracket after a cited instrument names what it covers.
_CITED = re.compile(r"\b(?:proclamation|order|section|no\.?)\s*[\d.]+\s*$", re.I)
# "countries of the European Economic Area - Iceland, Liechtenstein and Norway -": an aside.
_DASH_ASIDE = re.compile(r"\s-{1,2}\s[^()]*?\s-{1,2}(?=[\s,]|$)")
# "... before 10 February 2026 and imported between ...": a participle and a preposition continue
# the item before; they do not start a new one.
_CONTINUATION = re.compile(r"[a-z][\w-]*ed\s+(?:" + _words("exemption_continuations") + r")\b")
_OPENER_WORD = re.compile(r"(?:" + _words("exemption_openers") + r")", re.I)
_PREPOSITION = re.compile(r"\s(?:of|for|from|with|in|on|by|under|against)\s", re.I)
_SHORT_TAIL = re.compile(r"\s*[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s*")
_OR_LESS = re.compile(r"\bor\s+(?:less|more|fewer|greater|higher|lower|above|below)\b", re.I)
_EXAMPLES = re.compile(r"\s+(?:such\s+as|as\s+well\s+as)\s", re.I)
# "does not apply to that portion": a word that points back names no goods.
_ANAPHOR = re.compile(r"(?:that|this|these|those|it|them|such)\b", re.I)
_ENUM_MARK = re.compile(r"^(?:\((?:\d{1,3}|[ivxlc]{1,5}|[a-z])\)|[•*+-])\s*", re.I)


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def _items(doc: Doc, start: int, end: int) -> list[tuple[str, int, int]]:
    segment = doc.text[start:end]
    # Parenthesised examples ("(such as copper ores, ...)") describe the item before them, and a
    # relative clause (", which account for 60% of exports,") what it is.
    masked = _PAREN.sub(lambda m: m.group(0) if _CITED.search(segment, max(0, m.start() - 30), m.start())
                        else _blank(m), segment)
    masked = _RELATIVE.sub(_blank, masked)
    if " -" in masked:
        masked = _DASH_ASIDE.sub(_blank, masked)
    # A date is one item at most, and "between 10 February 2026 and 9 March 2026" one phrase.
    dates = [(d.start - start, d.end - start) for d in doc.dates_in(start, end) if d.end <= end]
    for (a0, b0), (a1, b1) in zip(dates, dates[1:]):
        if re.fullmatch(r"\s+and\s+", masked[b0:a1]) and re.search(r"\bbetween\s+$", masked[max(0, a0 - 10):a0], re.I):
            masked = masked[:b0] + " " * (a1 - b0) + masked[a1:]
    # "valued at $800 or less" is one item; "X such as Y and Z", "X, as well as Y": Y and Z are items too.
    masked = _OR_LESS.sub(lambda m: m.group(0).upper(), masked)
    masked = _EXAMPLES.sub(lambda m: "," + " " * (len(m.group(0)) - 1), masked)
    pieces: list[tuple[int, int, bool]] = []  # (start, end, whether a bare "and"/"or" follows)
    pos = 0
    for m in _SPLIT.finditer(masked):
        pieces.append((pos, m.start(), m.group(0).strip() in ("and", "or")))
        pos = m.end()
    pieces.append((pos, len(masked), False))
    parts: list[tuple[int, int, bool]] = []
    for piece in pieces:
        # "medicines for cancer and rare diseases": a bare "and" inside a phrase's complement joins
        # two complements, not two items.
        if parts and parts[-1][2] and _PREPOSITION.search(masked, parts[-1][0], parts[-1][1]) \
                and _SHORT_TAIL.fullmatch(masked, piece[0], piece[1]):
            parts[-1] = (parts[-1][0], piece[1], piece[2])
        else:
            parts.append(piece)
    out = []
    for idx, stop, _ in parts:
        part = masked[idx:stop]
        name = clean_phrase(part)
        name = _ENUM_MARK.sub("", name)
        if _ANAPHOR.match(name) or _ANAPHOR.match(part.strip()):
            continue
        name = re.sub(r"^(?:to\s+(?:the\s+)?|(?:while|whereas|although|but|including|such\s+as|namely|neither|nor)\s+)", "", name, flags=re.I)
        name = clean_phrase(name)
        if not name or len(name) > 120 or not re.search(r"[a-z]", name) \
                or re.fullmatch(r"as\s+amended|et\s+seq|respectively|for\s+now", name, re.I) \
                or _OPENER_WORD.fullmatch(name) or _CONTINUATION.match(name) or _ANAPHOR.match(name):
            continue
        a = start + idx + part.find(name.split()[0]) if name.split() else start + idx
        if name.count("(") > name.count(")") and doc.text.startswith(")", a + len(name)):
            name += ")"  # "Proclamation 10895 (aluminum)" keeps the bracket it opened
        if any(d0 <= a - start and a - start + len(name) <= d1 for d0, d1 in dates):
            continue  # a date, not goods
        out.append((name.lower(), a, a + len(name)))
    return out


_SHARE = re.compile(r"\d\s*(?:%|percent\b|per\s+cent\b)", re.I)
_NOT_GOODS_HEAD = r"\s*(?:it|they|we|he|she|these|those|this|that|companies|firms|the\s+company|meaning|what|which|who|" \
                  r"anything|nothing|something|everything|(?:the\s+)?following)\b"
# The object of "the orders exempted ...": no pronoun ("articles subject to duties under section
# 232" is what an order exempts, not a non-stacking rule).
_NOT_OBJECT_HEAD = re.compile(_NOT_GOODS_HEAD, re.I)
# "Exclusions for solar wafer equipment expired on May 31": relief that has ended.
_ENDED = re.compile(r"\b(?:expired|lapsed|ended|(?:was|were)\s+not\s+(?:renewed|extended))\b", re.I)
_ENDED_WORDS = ("expired", "lapsed", "ended", "renewed", "extended")  # one of which _ENDED needs
_NOT_LIST_HEAD = re.compile(_NOT_GOODS_HEAD +
                            # "Articles subject to the duties under heading X are not subject to ...": a
                            # non-stacking rule (goods move from one duty to another), not an exemption.
                            r"|[^.;]*\bsubject\s+to\b", re.I)
# "The following are not subject to the duties: (1) ...; (2) ...": the list follows the colon.
_FOLLOWING = re.compile(r"\s*(?:the\s+)?following\b", re.I)
_AFTER_COLON = re.compile(r"[^.;:]{0,80}:\s+(?P<list>.+)", re.S)


def _names_following(text: str, start: int, end: int) -> bool:
    """Whether the words before "are exempt" point ahead to a list ("The following are", "For the
    period of the suspension, the following inputs are"): its last comma-clause opens with
    "(the) following"."""
    return _FOLLOWING.match(text, max(start, text.rfind(",", start, end) + 1), end) is not None


def _list_end(text: str, start: int, end: int) -> int:
    """The end of a list, before an attribution that closes the sentence."""
    m = _ATTRIBUTION.search(text, start, end)
    return m.start() if m else end


def _clause_start(text: str, start: int, end: int) -> int:
    """Where the clause that ends at ``end`` begins: after the last clause opener, else ``start``."""
    a = start
    for c in _CLAUSE_OPEN.finditer(text, start, end):
        a = c.end()
    m = _OPENER.match(text, a, end)  # "However, derivative articles ... are not subject"
    return m.end() if m else a


# "The duties ... shall not apply to:" followed by "(i) ...; (ii) ...; and (iii) ...".
_ENUM_INTRO = re.compile(
    r"(?:\bnot\s+apply\s+to|\b(?:are|is|be|remain)\s+(?:also\s+)?(?:exempt(?:ed)?|excluded)(?:\s+from\s+[^.:;]{0,80})?"
    r"|\bnot\s+(?:be\s+)?subject\s+to\s+[^.:;]{0,80})\s*:$", re.I)
# A bill's "no duty described in subsection (a) or (b) shall apply to--" (a dash, as bills end
# such an intro) says the same.
_DASH_INTRO_END = ("to-", "to--", "to\u2014")
_NO_DUTY_APPLIES = re.compile(r"\bno\s+(?:[\w-]+\s+){0,2}?(?:duty|duties|tariffs?)\b[^.:;]{0,80}?\s(?:shall|will|may)\s+apply\s+to"
                              r"\s*(?::|-{1,2}|\u2014)$", re.I)


def _enumerated(doc: Doc, s: Sentence) -> list[tuple[int, int, str]]:
    """The items of the list a sentence ending in "shall not apply to:" introduces: the list items
    that follow it (the first sentence of each)."""
    spans: list[tuple[int, int, str]] = []
    blocks = set()
    i = doc.sentence_at(s.start) + 1
    while 0 < i < len(doc.sentences) and (doc.sentences[i].intro is s or doc.sentences[i].is_item) and len(blocks) < 40:
        item = doc.sentences[i]
        if item.block not in blocks:
            blocks.add(item.block)
            spans.append((item.start, _list_end(doc.text, item.start, item.end), "exemption.listed"))
        i += 1
    return spans


def _after_colon(text: str, start: int, end: int, rule: str) -> list[tuple[int, int, str]]:
    """"The following are not subject to the duties: (1) ...; (2) ...": the list after the colon."""
    m = _AFTER_COLON.match(text, start, end)
    return [(m.start("list"), _list_end(text, m.start("list"), m.end("list")), rule)] if m else []


# "X will be exempt, the notice said, as will vintage cars"; "are excluded, as are recycled scrap
# inputs"; "Generics are not covered, and neither are over-the-counter medicines".
_ALSO = re.compile(r"(?:\s+(?:from|for|under)\s+[^,.;]{1,60}?)?(?:,\s*(?:[\w.'-]+\s+){0,4}?(?:said|says)\s*)?(?:,\s*(?:and\s+)?|\s+and\s+)"
                   r"(?:as|neither|nor|so)\s+(?:are|is|were|was|will|would|do|does|did)\s+(?P<list>[^.;]+)", re.I)


def _also(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    m = _ALSO.match(text, start, end)
    return [(m.start("list"), _list_end(text, m.start("list"), m.end("list")), "exemption.also")] if m else []


# "remove Australian beef from the scope of its reciprocal tariffs"; "proposes to exclude from the
# action unwrought nickel ..."; "12 of our compressor SKUs ... received a product exclusion".
_FROM_SCOPE = CasePattern.compile(r"\b(?:remove[sd]?|removing|exclude[sd]?|excluding|exempt(?:s|ed|ing)?)\s+(?P<list>(?!from\b)[^.;]{2,120}?)\s+from\s+"
                         r"(?:the\s+|its\s+|their\s+)?(?:scope|coverage|reach)\b")
_EXCLUDE_FROM = CasePattern.compile(r"\b(?:exclude[sd]?|excluding|exempt(?:s|ed|ing)?|remove[sd]?|removing)\s+from\s+(?:the\s+|its\s+|their\s+|this\s+)?"
                           r"(?:[\w-]+\s+){0,2}?(?:action|tariffs?|duties|duty|measures?|scope|list)\s+(?P<list>[^.;]+?)"
                           r"(?=,?\s+(?:in\s+order|to\s+avoid|so\s+that|because|since)\b|[.;]|$)")
_RECEIVED = CasePattern.compile(r"\s+(?:received|obtained|won|secured|got|was\s+granted|were\s+granted|have\s+been\s+granted|has\s+been\s+granted)\s+"
                       r"(?:an?\s+)?(?:[\w-]+\s+){0,2}?(?:exclusions?|exemptions?|waivers?)\b")


def _matches(doc: Doc, rx: CasePattern, start: int, end: int) -> Iterator[re.Match[str]]:
    """``rx``'s matches in ``text[start:end]``, over the lower-cased text when there is one (re
    compares letters case-insensitively far more slowly). The rule reads only where a match and
    its groups are, never their text."""
    if doc.lower is not None:
        return rx.lower.finditer(doc.lower, start, end)
    return rx.any_case.finditer(doc.text, start, end)


def exemption_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    for s in doc.sentences_matching(_ANCHOR):
        spans = []
        if (text[s.end - 1] == ":" and _ENUM_INTRO.search(text, max(s.start, s.end - 200), s.end)) \
                or (text.endswith(_DASH_INTRO_END, s.start, s.end) and _NO_DUTY_APPLIES.search(text, max(s.start, s.end - 200), s.end)):
            spans.extend(_enumerated(doc, s))
        listed = doc.may_contain(s.start, s.end, ("exempt", "exclu"))  # what _EXEMPT_LIST needs
        verbs = doc.may_contain(s.start, s.end, ("spare", "exempts", "exempted", "exclude"))
        examples = verbs and doc.may_contain(s.start, s.end, ("including", "such as", "namely"))
        not_apply = doc.may_contain(s.start, s.end, ("not apply",))
        off_list = doc.may_contain(s.start, s.end, _OFF_WORDS)
        for rx, group, worth in ((_EXEMPT_LIST, "list", listed), (_VERB_LIST, "list", examples),
                                 (_NOT_APPLY, "applies", not_apply)):
            for m in _matches(doc, rx, s.start, s.end) if worth else ():
                spans.append((m.start(group), _list_end(text, m.start(group), m.end(group)), "exemption.listed"))
        for w in _matches(doc, _EXEMPT_WORD, s.start, s.end) if listed or verbs else ():
            m = _BE_BEFORE.search(text, max(s.start, w.start() - 50), w.start())
            if m is None:
                continue
            a = _clause_start(text, s.start, m.start())
            if _names_following(text, a, m.start()):
                spans.extend(_after_colon(text, w.end(), s.end, "exemption.before"))
            elif m.start() - a >= 3 and not _NOT_LIST_HEAD.match(text, a, m.start()) \
                    and not _SHARE.search(_RELATIVE.sub("", text[a:m.start()])):  # "90% of its exports" is a share, not goods
                spans.append((a, m.start(), "exemption.before"))
                spans.extend(_also(text, w.end(), s.end))
        negated = doc.may_contain(s.start, s.end, ("not", "longer"))  # what _NOT_SUBJECT needs
        for m in _matches(doc, _NOT_SUBJECT, s.start, s.end) if negated else ():
            # The list is what stands before the verb, back to the clause start.
            a = _clause_start(text, s.start, m.start())
            if _names_following(text, a, m.start()):
                spans.extend(_after_colon(text, m.end(), s.end, "exemption.not_subject"))
            elif m.start() - a >= 3 and not _NOT_LIST_HEAD.match(text, a, m.start()) \
                    and not re.search(r",\s*(?:meaning|which\s+means)\b", text[a:m.start()], re.I):
                spans.append((a, m.start(), "exemption.not_subject"))
                spans.extend(_also(text, m.end(), s.end))
        for rx, rest in ((_OFF_LIST, _AS_WERE), (_ON_LIST, None)) if listed or off_list else ():
            for m in _matches(doc, rx, s.start, s.end):
                a = _clause_start(text, s.start, m.start())
                if m.start() - a >= 3 and not _NOT_LIST_HEAD.match(text, a, m.start()):
                    spans.append((a, m.start(), "exemption.list"))
                # "..., as were pharmaceuticals"; "; orange juice was already on it".
                if rest is not None:
                    r = rest.match(text, m.end(), s.end) or rest.search(text, m.end(), s.end)
                    if r:
                        spans.append((r.start("list"), _list_end(text, r.start("list"), r.end("list")), "exemption.list"))
                else:
                    for r in _ALREADY_ON.finditer(text, m.end(), s.end):
                        a = _clause_start(text, m.end(), r.start())
                        if r.start() - a >= 3 and not _NOT_LIST_HEAD.match(text, a, r.start()):
                            spans.append((a, r.start(), "exemption.list"))
        for rx in (_FOR_LIST, _OBJECT_LIST) if listed or verbs or doc.may_contain(s.start, s.end, ("carve",)) else ():
            for m in _matches(doc, rx, s.start, s.end):
                head = _NOT_OBJECT_HEAD if rx is _OBJECT_LIST else _NOT_LIST_HEAD
                if _NEGATED.search(text, max(s.start, m.start() - 40), m.start()) \
                        or head.match(text, m.start("list"), m.end("list")) \
                        or (doc.may_contain(m.start("list"), m.end("list"), _ENDED_WORDS)
                            and _ENDED.search(text, m.start("list"), m.end("list"))):
                    continue
                f = _FROM.search(text, m.start("list"), m.end("list"))
                b = f.start() if f else m.end("list")
                spans.append((m.start("list"), _list_end(text, m.start("list"), b), "exemption.for"))
        if listed or verbs or doc.may_contain(s.start, s.end, ("remov", "received", "granted", "obtained", "won", "secured", "got")):
            # Each pattern needs one of its words ("got" is in "negotiate": the gate above lets
            # most sentences through), and a search that finds nothing costs a pass per sentence.
            scope = doc.may_contain(s.start, s.end, ("scope", "coverage", "reach"))
            for m in _matches(doc, _FROM_SCOPE, s.start, s.end) if scope else ():
                if not _NEGATED.search(text, max(s.start, m.start() - 40), m.start()):
                    spans.append((m.start("list"), m.end("list"), "exemption.scope"))
            excluding = doc.may_contain(s.start, s.end, ("exclud", "exempt", "remov"))
            for m in _matches(doc, _EXCLUDE_FROM, s.start, s.end) if excluding else ():
                # "shall be exempt from the duty imposed by paragraph 1, subject to end-use
                # supervision": after "be", "exempt" has no object; what follows is no goods.
                if not _NEGATED.search(text, max(s.start, m.start() - 40), m.start()) \
                        and not _BE_BEFORE.search(text, max(s.start, m.start() - 50), m.start()):
                    spans.append((m.start("list"), _list_end(text, m.start("list"), m.end("list")), "exemption.for"))
            granted = doc.may_contain(s.start, s.end, ("exclusion", "exemption", "waiver"))
            for m in _matches(doc, _RECEIVED, s.start, s.end) if granted else ():
                a = _clause_start(text, s.start, m.start())
                if m.start() - a >= 3 and not _NOT_LIST_HEAD.match(text, a, m.start()):
                    spans.append((a, m.start(), "exemption.received"))
        for a, b, rule in spans:
            for name, start, end in _items(doc, a, b):
                if not doc.raw[start:end].strip():
                    continue
                facts.append(Fact(kind="exemption", subject=name, value=None, unit=None,
                                  text=doc.raw[start:end], start=start, end=end,
                                  sentence=doc.sentence_text(s), rule=rule, qualifier=name))
    return facts
