"""The SQLite store: opening it safely and writing to it without deadlocking readers.

One writer (the daemon or `monitor scan`) and any number of readers (`sqlite-utils`, Datasette,
`monitor status`) share the file. WAL lets readers go on while the writer writes; a write
transaction starts with BEGIN IMMEDIATE so that it takes the write lock up front instead of
upgrading a read lock later, which is what makes two writers deadlock.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from monitor.errors import MonitorError
# inflate() is also the SQL function monitor_inflate(), which the plugin registers for
# sqlite-utils and Datasette: one definition for both.
from monitor.sqlite_plugin import inflate, register_functions

if TYPE_CHECKING:
    # Imported where a database is opened: the scanner's extraction workers import this module
    # (through history) and never open one, and sqlite-utils is most of their start-up.
    import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


class StoreError(MonitorError):
    """The database cannot be opened or upgraded."""


def open_store(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path`, with WAL, a busy timeout and foreign keys.

    Pending migrations are applied, so a database made by an older release upgrades in place.
    """
    import sqlite_utils

    from monitor.migrations import migrations

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; we open them ourselves.
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        _use_wal(conn)
        # In WAL mode NORMAL is durable against application crashes (kill -9); only a power
        # loss may drop the last commits, never corrupt the file.
        conn.execute("PRAGMA synchronous = NORMAL")
        register_functions(conn)
        db = sqlite_utils.Database(conn)
        # Checked without the lock first: migrations are only ever added, so a database with
        # none pending stays so, and opening it need not wait for a writer.
        if migrate and migrations.pending(db):
            # Under the write lock, pending ones are looked up again and applied in the same
            # transaction: processes opening a new database at once apply each migration once
            # (the others find them applied), and a migration is never half-applied.
            with write_lock(db):
                migrations.apply(db)
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: cannot open database: {e}") from None
    return db


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the database to WAL unless it is already. Switching needs the database to itself,
    and SQLite reports another connection opening a new database at that moment as locked
    without waiting for the busy timeout: so wait here, until one of them has switched it."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock at BEGIN (nests as a savepoint)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    with write_lock(db):
        yield db


