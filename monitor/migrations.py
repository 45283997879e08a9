"""The schema, as an ordered list of migrations: a database made by an older release upgrades in place.

Never edit a migration that has shipped; add a new one at the end.
"""
from __future__ import annotations

import json

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
            current_version INTEGER,         -- newest version number
            size INTEGER,                    -- the file's size and mtime (ns) when last read or
            mtime_ns INTEGER                 -- seen unchanged: the rescan's skip test
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
            moved INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            roots TEXT                       -- the folders scanned, JSON list
        );
        """
    )
    db["document_versions"].enable_fts(["title", "text"], create_triggers=True)


@migrations()
def m002_fact_tables(db: sqlite_utils.Database) -> None:
    """Derived fact tables (history.py): current facts, runs of a value, the change log.

    `value`, `old` and `new` are declared without a type so that SQLite keeps each value as given:
    numbers stay numbers, dates stay 'YYYY-MM-DD' text, a missing value is NULL.
    """
    db.executescript(
        """
        CREATE TABLE facts (                 -- what each document says now: one row per distinct value
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            version_id INTEGER NOT NULL REFERENCES document_versions(id),  -- where span_* point
            fact_key TEXT NOT NULL,          -- kind|subject code or name|qualifier
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            subject_code TEXT,               -- ISO 3166-1 alpha-2 for countries
            qualifier TEXT NOT NULL DEFAULT '',
            value,                           -- number, 'YYYY-MM-DD' text or NULL
            value_key TEXT NOT NULL,         -- the normalised value that comparisons use
            unit TEXT,
            text TEXT NOT NULL,              -- evidence: the words that state it
            sentence TEXT,
            span_start INTEGER,              -- offsets into the version's text
            span_end INTEGER,
            rule TEXT,
            details TEXT,                    -- JSON: status, basis, effective, what, ...
            mentions INTEGER NOT NULL DEFAULT 1,
            evidence TEXT NOT NULL DEFAULT '[]',  -- JSON: every mention (text, sentence, span, version_id)
            UNIQUE (document_id, fact_key, value_key)
        );
        CREATE INDEX idx_facts_kind_subject ON facts (kind, subject);
        CREATE INDEX idx_facts_subject_code ON facts (subject_code);
        CREATE TABLE fact_runs (             -- history: a run of versions that carried the same value
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            fact_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            subject_code TEXT,
            qualifier TEXT NOT NULL DEFAULT '',
            value,
            value_key TEXT NOT NULL,
            unit TEXT,
            first_version_id INTEGER NOT NULL REFERENCES document_versions(id),
            last_version_id INTEGER NOT NULL REFERENCES document_versions(id),  -- inclusive
            first_version INTEGER NOT NULL,
            last_version INTEGER NOT NULL,
            text TEXT NOT NULL,              -- evidence from the run's first version
            sentence TEXT,
            span_start INTEGER,
            span_end INTEGER,
            rule TEXT
        );
        CREATE INDEX idx_fact_runs_document_key ON fact_runs (document_id, fact_key, value_key);
        CREATE INDEX idx_fact_runs_kind_subject ON fact_runs (kind, subject);
        CREATE INDEX idx_fact_runs_subject_code ON fact_runs (subject_code);
        CREATE TABLE fact_changes (          -- append-only: what changed, seen at which version
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            path TEXT NOT NULL,
            version INTEGER NOT NULL,        -- the document's version number where it was seen
            version_id INTEGER NOT NULL REFERENCES document_versions(id),
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            subject_code TEXT,
            qualifier TEXT NOT NULL DEFAULT '',
            change TEXT NOT NULL CHECK (change IN ('added', 'removed', 'changed')),
            old,
            new,
            unit TEXT,
            old_sentence TEXT,
            new_sentence TEXT,
            old_text TEXT,
            new_text TEXT,
            detected_at TEXT NOT NULL,
            cause TEXT NOT NULL DEFAULT 'edit' CHECK (cause IN ('edit', 'rules'))
        );
        CREATE INDEX idx_fact_changes_document_version ON fact_changes (document_id, version);
        CREATE INDEX idx_fact_changes_detected_at ON fact_changes (detected_at);
        CREATE INDEX idx_fact_changes_kind_subject ON fact_changes (kind, subject);
        CREATE INDEX idx_fact_changes_subject_code ON fact_changes (subject_code);
        """
    )


@migrations()
def m003_digests(db: sqlite_utils.Database) -> None:
    """Digests (digest.py, delivery.py): what was told, which changes it covered, and to whom.

    A digest is recorded before anything is sent, with one `deliveries` row per channel; a channel
    is done when its `delivered_at` is set, so a restart resumes exactly the channels still pending.
    """
    db.executescript(
        """
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,       -- Atom entry id and mail Message-ID
            created_at TEXT NOT NULL,
            period_start TEXT,               -- end of the previous digest (NULL for the first)
            period_end TEXT NOT NULL,
            since TEXT,                      -- set when built with --since
            title TEXT NOT NULL,
            change_count INTEGER NOT NULL,
            data TEXT NOT NULL               -- JSON: the digest as built, rendered again on delivery
        );
        CREATE TABLE digest_changes (
            digest_id INTEGER NOT NULL REFERENCES digests(id),
            change_id INTEGER NOT NULL REFERENCES fact_changes(id),
            shown INTEGER NOT NULL DEFAULT 1,  -- 0: covered but left out by the [reports] filters
            PRIMARY KEY (digest_id, change_id)
        );
        CREATE INDEX idx_digest_changes_change_id ON digest_changes (change_id);
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            digest_id INTEGER NOT NULL REFERENCES digests(id),
            channel TEXT NOT NULL,           -- files, mail, command
            created_at TEXT NOT NULL,
            claimed_at TEXT,                 -- a sender holds it (expires, so a crash is retried)
            last_attempt_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            delivered_at TEXT,
            target TEXT,                     -- what it was delivered to: a path, recipients, a command
            last_error TEXT,
            UNIQUE (digest_id, channel)
        );
        CREATE INDEX idx_deliveries_pending ON deliveries (delivered_at);
        CREATE TABLE digest_runs (           -- every digest job run, with or without a digest
            id INTEGER PRIMARY KEY,
            ran_at TEXT NOT NULL,
            trigger TEXT NOT NULL,           -- schedule (the daemon) or manual
            since TEXT,
            changes INTEGER NOT NULL DEFAULT 0,
            digest_id INTEGER REFERENCES digests(id)
        );
        """
    )


@migrations()
def m004_fact_extractions_and_views(db: sqlite_utils.Database) -> None:
    """Which versions have had facts recorded, and the views over the fact tables."""
    db.executescript(
        """
        CREATE TABLE fact_extractions (      -- one row per version whose facts were recorded
            version_id INTEGER PRIMARY KEY REFERENCES document_versions(id),
            document_id INTEGER NOT NULL REFERENCES documents(id),
            facts INTEGER NOT NULL,          -- facts extracted (mentions)
            carried INTEGER NOT NULL DEFAULT 0,  -- facts kept because their evidence is still there
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX idx_fact_extractions_document ON fact_extractions (document_id);

        CREATE VIEW fact_current AS
        SELECT facts.id AS fact_id, documents.path, facts.document_id,
               documents.current_version AS version, facts.kind, facts.subject, facts.subject_code,
               facts.qualifier, facts.value, facts.unit, facts.mentions, facts.text, facts.sentence,
               evidence.version AS evidence_version, evidence.observed_at AS evidence_observed_at
        FROM facts
        JOIN documents ON documents.id = facts.document_id
        JOIN document_versions AS evidence ON evidence.id = facts.version_id;

        CREATE VIEW fact_history AS
        SELECT fact_runs.id AS run_id, documents.path, fact_runs.document_id, fact_runs.kind,
               fact_runs.subject, fact_runs.subject_code, fact_runs.qualifier, fact_runs.value,
               fact_runs.unit, fact_runs.first_version AS from_version,
               fact_runs.last_version AS to_version, first_v.observed_at AS valid_from,
               -- when a version without it was first seen (or the file was deleted); NULL while current
               coalesce((SELECT min(later.observed_at) FROM document_versions AS later
                         WHERE later.document_id = fact_runs.document_id
                           AND later.version > fact_runs.last_version),
                        documents.deleted_at) AS valid_until,
               EXISTS (SELECT 1 FROM facts
                       WHERE facts.document_id = fact_runs.document_id
                         AND facts.fact_key = fact_runs.fact_key
                         AND facts.value_key = fact_runs.value_key
                         AND fact_runs.last_version = documents.current_version) AS is_current,
               fact_runs.text, fact_runs.sentence
        FROM fact_runs
        JOIN documents ON documents.id = fact_runs.document_id
        JOIN document_versions AS first_v ON first_v.id = fact_runs.first_version_id;

        CREATE VIEW fact_changes_detail AS
        SELECT fact_changes.id AS change_id, fact_changes.detected_at, fact_changes.path,
               fact_changes.version, document_versions.title, fact_changes.change, fact_changes.kind,
               fact_changes.subject, fact_changes.subject_code, fact_changes.qualifier,
               fact_changes.old, fact_changes.new, fact_changes.unit, fact_changes.cause,
               fact_changes.old_sentence, fact_changes.new_sentence,
               fact_changes.old_text, fact_changes.new_text,
               (SELECT max(earlier.observed_at) FROM document_versions AS earlier
                WHERE earlier.document_id = fact_changes.document_id
                  AND earlier.version < fact_changes.version) AS previous_observed_at,
               document_versions.observed_at, fact_changes.document_id, fact_changes.version_id
        FROM fact_changes
        JOIN document_versions ON document_versions.id = fact_changes.version_id;

        -- What every source has said about an entity: countries by ISO code, others by name.
        -- `conflict` marks a current statement that another document currently contradicts
        -- (same kind, entity and qualifier, another value).
        CREATE VIEW entity_timeline AS
        SELECT coalesce(fact_history.subject_code, lower(fact_history.subject)) AS entity,
               fact_history.*,
               fact_history.is_current AND EXISTS (
                   SELECT 1 FROM facts AS other
                   WHERE other.document_id != fact_history.document_id
                     AND other.kind = fact_history.kind
                     AND coalesce(other.subject_code, lower(other.subject))
                         = coalesce(fact_history.subject_code, lower(fact_history.subject))
                     AND other.qualifier = fact_history.qualifier
                     AND other.value IS NOT fact_history.value
                     AND other.value IS NOT NULL AND fact_history.value IS NOT NULL
               ) AS conflict
        FROM fact_history;
        """
    )


# --- m005: compact storage (issue 7) -------------------------------------------------------------

# The full-text index records which column a word is in, not its positions: a third of the size
# of detail=full over the same latest texts (measured on the bench corpus: 0.16x against 0.45x
# the indexed text), at the price of phrase and NEAR queries; words still combine with AND/OR/NOT.
FTS_DETAIL = "column"

# A version's text as the views show it: plain for the latest, deflated for older ones
# (monitor_inflate is registered by open_store and by the sqlite-utils and Datasette plugins).
_TEXT = "coalesce({v}.text, monitor_inflate({v}.text_z))"


def _substr(text: str, start: str, end: str) -> str:
    """SQL for the slice [start, end) of a text (Python offsets; substr counts from 1)."""
    return f"substr({text}, {start} + 1, {end} - {start})"


@migrations()
def m005_compact_storage(db: sqlite_utils.Database) -> None:
    """Older versions' text deflated, fact evidence as offsets, full-text index over latest texts.

    A database made by an earlier release is converted in place: its facts' sentences become
    offsets into their versions' texts (a sentence that cannot be placed keeps a copy).
    """
    for view in ("entity_timeline", "fact_changes_detail", "fact_history", "fact_current"):
        db.execute(f"DROP VIEW IF EXISTS {view}")
    _versions_text_nullable(db)
    _facts_as_offsets(db)
    _deflate_older_versions(db)
    _latest_text_index(db)
    _compact_views(db)


def _versions_text_nullable(db: sqlite_utils.Database) -> None:
    """`text` may be NULL (the text is in `text_z`). SQLite's documented way to drop a NOT NULL
    constraint without rebuilding the table, which facts and changes reference by id."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'document_versions'").fetchone()[0]
    new_sql = sql.replace("text TEXT NOT NULL,", "text TEXT,", 1)
    assert new_sql != sql, "document_versions.text is not declared as m001 made it"
    schema_version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'document_versions'", [new_sql])
    db.execute(f"PRAGMA schema_version = {schema_version + 1}")
    db.execute("PRAGMA writable_schema = OFF")
    # zlib-deflated UTF-8 text of a version superseded by a newer one (then `text` is NULL)
    db.execute("ALTER TABLE document_versions ADD COLUMN text_z BLOB")


