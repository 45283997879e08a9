"""Canonical subjects: countries (ISO 3166-1 alpha-2), blocs and products, read from data files.

Facts from different documents must line up, so every name, alias or adjective ("Kazakh",
"PRC", "Chinese") maps to one canonical entity. The lists live in ``monitor/data``; users add
their own watch list and aliases through ``Gazetteer.load(extra_entities=..., aliases=...)``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib import resources
from typing import Iterable, Mapping, NamedTuple

from .words import WordFinder, Words, word_start_finder

__all__ = ["Entity", "Mention", "Gazetteer", "lexicon"]


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str  # "country", "bloc", "product" or "custom"
    code: str | None = None


class Mention(NamedTuple):
    """Where a document names an entity. A named tuple: a document has a thousand of them, and a
    tuple is made many times faster than a frozen dataclass."""

    entity: Entity
    start: int
    end: int
    demonym: bool = False


# A mention made without the Python-level ``__new__`` of a named tuple (a document has a thousand).
_new_mention = partial(tuple.__new__, Mention)


def _read(name: str) -> dict:
    return json.loads(resources.files("monitor.data").joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def lexicon() -> dict:
    """The word lists in ``monitor/data/lexicon.json`` (loaded once)."""
    return _read("lexicon.json")


def _variants(name: str) -> list[str]:
    # Typographic apostrophes are what scraped pages use ("People’s Republic of China").
    out = {name}
    if "'" in name:
        out.add(name.replace("'", "\u2019"))
    return list(out)


# A word as the matcher sees it: letters/digits with inner apostrophes, dots or hyphens cut off,
# so "U.S." yields "U", "non-USMCA" yields "non" and "USMCA".
_TOKEN = re.compile(r"(?<![\w.])[^\W_]+|(?<=-)[^\W_]+")


_FIRST_WORD = re.compile(r"[^\W_]+")
_ARTICLES = frozenset({"the"})  # first words of names not looked up in the word index (see Gazetteer)
_NAME_END = r"(?![\w-]|\.\w)"  # what the name patterns below require after a name


def _place(m: Mention) -> tuple[int, int]:
    """Mentions in text order, the longer first at one place."""
    return m.start, -m.end


def _surface(found: str) -> str:
    """A name as found, with its whitespace as the gazetteer writes it (one space): most are
    already so (printable and no double space), and are not split and joined again."""
    return found if found.isprintable() and "  " not in found else " ".join(found.split())


def _first_word(name: str) -> str:
    m = re.match(r"[^\W_]+", name)
    return m.group(0) if m else name


def _flex(name: str) -> str:
    """A name as a pattern that allows a line break wherever it has a space (wrapped text)."""
    return r"\s+".join(re.escape(part) for part in name.split(" "))


def _token_starts(finder: re.Pattern[str], text: str) -> dict[int, str]:
    """Token start -> token, for the tokens ``finder`` (a ``word_start_finder``) finds."""
    return {m.start(): m.group(0) for m in finder.finditer(text)}


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


class Gazetteer:
    """Names to canonical entities, with two precompiled matchers (names and products)."""

    def __init__(self, names: Mapping[str, tuple[Entity, bool]], products: Mapping[str, Entity]):
        self._names = dict(names)  # exact surface -> (entity, is_demonym)
        self._products = {k.lower(): v for k, v in products.items()}
        self._by_name = {e.name.lower(): e for e, _ in self._names.values()}
        self._by_name.update({e.name.lower(): e for e in self._products.values()})
        # Per first word, the products that start with it, longest first ("copper products" wins
        # over "copper").
        self._first_products: dict[str, list[re.Pattern[str]]] = {}
        for a in sorted(self._products, key=len, reverse=True):
            self._first_products.setdefault(_first_word(a).lower(), []).append(
                re.compile(_flex(a) + r"(?![\w-])", re.I))
        # Where a whole name occurs (not just its first word: "the" alone is no candidate), the
        # longest at a place ("People's Republic of China" wins over "People"). Names that start
        # with a capital are tried only where the document's word index (``word_finder``) found
        # their first word; the few whose first word is an article ("The Gambia", "the European
        # Union", and the article is in every sentence) get one finder per first word, which re
        # finds as a literal. Without an index, one finder for all capital names (re skips to
        # the next capital).
        # (A name that does not start with a letter or digit never begins a token: left out.)
        capital = [n for n in self._names if n[0].isupper()]
        indexed = [n for n in capital if _FIRST_WORD.match(n) and _first_word(n).lower() not in _ARTICLES]
        by_lead: dict[str, list[str]] = {}
        for n in self._names:
            if _FIRST_WORD.match(n) and (not n[0].isupper() or _first_word(n).lower() in _ARTICLES):
                by_lead.setdefault(_first_word(n), []).append(n)
        self._capital_finder = re.compile(word_start_finder(capital, space=r"\s+", end=_NAME_END))
        self._indexed_finder = re.compile(word_start_finder(indexed, space=r"\s+", end=_NAME_END))
        self._indexed_words = frozenset(_first_word(n).lower() for n in indexed)
        self._lead_finders = [re.compile(word_start_finder(names, space=r"\s+", end=_NAME_END, lead=word))
                              for word, names in by_lead.items()]
        self._product_finder = re.compile(word_start_finder(self._first_products))  # lower-cased text
        self._word_finders: dict[frozenset[str], WordFinder] = {}

    def word_finder(self, extra: frozenset[str]) -> WordFinder:
        """One finder for the first words of products and names and the (lower-case) words
        ``extra`` that the rules need (months, spelled numbers): one pass serves them all."""
        finder = self._word_finders.get(extra)
        if finder is None:
            finder = self._word_finders[extra] = WordFinder(self._first_products.keys() | self._indexed_words | extra)
        return finder

    @classmethod
    def load(cls, extra_entities: Iterable[str] = (), aliases: Mapping[str, str] | None = None) -> "Gazetteer":
        """The packaged gazetteer, extended by a user's watch list and aliases (config ``[extract]``)."""
        base = _default_parts()
        names = dict(base[0])
        products = dict(base[1])
        for raw in extra_entities or ():
            name = str(raw).strip()
            if name and name not in names and name.lower() not in products:
                entity = Entity(name, "custom")
                for v in _variants(name):
                    names[v] = (entity, False)
        for alias, canonical in (aliases or {}).items():
            target = _find(names, products, str(canonical))
            if target is None:
                target = Entity(str(canonical), "custom")
            if target.kind == "product":
                products[str(alias).lower()] = target
            else:
                for v in _variants(str(alias)):
                    names[v] = (target, False)
        return cls(names, products)

    def mentions(self, text: str, lowered: str | None = None, words: Words | None = None) -> list[Mention]:
        """Every name and product mention in ``text``, left to right, non-overlapping per matcher.

        Names are found whole by the name finders, which prefer the longest name at a place, as
        the longest-first name patterns do. Products: only tokens that can begin one are tried
        against its patterns; ``words`` (what ``word_finder`` found in ``lowered``, ``text``
        lower-cased with the same offsets) says where they are, or else a pass of our own."""
        out = []
        names, products = self._names, self._products
        first_products = self._first_products
        # Names and products are two matchers, each without overlaps of its own: one pass each.
        found = self._name_matches(text, words)
        end = -1
        for p in sorted(found):
            if p >= end:
                m = found[p]
                end = m.end()
                surface = m.group(0)
                entity, demonym = names.get(surface) or names[_surface(surface)]
                out.append(_new_mention((entity, p, end, demonym)))
        named = len(out)
        product_starts = self._product_starts(text, lowered, words)
        end = -1
        for p in sorted(product_starts):
            if p >= end:
                for rx in first_products[product_starts[p]]:
                    m = rx.match(text, p)
                    if m:
                        end = m.end()
                        out.append(_new_mention((products[" ".join(m.group(0).split()).lower()], p, end, False)))
                        break
        if len(out) > named:  # the names alone are in order already
            out.sort(key=_place)  # (at one place, a name stays before a product: sort is stable)
        return out

    def _name_matches(self, text: str, words: Words | None) -> dict[int, re.Match[str]]:
        """Start -> the longest name there, for every place a name can start (overlaps are for
        the caller to drop). With the index, tried only where it found a name's first word (a
        place after a dot too, which the finder rejects)."""
        if words is None:
            found = {m.start(): m for m in self._capital_finder.finditer(text)}
        else:
            match, by_word = self._indexed_finder.match, words.by_word
            found = {p: m for w in by_word.keys() & self._indexed_words for p in by_word[w] if (m := match(text, p))}
        for finder in self._lead_finders:
            found.update((m.start(), m) for m in finder.finditer(text))
        return found

    def _product_starts(self, text: str, lowered: str | None, words: Words | None) -> dict[int, str]:
        """Token start -> lower-cased token, for tokens that can begin a product name."""
        first_products = self._first_products
        if words is not None and lowered is not None:
            # A token never follows a dot ("U.S." is one name), a ``WordFinder`` word may.
            return {p: w for w in words.by_word.keys() & first_products.keys() for p in words.by_word[w]
                    if p == 0 or lowered[p - 1] != "."}
        if lowered is not None:
            return _token_starts(self._product_finder, lowered)
        return {m.start(): low for m in _TOKEN.finditer(text) if (low := m.group(0).lower()) in first_products}

    def lookup(self, name: str) -> Entity | None:
        """The entity a name, alias or adjective stands for, if any."""
        hit = self._names.get(name)
        if hit:
            return hit[0]
        return self._products.get(name.lower()) or self._by_name.get(name.lower())


