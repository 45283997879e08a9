"""Scanning folders into the store: every distinct content of a file becomes exactly one version.

`Scanner.reconcile` walks the watched folders; `Scanner.ingest` handles a few paths the daemon
saw change. Both end in `_Batch.run`, which

1. skips files whose (size, mtime_ns) equal what the store last saw: no read, no query per file;
2. reads, decodes, hashes and extracts the rest, in a process pool when there are many;
3. writes in the main thread, several versions per write transaction, each version with its
   facts in one savepoint, so a version is never half-written;
4. records files that are gone as deleted, or as moved when a new file has the same bytes.

The version rules (README, "How versions are counted"):

- a file whose bytes equal its document's latest version adds nothing (its stat is refreshed);
- different bytes add version N+1;
- a file that comes back after a deletion is version N+1 of the same document, even with the
  bytes it had when it left: the deletion removed its facts, and the new version is what brings
  them back (every state of the file — including "gone" — is followed by a new version);
- a new path whose bytes equal those of a document that vanished in the same batch is a move:
  the new document gets version 1 with that content and inherits the facts (`document_moved`);
  otherwise a rename is a deletion plus a new document;
- a folder that cannot be listed, or a file that cannot be looked at (permission denied), is not
  gone: its documents are kept as they were, the error is recorded, and the summary names the
  folder (`ScanSummary.unreadable_folders`: the daemon cannot watch it either).

Document paths are relative to the watched folder, with `/` separators. When several folders are
scanned together each path starts with its folder's name (`seeds/a.txt`, `news/a.txt`), so two
files can never collide; two scanned folders with the same name are refused.
"""
from __future__ import annotations

import concurrent.futures
import datetime as dt
import errno
import fnmatch
import json
import logging
import multiprocessing
import os
import re
import signal
import stat
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, Sequence

from monitor.document import Document, DocumentError, NotIngestible, read_document
from monitor.errors import MonitorError
from monitor.store import insert_row, iso_utc, store_version, update_row, utcnow, write_transaction

if TYPE_CHECKING:
    # Not at run time: the pool's workers import this module, and neither is any use to them.
    import sqlite_utils

    from monitor.config import Config

log = logging.getLogger(__name__)

# Fewer files than this are read in the calling process: starting a pool costs more than it saves.
POOL_THRESHOLD = 20
# Files handed to a worker at once, and how many such chunks may wait in flight per worker
# (bounds memory when the writer is slower than the readers).
CHUNK_SIZE = 32
CHUNKS_IN_FLIGHT_PER_WORKER = 3
# Versions written per write transaction, and the longest a transaction stays open: readers are
# never blocked (WAL), but the daemon's latency and a crash's lost work are bounded.
VERSIONS_PER_TRANSACTION = 200
TRANSACTION_SECONDS = 0.5
# A file modified this close to the moment it was read may change again within the filesystem's
# timestamp granularity without its (size, mtime) changing ("racy git"): its stat is not trusted
# for the skip, so the next scan reads it again.
RACY_WINDOW_NS = 1_000_000_000
# How stale `documents.last_seen_at` of an unchanged file may get before a scan refreshes it.
LAST_SEEN_RESOLUTION = dt.timedelta(hours=1)

# Never ingested, whatever the include globs say: editor swap and backup files, downloads in
# progress, atomic-save temporaries. Hidden files and folders (".*") are left out separately.
TEMPORARY_PATTERNS = ("*.swp", "*.swo", "*.swx", "*~", "*.part", "*.partial", "*.crdownload",
                      "*.tmp", "*.temp", "#*#", ".goutputstream-*")
# The database's own files and the daemon's lock file, as suffixes of the database path.
STORE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".lock")

ProgressCallback = Callable[[int, int], None]

# Why a folder or a file was not looked at (the errors table's reason).
UNREADABLE_FOLDER = ("unreadable folder ({reason}): the files in it cannot be ingested nor watched, and its "
                     "documents are kept as they were, until it can be read")
UNREADABLE_FILE = "unreadable (permission denied: its folder cannot be searched)"


class ScanError(MonitorError):
    """The folders to scan are unusable (missing, or two with the same name)."""


