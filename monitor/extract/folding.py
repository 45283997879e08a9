"""Case-insensitive patterns that re can scan quickly.

Under ``re.I`` the ``re`` engine cannot skip ahead to where a pattern's first characters occur; it
tries the whole pattern at every position. The same pattern with its letters lower-cased, run
without ``re.I`` over a lower-cased copy of the text, finds the same matches and lets ``re`` skip
ahead. The copy is only usable when lower-casing keeps every offset (see ``Doc.lower``), so each
pattern is compiled both ways.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterator, Sequence

__all__ = ["CasePattern", "Prefilter", "fold", "matches_at"]


def fold(pattern: str) -> str:
    """``pattern`` with its letters lower-cased; escapes (``\\b``, ``\\S``...) and group names
    left as written."""
    if "(?i" in pattern or "(?-i" in pattern or "(?P=" in pattern:
        raise ValueError(f"cannot fold a pattern with inline flags or back references: {pattern!r}")
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            j = pattern.index(">", i) + 1
            out.append(pattern[i:j])
            i = j
        elif pattern[i] == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        else:
            out.append(pattern[i].lower())
            i += 1
    return "".join(out)


def _tokens(pattern: str) -> Iterator[tuple[int, str]]:
    """(offset, token) for each token of ``pattern``: an escape ("\\b"), a character class
    ("[^.;]"), a counted repeat ("{0,3}") or a single character."""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            j = i + 2
        elif c == "[":
            j = _class_end(pattern, i)
        elif c == "{":
            j = pattern.index("}", i) + 1
        else:
            j = i + 1
        yield i, pattern[i:j]
        i = j


def _alternatives(pattern: str) -> list[str]:
    """``pattern`` cut at its top-level "|" (not inside groups or character classes)."""
    out, depth, start = [], 0, 0
    for i, token in _tokens(pattern):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
    out.append(pattern[start:])
    return out


def _class_end(pattern: str, i: int) -> int:
    """Index after the character class that opens at ``pattern[i]``."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _required_literal(alternative: str) -> str:
    """The longest run of plain characters that every match of ``alternative`` contains: outside
    groups and classes, not escaped, not made optional by a quantifier ("" when there is none)."""
    runs, run, depth = [], "", 0
    for _, token in _tokens(alternative):
        c = token[0]
        if c in "?*{" and depth == 0:
            run = run[:-1]  # the quantified character may be absent
        if c in "\\.^$*+?{}[]()|" or depth > 0:
            runs.append(run)
            run = ""
            depth += token == "("
            depth -= token == ")"
        else:
            run += c
    runs.append(run)
    return max(runs, key=len)


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """One literal per top-level alternative of ``pattern`` such that every match contains one
    of them; None when some alternative has none. A cheap ``in`` test before the regex."""
    found = tuple(_required_literal(a) for a in _alternatives(pattern))
    return None if not all(found) else found


@dataclass(frozen=True)
class CasePattern:
    """One case-insensitive pattern: ``any_case`` for any text, ``lower`` for lower-cased text,
    ``hints``: literals one of which every match contains (see ``required_literals``), and
    ``literal``: the pattern itself when it is a plain string ("day", "%"), which ``str.find``
    locates in fewer steps than re."""

    any_case: re.Pattern[str]
    lower: re.Pattern[str]
    hints: tuple[str, ...] | None = None
    literal: str | None = None

    @classmethod
    def compile(cls, pattern: str) -> "CasePattern":
        folded = fold(pattern)
        hints = required_literals(folded)
        # A pattern that is its own required literal has no special character.
        return cls(re.compile(pattern, re.I), re.compile(folded), hints, folded if hints == (folded,) else None)

    @classmethod
    def compile_lower(cls, pattern: str) -> "CasePattern":
        """From a pattern already written in lower case (group names allowed)."""
        return cls(re.compile(pattern, re.I), re.compile(pattern))

    def search(self, text: str, lowered: str | None) -> re.Match[str] | None:
        """Search ``lowered`` (``text`` lower-cased, same length) if given, else ``text``."""
        if lowered is None:
            return self.any_case.search(text)
        if self.hints is None:
            return self.lower.search(lowered)
        for hint in self.hints:
            if hint in lowered:
                return self.lower.search(lowered)
        return None


@dataclass(frozen=True)
class Prefilter:
    """A necessary condition for a rule: a match of any of several case-insensitive patterns.

    Each part should start with a literal word: re finds the next place a literal occurs very
    fast, while an alternation of several first words ("tariff|duty") makes it test every
    character. Parts are searched one by one, so one cannot hide another's match."""

    parts: tuple[CasePattern, ...]

    @classmethod
    def any_of(cls, *patterns: str) -> "Prefilter":
        return cls(tuple(CasePattern.compile(p) for p in patterns))


def matches_at(rx: re.Pattern[str], text: str, starts: Sequence[int], start: int = 0,
               end: int | None = None, stop: int | None = None) -> Iterator[re.Match[str]]:
    """What ``rx.finditer(text, start, end)`` yields, with ``rx`` tried only at ``starts``.

    ``starts`` (sorted) must hold every position where ``rx`` can match, as found by a cheap
    finder; a pattern that re has to try at every position is then tried at a few. ``stop``:
    no match can start there or later (the search still ends at ``end``)."""
    end = len(text) if end is None else end
    last = end if stop is None else min(end, stop)
    pos = start
    for i in range(bisect_left(starts, start), len(starts)):
        p = starts[i]
        if p >= last:
            break
        if p < pos:
            continue
        m = rx.match(text, p, end)
        if m:
            yield m
            pos = max(m.end(), p + 1)