_FACTS = """
CREATE TABLE facts (                 -- what each document says now: one row per distinct value
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    version_id INTEGER NOT NULL REFERENCES document_versions(id),  -- where the offsets point
    fact_key TEXT NOT NULL,          -- kind|subject code or name|qualifier
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    subject_code TEXT,               -- ISO 3166-1 alpha-2 for countries
    qualifier TEXT NOT NULL DEFAULT '',
    value,                           -- number, 'YYYY-MM-DD' text or NULL
    value_key TEXT NOT NULL,         -- the normalised value that comparisons use
    unit TEXT,
    text TEXT NOT NULL,              -- evidence: the words that state it
    span_start INTEGER,              -- offsets of text in the version's text
    span_end INTEGER,
    sentence_start INTEGER,          -- offsets of its sentence there (NULL: not placed, see evidence)
    sentence_end INTEGER,
    rule TEXT,
    details TEXT,                    -- JSON: status, basis, effective, what, ...
    mentions INTEGER NOT NULL DEFAULT 1,
    evidence TEXT NOT NULL DEFAULT '[]'  -- JSON: [[start, end, sentence_start, sentence_end, rule, version_id], ...]
);
-- The writer replaces a document's facts as a whole, readers look facts up by entity.
CREATE INDEX idx_facts_document ON facts (document_id);
CREATE INDEX idx_facts_subject_code ON facts (subject_code);
CREATE TABLE fact_runs (             -- history: a run of versions that carried the same value
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    fact_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    subject_code TEXT,
    qualifier TEXT NOT NULL DEFAULT '',
    value,
    value_key TEXT NOT NULL,
    unit TEXT,
    first_version_id INTEGER NOT NULL REFERENCES document_versions(id),
    last_version_id INTEGER NOT NULL REFERENCES document_versions(id),  -- inclusive
    first_version INTEGER NOT NULL,
    last_version INTEGER NOT NULL,
    text TEXT NOT NULL,              -- evidence from the run's first version
    span_start INTEGER,              -- offsets into the first version's text
    span_end INTEGER,
    sentence_start INTEGER,
    sentence_end INTEGER,
    rule TEXT
);
-- The writer extends the runs that reached a document's previous version.
CREATE INDEX idx_fact_runs_document_last ON fact_runs (document_id, last_version_id);
CREATE INDEX idx_fact_runs_subject_code ON fact_runs (subject_code);
"""