@dataclass
class ScanSummary:
    """What one scan or ingest did."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    moved: int = 0
    errors: int = 0
    scan_id: int | None = None
    # Folders that could not be listed (permission denied), by absolute path, with the reason:
    # their documents were kept as they were. Not a count: not in `counts()` nor in `scans`.
    unreadable_folders: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """The one-line summary `monitor scan` prints."""
        return (f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.deleted} deleted, {self.moved} moved, {self.errors} errors")

    def counts(self) -> dict[str, int]:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "deleted": self.deleted, "moved": self.moved, "errors": self.errors}


@dataclass(frozen=True)
class Root:
    """A watched folder: its real absolute path and the prefix its document paths carry."""

    path: Path
    prefix: str = ""

    def document_path(self, relative: str) -> str:
        return self.prefix + relative


def make_roots(folders: Iterable[str | Path], *, must_exist: bool = True) -> list[Root]:
    """Roots for the folders to scan; with more than one, paths are prefixed with the folder name.

    ``must_exist=False`` gives the roots of folders that may be missing for now, with the same
    prefixes: where a document path of one folder points does not depend on the others."""
    paths: list[Path] = []
    for folder in folders:
        real = Path(os.path.realpath(folder))
        if must_exist and not real.is_dir():
            raise ScanError(f"{folder}: not a folder")
        if real not in paths:
            paths.append(real)
    if len(paths) == 1:
        return [Root(paths[0])]
    names = [p.name for p in paths]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        raise ScanError(f"two watched folders are both named {clash!r}: their document paths would collide")
    return [Root(p, p.name + "/") for p in paths]


class Candidate(NamedTuple):
    """A file found on disk that may need reading (a tuple: a rescan makes one per file)."""

    root: Root
    path: str  # document path
    file: str  # absolute path to read
    size: int
    mtime_ns: int


class Known(NamedTuple):
    """A document as the store knows it: enough to skip, compare and version it."""

    id: int
    root: str
    path: str
    size: int | None
    mtime_ns: int | None
    deleted: bool
    version: int
    sha256: str | None
    last_seen_at: str


@dataclass(frozen=True)
class Job:
    """One file for a worker: read it, and extract facts unless its bytes are already known."""

    path: str
    file: str
    max_size: int
    known_sha: str | None  # the latest version's, when the document is present
    extract: bool
    # Bytes of documents that vanished in this batch: a file with them is a move, whose facts
    # come from the old document, so extracting them would be wasted.
    moved_shas: frozenset[str] = frozenset()
    # The file's stat when it was listed: kept with an error that will recur until it changes.
    size: int = -1
    mtime_ns: int = 0


@dataclass
class Prepared:
    """A worker's result: the document and its facts, or why it could not be read."""

    path: str
    document: Document | None = None
    facts: list | None = None
    sentences: list | None = None  # each fact's sentence offsets (evidence.locate_sentences)
    error_stage: str = ""
    error: str = ""
    read_at_ns: int = 0
    # (size, mtime_ns) of a file that failed because of its content: unchanged, it fails again.
    failed_stat: tuple[int, int] | None = None


# ---------------------------------------------------------------------------------------------
# Worker side (runs in pool processes, or inline for small batches)

_worker_gazetteer: Any = None


def _init_worker(parent_pid: int, extract: bool, entities: Sequence[str], aliases: dict[str, str]) -> None:
    global _worker_gazetteer
    die_with_parent(parent_pid)
    if extract:
        _worker_gazetteer = load_gazetteer(entities, aliases)


