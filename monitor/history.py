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
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

import sqlite_utils

from monitor.change import FactChange, compare_facts, compare_versions, still_stated, value_key
from monitor.fact import Fact
from monitor.store import utcnow, write_transaction

EDIT, RULES = "edit", "rules"


def record_facts(db: sqlite_utils.Database, version_id: int, facts: Sequence[Fact]) -> list[FactChange]:
    """Record the facts extracted from a new version and log what changed since the previous one.

    The first version of a document sets its facts without change events: a new document is
    reported as such, not as a list of additions. Returns the changes logged.
    """
    version = _version(db, version_id)
    previous = _previous_extraction(db, version)
    before = _facts_at(db, version["document_id"], previous) if previous else _Evidence()
    current, changes = list(facts), []
    if previous:
        comparison = compare_versions(before.facts, facts, previous["text"], version["text"])
        current, changes = comparison.current, comparison.changes
    _extend_runs(db, version, previous, current)
    _replace_current(db, version, current, before)
    _log_changes(db, version, changes, EDIT)
    _insert(db, "fact_extractions", [{
        "version_id": version["id"], "document_id": version["document_id"], "facts": len(facts),
        "carried": len(current) - len(facts), "recorded_at": utcnow(),
    }], replace=True)
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
        # The new document's version is the old content: it starts from the old document's facts.
        rows = [dict(r) for r in db.query("SELECT * FROM facts WHERE document_id = ?", [new_document_id])]
        db["fact_extractions"].insert({
            "version_id": new_version[0], "document_id": new_document_id,
            "facts": sum(r["mentions"] for r in rows), "carried": 0, "recorded_at": utcnow(),
        })
        _extend_runs(db, _version(db, new_version[0]), None, _rows_to_facts(rows).facts)


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


def extract_version(version: dict[str, Any], gazetteer: Any = None) -> list[Fact]:
    """The facts of one stored version with the current rules, as the scanner extracts them."""
    from monitor.extract import extract_facts

    date = version.get("date")
    reference = dt.date.fromisoformat(date[:10]) if date else None
    return extract_facts(version["text"], reference_date=reference, fmt=version["format"], gazetteer=gazetteer)