def _facts_as_offsets(db: sqlite_utils.Database) -> None:
    """New `facts` and `fact_runs`: sentences as offsets, and only the indexes that are used (the
    old unique (document, key, value) index and the (kind, subject) ones were larger than the
    data they sped up: subjects are always compared lower-cased, and kind alone hardly selects)."""
    from monitor import evidence

    db.execute("ALTER TABLE facts RENAME TO facts_m004")
    db.execute("ALTER TABLE fact_runs RENAME TO fact_runs_m004")
    for index in ("idx_facts_kind_subject", "idx_facts_subject_code", "idx_fact_runs_document_key",
                  "idx_fact_runs_kind_subject", "idx_fact_runs_subject_code"):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    for statement in _FACTS.split(";"):  # executescript would commit the migration's transaction
        if statement.strip():
            db.execute(statement)
    readings = _Readings(db)
    for row in db.query("SELECT * FROM facts_m004 ORDER BY id"):
        mentions = [evidence.mention(m["start"], m["end"], readings.locate(m["version_id"], m["sentence"], m["start"]),
                                     m["rule"], m["version_id"], m["sentence"])
                    for m in json.loads(row.pop("evidence"))]
        span = readings.locate(row["version_id"], row.pop("sentence"), row["span_start"])
        db.execute(*_insert_sql("facts", {**row, "sentence_start": span and span[0], "sentence_end": span and span[1],
                                          "evidence": json.dumps(mentions, separators=(",", ":"))}))
    for row in db.query("SELECT * FROM fact_runs_m004 ORDER BY id"):
        span = readings.locate(row["first_version_id"], row.pop("sentence"), row["span_start"])
        db.execute(*_insert_sql("fact_runs", {**row, "sentence_start": span and span[0],
                                              "sentence_end": span and span[1]}))
    db.execute("DROP TABLE facts_m004")
    db.execute("DROP TABLE fact_runs_m004")