@contextlib.contextmanager
def write_lock(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """BEGIN IMMEDIATE ... COMMIT; the full-text index catches up on the transaction's versions
    just before COMMIT (see `store_version`)."""
    db.conn.execute("BEGIN IMMEDIATE")
    queue = _IndexQueue()
    setattr(db, _QUEUE_ATTRIBUTE, queue)
    try:
        yield db
        _index_queued(db, queue)
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")
    finally:
        setattr(db, _QUEUE_ATTRIBUTE, None)


def insert_row(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    """INSERT one row and return its rowid: plain SQL, for hot paths where `Table.insert`'s
    schema introspection costs more than the write. Column names come from our code, not users."""
    columns = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    cursor = db.conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(row.values()))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def update_row(db: sqlite_utils.Database, table: str, row_id: int, values: dict[str, Any]) -> None:
    """UPDATE one row by its integer primary key `id` (plain SQL, see `insert_row`)."""
    assignments = ", ".join(f'"{c}" = ?' for c in values)
    db.conn.execute(f'UPDATE "{table}" SET {assignments} WHERE id = ?', [*values.values(), row_id])


# --- version text: the latest in plain text, older ones deflated -------------------------------

# zlib's default level: level 9 saves under 1% more for 12 KB texts and costs more time.
DEFLATE_LEVEL = 6


def deflate(text: str) -> bytes:
    """A version's text as stored once a newer version supersedes it (`text_z`)."""
    return zlib.compress(text.encode("utf-8"), DEFLATE_LEVEL)


def version_text(db: sqlite_utils.Database, version_id: int) -> str:
    """The decoded text of a stored version, whether it is kept plain or deflated.

    Every reader of version text goes through here, so how texts are stored is this module's
    business alone."""
    queue = getattr(db, _QUEUE_ATTRIBUTE, None)
    if queue is not None and version_id in queue.superseded:
        # Deflated by this transaction, which still holds it plain: the writer reads the version
        # it has just superseded to compare with its successor.
        return queue.superseded[version_id][1]
    row = db.execute("SELECT text, text_z FROM document_versions WHERE id = ?", [version_id]).fetchone()
    if row is None:
        raise KeyError(f"no document version with id {version_id}")
    return _decoded(*row)


def version_row(db: sqlite_utils.Database, version_id: int) -> dict[str, Any]:
    """A `document_versions` row with its decoded text in `text` (and no `text_z`)."""
    cursor = db.execute("SELECT * FROM document_versions WHERE id = ?", [version_id])
    values = cursor.fetchone()
    if values is None:
        raise KeyError(f"no document version with id {version_id}")
    row = dict(zip((c[0] for c in cursor.description), values))
    row["text"] = _decoded(row["text"], row.pop("text_z"))
    return row


def _decoded(text: str | None, text_z: bytes | None) -> str:
    return text if text is not None else inflate(text_z) or ""


def store_version(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    """Insert a document's new latest version; the one it supersedes has its text deflated.

    The full-text index (latest versions only) follows: inside `write_transaction` at its COMMIT,
    for all the transaction's versions at once, else at once. Not row by row in a trigger: FTS5
    writes its pending terms out as a new segment at every savepoint and every statement that
    needs a statement journal, so indexing each version as it is written costs a segment (and
    its merges) per version, about five times the tokenising itself. The triggers that index
    the rows other tools write (m009) are told to stand aside, within this transaction only."""
    if not db.conn.in_transaction:
        # One transaction: the version, its predecessor deflated and the index, whole or not at all.
        with write_transaction(db):
            return store_version(db, row)
    # A no-op but for the first version of a transaction (or after a savepoint undid the flag).
    db.conn.execute(f"UPDATE {WRITER_FLAG_TABLE} SET indexing = 1 WHERE NOT indexing")
    previous = db.execute(
        "SELECT id, title, text FROM document_versions WHERE document_id = ? AND text IS NOT NULL",
        [row["document_id"]]).fetchall()
    version_id = insert_row(db, "document_versions", row)
    db.conn.executemany("UPDATE document_versions SET text_z = ?, text = NULL WHERE id = ?",
                        [(deflate(text), old_id) for old_id, _, text in previous])
    queue = getattr(db, _QUEUE_ATTRIBUTE, None)
    if queue is None:  # in a transaction that `write_transaction` did not open
        queue = _IndexQueue()
        queue.add(version_id, previous)
        _index_queued(db, queue)
    else:
        queue.add(version_id, previous)
    return version_id


# --- the full-text index: exactly the versions whose `text` is not NULL --------------------------

_QUEUE_ATTRIBUTE = "_monitor_index_queue"
# The one-row table whose `indexing` is 1 while monitor's writer indexes its own versions (m009).
WRITER_FLAG_TABLE = "_monitor_writer"


class _IndexQueue:
    """Versions added and superseded in a write transaction, for the full-text index.

    Kept as ids (and the superseded versions' indexed values, which FTS5 needs to remove a row of
    an external-content index); what actually happened is read back at COMMIT, since a savepoint
    rolled back in between (a version that failed to store) undoes some of them."""

    def __init__(self) -> None:
        self.added: set[int] = set()
        self.superseded: dict[int, tuple[str | None, str]] = {}

    def add(self, version_id: int, superseded: list[tuple[int, str | None, str]]) -> None:
        self.added.add(version_id)
        for old_id, title, text in superseded:
            self.superseded[old_id] = (title, text)


def _index_queued(db: sqlite_utils.Database, queue: _IndexQueue) -> None:
    conn = db.conn
    # Superseded now, and indexed before this transaction (not added by it).
    candidates = [i for i in queue.superseded if i not in queue.added]
    if candidates:
        gone = [i for (i,) in conn.execute(
            "SELECT id FROM document_versions WHERE id IN (SELECT value FROM json_each(?)) AND text IS NULL",
            [json.dumps(candidates)])]
        conn.executemany("INSERT INTO document_versions_fts (document_versions_fts, rowid, title, text) "
                         "VALUES ('delete', ?, ?, ?)", [(i, *queue.superseded[i]) for i in gone])
    if queue.added:
        conn.execute("INSERT INTO document_versions_fts (rowid, title, text) SELECT id, title, text "
                     "FROM document_versions WHERE id IN (SELECT value FROM json_each(?)) AND text IS NOT NULL",
                     [json.dumps(sorted(queue.added))])
    if queue.added or queue.superseded:
        # Before COMMIT: other connections never see the writer's flag set.
        conn.execute(f"UPDATE {WRITER_FLAG_TABLE} SET indexing = 0 WHERE indexing")
    queue.added.clear()
    queue.superseded.clear()


# --- times: ISO 8601 UTC text ('2025-08-01T12:00:00.000Z'), which sorts and facets well in Datasette


def iso_utc(moment: datetime, *, timespec: str = "milliseconds") -> str:
    """An aware datetime as ISO 8601 UTC text, the form every stored time has."""
    return moment.astimezone(timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    """Stored ISO 8601 text ('...Z') as an aware datetime; a time without an offset is UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def utcnow() -> str:
    """The current time as ISO 8601 UTC text."""
    return iso_utc(datetime.now(timezone.utc))
