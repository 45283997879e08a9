"""history.py on a real SQLite store: current facts, runs, the change log, deletions, moves,
re-extraction and timelines (issue 4). Versions are inserted as the scanner stores them; facts are
made by hand so that these tests do not depend on the extractor's rules."""
from __future__ import annotations

import pytest

from monitor import history
from monitor.fact import Fact
from monitor.store import open_store, utcnow, write_transaction

OBSERVER = "Imports from Kazakhstan will be subject to a {rate}% tariff. The measures take effect on August {day}."


@pytest.fixture
def db(tmp_path):
    return open_store(tmp_path / "monitor.db")


def add_document(db, path):
    now = utcnow()
    return db["documents"].insert({"path": path, "root": "/docs", "first_seen_at": now,
                                   "last_seen_at": now, "current_version": 0}).last_pk


def add_version(db, document_id, text):
    number = (db.execute("SELECT max(version) FROM document_versions WHERE document_id = ?",
                         [document_id]).fetchone()[0] or 0) + 1
    path = db["documents"].get(document_id)["path"]
    version_id = db["document_versions"].insert({
        "document_id": document_id, "path": path, "version": number, "sha256": str(hash(text)),
        "size": len(text), "mtime": 0.0, "observed_at": utcnow(), "format": "text", "encoding": "utf-8",
        "text": text,
    }).last_pk
    db["documents"].update(document_id, {"current_version": number})
    return version_id


def facts_of(text, subject="Kazakhstan", code="KZ"):
    """Facts as the extractor would read OBSERVER-shaped text: the rate and the date."""
    out = []
    rate_at = text.index("% tariff")
    rate_start = text.rindex(" ", 0, rate_at) + 1
    first_sentence = text[: text.index(".") + 1]
    out.append(Fact("tariff", subject, int(text[rate_start:rate_at]), "percent", text[rate_start:rate_at + 1],
                    rate_start, rate_at + 1, first_sentence, "test", subject_code=code))
    day_at = text.index("August ")
    day = text[day_at + 7: text.index(".", day_at)]
    out.append(Fact("deadline", "measures take effect", f"2025-08-{int(day):02d}", "date", f"August {day}",
                    day_at, day_at + 7 + len(day), text[len(first_sentence) + 1:], "test"))
    return out


def ingest(db, document_id, text, facts=None):
    with write_transaction(db):
        version_id = add_version(db, document_id, text)
        return history.record_facts(db, version_id, facts_of(text) if facts is None else facts)


def changes(db, **kw):
    return [(c["path"], c["version"], c["change"], c["kind"], c["old"], c["new"], c["cause"])
            for c in history.list_changes(db, **kw)]


def test_first_version_sets_facts_without_changes(db):
    doc = add_document(db, "observer.txt")
    assert ingest(db, doc, OBSERVER.format(rate=25, day=1)) == []
    rows = list(db.query("SELECT kind, value, unit, mentions FROM fact_current ORDER BY kind"))
    assert rows == [{"kind": "deadline", "value": "2025-08-01", "unit": "date", "mentions": 1},
                    {"kind": "tariff", "value": 25, "unit": "percent", "mentions": 1}]
    assert changes(db) == []


def test_edit_logs_changes_with_natural_types_and_evidence(db):
    doc = add_document(db, "observer.txt")
    ingest(db, doc, OBSERVER.format(rate=25, day=1))
    ingest(db, doc, OBSERVER.format(rate=30, day=15))
    assert changes(db) == [
        ("observer.txt", 2, "changed", "tariff", 25, 30, "edit"),
        ("observer.txt", 2, "changed", "deadline", "2025-08-01", "2025-08-15", "edit"),
    ]
    row = history.list_changes(db)[0]
    assert row["old_sentence"].startswith("Imports from Kazakhstan will be subject to a 25% tariff")
    assert row["new_text"] == "30%" and row["subject_code"] == "KZ"
    assert db.execute("SELECT typeof(old), typeof(new) FROM fact_changes WHERE kind = 'tariff'").fetchone() == ("integer", "integer")


def test_runs_bound_each_value_by_first_and_last_version(db):
    doc = add_document(db, "observer.txt")
    for rate in (25, 25, 30, 25):
        ingest(db, doc, OBSERVER.format(rate=rate, day=1) + (" " * rate))  # distinct texts
    runs = list(db.query("SELECT value, from_version, to_version, is_current FROM fact_history "
                         "WHERE kind = 'tariff' ORDER BY run_id"))
    assert runs == [{"value": 25, "from_version": 1, "to_version": 2, "is_current": 0},
                    {"value": 30, "from_version": 3, "to_version": 3, "is_current": 0},
                    {"value": 25, "from_version": 4, "to_version": 4, "is_current": 1}]
    deadline = list(db.query("SELECT from_version, to_version FROM fact_history WHERE kind = 'deadline'"))
    assert deadline == [{"from_version": 1, "to_version": 4}]


