"""The daemon's watcher failure paths, driven through a real `monitor run`: an inotify queue
overflow (made by the kernel itself), a dead inotify reader thread, and a watched folder that is
deleted, replaced or missing at start. Each time a file the events never told about must still be
ingested, the daemon must keep running, and `monitor status` and the digest's health section must
say what happened."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from daemon_helpers import (
    Daemon,
    converged,
    db_current,
    document_text,
    folder_truth,
    permissions_apply,
    query,
    wait_for,
    without_permission_override,
    write_config,
)
from monitor.lock import read_lock

MAX_QUEUED_EVENTS = Path("/proc/sys/fs/inotify/max_queued_events")


def status_json(d: Daemon) -> dict:
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(d.config), "status", "--json"],
                            cwd=d.base, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def status_text(d: Daemon) -> str:
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(d.config), "status"],
                            cwd=d.base, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def health_messages(d: Daemon) -> list[str]:
    """What the next digest's health section would say (the digest builds it with this call)."""
    from monitor import digest
    from monitor.config import load_config
    from monitor.store import open_store, utcnow

    db = open_store(d.db_path, migrate=False)
    try:
        return [f"{item.category}: {item.message}" for item in digest.health(db, load_config(d.config), None, utcnow())]
    finally:
        db.conn.close()


def watch_errors(d: Daemon) -> list[tuple[str, str]]:
    return query(d.db_path, "SELECT path, reason FROM errors WHERE stage = 'watch' ORDER BY id")


def daemon_status(d: Daemon) -> dict:
    info = read_lock(d.db_path)
    assert info is not None and info.pid == d.proc.pid, d.log
    return info.status


def assert_converges(d: Daemon, root: Path) -> None:
    wait_for(converged(d.db_path, root),
             message=lambda: f"db {sorted(db_current(d.db_path))} != folder {sorted(folder_truth(root))}\n{d.log}")


def wait_stopped(pid: int) -> None:
    """Until the kernel has really stopped `pid` (SIGSTOP is asynchronous)."""
    def stopped() -> bool:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] in "tT"
    wait_for(stopped, deadline=10)


# ---- inotify queue overflow


def queue_limit() -> int:
    """The kernel's max_queued_events, when a burst can overflow it in reasonable time."""
    limit = int(MAX_QUEUED_EVENTS.read_text())
    if limit > 200_000:
        pytest.skip(f"max_queued_events is {limit}: the burst would take too long")
    return limit


def overflow_queue(root: Path, limit: int) -> None:
    """More events than the queue holds, made while nothing reads it (the daemon is stopped).
    Alternating appends: inotify merges an event only with an identical one just before it."""
    with open(root / "noise-a.txt", "a") as a, open(root / "noise-b.txt", "a") as b:
        for _ in range(limit // 2 + 100):
            a.write("a")
            a.flush()
            b.write("b")
            b.flush()


@pytest.mark.skipif(not MAX_QUEUED_EVENTS.exists(), reason="inotify only")
def test_overflow_lost_events_are_caught_up_by_a_reconcile_and_reported(tmp_path: Path) -> None:
    """The kernel queues at most max_queued_events per inotify instance and drops the rest, with
    one IN_Q_OVERFLOW. With the daemon stopped (SIGSTOP) nothing reads its queue, so a burst of
    writes overflows it for real, and the file written after the burst has no event at all: only
    the fallback reconcile can find it."""
    limit = queue_limit()
    d = Daemon(write_config(tmp_path))
    root = tmp_path / "watched"
    try:
        d.wait_ready()
        os.kill(d.proc.pid, signal.SIGSTOP)
        try:
            wait_stopped(d.proc.pid)
            overflow_queue(root, limit)
            (root / "lost.txt").write_text(document_text(7))
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        assert_converges(d, root)
        wait_for(lambda: query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'overflow' "
                                          "AND finished_at IS NOT NULL")[0][0] >= 1, message=lambda: d.log)
        wait_for(lambda: watch_errors(d), message=lambda: d.log)
        assert d.proc.poll() is None

        # One overflow happened: it is counted once, and it made one reconcile.
        assert "Inotify queue overflowed" in d.log
        status = daemon_status(d)
        assert status["overflows"] == 1, status
        assert query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'overflow'")[0][0] == 1
        (path, reason), = watch_errors(d)
        assert path == str(root) and "overflow" in reason and "reconcile" in reason
        assert status_json(d)["daemon"]["overflows"] == 1
        assert "the inotify event queue overflowed 1 time:" in status_text(d)  # the count, not only the errors row
        assert any("overflow" in m for m in health_messages(d)), health_messages(d)

        # Still watching: a later write is ingested by its events.
        (root / "after.txt").write_text(document_text(8))
        assert_converges(d, root)
    finally:
        d.kill()


