"""What `monitor status` reports about a store: counts, the last scan and digest, recent errors.

Tables that later migrations add (facts, fact_changes, digests) are reported when they exist, so
this works on a database made by any release.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

RECENT_ERRORS = 10

# (label, SQL) for each count; the table a count needs is the first name after FROM.
_COUNTS = (
    ("documents", "SELECT count(*) FROM documents WHERE deleted_at IS NULL"),
    ("deleted documents", "SELECT count(*) FROM documents WHERE deleted_at IS NOT NULL"),
    ("versions", "SELECT count(*) FROM document_versions"),
    ("facts", "SELECT count(*) FROM facts"),
    ("changes", "SELECT count(*) FROM fact_changes WHERE cause = 'edit'"),
    ("digests", "SELECT count(*) FROM digests"),
    ("errors", "SELECT count(*) FROM errors"),
)


def store_status(db: sqlite_utils.Database) -> dict[str, Any]:
    """A JSON-ready summary of the store."""
    tables = set(db.table_names())
    counts = {label: db.execute(sql).fetchone()[0] for label, sql in _COUNTS
              if sql.split(" FROM ")[1].split()[0] in tables}
    return {
        "counts": counts,
        "last_scan": _last(db, "SELECT * FROM scans ORDER BY id DESC LIMIT 1"),
        "last_digest": _last(db, "SELECT id, created_at, title, change_count FROM digests ORDER BY id DESC LIMIT 1")
        if "digests" in tables else None,
        "recent_errors": [dict(r) for r in db.query(
            "SELECT path, occurred_at, stage, reason FROM errors ORDER BY id DESC LIMIT ?", [RECENT_ERRORS])],
    }


def _last(db: sqlite_utils.Database, sql: str) -> dict[str, Any] | None:
    rows = [dict(r) for r in db.query(sql)]
    return rows[0] if rows else None
