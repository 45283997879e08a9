"""Where known words and numbers start, found in one pass over the lower-cased text.

Several rules only ever match at a word of a known list (a product's first word, a month, a
spelled number) or at a number. Instead of each rule trying its pattern at every position, one
finder, built over all those lists, walks from word boundary to word boundary once; each rule
then tries its own pattern only where one of its words starts (``folding.matches_at``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection, Iterable

__all__ = ["trie", "word_start_finder", "word_alternation", "WordFinder", "Words"]


def trie(words: Iterable[str], space: str | None = None, end: str = "") -> str:
    """An alternation of ``words`` factored by common prefixes ("ab|ac" -> "a(?:b|c)"): re tries
    alternatives one after the other, so a flat list of hundreds of words is slow to reject.

    ``space``, if given, is the pattern a space in a word stands for; ``end`` is appended where
    a word ends. Longer words are tried before their prefixes (as "\\w+" would be)."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def atom(ch: str) -> str:
        return space if ch == " " and space is not None else re.escape(ch)

    def emit(node: dict) -> str:
        alts = [atom(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            alts.append(end)
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"
    return emit(tree)


def word_start_finder(words: Iterable[str], space: str | None = None, end: str = r"(?![^\W_])",
                      lead: str | None = None, not_after: str = r"[\w.]") -> str:
    """A pattern for where one of ``words`` begins at a token start (not after a word character
    or a dot) and ends as ``end`` says (by default: the whole token). Grouped by first character,
    with the token-start test as a lookbehind after that character, so that re can skip to where
    a first character occurs; ``space`` as in ``trie``. With ``lead``, a beginning all the words
    share, the pattern starts with that literal (which re finds faster still). ``not_after``: the
    class of characters a word may not follow (by default a token's: word characters and dots).

    A flat alternation whose every branch starts with a literal character (what re needs to skip
    ahead), so it can be joined with other such alternations by "|"."""
    by_first: dict[str, list[str]] = {}
    for w in words:
        head = lead if lead is not None else w[0]
        assert w.startswith(head)
        by_first.setdefault(head, []).append(w[len(head):])
    return "|".join(re.escape(c) + r"(?<!" + not_after + re.escape(c) + ")" + trie(tails, space, end)
                    for c, tails in sorted(by_first.items()))


def word_alternation(alternatives: Iterable[str]) -> str:
    """Alternatives that each start with a plain lower-case letter, as one pattern that must
    begin a word (as "\\b(?:alt|...)" would) and that re can skip ahead to: the boundary test
    is a lookbehind after the first letter. For lower-cased text."""
    alts = list(alternatives)
    assert all(a[:1].isalpha() and a[:1].islower() for a in alts)
    return "|".join(a[0] + r"(?<!\w" + a[0] + ")" + a[1:] for a in alts)


@dataclass(frozen=True)
class Words:
    """What a ``WordFinder`` found in one text."""

    by_word: dict[str, list[int]]  # listed word -> where it stands as a whole token, in order
    digits: list[int]  # starts of digit runs (not after a word character)
    spaced_digits: list[int]  # those of them whose number ("1,234.5") a space follows

    def starts_of(self, vocabulary: Collection[str]) -> list[int]:
        """Sorted starts of the tokens in ``vocabulary``."""
        found = self.by_word.keys() & vocabulary
        if len(found) == 1:
            return list(self.by_word[found.pop()])
        return sorted(p for w in found for p in self.by_word[w])


class WordFinder:
    """Finds, in lower-cased text, where the given (lower-case) words stand as whole tokens after
    a non-word character (a dot included), and where digit runs start.

    The patterns start with the character before the token: a space (a literal, which re finds
    fastest) in one pass, any other character that is not an ASCII letter, digit or underscore in
    the other; so re only stops at word boundaries. What no listed word or digit can follow is
    rejected at once (a character class, checked in one step, before the alternatives). The text
    is searched with a space in front so that a word at the very start is found too."""

    def __init__(self, words: Iterable[str]):
        words = set(words)
        firsts = "".join(sorted({w[0] for w in words} | set("0123456789")))
        token = (r"(?=[" + re.escape(firsts) + r"])(?<!\w)"
                 r"(?:(?P<w>" + trie(words) + r")(?![^\W_])|(?P<d>\d)(?:(?=[\d,.]*+\s)(?P<sp>))?)")
        self._passes = (re.compile(" " + token), re.compile(r"[^0-9a-z_ ]" + token))

    def find(self, lowered: str) -> Words:
        by_word: dict[str, list[int]] = {}
        digits: list[int] = []
        spaced: list[int] = []
        text = " " + lowered
        for rx in self._passes:
            for m in rx.finditer(text):
                kind = m.lastgroup
                if kind == "w":
                    by_word.setdefault(m.group("w"), []).append(m.start("w") - 1)  # minus the space in front
                else:
                    digits.append(m.start("d") - 1)
                    if kind == "sp":
                        spaced.append(m.start("d") - 1)
        for starts in by_word.values():  # the two passes each found theirs in order
            starts.sort()
        digits.sort()
        spaced.sort()
        return Words(by_word, digits, spaced)
