"""The text difference between two versions of a document, sentence by sentence (difflib).

What a reader sees is compared, not the file: markup, front matter and line wrapping are left out,
so a re-wrapped or re-formatted version shows no difference. Sentences that only moved (reordered
paragraphs) are not differences either. A changed sentence carries its changed words marked the
way `git diff --word-diff` does: `[-old words-]{+new words+}`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import sqlite_utils

from monitor.errors import MonitorError

_WORDS = re.compile(r"\S+")
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


def mark_words(old: str, new: str) -> str:
    """`new` with the words that differ from `old` marked: [-removed-]{+inserted+}."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(" ".join(a[i1:i2]))
            continue
        removed = "[-" + " ".join(a[i1:i2]) + "-]" if i2 > i1 else ""
        inserted = "{+" + " ".join(b[j1:j2]) + "+}" if j2 > j1 else ""
        parts.append(removed + inserted)
    return " ".join(parts)


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
        found = list(db.query("SELECT * FROM document_versions WHERE document_id = ? AND version = ?",
                              [document["id"], n]))
        if not found:
            raise VersionNotFound(f"{document['path']}: no version {n} (versions: {numbers[0]}..{numbers[-1]})")
        rows[n] = found[0]
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
