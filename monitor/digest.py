"""Digests: what changed since the last digest, grouped by entity, ready to render.

Building a digest reads the fact change log (`fact_changes`, cause 'edit' only: a rules upgrade is
never news), documents that appeared or went away, sources that now disagree, and the health of the
monitor itself, then records the digest in one write transaction: the `digests` row, the changes it
covers (`digest_changes`) and one pending `deliveries` row per channel. `delivery.deliver_pending`
does the sending, so a crash after recording loses nothing and a crash before it records nothing.

The grouping, the differences ("+5 points", "moved 14 days later"), collapsing A→B→C and marking the
changed words are pure functions over rows, so they are tested without a database.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

import sqlite_utils

from monitor.config import Config
from monitor.diff import Segment, mark_changes
from monitor.errors import MonitorError
from monitor.history import list_changes
from monitor.store import iso_utc, parse_utc, utcnow, write_transaction

# Sections in this order: tariffs first, then deadlines, then the rest.
KIND_ORDER = ("tariff", "deadline", "money", "percent", "count", "exemption")
KIND_HEADINGS = {
    "tariff": "Tariffs",
    "deadline": "Deadlines",
    "money": "Amounts",
    "percent": "Shares and changes",
    "count": "Counts",
    "exemption": "Exemptions",
}
# Facts listed per kind for a new or removed document; the rest are counted ("and 4 more").
# Tariffs and deadlines are what readers look for, the other kinds are context.
LISTED_PER_KIND = {"tariff": 8, "deadline": 6}
LISTED_OTHER_KINDS = 3
# A scheduled scan later than this many intervals (plus a minute) counts as missed.
SCAN_LATE_FACTOR = 2
# A scheduled digest this late counts as not run on time.
DIGEST_GRACE = timedelta(hours=1)
# Failed files listed one by one in a digest; the rest are counted.
MAX_ERRORS_LISTED = 20
# A scan started this long ago and never finished is reported as stuck or crashed.
SCAN_STUCK_AFTER = timedelta(hours=1)


class DigestError(MonitorError):
    """A digest cannot be built (for instance the fact tables are missing)."""


# --- The data model: what templates receive --------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One value in a chain of changes to one fact (A, B, C in A→B→C)."""

    value: Any
    display: str
    version: int | None
    detected_at: str | None


@dataclass(frozen=True)
class TimelinePoint:
    """A point of a tariff's timeline, in a 0..100 × 0..100 box (y grows downwards, as in SVG)."""

    x: float
    y: float
    label: str
    value: str


@dataclass
class ChangeLine:
    """One fact of one document, from its value before the digest's period to its value now."""

    kind: str
    subject: str
    qualifier: str
    change: str  # added, removed, changed (net, over the steps)
    old: Any
    new: Any
    unit: str | None
    old_display: str
    new_display: str
    difference: str
    path: str
    title: str
    version: int
    steps: list[Step]
    old_sentence: list[Segment]
    new_sentence: list[Segment]
    change_ids: list[int]
    timeline: list[TimelinePoint] = field(default_factory=list)

    @property
    def label(self) -> str:
        return fact_label(self.kind, self.subject, self.qualifier)

    @property
    def note(self) -> str:
        return qualifier_note(self.kind, self.subject, self.qualifier)

    @property
    def headline(self) -> str:
        """'tariff on Kazakhstan: 25% → 30%', 'agreement due by August 1 → August 15'."""
        if self.change == "added":
            values = f"{self.new_display} (new)"
        elif self.change == "removed":
            values = f"{self.old_display} (no longer stated)"
        else:
            values = f"{self.old_display} → {self.new_display}"
        return f"{self.label}{_label_separator(self.kind)}{values}"


@dataclass
class EntityGroup:
    """The changes to one fact (a tariff on one country, one kind of deadline), across documents."""

    kind: str
    subject: str
    label: str
    lines: list[ChangeLine]


@dataclass
class FactList:
    """The facts of one kind a document states, each as a few words: 'Kazakhstan 25%'."""

    kind: str
    heading: str
    items: list[str]
    more: int = 0  # facts beyond the ones listed


@dataclass
class DocumentEvent:
    """A document that appeared or went away, with what it says (or said last)."""

    path: str
    title: str
    event: str  # new or removed
    at: str
    version: int | None
    source_url: str | None = None
    facts: list[FactList] = field(default_factory=list)


@dataclass
class SourceValue:
    path: str
    title: str
    value: Any
    display: str


@dataclass
class Disagreement:
    """Documents whose current values of one fact (kind, subject, qualifier) differ."""

    kind: str
    subject: str
    qualifier: str
    label: str
    sources: list[SourceValue]


@dataclass
class HealthItem:
    category: str  # error, scan, digest, extraction, delivery
    message: str
    at: str | None = None
    path: str | None = None


