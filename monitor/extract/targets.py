"""Who or what a tariff falls on: noun phrases after "on", before "will be subject to", in
"For X," topics, and the fall-backs (previous sentence, the document's main country)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .context import Doc, clean_phrase
from .gazetteer import Entity, lexicon
from .sentences import Sentence

__all__ = ["Target", "targets_in_phrase", "first_subject", "topic_of", "carry_over", "GROUP_HEAD",
           "negated_name"]

# Phrases that name a group of countries rather than one ("all countries", "trading partners").
GROUP_HEAD = re.compile(
    r"^(?!\d)(?:(?:all|any|other|many|most|some|such|those|these|foreign|certain|several|each|every|the)\s+)*"
    r"(?:[\w-]+\s+){0,2}?(?:countries|country|nations|trading\s+partners|partners|economies|jurisdictions)\b", re.I)
# Where a noun phrase after "on" stops.
_NP_STOP = re.compile(
    r"\s*(?:[,;:()\[\]]|\.(?!\w)(?<!\b[A-Z]\.)|\s-\s|\d+(?:\.\d+)?\s*(?:%|percent)|\b(?:in\s+response|in\s+lieu|to\s+address|to\s+combat|to\s+curb|to\s+protect|to\s+rectify|"
    r"to\s+remedy|to\s+deal|to\s+ensure|following|because|while|than|if|unless|effective|starting|beginning|"
    r"for\s+a\s+period|until|as\s+of|as\s+well|under|pursuant|which|who|when|would|will|shall|is|are|was|were|"
    r"has|have|to\s+be|at|and\s+(?:will|would|is|are)|but)\b)", re.I)
_PRONOUN_NP = re.compile(r"^(?:its|their|his|her|our|these|those|this|that|such|them|it|the same)\b", re.I)
# Words before a country that make it a place rather than the target.
_NOT_TARGET_BEFORE = re.compile(
    r"(?:\binto|\bto|\bin|\bwith|\bexcept(?:\s+for)?(?:\s+with\s+respect\s+to)?|\bother\s+than|\bexcluding|"
    r"\bbetween|\bby|\bagainst|\bwithin|\bacross)\s+(?:the\s+)?(?:customs\s+territory\s+of\s+(?:the\s+)?)?$", re.I)
_PREFIX = re.compile(r"^(?:(?:all\s+)?(?:imports|goods|articles|products|exports|shipments|merchandise)\s+"
                     r"(?:(?:imported|originating|coming)\s+)?(?:of|from)\s+)", re.I)


_CONTENT_OF = re.compile(r"(?<=\w)\s+(?P<content>content)\s+of\s", re.I)
_CONTENT_QUALIFIER = re.compile(r"\s+(?:containing|made\s+(?:from|of|with)|derived\s+from|incorporating)\s+", re.I)


@dataclass(frozen=True)
class Target:
    subject: str
    code: str | None
    entity: Entity | None
    start: int
    end: int


def _target(entity: Entity, start: int, end: int) -> Target:
    return Target(entity.name, entity.code, entity, start, end)


_LIST_MORE = re.compile(r",\s*(?:and\s+|or\s+)?")


def noun_phrase(doc: Doc, start: int, limit: int) -> tuple[int, int]:
    """The span of the noun phrase starting at ``start`` (stopping at clause words/punctuation),
    continued over ", B, and C" while the items are known products or countries."""
    m = _NP_STOP.search(doc.text, start + 1, limit)
    end = m.start() if m else limit
    while True:
        more = _LIST_MORE.match(doc.text, end, limit)
        if not more:
            break
        nxt = doc.mentions_in(more.end(), min(limit, more.end() + 60))
        if not nxt or nxt[0].start != more.end():
            break
        m = _NP_STOP.search(doc.text, nxt[0].end, limit)
        end = m.start() if m else limit
    return start, max(start, end)


def negated_name(doc: Doc, m) -> bool:
    """Whether a mention is negated by its prefix: "the non-aluminum content" is not aluminum."""
    return doc.text[max(0, m.start - 4):m.start].lower() == "non-"


def targets_in_phrase(doc: Doc, start: int, end: int, *, allow_us: bool = True,
                      allow_phrase: bool = True, groups_only: bool = False) -> list[Target]:
    """Targets named in a noun phrase: products first (the goods), then countries and blocs
    (where they come from), else the phrase itself when it names a group of countries."""
    phrase = doc.text[start:end]
    if not phrase.strip() or _PRONOUN_NP.match(phrase.strip()):
        return []
    stripped = _PREFIX.sub("", phrase.strip())
    if GROUP_HEAD.match(stripped) and not doc.mentions_in(start, end):
        return [_phrase_target(phrase, start, end)] if allow_phrase else []
    products: list[Target] = []
    places: list[Target] = []
    # "the steel content of our ranges and refrigerators": the duty falls on the steel.
    content = _CONTENT_OF.search(phrase) if "content" in phrase else None
    if content is not None:
        end = start + content.start("content") + len("content")
        phrase = doc.text[start:end]
    # "Derivative products containing processed critical minerals": what the goods contain
    # qualifies them; the head before it is the target.
    qual = _CONTENT_QUALIFIER.search(phrase)
    if qual is not None and qual.start() > 0:
        head = targets_in_phrase(doc, start, start + qual.start(), allow_us=allow_us, allow_phrase=allow_phrase,
                                 groups_only=groups_only)
        if head:
            return head
    for m in doc.mentions_in(start, end):
        if _NOT_TARGET_BEFORE.search(doc.text, max(start, m.start - 40), m.start) and m.start > start:
            continue
        if negated_name(doc, m):
            continue
        if m.entity.code == "US" and not allow_us:
            continue
        (products if m.entity.kind == "product" else places).append(_target(m.entity, m.start, m.end))
    if GROUP_HEAD.match(stripped) and allow_phrase:
        return [_phrase_target(phrase, start, end)]
    found = products or places
    if found:
        seen: dict[str, Target] = {}
        for t in found:
            seen.setdefault(t.subject, t)
        return list(seen.values())
    if allow_phrase and not groups_only and re.search(r"\b(?:annex|countries|partners|goods|products|imports)\b", phrase, re.I):
        return [_phrase_target(phrase, start, end)]
    return []


def _phrase_target(phrase: str, start: int, end: int) -> Target:
    """A target named by a phrase rather than an entity ("countries with large trade deficits"),
    without what a bracket adds: "the list set out in Annex III (Potential Tariff Adjustments
    ...) to Executive Order 14346 of September 5, 2025 (...)" is the list in Annex III, and the
    order's date must not make the subject differ from one document to the next."""
    cut = phrase.find("(")
    if cut > 0 and phrase[:cut].strip():
        phrase = phrase[:cut]
    return Target(clean_phrase(phrase).lower(), None, None, start, end)