class _Readings:
    """Versions' reading texts for placing sentences, the last few kept (facts come by document)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.cache: dict[int, str] = {}

    def locate(self, version_id: int, sentence: str | None, near: int | None) -> tuple[int, int] | None:
        from monitor import evidence

        if not sentence or version_id is None:
            return None
        if version_id not in self.cache:
            if len(self.cache) > 64:
                self.cache.clear()
            text, fmt = self.db.execute("SELECT text, format FROM document_versions WHERE id = ?",
                                        [version_id]).fetchone()
            self.cache[version_id] = evidence.reading_text(text, fmt)
        return evidence.locate_sentence(self.cache[version_id], sentence, near or 0)


def _insert_sql(table: str, row: dict) -> tuple[str, list]:
    return (f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))


def _deflate_older_versions(db: sqlite_utils.Database) -> None:
    """Every version but each document's latest keeps its text deflated in `text_z`."""
    from monitor.store import deflate

    older = db.execute("""SELECT id, text FROM document_versions AS v WHERE text IS NOT NULL AND version <
                          (SELECT max(version) FROM document_versions AS w WHERE w.document_id = v.document_id)""")
    for version_id, text in older.fetchall():
        db.execute("UPDATE document_versions SET text_z = ?, text = NULL WHERE id = ?", [deflate(text), version_id])


