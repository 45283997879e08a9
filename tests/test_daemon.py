"""The daemon's parts in isolation (debounce with a fake clock, event recording, backoff) and the
daemon as a real subprocess: editor save patterns, bursts, moves, signals, lock, readers."""
from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

from watchdog.events import (
    DirModifiedEvent,
    FileAttribEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from monitor.daemon import Backoff, EventRecorder, OverflowDetector, PendingPaths, sd_notify


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


def drain(pending: PendingPaths, clock: FakeClock, step: float, seconds: float) -> list[tuple[float, str]]:
    """Advance the clock in steps, collecting (time, path) as paths are released."""
    released = []
    start = clock.now
    while clock.now - start < seconds:
        for path in pending.take_due():
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
        released += pending.take_due()
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
    assert pending.take_due() == ["/w/b.txt", "/w/a.txt"]


def test_zero_debounce_releases_at_once() -> None:
    pending, clock, disk = make_pending(quiet=0.0)
    disk.write("/w/a.txt", 1)
    pending.touch("/w/a.txt")
    assert pending.take_due() == ["/w/a.txt"]


def test_a_path_written_forever_is_released_after_max_wait() -> None:
    pending, clock, disk = make_pending(quiet=1.0)
    released = []
    for i in range(int(61 / 0.5)):
        disk.write("/w/forever.log", i)
        pending.touch("/w/forever.log")
        released += pending.take_due()
        clock.advance(0.5)
    assert released == ["/w/forever.log"]


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