def _reextract_document(db: sqlite_utils.Database, document_id: int,
                        extract: Callable[[dict[str, Any]], list[Fact]]) -> tuple[int, int]:
    before = _rows_to_facts(_current_rows(db, document_id)).facts
    present = db.execute("SELECT deleted_at IS NULL FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    for table in ("facts", "fact_runs", "fact_extractions"):
        db.execute(f"DELETE FROM {table} WHERE document_id = ?", [document_id])
    rows = list(db.query("SELECT * FROM document_versions WHERE document_id = ? ORDER BY version", [document_id]))
    previous = None
    current: list[Fact] = []
    evidence = _Evidence()
    for row in rows:
        facts = extract(row)
        carried = still_stated(current, facts, row["text"]) if previous else []
        evidence = _Evidence(carried, {id(f): evidence.version_of(f, previous) for f in carried})
        current = list(facts) + carried
        _extend_runs(db, row, previous, current)
        _insert(db, "fact_extractions", [{
            "version_id": row["id"], "document_id": document_id, "facts": len(facts),
            "carried": len(current) - len(facts), "recorded_at": utcnow(),
        }])
        previous = row
    if not rows or not present:
        return len(rows), 0
    _replace_current(db, rows[-1], current, evidence)
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

def _version(db: sqlite_utils.Database, version_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM document_versions WHERE id = ?", [version_id]))
    if not rows:
        raise ValueError(f"no document version with id {version_id}")
    return rows[0]


def _previous_extraction(db: sqlite_utils.Database, version: dict[str, Any]) -> dict[str, Any] | None:
    """The latest earlier version of the same document whose facts were recorded."""
    rows = list(db.query(
        """SELECT document_versions.* FROM fact_extractions
           JOIN document_versions ON document_versions.id = fact_extractions.version_id
           WHERE document_versions.document_id = ? AND document_versions.version < ?
           ORDER BY document_versions.version DESC LIMIT 1""",
        [version["document_id"], version["version"]]))
    return rows[0] if rows else None


@dataclass
class _Evidence:
    """Facts read back from the store, with the version each one's offsets point into.

    A fact carried over from an older version keeps that version's offsets, so its row must keep
    saying which version they belong to.
    """

    facts: list[Fact] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # id(fact) -> version id

    def version_of(self, fact: Fact, default: dict[str, Any] | None) -> int | None:
        return self.versions.get(id(fact), default["id"] if default else None)


def _facts_at(db: sqlite_utils.Database, document_id: int, version: dict[str, Any]) -> _Evidence:
    """The facts the document stated at `version`: its current facts if that is their version,
    else (the file was deleted in between) the runs that reached that version."""
    rows = _current_rows(db, document_id)
    if rows:
        return _rows_to_facts(rows)
    out = _Evidence()
    for run in db.query("SELECT * FROM fact_runs WHERE document_id = ? AND last_version_id = ?",
                        [document_id, version["id"]]):
        fact = _run_to_fact(run)
        out.facts.append(fact)
        out.versions[id(fact)] = run["first_version_id"]
    return out


def _current_rows(db: sqlite_utils.Database, document_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT * FROM facts WHERE document_id = ? ORDER BY id", [document_id])]


def _rows_to_facts(rows: Iterable[dict[str, Any]]) -> _Evidence:
    """`facts` rows back into one Fact per mention, so that every mention's evidence counts."""
    out = _Evidence()
    for row in rows:
        details = json.loads(row["details"] or "{}")
        for m in json.loads(row["evidence"]):
            fact = Fact(kind=row["kind"], subject=row["subject"], value=row["value"], unit=row["unit"],
                        text=m["text"], start=m["start"], end=m["end"], sentence=m["sentence"],
                        rule=m["rule"], qualifier=row["qualifier"], subject_code=row["subject_code"],
                        details=details)
            out.facts.append(fact)
            out.versions[id(fact)] = m["version_id"]
    return out


def _run_to_fact(row: dict[str, Any]) -> Fact:
    return Fact(kind=row["kind"], subject=row["subject"], value=row["value"], unit=row["unit"],
                text=row["text"], start=row["span_start"] or 0, end=row["span_end"] or 0,
                sentence=row["sentence"] or "", rule=row["rule"] or "", qualifier=row["qualifier"],
                subject_code=row["subject_code"])


# --- writing -------------------------------------------------------------------------------------

def _distinct(facts: Iterable[Fact]) -> Iterator[tuple[tuple[str, str], list[Fact]]]:
    """Facts grouped by (fact key, value key), mentions in text order: one row per group."""
    groups: dict[tuple[str, str], list[Fact]] = {}
    for f in sorted(facts, key=lambda f: (f.start, f.end, f.key)):
        groups.setdefault((f.key, value_key(f)), []).append(f)
    yield from groups.items()


def _replace_current(db: sqlite_utils.Database, version: dict[str, Any], facts: Iterable[Fact],
                     carried_from: _Evidence) -> None:
    """Make `facts` the document's current facts. Facts found in `carried_from` were carried over
    from an older version and keep pointing into its text."""
    db.execute("DELETE FROM facts WHERE document_id = ?", [version["document_id"]])
    rows = []
    for (key, vkey), mentions in _distinct(facts):
        first = mentions[0]
        rows.append({
            "document_id": version["document_id"], "version_id": carried_from.version_of(first, version),
            "fact_key": key, "kind": first.kind, "subject": first.subject,
            "subject_code": first.subject_code, "qualifier": first.qualifier, "value": first.value,
            "value_key": vkey, "unit": first.unit, "text": first.text, "sentence": first.sentence,
            "span_start": first.start, "span_end": first.end, "rule": first.rule,
            "details": json.dumps(dict(first.details), default=str, sort_keys=True),
            "mentions": len(mentions),
            "evidence": json.dumps([{
                "text": m.text, "start": m.start, "end": m.end, "sentence": m.sentence, "rule": m.rule,
                "version_id": carried_from.version_of(m, version),
            } for m in mentions]),
        })
    _insert(db, "facts", rows)


def _extend_runs(db: sqlite_utils.Database, version: dict[str, Any], previous: dict[str, Any] | None,
                 facts: Iterable[Fact]) -> None:
    """Extend each run that reached the previous version and still holds; start the others."""
    open_runs: dict[tuple[str, str], int] = {}
    if previous:
        open_runs = {(key, vkey): run_id for run_id, key, vkey in db.execute(
            "SELECT id, fact_key, value_key FROM fact_runs WHERE document_id = ? AND last_version_id = ?",
            [version["document_id"], previous["id"]])}
    extended, started = [], []
    for (key, vkey), mentions in _distinct(facts):
        if (key, vkey) in open_runs:
            extended.append((version["id"], version["version"], open_runs[(key, vkey)]))
            continue
        f = mentions[0]
        started.append({
            "document_id": version["document_id"], "fact_key": key, "kind": f.kind, "subject": f.subject,
            "subject_code": f.subject_code, "qualifier": f.qualifier, "value": f.value, "value_key": vkey,
            "unit": f.unit, "first_version_id": version["id"], "last_version_id": version["id"],
            "first_version": version["version"], "last_version": version["version"],
            "text": f.text, "sentence": f.sentence, "span_start": f.start, "span_end": f.end, "rule": f.rule,
        })
    db.conn.executemany("UPDATE fact_runs SET last_version_id = ?, last_version = ? WHERE id = ?", extended)
    _insert(db, "fact_runs", started)


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