def die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel SIGKILL this process when its parent dies (kill -9 included).

    A pool worker blocks on its task queue, whose write end it holds itself, so it never sees
    EOF: without this, killing the scanning process would orphan its workers for ever. Elsewhere
    the caller's other means apply (the daemon kills the ingest process's whole group)."""
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:
        os._exit(0)  # the parent died before prctl took effect


def load_gazetteer(entities: Sequence[str], aliases: dict[str, str]) -> Any:
    from monitor.extract.gazetteer import Gazetteer

    if not entities and not aliases:
        return None  # the extractor's default
    return Gazetteer.load(extra_entities=entities, aliases=aliases)


def prepare(job: Job) -> Prepared:
    """Read, decode and hash one file, and extract its facts when its content is new."""
    read_at = time.time_ns()
    try:
        document = read_document(job.file, max_size=job.max_size)
    except DocumentError as e:  # FileVanished included
        return Prepared(job.path, error_stage="read", error=_reason(e, job.file), read_at_ns=read_at,
                        failed_stat=_lasting_failure(job, e, read_at))
    result = Prepared(job.path, document=document, read_at_ns=read_at)
    if job.extract and document.sha256 != job.known_sha and document.sha256 not in job.moved_shas:
        try:
            result.facts, reading = extract_document(document, _worker_gazetteer)
            result.sentences = locate_sentences(reading, result.facts)
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the scan
            result.error_stage, result.error = "extract", f"extraction failed: {type(e).__name__}: {e}"
    if document.sha256 == job.known_sha:
        # The writer only needs the stat; do not ship the text back across processes.
        result.document = _without_text(document)
    return result


def _lasting_failure(job: Job, error: DocumentError, read_at_ns: int) -> tuple[int, int] | None:
    """The stat under which this failure will recur as long as the file is unchanged: a binary
    file (the one failure that reads the whole file). Not an access error, which a chmod clears
    without touching the mtime (NotIngestible raised while handling an OSError), nor the size
    limit, checked before reading and which the configuration may raise; nor a stat too recent
    to trust (see RACY_WINDOW_NS)."""
    if not isinstance(error, NotIngestible) or isinstance(error.__context__, OSError):
        return None
    if job.size < 0 or job.size > job.max_size or job.mtime_ns > read_at_ns - RACY_WINDOW_NS:
        return None
    return job.size, job.mtime_ns


def prepare_chunk(jobs: list[Job]) -> list[Prepared]:
    return [prepare(job) for job in jobs]


def extract_document(document: Document, gazetteer: Any = None) -> tuple[list, str]:
    """The facts of a file just read and the reading text they come from:
    `history.extract_version_with_reading` on what its version row will hold (the date is
    stored as read from the metadata)."""
    return _history().extract_version_with_reading(
        {"text": document.text, "format": document.format, "date": document.metadata.date}, gazetteer)


def locate_sentences(reading: str, facts: list) -> list:
    """Where each fact's sentence stands in the reading text: found here, in the worker, so the
    writer stores offsets without spending its time on it."""
    from monitor.evidence import locate_sentences as locate

    return locate(reading, facts)


def _without_text(document: Document) -> Document:
    return replace(document, text="")


def _reason(error: Exception, file: str) -> str:
    # DocumentError messages start with the file; the errors table has its own path column.
    message = str(error)
    return message[len(file) + 2:] if message.startswith(file + ": ") else message


# ---------------------------------------------------------------------------------------------
# The scanner


class Scanner:
    """Ingests files into the store; safe to call from one worker thread while others read."""

    def __init__(self, db: sqlite_utils.Database, config: Config, *, extract: bool = True,
                 workers: int | None = None, progress: ProgressCallback | None = None) -> None:
        self.db = db
        self.config = config
        self.extract = extract
        self.workers = workers or os.cpu_count() or 1
        self.progress = progress
        self._lock = threading.RLock()
        self._inline_gazetteer: Any = None
        self._gazetteer_loaded = False
        # Built whether or not each folder is there now: with one folder missing (an unmounted
        # share), events from the others are still ingested under the same document paths.
        self.roots = make_roots(config.watch_paths, must_exist=False)
        self._store_files = _store_files(db)
        # Digests are written there: inside a watched folder they must not come back as documents.
        self._reports = os.path.realpath(config.reports_folder)
        self.filters = Filters(config.watch.include, config.watch.exclude)

    # -- public API ---------------------------------------------------------------------------

    def reconcile(self, roots: Sequence[str | Path] | None = None, trigger: str = "scan") -> ScanSummary:
        """Walk the folders (the configured ones by default) and bring the store in line with them."""
        with self._lock:
            scan_roots = make_roots(roots) if roots is not None else self._configured_roots()
            batch = _Batch(self, scan_roots, trigger)
            for root in scan_roots:
                batch.candidates.extend(self._walk(root, root.path, batch))
            # Every document, not only those of these roots: a file is matched to its document
            # by path even if the folder moved (the project was copied elsewhere).
            batch.known = self._load_known("1", [])
            root_paths = {str(r.path) for r in scan_roots}
            batch.in_scope = lambda known: known.root in root_paths
            return batch.run()

    def ingest(self, paths: Iterable[str | Path], trigger: str = "event") -> ScanSummary:
        """Bring the store in line with these paths: a file is read, a folder walked, a missing
        path (file or folder) recorded as deleted. Paths outside the watched folders are ignored."""
        with self._lock:
            roots = self._roots()
            batch = _Batch(self, roots, trigger)
            scope: set[tuple[str, str]] = set()
            for raw in paths:
                found = self._locate(Path(raw), roots)
                if found is None:
                    continue
                root, rel = found
                if not root.path.is_dir():
                    continue  # a missing folder is never taken for an empty one
                file = root.path / rel if rel else root.path
                scope.add((str(root.path), root.document_path(rel) if rel else root.prefix.rstrip("/")))
                if self.is_ignored(file):
                    continue
                if not _can_look_at(file, root, rel, batch):
                    continue  # its folder cannot be searched: kept as it was, the error recorded
                if os.path.isdir(file) and not os.path.islink(file):
                    batch.candidates.extend(self._walk(root, file, batch))
                elif os.path.lexists(file):
                    batch.candidates.extend(self._walk_entry(root, file, batch))
            if scope:
                where, params = _prefix_clause(sorted({prefix for _, prefix in scope}))
                batch.known = self._load_known(where, params)
                batch.in_scope = lambda known: any(
                    known.root == root and _under(known.path, prefix) for root, prefix in scope)
            return batch.run()

    def document_path(self, path: str | Path) -> str | None:
        """The document path of the file at `path` (None outside the watched folders)."""
        found = self._locate(Path(path), self._roots())
        return None if found is None else found[0].document_path(found[1])

    def present_files(self) -> list[str]:
        """Absolute paths of the files of the documents the store holds as present, in the
        watched folders that are there (nothing in a missing one can be ingested)."""
        roots = {str(root.path): root for root in self._roots() if root.path.is_dir()}
        files = []
        for root_path, path in self.db.execute("SELECT root, path FROM documents WHERE deleted_at IS NULL"):
            root = roots.get(root_path)
            if root is not None and path.startswith(root.prefix):
                files.append(os.path.join(root_path, path[len(root.prefix):]))
        return files

    def is_ignored(self, path: str | Path) -> bool:
        """True for a path that is never ingested: outside the watched folders, hidden, a
        temporary, the store's own files, in the reports folder, a symlink leading out of its
        folder, or a file that the include/exclude globs leave out. A path that no longer exists
        is judged by its name."""
        path = Path(os.path.abspath(path))
        if str(path) in self._store_files:
            return True
        found = self._locate(path, self._roots())
        if found is None:
            return True
        root, rel = found
        if not rel:
            return False
        if _within(str(root.path / rel), self._reports) and not _within(str(root.path), self._reports):
            return True  # (a watched folder inside the reports folder is still watched)
        if any(part.startswith(".") for part in rel.split("/")) or _is_temporary(path.name):
            return True
        if os.path.islink(path) and not _inside(os.path.realpath(path), root.path):
            return True
        if self.filters.excluded(rel, path.name):
            return True
        if os.path.isdir(path) or not os.path.lexists(path):
            return False
        return not self.filters.wanted(rel, path.name)

    # -- walking ------------------------------------------------------------------------------

    def _roots(self) -> list[Root]:
        """The watched folders, whether they are there now or not (see ``__init__``)."""
        return self.roots

    def _configured_roots(self) -> list[Root]:
        try:
            return make_roots(self.config.watch_paths)
        except ScanError as e:
            raise ScanError(f"{self.config.source or 'configuration'}: watch.paths: {e}") from None

    def _walk(self, root: Root, folder: Path, batch: _Batch) -> Iterator[Candidate]:
        """Files under `folder`, depth first, by os.scandir; symlinked folders are not entered,
        which is what keeps a symlink loop from hanging the walk. Relative paths are built by
        joining names, not by os.path calls: a rescan of thousands of files is mostly this loop."""
        top = self._relative(root, str(folder))
        stack = [(str(folder), top + "/" if top else "")]
        filters = self.filters
        reports = self._reports
        while stack:
            current, rel_dir = stack.pop()
            try:
                with os.scandir(current) as entries:
                    items = list(entries)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as e:
                # Not an empty folder: what it holds is unknown, so its documents are kept.
                batch.unreadable_folder(root, rel_dir.rstrip("/"), current, e)
                continue
            for entry in items:
                name = entry.name
                if name[0] == ".":
                    continue
                rel = rel_dir + name
                if entry.is_dir(follow_symlinks=False):
                    if not filters.excluded(rel, name) and entry.path != reports:
                        stack.append((entry.path, rel + "/"))
                    continue
                if filters.wanted(rel, name) and entry.path not in self._store_files:
                    candidate = self._candidate(root, entry.path, rel, batch, entry)
                    if candidate is not None:
                        yield candidate

    def _walk_entry(self, root: Root, file: Path, batch: _Batch) -> Iterator[Candidate]:
        rel = self._relative(root, str(file))
        if self.filters.wanted(rel, file.name) and str(file) not in self._store_files:
            candidate = self._candidate(root, str(file), rel, batch, None)
            if candidate is not None:
                yield candidate

    def _candidate(self, root: Root, file: str, rel: str, batch: _Batch,
                   entry: os.DirEntry[str] | None) -> Candidate | None:
        """The file with its stat, or None (with an error recorded when that is news): links
        are followed only within the watched folder, and only regular files are read."""
        path = root.document_path(rel)
        try:
            st = entry.stat(follow_symlinks=False) if entry is not None else os.lstat(file)
            if stat.S_ISLNK(st.st_mode):
                if not _inside(os.path.realpath(file), root.path):
                    return None  # never followed out of the watched folder
                st = os.stat(file)
        except FileNotFoundError:
            return None  # gone since it was listed (or a dangling link): nothing to ingest
        except PermissionError:
            # Listed, but its folder cannot be searched (no x permission): not gone, only unknown.
            batch.keep(path)
            batch.error(path, "read", UNREADABLE_FILE)
            return None
        except OSError as e:
            batch.error(path, "read", "symlink loop" if e.errno == errno.ELOOP else f"cannot stat: {e.strerror or e}")
            return None
        if stat.S_ISDIR(st.st_mode):
            return None  # a link to a folder inside the tree: its files are ingested under their own paths
        if not stat.S_ISREG(st.st_mode):
            batch.error(path, "read", "not a regular file")
            return None
        return Candidate(root, path, file, st.st_size, st.st_mtime_ns)

    @staticmethod
    def _relative(root: Root, file: str) -> str:
        rel = os.path.relpath(file, root.path)
        return "" if rel == "." else rel.replace(os.sep, "/")

    def _locate(self, path: Path, roots: Sequence[Root]) -> tuple[Root, str] | None:
        """The root holding `path` and the path relative to it (the parent resolved, not the
        file itself, so that a symlink is judged as a link)."""
        path = Path(os.path.abspath(path))
        parent = Path(os.path.realpath(path.parent))
        full = parent / path.name if path.name else parent
        for root in roots:
            if full == root.path or _inside(str(full), root.path):
                return root, self._relative(root, str(full))
        return None

    # -- reading the store --------------------------------------------------------------------

    def _load_known(self, where: str, params: list[Any]) -> dict[str, Known]:
        """Documents in scope with their latest version's hash: one query for the whole scan."""
        sql = f"""
            SELECT d.id, d.root, d.path, d.size, d.mtime_ns, d.deleted_at IS NOT NULL,
                   COALESCE(d.current_version, 0), v.sha256, d.last_seen_at
            FROM documents d
            LEFT JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version
            WHERE {where}
        """
        return {row[2]: Known._make(row) for row in self.db.execute(sql, params).fetchall()}

    def gazetteer(self) -> Any:
        if not self._gazetteer_loaded:
            self._inline_gazetteer = load_gazetteer(self.config.extract.entities, self.config.extract.aliases)
            self._gazetteer_loaded = True
        return self._inline_gazetteer


