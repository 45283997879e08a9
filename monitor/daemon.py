"""The daemon behind `monitor run`: watch the folders, ingest what changed, run the scheduled jobs.

Threads and who owns what:

* the **main thread** holds the lock, installs the signal handlers (which only set flags), and
  supervises: it restarts a dead observer, retries watch roots that were missing, reloads the
  config on SIGHUP and stops everything on SIGTERM/SIGINT;
* the **watchdog observer** calls `EventRecorder`, which only records paths in `PendingPaths`;
* the **ingest worker** is the only thread that writes documents: it takes the paths that have
  been quiet for the debounce time with a stable size/mtime and hands them to `Scanner.ingest`,
  and runs every reconcile (start, schedule, inotify overflow, observer restart);
* **APScheduler** (BackgroundScheduler) only asks the worker for a reconcile, and runs the digest
  job on its own database connection (delivery may wait on SMTP; ingest must not).

Watchdog events are hints, not truth: they are lost on a queue overflow, doubled on every save and
arrive for half-written files. So a path is only a reason to look, the scanner compares content
hashes (duplicate events make no version), and reconciles catch what the events missed.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

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
from monitor.lock import DaemonLock, lock_path
from monitor.store import open_store, utcnow, write_transaction

log = logging.getLogger("monitor.daemon")

# Exit within 5 s of SIGTERM: stop taking new work at once, give the document in hand this long.
SHUTDOWN_BUDGET_SECONDS = 4.0
# How often the main thread looks at its flags and at the observer's health.
SUPERVISE_INTERVAL_SECONDS = 0.1
HEALTH_CHECK_INTERVAL_SECONDS = 1.0
# A path written without pause for this long is ingested anyway (a log file appended forever);
# later writes make it pending again.
MAX_WAIT_SECONDS = 120.0
# Paths handed to one `Scanner.ingest` call: small enough that a stop request is honoured quickly
# (we finish the batch in hand), large enough that a burst of a thousand files is not a thousand
# scan records.
INGEST_BATCH = 25
# A path whose ingest failed is retried after 2, 4, 8 ... seconds, at most an hour, unless the
# file changes in between.
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 3600.0

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


class PendingPaths:
    """Paths that had events, released once quiet for `quiet` seconds and stable on disk.

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

    def touch(self, path: str) -> None:
        """Record an event for `path` (restarts its quiet period)."""
        now = self._clock()
        with self._cond:
            entry = self._paths.get(path)
            if entry is None:
                self._paths[path] = _PendingPath(first_event=now, last_event=now)
            else:
                entry.last_event = now
            self._cond.notify()

    def take_due(self) -> list[str]:
        """Remove and return the paths that are quiet and stable now, oldest first."""
        now = self._clock()
        due: list[tuple[float, str]] = []
        with self._cond:
            for path, entry in list(self._paths.items()):
                if self._is_due(path, entry, now):
                    due.append((entry.first_event, path))
                    del self._paths[path]
        return [path for _, path in sorted(due)]

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
        """The clock time at which `take_due` may next release something (None when empty)."""
        with self._cond:
            deadlines = []
            for entry in self._paths.values():
                if entry.sample is _UNSAMPLED or entry.sampled_at < entry.last_event:
                    deadlines.append(entry.last_event + self.quiet - self.settle)
                else:
                    deadlines.append(max(entry.last_event + self.quiet, entry.sampled_at + self.settle))
                deadlines.append(entry.first_event + self._max_wait)
            return min(deadlines) if deadlines else None

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


# --------------------------------------------------------------------------------------------
# Events: the handler only records


class EventRecorder(FileSystemEventHandler):
    """Turns watchdog events into pending paths; never does any work on the observer thread.

    A move records both ends (the source may be a document that is now gone, the destination a
    document that now exists: an atomic save moves a temp file over the document). Any exception is
    logged and swallowed: watchdog does not catch it and its observer thread would die.
    """

    def __init__(self, pending: PendingPaths, is_ignored: Callable[[str], bool]) -> None:
        self.pending = pending
        self.is_ignored = is_ignored

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            for path in _event_paths(event):
                if not self.is_ignored(path):
                    self.pending.touch(path)
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
    """Calls back when watchdog says the kernel's inotify queue overflowed (events were lost).

    watchdog sends no event for what was lost; its WARNING log line is the only signal.
    """

    def __init__(self, on_overflow: Callable[[], None]) -> None:
        super().__init__(level=logging.WARNING)
        self.on_overflow = on_overflow

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if "overflow" in record.getMessage().lower():
                self.on_overflow()
        except Exception:
            self.handleError(record)


# --------------------------------------------------------------------------------------------
# The ingest worker: the only thread that writes documents