@dataclass
class Digest:
    uuid: str
    created_at: str
    period_start: str | None
    period_end: str
    groups: list[EntityGroup]
    new_documents: list[DocumentEvent]
    removed_documents: list[DocumentEvent]
    disagreements: list[Disagreement]
    health: list[HealthItem]
    # Every change this digest accounts for, including those the filters left out.
    covered_change_ids: list[int]
    since: str | None = None
    id: int | None = None

    @property
    def lines(self) -> list[ChangeLine]:
        return [line for group in self.groups for line in group.lines]

    @property
    def sections(self) -> list[tuple[str, str, list[EntityGroup]]]:
        """(kind, heading, groups) in digest order: tariffs, deadlines, then the rest."""
        out: list[tuple[str, str, list[EntityGroup]]] = []
        for group in self.groups:
            if not out or out[-1][0] != group.kind:
                out.append((group.kind, KIND_HEADINGS.get(group.kind, group.kind.capitalize()), []))
            out[-1][2].append(group)
        return out

    @property
    def change_count(self) -> int:
        return len(self.lines)

    @property
    def has_news(self) -> bool:
        """Whether there is anything to tell; otherwise only a "nothing changed" notice is due."""
        # A failing delivery alone is not news: it would make a new digest at every run while the
        # mail server is down. It is told alongside anything else.
        told = [h for h in self.health if h.category != "delivery"]
        return bool(self.groups or self.new_documents or self.removed_documents or told)

    @property
    def title(self) -> str:
        """The first changes themselves ("Tariff on Kazakhstan: 25% → 30%; ..."), else the counts."""
        if not self.has_news:
            return "Nothing changed"
        if not self.lines:
            return self.summary
        parts = [line.headline for line in self.lines[:2]]
        if self.change_count > 2:
            parts.append(f"{self.change_count - 2} more")
        return _capitalized("; ".join(parts))

    @property
    def summary(self) -> str:
        """What the digest holds, counted: '2 changes in 1 document; 1 new document'."""
        parts = []
        if self.lines:
            documents = len({line.path for line in self.lines})
            parts.append(f"{_plural(self.change_count, 'change')} in {_plural(documents, 'document')}")
        if self.new_documents:
            parts.append(_plural(len(self.new_documents), "new document"))
        if self.removed_documents:
            parts.append(_plural(len(self.removed_documents), "removed document"))
        if self.disagreements:
            parts.append(f"sources disagree on {_plural(len(self.disagreements), 'fact')}")
        if self.health:
            parts.append(_plural(len(self.health), "health notice"))
        return _capitalized("; ".join(parts)) or "Nothing changed"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(title=self.title, summary=self.summary, change_count=self.change_count,
                    has_news=self.has_news)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Digest":
        """Rebuild a recorded digest (the inverse of `to_dict`), to render it again for delivery."""
        def line(d: Mapping[str, Any]) -> ChangeLine:
            d = dict(d)
            d["steps"] = [Step(**s) for s in d["steps"]]
            d["old_sentence"] = [Segment(**s) for s in d["old_sentence"]]
            d["new_sentence"] = [Segment(**s) for s in d["new_sentence"]]
            d["timeline"] = [TimelinePoint(**p) for p in d.get("timeline", [])]
            return ChangeLine(**d)

        return cls(
            uuid=data["uuid"],
            created_at=data["created_at"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            groups=[EntityGroup(kind=g["kind"], subject=g["subject"], label=g["label"],
                                lines=[line(x) for x in g["lines"]]) for g in data["groups"]],
            new_documents=[_document_event(e) for e in data["new_documents"]],
            removed_documents=[_document_event(e) for e in data["removed_documents"]],
            disagreements=[Disagreement(kind=d["kind"], subject=d["subject"], qualifier=d["qualifier"],
                                        label=d["label"], sources=[SourceValue(**s) for s in d["sources"]])
                           for d in data["disagreements"]],
            health=[HealthItem(**h) for h in data["health"]],
            covered_change_ids=list(data["covered_change_ids"]),
            since=data.get("since"),
            id=data.get("id"),
        )


def _document_event(data: Mapping[str, Any]) -> DocumentEvent:
    facts = [FactList(**f) for f in data.get("facts", [])]  # digests recorded before facts were listed have none
    return DocumentEvent(**{**data, "facts": facts})


# --- Values and differences (pure) ------------------------------------------------------------


def parse_value(value: Any) -> Any:
    """A stored value (a number, date text or None) with numbers given as text made numbers."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
        return float(value) if "." in value else int(value)
    return value


def _number(value: Any) -> float | None:
    value = parse_value(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _fmt_number(x: float) -> str:
    """25.0 → '25', 27.5 → '27.5', 1234567 → '1,234,567'."""
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _fmt_amount(x: float) -> str:
    """Large amounts the way articles write them: 1.5 billion, 300 million."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(x) >= size:
            return f"{_fmt_number(round(x / size, 2))} {word}"
    return _fmt_number(x)


def _parse_date(value: Any) -> tuple[date, bool] | None:
    """An ISO date, or XXXX-MM-DD (year unknown: returned with False, on a leap year)."""
    value = parse_value(value)
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"(\d{4}|XXXX)-(\d{2})-(\d{2})", value.strip())
    if not m:
        return None
    known = m.group(1) != "XXXX"
    try:
        # 2000 is a leap year, so 'XXXX-02-29' still parses.
        return date(int(m.group(1)) if known else 2000, int(m.group(2)), int(m.group(3))), known
    except ValueError:
        return None


