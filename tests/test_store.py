"""The store: WAL, busy timeout, foreign keys, migrations in place, write transactions."""
from __future__ import annotations

import re
import sqlite3

import pytest
import sqlite_utils

from monitor.migrations import migrations
from monitor.store import StoreError, open_store, utcnow, write_transaction


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
    db["document_versions"].insert({
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