def _latest_text_index(db: sqlite_utils.Database) -> None:
    """Full-text index over each document's latest text only, kept by triggers in plain SQL.

    External content (`content="document_versions"`), so `sqlite-utils search monitor.db
    document_versions QUERY` and Datasette find it; a superseded version leaves the index in the
    same statement that adds its successor (FTS5 needs the old values to remove a row)."""
    for trigger in ("document_versions_ai", "document_versions_ad", "document_versions_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS document_versions_fts")
    db.execute(f"""CREATE VIRTUAL TABLE document_versions_fts USING FTS5 (
                       title, text, content="document_versions", content_rowid="id", detail={FTS_DETAIL})""")
    db.execute("""INSERT INTO document_versions_fts (rowid, title, text)
                  SELECT id, title, text FROM document_versions WHERE text IS NOT NULL""")
    db.execute("""
        CREATE TRIGGER document_versions_ai AFTER INSERT ON document_versions BEGIN
            -- the document's previous latest version (only it is in the index)
            INSERT INTO document_versions_fts (document_versions_fts, rowid, title, text)
            SELECT 'delete', id, title, text FROM document_versions
            WHERE document_id = new.document_id AND id != new.id AND text IS NOT NULL
              AND version = (SELECT max(version) FROM document_versions
                             WHERE document_id = new.document_id AND id != new.id);
            INSERT INTO document_versions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
        END""")


def _compact_views(db: sqlite_utils.Database) -> None:
    """The views of m004 with each sentence cut from its version's text, and `version_texts`."""
    sentence = _substr(_TEXT.format(v="evidence"), "{t}.sentence_start", "{t}.sentence_end")
    statements = [
        f"""
        CREATE VIEW version_texts AS   -- every version's text, however it is stored
        SELECT id, document_id, path, version, observed_at, {_TEXT.format(v="document_versions")} AS text
        FROM document_versions""",
        f"""
        CREATE VIEW fact_current AS
        SELECT facts.id AS fact_id, documents.path, facts.document_id,
               documents.current_version AS version, facts.kind, facts.subject, facts.subject_code,
               facts.qualifier, facts.value, facts.unit, facts.mentions, facts.text,
               -- a sentence that could not be placed is copied in its mention (json position 6)
               coalesce({sentence.format(t="facts")}, json_extract(facts.evidence, '$[0][6]')) AS sentence,
               evidence.version AS evidence_version, evidence.observed_at AS evidence_observed_at
        FROM facts
        JOIN documents ON documents.id = facts.document_id
        JOIN document_versions AS evidence ON evidence.id = facts.version_id""",
        f"""
        CREATE VIEW fact_history AS
        SELECT fact_runs.id AS run_id, documents.path, fact_runs.document_id, fact_runs.kind,
               fact_runs.subject, fact_runs.subject_code, fact_runs.qualifier, fact_runs.value,
               fact_runs.unit, fact_runs.first_version AS from_version,
               fact_runs.last_version AS to_version, evidence.observed_at AS valid_from,
               -- when a version without it was first seen (or the file was deleted); NULL while current
               coalesce((SELECT min(later.observed_at) FROM document_versions AS later
                         WHERE later.document_id = fact_runs.document_id
                           AND later.version > fact_runs.last_version),
                        documents.deleted_at) AS valid_until,
               EXISTS (SELECT 1 FROM facts
                       WHERE facts.document_id = fact_runs.document_id
                         AND facts.fact_key = fact_runs.fact_key
                         AND facts.value_key = fact_runs.value_key
                         AND fact_runs.last_version = documents.current_version) AS is_current,
               fact_runs.text, {sentence.format(t="fact_runs")} AS sentence
        FROM fact_runs
        JOIN documents ON documents.id = fact_runs.document_id
        JOIN document_versions AS evidence ON evidence.id = fact_runs.first_version_id""",
    ]
    for statement in statements + _M004_VIEWS_KEPT:
        db.execute(statement)


