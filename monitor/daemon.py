"""The daemon behind `monitor run`: watch the folders, ingest what changed, run the scheduled jobs.

Threads and who owns what:

* the **main thread** holds the lock, installs the signal handlers (which only set flags), and
  supervises: it restarts a dead observer, and one that could not add its watches again after an
  inotify queue overflow, retries watch roots that were missing or could not be watched (with
  backoff), restarts the observer when a folder that could not be read (so was never watched)
  can be, reloads the config on SIGHUP and stops everything on SIGTERM/SIGINT;
* the **watchdog observer** calls `EventRecorder`, which only records paths in `PendingPaths`;
* the **ingest worker** is the only thread that writes documents: it takes the paths that have
  been quiet for the debounce time with a stable size/mtime and hands them to `Scanner.ingest`,
  and runs every reconcile (start, schedule, inotify overflow, observer restart, and of a folder
  that cannot be watched, at each retry);
* **APScheduler** (BackgroundScheduler) only asks the worker for a reconcile, and runs the digest
  job on its own database connection (delivery may wait on SMTP; ingest must not).

Watchdog events are hints, not truth: they are lost on a queue overflow, doubled on every save and
arrive for half-written files. So a path is only a reason to look, the scanner compares content
hashes (duplicate events make no version), and reconciles catch what the events missed.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.lock import DaemonLock
from monitor.store import insert_row, open_store, parse_utc, utcnow, write_transaction

log = logging.getLogger("monitor.daemon")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Exit within 5 s of SIGTERM: stop taking new work at once, give the document in hand this long.
SHUTDOWN_BUDGET_SECONDS = 4.0
# How often the main thread looks at its flags and at the observer's health.
SUPERVISE_INTERVAL_SECONDS = 0.1
HEALTH_CHECK_INTERVAL_SECONDS = 1.0
# A path written without pause for this long is ingested anyway (a log file appended forever);
# later writes make it pending again.
MAX_WAIT_SECONDS = 120.0
# Paths handed to one `Scanner.ingest` call (more only for a chain of moves, which is never
# split): under the scanner's POOL_THRESHOLD (20), so a batch
# is read in the ingest process itself (no pool to spawn per batch) and takes well under a
# second, which is how a stop request is honoured quickly: we finish the batch in hand. Large
# enough that a burst of a thousand files is not a thousand scan records.
INGEST_BATCH = 19
# A path whose ingest failed is retried after 2, 4, 8 ... seconds, at most an hour, unless the
# file changes in between.
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 3600.0
# A watched folder that is there but cannot be watched (the inotify watch limit reached) is tried
# again after 1, 2, 4 ... seconds, at most 5 minutes, and reconciled at each attempt instead: the
# limit is rarely raised within a second, and a reconcile per second of the very tree too large to
# watch would keep a core busy.
WATCH_RETRY_BASE_SECONDS = 1.0
WATCH_RETRY_MAX_SECONDS = 300.0

# The events worth a look. Opened / closed-without-write / attrib (touch, chmod) cannot change
# content, and a directory's "modified" only echoes its children's own events.
WATCHED_EVENTS = [
    FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]


# --------------------------------------------------------------------------------------------
# Debounce: which paths have been quiet long enough, with a stable size and mtime


StatSignature = tuple[int, int, int] | None  # (size, mtime_ns, inode); None when the path is gone


def stat_signature(path: str) -> StatSignature:
    """What changes when a file is written: its size, mtime and inode (None if it is missing)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


_UNSAMPLED = object()


@dataclass
class _PendingPath:
    first_event: float
    last_event: float
    sample: Any = _UNSAMPLED
    sampled_at: float = 0.0
    partners: set[str] = field(default_factory=set)  # the other ends of moves


class PendingPaths:
    """Paths that had events, released once quiet for `quiet` seconds and stable on disk.

    The two ends of a move are linked and released together, in one group, only when both are
    due: the scanner recognises a move only when it sees the file vanish and reappear in one
    ingest; ingested apart, the two ends are a deletion and a new document.

    Thread-safe: the observer thread calls `touch`, the worker calls `take_due`. The stability
    check takes a stat sample `settle` seconds before the quiet period ends and releases the path
    only if a second stat at the end agrees, so a writer whose events we missed (or that writes
    through mmap) still delays the ingest. The clock and the stat function are injectable so that
    the timing rules are tested without sleeping.
    """

    def __init__(self, quiet: float, *, clock: Callable[[], float] = time.monotonic,
                 stat: Callable[[str], StatSignature] = stat_signature,
                 max_wait: float = MAX_WAIT_SECONDS) -> None:
        self._clock = clock
        self._stat = stat
        self._max_wait = max_wait
        self._paths: dict[str, _PendingPath] = {}
        self._cond = threading.Condition()
        self.set_quiet(quiet)

    def set_quiet(self, quiet: float) -> None:
        with self._cond:
            self.quiet = max(0.0, quiet)
            # The second look comes a quarter of the quiet time after the first, within bounds.
            self.settle = min(max(self.quiet / 4, 0.02), 0.5, self.quiet) if self.quiet else 0.0

    def touch(self, *paths: str) -> None:
        """Record an event for `paths` (restarts their quiet period); several paths are the ends
        of one move, and are linked."""
        now = self._clock()
        with self._cond:
            for path in paths:
                entry = self._paths.setdefault(path, _PendingPath(first_event=now, last_event=now))
                entry.last_event = now
                entry.partners.update(p for p in paths if p != path)
            self._cond.notify()

    def take_due(self) -> list[list[str]]:
        """Remove and return the groups of linked paths that are all quiet and stable now, oldest
        first (a path without moves is a group of one)."""
        now = self._clock()
        groups: list[list[str]] = []
        with self._cond:
            due = {path for path, entry in self._paths.items() if self._is_due(path, entry, now)}
            for path in sorted(due, key=lambda p: self._paths[p].first_event):
                if path not in self._paths:
                    continue  # released with an earlier group
                group = self._group(path)
                if group <= due:
                    groups.append(sorted(group, key=lambda p: (self._paths[p].first_event, p)))
                    for member in group:
                        del self._paths[member]
        return groups

    def _group(self, path: str) -> set[str]:
        """`path` and the pending paths linked to it by moves, directly or through others."""
        group, todo = set(), [path]
        while todo:
            current = todo.pop()
            if current not in group and current in self._paths:
                group.add(current)
                todo.extend(self._paths[current].partners)
        return group

    def _is_due(self, path: str, entry: _PendingPath, now: float) -> bool:
        if now - entry.first_event >= self._max_wait:
            return True
        quiet_for = now - entry.last_event
        if quiet_for < self.quiet - self.settle:
            return False
        if entry.sample is _UNSAMPLED or entry.sampled_at < entry.last_event:
            entry.sample, entry.sampled_at = self._stat(path), now
            return self.settle == 0 and quiet_for >= self.quiet and self._stable(path, entry, now)
        if quiet_for < self.quiet or now - entry.sampled_at < self.settle:
            return False
        return self._stable(path, entry, now)

    def _stable(self, path: str, entry: _PendingPath, now: float) -> bool:
        current = self._stat(path)
        if current == entry.sample:
            return True
        # Still being written although no event said so: start the quiet period again.
        entry.sample, entry.sampled_at, entry.last_event = current, now, now
        return False

    def next_deadline(self) -> float | None:
        """The clock time at which `take_due` may next release something (None when empty): a
        group waits for its last member, so a due path waiting for its partner is no busy loop."""
        with self._cond:
            deadlines = [max(self._deadline(self._paths[p]) for p in self._group(path)) for path in self._paths]
            return min(deadlines) if deadlines else None

    def _deadline(self, entry: _PendingPath) -> float:
        if entry.sample is _UNSAMPLED or entry.sampled_at < entry.last_event:
            quiet_at = entry.last_event + self.quiet - self.settle
        else:
            quiet_at = max(entry.last_event + self.quiet, entry.sampled_at + self.settle)
        return min(quiet_at, entry.first_event + self._max_wait)

    def wait(self, timeout: float) -> None:
        """Block until a path is touched or `timeout` seconds pass."""
        with self._cond:
            self._cond.wait(timeout)

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._paths)

    def __contains__(self, path: object) -> bool:
        with self._cond:
            return path in self._paths


