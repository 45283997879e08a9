"""The store: WAL, busy timeout, foreign keys, migrations in place, write transactions."""
from __future__ import annotations

import re
import sqlite3

import pytest
import sqlite_utils

from monitor.migrations import migrations
from monitor.store import StoreError, open_store, store_version, utcnow, version_text, write_transaction


@pytest.fixture
def db(tmp_path):
    database = open_store(tmp_path / "m.db")
    yield database
    database.close()


def test_pragmas(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_core_tables_and_full_text_search(db):
    assert {"documents", "document_versions", "errors", "scans", "document_versions_fts"} <= set(db.table_names())
    doc = db["documents"].insert({"path": "a.txt", "root": "/r", "first_seen_at": utcnow(),
                                  "last_seen_at": utcnow()}).last_pk
    with write_transaction(db):
        store_version(db, {
            "document_id": doc, "path": "a.txt", "version": 1, "sha256": "x", "size": 1, "mtime": 0.0,
            "observed_at": utcnow(), "format": "text", "encoding": "utf-8", "text": "reciprocal tariff on copper"})
    assert [r["path"] for r in db["document_versions"].search("copper")] == ["a.txt"]


def test_foreign_keys_are_enforced(db):
    with pytest.raises(sqlite3.IntegrityError):
        db["document_versions"].insert({
            "document_id": 999, "path": "a", "version": 1, "sha256": "x", "size": 1, "mtime": 0.0,
            "observed_at": utcnow(), "format": "text", "encoding": "utf-8", "text": ""})


def test_migrations_are_idempotent(tmp_path):
    open_store(tmp_path / "m.db").close()
    db = open_store(tmp_path / "m.db")
    applied = [r["name"] for r in db.query("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert len(applied) == len(set(applied))
    db.close()


def test_an_older_database_upgrades_in_place(tmp_path):
    # A database made by the first release: only the first migration applied, with a document in it.
    old = sqlite_utils.Database(tmp_path / "m.db")
    first, second = [m.name for m in migrations.pending(old)][:2]
    migrations.apply(old, stop_before=second)
    assert [m.name for m in migrations.applied(old)] == [first]
    old["documents"].insert({"path": "a.txt", "root": "/r", "first_seen_at": "t", "last_seen_at": "t"})
    old.close()
    db = open_store(tmp_path / "m.db")
    assert migrations.pending(db) == []
    assert db.execute("SELECT path FROM documents").fetchall() == [("a.txt",)]
    db.close()


def test_write_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        with write_transaction(db):
            db["errors"].insert({"path": "a", "occurred_at": utcnow(), "stage": "read", "reason": "x"})
            raise RuntimeError("boom")
    assert db["errors"].count == 0


def test_nested_write_transaction_is_a_savepoint(db):
    with write_transaction(db):
        db["errors"].insert({"path": "kept", "occurred_at": utcnow(), "stage": "read", "reason": "x"})
        with pytest.raises(RuntimeError):
            with write_transaction(db):
                db["errors"].insert({"path": "dropped", "occurred_at": utcnow(), "stage": "read", "reason": "x"})
                raise RuntimeError("inner")
    assert [r["path"] for r in db["errors"].rows] == ["kept"]


def test_readers_are_not_blocked_by_an_open_write(tmp_path, db):
    reader = sqlite3.connect(tmp_path / "m.db", timeout=0.1)
    with write_transaction(db):
        db["errors"].insert({"path": "a", "occurred_at": utcnow(), "stage": "read", "reason": "x"})
        # WAL: a reader sees the last committed state while the write transaction is open.
        assert reader.execute("SELECT count(*) FROM errors").fetchone()[0] == 0
    assert reader.execute("SELECT count(*) FROM errors").fetchone()[0] == 1
    reader.close()


def test_unopenable_database(tmp_path):
    (tmp_path / "not.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not.db"):
        open_store(tmp_path / "not.db")


def test_utcnow_is_iso_utc():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utcnow())


# --- compact storage (m005): deflated older texts, sentences as offsets, latest-only search ------

OLD_TEXT = "---\ntitle: Letter\n---\nImports from **Kazakhstan** will face a 25% tariff.\nThe deadline is August 1."
NEW_TEXT = OLD_TEXT.replace("25%", "30%")


def _m004_database(path):
    """A database as the release before m005 made it, with a document of two versions and facts
    in the old layout (sentences copied into facts, fact_runs and the evidence JSON)."""
    import json

    old = sqlite_utils.Database(path)
    names = [m.name for m in migrations.pending(old)]
    migrations.apply(old, stop_before=names[names.index("m005_compact_storage")])
    doc = old["documents"].insert({"path": "a.md", "root": "/r", "first_seen_at": "t", "last_seen_at": "t",
                                   "current_version": 2}).last_pk
    ids = [old["document_versions"].insert({
        "document_id": doc, "path": "a.md", "version": n, "sha256": str(n), "size": len(text), "mtime": 0.0,
        "observed_at": f"t{n}", "format": "markdown", "encoding": "utf-8", "title": "Letter", "text": text,
    }).last_pk for n, text in ((1, OLD_TEXT), (2, NEW_TEXT))]
    start = NEW_TEXT.index("30%")
    sentence = "Imports from Kazakhstan will face a 30% tariff."  # markup blanked, as the extractor reads it
    old["facts"].insert({
        "document_id": doc, "version_id": ids[1], "fact_key": "tariff|kz|", "kind": "tariff",
        "subject": "Kazakhstan", "subject_code": "KZ", "value": 30, "value_key": "30", "unit": "percent",
        "text": "30%", "sentence": sentence, "span_start": start, "span_end": start + 3, "rule": "r",
        "details": "{}", "mentions": 1, "evidence": json.dumps([{
            "text": "30%", "start": start, "end": start + 3, "sentence": sentence, "rule": "r",
            "version_id": ids[1]}]),
    })
    old["fact_runs"].insert({
        "document_id": doc, "fact_key": "tariff|kz|", "kind": "tariff", "subject": "Kazakhstan",
        "subject_code": "KZ", "value": 25, "value_key": "25", "unit": "percent", "first_version_id": ids[0],
        "last_version_id": ids[0], "first_version": 1, "last_version": 1, "text": "25%",
        "sentence": sentence.replace("30", "25"), "span_start": start, "span_end": start + 3, "rule": "r"})
    old["fact_changes"].insert({
        "document_id": doc, "path": "a.md", "version": 2, "version_id": ids[1], "kind": "tariff",
        "subject": "Kazakhstan", "change": "changed", "old": 25, "new": 30, "unit": "percent",
        "old_sentence": sentence.replace("30", "25"), "new_sentence": sentence, "detected_at": "t2"})
    old.close()
    return doc, ids, sentence


def test_a_database_of_the_previous_release_upgrades_to_compact_storage(tmp_path):
    from monitor import history
    from monitor.store import version_text

    doc, (v1, v2), sentence = _m004_database(tmp_path / "m.db")
    db = open_store(tmp_path / "m.db")
    assert migrations.pending(db) == []
    # Texts read back equal, the older one stored deflated.
    assert (version_text(db, v1), version_text(db, v2)) == (OLD_TEXT, NEW_TEXT)
    stored = db.execute("SELECT text IS NULL, text_z IS NOT NULL FROM document_versions ORDER BY id").fetchall()
    assert stored == [(1, 1), (0, 0)]
    assert [r["text"] for r in db.query("SELECT text FROM version_texts ORDER BY version")] == [OLD_TEXT, NEW_TEXT]
    # Sentences are offsets now; the fact reads back exactly as it was extracted.
    (fact,) = history._rows_to_facts(history._current_rows(db, doc), history._Texts(db)).facts
    assert (fact.text, fact.sentence, fact.value) == ("30%", sentence, 30)
    (run,) = db.query("SELECT * FROM fact_runs")
    assert history._run_to_fact(run, history._Texts(db)).sentence == sentence.replace("30", "25")
    # The views cut the sentence from the file's text (markup as the file has it).
    assert next(db.query("SELECT sentence FROM fact_current"))["sentence"] == \
        "Imports from **Kazakhstan** will face a 30% tariff."
    assert next(db.query("SELECT sentence FROM fact_history"))["sentence"] == \
        "Imports from **Kazakhstan** will face a 25% tariff."
    change = next(db.query("SELECT old, new, old_sentence FROM fact_changes_detail"))
    assert change == {"old": 25, "new": 30, "old_sentence": sentence.replace("30", "25")}
    # Only the latest version is searchable.
    assert [r["version"] for r in db["document_versions"].search("tariff")] == [2]
    assert "sentence" not in db["facts"].columns_dict and "sentence" not in db["fact_runs"].columns_dict
    db.close()


def test_a_new_version_deflates_the_one_it_supersedes_and_takes_its_place_in_search(db):
    from monitor.store import store_version, version_text

    doc = db["documents"].insert({"path": "a.txt", "root": "/r", "first_seen_at": "t", "last_seen_at": "t"}).last_pk
    row = {"document_id": doc, "path": "a.txt", "sha256": "x", "size": 1, "mtime": 0.0, "observed_at": "t",
           "format": "text", "encoding": "utf-8"}
    v1 = store_version(db, {**row, "version": 1, "text": "copper tariff"})
    v2 = store_version(db, {**row, "version": 2, "text": "steel tariff"})
    assert (version_text(db, v1), version_text(db, v2)) == ("copper tariff", "steel tariff")
    assert db.execute("SELECT text, length(text_z) > 0 FROM document_versions WHERE id = ?", [v1]).fetchone() == (None, 1)
    assert [r["id"] for r in db["document_versions"].search("copper")] == []
    assert [r["id"] for r in db["document_versions"].search("tariff")] == [v2]
    assert [r["id"] for r in db["document_versions"].search("steel AND tariff")] == [v2]
    assert_index_holds_latest_texts(db)


def test_the_datasette_plugin_registers_the_functions_the_views_need(tmp_path):
    """Datasette calls prepare_connection(conn, database, datasette) through pluggy on every
    connection: the plugin's hook, taken from its entry point, must answer that call."""
    import importlib.metadata

    import pluggy

    (entry,) = [e for e in importlib.metadata.entry_points(group="datasette") if e.name == "monitor"]

    class Spec:
        @pluggy.HookspecMarker("datasette")
        def prepare_connection(self, conn, database, datasette):
            """Datasette's hook signature."""

    manager = pluggy.PluginManager("datasette")
    manager.add_hookspecs(Spec)
    manager.register(entry.load())
    open_store(tmp_path / "m.db").close()
    conn = sqlite3.connect(tmp_path / "m.db")
    manager.hook.prepare_connection(conn=conn, database="m", datasette=None)
    assert conn.execute("SELECT monitor_inflate(?)", [__import__("zlib").compress("é".encode())]).fetchone() == ("é",)
    conn.close()


def test_the_index_follows_what_a_transaction_kept_when_a_savepoint_rolled_back(db):
    """Versions are indexed at COMMIT, all at once: a version whose savepoint rolled back (it
    failed to store) is neither indexed nor unindexes the one it would have superseded."""
    docs = [db["documents"].insert({"path": p, "root": "/r", "first_seen_at": "t", "last_seen_at": "t"}).last_pk
            for p in ("a.txt", "b.txt", "c.txt")]
    row = {"sha256": "x", "size": 1, "mtime": 0.0, "observed_at": "t", "format": "text", "encoding": "utf-8"}
    with write_transaction(db):
        a1 = store_version(db, {**row, "document_id": docs[0], "path": "a.txt", "version": 1, "text": "copper tariff"})
        b1 = store_version(db, {**row, "document_id": docs[1], "path": "b.txt", "version": 1, "text": "steel quota"})
    with write_transaction(db):
        a2 = store_version(db, {**row, "document_id": docs[0], "path": "a.txt", "version": 2, "text": "lumber tariff"})
        assert version_text(db, a1) == "copper tariff"  # superseded in this transaction
        with pytest.raises(RuntimeError):
            with db.atomic():
                store_version(db, {**row, "document_id": docs[1], "path": "b.txt", "version": 2, "text": "zinc"})
                raise RuntimeError("the rest of this version failed")
        # The rolled-back version's id is free again: the next version takes it.
        c1 = store_version(db, {**row, "document_id": docs[2], "path": "c.txt", "version": 1, "text": "nickel duty"})
        # A version superseded within the transaction that added it is never indexed.
        c2 = store_version(db, {**row, "document_id": docs[2], "path": "c.txt", "version": 2, "text": "cobalt duty"})
    assert_index_holds_latest_texts(db)

    def found(query):
        return sorted(r["id"] for r in db["document_versions"].search(query))

    assert found("tariff") == [a2] and found("copper") == []
    assert found("steel") == [b1] and found("zinc") == []
    assert found("duty") == [c2] and found("nickel") == []
    assert (version_text(db, a1), version_text(db, c1)) == ("copper tariff", "nickel duty")


def test_a_version_stored_outside_a_write_transaction_is_indexed_at_once(db):
    doc = db["documents"].insert({"path": "a.txt", "root": "/r", "first_seen_at": "t", "last_seen_at": "t"}).last_pk
    row = {"document_id": doc, "path": "a.txt", "sha256": "x", "size": 1, "mtime": 0.0, "observed_at": "t",
           "format": "text", "encoding": "utf-8"}
    store_version(db, {**row, "version": 1, "text": "copper tariff"})
    v2 = store_version(db, {**row, "version": 2, "text": "steel tariff"})
    assert [r["id"] for r in db["document_versions"].search("tariff")] == [v2]
    assert_index_holds_latest_texts(db)


def assert_index_holds_latest_texts(db):
    """The full-text index is sound and holds exactly the versions whose text is plain: its
    totals (rows, tokens per column) equal those of an index built from those rows alone. FTS5's
    own check cannot say it: with external content it expects every row of the table indexed,
    and removing a row that was never indexed goes unnoticed by queries."""
    db.execute("INSERT INTO document_versions_fts (document_versions_fts) VALUES ('integrity-check')")
    reference = sqlite3.connect(":memory:")
    reference.execute("CREATE VIRTUAL TABLE f USING fts5 (title, text, detail=column)")
    reference.executemany("INSERT INTO f (rowid, title, text) VALUES (?, ?, ?)",
                          db.execute("SELECT id, title, text FROM document_versions WHERE text IS NOT NULL"))
    reference.commit()
    totals = "SELECT block FROM {}_data WHERE id = 1"  # FTS5's averages record
    assert db.execute(totals.format("document_versions_fts")).fetchone() == reference.execute(totals.format("f")).fetchone()


def _open_at_barrier(path, barrier, results):
    barrier.wait()
    try:
        open_store(path).close()
        results.put("ok")
    except Exception as e:  # noqa: BLE001 - the parent asserts on what each process saw
        results.put(f"{type(e).__name__}: {e}")


def test_processes_creating_one_fresh_database_at_once_all_open_it(tmp_path):
    """Migrations are applied under the write lock: processes that open a database that does
    not exist yet at the same moment do not run them twice (one of them used to fail with
    'table documents already exists', or a migration was recorded twice)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    processes_per_database = 4
    for n in range(3):
        path = tmp_path / f"m{n}.db"
        barrier, results = context.Barrier(processes_per_database), context.Queue()
        processes = [context.Process(target=_open_at_barrier, args=(path, barrier, results))
                     for _ in range(processes_per_database)]
        for p in processes:
            p.start()
        outcomes = [results.get(timeout=120) for _ in processes]
        for p in processes:
            p.join()
        assert outcomes == ["ok"] * processes_per_database
        db = open_store(path)
        applied = [r["name"] for r in db.query("SELECT name FROM _sqlite_migrations ORDER BY id")]
        assert applied == [m.name for m in migrations._migrations]
        db.close()


def sqlite_utils_cli(*args: str, stdin: str = "") -> None:
    """The sqlite-utils command a user runs beside monitor (a separate process and connection)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "sqlite_utils", *args], input=stdin, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_versions_another_tool_writes_are_indexed_and_superseded_soundly(tmp_path):
    """A version inserted with `sqlite-utils insert` is searchable at once; when monitor's writer
    later supersedes it, it leaves the index as it came in (before, it was never indexed, and its
    removal from the index corrupted FTS5's totals). Updates and deletes by hand follow too."""
    import json

    path = tmp_path / "m.db"
    db = open_store(path)
    doc = db["documents"].insert({"path": "a.txt", "root": "/r", "first_seen_at": "t", "last_seen_at": "t"}).last_pk
    row = {"document_id": doc, "path": "a.txt", "sha256": "x", "size": 1, "mtime": 0.0, "observed_at": "t",
           "format": "text", "encoding": "utf-8"}
    other = db["documents"].insert({"path": "b.txt", "root": "/r", "first_seen_at": "t", "last_seen_at": "t"}).last_pk
    with write_transaction(db):
        v1 = store_version(db, {**row, "version": 1, "text": "copper tariff"})
        store_version(db, {**row, "document_id": other, "path": "b.txt", "version": 1, "text": "steel quota"})
    sqlite_utils_cli("insert", str(path), "document_versions", "-",
                     stdin=json.dumps({**row, "version": 2, "text": "quota on lumber"}))
    (v2,) = [r["id"] for r in db.query("SELECT id FROM document_versions WHERE version = 2")]

    def found(query):
        return sorted(r["id"] for r in db["document_versions"].search(query))

    assert found("lumber") == [v2]
    assert found("copper") == [v1]  # both texts are plain: both are searched, as they are stored
    assert_index_holds_latest_texts(db)

    # monitor's writer supersedes both (the one it wrote and the one sqlite-utils wrote).
    with write_transaction(db):
        v3 = store_version(db, {**row, "version": 3, "text": "zinc duty"})
    assert (found("lumber"), found("copper"), found("zinc")) == ([], [], [v3])
    assert version_text(db, v2) == "quota on lumber"
    assert_index_holds_latest_texts(db)

    # Edits and deletions by hand.
    sqlite_utils_cli("query", str(path), f"UPDATE document_versions SET text = 'nickel duty' WHERE id = {v3}")
    assert (found("zinc"), found("nickel")) == ([], [v3])
    assert_index_holds_latest_texts(db)
    sqlite_utils_cli("query", str(path), f"DELETE FROM fact_extractions WHERE version_id = {v3}")
    sqlite_utils_cli("query", str(path), f"DELETE FROM document_versions WHERE id = {v3}")
    assert found("nickel") == []
    assert_index_holds_latest_texts(db)
    # monitor's own writes leave the flag that silences the triggers as it was: clear.
    assert db.execute("SELECT indexing FROM _monitor_writer").fetchall() == [(0,)]
    db.close()


def test_versions_another_tool_wrote_before_the_upgrade_are_indexed_by_it(tmp_path):
    old = sqlite_utils.Database(tmp_path / "m.db")
    migrations.apply(old, stop_before="m009_index_other_writers")
    doc = old["documents"].insert({"path": "a.txt", "root": "/r", "first_seen_at": "t", "last_seen_at": "t"}).last_pk
    old["document_versions"].insert({"document_id": doc, "path": "a.txt", "version": 1, "sha256": "x", "size": 1,
                                     "mtime": 0.0, "observed_at": "t", "format": "text", "encoding": "utf-8",
                                     "text": "reciprocal tariff"})
    old.close()
    db = open_store(tmp_path / "m.db")
    assert [r["path"] for r in db["document_versions"].search("reciprocal")] == ["a.txt"]
    assert_index_holds_latest_texts(db)
    db.close()
