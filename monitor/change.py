"""Comparing what two versions of one document say: the fact changes between them.

Everything here is pure. Facts are compared as *statements*, not as mentions:

- A fact's identity within a document is its `Fact.key` (kind, canonical subject, qualifier).
  Deadlines are the exception: whether a deadline moved is decided on its date alone, so all of
  a document's deadlines form one group whose members are dates; what is due (the qualifier)
  wobbles too much between versions to gate on. Once a date has moved, though, the row is
  reported per distinct deadline the text names on it ("by August 1" and "take effect on
  August 1" each moved), pairing the two dates' mentions by qualifier (`_per_deadline`).
- Each identity holds a *set* of normalised values: saying "25%" twice is one value, and a
  repeated mention removed is no change. Values that left the set and values that joined it are
  paired into `changed` by the similarity of their evidence; the rest are `removed`/`added`.
- Leftovers whose keys do not line up (the extractor read a different qualifier for the same
  subject) are paired across keys of the same kind and subject.
- A fact that the new extraction lacks is only removed when its evidence is gone from the new
  text: `still_stated` carries it over otherwise, so extraction wobble is never reported.
"""
from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from difflib import SequenceMatcher
from typing import Any, Iterable, Sequence

from monitor.fact import KINDS, Fact
from monitor.markup import front_matter_span

# A deadline's change is decided by its date alone, then told per qualifier (module docstring).
_GROUPED_BY_VALUE = frozenset({"deadline"})
# Leftovers of two different keys of one subject are paired when their evidence is at least
# this similar (or when they are the only leftovers of that subject on each side).
_CROSS_KEY_SIMILARITY = 0.5
# Evidence shorter than this (in normalised characters) is too generic to prove that a fact is
# still stated: "25" alone could be anywhere.
_MIN_EVIDENCE_CHARS = 12
# Kinds whose subject is a phrase read from the sentence rather than a named entity.
_PHRASE_SUBJECTS = frozenset({"money", "percent", "count"})
_REDESCRIBED_SIMILARITY = 0.6
_CHANGE_RANK = {"changed": 0, "removed": 1, "added": 2}
# Link targets ("](url)"), bare URLs and tags: not words a reader reads.
_MARKUP = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|https?://\S+|<[^>\n]*>")
_TOKEN = re.compile(r"[0-9a-z]+(?:[.,][0-9]+)*")


@dataclass(frozen=True)
class FactChange:
    """One fact that was added, removed or changed between two versions of a document."""

    change: str  # "added", "removed" or "changed"
    kind: str
    subject: str
    subject_code: str | None
    qualifier: str
    old: Any
    new: Any
    unit: str | None
    old_fact: Fact | None
    new_fact: Fact | None

    @property
    def old_sentence(self) -> str | None:
        return self.old_fact.sentence if self.old_fact else None

    @property
    def new_sentence(self) -> str | None:
        return self.new_fact.sentence if self.new_fact else None

    @property
    def old_text(self) -> str | None:
        return self.old_fact.text if self.old_fact else None

    @property
    def new_text(self) -> str | None:
        return self.new_fact.text if self.new_fact else None

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change, "kind": self.kind, "subject": self.subject,
            "subject_code": self.subject_code, "qualifier": self.qualifier,
            "old": self.old, "new": self.new, "unit": self.unit,
            "old_sentence": self.old_sentence, "new_sentence": self.new_sentence,
            "old_text": self.old_text, "new_text": self.new_text,
        }


def value_key(fact: Fact) -> str:
    """The normalised value of a fact, as text: equal for "25%", "25 percent" and 25.0.

    The unit is part of it, so that $5 billion and €5 billion differ.
    """
    return value_key_of(fact.value, fact.unit)


@lru_cache(maxsize=4096)
def value_key_of(value: Any, unit: str | None) -> str:
    """`value_key` from a value and unit as stored (the fact tables keep no Fact)."""
    # Cached: every comparison asks for the value key of every fact several times.
    return json.dumps([normalise_value(value), unit], separators=(",", ":"))