def test_extraction_wobble_is_no_removal_and_the_fact_stays_current(db):
    doc = add_document(db, "observer.txt")
    text = OBSERVER.format(rate=25, day=1)
    ingest(db, doc, text)
    # The extractor misses the tariff in a reflowed copy of the same text.
    reflowed = text.replace(" will be ", "\nwill be\n")
    ingest(db, doc, reflowed, facts=[f for f in facts_of(text) if f.kind == "deadline"])
    assert changes(db) == []
    carried = db.execute("SELECT f.value, v.version FROM facts f JOIN document_versions v ON v.id = f.version_id "
                         "WHERE f.kind = 'tariff'").fetchone()
    assert carried == (25, 1)  # still current, its evidence pointing into version 1
    # Found again later: no "added" either.
    ingest(db, doc, text + " ")
    assert changes(db) == []


def test_evidence_gone_is_a_removal(db):
    doc = add_document(db, "observer.txt")
    ingest(db, doc, OBSERVER.format(rate=25, day=1))
    text = "The measures take effect on August 1."
    ingest(db, doc, text, facts=[Fact("deadline", "measures take effect", "2025-08-01", "date", "August 1",
                                      28, 36, text, "test")])
    assert changes(db) == [("observer.txt", 2, "removed", "tariff", 25, None, "edit")]


def test_deleted_and_returning_document_compares_with_its_last_version(db):
    doc = add_document(db, "observer.txt")
    ingest(db, doc, OBSERVER.format(rate=25, day=1))
    with write_transaction(db):
        db["documents"].update(doc, {"deleted_at": utcnow()})
        history.document_deleted(db, doc)
    assert db["facts"].count == 0
    with write_transaction(db):
        db["documents"].update(doc, {"deleted_at": None})
    ingest(db, doc, OBSERVER.format(rate=30, day=1))
    assert changes(db) == [("observer.txt", 2, "changed", "tariff", 25, 30, "edit")]


def test_moved_document_keeps_its_facts_without_changes(db):
    old = add_document(db, "a.txt")
    text = OBSERVER.format(rate=25, day=1)
    ingest(db, old, text)
    new = add_document(db, "b.txt")
    with write_transaction(db):
        add_version(db, new, text)
        db["documents"].update(old, {"deleted_at": utcnow(), "moved_to": "b.txt"})
        history.document_moved(db, old, new)
    assert [r["path"] for r in db.query("SELECT path FROM fact_current")] == ["b.txt", "b.txt"]
    ingest(db, new, OBSERVER.format(rate=30, day=1))
    assert changes(db) == [("b.txt", 2, "changed", "tariff", 25, 30, "edit")]


def test_reextract_with_same_rules_records_nothing(db):
    doc = add_document(db, "observer.txt")
    for rate in (25, 30):
        ingest(db, doc, OBSERVER.format(rate=rate, day=1))
    # In text order: a fact that stayed keeps its row, so ids are not (reextract writes afresh).
    current = "SELECT kind, value, mentions, version_id FROM facts ORDER BY span_start"
    before = list(db.query(current))
    runs = list(db.query("SELECT kind, value, first_version, last_version FROM fact_runs ORDER BY id"))
    summary = history.reextract(db, lambda row: facts_of(row["text"]))
    assert (summary.documents, summary.versions, summary.changes) == (1, 2, 0)
    assert list(db.query(current)) == before
    assert list(db.query("SELECT kind, value, first_version, last_version FROM fact_runs ORDER BY id")) == runs
    assert len(changes(db, include_rules=True)) == 1


def test_reextract_with_new_rules_logs_rules_changes_that_are_not_listed(db):
    doc = add_document(db, "observer.txt")
    ingest(db, doc, OBSERVER.format(rate=25, day=1))
    # New rules read a different subject name for the same tariff and no longer see the deadline.
    summary = history.reextract(db, lambda row: facts_of(row["text"], subject="Republic of Kazakhstan",
                                                         code=None)[:1])
    assert summary.changes == 3
    assert changes(db) == []
    assert sorted(changes(db, include_rules=True)) == [
        ("observer.txt", 1, "added", "tariff", None, 25, "rules"),
        ("observer.txt", 1, "removed", "deadline", "2025-08-01", None, "rules"),
        ("observer.txt", 1, "removed", "tariff", 25, None, "rules"),
    ]


def test_timeline_across_documents_marks_conflicts(db):
    a, b = add_document(db, "a.txt"), add_document(db, "b.txt")
    ingest(db, a, OBSERVER.format(rate=25, day=1))
    ingest(db, b, OBSERVER.format(rate=25, day=1))
    ingest(db, b, OBSERVER.format(rate=30, day=1))
    rows = history.timeline(db, "kazakhstan", kind="tariff")
    assert [(r["path"], r["value"], r["is_current"], r["conflict"]) for r in rows] == [
        ("a.txt", 25, 1, 1), ("b.txt", 25, 0, 0), ("b.txt", 30, 1, 1)]
    assert history.timeline(db, "KZ", kind="tariff") == rows