class _Batch:
    """One scan or ingest: candidates in, versions, deletions, moves and errors out."""

    def __init__(self, scanner: Scanner, roots: Sequence[Root], trigger: str) -> None:
        self.scanner = scanner
        self.db = scanner.db
        self.roots = roots
        self.trigger = trigger
        self.candidates: list[Candidate] = []
        self.known: dict[str, Known] = {}
        self.in_scope: Callable[[Known], bool] = lambda known: False
        self.summary = ScanSummary()
        self.now = utcnow()
        self._errors: list[tuple[str, str, str]] = []
        # Document paths (files, or folders and all under them) that could not be looked at:
        # what is there is unknown, so their documents are neither deleted nor changed.
        self._kept: list[str] = []

    def error(self, path: str, stage: str, reason: str) -> None:
        self._errors.append((path, stage, reason))

    def keep(self, path: str) -> None:
        """Leave the documents at `path` (a file, or a folder and all under it) as they are."""
        self._kept.append(path)

    def unreadable_folder(self, root: Root, rel: str, folder: str, error: OSError) -> None:
        """A folder that could not be listed: an error naming it, its documents kept as they
        were, and the folder in the summary (the daemon shows it: nothing in it can be watched)."""
        self.keep(root.document_path(rel) if rel else root.prefix.rstrip("/"))
        reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error))
        # The watched folder itself has no document path of its own: it is named in full.
        self.error(root.document_path(rel) if rel else str(root.path), "walk", UNREADABLE_FOLDER.format(reason=reason))
        self.summary.unreadable_folders[folder] = reason

    def _is_kept(self, path: str) -> bool:
        return any(_under(path, kept) for kept in self._kept)

    def run(self) -> ScanSummary:
        seen = {c.path for c in self.candidates}
        unchanged, still_failing, to_read = self._split()
        self.summary.errors += still_failing
        vanished = {k.path: k for k in self.known.values()
                    if not k.deleted and k.path not in seen and self.in_scope(k) and not self._is_kept(k.path)}
        with write_transaction(self.db):
            self.summary.scan_id = insert_row(self.db, "scans", {
                "started_at": self.now, "trigger": self.trigger,
                "roots": json.dumps([str(r.path) for r in self.roots])})
            self._touch_unchanged(unchanged)
        self.summary.unchanged += len(unchanged)
        moved_shas = frozenset(k.sha256 for k in vanished.values() if k.sha256)
        writer = _Writer(self, vanished)
        for prepared in self._prepare_all(to_read, moved_shas):
            writer.add(prepared)
        writer.flush()
        with write_transaction(self.db):
            for known in vanished.values():
                writer.delete(known)
            for path, stage, reason in self._errors:
                writer.record_error(path, stage, reason)
            update_row(self.db, "scans", self.summary.scan_id, {"finished_at": utcnow(), **self.summary.counts()})
        return self.summary

    def _split(self) -> tuple[list[Known], int, list[Candidate]]:
        """Files whose stat equals the store's (skipped unread), how many files still fail as
        they did under the same stat (skipped unread too, their error already recorded), and
        files to read."""
        unchanged: list[Known] = []
        to_read: list[Candidate] = []
        failing = _lasting_failures(self.db)
        still_failing = 0
        for c in self.candidates:
            k = self.known.get(c.path)
            if (k is not None and not k.deleted and k.root == str(c.root.path)
                    and k.size == c.size and k.mtime_ns == c.mtime_ns):
                unchanged.append(k)
            elif failing.get(c.path) == (c.size, c.mtime_ns):
                still_failing += 1
            else:
                to_read.append(c)
        return unchanged, still_failing, to_read

    def _touch_unchanged(self, unchanged: list[Known]) -> None:
        """Refresh `last_seen_at` of unchanged files, to within LAST_SEEN_RESOLUTION: rewriting
        every row at every periodic rescan would rewrite the whole table into the WAL for nothing."""
        cutoff = iso_utc(dt.datetime.now(dt.timezone.utc) - LAST_SEEN_RESOLUTION)
        stale = [(self.now, k.id) for k in unchanged if k.last_seen_at < cutoff]
        self.db.conn.executemany("UPDATE documents SET last_seen_at = ? WHERE id = ?", stale)

    def _prepare_all(self, candidates: list[Candidate], moved_shas: frozenset[str]) -> Iterator[Prepared]:
        scanner = self.scanner
        jobs = [Job(c.path, c.file, scanner.config.watch.max_file_size, self._present_sha(c.path),
                    scanner.extract, moved_shas, c.size, c.mtime_ns)
                for c in candidates]
        total = len(jobs)
        done = 0
        for prepared in self._results(jobs):
            done += 1
            if scanner.progress:
                scanner.progress(done, total)
            yield prepared

    def _present_sha(self, path: str) -> str | None:
        """The latest version's hash of a present document (a returning file is read in full)."""
        known = self.known.get(path)
        return known.sha256 if known is not None and not known.deleted else None

    def _results(self, jobs: list[Job]) -> Iterator[Prepared]:
        scanner = self.scanner
        if len(jobs) < POOL_THRESHOLD or scanner.workers < 2:
            global _worker_gazetteer
            if scanner.extract:
                _worker_gazetteer = scanner.gazetteer()
            for job in jobs:
                yield prepare(job)
            return
        yield from _pool_results(jobs, scanner)


