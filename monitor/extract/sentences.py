"""Blocks (paragraphs, list items, table rows) and sentences, as offsets into the file.

Rules read one sentence at a time; a list item also knows the sentence that introduced its list
("... include:"), because "Japan (25%)" only means a tariff under such a sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .gazetteer import lexicon

__all__ = ["Sentence", "split_sentences"]

_BULLET = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)]|\(\w{1,4}\)|\\\(\w{1,4}\\\))[ \t]+")
_ABBREV = frozenset(a.lower() for a in lexicon()["abbreviations"])
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital,
# digit or opening quote.
_END = re.compile(r"[.!?][\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


@dataclass
class Sentence:
    start: int
    end: int
    block: int
    text: str  # visible text, whitespace collapsed
    intro: "Sentence | None" = None  # the sentence that introduces this list item's list
    is_item: bool = False
    is_table_row: bool = False


def _blocks(raw: str, vis: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, indent, is_list_item) for each paragraph, list item or table row."""
    blocks: list[list] = []
    current: list | None = None
    s = 0
    # Lines by str.split (C speed); blanked markup leaves many blank lines, skipped at once.
    for piece in vis.split("\n"):
        start, s = s, s + len(piece) + 1
        end = min(s, len(vis))  # a line ends after its "\n" (the last one may have none)
        stripped = piece.strip()
        if not stripped:
            current = None
            continue
        indent = len(piece) - len(piece.lstrip(" \t"))
        is_item = bool(_BULLET.match(raw, start, end)) and not raw[start:end].lstrip().startswith("**")
        is_row = "|" in stripped and (stripped.startswith("|") or stripped.count("|") >= 2)
        # HTML block tags turned into line breaks start new blocks too.
        html_break = start > 0 and raw[start - 1] == "<"
        if current is None or is_item or is_row or current[4] or html_break:
            current = [start + indent, end, indent, is_item, is_row]
            blocks.append(current)
        else:
            current[1] = end
    return [(b[0], b[1], b[2], b[3]) for b in blocks]


# How far back the word before a full stop is looked for; a longer run of letters and dots is
# looked for from the block's start (as if there were no limit).
_WORD_WINDOW = 200


def _word_before(vis: str, start: int, at: int) -> "re.Match[str] | None":
    """The word (letters and dots) that ends at ``at``, not reaching before ``start``."""
    lo = max(start, at - _WORD_WINDOW)
    m = _WORD_BEFORE.search(vis, lo, at)
    if m is not None and m.start() == lo and lo > start:
        m = _WORD_BEFORE.search(vis, start, at)
    return m


def _sentence_ends(vis: str, start: int, end: int) -> list[int]:
    cuts = []
    for m in _END.finditer(vis[start:end]):
        if m.group(0)[0] == ".":
            before = _word_before(vis, start, start + m.start())
            if before:
                word = before.group(1).lower()
                if word in _ABBREV or word.rstrip(".") in _ABBREV or (len(word) == 1 and word.isalpha()):
                    continue
        cuts.append(start + m.end())
    return cuts


def split_sentences(raw: str, vis: str) -> list[Sentence]:
    """Sentences of the visible text, each tagged with its block and its list's intro sentence."""
    out: list[Sentence] = []
    # The last sentence ending with ":" at each indent level, so a list item finds its intro.
    intros: list[tuple[int, Sentence]] = []
    for n, (bstart, bend, indent, is_item) in enumerate(_blocks(raw, vis)):
        while intros and intros[-1][0] >= indent and not (is_item and intros[-1][0] < indent):
            intros.pop()
        if not is_item and indent == 0:
            intros = []
        intro = intros[-1][1] if intros and is_item else None
        starts = [bstart] + _sentence_ends(vis, bstart, bend)
        ends = starts[1:] + [bend]
        last = None
        for s, e in zip(starts, ends):
            segment = vis[s:e]
            words = segment.split()  # the same whitespace as the regex \s
            if not words:
                continue
            text = " ".join(words)
            lead = len(segment) - len(segment.lstrip())
            trail = len(segment) - len(segment.rstrip())
            sent = Sentence(s + lead, e - trail, n, text, intro, is_item,
                            text.startswith("|") or text.count("|") >= 2)
            out.append(sent)
            last = sent
        if last is not None and last.text.endswith(":"):
            intros.append((indent, last))
    return out