# ---- a dead inotify reader

# `monitor run` with watchdog's inotify reader made to fail once, where the kernel would: the read
# of the inotify descriptor raises EIO once the trigger file exists. watchdog lets that error end
# the reader thread; the observer and emitter threads live on, waiting for events that never come.
INOTIFY_READ_FAILS = """
import errno, os
from watchdog.observers import inotify_c

trigger = os.environ["MONITOR_TEST_INOTIFY_FAULT"]
read = inotify_c.InotifyFD._read_event_buffer

def read_then_fail(self, *args, **kwargs):
    data = read(self, *args, **kwargs)
    try:
        os.unlink(trigger)
    except FileNotFoundError:
        return data
    raise OSError(errno.EIO, os.strerror(errno.EIO))

inotify_c.InotifyFD._read_event_buffer = read_then_fail
from monitor.cli import cli
cli(prog_name="monitor")
"""


def test_a_dead_inotify_reader_is_restarted_and_what_it_missed_is_ingested(tmp_path: Path) -> None:
    trigger = tmp_path / "fail-inotify-read"
    d = Daemon(write_config(tmp_path), code=INOTIFY_READ_FAILS, env={"MONITOR_TEST_INOTIFY_FAULT": str(trigger)})
    root = tmp_path / "watched"
    try:
        d.wait_ready()
        trigger.touch()
        (root / "killer.txt").write_text(document_text(1))  # its events are read, then the reader dies
        wait_for(lambda: not trigger.exists(), message=lambda: d.log)
        (root / "while-dead.txt").write_text(document_text(2))
        assert_converges(d, root)
        assert d.proc.poll() is None
        wait_for(lambda: watch_errors(d), message=lambda: d.log)
        status = daemon_status(d)
        assert status["observer_restarts"] == 1, status
        assert query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'restart' AND finished_at IS NOT NULL")[0][0] >= 1
        (path, reason), = watch_errors(d)
        assert path == str(root) and "file watcher stopped" in reason
        assert "the file watcher stopped and was restarted 1 time," in status_text(d)
        assert any("file watcher stopped" in m for m in health_messages(d)), health_messages(d)

        (root / "after.txt").write_text(document_text(3))  # the new watcher gets events
        assert_converges(d, root)
    finally:
        d.kill()


# ---- the watched folder itself