class Backoff:
    """Paths whose ingest failed, and when to try each again (sooner if the file changes)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 stat: Callable[[str], StatSignature] = stat_signature) -> None:
        self._clock = clock
        self._stat = stat
        self._failures: dict[str, tuple[int, float, StatSignature]] = {}

    def failed(self, path: str) -> float:
        """Record a failure; return the delay before the next attempt."""
        attempts = self._failures.get(path, (0, 0.0, None))[0] + 1
        delay = min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
        self._failures[path] = (attempts, self._clock() + delay, self._stat(path))
        return delay

    def succeeded(self, path: str) -> None:
        self._failures.pop(path, None)

    def should_wait(self, path: str) -> bool:
        """True while `path` is backing off and its file has not changed since it failed."""
        failure = self._failures.get(path)
        if failure is None:
            return False
        _, retry_at, signature = failure
        if self._stat(path) != signature:
            return False
        return self._clock() < retry_at

    def due(self) -> list[str]:
        """Paths whose backoff has expired."""
        now = self._clock()
        return [path for path, (_, retry_at, _) in self._failures.items() if retry_at <= now]

    def __contains__(self, path: object) -> bool:
        return path in self._failures


# The logger of watchdog's inotify reader, which reports the kernel's IN_Q_OVERFLOW.
OVERFLOW_LOGGER = "watchdog.observers.inotify_c"
# The logger of watchdog's inotify emitter, which reports a failure to add the watches again after
# an overflow ("Unable to rebuild recursive inotify watches below ...", with the OSError).
REBUILD_LOGGER = "watchdog.observers.inotify"

# What `monitor status` and the digest's health section say (an `errors` row of stage "watch",
# its path the watched folder) when the watcher could not see everything.
OVERFLOW_REASON = ("the inotify event queue overflowed and events were lost; a full reconcile "
                   "was run to catch up")
WATCHER_STOPPED_REASON = "the file watcher stopped; it was restarted and a full reconcile run to catch up"
MISSING_REASON = ("the watched folder is missing: nothing in it is watched, and its documents are kept "
                  "as they were, until it is back")
UNWATCHABLE_REASON = ("the watched folder cannot be watched: {error}{hint}. No event tells of its changes, so it "
                      "is reconciled instead, every {base:g} s doubling to {cap:g} s, until watching it works again")
REBUILD_FAILED_REASON = ("after an inotify queue overflow the file watcher could not watch the folder again "
                         "({error}): it was restarted and a full reconcile run to catch up")
REPLACED_REASON = ("the watched folder was replaced (moved away, or deleted and made again): "
                   "the new one is watched and reconciled")


# --------------------------------------------------------------------------------------------
# Events: the handler only records


class EventRecorder(FileSystemEventHandler):
    """Turns watchdog events into pending paths; never does any work on the observer thread.

    A move records both ends, linked (the source may be a document that is now gone, the
    destination a document that now exists: an atomic save moves a temp file over the document;
    a rename makes the one the other). Any exception is
    logged and swallowed: watchdog does not catch it and its observer thread would die.
    """

    def __init__(self, pending: PendingPaths, is_ignored: Callable[[str], bool]) -> None:
        self.pending = pending
        self.is_ignored = is_ignored

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            paths = [path for path in _event_paths(event) if not self.is_ignored(path)]
            if paths:
                self.pending.touch(*paths)  # a move's two ends, linked
        except Exception:
            log.exception("could not record the event %r", event)


def _event_paths(event: FileSystemEvent) -> Iterable[str]:
    if type(event) not in WATCHED_EVENTS:
        return ()
    paths = [os.fsdecode(event.src_path)]
    if event.dest_path:
        paths.append(os.fsdecode(event.dest_path))
    return paths


class OverflowDetector(logging.Handler):
    """Calls back when watchdog says the kernel's inotify queue overflowed (events were lost), and
    when, after an overflow, it could not add its watches again.

    watchdog sends no event for what was lost; its WARNING log line is the only signal. It logs
    a second line per watched folder as it re-adds that folder's watches (from
    `watchdog.observers.inotify`): only the reader's line (from `inotify_c`, once per IN_Q_OVERFLOW)
    counts, or one overflow would be counted, and reconciled, twice.

    Re-adding them (watchdog 7.1, `InotifyWatchGroup.on_queue_overflow`) first removes every watch
    of the folder; when the folder's own watch then fails (watch limit reached, folder gone) it
    logs "Unable to rebuild recursive inotify watches below ..." with the OSError and gives up.
    Its threads live on with no watch left, so the observer looks healthy and hears nothing: that
    ERROR line is the only sign of it.
    """

    def __init__(self, on_overflow: Callable[[], None],
                 on_rebuild_failed: Callable[[str, BaseException | None], None] | None = None) -> None:
        super().__init__(level=logging.WARNING)
        self.on_overflow = on_overflow
        self.on_rebuild_failed = on_rebuild_failed

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.name == OVERFLOW_LOGGER and "overflow" in record.getMessage().lower():
                self.on_overflow()
            elif (record.name == REBUILD_LOGGER and record.levelno >= logging.ERROR
                  and "rebuild" in str(record.msg).lower() and self.on_rebuild_failed is not None):
                args = record.args if isinstance(record.args, tuple) else ()
                folder = os.fsdecode(args[0]) if args and isinstance(args[0], (bytes, str)) else ""
                self.on_rebuild_failed(folder, record.exc_info[1] if record.exc_info else None)
        except Exception:
            self.handleError(record)


# --------------------------------------------------------------------------------------------
# The ingest process: the core's Scanner, run where a hung extraction can be killed


class IngestTimeout(Exception):
    """The ingest process made no progress for the stall timeout and was killed."""


class IngestFailed(Exception):
    """The ingest process raised, or died, while handling a request."""


def ingest_timeout_seconds() -> float:
    """How long the ingest process may go without finishing a document before it is given up
    on. With the pool, results come a chunk at a time (scan.CHUNK_SIZE documents), so this is
    also the time a chunk of ordinary documents, and the pool's start, must stay under.

    `MONITOR_INGEST_TIMEOUT` overrides it (tests use a small value; a machine that legitimately
    needs longer for 20 MB documents can raise it)."""
    return float(os.environ.get("MONITOR_INGEST_TIMEOUT", "60"))


class IngestProcess:
    """`Scanner.ingest` / `Scanner.reconcile` in a child process, with a stall timeout.

    Extraction is pure Python and regular expressions; a pathological document can make it run
    for ever inside one C call, which no signal interrupts and no thread can be killed out of.
    A process can: the child reports progress after each document, and when it has been silent
    for the timeout the parent kills it (its open transaction rolls back) and starts a new one.

    The child leads its own process group, which its Scanner's pool workers join, so a kill takes
    the whole group: the pool is free to use every core and a kill orphans nothing. (Pool
    workers block on a queue whose write end they hold, so they would never notice on their own.)
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._proc: Any = None
        self._conn: Any = None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that has threads
        parent_end, child_end = context.Pipe()
        proc = context.Process(target=_ingest_child,
                               args=(child_end, self.config, logging.getLogger().getEffectiveLevel(),
                                     os.getpid()),
                               # Not a daemonic process: those may not start the scanner's pool.
                               # Its end is ours to manage: stop(), kill(), and PDEATHSIG.
                               name="monitor-ingest", daemon=False)
        proc.start()
        child_end.close()
        self._proc, self._conn = proc, parent_end

    def set_config(self, config: Config) -> None:
        """Use `config` from the next request on (the child is restarted with it)."""
        self.config = config
        self.stop(timeout=2.0)

    def call(self, request: tuple, timeout: float) -> tuple[dict[str, int], dict[str, str]]:
        """Send one request and wait for its counts and the folders it could not read; raise
        IngestTimeout or IngestFailed."""
        if self._proc is None or not self._proc.is_alive():
            self.stop(timeout=0)  # a killed or dead child's pipe is closed, not leaked
            self.start()
        try:
            self._conn.send(request)
            last_progress = time.monotonic()
            while True:
                if self._conn.poll(0.05):
                    kind, value = self._conn.recv()
                    if kind == "progress":
                        last_progress = time.monotonic()
                    elif kind == "done":
                        return value
                    else:
                        raise IngestFailed(value)
                elif not self._proc.is_alive():
                    raise IngestFailed(f"the ingest process died (exit code {self._proc.exitcode})")
                elif time.monotonic() - last_progress > timeout:
                    self.kill()
                    raise IngestTimeout(f"no progress for {timeout:g} s")
        except (EOFError, OSError, BrokenPipeError) as e:
            self.kill()
            raise IngestFailed(f"the ingest process went away: {e}") from None

    def kill(self) -> None:
        """Kill the child and its pool at once (on a stall, and at shutdown when the budget runs
        out). The group goes first, while the unreaped child keeps its id from being reused."""
        if self._proc is not None:
            _kill_group(self._proc)

    def stop(self, timeout: float) -> None:
        """Ask the child to exit after its current request; kill it if it does not."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        try:
            conn.send(("stop",))
        except (OSError, BrokenPipeError):
            pass
        proc.join(timeout)
        _kill_group(proc)
        conn.close()


def _kill_group(proc: Any) -> None:
    """SIGKILL the process group that `proc` leads (a no-op for one that has exited and been
    reaped, or that died before it could lead one), then reap `proc`."""
    if proc.exitcode is not None:
        return  # its pool workers die with it (PR_SET_PDEATHSIG)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # not a group leader yet: nothing below it either
    proc.kill()
    proc.join(2.0)


def _ingest_child(conn: Any, config: Config, log_level: int, parent_pid: int) -> None:
    """The child's loop: one request at a time on its own connection; exits when the parent does."""
    from monitor.scan import Scanner, die_with_parent

    die_with_parent(parent_pid)  # kill -9 of the daemon ends us too (its pool follows us)
    # Lead a new session (so a process group) before any pool exists: the parent kills the group.
    os.setsid()
    # systemd signals the whole cgroup: the parent decides when we stop. (The pool inherits this.)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format=LOG_FORMAT)
    db = open_store(config.database_path)
    # Default workers, as `monitor scan`: a large batch (a cold start) is read on every core.
    scanner = Scanner(db, config, progress=lambda done, total: conn.send(("progress", done)))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request[0] == "stop":
            return
        try:
            if request[0] == "ingest":
                summary = scanner.ingest(request[1], trigger=request[2])
            else:
                summary = scanner.reconcile(trigger=request[1])
            conn.send(("done", (summary.counts(), summary.unreadable_folders)))
        except Exception as e:  # noqa: BLE001 - reported to the parent, which records it
            logging.getLogger("monitor.daemon").debug("ingest request failed", exc_info=True)
            conn.send(("error", f"{type(e).__name__}: {e}"))