def _find(names, products, canonical: str) -> Entity | None:
    if canonical in names:
        return names[canonical][0]
    if canonical.lower() in products:
        return products[canonical.lower()]
    for entity, _ in names.values():
        if entity.name.lower() == canonical.lower():
            return entity
    return None


@lru_cache(maxsize=1)
def _default_parts() -> tuple[dict, dict]:
    names: dict[str, tuple[Entity, bool]] = {}
    for row in _read("countries.json")["countries"]:
        entity = Entity(row["name"], "country", row["code"])
        for surface in [row["name"], *row["aliases"]]:
            for v in _variants(surface):
                names.setdefault(v, (entity, False))
        for surface in row["demonyms"]:
            names.setdefault(surface, (entity, True))
    for row in _read("blocs.json")["blocs"]:
        entity = Entity(row["name"], "bloc")
        for surface in [row["name"], *row["aliases"]]:
            for v in _variants(surface):
                names.setdefault(v, (entity, False))
        for surface in row["demonyms"]:
            names.setdefault(surface, (entity, True))
    # "the U.S." is spelled many ways; none of them is a sentence end.
    products: dict[str, Entity] = {}
    for row in _read("products.json")["products"]:
        entity = Entity(row["name"], "product")
        for surface in [row["name"], *row["aliases"]]:
            products.setdefault(surface.lower(), entity)
            if " " not in surface and not surface.endswith("s"):
                products.setdefault(_plural(surface.lower()), entity)
    return names, products


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The packaged gazetteer, built once per process."""
    return Gazetteer.load()