def test_list_changes_since(db):
    doc = add_document(db, "observer.txt")
    ingest(db, doc, OBSERVER.format(rate=25, day=1))
    ingest(db, doc, OBSERVER.format(rate=30, day=1))
    assert len(history.list_changes(db, since="2000-01-01T00:00:00Z")) == 1
    assert history.list_changes(db, since="2999-01-01T00:00:00Z") == []


def test_datasette_metadata_names_real_tables_and_its_queries_run(db):
    import json
    import pathlib
    import re

    metadata = json.loads((pathlib.Path(__file__).parent.parent / "metadata.json").read_text())
    (database,) = metadata["databases"].values()
    names = set(db.table_names()) | set(db.view_names())
    assert set(database["tables"]) <= names
    for table, spec in database["tables"].items():
        columns = {c.name for c in (db[table].columns if table in db.table_names() else db.view(table).columns)}
        assert set(spec.get("facets", [])) | set(spec.get("columns", {})) <= columns, table
    doc, other = add_document(db, "observer.txt"), add_document(db, "other.txt")
    ingest(db, doc, OBSERVER.format(rate=25, day=1))
    ingest(db, doc, OBSERVER.format(rate=30, day=1))
    ingest(db, other, OBSERVER.format(rate=25, day=1))  # disagrees: a conflict
    values = {"since": "2000-01-01", "entity": "Kazakhstan", "path": "observer.txt", "version": 1}
    for name, query in database["queries"].items():
        params = {p: values[p] for p in re.findall(r":(\w+)", query["sql"])}
        assert list(db.query(query["sql"], params)), name


def test_timeline_leaves_out_value_less_mentions_covered_by_a_value(db):
    doc = add_document(db, "observer.txt")
    text = OBSERVER.format(rate=25, day=1) + " Tariffs on Kazakhstan were announced."
    bare = Fact("tariff", "Kazakhstan", None, "percent", "Tariffs", len(text) - 36, len(text) - 29,
                "Tariffs on Kazakhstan were announced.", "test", subject_code="KZ")
    ingest(db, doc, text, facts=facts_of(text) + [bare])
    assert [r["value"] for r in history.timeline(db, "Kazakhstan")] == [25]
    # Once the rate is gone the bare mention is what the document says.
    ingest(db, doc, text[text.index(".") + 2:], facts=[])
    assert [(r["value"], r["is_current"]) for r in history.timeline(db, "Kazakhstan")] == [(25, 0), (None, 1)]


def test_stored_facts_read_back_as_extracted_from_markup_and_typographic_text(db):
    """Sentences are stored as offsets: rebuilt from the version's text they must equal what the
    extractor gave (markup blanked, curly quotes made plain, lines re-joined)."""
    from monitor.extract import extract_facts

    text = ("---\ntitle: Letter\n---\n# Tariffs\n\nThe President’s letter says imports from **Kazakhstan**\n"
            "will face a [25% tariff](https://example.org/t) starting August 1, 2025.\n\n"
            "- Brazil: a 50% tariff on coffee.\n")
    facts = extract_facts(text, fmt="markdown")
    assert facts and any("’" in text[:f.start] for f in facts)
    doc = add_document(db, "letter.md")
    with write_transaction(db):
        version_id = db["document_versions"].insert({
            "document_id": doc, "path": "letter.md", "version": 1, "sha256": "x", "size": len(text),
            "mtime": 0.0, "observed_at": utcnow(), "format": "markdown", "encoding": "utf-8", "text": text,
        }).last_pk
        history.record_facts(db, version_id, facts)
    stored = history._rows_to_facts(history._current_rows(db, doc), history._Texts(db)).facts
    as_tuples = lambda fs: sorted((f.kind, f.subject, str(f.value), f.text, f.start, f.end, f.sentence, f.rule)
                                  for f in fs)
    assert as_tuples(stored) == as_tuples(facts)
    assert db.execute("SELECT count(*) FROM facts WHERE sentence_start IS NULL").fetchone()[0] == 0


def test_a_fact_still_stated_keeps_its_row_and_the_rows_read_as_a_rebuild_would(db):
    """The writer rewrites only what changed in a document's current facts: a fact still stated
    keeps its row, with its evidence moved to the new version."""
    doc = add_document(db, "observer.txt")
    ingest(db, doc, OBSERVER.format(rate=25, day=1))
    ids = {r["kind"]: r["id"] for r in db.query("SELECT id, kind FROM facts")}
    ingest(db, doc, OBSERVER.format(rate=30, day=1))
    after = {r["kind"]: r for r in db.query("SELECT * FROM facts")}
    assert after["deadline"]["id"] == ids["deadline"]
    assert after["tariff"]["id"] != ids["tariff"] and after["tariff"]["value"] == 30
    history.reextract(db, lambda row: facts_of(row["text"]))
    rebuilt = {r["kind"]: r for r in db.query("SELECT * FROM facts")}
    without_id = lambda rows: {k: {c: v for c, v in r.items() if c != "id"} for k, r in rows.items()}  # noqa: E731
    assert without_id(after) == without_id(rebuilt)