def test_watched_folder_deleted_and_recreated(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    (root / "a.txt").write_text(document_text(1))
    (root / "b.txt").write_text(document_text(2))
    d = Daemon(config)
    try:
        d.wait_ready()
        assert_converges(d, root)
        saved = tmp_path / "saved"
        shutil.copytree(root, saved)
        shutil.rmtree(root)
        wait_for(lambda: daemon_status(d).get("missing_folders") == [str(root)], message=lambda: d.log)
        wait_for(lambda: watch_errors(d), message=lambda: d.log)
        (path, reason), = watch_errors(d)
        assert path == str(root) and "missing" in reason
        assert "missing" in status_text(d)
        assert any("missing" in m for m in health_messages(d)), health_messages(d)
        assert d.proc.poll() is None

        # Back, as a restore would bring it, with one file changed and one added.
        shutil.copytree(saved, root)
        (root / "b.txt").write_text(document_text(2, rate=44))
        (root / "c.txt").write_text(document_text(3))
        assert_converges(d, root)
        wait_for(lambda: daemon_status(d).get("missing_folders") == [], message=lambda: d.log)
        (root / "d.txt").write_text(document_text(4))  # watched again: ingested by its events
        assert_converges(d, root)
        # A missing folder is never mistaken for an empty one, nor a cause for a failed reconcile.
        assert query(d.db_path, "SELECT count(*) FROM errors WHERE stage != 'watch'")[0][0] == 0, \
            query(d.db_path, "SELECT * FROM errors")
        assert "Traceback" not in d.log
    finally:
        d.kill()


def test_watched_folder_renamed_away_and_a_new_one_made(tmp_path: Path) -> None:
    """inotify follows a renamed folder (its inode), so watchdog goes on reporting events from it
    under the old name and never from the new folder of that name; the daemon must notice."""
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    (root / "a.txt").write_text(document_text(1))
    d = Daemon(config)
    try:
        d.wait_ready()
        assert_converges(d, root)
        os.rename(root, tmp_path / "watched.old")
        root.mkdir()
        (root / "fresh.txt").write_text(document_text(5))
        (tmp_path / "watched.old" / "a.txt").write_text(document_text(1, rate=30))  # not ours any more
        assert_converges(d, root)
        assert query(d.db_path, "SELECT path FROM documents WHERE deleted_at IS NOT NULL") == [("a.txt",)]
        (root / "later.txt").write_text(document_text(6))
        assert_converges(d, root)
        assert d.proc.poll() is None
    finally:
        d.kill()


def test_watched_folder_missing_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    root.rmdir()
    d = Daemon(config)
    try:
        d.wait_ready()
        wait_for(lambda: watch_errors(d), message=lambda: d.log)
        assert daemon_status(d)["missing_folders"] == [str(root)]
        (path, reason), = watch_errors(d)
        assert path == str(root) and "missing" in reason
        assert f"  missing: {root}: the watched folder is missing" in status_text(d)
        assert status_json(d)["daemon"]["missing_folders"] == [str(root)]

        root.mkdir()
        (root / "first.txt").write_text(document_text(1))
        assert_converges(d, root)
        wait_for(lambda: daemon_status(d).get("missing_folders") == [], message=lambda: d.log)
        (root / "second.txt").write_text(document_text(2))
        assert_converges(d, root)
        assert query(d.db_path, "SELECT count(*) FROM errors WHERE stage != 'watch'")[0][0] == 0, \
            query(d.db_path, "SELECT * FROM errors")
        assert d.proc.poll() is None
    finally:
        d.kill()


# ---- a folder that exists but cannot be watched

# `monitor run` with inotify_add_watch failing as the kernel fails it once fs.inotify.max_user_watches
# is reached (-1, errno ENOSPC) for as long as the flag file exists. Each call is counted in the
# flag file, so the test sees how often the daemon tries to watch, whatever its log says.
INOTIFY_WATCH_LIMIT = """
import ctypes, errno, os
from watchdog.observers import inotify_c

flag = os.environ["MONITOR_TEST_WATCH_LIMIT"]
add_watch = inotify_c.inotify_add_watch

def add_watch_or_enospc(fd, path, mask):
    try:
        attempts = os.open(flag, os.O_WRONLY | os.O_APPEND)  # never O_CREAT: deleting the flag lifts the limit
    except FileNotFoundError:
        return add_watch(fd, path, mask)
    os.write(attempts, b"x")
    os.close(attempts)
    ctypes.set_errno(errno.ENOSPC)
    return -1

inotify_c.inotify_add_watch = add_watch_or_enospc
from monitor.cli import cli
cli(prog_name="monitor")
"""


def watch_attempts(flag: Path) -> int:
    return len(flag.read_text())


def test_a_folder_that_cannot_be_watched_is_reconciled_with_backoff_and_watched_when_it_can(tmp_path: Path) -> None:
    """The watch limit reached: the folder is there but inotify refuses it. The daemon must not
    retry (and reconcile) in a loop, must still find what is written there by reconciling it at
    each retry, must say so once, and must watch it again when the limit no longer bites."""
    flag = tmp_path / "inotify-watch-limit"
    flag.touch()
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    (root / "before.txt").write_text(document_text(1))
    d = Daemon(config, code=INOTIFY_WATCH_LIMIT, env={"MONITOR_TEST_WATCH_LIMIT": str(flag)})
    try:
        d.wait_ready()
        assert_converges(d, root)  # the start reconcile does not need the watch
        wait_for(lambda: daemon_status(d).get("unwatched_folders"), message=lambda: d.log)
        (unwatched,) = daemon_status(d)["unwatched_folders"]
        assert unwatched["path"] == str(root) and "inotify watch limit reached" in unwatched["reason"], unwatched
        assert daemon_status(d).get("missing_folders") == []  # there, only not watched

        # No tight loop. Before, the supervisor restarted the watcher and reconciled every second
        # (a restart, an errors row and a full reconcile each time); with backoff from 1 s, a
        # 10 s window holds at most 4 attempts, while a loop would make about 10.
        attempts, scans = watch_attempts(flag), query(d.db_path, "SELECT count(*) FROM scans")[0][0]
        (root / "meanwhile.txt").write_text(document_text(2))  # no event can tell about it
        time.sleep(10)
        assert watch_attempts(flag) - attempts <= 5, d.log
        assert query(d.db_path, "SELECT count(*) FROM scans")[0][0] - scans <= 5, \
            query(d.db_path, "SELECT trigger, started_at FROM scans")
        assert daemon_status(d).get("observer_restarts", 0) == 0, daemon_status(d)

        # Found by the fallback reconcile of the folder, not by an event (there is no watch).
        assert_converges(d, root)
        assert query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'fallback' AND new >= 1")[0][0] >= 1, \
            query(d.db_path, "SELECT * FROM scans")

        # Said once: one errors row naming the folder and the OS's reason, one error log line.
        (path, reason), = watch_errors(d)
        assert path == str(root) and "cannot be watched" in reason and "inotify watch limit reached" in reason
        assert d.log.count(f"cannot watch {root}") == 1, d.log
        text = status_text(d)
        assert f"not watched: {root}" in text and "inotify watch limit reached" in text, text
        assert status_json(d)["daemon"]["unwatched_folders"][0]["path"] == str(root)
        assert any("cannot be watched" in m for m in health_messages(d)), health_messages(d)

        # The limit raised: watched again at the next attempt, and events work again.
        flag.unlink()
        wait_for(lambda: daemon_status(d).get("unwatched_folders") == [], message=lambda: d.log)
        assert f"watching {root} again" in d.log
        assert "not watched" not in status_text(d)
        events_before = query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'event'")[0][0]
        (root / "after.txt").write_text(document_text(3))
        assert_converges(d, root)
        # Heard, too (the reconcile of the folder watched again may have read it first: polled).
        wait_for(lambda: query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'event'")[0][0] > events_before,
                 message=lambda: d.log)
        assert len(watch_errors(d)) == 1  # recovery adds no incident
        assert d.proc.poll() is None
    finally:
        d.kill()


# inotify_init failing as the kernel fails it once fs.inotify.max_user_instances is reached (-1,
# errno EMFILE) while the flag file exists: not one folder, the whole watcher cannot be had.
INOTIFY_INSTANCE_LIMIT = """
import ctypes, errno, os
from watchdog.observers import inotify_c

flag = os.environ["MONITOR_TEST_INSTANCE_LIMIT"]
init = inotify_c.inotify_init

def init_or_emfile():
    if not os.path.exists(flag):
        return init()
    ctypes.set_errno(errno.EMFILE)
    return -1

inotify_c.inotify_init = init_or_emfile
from monitor.cli import cli
cli(prog_name="monitor")
"""


def test_no_inotify_instance_left_every_folder_is_reconciled_until_one_can_be_had(tmp_path: Path) -> None:
    flag = tmp_path / "inotify-instance-limit"
    flag.touch()
    root = tmp_path / "watched"
    d = Daemon(write_config(tmp_path), code=INOTIFY_INSTANCE_LIMIT, env={"MONITOR_TEST_INSTANCE_LIMIT": str(flag)})
    try:
        d.wait_ready()
        wait_for(lambda: watch_errors(d), message=lambda: d.log)
        (path, reason), = watch_errors(d)
        assert path == str(root) and "inotify instance limit reached" in reason and "max_user_instances" in reason
        (root / "meanwhile.txt").write_text(document_text(1))
        assert_converges(d, root)
        assert query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'fallback' AND new >= 1")[0][0] == 1
        assert daemon_status(d).get("observer_restarts", 0) == 0, daemon_status(d)

        flag.unlink()
        wait_for(lambda: daemon_status(d).get("unwatched_folders") == [], message=lambda: d.log)
        events_before = query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'event'")[0][0]
        (root / "after.txt").write_text(document_text(2))
        assert_converges(d, root)
        assert query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'event'")[0][0] > events_before
        assert len(watch_errors(d)) == 1 and d.proc.poll() is None
        assert "Traceback" not in d.log
    finally:
        d.kill()


# ---- a folder the daemon's user cannot read

# watchdog 7.1 adds one inotify watch per folder of the tree. For a folder the user cannot read,
# inotify_add_watch fails with EACCES, and `InotifyFD._raise_error` (inotify_c.py) raises for every
# errno but that one: the folder is then "watched" with watch descriptor -1, which no event ever
# carries, and nothing is logged. The daemons below run without root's permission override, so the
# EACCES is the kernel's own.


def unreadable_folders(d: Daemon) -> list[str]:
    return [folder["path"] for folder in daemon_status(d).get("unreadable_folders") or []]


def scans_finished(d: Daemon, trigger: str) -> int:
    return query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = ? AND finished_at IS NOT NULL", (trigger,))[0][0]


def test_a_subfolder_that_cannot_be_read_is_said_kept_and_watched_once_it_can_be(tmp_path: Path) -> None:
    if not permissions_apply(tmp_path):
        pytest.skip("cannot run the daemon without root's permission override here")
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    locked = root / "locked"
    locked.mkdir()
    (locked / "kept.txt").write_text(document_text(1))
    (root / "open.txt").write_text(document_text(2))
    d = Daemon(config, preexec_fn=without_permission_override)
    try:
        d.wait_ready()
        assert_converges(d, root)
    finally:
        d.stop()
    # While the daemon is down the folder loses its permissions and gains a file; a file beside it
    # cannot be read either.
    locked.chmod(0)
    (locked / "added.txt").write_text(document_text(3))
    secret = root / "secret.txt"
    secret.write_text(document_text(4))
    secret.chmod(0)
    d = Daemon(config, preexec_fn=without_permission_override)
    try:
        d.wait_ready()
        # Said: a warning naming the folder, and `monitor status` while the daemon runs.
        wait_for(lambda: unreadable_folders(d) == [str(locked)], message=lambda: d.log)
        assert f"cannot read {locked} (permission denied)" in d.log
        text = status_text(d)
        assert f"unreadable: {locked}: the folder cannot be read (permission denied" in text, text
        assert status_json(d)["daemon"]["unreadable_folders"][0]["path"] == str(locked)
        # Not taken for an empty folder: its document is kept as it was, not deleted.
        assert query(d.db_path, "SELECT deleted_at FROM documents WHERE path = 'locked/kept.txt'") == [(None,)]
        assert query(d.db_path, "SELECT count(*) FROM documents WHERE deleted_at IS NOT NULL") == [(0,)]
        # Each is an error naming it; the daemon goes on.
        errors = query(d.db_path, "SELECT path, stage, reason FROM errors ORDER BY path")
        assert [(path, stage) for path, stage, _ in errors] == [("locked", "walk"), ("secret.txt", "read")], errors
        assert errors[0][2].startswith("unreadable folder (permission denied)")
        assert errors[1][2] == "unreadable (permission denied)"
        (root / "meanwhile.txt").write_text(document_text(5))
        wait_for(lambda: query(d.db_path, "SELECT count(*) FROM documents WHERE path = 'meanwhile.txt'") == [(1,)],
                 message=lambda: d.log)

        # Readable again: watched (a new watcher) and reconciled, and said so.
        restarts = scans_finished(d, "restart")
        locked.chmod(0o755)
        secret.chmod(0o644)
        wait_for(lambda: unreadable_folders(d) == [], message=lambda: d.log)
        assert_converges(d, root)
        wait_for(lambda: scans_finished(d, "restart") > restarts, message=lambda: d.log)
        assert f"unreadable: {locked}" not in status_text(d)
        # Its events come now: nothing else would find this file within the test's hour of rescans.
        (locked / "later.txt").write_text(document_text(6))
        assert_converges(d, root)
        assert d.proc.poll() is None and "Traceback" not in d.log
    finally:
        d.kill()


# ---- watches that cannot be added again after an overflow
#
# watchdog 7.1 answers IN_Q_OVERFLOW by removing every watch of a recursive watch and adding them
# again (`InotifyWatchGroup.on_queue_overflow`, inotify.py). When the watched folder's own watch
# fails it logs "Unable to rebuild recursive inotify watches below ..." and gives up: no watch is
# left, but every thread lives, so the observer looks healthy and hears nothing.


@pytest.mark.skipif(not MAX_QUEUED_EVENTS.exists(), reason="inotify only")
def test_watches_that_cannot_be_added_again_after_an_overflow_are_restarted_and_reported(tmp_path: Path) -> None:
    """The watch limit is reached (injected, as the kernel fails: the limit is machine-wide) just
    as the queue overflows for real: watchdog's rebuild fails, and the daemon must not stay deaf."""
    limit = queue_limit()
    flag = tmp_path / "inotify-watch-limit"  # absent: no limit yet
    root = tmp_path / "watched"
    d = Daemon(write_config(tmp_path), code=INOTIFY_WATCH_LIMIT, env={"MONITOR_TEST_WATCH_LIMIT": str(flag)})
    try:
        d.wait_ready()
        os.kill(d.proc.pid, signal.SIGSTOP)
        try:
            wait_stopped(d.proc.pid)
            overflow_queue(root, limit)
            flag.touch()
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        # Noticed: the watcher restarted; the folder still cannot be watched, so it is retried and
        # reconciled meanwhile, and status says so.
        wait_for(lambda: daemon_status(d).get("unwatched_folders"), message=lambda: d.log)
        (unwatched,) = daemon_status(d)["unwatched_folders"]
        assert unwatched["path"] == str(root) and "inotify watch limit reached" in unwatched["reason"]
        assert "Unable to rebuild recursive inotify watches" in d.log  # watchdog's only word of it
        assert daemon_status(d)["observer_restarts"] == 1
        wait_for(lambda: any("could not watch the folder again" in reason for _, reason in watch_errors(d)),
                 message=lambda: d.log)
        assert [path for path, reason in watch_errors(d) if "could not watch the folder again" in reason] == [str(root)]
        assert f"not watched: {root}" in status_text(d)
        (root / "meanwhile.txt").write_text(document_text(1))  # no watch: a fallback reconcile finds it
        assert_converges(d, root)

        flag.unlink()
        wait_for(lambda: daemon_status(d).get("unwatched_folders") == [], message=lambda: d.log)
        events_before = query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'event'")[0][0]
        (root / "after.txt").write_text(document_text(2))
        assert_converges(d, root)
        # Heard, too (the reconcile of the folder watched again may have read it first: polled).
        wait_for(lambda: query(d.db_path, "SELECT count(*) FROM scans WHERE trigger = 'event'")[0][0] > events_before,
                 message=lambda: d.log)
        assert d.proc.poll() is None
    finally:
        d.kill()


@pytest.mark.skipif(not MAX_QUEUED_EVENTS.exists(), reason="inotify only")
def test_a_watched_folder_unreadable_when_its_watches_are_added_again_is_said_kept_and_watched_again(
        tmp_path: Path) -> None:
    """The same rebuild failing for real: the watched folder lost its permissions while the queue
    overflowed. watchdog ignores EACCES even for the watched folder, so not even a log line says
    it; the reconcile the overflow asks for finds the folder unreadable."""
    if not permissions_apply(tmp_path):
        pytest.skip("cannot run the daemon without root's permission override here")
    limit = queue_limit()
    root = tmp_path / "watched"
    d = Daemon(write_config(tmp_path), preexec_fn=without_permission_override)
    (root / "a.txt").write_text(document_text(1))
    try:
        d.wait_ready()
        assert_converges(d, root)
        os.kill(d.proc.pid, signal.SIGSTOP)
        try:
            wait_stopped(d.proc.pid)
            overflow_queue(root, limit)
            root.chmod(0)
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        wait_for(lambda: unreadable_folders(d) == [str(root)], message=lambda: d.log)
        assert query(d.db_path, "SELECT path, deleted_at FROM documents") == [("a.txt", None)]
        (root / "while-locked.txt").write_text(document_text(2))

        restarts = scans_finished(d, "restart")
        root.chmod(0o755)
        assert_converges(d, root)
        wait_for(lambda: unreadable_folders(d) == [] and scans_finished(d, "restart") > restarts,
                 message=lambda: d.log)
        (root / "after.txt").write_text(document_text(3))  # heard: watched again
        assert_converges(d, root)
        assert d.proc.poll() is None and "Traceback" not in d.log
    finally:
        root.chmod(0o755)
        d.kill()
