"""Evidence sentences as offsets into a version's text instead of copies.

A fact's `sentence` is the sentence it stands in as the extractor reads it: the file's reading
text (`markup.reading_text`: markup blanked, typographic characters made plain, same
length) sliced and with its whitespace collapsed. The fact tables store only where that slice is (`sentence_start`,
`sentence_end`), and `sentence_at` rebuilds the sentence from the version's text.

`locate_sentences` checks, for every sentence, that rebuilding it gives back exactly the words
the extractor gave (a sentence the extractor took from elsewhere, a list's intro say, may stand
apart from its fact); a sentence it cannot place that way gets no offsets (None), and the caller
keeps a copy for that one instead, so a stored fact always reads back as it was extracted.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Iterable, Sequence

from monitor.fact import Fact
from monitor.markup import reading_text

# How many places starting with a sentence's first word are tried before giving up on it.
_MAX_CANDIDATES = 64

Span = tuple[int, int]


__all__ = ["reading_text", "sentence_at", "locate_sentences", "locate_sentence", "mention", "mention_json"]


def sentence_at(reading: str, start: int, end: int) -> str:
    """The sentence at [start, end) of a `reading_text`, on one line."""
    return " ".join(reading[start:end].split())


def locate_sentences(reading: str, facts: Sequence[Fact]) -> list[Span | None]:
    """For each fact, offsets of its sentence in `reading` (None where it cannot be placed)."""
    found: dict[tuple[str, int], Span | None] = {}
    out = []
    for f in facts:
        key = (f.sentence, f.start)
        if key not in found:
            found[key] = locate_sentence(reading, f.sentence, f.start)
        out.append(found[key])
    return out


def locate_sentence(reading: str, sentence: str, near: int) -> Span | None:
    """Where `sentence` stands in `reading`: the occurrence at or before `near` (a fact stands in
    its sentence), else the first one anywhere (a sentence the extractor took from elsewhere)."""
    if not sentence:
        return None
    first = sentence.split(" ", 1)[0]
    for candidates in (_before(reading, first, near + len(first)), _after(reading, first, 0)):
        for n, p in enumerate(candidates):
            if n >= _MAX_CANDIDATES:
                break
            end = _match_at(reading, sentence, p)
            if end is not None:
                return p, end
    return None


def _before(reading: str, word: str, limit: int) -> Iterable[int]:
    p = reading.rfind(word, 0, limit)
    while p >= 0:
        yield p
        p = reading.rfind(word, 0, p + len(word) - 1) if p > 0 else -1


def _after(reading: str, word: str, start: int) -> Iterable[int]:
    p = reading.find(word, start)
    while p >= 0:
        yield p
        p = reading.find(word, p + 1)


def _match_at(reading: str, sentence: str, p: int) -> int | None:
    """The end of `sentence` read from `p` on (whitespace runs counting as one space), or None."""
    if p > 0 and not reading[p - 1].isspace():
        return None
    match = _words(sentence.count(" ")).match(reading, p)
    if match is None or " ".join(match.group().split()) != sentence:
        return None
    return match.end()


@lru_cache(maxsize=None)
def _words(spaces: int) -> re.Pattern[str]:
    """A run of `spaces + 1` whitespace-separated words (one C-level match per candidate)."""
    return re.compile(r"\S+(?:\s+\S+){%d}" % spaces)


def mention(start: int, end: int, span: Span | None, rule: str, version_id: int, sentence: str) -> list:
    """One mention in a `facts.evidence` JSON list: [start, end, sentence_start, sentence_end,
    rule, version_id], plus the sentence itself only when it has no offsets. A list, not an
    object: the keys would be most of its bytes, on every mention of every fact."""
    if span is None:
        return [start, end, None, None, rule, version_id, sentence]
    return [start, end, span[0], span[1], rule, version_id]


def mention_json(start: int, end: int, span: Span | None, rule: str, version_id: int, sentence: str) -> str:
    """`mention(...)` as compact JSON text, the form `facts.evidence` stores: formatted directly,
    since the writer makes one per mention of every fact of every version."""
    if span is None or type(version_id) is not int:
        return json.dumps(mention(start, end, span, rule, version_id, sentence), separators=(",", ":"))
    return f"[{start:d},{end:d},{span[0]:d},{span[1]:d},{_json_text(rule)},{version_id:d}]"


@lru_cache(maxsize=1024)
def _json_text(text: str) -> str:
    # Rules are a few dozen names: each is encoded once.
    return json.dumps(text)
