"""The schema, as an ordered list of migrations: a database made by an older release upgrades in place.

Never edit a migration that has shipped; add a new one at the end.
"""
from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("monitor")


@migrations()
def m001_documents(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,       -- relative to the watched folder
            root TEXT NOT NULL,              -- the watched folder, absolute
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            deleted_at TEXT,                 -- set while the file is gone; cleared when it returns
            moved_to TEXT,                   -- path it was renamed to, when the content was identical
            moved_from TEXT,                 -- path it was renamed from
            current_version INTEGER          -- newest version number
        );
        CREATE TABLE document_versions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            path TEXT NOT NULL,
            version INTEGER NOT NULL,        -- 1, 2, 3 ... per document
            sha256 TEXT NOT NULL,            -- of the raw bytes
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            observed_at TEXT NOT NULL,
            format TEXT NOT NULL,            -- text, markdown or html
            encoding TEXT NOT NULL,
            decode_errors INTEGER NOT NULL DEFAULT 0,  -- 1 when undecodable bytes were replaced
            title TEXT,
            date TEXT,                       -- front matter date: the reference date
            source_url TEXT,
            text TEXT NOT NULL,              -- the decoded file text
            UNIQUE (document_id, version)
        );
        CREATE INDEX idx_document_versions_sha256 ON document_versions (sha256);
        CREATE TABLE errors (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            stage TEXT NOT NULL,             -- read, decode, extract, ...
            reason TEXT NOT NULL
        );
        CREATE INDEX idx_errors_path ON errors (path);
        CREATE TABLE scans (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            trigger TEXT NOT NULL,           -- scan, start, schedule, event, overflow
            new INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0
        );
        """
    )
    db["document_versions"].enable_fts(["title", "text"], create_triggers=True)
