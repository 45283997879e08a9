"""A fact: one typed statement read from a document, with the evidence that supports it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

KINDS = ("tariff", "deadline", "money", "percent", "count", "exemption")


def fact_key(kind: str, subject: str, subject_code: str | None, qualifier: str) -> str:
    """A fact's identity within a document, from the parts stored in the fact tables."""
    return "|".join((kind, subject_code or subject.lower(), qualifier))


@dataclass(frozen=True)
class Fact:
    """A typed fact and where it stands in the file.

    ``start``/``end`` are character offsets into the decoded file text (front matter and markup
    included), so ``file_text[start:end] == text``.
    """

    kind: str
    subject: str
    value: int | float | str | None
    unit: str | None
    text: str
    start: int
    end: int
    sentence: str
    rule: str
    # What tells apart facts of one kind and subject in one document: a tariff's basis,
    # what a deadline is for. Normalised, so that it is stable across cosmetic edits.
    qualifier: str = ""
    # ISO 3166-1 alpha-2 for countries; None for blocs, products and phrases.
    subject_code: str | None = None
    # Kind-specific attributes: status, basis, effective, low/high, previous, what, currency,
    # qualifier ("over", "about", "up to"), ...
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Identity of the fact within one document version: kind, subject and qualifier."""
        return fact_key(self.kind, self.subject, self.subject_code, self.qualifier)

    def to_json(self, document: str | None = None) -> dict[str, Any]:
        """The JSON Lines record that `monitor extract --json` prints."""
        record: dict[str, Any] = {} if document is None else {"document": document}
        record.update(
            kind=self.kind,
            subject=self.subject,
            value=self.value,
            unit=self.unit,
            text=self.text,
            start=self.start,
            end=self.end,
            sentence=self.sentence,
            rule=self.rule,
            qualifier=self.qualifier,
            subject_code=self.subject_code,
        )
        record.update(self.details)
        return record