_GOODS_PART = re.compile(r"^(?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*(?:s|ture|ware|wear|ery)$")
# (Who pays a duty is no goods: "Shoppers pay an extra 25%".)
_NOT_GOODS = re.compile(r"\b(?:it|its|they|them|their|this|that|these|those|which|all|any|each|other|such|"
                        r"imports?|exports?|goods|products|articles|value|basis|top|most|countries|"
                        + "|".join(lexicon()["goods_agent_nouns"]) + r")\b")
_CONJ = re.compile(r"\s*(?:,\s*(?:and\s+)?|\band\s+)")
_POST_MODIFIER = re.compile(r"\s+(?:with|for|above|below|over|under|from|containing|made|that|which|whose|exceeding|"
                            r"weighing|valued|classified|covered|listed|entered|imported|shipped)\b")


def named_goods(doc: Doc, start: int, end: int, parts: bool = False, opening: bool = False) -> list[Target]:
    """Goods the gazetteer does not know, named in a short phrase after "tariff on": each
    conjunct that reads as goods ("kitchen cabinets and vanities"), lower case, no article.
    With ``parts``, only the conjuncts beside known names ("upholstered furniture and kitchen
    cabinets and vanities": the last two). With ``opening``, the phrase opens its sentence and
    its first letter may be a capital ("Textiles and footwear face ...")."""
    lead = doc.mentions_in(start, end)[:1] if not parts else []
    if lead and lead[0].entity.kind != "product" and not doc.text[start:lead[0].start].strip():
        # "American bourbon whiskey", "US pork": where the goods come from is no part of their
        # name. ("Chinese goods" names none: told at once, as the end does for every such phrase.)
        start, opening = lead[0].end, False
        if _NOT_GOODS.search(doc.text, start, end):
            return []
    phrase = doc.text[start:end]
    content = _CONTENT_OF.search(phrase) if "content" in phrase else None
    if content is not None:  # (as in targets_in_phrase: "the steel content of our ranges")
        end = start + content.start("content") + len("content")
        phrase = doc.text[start:end]
    if opening and phrase[:1].isupper() and phrase[1:2].islower():
        phrase = phrase[0].lower() + phrase[1:]
    # What follows the goods' name qualifies it: "motorcycles with engine capacity above 1,600 cc".
    cut = _POST_MODIFIER.search(phrase)
    if cut:
        phrase, end = phrase[:cut.start()], start + cut.start()
    if parts and " and " not in phrase and "," not in phrase:  # one conjunct: nothing beside the known
        return []
    if not phrase.strip() or len(phrase) > 80 or re.search(r"\d|[A-Z]", phrase):
        return []
    mentions = doc.mentions_in(start, end)
    if parts and not mentions or len(mentions) > 3:
        return []
    pieces = [p for p in _CONJ.split(clean_phrase(phrase)) if p]
    known = {doc.text[m.start:m.end].lower() for m in mentions}
    out = []
    if parts:
        if not known:
            return []
        # Each run of unknown conjuncts between known ones, read together ("upholstered furniture
        # and kitchen cabinets and vanities": "kitchen cabinets and vanities"; "Toys, plastics and
        # household appliances": "toys" and "household appliances").
        runs: list[list[str]] = [[]]
        for p in pieces:
            if any(k in p.lower() for k in known):
                runs.append([])
            else:
                runs[-1].append(p)
        pieces = [" and ".join(run) for run in runs if run]
    elif known:
        return []
    else:
        pieces = [" and ".join(pieces)]
    for p in pieces:
        p = clean_phrase(p)
        if p and _GOODS_PART.match(p.split(" and ")[0]) and not _NOT_GOODS.search(p) and len(p.split()) <= 6:
            out.append(Target(p, None, None, start, end))
    return out


