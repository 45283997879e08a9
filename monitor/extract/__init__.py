"""Fact extraction: typed facts (tariff, deadline, money, percent, count, exemption) with evidence.

``extract_facts`` is pure and deterministic: the packaged gazetteers are read once per process.
"""
from __future__ import annotations

import datetime as dt

from ..fact import Fact
from ..markup import reading_text
from .context import prepare
from .counts import count_facts
from .deadlines import deadline_facts
from .exemptions import exemption_facts
from .gazetteer import Gazetteer, default_gazetteer
from .money import money_facts
from .shares import percent_facts
from .tariffs import tariff_facts

__all__ = ["extract_facts", "extract_with_reading", "reading_text", "Gazetteer", "Fact"]

_RULES = (tariff_facts, deadline_facts, money_facts, percent_facts, count_facts, exemption_facts)


def extract_facts(text: str, *, reference_date: dt.date | None = None, fmt: str = "text",
                  gazetteer: Gazetteer | None = None) -> list[Fact]:
    """Facts in ``text`` (the whole decoded file, front matter and markup included).

    Offsets index ``text``: ``text[f.start:f.end] == f.text``. ``reference_date`` is the
    document's date, used for year-less and relative dates; ``fmt`` is "text", "markdown" or
    "html". Facts come sorted by position.
    """
    return extract_with_reading(text, reference_date=reference_date, fmt=fmt, gazetteer=gazetteer)[0]


def extract_with_reading(text: str, *, reference_date: dt.date | None = None, fmt: str = "text",
                         gazetteer: Gazetteer | None = None) -> tuple[list[Fact], str]:
    """``extract_facts``, and the reading text its facts' sentences were cut from (what
    ``markup.reading_text(text, fmt)`` gives): a caller that stores where each sentence stands need
    not build it again."""
    doc = prepare(text, fmt, reference_date, gazetteer or default_gazetteer())
    facts: list[Fact] = []
    for rule in _RULES:
        facts.extend(rule(doc))
    facts.sort(key=lambda f: (f.start, f.end, f.kind))
    return facts, doc.text