def normalise_value(value: Any) -> Any:
    """Numbers as a canonical decimal string (never compare floats for equality), text trimmed."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return format(float(value), ".12g")
    return str(value).strip()


def identity(kind: str, key: str) -> str:
    """What a fact (of this kind and `Fact.key`) is *about* within one document; its values are
    compared per identity."""
    return kind if kind in _GROUPED_BY_VALUE else key


def subject_identity(fact: Fact) -> tuple[str, str]:
    """Kind and canonical subject: where leftovers of different keys may still be paired."""
    return fact.kind, fact.subject_code or fact.subject.strip().lower()


@dataclass
class _Statement:
    """One distinct value of one identity in one version, with every mention of it."""

    identity: str
    value_key: str
    mentions: list[Fact]

    @property
    def fact(self) -> Fact:
        return self.mentions[0]


def statements(facts: Iterable[Fact], *, drop_shadowed: bool = True) -> dict[tuple[str, str], _Statement]:
    """Facts deduplicated into statements keyed by (identity, value key), mentions in text order.

    With `drop_shadowed`, value-less mentions of an identity that also has a value are left out."""
    out: dict[tuple[str, str], _Statement] = {}
    # Each fact's key made once (a few string operations); the index keeps the sort stable.
    keyed = sorted((f.start, f.end, f.key, i, f) for i, f in enumerate(facts))
    for _, _, key, _, fact in keyed:
        k = (identity(fact.kind, key), value_key(fact))
        if k in out:
            out[k].mentions.append(fact)
        else:
            out[k] = _Statement(k[0], k[1], [fact])
    return _drop_shadowed_nulls(out) if drop_shadowed else out


def _drop_shadowed_nulls(found: dict[tuple[str, str], _Statement]) -> dict[tuple[str, str], _Statement]:
    """A mention without a value ("the tariff on Kazakhstan") adds nothing when the same identity
    also has a value in this version; keeping it would make its coming and going a change."""
    valued = {ident for (ident, _), st in found.items() if st.fact.value is not None}
    return {k: st for k, st in found.items() if st.fact.value is not None or k[0] not in valued}


def compare_facts(old: Sequence[Fact], new: Sequence[Fact]) -> list[FactChange]:
    """The fact changes from one version's facts to the next one's, in a deterministic order."""
    return _compare_statements(statements(old), statements(new))


def _compare_statements(before: dict[tuple[str, str], _Statement],
                        after: dict[tuple[str, str], _Statement]) -> list[FactChange]:
    gone = [st for k, st in before.items() if k not in after]
    came = [st for k, st in after.items() if k not in before]
    changes: list[FactChange] = []

    by_identity_gone, by_identity_came = _group(gone, lambda st: st.identity), _group(came, lambda st: st.identity)
    left_gone: list[_Statement] = []
    left_came: list[_Statement] = []
    for ident in sorted(set(by_identity_gone) | set(by_identity_came)):
        pairs, g, c = _pair(by_identity_gone.get(ident, []), by_identity_came.get(ident, []), threshold=None)
        changes += [row for o, n in pairs for row in _changed_rows(o, n)]
        left_gone += g
        left_came += c

    # Keys that do not line up one-to-one: the same subject under another qualifier. The same
    # value under another qualifier is the fact re-described, not changed.
    left_gone, left_came = _redescribed(left_gone, left_came, lambda st: (subject_identity(st.fact), st.value_key))
    by_subject_gone = _group(left_gone, lambda st: subject_identity(st.fact))
    by_subject_came = _group(left_came, lambda st: subject_identity(st.fact))
    left_gone, left_came = [], []
    for subj in sorted(set(by_subject_gone) | set(by_subject_came)):
        g_side, c_side = by_subject_gone.get(subj, []), by_subject_came.get(subj, [])
        only_one_each = len(g_side) == 1 and len(c_side) == 1
        pairs, g, c = _pair(g_side, c_side, threshold=None if only_one_each else _CROSS_KEY_SIMILARITY)
        changes += [_changed(o, n) for o, n in pairs]
        left_gone += g
        left_came += c
    # An amount, share or count whose subject is a phrase: the same value in a sentence that reads
    # almost the same is the phrase re-read ("and theft" / "as well as theft"), not a new fact.
    left_gone, left_came = _redescribed(
        left_gone, left_came, lambda st: (st.fact.kind, st.value_key) if st.fact.kind in _PHRASE_SUBJECTS else None,
        threshold=_REDESCRIBED_SIMILARITY)
    changes += [_removed(st) for st in left_gone]
    changes += [_added(st) for st in left_came]
    return _merge_repeats(sorted(changes, key=_order))


def _redescribed(gone: list[_Statement], came: list[_Statement], key, threshold: float | None = None):
    """Drop pairs of a statement that left and one that joined with the same `key` (None: never
    paired) and, given a threshold, evidence at least that similar. Returns what is left."""
    by_gone, by_came = _group(gone, key), _group(came, key)
    left_gone = [st for st in gone if key(st) is None or key(st) not in by_came]
    left_came = [st for st in came if key(st) is None or key(st) not in by_gone]
    for k in sorted(set(by_gone) & set(by_came), key=repr):
        if k is None:
            continue
        _, g, c = _pair(by_gone[k], by_came[k], threshold=threshold)
        left_gone += g
        left_came += c
    return left_gone, left_came


@dataclass(frozen=True)
class Comparison:
    """What changed between two versions, and the facts the new version states."""

    changes: list[FactChange]
    # The new extraction plus the old facts it missed although their evidence is still there.
    current: list[Fact]
    carried: list[Fact]


def compare_versions(old: Sequence[Fact], new: Sequence[Fact], old_text: str, new_text: str) -> Comparison:
    """Compare two versions of a document, where a fact changes only if the text stating it did.

    A fact the new extraction lacks while its evidence still reads the same in the new text is
    carried over, not removed; a fact the old extraction lacked while its evidence already read
    the same in the old text was stated before, and is not added. Either is the extractor reading
    the same words differently (its context moved: a re-wrap, a list re-nested), not an edit.
    """
    # Each side's statements are made once, for both tests of evidence and for the comparison.
    old_all, new_all = statements(old, drop_shadowed=False), statements(new, drop_shadowed=False)
    carried = _stated_elsewhere(old_all, new_all, new_text)
    missed_before = _stated_elsewhere(new_all, old_all, old_text)
    current = list(new) + carried
    before = statements(list(old) + missed_before) if missed_before else _drop_shadowed_nulls(old_all)
    after = statements(current) if carried else _drop_shadowed_nulls(new_all)
    return Comparison(_compare_statements(before, after), current, carried)


def stated_elsewhere(facts: Sequence[Fact], other: Sequence[Fact], other_text: str) -> list[Fact]:
    """The facts that `other` (another version's extraction) lacks although one of their mentions'
    sentences reads the same in `other_text` (case, whitespace, markup and link targets aside)."""
    return _stated_elsewhere(statements(facts, drop_shadowed=False), statements(other, drop_shadowed=False),
                             other_text)


def _stated_elsewhere(mine: dict[tuple[str, str], _Statement], theirs: dict[tuple[str, str], _Statement],
                      other_text: str) -> list[Fact]:
    missing = [st for k, st in mine.items() if k not in theirs]
    if not missing:
        return []  # the usual case; spares normalising the whole text
    text = _normalised(other_text, is_file=True)
    return [m for st in missing if any(_evidence_present(m, text) for m in st.mentions) for m in st.mentions]


def still_stated(old: Sequence[Fact], new: Sequence[Fact], new_text: str) -> list[Fact]:
    """Facts of the old version that the new extraction lacks although their evidence is still
    in `new_text`: the fact is still stated and is carried over, with its old evidence."""
    return stated_elsewhere(old, new, new_text)


def _evidence_present(fact: Fact, normalised_text: str) -> bool:
    sentence = _normalised(fact.sentence or fact.text)
    if len(sentence.strip()) < _MIN_EVIDENCE_CHARS:
        return False
    return sentence in normalised_text


def _normalised(text: str, *, is_file: bool = False) -> str:
    """Lower-case words separated by single spaces, padded so that a search matches whole words.

    Link targets, tags and entities are dropped, so that a sentence taken from the file with its
    markup reads the same as the same sentence with other links or formatting.
    """
    if is_file:
        span = front_matter_span(text)
        text = text[span[1]:] if span else text
    text = html.unescape(_MARKUP.sub(" ", text))
    return " " + " ".join(_TOKEN.findall(text.lower())) + " "


def _group(items: Iterable[_Statement], key) -> dict[Any, list[_Statement]]:
    out: dict[Any, list[_Statement]] = defaultdict(list)
    for item in items:
        out[key(item)].append(item)
    return out


def _pair(gone: list[_Statement], came: list[_Statement], threshold: float | None):
    """Pair statements that left with statements that joined, most similar evidence first.

    With no threshold everything pairs that can (same identity: a value was replaced); with one,
    only pairs whose evidence is at least that similar. Returns (pairs, unpaired gone, unpaired came).
    """
    if threshold is None and len(gone) == 1 and len(came) == 1:
        return [(gone[0], came[0])], [], []  # nothing to choose between
    scored = sorted(
        ((_similarity(g, c), i, j) for i, g in enumerate(gone) for j, c in enumerate(came)),
        key=lambda t: (-t[0], abs(_position(gone[t[1]]) - _position(came[t[2]])), t[1], t[2]),
    )
    used_g: set[int] = set()
    used_c: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if i in used_g or j in used_c or (threshold is not None and score < threshold):
            continue
        used_g.add(i)
        used_c.add(j)
        pairs.append((gone[i], came[j]))
    return (pairs, [g for i, g in enumerate(gone) if i not in used_g],
            [c for j, c in enumerate(came) if j not in used_c])


def _similarity(a: _Statement, b: _Statement) -> float:
    """How alike the evidence of two statements reads: the best ratio over their mentions."""
    best = 0.0
    for x in a.mentions:
        for y in b.mentions:
            matcher = SequenceMatcher(None, x.sentence or x.text, y.sentence or y.text, autojunk=False)
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
    return best


def _position(st: _Statement) -> int:
    return st.fact.start


def _changed(old: _Statement, new: _Statement) -> FactChange:
    return _changed_facts(old.fact, new.fact)


def _changed_facts(o: Fact, n: Fact) -> FactChange:
    return FactChange("changed", n.kind, n.subject, n.subject_code, n.qualifier,
                      o.value, n.value, n.unit, o, n)


def _changed_rows(old: _Statement, new: _Statement) -> list[FactChange]:
    """The rows for one value replaced by another within an identity: one, except for a deadline,
    whose date stands for every deadline the text names on it (`_per_deadline`)."""
    if old.identity in _GROUPED_BY_VALUE:
        return _per_deadline(old, new)
    return [_changed(old, new)]


def _per_deadline(old: _Statement, new: _Statement) -> list[FactChange]:
    """One moved date as one row per distinct deadline: the mentions of the old date and of the new
    one paired by qualifier (what is due), each pair with its own evidence.

    The date comparison has already decided that something moved, so this only says *what* did;
    it never adds a change that the date did not. Mentions whose qualifiers do not line up (the
    extractor read what is due differently) make one row between them, as a date-only comparison
    would; so there is at least one row, and at most one per qualifier. A qualifier said twice is
    one deadline: its first mention is the evidence.
    """
    before, after = _first_per_qualifier(old.mentions), _first_per_qualifier(new.mentions)
    rows = [_changed_facts(before[q], f) for q, f in after.items() if q in before]
    rest_old = [f for q, f in before.items() if q not in after]
    rest_new = [f for q, f in after.items() if q not in before]
    if not rows or (rest_old and rest_new):
        rows.append(_changed_facts((rest_old or old.mentions)[0], (rest_new or new.mentions)[0]))
    return rows


def _first_per_qualifier(mentions: Sequence[Fact]) -> dict[str, Fact]:
    """Each qualifier's first mention, in text order (mentions come sorted)."""
    out: dict[str, Fact] = {}
    for m in mentions:
        out.setdefault(m.qualifier, m)
    return out


def _removed(st: _Statement) -> FactChange:
    f = st.fact
    return FactChange("removed", f.kind, f.subject, f.subject_code, f.qualifier,
                      f.value, None, f.unit, f, None)


def _added(st: _Statement) -> FactChange:
    f = st.fact
    return FactChange("added", f.kind, f.subject, f.subject_code, f.qualifier,
                      None, f.value, f.unit, None, f)


def _order(c: FactChange) -> tuple:
    kind_rank = KINDS.index(c.kind) if c.kind in KINDS else len(KINDS)
    where = (c.new_fact or c.old_fact).start
    return kind_rank, where, _CHANGE_RANK[c.change], c.subject, c.qualifier


def _merge_repeats(changes: list[FactChange]) -> list[FactChange]:
    """One change per distinct (kind, subject, change, old, new): two keys of one subject that
    moved the same way (25% → 30% under two qualifiers) are one change to report. A deadline's
    rows are already one per qualifier (`_per_deadline`), and each is a deadline of its own."""
    seen: set[tuple] = set()
    out = []
    for c in changes:
        subject = c.qualifier if c.kind in _GROUPED_BY_VALUE else (c.subject_code or c.subject.lower())
        k = (c.kind, subject, c.change, json.dumps(normalise_value(c.old)),
             json.dumps(normalise_value(c.new)), c.unit)
        if k not in seen:
            seen.add(k)
            out.append(c)
    return out