def _pool_results(jobs: list[Job], scanner: Scanner) -> Iterator[Prepared]:
    """Results in job order from a process pool, with a bounded number of chunks in flight."""
    chunks = [jobs[i:i + CHUNK_SIZE] for i in range(0, len(jobs), CHUNK_SIZE)]
    # spawn, not fork: the daemon has threads (watchdog, APScheduler), and forking a threaded
    # process can copy a lock held by another thread into the child, deadlocking it.
    context = multiprocessing.get_context("spawn")
    limit = scanner.workers * CHUNKS_IN_FLIGHT_PER_WORKER
    config = scanner.config.extract
    initargs = (os.getpid(), scanner.extract, list(config.entities), dict(config.aliases))
    with concurrent.futures.ProcessPoolExecutor(max_workers=scanner.workers, mp_context=context,
                                                initializer=_init_worker, initargs=initargs) as pool:
        pending: list[concurrent.futures.Future] = []
        next_chunk = 0
        while next_chunk < len(chunks) or pending:
            while next_chunk < len(chunks) and len(pending) < limit:
                pending.append(pool.submit(prepare_chunk, chunks[next_chunk]))
                next_chunk += 1
            yield from pending.pop(0).result()


class _Writer:
    """Writes prepared files: several versions per transaction, each one whole or not at all."""

    def __init__(self, batch: _Batch, vanished: dict[str, Known]) -> None:
        self.batch = batch
        self.db = batch.db
        self.summary = batch.summary
        self.vanished = vanished
        self.by_sha: dict[str, list[Known]] = {}
        for known in vanished.values():
            if known.sha256:
                self.by_sha.setdefault(known.sha256, []).append(known)
        self.pending: list[Prepared] = []
        self.opened = time.monotonic()

    def add(self, prepared: Prepared) -> None:
        if not self.pending:
            self.opened = time.monotonic()
        self.pending.append(prepared)
        if len(self.pending) >= VERSIONS_PER_TRANSACTION or time.monotonic() - self.opened > TRANSACTION_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with write_transaction(self.db):
            for prepared in self.pending:
                self._write_one(prepared)
        self.pending = []

    def _write_one(self, prepared: Prepared) -> None:
        if prepared.document is None:
            self.record_error(prepared.path, prepared.error_stage, prepared.error, prepared.failed_stat)
            return
        try:
            with self.db.atomic():
                self._apply(prepared)
        except Exception as e:  # noqa: BLE001 - a failure in one document rolls back only it
            log.exception("%s: could not be stored", prepared.path)
            self.record_error(prepared.path, "store", f"could not be stored: {type(e).__name__}: {e}")
            return
        if prepared.error:
            self.record_error(prepared.path, prepared.error_stage, prepared.error)

    def _apply(self, prepared: Prepared) -> None:
        doc = prepared.document
        assert doc is not None
        known = self.batch.known.get(prepared.path)
        racy = doc.mtime_ns > prepared.read_at_ns - RACY_WINDOW_NS
        stat_row = {"size": doc.size, "mtime_ns": None if racy else doc.mtime_ns,
                    "root": self._root_of(prepared.path), "last_seen_at": self.batch.now}
        if known is not None and not known.deleted and known.sha256 == doc.sha256:
            update_row(self.db, "documents", known.id, stat_row)
            self.summary.unchanged += 1
            return
        if known is not None:
            update_row(self.db, "documents", known.id, {**stat_row, "deleted_at": None, "moved_to": None,
                                                        "current_version": known.version + 1})
            self._new_version(known.id, known.version + 1, prepared)
            self.summary.changed += 1
            return
        source = self._moved_from(doc.sha256)
        document_id = insert_row(self.db, "documents", {
            "path": prepared.path, "first_seen_at": self.batch.now, **stat_row,
            "moved_from": source.path if source else None, "current_version": 1})
        if source is not None:
            self._move(source, document_id, prepared)
        else:
            self._new_version(document_id, 1, prepared)
            self.summary.new += 1

    def _root_of(self, path: str) -> str:
        for root in self.batch.roots:
            if path.startswith(root.prefix):
                return str(root.path)
        return str(self.batch.roots[0].path)

    def _moved_from(self, sha256: str) -> Known | None:
        """A document that vanished in this batch with exactly these bytes (the first, if several)."""
        for known in self.by_sha.get(sha256, ()):
            if known.path in self.vanished:
                return known
        return None

    def _move(self, source: Known, document_id: int, prepared: Prepared) -> None:
        del self.vanished[source.path]
        update_row(self.db, "documents", source.id, {"deleted_at": self.batch.now, "moved_to": prepared.path})
        self._insert_version(document_id, 1, prepared)
        _history().document_moved(self.db, source.id, document_id)
        self.summary.moved += 1

    def _new_version(self, document_id: int, number: int, prepared: Prepared) -> None:
        version_id, row = self._insert_version(document_id, number, prepared)
        if prepared.facts is not None:
            _history().record_facts(self.db, version_id, prepared.facts, sentences=prepared.sentences, version=row)

    def _insert_version(self, document_id: int, number: int, prepared: Prepared) -> tuple[int, dict[str, Any]]:
        """Store the version (the caller has set the document's `current_version` to `number`)."""
        doc = prepared.document
        assert doc is not None
        row = {
            "document_id": document_id, "path": prepared.path, "version": number,
            "sha256": doc.sha256, "size": doc.size, "mtime": doc.mtime, "observed_at": self.batch.now,
            "format": doc.format, "encoding": doc.encoding, "decode_errors": int(doc.decode_errors),
            "title": doc.metadata.title, "date": doc.metadata.date, "source_url": doc.metadata.source_url,
            "text": doc.text}
        return store_version(self.db, row), row

    def delete(self, known: Known) -> None:
        """Record that a document's file is gone; its versions and facts' history stay."""
        update_row(self.db, "documents", known.id, {"deleted_at": self.batch.now})
        _history().document_deleted(self.db, known.id)
        self.summary.deleted += 1

    def record_error(self, path: str, stage: str, reason: str, stat: tuple[int, int] | None = None) -> None:
        self.summary.errors += 1
        log.warning("%s: %s", path, reason)
        insert_error(self.db, path, stage, reason, stat=stat)


