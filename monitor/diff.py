"""The text difference between two versions of a document, sentence by sentence (difflib).

What a reader sees is compared, not the file: markup, front matter and line wrapping are left out,
so a re-wrapped or re-formatted version shows no difference. Sentences that only moved (reordered
paragraphs) are not differences either. A changed sentence carries its changed words marked the
way `git diff --word-diff` does: `[-old words-]{+new words+}`.

Marking changed words is one function, `word_runs`, with two views of its result: `mark_words`
(the text `monitor diff` prints) and `mark_changes` (the old and new sentences as runs, which the
digest templates mark in their own way).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import sqlite_utils

from monitor.errors import MonitorError
from monitor.store import version_row

_WORDS = re.compile(r"\S+")
# Words, numbers with their % or currency sign ("25%", "$1.5"), punctuation on its own, and the
# spaces between: "August 1," against "August 15," marks "15" and not the comma.
_TOKEN = re.compile(r"\s+|[$€£]?\d+(?:[.,]\d+)*%?|\w+(?:['’-]\w+)*|[^\w\s]")
# Sentences paired inside a replaced block must share at least this much to be shown as one
# sentence with words changed, rather than as one removed and one added.
_PAIR_SIMILARITY = 0.4


@dataclass(frozen=True)
class SentenceDiff:
    change: str  # "changed", "added" or "removed"
    old: str | None
    new: str | None
    marked: str  # the sentence with changed words marked


def sentences(text: str, fmt: str) -> list[str]:
    """The visible sentences of a file's text, whitespace collapsed."""
    from monitor.extract.sentences import split_sentences
    from monitor.markup import visible_text

    return [s.text for s in split_sentences(text, visible_text(text, fmt))]


def diff_texts(old: str, new: str, fmt: str = "text") -> list[SentenceDiff]:
    """The sentences that differ between two versions of a text, in the new version's order."""
    return diff_sentences(sentences(old, fmt), sentences(new, fmt))


def diff_sentences(old: list[str], new: list[str]) -> list[SentenceDiff]:
    """Sentence lists compared: replaced sentences paired by similarity and word-diffed."""
    out: list[SentenceDiff] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            out += _replaced(old[i1:i2], new[j1:j2])
    return _without_moves(out)


@dataclass(frozen=True)
class Segment:
    """A run of a sentence; `changed` runs are the words that differ from the other version."""

    text: str
    changed: bool = False


@dataclass(frozen=True)
class WordRun:
    """Aligned runs of two sentences: the same words (`changed` false), or words that differ."""

    old: str
    new: str
    changed: bool


