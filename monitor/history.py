"""Fact history in SQLite: current facts, runs of a value across versions, and the change log.

The fact tables are derived from the stored versions (ARCHITECTURE.md, layer 2):

- `facts`: what each present document says now, one row per distinct value of a fact key, with
  every mention as evidence;
- `fact_runs`: for each document, fact key and value, the contiguous versions that carried it;
- `fact_changes`: append-only, what changed at which version (`cause` 'edit' or 'rules');
- `fact_extractions`: which versions have had their facts recorded.

The comparison itself is `monitor.change`; this module only reads and writes. `record_facts`,
`document_deleted` and `document_moved` run inside the scanner's write transaction and never
open their own.
"""
from __future__ import annotations

import datetime as dt
import json
import operator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from monitor import evidence as ev
from monitor.change import FactChange, compare_facts, compare_versions, still_stated, value_key, value_key_of
from monitor.evidence import Span
from monitor.fact import Fact, fact_key
from monitor.store import utcnow, version_row, version_text, write_transaction

if TYPE_CHECKING:
    import sqlite_utils  # the scanner's workers import this module for extract_version only

EDIT, RULES = "edit", "rules"


def record_facts(db: sqlite_utils.Database, version_id: int, facts: Sequence[Fact], *,
                 sentences: Sequence[Span | None] | None = None,
                 version: Mapping[str, Any] | None = None) -> list[FactChange]:
    """Record the facts extracted from a new version and log what changed since the previous one.

    The first version of a document sets its facts without change events: a new document is
    reported as such, not as a list of additions. Returns the changes logged. `sentences` are the
    facts' sentence offsets (`evidence.locate_sentences`) when the caller has them already: the
    scanner has its workers find them, off the writer. `version` is the version's row as the
    caller has just written it (`id`, `document_id`, `path`, `version`, `format`, `date`, and
    `text` if at hand), so that it is not read back.
    """
    version = _version(db, version_id) if version is None else {**version, "id": version_id}
    texts = _Texts(db)
    if version.get("text") is not None:
        texts.known(version_id, version["text"])
    # Nothing comes before a first version, neither facts nor runs.
    first = version["version"] == 1
    previous = None if first else _previous_extraction(db, version)
    existing = [] if first else _current_rows(db, version["document_id"])
    before = _facts_at(db, version["document_id"], previous, texts, existing) if previous else _Evidence()
    if sentences is None:
        sentences = ev.locate_sentences(texts.reading(version), facts)
    found = before.with_new(facts, sentences)
    current, changes = list(facts), []
    if previous:
        comparison = compare_versions(before.facts, facts, texts.raw(previous["id"]), texts.raw(version["id"]))
        current, changes = comparison.current, comparison.changes
    groups = _distinct(current)
    _extend_runs(db, version, previous, groups, found)
    _write_current(db, version, groups, found, existing)
    _log_changes(db, version, changes, EDIT)
    db.conn.execute("INSERT OR REPLACE INTO fact_extractions (version_id, document_id, facts, carried, recorded_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [version_id, version["document_id"], len(facts), len(current) - len(facts), utcnow()])
    return changes


def document_deleted(db: sqlite_utils.Database, document_id: int) -> None:
    """A deleted document states nothing any more: its current facts go, its history stays.

    No change events: the digest reports the document as removed. If the file comes back, its new
    version is compared with the last one recorded (`_facts_at` rebuilds that from the runs).
    """
    db.execute("DELETE FROM facts WHERE document_id = ?", [document_id])


def document_moved(db: sqlite_utils.Database, old_document_id: int, new_document_id: int) -> None:
    """A file renamed with identical content: its current facts now belong to the new path.

    The runs stay with the old document (they describe its versions); no change is logged.
    """
    new_version = db.execute(
        "SELECT id FROM document_versions WHERE document_id = ? ORDER BY version DESC LIMIT 1",
        [new_document_id]).fetchone()
    if new_version is None:
        return
    db.execute("DELETE FROM facts WHERE document_id = ?", [new_document_id])
    db.execute("UPDATE facts SET document_id = ? WHERE document_id = ?", [new_document_id, old_document_id])
    if not db.execute("SELECT 1 FROM fact_extractions WHERE version_id = ?", [new_version[0]]).fetchone():
        # The new document's version is the old content: it starts from the old document's facts,
        # whose offsets hold in its identical text.
        rows = [dict(r) for r in db.query("SELECT * FROM facts WHERE document_id = ?", [new_document_id])]
        _insert(db, "fact_extractions", [{
            "version_id": new_version[0], "document_id": new_document_id,
            "facts": sum(r["mentions"] for r in rows), "carried": 0, "recorded_at": utcnow(),
        }])
        moved = _rows_to_facts(rows, _Texts(db))
        moved.versions = {}  # the runs start at the new document's version
        _extend_runs(db, _version(db, new_version[0]), None, _distinct(moved.facts), moved)


@dataclass(frozen=True)
class ReextractSummary:
    documents: int
    versions: int
    changes: int  # differences between the old and the new rules on current facts


def reextract(db: sqlite_utils.Database, extract: Callable[[dict[str, Any]], list[Fact]] | None = None,
              *, progress: Callable[[int, int], None] | None = None) -> ReextractSummary:
    """Rebuild the fact tables from every stored version with the current extraction rules.

    `extract` maps a `document_versions` row to its facts (default: `extract_version`). What the new
    rules say differently about a document's current facts is logged with cause 'rules', which is
    never notified; the edit history already logged stays as it is (the log is append-only).
    One write transaction per document, so readers and the daemon are held up only briefly.
    """
    extract = extract or extract_version
    ids = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id").fetchall()]
    versions = changes = 0
    for n, document_id in enumerate(ids, 1):
        with write_transaction(db):
            v, c = _reextract_document(db, document_id, extract)
        versions += v
        changes += c
        if progress:
            progress(n, len(ids))
    return ReextractSummary(len(ids), versions, changes)


def extract_version(version: Mapping[str, Any], gazetteer: Any = None) -> list[Fact]:
    """The facts of a version with the current rules: its `text`, `format` and `date` (the
    reference for dates without a year), as a `document_versions` row has them.

    The one way facts are extracted: the scanner's workers call it on the file they read
    (`scan.extract_document`) and `monitor reextract` on the stored row, so a re-extraction with
    unchanged rules reads every version as the scan did."""
    return extract_version_with_reading(version, gazetteer)[0]


def extract_version_with_reading(version: Mapping[str, Any], gazetteer: Any = None) -> tuple[list[Fact], str]:
    """`extract_version`, and the reading text the facts' sentences were cut from (see
    `evidence`), which would otherwise be built a second time to locate them."""
    from monitor.extract import extract_with_reading

    date = version.get("date")
    reference = dt.date.fromisoformat(date[:10]) if date else None
    return extract_with_reading(version["text"], reference_date=reference, fmt=version["format"],
                                gazetteer=gazetteer)


def _reextract_document(db: sqlite_utils.Database, document_id: int,
                        extract: Callable[[dict[str, Any]], list[Fact]]) -> tuple[int, int]:
    texts = _Texts(db)
    before = _rows_to_facts(_current_rows(db, document_id), texts).facts
    present = db.execute("SELECT deleted_at IS NULL FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    for table in ("facts", "fact_runs", "fact_extractions"):
        db.execute(f"DELETE FROM {table} WHERE document_id = ?", [document_id])
    ids = [r[0] for r in db.execute("SELECT id FROM document_versions WHERE document_id = ? ORDER BY version",
                                    [document_id])]
    rows = [version_row(db, i) for i in ids]
    previous = None
    current: list[Fact] = []
    evidence = _Evidence()
    for row in rows:
        facts = extract(row)
        carried = still_stated(current, facts, row["text"]) if previous else []
        evidence = evidence.keeping(carried, previous).with_new(
            facts, ev.locate_sentences(texts.reading(row), facts))
        current = list(facts) + carried
        _extend_runs(db, row, previous, _distinct(current), evidence)
        _insert(db, "fact_extractions", [{
            "version_id": row["id"], "document_id": document_id, "facts": len(facts),
            "carried": len(current) - len(facts), "recorded_at": utcnow(),
        }])
        previous = row
    if not rows or not present:
        return len(rows), 0
    _write_current(db, rows[-1], _distinct(current), evidence, [])
    # Same text, other rules: every difference is the rules', so no evidence test here.
    changes = compare_facts(before, current)
    _log_changes(db, rows[-1], changes, RULES)
    return len(rows), len(changes)


def timeline(db: sqlite_utils.Database, subject: str, kind: str | None = None) -> list[dict[str, Any]]:
    """What every document has said about SUBJECT (a name or ISO code), oldest statement first.

    A country is found by name, alias already resolved by the extractor, or code: "Kazakhstan" and
    "KZ" give the same timeline. Rows are `entity_timeline` rows; `conflict` marks a current
    statement that another document currently contradicts.
    """
    where = ["(lower(subject) = lower(:s) OR subject_code = upper(:s) OR subject_code IN "
             "(SELECT subject_code FROM fact_runs WHERE lower(subject) = lower(:s) AND subject_code IS NOT NULL))"]
    params: dict[str, Any] = {"s": subject.strip()}
    if kind:
        where.append("kind = :kind")
        params["kind"] = kind
    sql = (f"SELECT * FROM entity_timeline WHERE {' AND '.join(where)} "
           "ORDER BY valid_from, path, from_version, kind, qualifier, run_id")
    return _without_shadowed_nulls([dict(r) for r in db.query(sql, params)])


def _without_shadowed_nulls(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leave out a value-less mention ("tariffs on Kazakhstan") for versions in which the same
    document gives that fact a value: it says nothing the valued row does not."""
    def same_fact(a: dict[str, Any], b: dict[str, Any]) -> bool:
        return (a["document_id"], a["kind"], a["entity"], a["qualifier"]) == \
            (b["document_id"], b["kind"], b["entity"], b["qualifier"])

    def covered(row: dict[str, Any]) -> bool:
        versions = set(range(row["from_version"], row["to_version"] + 1))
        for other in rows:
            if other["value"] is not None and same_fact(row, other):
                versions -= set(range(other["from_version"], other["to_version"] + 1))
        return not versions

    return [r for r in rows if r["value"] is not None or not covered(r)]


def list_changes(db: sqlite_utils.Database, since: str | None = None, *,
                 include_rules: bool = False) -> list[dict[str, Any]]:
    """Logged fact changes in the order they were detected, optionally only those at or after
    `since` (ISO 8601 UTC text). Rules upgrades are left out unless asked for."""
    where, params = [], []
    if since:
        where.append("detected_at >= ?")
        params.append(since)
    if not include_rules:
        where.append("cause = 'edit'")
    sql = "SELECT * FROM fact_changes" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
    return [dict(r) for r in db.query(sql, params)]


def change_record(row: dict[str, Any]) -> dict[str, Any]:
    """A `fact_changes` row as the JSON Lines record `monitor changes --json` prints."""
    record = {"document": row["path"]}
    record.update({k: v for k, v in row.items() if k != "path"})
    return record


# --- reading -------------------------------------------------------------------------------------

# What the writer needs of a version; the text is read only when a comparison needs it.
_VERSION_COLUMNS = "id, document_id, path, version, format, date"


def _version(db: sqlite_utils.Database, version_id: int) -> dict[str, Any]:
    rows = list(db.query(f"SELECT {_VERSION_COLUMNS} FROM document_versions WHERE id = ?", [version_id]))
    if not rows:
        raise ValueError(f"no document version with id {version_id}")
    return rows[0]


def _previous_extraction(db: sqlite_utils.Database, version: dict[str, Any]) -> dict[str, Any] | None:
    """The latest earlier version of the same document whose facts were recorded."""
    rows = list(db.query(
        f"""SELECT {', '.join('document_versions.' + c for c in _VERSION_COLUMNS.split(', '))}
           FROM fact_extractions
           JOIN document_versions ON document_versions.id = fact_extractions.version_id
           WHERE document_versions.document_id = ? AND document_versions.version < ?
           ORDER BY document_versions.version DESC LIMIT 1""",
        [version["document_id"], version["version"]]))
    return rows[0] if rows else None


class _Texts:
    """Versions' texts, each read (and inflated) once per call: raw for comparisons, and the
    reading text (`evidence.reading_text`) that sentence offsets index."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._raw: dict[int, str] = {}
        self._reading: dict[int, str] = {}

    def known(self, version_id: int, text: str) -> None:
        """A version's text the caller has at hand (the one being written)."""
        self._raw[version_id] = text

    def raw(self, version_id: int) -> str:
        if version_id not in self._raw:
            self._raw[version_id] = version_text(self.db, version_id)
        return self._raw[version_id]

    def reading(self, version: dict[str, Any]) -> str:
        if version["id"] not in self._reading:
            raw = version.get("text") or self.raw(version["id"])
            self._reading[version["id"]] = ev.reading_text(raw, version["format"])
        return self._reading[version["id"]]

    def sentence(self, version_id: int | None, start: int | None, end: int | None) -> str:
        """The sentence at offsets of a version ('' without offsets, as facts without one have)."""
        if version_id is None or start is None or end is None:
            return ""
        if version_id not in self._reading:
            fmt = self.db.execute("SELECT format FROM document_versions WHERE id = ?", [version_id]).fetchone()[0]
            self.reading({"id": version_id, "format": fmt})
        return ev.sentence_at(self._reading[version_id], start, end)


@dataclass
class _Evidence:
    """Facts with where their evidence is: the version their offsets point into, and their
    sentence's offsets there.

    A fact carried over from an older version keeps that version's offsets, so its row must keep
    saying which version they belong to.
    """

    facts: list[Fact] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # id(fact) -> version id
    sentences: dict[int, Span | None] = field(default_factory=dict)  # id(fact) -> sentence offsets

    def version_of(self, fact: Fact, default: dict[str, Any] | None) -> int | None:
        return self.versions.get(id(fact), default["id"] if default else None)

    def sentence_of(self, fact: Fact) -> Span | None:
        return self.sentences.get(id(fact))

    def with_new(self, facts: Sequence[Fact], sentences: Sequence[Span | None]) -> "_Evidence":
        """These, plus newly extracted facts (whose version is the one being recorded)."""
        found = {id(f): s for f, s in zip(facts, sentences)}
        return _Evidence(self.facts + list(facts), self.versions, {**self.sentences, **found})

    def keeping(self, carried: Sequence[Fact], previous: dict[str, Any] | None) -> "_Evidence":
        """Only the `carried` facts, which keep where their evidence was."""
        return _Evidence(list(carried), {id(f): self.version_of(f, previous) for f in carried},
                         {id(f): self.sentence_of(f) for f in carried})


def _facts_at(db: sqlite_utils.Database, document_id: int, version: dict[str, Any], texts: _Texts,
              current_rows: list[dict[str, Any]]) -> _Evidence:
    """The facts the document stated at `version`: its current facts (`current_rows`) if that is
    their version, else (the file was deleted in between) the runs that reached that version."""
    if current_rows:
        return _rows_to_facts(current_rows, texts)
    out = _Evidence()
    for run in db.query("SELECT * FROM fact_runs WHERE document_id = ? AND last_version_id = ?",
                        [document_id, version["id"]]):
        fact = _run_to_fact(run, texts)
        out.facts.append(fact)
        out.versions[id(fact)] = run["first_version_id"]
        out.sentences[id(fact)] = _span(run["sentence_start"], run["sentence_end"])
    return out


def _current_rows(db: sqlite_utils.Database, document_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT * FROM facts WHERE document_id = ? ORDER BY id", [document_id])]


def _span(start: int | None, end: int | None) -> Span | None:
    return None if start is None or end is None else (start, end)


def _rows_to_facts(rows: Iterable[dict[str, Any]], texts: _Texts) -> _Evidence:
    """`facts` rows back into one Fact per mention, so that every mention's evidence counts; the
    words and sentences are cut from the texts their offsets point into."""
    out = _Evidence()
    for row in rows:
        details = json.loads(row["details"] or "{}")
        for start, end, s_start, s_end, rule, version_id, *copy in json.loads(row["evidence"]):
            sentence = copy[0] if copy else texts.sentence(version_id, s_start, s_end)
            fact = Fact(kind=row["kind"], subject=row["subject"], value=row["value"], unit=row["unit"],
                        text=texts.raw(version_id)[start:end], start=start, end=end, sentence=sentence,
                        rule=rule, qualifier=row["qualifier"], subject_code=row["subject_code"],
                        details=details)
            out.facts.append(fact)
            out.versions[id(fact)] = version_id
            out.sentences[id(fact)] = _span(s_start, s_end)
    return out


def _run_to_fact(row: dict[str, Any], texts: _Texts) -> Fact:
    return Fact(kind=row["kind"], subject=row["subject"], value=row["value"], unit=row["unit"],
                text=row["text"], start=row["span_start"] or 0, end=row["span_end"] or 0,
                sentence=texts.sentence(row["first_version_id"], row["sentence_start"], row["sentence_end"]),
                rule=row["rule"] or "", qualifier=row["qualifier"], subject_code=row["subject_code"])


# --- writing -------------------------------------------------------------------------------------

def _distinct(facts: Iterable[Fact]) -> list[tuple[str, str, list[Fact]]]:
    """Facts grouped by (fact key, value key), mentions in text order: one row per group."""
    keyed = [(f.key, f) for f in facts]  # a key is a few string operations: made once per fact
    keyed.sort(key=lambda kf: (kf[1].start, kf[1].end, kf[0]))
    groups: dict[tuple[str, str], list[Fact]] = {}
    for key, f in keyed:
        groups.setdefault((key, value_key(f)), []).append(f)
    return [(key, vkey, mentions) for (key, vkey), mentions in groups.items()]


# A `facts` row is its identity (what `_row_keys` is made of, and the indexed columns) followed by
# its evidence: a fact that stayed gets only its evidence rewritten.
_FACT_IDENTITY = ("document_id", "kind", "subject", "subject_code", "qualifier", "value", "unit")
_FACT_EVIDENCE = ("version_id", "text", "span_start", "span_end", "sentence_start", "sentence_end", "rule",
                  "details", "mentions", "evidence")
_FACT_COLUMNS = _FACT_IDENTITY + _FACT_EVIDENCE
_stored = operator.itemgetter(*_FACT_COLUMNS)  # a `facts` row (dict) as a tuple in that order
_IDENTITY_WIDTH = len(_FACT_IDENTITY)
# Made once: json.dumps with options builds a new encoder per call.
_details_json = json.JSONEncoder(default=str, sort_keys=True).encode
# Details whose values are all of these are encoded once per distinct value (`_details_text`).
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _details_text(details: Mapping[str, Any]) -> str:
    """A fact's details as the `details` column stores them (sorted-key JSON). The facts of a
    scan share a few hundred distinct details ({"basis": "reciprocal"}), so each is encoded once;
    the values' types are part of the cache key, since 1, 1.0 and True are equal keys but
    different JSON."""
    if not details:
        return "{}"
    types = tuple(map(type, details.values()))
    if not _SCALARS.issuperset(types):
        return _details_json(dict(details))
    return _encoded_details(tuple(details.items()), types)


@lru_cache(maxsize=4096)
def _encoded_details(items: tuple[tuple[str, Any], ...], types: tuple[type, ...]) -> str:
    return _details_json(dict(items))


def _fact_row(version: dict[str, Any], mentions: list[Fact], found: _Evidence) -> tuple:
    """A `facts` row in `_FACT_COLUMNS` order. Facts carried over from an older version keep
    pointing into its text (`found` says where each one's evidence is)."""
    first = mentions[0]
    # Looked up directly: this runs for every mention of every fact of every version.
    versions, sentences, version_id = found.versions, found.sentences, version["id"]
    evidence = ",".join(ev.mention_json(m.start, m.end, sentences.get(id(m)), m.rule,
                                        versions.get(id(m), version_id), m.sentence) for m in mentions)
    sentence = sentences.get(id(first)) or (None, None)
    return (version["document_id"], first.kind, first.subject, first.subject_code, first.qualifier, first.value,
            first.unit, versions.get(id(first), version_id), first.text, first.start, first.end, sentence[0],
            sentence[1], first.rule, _details_text(first.details), len(mentions), f"[{evidence}]")


def _write_current(db: sqlite_utils.Database, version: dict[str, Any], groups: list[tuple[str, str, list[Fact]]],
                   found: _Evidence, existing: list[dict[str, Any]]) -> None:
    """Make `groups` the document's current facts, whose rows were `existing`: only what differs
    is written. A fact still stated keeps its row (and id) and has its evidence updated, which
    leaves the indexes alone; a row equal to the new one is not touched at all."""
    rows = {(key, vkey): _fact_row(version, mentions, found) for key, vkey, mentions in groups}
    stale, updated = [], []
    for old in existing:
        keys = _row_keys(old["kind"], old["subject"], old["subject_code"], old["qualifier"], old["value"], old["unit"])
        new = rows.get(keys)
        if new is None:
            stale.append((old["id"],))
            continue
        stored = _stored(old)
        if not _same(stored[:_IDENTITY_WIDTH], new[:_IDENTITY_WIDTH]):
            stale.append((old["id"],))  # the same fact written otherwise ("China" for "china"): replaced
            continue
        del rows[keys]
        if not _same(stored, new):
            updated.append((*new[_IDENTITY_WIDTH:], old["id"]))
    db.conn.executemany("DELETE FROM facts WHERE id = ?", stale)
    db.conn.executemany(_UPDATE_EVIDENCE, updated)
    _insert_tuples(db, "facts", _FACT_COLUMNS, list(rows.values()))


_UPDATE_EVIDENCE = f"UPDATE facts SET {', '.join(c + ' = ?' for c in _FACT_EVIDENCE)} WHERE id = ?"


def _same(a: tuple, b: tuple) -> bool:
    """Equal values of equal types (25 and 25.0 are stored differently)."""
    return a == b and tuple(map(type, a)) == tuple(map(type, b))


_RUN_COLUMNS = ("document_id", "kind", "subject", "subject_code", "qualifier", "value", "unit", "first_version_id", "last_version_id", "first_version", "last_version", "text",
                "span_start", "span_end", "sentence_start", "sentence_end", "rule")


def _extend_runs(db: sqlite_utils.Database, version: dict[str, Any], previous: dict[str, Any] | None,
                 groups: list[tuple[str, str, list[Fact]]], found: _Evidence) -> None:
    """Extend each run that reached the previous version and still holds; start the others."""
    open_runs: dict[tuple[str, str], int] = {}
    if previous:
        open_runs = {_row_keys(*row): run_id for run_id, *row in db.execute(
            "SELECT id, kind, subject, subject_code, qualifier, value, unit FROM fact_runs "
            "WHERE document_id = ? AND last_version_id = ?", [version["document_id"], previous["id"]])}
    extended, started = [], []
    for key, vkey, mentions in groups:
        if (key, vkey) in open_runs:
            extended.append((version["id"], version["version"], open_runs[(key, vkey)]))
            continue
        f = mentions[0]
        # A run's offsets point into its first version: a fact whose evidence is elsewhere has none.
        here = found.version_of(f, version) == version["id"]
        sentence = (found.sentence_of(f) if here else None) or (None, None)
        started.append((
            version["document_id"], f.kind, f.subject, f.subject_code, f.qualifier, f.value, f.unit,
            version["id"], version["id"], version["version"], version["version"], f.text,
            f.start if here else None, f.end if here else None, sentence[0], sentence[1], f.rule,
        ))
    db.conn.executemany("UPDATE fact_runs SET last_version_id = ?, last_version = ? WHERE id = ?", extended)
    _insert_tuples(db, "fact_runs", _RUN_COLUMNS, started)


def _row_keys(kind: str, subject: str, subject_code: str | None, qualifier: str, value: Any,
              unit: str | None) -> tuple[str, str]:
    """A stored fact's (`Fact.key`, `value_key`), from the columns they are made of (m006: the
    tables no longer store them)."""
    return fact_key(kind, subject, subject_code, qualifier), value_key_of(value, unit)


def _insert_tuples(db: sqlite_utils.Database, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows given as tuples in `columns` order with one prepared statement (the hot path:
    no dict per row, no schema introspection)."""
    if rows:
        marks = ", ".join("?" for _ in columns)
        db.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _insert(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]], *, replace: bool = False) -> None:
    """Insert rows of plain values with one prepared statement (this runs for every version)."""
    if not rows:
        return
    columns = list(rows[0])
    sql = f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    db.conn.executemany(sql, [[row[c] for c in columns] for row in rows])


def _log_changes(db: sqlite_utils.Database, version: dict[str, Any], changes: Iterable[FactChange],
                 cause: str) -> None:
    now = utcnow()
    _insert(db, "fact_changes", [{
        "document_id": version["document_id"], "path": version["path"], "version": version["version"],
        "version_id": version["id"], "kind": c.kind, "subject": c.subject, "subject_code": c.subject_code,
        "qualifier": c.qualifier, "change": c.change, "old": c.old, "new": c.new, "unit": c.unit,
        "old_sentence": c.old_sentence, "new_sentence": c.new_sentence, "old_text": c.old_text,
        "new_text": c.new_text, "detected_at": now, "cause": cause,
    } for c in changes])