# ---------------------------------------------------------------------------------------------
# Helpers


def insert_error(db: sqlite_utils.Database, path: str, stage: str, reason: str, *,
                 stat: tuple[int, int] | None = None) -> None:
    """An `errors` row for the document path `path`, unless the same error of the same file is
    already the latest one recorded and the file has not been ingested since (a rescan, or a
    retry, repeats no errors). `stat` is the file's (size, mtime_ns) when the error will recur
    until the file changes: scans skip the file while its stat is that. Call it inside a write
    transaction."""
    size, mtime_ns = stat if stat is not None else (None, None)
    last = db.execute(
        "SELECT stage, reason, occurred_at, id FROM errors WHERE path = ? ORDER BY id DESC LIMIT 1", [path]
    ).fetchone()
    if last and last[0] == stage and last[1] == reason:
        seen = db.execute("SELECT last_seen_at FROM documents WHERE path = ?", [path]).fetchone()
        if seen is None or seen[0] is None or seen[0] < last[2]:
            # The same failure of a file that changed: the row now stands for its new stat.
            update_row(db, "errors", last[3], {"size": size, "mtime_ns": mtime_ns})
            return
    insert_row(db, "errors", {"path": path, "occurred_at": utcnow(), "stage": stage, "reason": reason,
                              "size": size, "mtime_ns": mtime_ns})


