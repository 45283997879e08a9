"""Where known words and numbers start, found in one pass over the lower-cased text.

Several rules only ever match at a word of a known list (a product's first word, a month, a
spelled number) or at a number. Instead of each rule trying its pattern at every position, one
finder, built over all those lists, looks them all up in one pass; each rule then tries its own
pattern only where one of its words starts (``folding.matches_at``).
"""
from __future__ import annotations

import codecs
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


def _token_bytes(error: UnicodeEncodeError) -> tuple[bytes, int]:
    """Characters beyond ASCII as token bytes: a decimal digit as "0" (as ``\\d`` sees it), any
    other letter or digit as 0x80 (part of a token, in no listed word), the rest as a space."""
    chunk = error.object[error.start:error.end]
    return bytes(48 if c.isdecimal() else 128 if c.isalnum() else 32 for c in chunk), error.end


codecs.register_error("monitor.tokens", _token_bytes)
# Lower-case letters stay, every digit becomes "0" and an upper-case letter 0x80 (in no listed
# word: the text is lower-cased); anything else is a space, so a token is a run of non-spaces.
_TOKEN_TABLE = bytes(c if 97 <= c <= 122 or c == 128 else 48 if 48 <= c <= 57 else 128 if 65 <= c <= 90 else 32
                     for c in range(256))
_DIGIT_LEAD = re.compile(rb" 0")  # in the mapped text: a digit run starts after the space
_SPACED = re.compile(r"[\d,.]*+\s")  # what follows the first digit of a number a space follows


def _token_key(word: str) -> bytes:
    return word.encode("ascii", "monitor.tokens").translate(_TOKEN_TABLE)


class WordFinder:
    """Finds, in lower-cased text, where the given (lower-case) words stand as whole tokens after
    a non-word character (a dot included), and where digit runs start.

    No pattern is tried at every word: the text is mapped, a byte per character and so with the
    same offsets, to tokens (runs of letters and digits) between spaces; the tokens that are
    listed words are picked out by a set look-up, and each is then found by a search for
    " word " from the one before. The text is crossed at C speed, Python works only at the
    words found."""

    def __init__(self, words: Iterable[str]):
        by_key: dict[bytes, list[str]] = {}
        for w in words:
            assert w.isalnum() and w == w.lower(), w
            by_key.setdefault(_token_key(w), []).append(w)
        # Token -> (" token ", the word it is, or None when it may be several or is spelled
        # otherwise: a word beyond ASCII or with digits, checked in the text).
        self._tokens = {key: (b" " + key + b" ", ws[0] if key == ws[0].encode() else None)
                        for key, ws in by_key.items()}
        self._spellings = {key: ws for key, ws in by_key.items() if self._tokens[key][1] is None}
        self._digit_led = frozenset(w for ws in by_key.values() for w in ws if w[0].isdecimal())

    def find(self, lowered: str) -> Words:
        tokens = b" " + _token_key(lowered) + b" "  # offset p of ``lowered``: " word " found at p
        by_word: dict[str, list[int]] = {}
        find, pos, listed = tokens.find, 0, self._tokens
        for key in filter(listed.__contains__, tokens.split()):
            needle, word = listed[key]
            p = find(needle, pos)
            pos = p + len(needle) - 1
            if word is None:
                word = next((w for w in self._spellings[key] if lowered.startswith(w, p)), None)
            if word is not None:
                by_word.setdefault(word, []).append(p)
        digits = [m.start() for m in _DIGIT_LEAD.finditer(tokens)]
        if self._digit_led:  # a listed word that begins with a digit ("3d") is that word, not a number
            words_at = {p for w in self._digit_led & by_word.keys() for p in by_word[w]}
            digits = [p for p in digits if p not in words_at]
        if "_" in lowered:  # a word character that the mapping takes for a space
            by_word = {w: starts for w, ps in by_word.items() if (starts := _not_after_underscore(lowered, ps))}
            digits = _not_after_underscore(lowered, digits)
        return Words(by_word, digits, [p for p in digits if _SPACED.match(lowered, p + 1)])


def _not_after_underscore(text: str, starts: list[int]) -> list[int]:
    return [p for p in starts if p == 0 or text[p - 1] != "_"]
