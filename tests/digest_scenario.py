"""The seed scenario as rows in a real database: the Observer article edited so that the tariff on
Kazakhstan goes 25% → 30% and the August 1 deadline moves to August 15, while the other seed
article still says 25%. Rows are written the way history.record_facts writes them (the same tables
and columns), so digests are built from a store like the one users have.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils

from monitor.config import Config, ReportsConfig
from monitor.evidence import mention
from monitor.store import open_store, version_text

OBSERVER = "001_4777de3da4390cc3.txt"
OTHER = "000_d4cf7e730de0a412.txt"
OLD_LETTER = ("The letter threatened that if the country did not reach a trade agreement by August 1, "
              "it would face a 25% tariff.")
NEW_LETTER = ("The letter threatened that if the country did not reach a trade agreement by August 15, "
              "it would face a 30% tariff.")
T0 = "2025-07-10T08:00:00.000Z"
T1 = "2025-07-12T09:30:00.000Z"


def make_config(tmp_path: Path, **reports: Any) -> Config:
    config = Config(reports=ReportsConfig(folder=str(tmp_path / "reports"), **reports))
    config.source = tmp_path / "config.toml"
    return config


def add_document(db: sqlite_utils.Database, path: str, at: str, title: str | None = None) -> int:
    return db["documents"].insert({"path": path, "root": "/watched", "first_seen_at": at, "last_seen_at": at,
                                   "current_version": 0}).last_pk


def add_version(db: sqlite_utils.Database, document_id: int, text: str, at: str, title: str | None = None) -> tuple[int, int]:
    doc = db["documents"].get(document_id)
    number = (doc["current_version"] or 0) + 1
    vid = db["document_versions"].insert({
        "document_id": document_id, "path": doc["path"], "version": number, "sha256": f"{document_id}-{number}",
        "size": len(text), "mtime": 0.0, "observed_at": at, "format": "text", "encoding": "utf-8",
        "title": title, "text": text,
    }).last_pk
    db["documents"].update(document_id, {"current_version": number, "last_seen_at": at})
    return vid, number


def set_fact(db: sqlite_utils.Database, document_id: int, version_id: int, kind: str, subject: str, value: Any,
             unit: str | None, sentence: str, qualifier: str = "", subject_code: str | None = None) -> None:
    """The document's current fact of this kind and subject now has `value` (replacing the old row)."""
    db.execute("delete from facts where document_id = ? and kind = ? and coalesce(subject_code, lower(subject)) = ? "
               "and qualifier = ?", [document_id, kind, subject_code or subject.lower(), qualifier])
    # The sentence as offsets into the version's text (a copy in the evidence if it is not there).
    at = version_text(db, version_id).find(sentence)
    span = (at, at + len(sentence)) if at >= 0 else None
    offsets = {"sentence_start": span and span[0], "sentence_end": span and span[1]}
    db["facts"].insert({
        "document_id": document_id, "version_id": version_id, "kind": kind, "subject": subject,
        "subject_code": subject_code, "qualifier": qualifier, "value": value,
        "unit": unit, "text": str(value), **offsets,
        "evidence": json.dumps([mention(0, 0, span, "test", version_id, sentence)]),
    })
    version = db["document_versions"].get(version_id)["version"]
    db["fact_runs"].insert({
        "document_id": document_id, "kind": kind, "subject": subject, "subject_code": subject_code,
        "qualifier": qualifier, "value": value, "unit": unit,
        "first_version_id": version_id, "last_version_id": version_id, "first_version": version,
        "last_version": version, "text": str(value), **offsets,
    })


def log_change(db: sqlite_utils.Database, document_id: int, version_id: int, kind: str, subject: str,
               change: str, old: Any, new: Any, unit: str | None, old_sentence: str | None,
               new_sentence: str | None, at: str, qualifier: str = "", subject_code: str | None = None,
               cause: str = "edit") -> int:
    version = db["document_versions"].get(version_id)
    return db["fact_changes"].insert({
        "document_id": document_id, "path": version["path"], "version": version["version"], "version_id": version_id,
        "kind": kind, "subject": subject, "subject_code": subject_code, "qualifier": qualifier, "change": change,
        "old": old, "new": new, "unit": unit, "old_sentence": old_sentence, "new_sentence": new_sentence,
        "old_text": None, "new_text": None, "detected_at": at, "cause": cause,
    }).last_pk


def record_extraction(db: sqlite_utils.Database, version_id: int, facts: int) -> None:
    """What history.record_facts notes for each version: how many facts the extractor read."""
    version = db["document_versions"].get(version_id)
    db["fact_extractions"].insert({"version_id": version_id, "document_id": version["document_id"],
                                   "facts": facts, "carried": 0, "recorded_at": version["observed_at"]}, replace=True)


def seed_scenario(db_path: Path) -> sqlite_utils.Database:
    """Both seed documents at version 1 (T0), then the Observer edit at version 2 (T1)."""
    db = open_store(db_path)
    observer = add_document(db, OBSERVER, T0)
    v1, _ = add_version(db, observer, "…" + OLD_LETTER, T0)
    set_fact(db, observer, v1, "tariff", "Kazakhstan", 25, "percent", OLD_LETTER, subject_code="KZ")
    # As the extractor reads it: what is due ("agreement") and the word before the date ("by").
    set_fact(db, observer, v1, "deadline", "agreement", "2025-08-01", "date", OLD_LETTER, qualifier="by:agreement")
    record_extraction(db, v1, 2)
    other = add_document(db, OTHER, T0)
    o1, _ = add_version(db, other, "Imports from Kazakhstan will be subject to a 25% tariff.", T0,
                        title="US Woos Kazakhstan for Minerals, Slaps on Sweeping Trade Tariffs")
    set_fact(db, other, o1, "tariff", "Kazakhstan", 25, "percent",
             "Imports from Kazakhstan will be subject to a 25% tariff.", subject_code="KZ")
    record_extraction(db, o1, 1)
    db["scans"].insert({"started_at": T0, "finished_at": T0, "trigger": "scan", "new": 2})

    v2, _ = add_version(db, observer, "…" + NEW_LETTER, T1)
    set_fact(db, observer, v2, "tariff", "Kazakhstan", 30, "percent", NEW_LETTER, subject_code="KZ")
    set_fact(db, observer, v2, "deadline", "agreement", "2025-08-15", "date", NEW_LETTER, qualifier="by:agreement")
    record_extraction(db, v2, 2)
    log_change(db, observer, v2, "tariff", "Kazakhstan", "changed", 25, 30, "percent", OLD_LETTER, NEW_LETTER, T1,
               subject_code="KZ")
    log_change(db, observer, v2, "deadline", "agreement", "changed", "2025-08-01", "2025-08-15", "date",
               OLD_LETTER, NEW_LETTER, T1, qualifier="by:agreement")
    db["scans"].insert({"started_at": T1, "finished_at": T1, "trigger": "scan", "changed": 1})
    return db