def first_subject(doc: Doc, start: int, end: int) -> Target | None:
    """The first country or bloc in a span that is not the United States and not a mere place."""
    for m in doc.mentions_in(start, end):
        if m.entity.kind == "product" or m.entity.code == "US":
            continue
        if _NOT_TARGET_BEFORE.search(doc.text, max(start, m.start - 40), m.start) and m.start > start:
            continue
        return _target(m.entity, m.start, m.end)
    return None


_FOR_TOPIC = re.compile(r"(?:^|[,;]\s+(?:and\s+)?)[Ff]or\s+(?!example|instance|decades|years|too|the\s+benefit)([^,;]{3,80}),")
_ON_TOPIC = re.compile(r"\b(?:tariffs?|duty|duties|rates?)\s+on\s+(?!the\s+same)", re.I)


def topic_of(doc: Doc, s: Sentence) -> Target | None:
    """The goods a comparative sentence is about: "For rice in the husk, ...", "... tariff on
    ethanol ...", or a sentence that opens with a product ("Apples enter ...")."""
    return doc.memo(("topic", s.start), lambda: _topic(doc, s))


def _topic(doc: Doc, s: Sentence) -> Target | None:
    text = doc.text
    m = _FOR_TOPIC.search(text, s.start, s.end) if doc.may_contain(s.start, s.end, ("for",)) else None
    if m:
        found = targets_in_phrase(doc, m.start(1), m.end(1), allow_us=False)
        prods = [t for t in found if t.entity is None or t.entity.kind == "product"]
        if prods:
            return prods[0]
        if not doc.mentions_in(m.start(1), m.end(1)):
            return Target(clean_phrase(m.group(1)).lower(), None, None, m.start(1), m.end(1))
    for m in _ON_TOPIC.finditer(text, s.start, s.end):
        a, b = noun_phrase(doc, m.end(), s.end)
        for t in targets_in_phrase(doc, a, b, allow_us=False, allow_phrase=False):
            if t.entity is not None and t.entity.kind == "product":
                return t
    ms = doc.mentions_in(s.start, min(s.end, s.start + 40))
    if ms and ms[0].entity.kind == "product" and ms[0].start - s.start < 12 and not negated_name(doc, ms[0]):
        return _target(ms[0].entity, ms[0].start, ms[0].end)
    return None


def carry_over(doc: Doc, index: int, back: int = 4) -> Target | None:
    """A target from the few sentences before: a rate that names no one continues the topic."""
    return doc.memo(("carry_over", index, back), lambda: _carried(doc, index, back))


_EXEMPTING = re.compile(r"\b(?:spared|spares|exempt\w*|exclu\w*|except|not\s+subject)\b", re.I)


def record_target(doc: Doc, index: int, target: Target) -> None:
    """Note the target of a tariff found in sentence ``index`` (what later sentences continue)."""
    doc.memo(("tariff_target", index), lambda: target)


def _carried(doc: Doc, index: int, back: int) -> Target | None:
    # The target of the last tariff in the sentences before: the topic they continue.
    for j in range(index - 1, max(-1, index - 1 - back), -1):
        t = doc._memo.get(("tariff_target", j))
        if t is not None:
            return t  # type: ignore[return-value]
    for j in range(index - 1, max(-1, index - 1 - back), -1):
        s = doc.sentences[j]
        cut = _EXEMPTING.search(doc.text, s.start, s.end) if doc.may_contain(s.start, s.end, ("spare", "exempt", "exclu", "except", "not")) else None
        end = cut.start() if cut else s.end  # what a sentence exempts is not its topic
        ms = [m for m in doc.mentions_in(s.start, end) if m.entity.code != "US"]
        prods = [m for m in ms if m.entity.kind == "product"]
        places = [m for m in ms if m.entity.kind != "product"]
        pick = prods or places
        if pick:
            return _target(pick[0].entity, pick[0].start, pick[0].end)
    return None