# m004's views that m005 keeps as they were (they were dropped while the tables changed).
_M004_VIEWS_KEPT = [
    """
    CREATE VIEW fact_changes_detail AS
    SELECT fact_changes.id AS change_id, fact_changes.detected_at, fact_changes.path,
           fact_changes.version, document_versions.title, fact_changes.change, fact_changes.kind,
           fact_changes.subject, fact_changes.subject_code, fact_changes.qualifier,
           fact_changes.old, fact_changes.new, fact_changes.unit, fact_changes.cause,
           fact_changes.old_sentence, fact_changes.new_sentence,
           fact_changes.old_text, fact_changes.new_text,
           (SELECT max(earlier.observed_at) FROM document_versions AS earlier
            WHERE earlier.document_id = fact_changes.document_id
              AND earlier.version < fact_changes.version) AS previous_observed_at,
           document_versions.observed_at, fact_changes.document_id, fact_changes.version_id
    FROM fact_changes
    JOIN document_versions ON document_versions.id = fact_changes.version_id""",
    """
    -- What every source has said about an entity: countries by ISO code, others by name.
    -- `conflict` marks a current statement that another document currently contradicts
    -- (same kind, entity and qualifier, another value).
    CREATE VIEW entity_timeline AS
    SELECT coalesce(fact_history.subject_code, lower(fact_history.subject)) AS entity,
           fact_history.*,
           fact_history.is_current AND EXISTS (
               SELECT 1 FROM facts AS other
               WHERE other.document_id != fact_history.document_id
                 AND other.kind = fact_history.kind
                 AND coalesce(other.subject_code, lower(other.subject))
                     = coalesce(fact_history.subject_code, lower(fact_history.subject))
                 AND other.qualifier = fact_history.qualifier
                 AND other.value IS NOT fact_history.value
                 AND other.value IS NOT NULL AND fact_history.value IS NOT NULL
           ) AS conflict
    FROM fact_history""",
]


# --- m006: fact keys derived, not stored (issue 7) -----------------------------------------------

@migrations()
def m006_derived_fact_keys(db: sqlite_utils.Database) -> None:
    """`facts` and `fact_runs` lose `fact_key` and `value_key`: both are functions of the row's
    other columns (kind, subject code or name, qualifier; value and unit), and were a sixth of the
    fact tables' bytes. The writer computes them from those columns (`history._row_keys`)."""
    for view in ("entity_timeline", "fact_history"):
        db.execute(f"DROP VIEW IF EXISTS {view}")
    for table in ("facts", "fact_runs"):
        for column in ("fact_key", "value_key"):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    sentence = _substr(_TEXT.format(v="evidence"), "fact_runs.sentence_start", "fact_runs.sentence_end")
    db.execute(f"""
        CREATE VIEW fact_history AS
        SELECT fact_runs.id AS run_id, documents.path, fact_runs.document_id, fact_runs.kind,
               fact_runs.subject, fact_runs.subject_code, fact_runs.qualifier, fact_runs.value,
               fact_runs.unit, fact_runs.first_version AS from_version,
               fact_runs.last_version AS to_version, evidence.observed_at AS valid_from,
               -- when a version without it was first seen (or the file was deleted); NULL while current
               coalesce((SELECT min(later.observed_at) FROM document_versions AS later
                         WHERE later.document_id = fact_runs.document_id
                           AND later.version > fact_runs.last_version),
                        documents.deleted_at) AS valid_until,
               -- the same fact (kind, subject code or name, qualifier) with the same value and unit
               EXISTS (SELECT 1 FROM facts
                       WHERE facts.document_id = fact_runs.document_id
                         AND facts.kind = fact_runs.kind
                         AND coalesce(facts.subject_code, lower(facts.subject))
                             = coalesce(fact_runs.subject_code, lower(fact_runs.subject))
                         AND facts.qualifier = fact_runs.qualifier
                         AND facts.value IS fact_runs.value AND facts.unit IS fact_runs.unit
                         AND fact_runs.last_version = documents.current_version) AS is_current,
               fact_runs.text, {sentence} AS sentence
        FROM fact_runs
        JOIN documents ON documents.id = fact_runs.document_id
        JOIN document_versions AS evidence ON evidence.id = fact_runs.first_version_id""")
    db.execute(_M004_VIEWS_KEPT[1])