def _lasting_failures(db: sqlite_utils.Database) -> dict[str, tuple[int, int]]:
    """Paths whose latest error holds while the file keeps a stat, and that stat: the error
    came after the file was last ingested (a document's `last_seen_at`), if it ever was."""
    return {path: (size, mtime_ns) for path, size, mtime_ns in db.execute("""
        SELECT e.path, e.size, e.mtime_ns
        FROM errors e
        JOIN (SELECT path, max(id) AS id FROM errors GROUP BY path) latest ON latest.id = e.id
        LEFT JOIN documents d ON d.path = e.path
        WHERE e.mtime_ns IS NOT NULL AND (d.last_seen_at IS NULL OR d.last_seen_at < e.occurred_at)""")}


def _can_look_at(file: Path, root: Root, rel: str, batch: _Batch) -> bool:
    """False when `file` cannot even be stat'ed because a folder on its way cannot be searched:
    such a path is neither there nor gone (`os.path.lexists` would say gone), so its documents
    are kept and the error is recorded."""
    try:
        os.lstat(file)
    except PermissionError:
        path = root.document_path(rel) if rel else root.prefix.rstrip("/")
        batch.keep(path)
        batch.error(path or str(root.path), "read", UNREADABLE_FILE)
        return False
    except OSError:
        pass  # gone (a deletion), or an error the walk or the read reports
    return True


