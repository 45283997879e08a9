"""The daemon lock: one holder per database, no stale lock after kill -9, status readable."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.errors import AlreadyRunning
from monitor.lock import DaemonLock, lock_path, read_lock

HOLD_LOCK = """
import sys, time
from monitor.lock import DaemonLock
lock = DaemonLock(sys.argv[1])
lock.acquire()
lock.update(state="ready", versions=7)
print("locked", flush=True)
time.sleep(60)
"""


def test_lock_file_sits_beside_the_database(tmp_path: Path) -> None:
    assert lock_path(tmp_path / "monitor.db") == tmp_path / "monitor.db.lock"


def test_second_holder_is_refused_with_the_pid(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    with DaemonLock(db):
        with pytest.raises(AlreadyRunning, match=rf"pid {os.getpid()}"):
            DaemonLock(db).acquire()


def test_status_is_readable_while_held_and_none_after_release(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    assert read_lock(db) is None
    lock = DaemonLock(db)
    lock.acquire()
    lock.update(state="ready", last_reconcile_at="2026-01-01T00:00:00Z", versions=3)
    info = read_lock(db)
    assert info is not None
    assert info.pid == os.getpid()
    assert info.state == "ready"
    assert info.status["versions"] == 3
    lock.release()
    assert read_lock(db) is None
    # The file is kept (never unlinked) so that two daemons can never lock different inodes.
    assert lock_path(db).exists()
    # And a new daemon can take it again.
    with DaemonLock(db) as again:
        assert again.info is not None and again.info.pid == os.getpid()


def test_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    db = tmp_path / "monitor.db"
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        info = read_lock(db)
        assert info is not None and info.pid == proc.pid and info.status["versions"] == 7
        with pytest.raises(AlreadyRunning, match=rf"pid {proc.pid}"):
            DaemonLock(db).acquire()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # The kernel dropped the lock with the process: no stale lock, although the content remains.
    assert read_lock(db) is None
    start = time.monotonic()
    with DaemonLock(db):
        assert time.monotonic() - start < 2