class IngestWorker(threading.Thread):
    """Ingests quiet paths and runs reconciles, one at a time, until asked to stop."""

    def __init__(self, daemon: Daemon) -> None:
        super().__init__(name="monitor-ingest", daemon=True)
        self.d = daemon
        self.backoff = Backoff()
        self._reconcile_lock = threading.Lock()
        self._reconcile_trigger: str | None = None
        self.error: BaseException | None = None

    def request_reconcile(self, trigger: str) -> None:
        """Ask for a reconcile; several requests before it starts make one."""
        with self._reconcile_lock:
            if self._reconcile_trigger is None:
                self._reconcile_trigger = trigger
        self.d.pending.wake()

    def _take_reconcile_request(self) -> str | None:
        with self._reconcile_lock:
            trigger, self._reconcile_trigger = self._reconcile_trigger, None
            return trigger

    def run(self) -> None:
        try:
            while not self.d.stopping.is_set():
                trigger = self._take_reconcile_request()
                if trigger is not None:
                    self.d.reconcile(trigger)
                    continue
                paths = [p for p in self.d.pending.take_due() if not self.backoff.should_wait(p)]
                paths += [p for p in self.backoff.due() if p not in paths and p not in self.d.pending]
                if paths:
                    self.ingest(paths)
                    continue
                self.d.pending.wait(self._idle_timeout())
        except BaseException as e:  # noqa: BLE001 - reported by the supervisor, which stops
            self.error = e
            log.exception("the ingest worker failed")

    def _idle_timeout(self) -> float:
        deadline = self.d.pending.next_deadline()
        if deadline is None:
            return 1.0
        return min(max(deadline - time.monotonic(), 0.005), 1.0)

    def ingest(self, paths: list[str]) -> None:
        """Ingest `paths` in small batches, stopping between batches when asked to."""
        for start in range(0, len(paths), INGEST_BATCH):
            if self.d.stopping.is_set():
                # Not lost: a change not ingested now is found by the reconcile at the next start.
                log.info("stopping: %d changed paths left for the next start", len(paths) - start)
                return
            self._ingest_batch(paths[start:start + INGEST_BATCH])

    def _ingest_batch(self, batch: list[str]) -> None:
        try:
            summary = self.d.scanner.ingest(batch, trigger="event")
        except Exception as e:  # noqa: BLE001 - one bad document must not stop the daemon
            if len(batch) > 1:
                for path in batch:
                    self._ingest_batch([path])
                return
            self._failed(batch[0], e)
            return
        for path in batch:
            self.backoff.succeeded(path)
        self.d.record_progress("event", summary)

    def _failed(self, path: str, error: Exception) -> None:
        delay = self.backoff.failed(path)
        log.error("could not ingest %s (%s: %s); retrying in %.0f s", path, type(error).__name__, error, delay)
        self.d.record_error(path, "ingest", f"{type(error).__name__}: {error}")


# --------------------------------------------------------------------------------------------
# The daemon


