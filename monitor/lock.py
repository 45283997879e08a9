"""One daemon per database: a lock file beside it, held with `flock`, that also says what it is doing.

The lock file is `<database>.lock`. The daemon opens it, takes an exclusive `flock` and keeps the
descriptor open for its whole life; the kernel drops the lock on any exit, `kill -9` included, so a
crashed daemon never leaves a stale lock. The file is never deleted: unlinking a locked file would
let a second daemon lock a fresh inode of the same name while the first still runs.

The database file itself is never locked or opened here: SQLite's own POSIX locks are cancelled
when any descriptor of the same file is closed, so touching it would corrupt concurrent writers.

The file's content is JSON for humans and for `monitor status`: the pid, the start time and a small
status the daemon rewrites as it goes (state, last reconcile, counts). Whether a daemon is running
is decided by the lock, never by the content, which a crashed daemon leaves behind.
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.errors import AlreadyRunning
from monitor.store import utcnow

LOCK_SUFFIX = ".lock"
# `monitor status` probes the lock for a moment with a shared lock; a daemon starting in that very
# moment retries for this long before concluding that another daemon holds it.
ACQUIRE_RETRY_SECONDS = 0.5


def lock_path(db_path: str | Path) -> Path:
    """The lock file that belongs to the database at `db_path`."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


@dataclass
class DaemonInfo:
    """What the lock file says about the daemon that holds it."""

    pid: int
    started_at: str
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> str:
        return str(self.status.get("state", "unknown"))


class DaemonLock:
    """The exclusive lock of one running daemon; `acquire()` it, `update()` its status, `release()`."""

    def __init__(self, db_path: str | Path) -> None:
        self.path = lock_path(db_path)
        self._fd: int | None = None
        self.info: DaemonInfo | None = None

    def acquire(self) -> DaemonInfo:
        """Take the lock or raise `AlreadyRunning` naming the pid of the daemon that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + ACQUIRE_RETRY_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_info(fd)
                    os.close(fd)
                    pid = f"pid {holder.pid}" if holder else "unknown pid"
                    raise AlreadyRunning(
                        f"another monitor daemon ({pid}) is already running on this database "
                        f"(lock file {self.path})"
                    ) from None
                time.sleep(0.05)
        self._fd = fd
        self.info = DaemonInfo(pid=os.getpid(), started_at=utcnow(), status={"state": "starting"})
        self._write()
        return self.info

    def update(self, **status: Any) -> None:
        """Merge `status` into the status shown by `monitor status`."""
        if self._fd is None or self.info is None:
            return
        self.info.status.update(status)
        self.info.status["updated_at"] = utcnow()
        self._write()

    def release(self) -> None:
        """Say the daemon stopped and drop the lock (the file stays, see the module docstring)."""
        if self._fd is None:
            return
        self.update(state="stopped", stopped_at=utcnow())
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def _write(self) -> None:
        assert self._fd is not None and self.info is not None
        data = json.dumps(
            {"pid": self.info.pid, "started_at": self.info.started_at, "status": self.info.status},
            sort_keys=True,
        ).encode() + b"\n"
        # Rewritten in place (never replaced by rename, which would swap the locked inode). A
        # reader may catch a half-written file; `read_lock` retries until the JSON parses.
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_lock(db_path: str | Path) -> DaemonInfo | None:
    """The running daemon of the database at `db_path`, or None when no daemon holds the lock."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            # A shared lock succeeds only when no daemon holds the exclusive one.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_info(fd) or DaemonInfo(pid=0, started_at="", status={"state": "unknown"})
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_info(fd: int) -> DaemonInfo | None:
    """The lock file's content, retried briefly in case the daemon is rewriting it."""
    for _ in range(20):
        info = _parse(os.pread(fd, 64 * 1024, 0))
        if info is not None:
            return info
        time.sleep(0.01)
    return None


def _parse(data: bytes) -> DaemonInfo | None:
    try:
        raw = json.loads(data)
        return DaemonInfo(pid=int(raw["pid"]), started_at=str(raw["started_at"]), status=dict(raw.get("status", {})))
    except (ValueError, KeyError, TypeError):
        return None