# --- m007: the full-text index kept by the writer (issue 7) --------------------------------------

@migrations()
def m007_index_without_trigger(db: sqlite_utils.Database) -> None:
    """The full-text index is no longer kept by a trigger on `document_versions` but by
    `store.store_version`, once per write transaction: FTS5 writes its pending terms out as a
    new segment at every statement journal, so a trigger cost a segment, and its merges, per
    version. The index's content is unchanged: each document's latest text."""
    db.execute("DROP TRIGGER IF EXISTS document_versions_ai")


# --- m008: a failing file's stat, so that a rescan skips it while it is unchanged -----------------

@migrations()
def m008_error_stat(db: sqlite_utils.Database) -> None:
    """`errors.size` and `errors.mtime_ns`: the file's stat when its content made it fail (binary),
    so that a rescan skips it until it changes instead of reading it again."""
    db.execute("ALTER TABLE errors ADD COLUMN size INTEGER")
    db.execute("ALTER TABLE errors ADD COLUMN mtime_ns INTEGER")


# --- m009: versions written by other tools are indexed too ------------------------------------------

@migrations()
def m009_index_other_writers(db: sqlite_utils.Database) -> None:
    """Versions that another tool inserts, updates or deletes (`sqlite-utils insert`, a Datasette
    write plugin, the sqlite3 shell) keep the full-text index in step, through triggers: before,
    such a row was never indexed, and when monitor's writer later superseded it, removing from the
    index a row it did not hold failed ("database disk image is malformed") and with it the whole
    write transaction, at every attempt. monitor's own writer still indexes its versions once per
    write transaction (`store.store_version`, see m007): inside its transaction it sets
    `_monitor_writer.indexing`, on which the triggers do nothing, and clears it before COMMIT, so
    no other connection ever sees it set. Rows another tool wrote before now are indexed by
    building the index again from the latest texts.

    Not covered, as with sqlite-utils' own FTS triggers: INSERT OR REPLACE over an existing row
    (SQLite fires no delete trigger for the row it replaces unless recursive_triggers is on)."""
    db.execute("CREATE TABLE _monitor_writer (indexing INTEGER NOT NULL)")
    db.execute("INSERT INTO _monitor_writer (indexing) VALUES (0)")
    others = "NOT (SELECT indexing FROM _monitor_writer)"
    remove = "INSERT INTO document_versions_fts (document_versions_fts, rowid, title, text)"
    add = "INSERT INTO document_versions_fts (rowid, title, text)"
    db.execute(f"""
        CREATE TRIGGER document_versions_fts_ai AFTER INSERT ON document_versions
        WHEN new.text IS NOT NULL AND {others} BEGIN
            {add} VALUES (new.id, new.title, new.text);
        END""")
    db.execute(f"""
        CREATE TRIGGER document_versions_fts_ad AFTER DELETE ON document_versions
        WHEN old.text IS NOT NULL AND {others} BEGIN
            {remove} VALUES ('delete', old.id, old.title, old.text);
        END""")
    db.execute(f"""
        CREATE TRIGGER document_versions_fts_au AFTER UPDATE OF id, title, text ON document_versions
        WHEN {others} BEGIN
            {remove} SELECT 'delete', old.id, old.title, old.text WHERE old.text IS NOT NULL;
            {add} SELECT new.id, new.title, new.text WHERE new.text IS NOT NULL;
        END""")
    db.execute("INSERT INTO document_versions_fts (document_versions_fts) VALUES ('delete-all')")
    db.execute(f"{add} SELECT id, title, text FROM document_versions WHERE text IS NOT NULL")