def _history() -> Any:
    from monitor import history

    return history


def _store_files(db: sqlite_utils.Database) -> frozenset[str]:
    """Absolute paths of the database's files and of the daemon's lock file."""
    row = db.execute("PRAGMA database_list").fetchone()
    if not row or not row[2]:
        return frozenset()
    base = os.path.abspath(row[2])
    real = os.path.realpath(row[2])
    return frozenset(p + suffix for p in (base, real) for suffix in STORE_SUFFIXES)


_TEMPORARY = re.compile("|".join(fnmatch.translate(p) for p in TEMPORARY_PATTERNS))


def _is_temporary(name: str) -> bool:
    # Vim writes a probe file named "4913" (then 5036, ...) to test that it may create files.
    return name.isdigit() or _TEMPORARY.match(name) is not None


class Filters:
    """The include/exclude globs, compiled once. A glob without "/" matches the file name at any
    depth; with one, the path relative to the watched folder (and everything under it)."""

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self._include = _compile(include) if include else None
        self._exclude = _compile(exclude)

    def wanted(self, rel: str, name: str) -> bool:
        """A file to ingest: not hidden, not a temporary, included and not excluded."""
        if name[0] == "." or _is_temporary(name):
            return False
        if self._include is not None and not _matches(self._include, rel, name):
            return False
        return not _matches(self._exclude, rel, name)

    def excluded(self, rel: str, name: str) -> bool:
        return _matches(self._exclude, rel, name)


_NEVER = re.compile(r"(?!)")


def _compile(patterns: Sequence[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(regex for file names, regex for relative paths)."""
    names = [fnmatch.translate(p) for p in patterns if "/" not in p]
    paths = [fnmatch.translate(q) for p in patterns if "/" in p for q in (p, p.rstrip("/") + "/*")]
    return (re.compile("|".join(names)) if names else _NEVER, re.compile("|".join(paths)) if paths else _NEVER)


def _matches(compiled: tuple[re.Pattern[str], re.Pattern[str]], rel: str, name: str) -> bool:
    return compiled[0].match(name) is not None or compiled[1].match(rel) is not None


def _inside(path: str, folder: Path) -> bool:
    folder_s = str(folder)
    return path.startswith(folder_s.rstrip(os.sep) + os.sep)


def _within(path: str, folder: str) -> bool:
    return path == folder or _inside(path, Path(folder))


def _under(path: str, prefix: str) -> bool:
    return prefix == "" or path == prefix or path.startswith(prefix + "/")


def _prefix_clause(prefixes: list[str]) -> tuple[str, list[Any]]:
    """SQL for documents at these paths or under them as folders (LIKE-free: exact prefixes)."""
    if "" in prefixes:
        return "1", []
    clauses = " OR ".join("(d.path = ? OR substr(d.path, 1, ?) = ?)" for _ in prefixes)
    params: list[Any] = []
    for p in prefixes:
        params += [p, len(p) + 1, p + "/"]
    return clauses, params
