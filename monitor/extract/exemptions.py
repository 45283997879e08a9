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
_ANCHOR = Prefilter.any_of("exempt", "exclu", r"subject\s+to")  # pre-filter: both patterns need one
_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,|;|\band\b|\bor\b)\s*")
_PAREN = re.compile(r"\([^()]*\)")


def _items(doc: Doc, start: int, end: int) -> list[tuple[str, int, int]]:
    segment = doc.text[start:end]
    # Parenthesised examples ("(such as copper ores, ...)") describe the item before them.
    masked = _PAREN.sub(lambda m: " " * len(m.group(0)), segment)
    out = []
    pos = 0
    for part in _SPLIT.split(masked):
        idx = masked.find(part, pos)
        pos = idx + len(part)
        name = clean_phrase(part)
        name = re.sub(r"^(?:\(\d+\)\s*)", "", name)
        if not name or len(name) > 60 or not re.search(r"[a-z]", name):
            continue
        a = start + idx + part.find(name.split()[0]) if name.split() else start + idx
        out.append((name.lower(), a, a + len(name)))
    return out


def exemption_facts(doc: Doc) -> list[Fact]:
    facts: list[Fact] = []
    text = doc.text
    for s in doc.sentences_matching(_ANCHOR):
        spans = []
        listed = doc.may_contain(s.start, s.end, ("exempt", "exclu"))  # what _EXEMPT_LIST needs
        for m in _EXEMPT_LIST.finditer(text, s.start, s.end) if listed else ():
            spans.append((m.start("list"), m.end("list"), "exemption.listed"))
        negated = doc.may_contain(s.start, s.end, ("not", "longer"))  # what _NOT_SUBJECT needs
        for m in _NOT_SUBJECT.finditer(text, s.start, s.end) if negated else ():
            # The list is what stands before the verb, back to the clause start.
            a = max(s.start, text.rfind(";", s.start, m.start()) + 1, text.rfind(":", s.start, m.start()) + 1)
            if m.start() - a >= 3:
                spans.append((a, m.start(), "exemption.not_subject"))
        for a, b, rule in spans:
            for name, start, end in _items(doc, a, b):
                if not doc.raw[start:end].strip():
                    continue
                facts.append(Fact(kind="exemption", subject=name, value=None, unit=None,
                                  text=doc.raw[start:end], start=start, end=end,
                                  sentence=doc.sentence_text(s), rule=rule, qualifier=name))
    return facts
