"""Blocks (paragraphs, list items, table rows) and sentences, as offsets into the file.

Rules read one sentence at a time; a list item also knows the sentence that introduced its list
("... include:"), because "Japan (25%)" only means a tariff under such a sentence. Items are
Markdown and text bullets, and HTML ``<li>`` items.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from .folding import matches_at
from .gazetteer import lexicon

__all__ = ["Sentence", "split_sentences"]

_BULLET = r"[ \t]*+(?:[-*+•]|\d{1,3}[.)]|\(\w{1,4}\)|\\\(\w{1,4}\\\))[ \t]+"
# A bullet at a line start, found in one pass over "\n" + the file text (a line break that
# markup put in the visible text stands for a block tag, whose name is no bullet).
_BULLET_LINE = re.compile(r"\n" + _BULLET)
_ABBREV = frozenset(a.lower() for a in lexicon()["abbreviations"])
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital,
# digit or opening quote.
_END_REST = r"[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])"
_END = re.compile(r"[.!?]" + _END_REST)
# The same, one pattern per end mark: each starts with a literal, which re finds far faster than
# the class "[.!?]", so the whole text is searched once for where a sentence may end.
_ENDS_AT = {mark: re.compile(re.escape(mark) + _END_REST) for mark in ".!?"}
_WORD_AT_END = re.compile(r"[A-Za-z][A-Za-z.]*$")
_LI_TAG = re.compile(r"<(?:li|LI)(?:\s[^>]*)?>")
_VISIBLE = re.compile(r"\S")


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    block: int
    visible: str = field(repr=False, compare=False)  # the visible text that start and end index
    intro: "Sentence | None" = None  # the sentence that introduces this list item's list
    is_item: bool = False
    is_table_row: bool = False

    @property
    def text(self) -> str:
        """The sentence on one line (whitespace collapsed); made when asked, as most never are."""
        return " ".join(self.visible[self.start:self.end].split())


def _bullet_lines(raw: str) -> set[int]:
    """Offsets of the lines of ``raw`` that start with a list bullet."""
    return {m.start() for m in _BULLET_LINE.finditer("\n" + raw)}


def _blocks(raw: str, vis: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, indent, is_list_item) for each paragraph, list item or table row."""
    blocks: list[list] = []
    current: list | None = None
    bullets = _bullet_lines(raw)
    size = len(vis)
    s = 0
    # Lines by str.split (C speed); blanked markup leaves many blank lines.
    for piece in vis.split("\n"):
        start, s = s, s + len(piece) + 1
        if not piece or piece.isspace():
            current = None
            continue
        is_item = start in bullets and not raw[start:s].lstrip().startswith("**")
        is_row = "|" in piece and (piece.lstrip().startswith("|") or piece.count("|") >= 2)
        # HTML block tags turned into line breaks start new blocks too.
        html_break = start > 0 and raw[start - 1] == "<"
        if current is None or is_item or is_row or current[4] or html_break:
            indent = len(piece) - len(piece.lstrip(" \t"))
            # A list's nesting is read from the visible indent (bullet included); a paragraph's
            # from the file's, as markup blanked at its start ("**Note:**") is no indent.
            level = indent if is_item or not indent else len(raw_line := raw[start:s]) - len(raw_line.lstrip(" \t"))
            current = [start + indent, min(s, size), min(indent, level), is_item, is_row]
            blocks.append(current)
        else:
            current[1] = min(s, size)  # a line ends after its "\n" (the last one may have none)
    return [(b[0], b[1], b[2], b[3]) for b in blocks]


def _word_before(vis: str, start: int, at: int) -> str | None:
    """The word (ASCII letters, and dots after its first letter) that ends at ``at``, not reaching
    before ``start``: "U.S" before the last dot of "U.S.". It lies after the last space, so only
    that last token is searched (searching the block would try every letter in it)."""
    m = _WORD_AT_END.search(vis, max(start, vis.rfind(" ", start, at) + 1), at)
    return m.group(0) if m else None