# --------------------------------------------------------------------------------------------
# The ingest worker: the thread that hands work to the ingest process


class IngestWorker(threading.Thread):
    """Ingests quiet paths and runs reconciles, one at a time, until asked to stop."""

    def __init__(self, daemon: Daemon) -> None:
        super().__init__(name="monitor-ingest", daemon=True)
        self.d = daemon
        self.process = IngestProcess(daemon.config)
        self.backoff = Backoff()
        self._requests_lock = threading.Lock()
        self._reconcile_trigger: str | None = None
        self._folder_reconciles: dict[Path, str] = {}
        self._new_config: Config | None = None

    def request_reconcile(self, trigger: str, folder: Path | None = None) -> None:
        """Ask for a reconcile of everything, or of one watched `folder`; several requests before
        it starts make one (a full one covers the folders)."""
        with self._requests_lock:
            if folder is not None:
                self._folder_reconciles.setdefault(folder, trigger)
            elif self._reconcile_trigger is None:
                self._reconcile_trigger = trigger
        self.d.pending.wake()

    def request_config(self, config: Config) -> None:
        with self._requests_lock:
            self._new_config = config
        self.d.pending.wake()

    def _take_requests(self) -> tuple[str | None, dict[Path, str], Config | None]:
        with self._requests_lock:
            trigger, self._reconcile_trigger = self._reconcile_trigger, None
            folders, self._folder_reconciles = self._folder_reconciles, {}
            config, self._new_config = self._new_config, None
            return trigger, ({} if trigger is not None else folders), config

    def run(self) -> None:
        try:
            while not self.d.stopping.is_set():
                self.d.record_watch_problems()  # before the reconcile they may have asked for
                trigger, folders, config = self._take_requests()
                if config is not None:
                    self.process.set_config(config)
                if trigger is not None:
                    self.reconcile(trigger)
                    continue
                if folders:
                    for folder, folder_trigger in folders.items():
                        self.reconcile_folder(folder, folder_trigger)
                    continue
                groups = self._ready_groups()
                if groups:
                    self.ingest(groups)
                    continue
                self.d.pending.wait(self._idle_timeout())
        except Exception:  # noqa: BLE001 - the supervisor sees the thread gone and exits non-zero
            log.exception("the ingest worker failed")
        finally:
            self.process.stop(timeout=1.0)

    def _ready_groups(self) -> list[list[str]]:
        """Due paths not backing off, and failed paths whose backoff expired, in groups of one
        move each (or one path)."""
        groups = [[p for p in group if not self.backoff.should_wait(p)] for group in self.d.pending.take_due()]
        taken = {p for group in groups for p in group}
        groups += [[p] for p in self.backoff.due() if p not in taken and p not in self.d.pending]
        # In a watched folder that is missing now, a path would be recorded as deleted: dropped,
        # the reconcile when the folder is back looks at everything in it.
        groups = [[p for p in group if self.d.missing_folder_of(p) is None] for group in groups]
        return [group for group in groups if group]

    def _idle_timeout(self) -> float:
        deadline = self.d.pending.next_deadline()
        if deadline is None:
            return 1.0
        return min(max(deadline - time.monotonic(), 0.005), 1.0)

    def _call(self, request: tuple) -> dict[str, int]:
        """One request to the ingest process; the folders it could not read go to the daemon."""
        counts, unreadable = self.process.call(request, ingest_timeout_seconds())
        if unreadable:
            self.d.folders_unreadable(unreadable)
        return counts

    # ---- ingest

    def ingest(self, groups: list[list[str]]) -> None:
        """Ingest groups of paths in small batches, stopping between batches when asked to."""
        left = sum(map(len, groups))
        for batch in batches(groups, INGEST_BATCH):
            if self.d.stopping.is_set():
                # Not lost: a change not ingested now is found by the reconcile at the next start.
                log.info("stopping: %d changed paths left for the next start", left)
                return
            self._ingest_batch(batch)
            left -= sum(map(len, batch))

    def _ingest_batch(self, batch: list[list[str]], trigger: str = "event") -> None:
        """Ingest a batch of groups in one call; when it fails or stalls, halve it until the
        culprit is alone (a move is split only when it is all that is left)."""
        paths = [p for group in batch for p in group]
        try:
            counts = self._call(("ingest", paths, trigger))
        except (IngestTimeout, IngestFailed) as e:
            if self.d.stopping.is_set():
                return  # killed at shutdown, not a fault of these files
            if len(paths) == 1:
                self._failed(paths[0], e)
            else:
                for half in halves(batch):
                    self._ingest_batch(half, trigger)
            return
        for path in paths:
            self.backoff.succeeded(path)
        self.d.record_progress(trigger, counts)

    def _failed(self, path: str, error: Exception) -> None:
        delay = self.backoff.failed(path)
        stage = "timeout" if isinstance(error, IngestTimeout) else "ingest"
        log.error("%s: %s (%s); the rest goes on, retrying this file in %.0f s", path,
                  "extraction hung" if stage == "timeout" else "could not be ingested", error, delay)
        self.d.record_error(path, stage, str(error))

    # ---- reconcile

    def reconcile(self, trigger: str) -> None:
        """Walk every watched folder and ingest what differs from the database."""
        started = time.monotonic()
        missing = [root for root in self.d.config.watch_paths if not root.is_dir()]
        if missing:
            try:
                self._reconcile_without(missing, trigger)
            finally:
                if trigger == "start":
                    self.d.ready.set()
            return
        log.info("reconciling (%s)", trigger)
        try:
            counts = self._call(("reconcile", trigger))
        except IngestTimeout:
            if not self.d.stopping.is_set():
                log.error("reconcile (%s) stalled on one document; reconciling folder by folder to "
                          "isolate it", trigger)
                self._reconcile_piecewise(trigger)
        except IngestFailed as e:
            if not self.d.stopping.is_set():
                log.error("reconcile (%s) failed: %s", trigger, e)
                self.d.record_error(", ".join(str(p) for p in self.d.config.watch_paths), "reconcile", str(e))
        else:
            log.info("reconciled (%s) in %.2f s: %s", trigger, time.monotonic() - started, _describe(counts))
            self.d.record_progress(trigger, counts, reconcile=True)
        finally:
            if trigger == "start":
                self.d.ready.set()

    def reconcile_folder(self, folder: Path, trigger: str) -> None:
        """Reconcile one watched folder (one that events cannot be had from). Done as an ingest of
        the folder, which walks it and records what is gone under it, with the document paths of
        the configured folders (a reconcile given one of several roots would name them apart)."""
        if not folder.is_dir() or folder not in self.d.config.watch_paths:
            return  # gone meanwhile (the supervisor reports it) or no longer configured
        started = time.monotonic()
        try:
            counts = self._call(("ingest", [str(folder)], trigger))
        except IngestTimeout:
            if not self.d.stopping.is_set():
                log.error("reconcile of %s (%s) stalled on one document; reconciling it entry by entry "
                          "to isolate it", folder, trigger)
                self._reconcile_piecewise(trigger, [folder])
        except IngestFailed as e:
            if not self.d.stopping.is_set():
                log.error("reconcile of %s (%s) failed: %s", folder, trigger, e)
                self.d.record_error(str(folder), "reconcile", str(e))
        else:
            log.info("reconciled %s (%s) in %.2f s: %s", folder, trigger, time.monotonic() - started,
                     _describe(counts))
            self.d.record_progress(trigger, counts, reconcile=True)

    def _reconcile_without(self, missing: list[Path], trigger: str) -> None:
        """A reconcile while watched folders are missing: a missing folder is never taken for an
        empty one (its documents would all be recorded as deleted, and as new again when it is
        back; `monitor scan` refuses it too). The others are reconciled entry by entry; the
        missing ones are when they are back (the supervisor asks for that reconcile)."""
        present = [root for root in self.d.config.watch_paths if root not in missing]
        log.warning("reconcile (%s): %s missing, %s", trigger, ", ".join(map(str, missing)),
                    "reconciling the other folders" if present else "nothing to reconcile until it is back")
        if present:
            self._reconcile_piecewise(trigger, present)

    def _reconcile_piecewise(self, trigger: str, roots: list[Path] | None = None) -> None:
        """A reconcile that stalls is redone entry by entry, descending into the folder that
        stalls, so the hanging file ends up alone, recorded and backed off; the rest is ingested.
        Documents whose files are gone are then ingested by path, which records their deletion."""
        roots = self.d.config.watch_paths if roots is None else roots
        for root in roots:
            self._ingest_tree(root, trigger)
        inside = tuple(os.path.join(os.path.realpath(root), "") for root in roots)  # as the scanner's roots
        gone = [[p] for p in self.d.scanner.present_files() if not os.path.lexists(p) and p.startswith(inside)]
        for batch in batches(gone, INGEST_BATCH):
            self._ingest_batch(batch, trigger)

    def _ingest_tree(self, folder: Path, trigger: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as e:
            log.warning("cannot list %s: %s", folder, e)
            return
        for entry in entries:
            if self.d.stopping.is_set() or self.d.is_ignored(entry.path):
                continue
            if entry.is_dir(follow_symlinks=False):
                try:
                    self._call(("ingest", [entry.path], trigger))
                except IngestTimeout:
                    self._ingest_tree(Path(entry.path), trigger)
                except IngestFailed as e:
                    self._failed(entry.path, e)
            elif not self.backoff.should_wait(entry.path):
                self._ingest_batch([[entry.path]], trigger)


def batches(groups: list[list[str]], size: int) -> Iterator[list[list[str]]]:
    """Consecutive groups packed into batches of at most `size` paths; a group is never split
    (one larger than `size` is a batch of its own)."""
    batch: list[list[str]] = []
    count = 0
    for group in groups:
        if batch and count + len(group) > size:
            yield batch
            batch, count = [], 0
        batch.append(group)
        count += len(group)
    if batch:
        yield batch


def halves(batch: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """A batch of groups cut in two between groups; a batch of one group, between its paths."""
    if len(batch) == 1:
        batch = [[path] for path in batch[0]]
    middle = len(batch) // 2
    return batch[:middle], batch[middle:]


# --------------------------------------------------------------------------------------------
# The daemon


@dataclass
class Activity:
    """What the daemon has done since it started, shown by `monitor status` via the lock file."""

    reconciles: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    observer_restarts: int = 0
    overflows: int = 0

    def add(self, counts: dict[str, int]) -> None:
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value


@dataclass
class UnreadableFolder:
    """A folder in a watched one that a scan could not list: inotify refuses it too (EACCES), and
    watchdog then skips it without a word."""

    reason: str
    since: str


@dataclass
class UnwatchedFolder:
    """A watched folder that is there but cannot be watched: why, since when, how often tried."""

    reason: str
    since: str
    attempts: int = 1
    retry_at: float = 0.0  # time.monotonic() of the next attempt


class Daemon:
    """`monitor run`: `Daemon(config).run()` returns the exit status once stopped by a signal."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.db_path = config.database_path
        self.lock = DaemonLock(self.db_path)
        self.pending = PendingPaths(config.watch.debounce_seconds)
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.activity = Activity()
        self.db: Any = None
        self.scanner: Any = None
        self.observer: Any = None
        self.scheduler: BackgroundScheduler | None = None
        self.worker: IngestWorker | None = None
        self._missing_roots: set[Path] = set()
        # Folders that are there but could not be watched, and when to try again (main thread only).
        self._unwatched: dict[Path, UnwatchedFolder] = {}
        self._handler: EventRecorder | None = None
        # The watched folders and the (device, inode) each had when its watch was added: inotify
        # follows that inode, so a folder moved away or replaced is only noticed by comparing.
        self._watched_roots: dict[Path, tuple[int, int]] = {}
        # (path, reason) of what the watcher missed, for the worker to record: the observer thread
        # and the main thread never write the database.
        self._watch_problems: list[tuple[str, str]] = []
        self._watch_problems_lock = threading.Lock()
        self._status_lock = threading.Lock()
        # Set by signal handlers, read by the main thread. Plain attributes: a handler must not
        # take a lock (threading.Event.set does) the interrupted main thread might be holding.
        self._stop_signal: int | None = None
        self._reload_requested = False
        # Folders in the watched ones that a scan could not list, by absolute path: added by the
        # worker, dropped by the main thread once they can be read (then watched and reconciled).
        self._unreadable: dict[str, UnreadableFolder] = {}
        self._unreadable_lock = threading.Lock()
        # (watched folder, the OS's reason) when watchdog could not watch it again after an
        # overflow: set on the observer thread, acted on by the main thread (a restart).
        self._rebuild_failed: tuple[str, str] | None = None
        self._overflow_detector = OverflowDetector(self._on_overflow, self._on_rebuild_failed)

    # ---- life cycle

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; raise `AlreadyRunning` if another daemon has the database."""
        self.lock.acquire()
        log.info("monitor daemon %d starting: database %s, watching %s", os.getpid(), self.db_path,
                 ", ".join(str(p) for p in self.config.watch_paths))
        self._install_signal_handlers()
        logging.getLogger("watchdog.observers").addHandler(self._overflow_detector)
        try:
            self.db = open_store(self.db_path)
            self.scanner = self._make_scanner(self.config)
            # The observer starts before the start reconcile so that nothing changed during the
            # walk is missed; those events simply queue up as pending paths.
            self._start_observer()
            self.lock.update(state="reconciling")
            self.worker = IngestWorker(self)
            self.worker.request_reconcile("start")
            self.worker.start()
            self._supervise(until_ready=True)
            if not self.stopping.is_set():
                self._start_scheduler()
                self.lock.update(state="ready", ready_at=utcnow())
                sd_notify("READY=1\nSTATUS=watching")
                watching = len(self._watched_roots)
                log.info("ready: watching %d of %d folder(s), debounce %.2f s", watching,
                         len(self.config.watch_paths), self.pending.quiet)
                self._supervise(until_ready=False)
        finally:
            self._shutdown()
        return 0

    def _supervise(self, *, until_ready: bool) -> None:
        """The main thread's loop: signals, reloads, health; returns on stop (or when ready)."""
        last_check = time.monotonic()
        while True:
            if self._stop_signal is not None:
                log.info("received %s: stopping", signal.Signals(self._stop_signal).name)
                self.stopping.set()
                return
            if self.worker is not None and not self.worker.is_alive() and not self.stopping.is_set():
                log.error("the ingest worker stopped unexpectedly; exiting so that a supervisor restarts us")
                self.stopping.set()
                raise SystemExit(1)
            if until_ready and self.ready.is_set():
                return
            if self._reload_requested:
                self._reload_requested = False
                self.reload()
            if time.monotonic() - last_check >= HEALTH_CHECK_INTERVAL_SECONDS:
                last_check = time.monotonic()
                self._check_observer()
            time.sleep(SUPERVISE_INTERVAL_SECONDS)

    def _shutdown(self) -> None:
        """Stop taking work, let the worker finish the document in hand, release everything."""
        deadline = time.monotonic() + SHUTDOWN_BUDGET_SECONDS
        self.stopping.set()
        sd_notify("STOPPING=1")
        self.lock.update(state="stopping")
        logging.getLogger("watchdog.observers").removeHandler(self._overflow_detector)
        if self.scheduler is not None and self.scheduler.running:
            # wait=False: APScheduler waits for running jobs with no timeout; a digest delivery in
            # flight is safe to abandon (delivery is recorded per channel, exactly once).
            self.scheduler.shutdown(wait=False)
        self._stop_observer(timeout=1.0)
        self.pending.wake()
        if self.worker is not None:
            self.worker.join(max(deadline - time.monotonic(), 0.1))
            if self.worker.is_alive():
                log.warning("the work in hand did not finish in time; its open transaction is rolled "
                            "back and the next start ingests it again")
                self.worker.process.kill()
                self.worker.join(1.0)
        clean = self.worker is None or not self.worker.is_alive()
        if clean and self.db is not None:
            self.db.conn.close()
        self.lock.release()
        log.info("stopped")
        for handler in logging.getLogger().handlers:
            handler.flush()
        if not clean or _busy_threads():
            # A job thread (a hung SMTP delivery, say) or a worker stuck inside one document would
            # keep the interpreter from exiting: concurrent.futures threads are joined at exit.
            # SQLite makes this safe (the open transaction rolls back), and SIGTERM must exit.
            os._exit(0)

    # ---- signals

    def _install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_stop_signal)
        signal.signal(signal.SIGINT, self._on_stop_signal)
        signal.signal(signal.SIGHUP, self._on_reload_signal)

    def _on_stop_signal(self, signum: int, frame: object) -> None:
        if self._stop_signal is not None:
            os._exit(1)  # a second Ctrl-C: the user wants out now; SQLite rolls back what was open
        self._stop_signal = signum

    def _on_reload_signal(self, signum: int, frame: object) -> None:
        self._reload_requested = True

    # ---- configuration

    def reload(self) -> None:
        """SIGHUP: load the config file again; an invalid one is reported and the old one kept."""
        source = self.config.source
        try:
            new = load_config(source)
        except ConfigError as e:
            log.error("config reload failed, still running on the previous config: %s", e)
            return
        if new.database_path != self.db_path:
            # The lock and the open connections belong to this database (it may also come from
            # `--db`): keep it, and say that switching needs a restart.
            log.warning("config reload: database.path is only read at start; still using %s", self.db_path)
            new.database.path = str(self.db_path)
        try:
            scanner = self._make_scanner(new)
        except Exception as e:  # noqa: BLE001 - a config the scanner rejects is just as invalid
            log.error("config reload failed, still running on the previous config: %s", e)
            return
        old, self.config = self.config, new
        self.scanner = scanner
        if self.worker is not None:
            self.worker.request_config(new)
        self.pending.set_quiet(new.watch.debounce_seconds)
        if self.scheduler is not None and old.schedule != new.schedule:
            self._schedule_jobs(replace=True)
        if old.watch != new.watch or old.extract != new.extract:
            if old.watch.paths != new.watch.paths:
                self._restart_observer("the watched folders changed")
            elif self.worker is not None:
                self.worker.request_reconcile("reload")
        log.info("config reloaded from %s", source)
        self.lock.update(config_reloaded_at=utcnow())

    def _make_scanner(self, config: Config) -> Any:
        """The core's Scanner, used here only for `is_ignored`, `document_path` and `present_files`
        (ingest runs in IngestProcess)."""
        from monitor.scan import Scanner  # imported here so that lock/status stay light

        return Scanner(self.db, config)

    def is_ignored(self, path: str) -> bool:
        """As the scanner says (the database, its WAL and lock file, the reports folder included).
        The observer holds this method, not the scanner's: a reload replaces the scanner."""
        return bool(self.scanner.is_ignored(path))

    # ---- observer

    def _start_observer(self) -> None:
        """A new observer, started empty, then each watched folder added to it on its own: a folder
        that cannot be watched (inotify's watch limit reached) then fails alone, and is retried
        with backoff, instead of failing the observer's start and with it every health check."""
        handler = EventRecorder(self.pending, self.is_ignored)
        self._rebuild_failed = None  # a new observer adds every watch afresh
        was_missing, self._missing_roots, self._watched_roots = self._missing_roots, set(), {}
        self._forget_unreadable_outside(self.config.watch_paths)
        self._unwatched = {root: state for root, state in self._unwatched.items() if root in self.config.watch_paths}
        observer: Any = None
        failure: OSError | None = None
        try:
            observer = Observer()  # its inotify instance: EMFILE when the instance limit is reached
            observer.start()
        except OSError as e:
            failure = e
            if observer is not None:
                self._stop(observer, timeout=1.0)
            observer = None
        self.observer, self._handler = observer, handler
        for root in self.config.watch_paths:
            identity = _folder_identity(root)
            if identity is None:
                self._unwatched.pop(root, None)  # missing says more than unwatchable
                self._folder_missing(root, reported=root in was_missing)
            else:
                self._watch_folder(root, identity, failure)
        self._update_watch_status()

    def _watch_folder(self, root: Path, identity: tuple[int, int], failure: OSError | None = None) -> None:
        """Add `root` to the observer; when it was not watchable until now, say it is again and
        reconcile it (nothing told of its changes since its last fallback reconcile)."""
        try:
            if failure is not None or self.observer is None:
                raise failure or OSError("no file watcher")
            self.observer.schedule(self._handler, str(root), recursive=True, event_filter=WATCHED_EVENTS)
        except OSError as e:
            self._watch_failed(root, e)
            return
        self._watched_roots[root] = identity
        state = self._unwatched.pop(root, None)
        if state is not None:
            log.warning("watching %s again (it could not be watched since %s, %d attempts): reconciling it",
                        root, state.since, state.attempts)
            if self.worker is not None:
                self.worker.request_reconcile("fallback", root)

    def _watch_failed(self, root: Path, error: OSError) -> None:
        """`root` is there but cannot be watched: say so once per incident, retry with backoff, and
        reconcile it at each retry so that nothing written there is missed for long."""
        state = self._unwatched.get(root)
        if state is None:
            reason = _os_reason(error)
            state = self._unwatched[root] = UnwatchedFolder(reason=reason, since=utcnow())
            log.error("cannot watch %s: %s%s; reconciling it instead, every %g s doubling to %g s, until "
                      "watching it works again", root, reason, _limit_hint(error),
                      WATCH_RETRY_BASE_SECONDS, WATCH_RETRY_MAX_SECONDS)
            self.report_watch_problem(str(root), UNWATCHABLE_REASON.format(
                error=reason, hint=_limit_hint(error), base=WATCH_RETRY_BASE_SECONDS, cap=WATCH_RETRY_MAX_SECONDS))
        else:
            state.attempts += 1
            log.debug("still cannot watch %s: %s (attempt %d)", root, _os_reason(error), state.attempts)
        delay = min(WATCH_RETRY_BASE_SECONDS * 2 ** (state.attempts - 1), WATCH_RETRY_MAX_SECONDS)
        state.retry_at = time.monotonic() + delay
        if self.worker is not None:  # at start, the start reconcile is the first fallback
            self.worker.request_reconcile("fallback", root)

    def _retry_unwatched(self) -> None:
        """Try again to watch the folders whose retry time has come."""
        now = time.monotonic()
        due = [root for root, state in self._unwatched.items() if state.retry_at <= now]
        if not due:
            return
        if self.observer is None:
            # Not even an inotify instance could be had: a new observer tries every folder.
            self._start_observer()
            return
        for root in due:
            identity = _folder_identity(root)
            if identity is None:
                del self._unwatched[root]
                self._folder_missing(root, reported=False)
            else:
                self._watch_folder(root, identity)
        self._update_watch_status()

    def _folder_missing(self, root: Path, *, reported: bool) -> None:
        if not reported:  # said once per absence, not at every restart
            log.error("watched folder %s is missing: nothing in it is watched, and its documents "
                      "are kept as they were, until it is back (checked every %.0f s)",
                      root, HEALTH_CHECK_INTERVAL_SECONDS)
            self.report_watch_problem(str(root), MISSING_REASON)
        self._missing_roots.add(root)

    def _update_watch_status(self) -> None:
        self._update_unreadable_status()
        self._update_status(
            missing_folders=sorted(str(root) for root in self._missing_roots),
            unwatched_folders=[{"path": str(root), "reason": state.reason, "since": state.since,
                                "attempts": state.attempts} for root, state in sorted(self._unwatched.items())])

    def _stop_observer(self, timeout: float) -> None:
        observer, self.observer = self.observer, None
        if observer is not None:
            self._stop(observer, timeout)

    @staticmethod
    def _stop(observer: Any, timeout: float) -> None:
        try:
            observer.stop()
            observer.join(timeout)
        except Exception:  # noqa: BLE001 - a broken observer is being replaced or we are exiting
            log.debug("error while stopping the observer", exc_info=True)

    def observer_healthy(self) -> bool:
        """The observer's threads are all alive: its dispatcher, one emitter per folder and, with
        inotify, the thread that reads the inotify descriptor. When that reader dies (an error
        reading the descriptor, a bug in watchdog) the others live on, waiting for events that
        never come."""
        observer = self.observer
        if observer is None:
            return False
        # InotifyObserver keeps its reader in a private attribute (watchdog 7.1, pinned below 8).
        reader = getattr(observer, "_inotify_fd", None)
        threads = [observer, *observer.emitters, *([reader] if isinstance(reader, threading.Thread) else [])]
        return all(thread.is_alive() for thread in threads)

    def _check_observer(self) -> None:
        if self.observer is None:
            # No observer could be made: nothing to check, every folder waits for its retry.
            self._retry_unwatched()
            if any(root.is_dir() for root in self._missing_roots):
                self._restart_observer("a missing watched folder is back")
            return
        moved = [root for root, identity in self._watched_roots.items() if _folder_identity(root) != identity]
        if moved:
            # Checked first: a deleted folder also stops its emitter, and this says why.
            replaced = [root for root in moved if root.is_dir()]
            for root in replaced:
                self.report_watch_problem(str(root), REPLACED_REASON)
            gone = ", ".join(str(root) for root in moved if root not in replaced)
            self._restart_observer(f"watched folder {gone} disappeared" if gone else
                                   f"watched folder {', '.join(map(str, replaced))} was replaced")
        elif not self.observer_healthy():
            self.activity.observer_restarts += 1
            self._update_status(observer_restarts=self.activity.observer_restarts)
            self.report_watch_problem(self._watched_folders(), WATCHER_STOPPED_REASON)
            self._restart_observer("the file watcher stopped")
        elif self._rebuild_failed is not None:
            # Deaf although every thread lives: the restart adds the watches again, and a folder
            # that still cannot be watched goes the way of any (retried, reconciled meanwhile).
            folder, reason = self._rebuild_failed
            self.activity.observer_restarts += 1
            self._update_status(observer_restarts=self.activity.observer_restarts)
            self.report_watch_problem(folder or self._watched_folders(), REBUILD_FAILED_REASON.format(error=reason))
            self._restart_observer(f"after an inotify queue overflow the file watcher could not watch "
                                   f"{folder or 'the folders'} again ({reason})")
        elif any(root.is_dir() for root in self._missing_roots):
            back = ", ".join(str(root) for root in self._missing_roots if root.is_dir())
            self._restart_observer(f"watched folder {back} is back")
        elif readable := self._readable_again():
            # watchdog never watched them (inotify refused them while they could not be read) and
            # no event says they changed: a new observer watches them, and the reconcile reads them.
            self._restart_observer(f"{', '.join(readable)} can be read again")
        else:
            self._retry_unwatched()

    def _restart_observer(self, reason: str) -> None:
        """Replace the observer and reconcile, since events were lost while it was down."""
        log.warning("%s: restarting the file watcher and reconciling", reason)
        self._stop_observer(timeout=1.0)
        self._start_observer()
        if self.worker is not None:
            self.worker.request_reconcile("restart")

    def _on_overflow(self) -> None:
        # Called on the observer thread (inside watchdog's logging call): only ask for a reconcile.
        if self.stopping.is_set():
            return  # removing thousands of watches at shutdown can look like an overflow
        self.activity.overflows += 1
        self.report_watch_problem(self._watched_folders(), OVERFLOW_REASON)
        if self.worker is not None:
            self.worker.request_reconcile("overflow")

    def _on_rebuild_failed(self, folder: str, error: BaseException | None) -> None:
        # Called on the observer thread, inside watchdog's own logging call (so no logging here):
        # the main thread restarts the observer, and says why.
        if self.stopping.is_set():
            return
        reason = _os_reason(error) if isinstance(error, OSError) else str(error or "unknown error")
        self._rebuild_failed = (folder, reason)

    # ---- folders that cannot be read

    def folders_unreadable(self, folders: dict[str, str]) -> None:
        """Folders a scan could not list (the worker calls this): said once each, shown by
        `monitor status` until they can be read. inotify refuses them as well, and watchdog skips
        them without a word, so nothing in them is watched; their documents were kept."""
        with self._unreadable_lock:
            new = {folder: reason for folder, reason in folders.items() if folder not in self._unreadable}
            for folder, reason in new.items():
                self._unreadable[folder] = UnreadableFolder(reason=reason, since=utcnow())
        for folder, reason in new.items():
            log.warning("cannot read %s (%s): nothing in it can be watched or ingested, and its documents "
                        "are kept as they were, until it can be read (checked every %.0f s; a folder not "
                        "meant to be read belongs in watch.exclude)", folder, reason, HEALTH_CHECK_INTERVAL_SECONDS)
        if new:
            self._update_unreadable_status()

    def _readable_again(self) -> list[str]:
        """Unreadable folders that can be read now (dropped from the list, as are those gone)."""
        with self._unreadable_lock:
            folders = list(self._unreadable)
        readable, gone = [], []
        for folder in folders:
            try:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # what both listing and inotify need
            except (FileNotFoundError, NotADirectoryError):
                gone.append(folder)
                continue
            except OSError:
                continue
            os.close(fd)
            readable.append(folder)
        if readable or gone:
            with self._unreadable_lock:
                for folder in readable + gone:
                    self._unreadable.pop(folder, None)
            for folder in gone:
                log.info("%s, which could not be read, is gone", folder)
            self._update_unreadable_status()
        return readable

    def _forget_unreadable_outside(self, roots: list[Path]) -> None:
        inside = tuple(os.path.realpath(root) for root in roots)
        with self._unreadable_lock:
            dropped = [f for f in self._unreadable if not any(f == r or f.startswith(r + os.sep) for r in inside)]
            for folder in dropped:
                del self._unreadable[folder]

    def _update_unreadable_status(self) -> None:
        with self._unreadable_lock:
            folders = [{"path": folder, "reason": state.reason, "since": state.since}
                       for folder, state in sorted(self._unreadable.items())]
        self._update_status(unreadable_folders=folders)

    def _watched_folders(self) -> str:
        return ", ".join(str(root) for root in self.config.watch_paths)

    def missing_folder_of(self, path: str) -> Path | None:
        """The watched folder holding `path` if that folder is missing now (None otherwise)."""
        for root in self.config.watch_paths:
            if (path == str(root) or path.startswith(str(root) + os.sep)) and not root.is_dir():
                return root
        return None

    # ---- what the watcher missed

    def report_watch_problem(self, path: str, reason: str) -> None:
        """Keep `reason` for the worker to record; safe on any thread (the observer's included)."""
        with self._watch_problems_lock:
            self._watch_problems.append((path, reason))
        self.pending.wake()

    def record_watch_problems(self) -> None:
        """Write the reported watcher problems to `errors`, where `monitor status` and the digest's
        health section read them (the worker calls this: it is the thread that writes). Each is
        its own row, never merged with an earlier identical one: each is a new incident."""
        with self._watch_problems_lock:
            problems, self._watch_problems = self._watch_problems, []
        if not problems:
            return
        try:
            with write_transaction(self.db):
                for path, reason in problems:
                    insert_row(self.db, "errors", {"path": path, "occurred_at": utcnow(), "stage": "watch",
                                                   "reason": reason})
        except Exception:  # noqa: BLE001 - the log lines said it already
            log.exception("could not record the watcher's problems %s", problems)
        self._update_status(overflows=self.activity.overflows, observer_restarts=self.activity.observer_restarts)

    def _update_status(self, **status: Any) -> None:
        with self._status_lock:
            self.lock.update(**status)

    # ---- what the worker reports

    def record_progress(self, trigger: str, counts: dict[str, int], *, reconcile: bool = False) -> None:
        """Count what an ingest or reconcile did, log it, and show it in the lock file."""
        with self._status_lock:
            if reconcile:
                self.activity.reconciles += 1
            self.activity.add(counts)
            if not reconcile and any(counts.get(k) for k in ("new", "changed", "deleted", "moved", "errors")):
                log.info("ingested %s", _describe(counts))
            status: dict[str, Any] = {"totals": dict(self.activity.counts),
                                      "reconciles": self.activity.reconciles,
                                      "observer_restarts": self.activity.observer_restarts,
                                      "overflows": self.activity.overflows,
                                      "pending": len(self.pending)}
            if reconcile:
                status.update(last_reconcile_at=utcnow(), last_reconcile_trigger=trigger, last_reconcile=counts)
            else:
                status.update(last_ingest_at=utcnow())
            self.lock.update(**status)

    def record_error(self, path: str, stage: str, reason: str) -> None:
        """Keep a failure where users look for them (the `errors` table, by document path, as the
        scanner records its own, a retry's repeat left out); never raise."""
        from monitor.scan import insert_error

        self.activity.errors += 1
        try:
            path = self.scanner.document_path(path) or path
            with write_transaction(self.db):
                insert_error(self.db, path, stage, reason)
        except Exception:  # noqa: BLE001 - the log line is the fallback
            log.exception("could not record the error for %s", path)
        self.lock.update(errors=self.activity.errors)

    # ---- scheduled jobs

    def _start_scheduler(self) -> None:
        # Executors: two threads are enough (a reconcile request and a digest); jobs never overlap
        # themselves (max_instances=1 below). The job store is the default MemoryJobStore: jobs are
        # re-added with fixed ids at every start, and the catch-up of a missed digest is decided
        # from our own database, not from pickled scheduler state.
        self.scheduler = BackgroundScheduler(executors={"default": {"type": "threadpool", "max_workers": 2}})
        self._schedule_jobs(replace=False)
        # Catch up at start: a digest missed while the daemon was down, or changes not yet told.
        self.scheduler.add_job(self.run_digest, "date", args=["start"], id="digest-at-start",
                               misfire_grace_time=None)
        self.scheduler.start()

    def _schedule_jobs(self, *, replace: bool) -> None:
        assert self.scheduler is not None
        schedule = self.config.schedule
        hour, minute = (int(part) for part in schedule.digest_time.split(":"))
        # Periodic reconcile, in UTC so that DST never stretches or skips an interval. The job only
        # asks the worker for a reconcile, so it returns at once.
        #   coalesce=True: after a suspend or a stall, the overdue runs make one reconcile;
        #   max_instances=1: never two at the same time (the worker merges requests anyway);
        #   misfire_grace_time=None: a late reconcile is still worth running, however late.
        self.scheduler.add_job(
            self._scheduled_reconcile, IntervalTrigger(minutes=schedule.rescan_minutes, timezone="UTC"),
            id="reconcile", replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=None,
        )
        # The daily digest at the configured local time (the scheduler's zone is the local one).
        #   coalesce=True: a machine asleep over several digest times sends one digest, not several;
        #   max_instances=1: a slow SMTP server never leads to two digests being built at once;
        #   misfire_grace_time=None: the default (1 s) would silently skip a digest whenever the
        #   machine was busy or asleep at 08:00; a late digest is better than none.
        self.scheduler.add_job(
            self.run_digest, CronTrigger(hour=hour, minute=minute), args=["schedule"],
            id="digest", replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=None,
        )
        if replace:
            log.info("schedule: reconcile every %g min, digest at %s", schedule.rescan_minutes, schedule.digest_time)

    def _scheduled_reconcile(self) -> None:
        if self.worker is not None:
            self.worker.request_reconcile("schedule")

    def run_digest(self, trigger: str) -> None:
        """Build a digest of what changed since the last one, and deliver every pending digest.

        `trigger` is "schedule" (the daily job) or "start". At start a digest is built when there
        are changes not told yet (the first run on a folder reports its facts as added) or when
        a scheduled digest was missed while the daemon was down; otherwise `build_digest` finds
        nothing to tell and records no digest. Runs on a scheduler thread with its own
        connection: delivery may wait on a mail server while ingest goes on.
        """
        from monitor import delivery, digest  # loaded when first needed: the daemon starts faster

        db = open_store(self.db_path, migrate=False)
        try:
            if trigger == "start" and _missed_scheduled_digest(db, self.config, digest):
                trigger = "schedule"  # this is the missed daily digest, late
                log.info("a scheduled digest was missed while stopped: building it now")
            # With notify_unchanged a digest is built even with no news: at start only if there is news.
            quiet_start = (trigger == "start" and self.config.reports.notify_unchanged
                           and not digest.pending_changes(db, None))
            if not quiet_start:
                built = digest.build_digest(db, self.config, trigger=trigger)
                if built is not None:
                    log.info("digest %s built (%s): %d change(s)", built.id, trigger, built.change_count)
            for result in delivery.deliver_pending(db, self.config):
                if result.delivered:
                    log.info("digest %s delivered by %s", result.digest_id, result.channel)
                else:
                    log.warning("digest %s not delivered by %s: %s", result.digest_id, result.channel, result.error)
            self.lock.update(last_digest_run_at=utcnow())
        except Exception:  # noqa: BLE001 - logged; the next digest time or start tries again
            log.exception("the digest job (%s) failed", trigger)
        finally:
            db.conn.close()


def _missed_scheduled_digest(db: Any, config: Config, digest: Any) -> bool:
    """True when a daily digest time passed since the last scheduled digest run."""
    from datetime import datetime, timezone

    row = db.execute("SELECT max(ran_at) FROM digest_runs WHERE trigger = 'schedule'").fetchone()
    if not row or not row[0]:
        return False  # never ran on schedule: nothing was missed
    last = parse_utc(row[0])
    return digest.next_digest_due(last, config.schedule.digest_time) <= datetime.now(timezone.utc)


# --------------------------------------------------------------------------------------------
# Helpers


def _folder_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the folder at `path`; None when there is no folder there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _describe(counts: dict[str, int]) -> str:
    shown = [f"{v} {k}" for k, v in counts.items() if v]
    return ", ".join(shown) if shown else "nothing new"


def _os_reason(error: OSError) -> str:
    """The OS's reason for `error` with its errno name: 'inotify watch limit reached (ENOSPC)'."""
    import errno

    name = errno.errorcode.get(error.errno or 0)
    return f"{error.strerror or error} ({name})" if name else str(error)


def _limit_hint(error: OSError) -> str:
    """What to do when inotify runs out of watches or instances."""
    import errno

    if error.errno == errno.ENOSPC:
        return " (raise the limit with `sysctl fs.inotify.max_user_watches=524288`)"
    if error.errno == errno.EMFILE:
        return " (raise the limit with `sysctl fs.inotify.max_user_instances=512`)"
    return ""


def _busy_threads() -> list[threading.Thread]:
    """Non-daemon threads other than this one: they would hold the interpreter open at exit."""
    return [t for t in threading.enumerate()
            if t is not threading.current_thread() and not t.daemon and t.is_alive()]


def sd_notify(message: str) -> None:
    """Tell systemd (Type=notify) about readiness and shutdown; a no-op outside systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]  # an abstract socket
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as e:
        log.debug("sd_notify failed: %s", e)


def configure_logging(verbosity: int) -> None:
    """Log to stderr (systemd's journal keeps it): -1 (--quiet) warnings and errors, 0 info,
    1 (-v) debug from monitor, 2 (-vv) debug from watchdog and APScheduler too."""
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party chatter ("Added job", per-event debug lines) only when asked for twice.
    for name in ("apscheduler", "watchdog"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity > 1 else max(level, logging.WARNING))


def run_daemon(config: Config, verbosity: int = 0) -> int:
    """The body of `monitor run`: configure logging and run the daemon until it is stopped."""
    configure_logging(verbosity)
    return Daemon(config).run()
