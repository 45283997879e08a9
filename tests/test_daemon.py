"""The daemon's parts in isolation (debounce with a fake clock, event recording, backoff) and the
daemon as a real subprocess: editor save patterns, bursts, moves, signals, lock, readers."""
from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest
from watchdog.events import (
    DirModifiedEvent,
    FileAttribEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from monitor.daemon import Backoff, EventRecorder, OverflowDetector, PendingPaths, batches, halves, sd_notify


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeDisk:
    """Stat signatures by path; a path absent from the dict is missing."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[int, int, int] | None] = {}

    def __call__(self, path: str) -> tuple[int, int, int] | None:
        return self.files.get(path)

    def write(self, path: str, size: int) -> None:
        self.files[path] = (size, size * 1000, 1)


def make_pending(quiet: float = 1.0) -> tuple[PendingPaths, FakeClock, FakeDisk]:
    clock, disk = FakeClock(), FakeDisk()
    return PendingPaths(quiet, clock=clock, stat=disk, max_wait=60), clock, disk


def flat(groups: list[list[str]]) -> list[str]:
    return [path for group in groups for path in group]


def drain(pending: PendingPaths, clock: FakeClock, step: float, seconds: float) -> list[tuple[float, str]]:
    """Advance the clock in steps, collecting (time, path) as paths are released."""
    released = []
    start = clock.now
    while clock.now - start < seconds:
        for path in flat(pending.take_due()):
            released.append((round(clock.now - start, 3), path))
        clock.advance(step)
    return released


# ---- debounce


def test_path_is_released_once_after_the_quiet_period() -> None:
    pending, clock, disk = make_pending(quiet=1.0)
    disk.write("/w/a.txt", 10)
    pending.touch("/w/a.txt")
    released = drain(pending, clock, 0.05, 3)
    assert [p for _, p in released] == ["/w/a.txt"]
    assert 1.0 <= released[0][0] <= 1.1


def test_events_in_pauses_shorter_than_quiet_delay_the_release() -> None:
    pending, clock, disk = make_pending(quiet=1.0)
    size = 0
    for _ in range(10):  # an append every 0.6 s: never quiet for 1 s
        size += 100
        disk.write("/w/log.txt", size)
        pending.touch("/w/log.txt")
        assert drain(pending, clock, 0.05, 0.6) == []
    released = drain(pending, clock, 0.05, 2)
    assert [p for _, p in released] == ["/w/log.txt"]


def test_duplicate_events_make_one_release() -> None:
    pending, clock, disk = make_pending(quiet=0.5)
    disk.write("/w/a.txt", 10)
    for _ in range(6):  # created, modified, closed ... as inotify reports one save
        pending.touch("/w/a.txt")
    assert len(pending) == 1
    assert [p for _, p in drain(pending, clock, 0.05, 2)] == ["/w/a.txt"]


def test_a_file_growing_without_events_is_held_back() -> None:
    pending, clock, disk = make_pending(quiet=1.0)
    disk.write("/w/big.bin", 1)
    pending.touch("/w/big.bin")
    released = []
    for i in range(40):  # keeps growing every 0.05 s for 2 s, but no event says so
        disk.write("/w/big.bin", 2 + i)
        released += flat(pending.take_due())
        clock.advance(0.05)
    assert released == []
    assert [p for _, p in drain(pending, clock, 0.05, 3)] == ["/w/big.bin"]


def test_a_deleted_path_is_released_as_missing() -> None:
    pending, clock, _ = make_pending(quiet=0.2)
    pending.touch("/w/gone.txt")
    assert [p for _, p in drain(pending, clock, 0.02, 1)] == ["/w/gone.txt"]


def test_released_oldest_first_and_next_deadline() -> None:
    pending, clock, disk = make_pending(quiet=1.0)
    assert pending.next_deadline() is None
    disk.write("/w/b.txt", 1)
    disk.write("/w/a.txt", 1)
    pending.touch("/w/b.txt")
    clock.advance(0.1)
    pending.touch("/w/a.txt")
    deadline = pending.next_deadline()
    assert deadline is not None and clock.now < deadline <= clock.now + 1.0
    clock.advance(2)
    pending.take_due()  # first look (the stat sample)
    clock.advance(pending.settle)
    assert pending.take_due() == [["/w/b.txt"], ["/w/a.txt"]]


def test_zero_debounce_releases_at_once() -> None:
    pending, clock, disk = make_pending(quiet=0.0)
    disk.write("/w/a.txt", 1)
    pending.touch("/w/a.txt")
    assert pending.take_due() == [["/w/a.txt"]]


def test_a_path_written_forever_is_released_after_max_wait() -> None:
    pending, clock, disk = make_pending(quiet=1.0)
    released = []
    for i in range(int(61 / 0.5)):
        disk.write("/w/forever.log", i)
        pending.touch("/w/forever.log")
        released += flat(pending.take_due())
        clock.advance(0.5)
    assert released == ["/w/forever.log"]


def test_the_two_ends_of_a_move_are_released_together_when_both_are_due() -> None:
    pending, clock, disk = make_pending(quiet=1.0)  # settle 0.25
    start = clock.now
    for name in ("other", "old", "new"):
        disk.write(f"/w/{name}.txt", 5)
    pending.touch("/w/other.txt")
    pending.touch("/w/old.txt", "/w/new.txt")  # a rename
    clock.advance(0.6)
    pending.touch("/w/new.txt")  # written again after the rename
    clock.advance(0.2)
    assert pending.take_due() == []  # first look at other.txt and old.txt
    clock.advance(0.25)
    assert pending.take_due() == [["/w/other.txt"]]  # old.txt is due too, but waits for new.txt
    # ... so the worker sleeps until new.txt may be due, instead of spinning on old.txt.
    assert pending.next_deadline() == pytest.approx(start + 0.6 + 0.75)
    clock.advance(0.3)
    assert pending.take_due() == []
    clock.advance(0.25)
    assert pending.take_due() == [["/w/new.txt", "/w/old.txt"]]
    assert len(pending) == 0


def test_chained_moves_make_one_group() -> None:
    pending, clock, _ = make_pending(quiet=0.0)
    pending.touch("/w/a.txt", "/w/b.txt")
    pending.touch("/w/b.txt", "/w/c.txt")
    pending.touch("/w/d.txt")
    assert sorted(map(sorted, pending.take_due())) == [["/w/a.txt", "/w/b.txt", "/w/c.txt"], ["/w/d.txt"]]
    assert len(pending) == 0


def test_batches_never_split_a_move_and_halves_split_a_lone_move_last() -> None:
    groups = [[f"/w/{i}.txt"] for i in range(9)] + [["/w/old.txt", "/w/new.txt"]] + [["/w/z.txt"]]
    packed = list(batches(groups, 10))
    assert [sum(map(len, b)) for b in packed] == [9, 3]
    assert ["/w/old.txt", "/w/new.txt"] in packed[1]
    assert flat([g for b in packed for g in b]) == flat(groups)
    assert list(batches([["/w/a", "/w/b", "/w/c"]], 2)) == [[["/w/a", "/w/b", "/w/c"]]]  # too big: alone
    left, right = halves([["/w/a"], ["/w/old", "/w/new"], ["/w/b"]])
    assert left == [["/w/a"]] and right == [["/w/old", "/w/new"], ["/w/b"]]
    assert halves([["/w/old", "/w/new"]]) == ([["/w/old"]], [["/w/new"]])


# ---- backoff


def test_backoff_doubles_and_ends_when_the_file_changes() -> None:
    clock, disk = FakeClock(), FakeDisk()
    backoff = Backoff(clock=clock, stat=disk)
    disk.write("/w/bad.txt", 5)
    assert backoff.failed("/w/bad.txt") == 2
    assert backoff.failed("/w/bad.txt") == 4
    assert backoff.should_wait("/w/bad.txt")
    assert backoff.due() == []
    clock.advance(4)
    assert backoff.due() == ["/w/bad.txt"]
    clock.advance(-4)
    disk.write("/w/bad.txt", 6)  # the user fixed it: try again now
    assert not backoff.should_wait("/w/bad.txt")
    backoff.succeeded("/w/bad.txt")
    assert "/w/bad.txt" not in backoff


# ---- event recording


def test_recorder_keeps_both_ends_of_a_move_and_drops_ignored_names() -> None:
    pending, _, _ = make_pending()
    recorder = EventRecorder(pending, is_ignored=lambda p: p.endswith(".tmp"))
    recorder.dispatch(FileCreatedEvent("/w/doc.txt.tmp"))
    recorder.dispatch(FileMovedEvent("/w/doc.txt.tmp", "/w/doc.txt"))
    recorder.dispatch(FileMovedEvent("/w/old.txt", "/w/new.txt"))
    assert "/w/doc.txt" in pending and "/w/old.txt" in pending and "/w/new.txt" in pending
    assert "/w/doc.txt.tmp" not in pending
    pending.set_quiet(0)
    assert sorted(map(sorted, pending.take_due())) == [["/w/doc.txt"], ["/w/new.txt", "/w/old.txt"]]


def test_recorder_ignores_events_that_cannot_change_content() -> None:
    pending, _, _ = make_pending()
    recorder = EventRecorder(pending, is_ignored=lambda p: False)
    for event in (FileOpenedEvent("/w/a"), FileClosedNoWriteEvent("/w/b"), FileAttribEvent("/w/c"),
                  DirModifiedEvent("/w")):
        recorder.dispatch(event)
    assert len(pending) == 0
    recorder.dispatch(FileModifiedEvent("/w/d"))
    assert len(pending) == 1


def test_recorder_survives_a_failing_filter(caplog) -> None:
    pending, _, _ = make_pending()

    def broken(path: str) -> bool:
        raise RuntimeError("boom")

    recorder = EventRecorder(pending, is_ignored=broken)
    with caplog.at_level(logging.ERROR, logger="monitor.daemon"):
        recorder.dispatch(FileModifiedEvent("/w/d"))  # must not raise: it would kill the observer
    assert "could not record" in caplog.text


def test_overflow_warning_triggers_the_callback() -> None:
    calls = []
    detector = OverflowDetector(lambda: calls.append(1))
    logger = logging.getLogger("watchdog.observers.inotify_c")
    logging.getLogger("watchdog.observers").addHandler(detector)
    try:
        logger.warning("Inotify queue overflowed; filesystem events were lost")
        logger.warning("something else")
    finally:
        logging.getLogger("watchdog.observers").removeHandler(detector)
    assert calls == [1]


def test_sd_notify_sends_to_the_notify_socket(tmp_path: Path, monkeypatch) -> None:
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(address)
        monkeypatch.setenv("NOTIFY_SOCKET", address)
        sd_notify("READY=1")
        server.settimeout(2)
        assert server.recv(100) == b"READY=1"
    monkeypatch.delenv("NOTIFY_SOCKET")
    sd_notify("READY=1")  # outside systemd: nothing happens
    assert os.path.exists(address)


# ---- the daemon as a real subprocess

import json  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402


from daemon_helpers import (  # noqa: E402
    Daemon,
    Proc,
    converged,
    db_current,
    document_text,
    folder_truth,
    query,
    tagged_processes,
    versions_per_path,
    wait_for,
    write_config,
)
from monitor.lock import read_lock  # noqa: E402


@pytest.fixture
def daemon(tmp_path: Path):
    """A ready daemon on an empty watched folder (debounce 0.2 s); stopped after the test."""
    running = Daemon(write_config(tmp_path))
    running.wait_ready()
    yield running
    running.kill()


def watched(d: Daemon) -> Path:
    return d.base / "watched"


def assert_converges(d: Daemon) -> None:
    def difference() -> str:
        db, folder = db_current(d.db_path), folder_truth(watched(d))
        wrong = sorted(p for p in set(db) | set(folder) if db.get(p) != folder.get(p))
        return f"{len(wrong)} paths differ, e.g. {wrong[:5]}\n{d.log}"

    wait_for(converged(d.db_path, watched(d)), message=difference)


def test_burst_of_1000_files_each_ingested_once(daemon: Daemon) -> None:
    root = watched(daemon)
    for i in range(1000):
        (root / f"n{i:04d}.txt").write_text(document_text(i))
    assert_converges(daemon)
    versions = versions_per_path(daemon.db_path)
    assert len(versions) == 1000 and all(len(v) == 1 for v in versions.values())


def test_editor_save_patterns_end_in_the_right_versions(daemon: Daemon) -> None:
    root = watched(daemon)
    doc = root / "doc.txt"
    doc.write_text(document_text(1, rate=10))
    assert_converges(daemon)

    # atomic save: write a temp file, rename it over the document
    tmp = root / "doc.txt.tmp"
    tmp.write_text(document_text(1, rate=11))
    os.replace(tmp, doc)
    assert_converges(daemon)

    # Vim: rename the document to a backup, write a new file, delete the backup
    os.rename(doc, root / "doc.txt~")
    doc.write_text(document_text(1, rate=12))
    os.unlink(root / "doc.txt~")
    assert_converges(daemon)

    # a download: written as .part, renamed when complete
    part = root / "download.txt.part"
    with open(part, "w") as f:
        for _ in range(5):
            f.write(document_text(2))
            f.flush()
            time.sleep(0.05)
    os.rename(part, root / "download.txt")
    assert_converges(daemon)

    versions = versions_per_path(daemon.db_path)
    assert len(versions["doc.txt"]) == 3  # rates 10, 11, 12: one version per save
    assert len(versions["download.txt"]) == 1
    names = {p for (p,) in query(daemon.db_path, "SELECT path FROM documents")}
    assert not any(n.endswith(("~", ".tmp", ".part")) for n in names), names


def test_moves_in_out_within_and_directory_rename_and_delete(daemon: Daemon, tmp_path: Path) -> None:
    root = watched(daemon)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "sub").mkdir()
    for i in range(5):
        (root / "sub" / f"f{i}.txt").write_text(document_text(100 + i))
    (outside / "in.txt").write_text(document_text(200))
    (root / "out.txt").write_text(document_text(201))
    (root / "a.txt").write_text(document_text(202))
    assert_converges(daemon)

    shutil.move(outside / "in.txt", root / "in.txt")          # move in
    shutil.move(root / "out.txt", outside / "out.txt")        # move out
    os.rename(root / "a.txt", root / "sub" / "b.txt")         # move within
    assert_converges(daemon)

    os.rename(root / "sub", root / "renamed")                 # directory rename
    assert_converges(daemon)
    shutil.rmtree(root / "renamed")                           # directory delete
    assert_converges(daemon)
    deleted = {p for (p,) in query(daemon.db_path, "SELECT path FROM documents WHERE deleted_at IS NOT NULL")}
    assert {"out.txt", "a.txt", "sub/f0.txt", "renamed/f0.txt", "renamed/b.txt"} <= deleted


def test_file_appended_in_short_pauses_is_ingested_once_complete(tmp_path: Path) -> None:
    d = Daemon(write_config(tmp_path, debounce=0.5))
    try:
        d.wait_ready()
        path = watched(d) / "growing.txt"
        with open(path, "w") as f:
            for i in range(12):  # pauses of 0.15 s, shorter than the 0.5 s debounce
                f.write(document_text(i))
                f.flush()
                time.sleep(0.15)
        assert_converges(d)
        time.sleep(1.0)  # anything still queued would show up now
        assert versions_per_path(d.db_path)["growing.txt"] == [folder_truth(watched(d))["growing.txt"]]
    finally:
        d.kill()


def test_duplicate_events_and_rewrites_with_the_same_bytes_make_one_version(daemon: Daemon) -> None:
    path = watched(daemon) / "same.txt"
    for _ in range(5):
        path.write_text(document_text(7))
        os.utime(path)
        time.sleep(0.05)
    assert_converges(daemon)
    for _ in range(3):
        path.write_text(document_text(7))  # same bytes again, later
        time.sleep(0.4)
    time.sleep(0.6)
    assert len(versions_per_path(daemon.db_path)["same.txt"]) == 1


def test_readers_never_see_database_is_locked_during_heavy_ingest(daemon: Daemon) -> None:
    FILES = 600
    root = watched(daemon)
    failures: list[str] = []
    # Reads that saw part of the ingest: proof that they ran while the daemon was writing (a count
    # of reads alone depends on how fast the machine ingests).
    mid_ingest = 0
    done = threading.Event()

    def read_in_a_loop() -> None:
        nonlocal mid_ingest
        while not done.is_set():
            result = subprocess.run(
                [sys.executable, "-m", "sqlite_utils", "query", str(daemon.db_path),
                 "select count(*) as n from document_versions"],
                capture_output=True, text=True)
            if result.returncode != 0 or "locked" in result.stderr:
                failures.append(result.stderr)
            elif 0 < json.loads(result.stdout)[0]["n"] < FILES:
                mid_ingest += 1

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    try:
        for i in range(FILES):
            (root / f"h{i:04d}.txt").write_text(document_text(i) * 5)
        assert_converges(daemon)
    finally:
        done.set()
        reader.join()
    assert failures == []
    assert mid_ingest >= 1


def test_second_daemon_refuses_naming_the_running_pid(daemon: Daemon) -> None:
    second = subprocess.run([sys.executable, "-m", "monitor", "--config", str(daemon.config), "run"],
                            cwd=daemon.base, capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert f"pid {daemon.proc.pid}" in second.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_exits_0_in_time_during_ingest(tmp_path: Path, sig: int) -> None:
    d = Daemon(write_config(tmp_path))
    d.wait_ready()
    for i in range(300):
        (watched(d) / f"s{i:04d}.txt").write_text(document_text(i))
    wait_for(lambda: query(d.db_path, "SELECT count(*) FROM document_versions")[0][0] > 0)
    start = time.monotonic()
    code = d.stop(sig)
    elapsed = time.monotonic() - start
    assert code == 0, d.log
    assert elapsed < 5.5, f"took {elapsed:.1f} s\n{d.log}"
    assert query(d.db_path, "PRAGMA integrity_check") == [("ok",)]
    # What was not ingested before the stop is caught up at the next start.
    again = Daemon(d.config)
    try:
        again.wait_ready()
        assert_converges(again)
    finally:
        again.kill()


def test_sighup_with_a_broken_config_keeps_running_on_the_old_one(daemon: Daemon) -> None:
    good = daemon.config.read_text()
    daemon.config.write_text(good + "\n[watch]\nnonsense = 1\n")
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "config reload failed" in daemon.log, message=lambda: daemon.log)
    assert daemon.proc.poll() is None
    (watched(daemon) / "after.txt").write_text(document_text(3))
    assert_converges(daemon)  # still watching and ingesting, on the old config

    daemon.config.write_text(good.replace("debounce_seconds = 0.2", "debounce_seconds = 0.3"))
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "config reloaded" in daemon.log, message=lambda: daemon.log)
    (watched(daemon) / "after2.txt").write_text(document_text(4))
    assert_converges(daemon)


def test_change_made_while_stopped_is_caught_up_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    (root / "kept.txt").write_text(document_text(1, rate=5))
    (root / "removed.txt").write_text(document_text(2))
    d = Daemon(config)
    d.wait_ready()
    assert_converges(d)
    assert d.stop() == 0
    (root / "kept.txt").write_text(document_text(1, rate=6))
    (root / "removed.txt").unlink()
    (root / "added.txt").write_text(document_text(3))
    again = Daemon(config)
    try:
        again.wait_ready()
        # Caught up before it says ready: no waiting needed.
        assert db_current(again.db_path) == folder_truth(root)
        assert len(versions_per_path(again.db_path)["kept.txt"]) == 2
    finally:
        again.kill()


def test_database_inside_the_watched_folder_is_never_ingested(tmp_path: Path) -> None:
    config = write_config(tmp_path, db="watched/monitor.db")
    d = Daemon(config)
    try:
        wait_for(lambda: d.proc.poll() is not None or (tmp_path / "watched" / "monitor.db.lock").exists())
        from monitor.lock import read_lock

        wait_for(lambda: (info := read_lock(tmp_path / "watched" / "monitor.db")) is not None and info.state == "ready",
                 message=lambda: d.log)
        db = tmp_path / "watched" / "monitor.db"
        for i in range(20):
            (tmp_path / "watched" / f"d{i}.txt").write_text(document_text(i))
        wait_for(lambda: len(query(db, "SELECT * FROM documents")) == 20, message=lambda: d.log)
        scans_before = query(db, "SELECT count(*) FROM scans")[0][0]
        time.sleep(1.5)  # committing writes the db and its WAL: that must not feed back as events
        assert query(db, "SELECT count(*) FROM scans")[0][0] == scans_before
        paths = {p for (p,) in query(db, "SELECT path FROM documents")}
        assert not any("monitor.db" in p for p in paths)
    finally:
        d.kill()


def current_facts(db: Path, paths: list[str]) -> dict[str, set[tuple]]:
    """path -> what the database says the document states now (kind, subject, qualifier, value)."""
    facts: dict[str, set[tuple]] = {path: set() for path in paths}
    for path, *fact in query(db, """
            SELECT d.path, f.kind, f.subject, f.qualifier, f.value, f.unit FROM facts f
            JOIN documents d ON d.id = f.document_id"""):
        if path in facts:
            facts[path].add(tuple(fact))
    return facts


def test_renames_through_the_daemon_are_moves_with_their_facts(daemon: Daemon) -> None:
    """Many renames at once: their 2 x 30 paths span several ingest batches, and each move's two
    ends must still be ingested together, or it is recorded as a deletion plus a new document."""
    root = watched(daemon)
    n = 30
    for i in range(n):
        (root / f"m{i:02d}.txt").write_text(document_text(i))
    assert_converges(daemon)
    old = [f"m{i:02d}.txt" for i in range(n)]
    new = [f"moved{i:02d}.txt" for i in range(n)]
    facts_before = current_facts(daemon.db_path, old)
    assert all(facts_before.values())
    changes_before = query(daemon.db_path, "SELECT count(*) FROM fact_changes")[0][0]
    for a, b in zip(old, new):
        os.rename(root / a, root / b)
    assert_converges(daemon)
    documents = {path: (moved_to, moved_from) for path, moved_to, moved_from in
                 query(daemon.db_path, "SELECT path, moved_to, moved_from FROM documents")}
    assert [documents[a][0] for a in old] == new, daemon.log
    assert [documents[b][1] for b in new] == old
    assert current_facts(daemon.db_path, new) == {b: facts_before[a] for a, b in zip(old, new)}
    assert query(daemon.db_path, "SELECT count(*) FROM fact_changes")[0][0] == changes_before


def test_reports_folder_inside_the_watched_folder_is_never_ingested(tmp_path: Path) -> None:
    """The daemon writes a digest at start into watched/reports: neither it nor anything else
    written there becomes a document, by event or by the reconcile at the next start."""
    config = write_config(tmp_path, reports="watched/reports")
    root = tmp_path / "watched"
    (root / "a.txt").write_text(document_text(1))
    d = Daemon(config)
    try:
        d.wait_ready()
        wait_for(lambda: list((root / "reports").glob("*.md")), message=lambda: f"no digest written\n{d.log}")
        (root / "reports" / "notes.md").write_text(document_text(2))
        (root / "later.txt").write_text(document_text(3))  # released after notes.md
        wait_for(lambda: ("later.txt",) in query(d.db_path, "SELECT path FROM documents"), message=lambda: d.log)
        assert d.stop() == 0
        again = Daemon(config)
        again.wait_ready()
        again.kill()
        paths = {p for (p,) in query(d.db_path, "SELECT path FROM documents")}
        assert paths == {"a.txt", "later.txt"}, paths
    finally:
        d.kill()


def ingest_groups(d: Daemon) -> dict[int, set[Proc]]:
    """The daemon's ingest processes (each leads its own group, by pgid) with the processes in
    their groups: its pool workers, and multiprocessing's resource tracker."""
    procs = tagged_processes(d.tag)
    leaders = {p.pid for p in procs if p.ppid == d.proc.pid and p.pgid == p.pid}
    return {leader: {p for p in procs if p.pgid == leader and p.pid != leader} for leader in leaders}


def pool_workers(leader: int, members: set[Proc]) -> set[int]:
    return {p.pid for p in members if p.ppid == leader and "spawn_main" in p.cmdline}


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the scanner uses no pool")
def test_cold_start_ingests_with_the_scanners_pool_and_counts_right(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    n = 300
    for i in range(n):
        (tmp_path / "watched" / f"c{i:03d}.txt").write_text(document_text(i) * 3)
    d = Daemon(config)
    workers: set[int] = set()
    try:
        def ready() -> bool:
            for leader, members in ingest_groups(d).items():
                workers.update(pool_workers(leader, members))
            info = read_lock(d.db_path)
            return d.proc.poll() is not None or (info is not None and info.state == "ready")

        wait_for(ready, message=lambda: d.log)
        assert len(workers) >= 2, f"pool workers seen: {workers}\n{d.log}"
        assert db_current(d.db_path) == folder_truth(tmp_path / "watched")
        status = read_lock(d.db_path).status
        expected = {"new": n, "changed": 0, "unchanged": 0, "deleted": 0, "moved": 0, "errors": 0}
        assert status["last_reconcile"] == expected
        assert status["totals"] == expected  # the counts, and nothing else (no scan id)
    finally:
        d.kill()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: the scanner uses no pool")
def test_a_stalled_ingest_is_killed_with_its_whole_process_group(tmp_path: Path) -> None:
    """A document whose extraction takes far longer than the stall timeout (3.5 MB of dense policy
    text: ~20 s) makes the start reconcile stall inside the pool. The ingest process is killed
    with everything in its group, the file is isolated and recorded, the rest is ingested."""
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    for i in range(60):
        (root / f"s{i:02d}.txt").write_text(document_text(i))
    (root / "huge.txt").write_text("".join(document_text(i) for i in range(20_000)))
    d = Daemon(config, env={"MONITOR_INGEST_TIMEOUT": "3"})
    seen: dict[int, set[Proc]] = {}
    try:
        def stalled() -> bool:
            for leader, members in ingest_groups(d).items():
                seen.setdefault(leader, set()).update(members)
            return d.proc.poll() is not None or "reconcile (start) stalled" in d.log

        wait_for(stalled, message=lambda: d.log)
        first = min(seen)  # the ingest process that ran the start reconcile
        assert pool_workers(first, seen[first]), f"no pool below the stalled process: {seen}\n{d.log}"
        wait_for(lambda: not [p for p in tagged_processes(d.tag) if p.pgid == first],
                 deadline=10, message=lambda: f"left of group {first}: {tagged_processes(d.tag)}")
        d.wait_ready()
        truth = folder_truth(root)
        del truth["huge.txt"]
        assert db_current(d.db_path) == truth
        assert ("huge.txt", "timeout") in query(d.db_path, "SELECT path, stage FROM errors")
    finally:
        d.kill()