def word_runs(old: str, new: str) -> list[WordRun]:
    """Two sentences as aligned runs, the changed ones as short as a reader would mark them.

    Words are compared whole ("25%" against "30%"); spaces at the edge of a change stay outside
    it, and a change, a space and a change read as one change ("[-a b-]", not "[-a-] [-b-]").
    Joining the runs' `old` (or `new`) texts gives the sentence back exactly.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    runs: list[WordRun] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        x, y = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            runs.append(WordRun(x, y, False))
            continue
        # Spaces at either end are layout, not changed words.
        (x_lead, x_core, x_trail), (y_lead, y_core, y_trail) = _edges(x), _edges(y)
        runs += [WordRun(x_lead, y_lead, False), WordRun(x_core, y_core, True), WordRun(x_trail, y_trail, False)]
    return _joined([r for r in runs if r.old or r.new])


def _edges(text: str) -> tuple[str, str, str]:
    """(leading spaces, words, trailing spaces); text of spaces only is all leading."""
    core = text.strip()
    if not core:
        return text, "", ""
    lead = text[:len(text) - len(text.lstrip())]
    return lead, core, text[len(lead) + len(core):]


def _joined(runs: list[WordRun]) -> list[WordRun]:
    """Neighbouring runs of the same kind as one, and a lone space between two changes inside them."""
    out: list[WordRun] = []
    for run in runs:
        if out and out[-1].changed == run.changed:
            out[-1] = WordRun(out[-1].old + run.old, out[-1].new + run.new, run.changed)
        elif (run.changed and len(out) >= 2 and out[-2].changed and not out[-1].changed
              and not (out[-1].old + out[-1].new).strip()):
            space = out.pop()
            out[-1] = WordRun(out[-1].old + space.old + run.old, out[-1].new + space.new + run.new, True)
        else:
            out.append(run)
    return out


def mark_words(old: str, new: str) -> str:
    """`new` with the words that differ from `old` marked: [-removed-]{+inserted+}."""
    parts = []
    for run in word_runs(old, new):
        if not run.changed:
            # The sides differ at most by a space beside a change (a removed word's gap): keep it.
            parts.append(max(run.new, run.old, key=len))
            continue
        parts.append(f"[-{run.old}-]" if run.old else "")
        parts.append(f"{{+{run.new}+}}" if run.new else "")
    return "".join(parts)


def mark_changes(old: str | None, new: str | None) -> tuple[list[Segment], list[Segment]]:
    """Both sentences as runs with the words removed from `old` and added in `new` marked.

    A missing side (a fact added or removed) has no runs, and the other side has no marks: the
    whole sentence is new or gone, so marking words in it would single out nothing.
    """
    if old is None or new is None:
        return [Segment(old)] if old else [], [Segment(new)] if new else []
    runs = word_runs(old, new)
    return ([Segment(r.old, r.changed) for r in runs if r.old],
            [Segment(r.new, r.changed) for r in runs if r.new])


def _replaced(old: list[str], new: list[str]) -> list[SentenceDiff]:
    """A block of old sentences replaced by a block of new ones: pair each new sentence with the
    most similar unpaired old one (in order), the rest are added or removed."""
    out: list[SentenceDiff] = []
    used: set[int] = set()
    for sentence in new:
        best, best_i = 0.0, None
        for i, candidate in enumerate(old):
            if i in used:
                continue
            ratio = SequenceMatcher(None, _WORDS.findall(candidate), _WORDS.findall(sentence)).ratio()
            if ratio > best:
                best, best_i = ratio, i
        if best_i is not None and best >= _PAIR_SIMILARITY:
            used.add(best_i)
            out.append(SentenceDiff("changed", old[best_i], sentence, mark_words(old[best_i], sentence)))
        else:
            out.append(SentenceDiff("added", None, sentence, "{+" + sentence + "+}"))
    out += [SentenceDiff("removed", s, None, "[-" + s + "-]") for i, s in enumerate(old) if i not in used]
    return out


def _without_moves(diffs: list[SentenceDiff]) -> list[SentenceDiff]:
    """Drop a sentence removed in one place and added unchanged in another: it only moved."""
    moved = Counter(d.new for d in diffs if d.change == "added") & Counter(
        d.old for d in diffs if d.change == "removed")
    unpaired_added, unpaired_removed = Counter(moved), Counter(moved)
    kept: list[SentenceDiff] = []
    for d in diffs:
        if d.change == "added" and unpaired_added[d.new] > 0:
            unpaired_added[d.new] -= 1
        elif d.change == "removed" and unpaired_removed[d.old] > 0:
            unpaired_removed[d.old] -= 1
        else:
            kept.append(d)
    return kept


def diff_document(db: sqlite_utils.Database, path: str, from_version: int | None = None,
                  to_version: int | None = None) -> str:
    """`monitor diff`: the changed sentences of a stored document between two versions, as text."""
    old, new = find_versions(db, path, from_version, to_version)
    header = (f"{new['path']}: version {old['version']} ({old['observed_at']}) -> "
              f"version {new['version']} ({new['observed_at']})")
    if old["id"] == new["id"]:
        return f"{header}\nonly one version stored"
    changes = diff_texts(old["text"], new["text"], new["format"])
    if not changes:
        return f"{header}\nno difference a reader would see (formatting, layout or markup only)"
    sign = {"changed": "~", "added": "+", "removed": "-"}
    return "\n".join([header] + [f"{sign[d.change]} {d.marked}" for d in changes])


class VersionNotFound(MonitorError):
    """No such document or version in the database."""


def find_versions(db: sqlite_utils.Database, path: str, from_version: int | None = None,
                  to_version: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two stored versions of the document at `path` (default: the last two).

    `path` is the document's path as stored, or a file path under a watched folder.
    """
    document = _find_document(db, path)
    numbers = [r[0] for r in db.execute(
        "SELECT version FROM document_versions WHERE document_id = ? ORDER BY version", [document["id"]])]
    if not numbers:
        raise VersionNotFound(f"{path}: no stored version")
    to_version = to_version if to_version is not None else numbers[-1]
    if from_version is None:
        earlier = [n for n in numbers if n < to_version]
        from_version = earlier[-1] if earlier else to_version
    rows = {}
    for n in (from_version, to_version):
        found = db.execute("SELECT id FROM document_versions WHERE document_id = ? AND version = ?",
                           [document["id"], n]).fetchone()
        if not found:
            raise VersionNotFound(f"{document['path']}: no version {n} (versions: {numbers[0]}..{numbers[-1]})")
        rows[n] = version_row(db, found[0])
    return rows[from_version], rows[to_version]


def _find_document(db: sqlite_utils.Database, path: str) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM documents WHERE path = ?", [path]))
    if not rows:
        # A file path: the stored path is relative to its watched folder.
        from pathlib import Path

        absolute = str(Path(path).resolve())
        rows = [r for r in db.query("SELECT * FROM documents")
                if absolute == str((Path(r["root"]) / r["path"]).resolve())]
    if not rows:
        raise VersionNotFound(f"{path}: no such document in the database")
    return rows[0]
