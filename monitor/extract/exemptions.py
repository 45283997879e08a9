"""Exemptions: what is kept out of a tariff ("will be exempt from tariffs, such as uranium, iron
alloys, silver, and oil"; "... and copper scrap are not subject to 232 or reciprocal tariffs")."""
from __future__ import annotations

import re

from ..fact import Fact
from .context import Doc, clean_phrase
from .folding import Prefilter

__all__ = ["exemption_facts"]

_EXEMPT_LIST = re.compile(
    r"\b(?:exempt(?:ed)?|excluded|exclusions?)\s+from\s+(?:[\w-]+\s+){0,3}?(?:tariffs?|duties|duty)\b[^.;]{0,40}?"
    r"(?:,\s*)?(?:such\s+as|including|namely|:)\s+(?P<list>[^.;]+)", re.I)
_NOT_SUBJECT = re.compile(
    r"\s+(?:are|is|will|shall|would)\s+(?:not|no\s+longer)\s+(?:be\s+)?subject\s+to\s+(?:[\w-]+\s+){0,4}?(?:tariffs?|duties)", re.I)
# "X, Y and Z will be exempt from tariffs", "pharmaceuticals, which ..., are exempt for now": the
# word (found first: re skips to its letters), then the verb before it.
_EXEMPT_WORD = re.compile(r"(?:exempt(?:ed)?|excluded|spared)\b(?!\s+from\s+(?:the\s+)?(?:requirement|obligation))", re.I)
_BE_BEFORE = re.compile(r"\s+(?:are|is|will|shall|would|remain|remains)\s+(?:(?:be|remain|also|all|now|still)\s+){0,2}$", re.I)
# "spared nearly 700 products, including orange juice, ...", "shall not apply to articles ...".
_VERB_LIST = re.compile(
    r"\b(?:spared|spares|exempts|exempted|excludes|excluded)\s+(?!from\b)[^.;]{0,60}?,?\s*(?:including|such\s+as|namely)\s+(?P<list>[^.;]+)", re.I)
_NOT_APPLY = re.compile(r"\b(?:shall|will|does|do|would)\s+not\s+apply\s+to\s+(?P<applies>(?:[^.;]|\.(?=\S|\s+[\d(a-z]))+)", re.I)
# Where a list before "are exempt" begins: the clause start, or after a conjunction that opens one.
_CLAUSE_OPEN = re.compile(r"(?:[;:]|\b(?:while|whereas|although|but|(?:said|says|stated)\s+that)\s)", re.I)
_RELATIVE = re.compile(r",\s*(?:which|that|who)\b[^,]*,?", re.I)
# Words that end a list: an attribution ("..., a White House official said"), a time.
_ATTRIBUTION = re.compile(r",\s*(?:[\w.'-]+\s+){0,5}?(?:said|says|according|told|reported)\b.*$", re.I)
_ANCHOR = Prefilter.any_of("exempt", "exclu", r"subject\s+to", "spare", r"not\s+apply")  # pre-filter: the patterns need one
_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,|;|\band\b|\bor\b)\s*")
_PAREN = re.compile(r"\([^()]*\)")


def _items(doc: Doc, start: int, end: int) -> list[tuple[str, int, int]]:
    segment = doc.text[start:end]
    # Parenthesised examples ("(such as copper ores, ...)") describe the item before them, and a
    # relative clause (", which account for 60% of exports,") what it is.
    masked = _PAREN.sub(lambda m: " " * len(m.group(0)), segment)
    masked = _RELATIVE.sub(lambda m: " " * len(m.group(0)), masked)
    out = []
    pos = 0
    for part in _SPLIT.split(masked):
        idx = masked.find(part, pos)
        pos = idx + len(part)
        name = clean_phrase(part)
        name = re.sub(r"^(?:\(\d+\)\s*|to\s+(?:the\s+)?|(?:while|whereas|although|but)\s+)", "", name, flags=re.I)
        name = clean_phrase(name)
        if not name or len(name) > 100 or not re.search(r"[a-z]", name) \
                or re.fullmatch(r"as\s+amended|et\s+seq|respectively|for\s+now", name, re.I):
            continue
        a = start + idx + part.find(name.split()[0]) if name.split() else start + idx
        out.append((name.lower(), a, a + len(name)))
    return out


_NOT_LIST_HEAD = re.compile(r"\s*(?:it|they|we|he|she|these|those|this|that|companies|firms|the\s+company|meaning)\b", re.I)


def _list_end(text: str, start: int, end: int) -> int:
    """The end of a list, before an attribution that closes the sentence."""
    m = _ATTRIBUTION.search(text, start, end)
    return m.start() if m else end


def exemption_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    for s in doc.sentences_matching(_ANCHOR):
        spans = []
        listed = doc.may_contain(s.start, s.end, ("exempt", "exclu"))  # what _EXEMPT_LIST needs
        verbs = doc.may_contain(s.start, s.end, ("spare", "exempts", "exempted", "exclude"))
        examples = verbs and doc.may_contain(s.start, s.end, ("including", "such as", "namely"))
        not_apply = doc.may_contain(s.start, s.end, ("not apply",))
        for rx, group, worth in ((_EXEMPT_LIST, "list", listed), (_VERB_LIST, "list", examples),
                                 (_NOT_APPLY, "applies", not_apply)):
            for m in rx.finditer(text, s.start, s.end) if worth else ():
                spans.append((m.start(group), _list_end(text, m.start(group), m.end(group)), "exemption.listed"))
        for w in _EXEMPT_WORD.finditer(text, s.start, s.end) if listed or verbs else ():
            m = _BE_BEFORE.search(text, max(s.start, w.start() - 40), w.start())
            if m is None:
                continue
            a = s.start
            for c in _CLAUSE_OPEN.finditer(text, s.start, m.start()):
                a = c.end()
            if m.start() - a >= 3 and not _NOT_LIST_HEAD.match(text, a, m.start()) \
                    and not re.search(r"\d", _RELATIVE.sub("", text[a:m.start()])):  # "90% of its exports" is a share, not goods
                spans.append((a, m.start(), "exemption.before"))
        negated = doc.may_contain(s.start, s.end, ("not", "longer"))  # what _NOT_SUBJECT needs
        for m in _NOT_SUBJECT.finditer(text, s.start, s.end) if negated else ():
            # The list is what stands before the verb, back to the clause start.
            a = max(s.start, text.rfind(";", s.start, m.start()) + 1, text.rfind(":", s.start, m.start()) + 1)
            if m.start() - a >= 3 and not _NOT_LIST_HEAD.match(text, a, m.start()) \
                    and not re.search(r",\s*(?:meaning|which\s+means)\b", text[a:m.start()], re.I):
                spans.append((a, m.start(), "exemption.not_subject"))
        for a, b, rule in spans:
            for name, start, end in _items(doc, a, b):
                if not doc.raw[start:end].strip():
                    continue
                facts.append(Fact(kind="exemption", subject=name, value=None, unit=None,
                                  text=doc.raw[start:end], start=start, end=end,
                                  sentence=doc.sentence_text(s), rule=rule, qualifier=name))
    return facts