def _end_candidates(vis: str) -> list[int]:
    """Sorted offsets where ``_END`` matches in the whole text: where it can match in a block."""
    return sorted(m.start() for mark, rx in _ENDS_AT.items() if mark in vis for m in rx.finditer(vis))


def _sentence_ends(vis: str, start: int, end: int, candidates: list[int]) -> list[int]:
    """Where sentences end inside the block ``vis[start:end]`` (tried with ``end`` as the end of
    the text, so that nothing after the block counts; only at ``candidates``, see above)."""
    cuts = []
    for m in matches_at(_END, vis, candidates, start, end):
        if m.group(0)[0] == ".":
            word = _word_before(vis, start, m.start())
            if word:
                word = word.lower()
                if word in _ABBREV or word.rstrip(".") in _ABBREV or (len(word) == 1 and word.isalpha()):
                    continue
        cuts.append(m.end())
    return cuts


def split_sentences(raw: str, vis: str) -> list[Sentence]:
    """Sentences of the visible text, each tagged with its block and its list's intro sentence."""
    out: list[Sentence] = []
    # The last sentence ending with ":" at each indent level, so a list item finds its intro.
    intros: list[tuple[int, Sentence]] = []
    candidates = _end_candidates(vis)
    for n, (bstart, bend, indent, is_item) in enumerate(_blocks(raw, vis)):
        while intros and intros[-1][0] >= indent and not (is_item and intros[-1][0] < indent):
            intros.pop()
        if not is_item and indent == 0:
            intros = []
        intro = intros[-1][1] if intros and is_item else None
        starts = [bstart] + _sentence_ends(vis, bstart, bend, candidates)
        ends = starts[1:] + [bend]
        last = None
        for s, e in zip(starts, ends):
            segment = vis[s:e]
            left = segment.lstrip()  # the same whitespace as the regex \s
            if not left:
                continue
            right = left.rstrip()
            lead = len(segment) - len(left)
            sent = Sentence(s + lead, s + lead + len(right), n, vis, intro, is_item,
                            right.startswith("|") or right.count("|") >= 2)
            out.append(sent)
            last = sent
        if last is not None and vis[last.end - 1] == ":":
            intros.append((indent, last))
    if "<" in raw:
        _mark_html_items(raw, vis, out)
    return out


def _mark_html_items(raw: str, vis: str, sentences: list[Sentence]) -> None:
    """Mark the sentences of HTML list items (``<li>``) as list items, each with its list's intro
    (the sentence before the list, when it ends with a colon), as a Markdown or text list is
    marked: "<li>Hub motors ...: duty reduced from 4.7% to 2%</li>" reads as "- Hub motors ...".
    The tags are blanked in ``vis``, so an item is found where its tag was."""
    first = _LI_TAG.search(raw)
    if first is None:
        return
    starts = [s.start for s in sentences]
    firsts: list[int] = []
    for m in _LI_TAG.finditer(raw, first.start()):
        seen = _VISIBLE.search(vis, m.end())  # tags inside the item are blanked to spaces
        if seen is not None:
            i = bisect_right(starts, seen.start()) - 1
            if i >= 0 and seen.start() < sentences[i].end and (not firsts or firsts[-1] != i):
                firsts.append(i)
    blocks = {sentences[i].block for i in firsts}
    intro: Sentence | None = None
    done = -1
    for i in firsts:  # each item's sentences, from the one its tag opens to the end of its block
        if i <= done:
            continue
        if i == 0 or sentences[i - 1].block not in blocks:  # a list's first item: the sentence before is its intro
            before = sentences[i - 1] if i else None
            intro = before if before is not None and vis[before.start:before.end].rstrip().endswith(":") else None
        j = i
        while j < len(sentences) and sentences[j].block == sentences[i].block:
            item = sentences[j]
            if not item.is_item:
                item.is_item, item.intro = True, item.intro or intro
            j += 1
        done = j - 1