def format_value(kind: str, value: Any, unit: str | None) -> str:
    """How a value reads in a digest: 25%, August 1, 2025, $1.5 billion, 12."""
    value = parse_value(value)
    if value is None:
        return {"tariff": "no rate stated", "exemption": "exempt"}.get(kind, "no value")
    if unit == "date" or kind == "deadline":
        parsed = _parse_date(value)
        if parsed:
            d, known = parsed
            return f"{d:%B} {d.day}, {d.year}" if known else f"{d:%B} {d.day}"
        return str(value)
    number = _number(value)
    if number is None:
        return str(value)
    if unit == "percent" or kind in ("tariff", "percent"):
        return f"{_fmt_number(number)}%"
    if kind == "money" or (unit and re.fullmatch(r"[A-Z]{3}", unit)):
        amount = _fmt_amount(number)
        return f"${amount}" if unit == "USD" else f"{amount} {unit or ''}".strip()
    return _fmt_number(number)


def _plural(n: float, word: str) -> str:
    return f"{_fmt_number(n)} {word}{'' if n == 1 else 's'}"


def difference(kind: str, old: Any, new: Any, unit: str | None) -> str:
    """The size of a change in words: '+5 points', 'moved 14 days later', '+$500 million (+50%)'."""
    old, new = parse_value(old), parse_value(new)
    if old is None or new is None:
        return _stated_difference(kind, old, new)
    if unit == "date" or kind == "deadline":
        return _date_difference(old, new)
    return _number_difference(kind, old, new, unit)


def _stated_difference(kind: str, old: Any, new: Any) -> str:
    """A value that appeared or went while the fact stayed ("tariffs on X" with and without a rate)."""
    if old is None and new is None:
        return ""
    if old is None:
        return "now stated" if kind == "tariff" else "new"
    return "rate no longer stated" if kind == "tariff" else "no longer stated"


def _date_difference(old: Any, new: Any) -> str:
    a, b = _parse_date(old), _parse_date(new)
    if not a or not b:
        return ""
    if a[1] != b[1]:
        # One side has no year: the day count would be a guess.
        return "date changed"
    days = (b[0] - a[0]).days
    if days == 0:
        return "same date"
    return f"moved {_plural(abs(days), 'day')} {'later' if days > 0 else 'earlier'}"


def _number_difference(kind: str, old: Any, new: Any, unit: str | None) -> str:
    x, y = _number(old), _number(new)
    if x is None or y is None:
        return ""
    delta = y - x
    if delta == 0:
        return "no net change"
    sign = "+" if delta > 0 else "-"
    if unit == "percent" or kind in ("tariff", "percent"):
        return f"{sign}{_plural(round(abs(delta), 4), 'point')}"
    if kind == "money":
        ratio = f" ({sign}{_fmt_number(round(abs(delta) / abs(x) * 100, 1))}%)" if x else ""
        return f"{sign}{format_value(kind, abs(delta), unit)}{ratio}"
    return f"{sign}{_fmt_number(abs(delta))}"


def rate_change(kind: str, old: Any, new: Any) -> float | None:
    """Percentage points a tariff moved, for the `min_rate_change` filter (None if not a rate move)."""
    if kind != "tariff":
        return None
    x, y = _number(old), _number(new)
    return None if x is None or y is None else abs(y - x)


# What a deadline is for, from the word that introduced its date (the extractor's qualifier is
# "trigger:what"): a phrase that reads before the date, "agreement due by August 1". The second
# phrase is for a deadline whose text names nothing that is due (what = "effect").
DEADLINE_PHRASES = {
    "by": ("{what} due by", "deadline"),
    "effective": ("{what} takes effect", "takes effect"),
    "until": ("{what} until", "until"),
    "expires": ("{what} expires", "expires"),
}
LABEL_PATTERNS = {
    "tariff": "tariff on {subject}",
    "money": "amount for {subject}",
    "percent": "share of {subject}",
    "count": "number of {subject}",
    "exemption": "exemption for {subject}",
}


def fact_label(kind: str, subject: str, qualifier: str = "") -> str:
    """What a fact is about, in words: 'tariff on Kazakhstan', 'tariff takes effect'."""
    if kind == "deadline":
        trigger, _, what = qualifier.partition(":")
        if trigger not in DEADLINE_PHRASES:
            return f"deadline for {subject}"
        phrase, bare = DEADLINE_PHRASES[trigger]
        what = what or subject
        return bare if what == "effect" else phrase.format(what=what)
    return LABEL_PATTERNS.get(kind, kind + " ({subject})").format(subject=subject)