@dataclass
class Activity:
    """What the daemon has done since it started, shown by `monitor status` via the lock file."""

    reconciles: int = 0
    ingest_batches: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    observer_restarts: int = 0
    overflows: int = 0

    def add(self, counts: dict[str, int]) -> None:
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value


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
        self._own_files = self._daemon_files(self.db_path)
        self._missing_roots: set[Path] = set()
        self._status_lock = threading.Lock()
        # Set by signal handlers, read by the main thread. Plain attributes: a handler must not
        # take a lock (threading.Event.set does) the interrupted main thread might be holding.
        self._stop_signal: int | None = None
        self._reload_requested = False
        self._overflow_detector = OverflowDetector(self._on_overflow)

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
                log.info("ready: watching %d folder(s), debounce %.2f s",
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
                log.warning("the document in hand did not finish in time; its transaction is rolled "
                            "back and the next start ingests it again")
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
            log.error("config reload: the database path cannot change while running (%s -> %s); "
                      "still running on the previous config, restart to switch", self.db_path, new.database_path)
            return
        try:
            scanner = self._make_scanner(new)
        except Exception as e:  # noqa: BLE001 - a config the scanner rejects is just as invalid
            log.error("config reload failed, still running on the previous config: %s", e)
            return
        old, self.config = self.config, new
        self.scanner = scanner
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
        from monitor.scan import Scanner  # the core's module; imported here so lock/status stay light

        return Scanner(self.db, config)

    # ---- what is never ingested

    @staticmethod
    def _daemon_files(db_path: Path) -> frozenset[str]:
        db = str(db_path)
        return frozenset({db, db + "-wal", db + "-shm", db + "-journal", str(lock_path(db_path))})

    def is_ignored(self, path: str) -> bool:
        """The database, its WAL and the lock file are never ingested; the rest as the scanner says."""
        if path in self._own_files:
            return True
        return bool(self.scanner.is_ignored(path))

    # ---- observer

    def _start_observer(self) -> None:
        observer = Observer()
        handler = EventRecorder(self.pending, self.is_ignored)
        self._missing_roots = set()
        for root in self.config.watch_paths:
            if not root.is_dir():
                log.warning("watched folder %s does not exist (yet); checking again every %.0f s",
                            root, HEALTH_CHECK_INTERVAL_SECONDS)
                self._missing_roots.add(root)
                continue
            try:
                observer.schedule(handler, str(root), recursive=True, event_filter=WATCHED_EVENTS)
            except OSError as e:
                log.error("cannot watch %s: %s%s", root, e, _limit_hint(e))
                self._missing_roots.add(root)
        try:
            observer.start()
        except OSError as e:
            log.error("cannot start the file watcher: %s%s", e, _limit_hint(e))
        self.observer = observer

    def _stop_observer(self, timeout: float) -> None:
        observer, self.observer = self.observer, None
        if observer is None:
            return
        try:
            observer.stop()
            observer.join(timeout)
        except Exception:  # noqa: BLE001 - a broken observer is being replaced or we are exiting
            log.debug("error while stopping the observer", exc_info=True)

    def observer_healthy(self) -> bool:
        observer = self.observer
        return (observer is not None and observer.is_alive()
                and all(emitter.is_alive() for emitter in observer.emitters))

    def _check_observer(self) -> None:
        if not self.observer_healthy():
            self.activity.observer_restarts += 1
            self._restart_observer("the file watcher stopped")
        elif any(root.is_dir() for root in self._missing_roots):
            self._restart_observer("a watched folder appeared")

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
        if self.worker is not None:
            self.worker.request_reconcile("overflow")

    # ---- work done on the worker thread

    def reconcile(self, trigger: str) -> None:
        """Walk every watched folder and ingest what differs from the database."""
        started = time.monotonic()
        log.info("reconciling (%s)", trigger)
        self.lock.update(state="reconciling" if not self.ready.is_set() else "ready")
        try:
            summary = self.scanner.reconcile(trigger=trigger)
        except Exception as e:  # noqa: BLE001 - the next reconcile will try again
            log.exception("reconcile (%s) failed", trigger)
            self.record_error(",".join(str(p) for p in self.config.watch_paths), "reconcile",
                              f"{type(e).__name__}: {e}")
        else:
            counts = _summary_counts(summary)
            self.activity.reconciles += 1
            log.info("reconciled (%s) in %.2f s: %s", trigger, time.monotonic() - started, _describe(counts))
            self.record_progress(trigger, summary, reconcile=True)
        finally:
            if trigger == "start":
                self.ready.set()

    def record_progress(self, trigger: str, summary: Any, *, reconcile: bool = False) -> None:
        counts = _summary_counts(summary)
        with self._status_lock:
            self.activity.add(counts)
            if not reconcile:
                self.activity.ingest_batches += 1
                if any(counts.get(k) for k in ("new", "changed", "deleted", "moved", "errors")):
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
        """Keep a failure where users look for them (the `errors` table); never raise."""
        self.activity.errors += 1
        try:
            with write_transaction(self.db):
                self.db["errors"].insert({"path": path, "occurred_at": utcnow(), "stage": stage, "reason": reason})
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
        """Build a digest of what changed since the last one and deliver pending digests.

        Runs on a scheduler thread with its own connection: delivery may wait on a mail server,
        and ingest goes on meanwhile (write transactions take the lock with BEGIN IMMEDIATE).
        """
        try:
            from monitor import digest  # the digest engineer's module, imported when first needed
        except ImportError as e:
            log.warning("digests are not available: %s", e)
            return
        db = open_store(self.db_path, migrate=False)
        try:
            built = digest.build_digest(db, self.config)
            if built is not None:
                log.info("digest built (%s)", trigger)
            digest.deliver_pending(db, self.config)
            self.lock.update(last_digest_at=utcnow(), last_digest_trigger=trigger)
        except Exception:  # noqa: BLE001 - logged; the next digest time or start tries again
            log.exception("the digest job (%s) failed", trigger)
        finally:
            db.conn.close()


# --------------------------------------------------------------------------------------------
# Helpers


def _summary_counts(summary: Any) -> dict[str, int]:
    """The integer counters of a `ScanSummary` (new, changed, unchanged, deleted, errors, ...)."""
    if summary is None:
        return {}
    values = summary if isinstance(summary, dict) else vars(summary)
    return {k: v for k, v in values.items() if isinstance(v, int) and not isinstance(v, bool)}


def _describe(counts: dict[str, int]) -> str:
    shown = [f"{v} {k}" for k, v in counts.items() if v]
    return ", ".join(shown) if shown else "nothing new"


def _limit_hint(error: OSError) -> str:
    """What to do when inotify runs out of watches or instances."""
    import errno

    if error.errno == errno.ENOSPC:
        return " (inotify watch limit reached: raise it with `sysctl fs.inotify.max_user_watches=524288`)"
    if error.errno == errno.EMFILE:
        return " (inotify instance limit reached: raise it with `sysctl fs.inotify.max_user_instances=512`)"
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
    """Log to stderr (systemd's journal keeps it): -1 quiet (warnings), 0 info, 1 verbose (debug)."""
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party chatter ("Added job", per-event debug) only when asked for.
    for name in ("apscheduler", "watchdog"):
        logging.getLogger(name).setLevel(level if verbosity > 0 else max(level, logging.WARNING))


def run_daemon(config: Config, verbosity: int = 0) -> int:
    """The body of `monitor run`: configure logging and run the daemon until it is stopped."""
    configure_logging(verbosity)
    return Daemon(config).run()