def qualifier_note(kind: str, subject: str, qualifier: str) -> str:
    """What the qualifier adds to the label, in words ('part', 'range high'), else ''.

    A deadline's qualifier is its label already; others often repeat the subject before the part
    that tells two facts apart ("minerals|part").
    """
    if kind == "deadline":
        return ""
    parts = [p for p in qualifier.split("|") if p and p.lower() != subject.lower()]
    return " ".join(" ".join(parts).replace(":", " ").replace("_", " ").replace("-", " ").split())


def _label_separator(kind: str) -> str:
    # A deadline's label runs into its date ("takes effect August 1"); others are named, then valued.
    return " " if kind == "deadline" else ": "


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- Chains, lines and groups (pure) ----------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return abs(x - y) < 1e-9
    return parse_value(a) == parse_value(b)


def fact_identity(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes a change row about the same fact as another: document, kind, subject, qualifier."""
    subject = row.get("subject_code") or (row.get("subject") or "").lower()
    return (row["document_id"], row["kind"], subject, row.get("qualifier") or "")


def collapse_chains(rows: Iterable[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Group change rows into chains: A→B then B→C of one fact is one chain, shown as A→C.

    A row continues a chain when it is about the same fact and starts from the value the chain ended
    on; anything else (two values of one fact changing side by side) starts a chain of its own.
    """
    chains: list[list[Mapping[str, Any]]] = []
    open_chains: dict[tuple[Any, ...], list[list[Mapping[str, Any]]]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        candidates = open_chains.setdefault(fact_identity(row), [])
        for chain in candidates:
            if _same(chain[-1]["new"], row["old"]):
                chain.append(row)
                break
        else:
            chain = [row]
            candidates.append(chain)
            chains.append(chain)
    return chains


def net_change(chain: Sequence[Mapping[str, Any]]) -> str:
    """added, removed or changed, from the chain's first value to its last."""
    if chain[-1]["change"] == "removed":
        return "removed"  # also a fact added and removed again: it is gone at the end
    return "added" if chain[0]["change"] == "added" else "changed"


def chain_line(chain: Sequence[Mapping[str, Any]], title: str, history: Sequence[Mapping[str, Any]] = ()) -> ChangeLine:
    """The digest line for one chain: first old → last new, with the steps in between."""
    first, last = chain[0], chain[-1]
    kind, unit = last["kind"], last.get("unit") or first.get("unit")
    steps = [Step(parse_value(first["old"]), format_value(kind, first["old"], unit),
                  first["version"] - 1 if first["change"] != "added" else None, None)]
    steps += [Step(parse_value(r["new"]), format_value(kind, r["new"], unit), r["version"], r["detected_at"])
              for r in chain]
    change = net_change(chain)
    old_sentence, new_sentence = mark_changes(
        first.get("old_sentence") if change != "added" else None,
        last.get("new_sentence") if change != "removed" else None,
    )
    old_display = "—" if change == "added" else steps[0].display
    new_display = "removed" if change == "removed" else steps[-1].display
    line = ChangeLine(
        kind=kind, subject=last["subject"], qualifier=last.get("qualifier") or "", change=change,
        old=parse_value(first["old"]), new=parse_value(last["new"]), unit=unit,
        old_display=old_display, new_display=new_display,
        difference=_line_difference(change, kind, first["old"], last["new"], unit),
        path=last["path"], title=title, version=last["version"],
        steps=steps if len(chain) > 1 else [], old_sentence=old_sentence, new_sentence=new_sentence,
        change_ids=[r["id"] for r in chain],
    )
    if kind == "tariff":
        line.timeline = tariff_timeline(history or chain)
    return line


def _line_difference(change: str, kind: str, old: Any, new: Any, unit: str | None) -> str:
    if change == "added":
        return "new"
    if change == "removed":
        return "removed"
    return difference(kind, old, new, unit)


def tariff_timeline(history: Sequence[Mapping[str, Any]]) -> list[TimelinePoint]:
    """Points for an SVG step chart of a tariff over its document's versions (rated values only).

    x is evenly spaced by version so that changes minutes apart stay readable; y spans the rates,
    higher rates nearer the top.
    """
    values: list[tuple[str, float]] = []
    first = history[0] if history else None
    if first is not None and first["change"] != "added" and _number(first["old"]) is not None:
        values.append((f"v{first['version'] - 1}", _number(first["old"])))  # type: ignore[arg-type]
    for row in history:
        number = _number(row["new"])
        if row["change"] != "removed" and number is not None:
            values.append((f"v{row['version']}", number))
    if not values:
        return []
    low = min(v for _, v in values)
    high = max(v for _, v in values)
    # Start the axis at zero for rates so that 25 → 30 looks like the size it is.
    low = min(low, 0.0)
    span = (high - low) or 1.0
    n = len(values)
    return [
        TimelinePoint(
            x=round(5 + (90 * i / (n - 1) if n > 1 else 45), 2),
            # Rates between y=80 (the axis minimum) and y=20, leaving room for the labels.
            y=round(80 - 60 * (v - low) / span, 2),
            label=label,
            value=format_value("tariff", v, "percent"),
        )
        for i, (label, v) in enumerate(values)
    ]


def group_lines(lines: Iterable[ChangeLine]) -> list[EntityGroup]:
    """Group lines by what they are about ('tariff on Kazakhstan', across documents): tariffs
    first, then deadlines, then the rest; A–Z within."""
    groups: dict[tuple[str, str], EntityGroup] = {}
    for line in lines:
        key = (line.kind, line.label.lower())
        if key not in groups:
            groups[key] = EntityGroup(line.kind, line.subject, _capitalized(line.label), [])
        groups[key].lines.append(line)
    for group in groups.values():
        group.lines.sort(key=lambda l: (l.path, l.qualifier, l.change_ids[0]))
    return sorted(groups.values(), key=lambda g: (_kind_rank(g.kind), g.label.lower()))


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def passes_filters(line: ChangeLine, config: Config) -> bool:
    """The [reports] filters: watch-listed entities, kinds, and the smallest rate change worth telling."""
    reports = config.reports
    if reports.kinds and line.kind not in reports.kinds:
        return False
    if reports.entities and not _mentions_entity(line, reports.entities):
        return False
    if reports.min_rate_change and line.change == "changed":
        moved = rate_change(line.kind, line.old, line.new)
        if moved is not None and moved < reports.min_rate_change:
            return False
    return True


def _mentions_entity(line: ChangeLine, entities: Sequence[str]) -> bool:
    """A line is about a watch-listed entity if its subject names it or its evidence does.

    The evidence counts because a deadline's subject is what is due ("trade agreement"), while the
    country it concerns is named in the sentence.
    """
    subject = line.subject.lower()
    evidence = " ".join(s.text for s in line.old_sentence + line.new_sentence).lower()
    for entity in entities:
        e = entity.lower().strip()
        if not e:
            continue
        if e == subject or re.search(rf"\b{re.escape(e)}\b", subject) or re.search(rf"\b{re.escape(e)}\b", evidence):
            return True
    return False


# --- Reading the store ------------------------------------------------------------------------


def _rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
    return list(db.query(sql, params))


def _require_tables(db: sqlite_utils.Database) -> None:
    missing = [t for t in ("fact_changes", "facts", "fact_runs", "fact_extractions", "digests", "digest_changes",
                           "deliveries", "digest_runs") if not db[t].exists()]
    if missing:
        raise DigestError(f"the database has no {', '.join(missing)} table; is it from an older release?")


def last_digest(db: sqlite_utils.Database) -> dict[str, Any] | None:
    rows = _rows(db, "select * from digests order by id desc limit 1")
    return rows[0] if rows else None


def pending_changes(db: sqlite_utils.Database, since: str | None) -> list[dict[str, Any]]:
    """Changes to report: not yet covered by a digest, or (with `since`) detected since that time."""
    if since is not None:
        return list_changes(db, since)
    return _rows(
        db,
        """select * from fact_changes where cause = 'edit'
           and not exists (select 1 from digest_changes where digest_changes.change_id = fact_changes.id)
           order by id""",
    )


def _titles(db: sqlite_utils.Database, version_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(version_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {r["id"]: r["title"] or r["path"]
            for r in db.query(f"select id, title, path from document_versions where id in ({marks})", ids)}


def _tariff_histories(db: sqlite_utils.Database, ends: Sequence[Mapping[str, Any]]) -> dict[int, list[Mapping[str, Any]]]:
    """For each tariff change row in `ends` (a chain's last), every edit of its fact in its document
    up to that row, for the tariff timeline: one query for all of them, not one per line.

    Only the chain the row belongs to is kept (a fact may carry two values side by side); chains
    grow in id order, so the prefix up to the row is what a history ending there would give.
    """
    if not ends:
        return {}
    documents = sorted({r["document_id"] for r in ends})
    rows = _rows(
        db,
        f"""select * from fact_changes where kind = 'tariff' and cause = 'edit'
            and document_id in ({",".join("?" * len(documents))}) and id <= ? order by id""",
        [*documents, max(r["id"] for r in ends)],
    )
    wanted = {r["id"] for r in ends}
    return {row["id"]: chain[:i + 1] for chain in collapse_chains(rows)
            for i, row in enumerate(chain) if row["id"] in wanted}


def change_lines(db: sqlite_utils.Database, rows: Sequence[Mapping[str, Any]]) -> list[ChangeLine]:
    titles = _titles(db, (r["version_id"] for r in rows))
    chains = collapse_chains(rows)
    histories = _tariff_histories(db, [c[-1] for c in chains if c[-1]["kind"] == "tariff"])
    return [chain_line(c, titles.get(c[-1]["version_id"], c[-1]["path"]), histories.get(c[-1]["id"], ()))
            for c in chains]


def document_events(db: sqlite_utils.Database, start: str | None, end: str) -> tuple[list[DocumentEvent], list[DocumentEvent]]:
    """Documents first seen, and documents deleted, within the period, with their facts.

    The change log has no rows for a document's first version (history.record_facts), so what a
    new document says is read from its current facts; a removed one's from the runs that reached
    its last version, since its current facts went with it (history.document_deleted).
    """
    current_facts = """select document_id, kind, subject, qualifier, value, unit, details from facts
                       where document_id in ({documents}) order by span_start, id"""
    last_facts = """select r.document_id, r.kind, r.subject, r.qualifier, r.value, r.unit, null as details
                    from fact_runs r join documents d on d.id = r.document_id
                    where r.document_id in ({documents}) and r.last_version = d.current_version
                    order by r.span_start, r.id"""
    return (_events(db, "new", "first_seen_at", start, end, current_facts),
            _events(db, "removed", "deleted_at", start, end, last_facts))


def _events(db: sqlite_utils.Database, event: str, column: str, start: str | None, end: str,
            facts_sql: str) -> list[DocumentEvent]:
    """Documents whose `column` time falls in the period, each with its facts from `facts_sql`
    (one query for all the documents, which a first scan makes thousands)."""
    period = [start or "", end]
    documents = f"select id from documents where {column} > ? and {column} <= ?"
    rows = _rows(
        db,
        f"""select d.id, d.path, d.{column} as at, d.current_version as version,
                   coalesce(v.title, d.path) as title, v.source_url
            from documents d left join document_versions v
                 on v.document_id = d.id and v.version = d.current_version
            where d.id in ({documents}) order by d.path""",
        period,
    )
    facts: dict[int, list[dict[str, Any]]] = {}
    for fact in _rows(db, facts_sql.format(documents=documents), period):
        facts.setdefault(fact["document_id"], []).append(fact)
    return [DocumentEvent(r["path"], r["title"], event, r["at"], r["version"], r["source_url"],
                          fact_lists(facts.get(r["id"], []))) for r in rows]


def fact_lists(rows: Sequence[Mapping[str, Any]]) -> list[FactList]:
    """A document's facts as one short list per kind, tariffs first, each in text order.

    A value-less mention ("tariffs on Kazakhstan") is left out where the document gives that
    subject a value: it would say less than the fact beside it.
    """
    valued = {(r["kind"], r["subject"].lower()) for r in rows if r["value"] is not None}
    by_kind: dict[str, list[str]] = {}
    for r in rows:
        if r["value"] is None and (r["kind"], r["subject"].lower()) in valued:
            continue
        item = fact_item(r)
        if item not in by_kind.setdefault(r["kind"], []):
            by_kind[r["kind"]].append(item)
    lists = []
    for kind in sorted(by_kind, key=_kind_rank):
        items = by_kind[kind]
        cap = LISTED_PER_KIND.get(kind, LISTED_OTHER_KINDS)
        if len(items) == cap + 1:
            cap += 1  # "and 1 more" would take the room the one fact needs
        lists.append(FactList(kind, KIND_HEADINGS.get(kind, kind.capitalize()), items[:cap],
                              max(len(items) - cap, 0)))
    return lists


def fact_item(row: Mapping[str, Any]) -> str:
    """One fact in a few words: 'Kazakhstan 25%', 'agreement due by August 1', 'over 20 countries'."""
    kind, subject = row["kind"], row["subject"]
    if kind == "exemption":
        return subject
    if kind == "deadline":
        return f"{fact_label(kind, subject, row['qualifier'] or '')} {format_value(kind, row['value'], row['unit'])}"
    if kind == "tariff" and row["value"] is None:
        return f"{subject} (no rate stated)"
    modifier = json.loads(row["details"] or "{}").get("modifier")
    value = " ".join(filter(None, [modifier, format_value(kind, row["value"], row["unit"])]))
    # Counts read number first ("20 countries"); rates and amounts after what they are of.
    return f"{value} {subject}" if kind == "count" else f"{subject} {value}"


def disagreements(db: sqlite_utils.Database, lines: Sequence[ChangeLine]) -> list[Disagreement]:
    """Facts touched by this digest on which current documents state different values.

    Only facts in the digest are checked: older standing differences between sources are history,
    not news, and would repeat in every digest.
    """
    keys = {(l.kind, l.subject.lower(), l.qualifier) for l in lines}
    found = []
    for kind, subject, qualifier in sorted(keys):
        rows = _rows(
            db,
            """select f.value, f.unit, f.subject, f.subject_code, d.path,
                      coalesce(v.title, d.path) as title
               from facts f join documents d on d.id = f.document_id
               left join document_versions v on v.document_id = d.id and v.version = d.current_version
               where f.kind = ? and f.qualifier = ? and d.deleted_at is null
                 and (lower(f.subject) = ? or f.subject_code in
                      (select subject_code from facts where kind = ? and lower(subject) = ? and subject_code is not null))
                 and f.value is not null
               order by d.path""",
            [kind, qualifier, subject, kind, subject],
        )
        values = {_value_key(r["value"]) for r in rows}
        paths = {r["path"] for r in rows}
        if len(values) > 1 and len(paths) > 1:
            note = qualifier_note(kind, rows[0]["subject"], qualifier)
            label = _capitalized(fact_label(kind, rows[0]["subject"], qualifier)) + (f" ({note})" if note else "")
            found.append(Disagreement(kind, rows[0]["subject"], qualifier, label, [
                SourceValue(r["path"], r["title"], parse_value(r["value"]), format_value(kind, r["value"], r["unit"]))
                for r in rows
            ]))
    return found


def _value_key(value: Any) -> str:
    number = _number(value)
    return f"{number:.6g}" if number is not None else str(parse_value(value))


# --- Health ------------------------------------------------------------------------------------


def health(db: sqlite_utils.Database, config: Config, start: str | None, end: str) -> list[HealthItem]:
    items = failed_files(db, start, end)
    items += missed_scans(db, config, start, end)
    items += missed_digests(db, config, end)
    items += silent_documents(db, start, end)
    items += failing_deliveries(db)
    return items


def failed_files(db: sqlite_utils.Database, start: str | None, end: str) -> list[HealthItem]:
    rows = _rows(db, "select * from errors where occurred_at > ? and occurred_at <= ? order by occurred_at, id",
                 [start or "", end])
    items = [HealthItem("error", f"{r['path']}: {r['stage']} failed: {r['reason']}", r["occurred_at"], r["path"])
             for r in rows[:MAX_ERRORS_LISTED]]
    if len(rows) > MAX_ERRORS_LISTED:
        # A folder of 5,000 unreadable files should not bury the changes: the table has them all.
        items.append(HealthItem("error", f"and {len(rows) - MAX_ERRORS_LISTED} more failed files "
                                         f"(see the errors table)", rows[-1]["occurred_at"]))
    return items


def missed_scans(db: sqlite_utils.Database, config: Config, start: str | None, end: str) -> list[HealthItem]:
    """Gaps in the daemon's periodic scans, and scans that never finished.

    Only gaps that follow a scheduled scan count: someone who runs `monitor scan` by hand has no
    schedule to miss.
    """
    interval = timedelta(minutes=config.schedule.rescan_minutes)
    late = interval * SCAN_LATE_FACTOR + timedelta(minutes=1)
    scans = _rows(db, "select * from scans where started_at > ? and started_at <= ? order by started_at",
                  [start or "", end])
    items = []
    end_t = parse_utc(end)
    for prev, nxt in zip(scans, scans[1:] + [None]):
        if prev["trigger"] != "schedule":
            continue
        began = parse_utc(prev["started_at"])
        following = parse_utc(nxt["started_at"]) if nxt else end_t
        if following - began > late:
            items.append(HealthItem(
                "scan",
                f"no scan ran between {iso_utc(began, timespec='seconds')} "
                f"and {iso_utc(following, timespec='seconds')} "
                f"(expected every {_fmt_number(config.schedule.rescan_minutes)} minutes)",
                prev["started_at"],
            ))
    for scan in scans:
        if scan["finished_at"] is None and end_t - parse_utc(scan["started_at"]) > SCAN_STUCK_AFTER:
            items.append(HealthItem("scan", f"the {scan['trigger']} scan started at {scan['started_at']} never finished",
                                    scan["started_at"]))
    return items


def next_digest_due(after: datetime, digest_time: str) -> datetime:
    """The first local `HH:MM` strictly after `after` (the schedule is in the machine's local time)."""
    hour, minute = (int(x) for x in digest_time.split(":"))
    local = after.astimezone()
    due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if due <= local:
        due = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return due


def missed_digests(db: sqlite_utils.Database, config: Config, end: str) -> list[HealthItem]:
    """A scheduled digest run that did not happen within an hour of its time."""
    rows = _rows(db, "select ran_at from digest_runs where trigger = 'schedule' and ran_at < ? order by ran_at desc limit 1",
                 [end])
    if not rows:
        return []
    last = parse_utc(rows[0]["ran_at"])
    due = next_digest_due(last + timedelta(minutes=1), config.schedule.digest_time)
    if parse_utc(end) > due + DIGEST_GRACE:
        due_text = iso_utc(due, timespec="seconds")
        return [HealthItem("digest", f"the digest due at {due_text} did not run on time "
                                     f"(previous scheduled digest: {iso_utc(last, timespec='seconds')})", due_text)]
    return []


def silent_documents(db: sqlite_utils.Database, start: str | None, end: str) -> list[HealthItem]:
    """Documents changed in the period whose newest version yields no fact although older ones did.

    The extraction log counts what the extractor itself read, before facts whose evidence is still
    in the text are carried over: the sharper signal that extraction broke.
    """
    rows = _rows(
        db,
        """select d.path, d.current_version, max(pv.version) as last_with_facts
           from documents d
           join document_versions v on v.document_id = d.id and v.version = d.current_version
           join fact_extractions e on e.version_id = v.id and e.facts = 0
           join fact_extractions pe on pe.document_id = d.id and pe.facts > 0
           join document_versions pv on pv.id = pe.version_id and pv.version < v.version
           where d.deleted_at is null and v.observed_at > ? and v.observed_at <= ?
           group by d.id order by d.path""",
        [start or "", end],
    )
    return [HealthItem("extraction", f"{r['path']}: version {r['current_version']} yields no facts; "
                                     f"version {r['last_with_facts']} did", None, r["path"]) for r in rows]


def failing_deliveries(db: sqlite_utils.Database) -> list[HealthItem]:
    rows = _rows(db, """select channel, digest_id, attempts, last_error, last_attempt_at from deliveries
                        where delivered_at is null and last_error is not null order by digest_id, channel""")
    return [HealthItem("delivery", f"{r['channel']} delivery of digest {r['digest_id']} failed "
                                   f"{_plural(r['attempts'], 'time')}: {r['last_error']}", r["last_attempt_at"])
            for r in rows]


# --- Building and recording -------------------------------------------------------------------


def collect_digest(db: sqlite_utils.Database, config: Config, since: str | None = None,
                   now: str | None = None) -> Digest:
    """Everything a digest would say now, without recording anything (a preview)."""
    _require_tables(db)
    now = now or utcnow()
    previous = last_digest(db)
    start = since if since is not None else (previous["period_end"] if previous else None)
    rows = pending_changes(db, since)
    rows = [r for r in rows if r["detected_at"] <= now]
    lines = change_lines(db, rows)
    shown = [line for line in lines if passes_filters(line, config)]
    new_docs, removed_docs = document_events(db, start, now)
    return Digest(
        uuid=str(uuid.uuid4()),
        created_at=now,
        period_start=start,
        period_end=now,
        groups=group_lines(shown),
        new_documents=new_docs,
        removed_documents=removed_docs,
        disagreements=disagreements(db, shown),
        health=health(db, config, start, now),
        covered_change_ids=[r["id"] for r in rows],
        since=since,
    )


def channels(config: Config) -> list[str]:
    """The delivery channels the config asks for, in the order they run (files first: the command
    receives a file's path)."""
    found = ["files"]
    if config.reports.mail.enabled:
        found.append("mail")
    if config.reports.command:
        found.append("command")
    return found


def build_digest(db: sqlite_utils.Database, config: Config, since: str | None = None, *,
                 now: str | None = None, trigger: str = "manual") -> Digest | None:
    """Build and record the next digest, or return None when there is nothing to tell.

    Recording is one write transaction: the digest, the changes it covers, a pending delivery per
    channel and the run itself. Two concurrent callers cannot both cover the same changes, because
    the second one collects again after the first commits. `trigger` is 'schedule' when the daemon's
    digest job calls, which is what the "did not run on time" check watches.
    """
    with write_transaction(db):
        digest = collect_digest(db, config, since=since, now=now)
        run = {"ran_at": digest.created_at, "trigger": trigger, "since": since, "digest_id": None,
               "changes": len(digest.covered_change_ids)}
        if not digest.has_news and not config.reports.notify_unchanged:
            db["digest_runs"].insert(run)
            return None
        digest.id = db["digests"].insert({
            "uuid": digest.uuid,
            "created_at": digest.created_at,
            "period_start": digest.period_start,
            "period_end": digest.period_end,
            "since": since,
            "title": digest.title,
            "change_count": digest.change_count,
            "data": json.dumps(digest.to_dict(), ensure_ascii=False),  # its id is the row's
        }).last_pk
        shown = {i for line in digest.lines for i in line.change_ids}
        db["digest_changes"].insert_all(
            ({"digest_id": digest.id, "change_id": i, "shown": int(i in shown)} for i in digest.covered_change_ids),
            pk=("digest_id", "change_id"),
        )
        db["deliveries"].insert_all(
            {"digest_id": digest.id, "channel": c, "created_at": digest.created_at, "attempts": 0}
            for c in channels(config)
        )
        db["digest_runs"].insert({**run, "digest_id": digest.id})
    return digest


def load_digest(db: sqlite_utils.Database, digest_id: int) -> Digest:
    """A recorded digest, as it was built."""
    rows = _rows(db, "select id, data from digests where id = ?", [digest_id])
    if not rows:
        raise DigestError(f"no digest with id {digest_id}")
    digest = Digest.from_dict(json.loads(rows[0]["data"]))
    digest.id = rows[0]["id"]
    return digest
