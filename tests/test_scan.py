"""Scanning real folders into a real SQLite file: the version rules and the bad-input set."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import monitor.document
import monitor.scan
from monitor.config import Config, ReportsConfig, WatchConfig, load_config
from monitor.scan import ScanError, Scanner
from monitor.store import open_store

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
KZ_SEED = "001_4777de3da4390cc3.txt"
# Files written by a test get a modification time this far in the past, as files normally have
# by the time they are scanned; a file modified within the last second is read again by the next
# scan on purpose (see scan.RACY_WINDOW_NS), which would hide whether a skip works.
AN_HOUR = 3600


class Folder:
    """A watched folder, its database and a scanner, with helpers to read the store."""

    def __init__(self, tmp_path: Path, **watch: object) -> None:
        self.root = tmp_path / "docs"
        self.root.mkdir()
        self.config = Config(watch=WatchConfig(paths=[str(self.root)], **watch))
        self.db = open_store(tmp_path / "monitor.db")
        self.scanner = Scanner(self.db, self.config)

    def write(self, name: str, data: str | bytes, *, age: float = AN_HOUR) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        if age:
            past = time.time() - age
            os.utime(path, (past, past))
        return path

    def scan(self):
        return self.scanner.reconcile()

    def versions(self, path: str) -> list[tuple[int, str]]:
        # version_texts: older versions' text is stored deflated
        return [(r["version"], r["text"]) for r in self.db.query(
            "SELECT v.version, v.text FROM version_texts v JOIN documents d ON d.id = v.document_id "
            "WHERE d.path = ? ORDER BY v.version", [path])]

    def document(self, path: str) -> dict:
        return next(self.db.query("SELECT * FROM documents WHERE path = ?", [path]))

    def errors(self) -> list[tuple[str, str, str]]:
        return [(r["path"], r["stage"], r["reason"]) for r in self.db.query("SELECT * FROM errors ORDER BY id")]

    def count(self, table: str) -> int:
        return self.db[table].count


@pytest.fixture
def folder(tmp_path):
    f = Folder(tmp_path)
    yield f
    f.db.close()


def counts(summary) -> tuple[int, ...]:
    return (summary.new, summary.changed, summary.unchanged, summary.deleted, summary.moved, summary.errors)


# --- the version rules ---------------------------------------------------------------------------


def test_first_scan_stores_version_one_with_metadata(folder):
    folder.write("a.md", "---\ntitle: A title\ndate: '2025-07-07'\nsource_url: https://x.gov/a\n---\nBody.\n")
    folder.write("sub/b.txt", "plain")
    summary = folder.scan()
    assert counts(summary) == (2, 0, 0, 0, 0, 0)
    row = next(folder.db.query("SELECT * FROM document_versions WHERE path = 'a.md'"))
    assert (row["version"], row["title"], row["date"], row["source_url"], row["format"]) == (
        1, "A title", "2025-07-07", "https://x.gov/a", "markdown")
    assert folder.versions("sub/b.txt") == [(1, "plain")]
    doc = folder.document("sub/b.txt")
    assert doc["root"] == str(folder.root.resolve()) and doc["current_version"] == 1
    assert doc["deleted_at"] is None


def test_rescan_of_unchanged_files_reads_nothing(folder, monkeypatch):
    folder.write("a.txt", "one")
    folder.write("b.txt", "two")
    folder.scan()

    def no_reading(*args, **kwargs):
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(monitor.scan, "read_document", no_reading)
    assert counts(folder.scan()) == (0, 0, 2, 0, 0, 0)
    assert folder.count("document_versions") == 2


def test_edit_adds_a_version_and_keeps_the_old_one(folder):
    folder.write("a.txt", "Tariff 25%.")
    folder.scan()
    folder.write("a.txt", "Tariff 30%, now.", age=AN_HOUR - 10)
    assert counts(folder.scan()) == (0, 1, 0, 0, 0, 0)
    assert folder.versions("a.txt") == [(1, "Tariff 25%."), (2, "Tariff 30%, now.")]
    assert folder.document("a.txt")["current_version"] == 2


def test_identical_rewrite_adds_nothing_and_refreshes_the_stat(folder, monkeypatch):
    folder.write("a.txt", "same bytes")
    folder.scan()
    path = folder.write("a.txt", "same bytes", age=AN_HOUR - 10)
    assert counts(folder.scan()) == (0, 0, 1, 0, 0, 0)
    assert folder.versions("a.txt") == [(1, "same bytes")]
    assert folder.document("a.txt")["mtime_ns"] == path.stat().st_mtime_ns
    monkeypatch.setattr(monitor.scan, "read_document", lambda *a, **k: pytest.fail("read again"))
    assert counts(folder.scan()) == (0, 0, 1, 0, 0, 0)


def test_a_revert_is_a_new_version(folder):
    folder.write("a.txt", "A")
    folder.scan()
    folder.write("a.txt", "B", age=AN_HOUR - 10)
    folder.scan()
    folder.write("a.txt", "A", age=AN_HOUR - 20)
    folder.scan()
    assert folder.versions("a.txt") == [(1, "A"), (2, "B"), (3, "A")]


def test_deletion_is_recorded_and_keeps_history(folder):
    path = folder.write("a.txt", "text")
    folder.scan()
    path.unlink()
    assert counts(folder.scan()) == (0, 0, 0, 1, 0, 0)
    doc = folder.document("a.txt")
    assert doc["deleted_at"] is not None
    assert folder.versions("a.txt") == [(1, "text")]
    assert counts(folder.scan()) == (0, 0, 0, 0, 0, 0)  # deleted once, not every scan


def test_file_that_comes_back_is_the_next_version_of_the_same_document(folder):
    path = folder.write("a.txt", "text")
    folder.scan()
    doc_id = folder.document("a.txt")["id"]
    path.unlink()
    folder.scan()
    folder.write("a.txt", "text", age=AN_HOUR - 10)
    assert counts(folder.scan()) == (0, 1, 0, 0, 0, 0)
    doc = folder.document("a.txt")
    assert (doc["id"], doc["deleted_at"], doc["current_version"]) == (doc_id, None, 2)
    path.unlink()
    folder.scan()
    folder.write("a.txt", "other text", age=AN_HOUR - 20)
    folder.scan()
    assert folder.versions("a.txt") == [(1, "text"), (2, "text"), (3, "other text")]


def test_facts_come_back_with_a_returning_file(folder):
    text = (SEEDS / KZ_SEED).read_bytes()
    path = folder.write("kz.txt", text)
    folder.scan()
    facts_before = folder.count("facts")
    assert facts_before > 0
    path.unlink()
    folder.scan()
    assert folder.count("facts") == 0
    folder.write("kz.txt", text, age=AN_HOUR - 10)
    folder.scan()
    assert folder.count("facts") == facts_before
    assert folder.count("fact_changes") == 0  # the same facts as before it left: nothing changed


def test_rename_with_identical_content_is_a_move(folder):
    text = (SEEDS / KZ_SEED).read_bytes()
    path = folder.write("old.txt", text)
    folder.scan()
    old_id = folder.document("old.txt")["id"]
    facts = folder.count("facts")
    path.rename(folder.root / "new.txt")
    assert counts(folder.scan()) == (0, 0, 0, 0, 1, 0)
    old, new = folder.document("old.txt"), folder.document("new.txt")
    assert old["deleted_at"] is not None and old["moved_to"] == "new.txt"
    assert new["moved_from"] == "old.txt" and new["current_version"] == 1
    assert folder.versions("new.txt") == [(1, text.decode())]
    # The facts follow the file, and no change is reported.
    assert folder.db.execute("SELECT count(*) FROM facts WHERE document_id = ?", [new["id"]]).fetchone()[0] == facts
    assert folder.db.execute("SELECT count(*) FROM facts WHERE document_id = ?", [old_id]).fetchone()[0] == 0
    assert folder.count("fact_changes") == 0


def test_rename_with_different_content_is_a_deletion_and_a_new_document(folder):
    path = folder.write("old.txt", "first")
    folder.scan()
    path.unlink()
    folder.write("new.txt", "second")
    assert counts(folder.scan()) == (1, 0, 0, 1, 0, 0)
    assert folder.document("old.txt")["moved_to"] is None
    assert folder.document("new.txt")["moved_from"] is None


def test_project_folder_moved_elsewhere_keeps_its_documents(tmp_path):
    f = Folder(tmp_path)
    f.write("a.txt", "text")
    f.scan()
    f.db.close()
    moved = tmp_path / "elsewhere"
    shutil.move(str(tmp_path / "docs"), moved)
    db = open_store(tmp_path / "monitor.db")
    summary = Scanner(db, Config(watch=WatchConfig(paths=[str(moved)]))).reconcile()
    assert counts(summary) == (0, 0, 1, 0, 0, 0)
    assert db.execute("SELECT root FROM documents").fetchone()[0] == str(moved.resolve())
    db.close()


def test_a_recently_modified_file_is_read_again_by_the_next_scan(folder):
    path = folder.write("a.txt", "fresh", age=0)
    folder.scan()
    # Modified within the timestamp granularity of the read: its stat is not trusted for the skip.
    assert folder.document("a.txt")["mtime_ns"] is None
    past = time.time() - AN_HOUR
    os.utime(path, (past, past))
    assert counts(folder.scan()) == (0, 0, 1, 0, 0, 0)
    assert folder.document("a.txt")["mtime_ns"] == path.stat().st_mtime_ns


def test_scans_table_records_each_scan(folder):
    folder.write("a.txt", "a")
    folder.scan()
    folder.scanner.reconcile(trigger="schedule")
    rows = list(folder.db.query("SELECT * FROM scans ORDER BY id"))
    assert [(r["trigger"], r["new"], r["unchanged"]) for r in rows] == [("scan", 1, 0), ("schedule", 0, 1)]
    assert all(r["finished_at"] >= r["started_at"] for r in rows)


# --- bad input -----------------------------------------------------------------------------------


def test_empty_file_is_a_version(folder):
    folder.write("empty.txt", b"")
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 0)
    assert folder.versions("empty.txt") == [(1, "")]


def test_binary_file_is_an_error_and_the_scan_goes_on(folder):
    folder.write("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    folder.write("good.txt", "fine")
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 1)
    assert folder.errors() == [("image.txt", "read", "binary file (contains NUL bytes), not ingested")]


def test_a_rescan_does_not_repeat_an_error(folder):
    folder.write("image.txt", b"\x00\x01")
    folder.scan()
    assert folder.scan().errors == 1  # still reported by the scan ...
    assert len(folder.errors()) == 1  # ... but recorded once


def test_an_unchanged_failing_file_is_skipped_unread_and_retried_once_it_changes(folder):
    image = folder.write("image.txt", b"\x89PNG\x00\x00\x00\x00")
    assert counts(folder.scan()) == (0, 0, 0, 0, 0, 1)
    stat = image.stat()
    (row,) = folder.db.query("SELECT size, mtime_ns FROM errors")
    assert (row["size"], row["mtime_ns"]) == (stat.st_size, stat.st_mtime_ns)
    # Bytes of the same length and the same mtime: the scan cannot tell, and does not read it
    # (were it read, it would be a new document now).
    image.write_bytes(b"a tariff")
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert counts(folder.scan()) == (0, 0, 0, 0, 0, 1)  # still reported as an error
    assert folder.count("documents") == 0
    # Once it changes it is read again: the error row that told of it stays.
    folder.write("image.txt", b"a tariff", age=AN_HOUR - 10)
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 0)
    assert folder.versions("image.txt") == [(1, "a tariff")]
    assert folder.errors() == [("image.txt", "read", "binary file (contains NUL bytes), not ingested")]
    # Binary again: a new error (the file was ingested since the first), skipped in turn.
    folder.write("image.txt", b"\x00\x00", age=AN_HOUR - 20)
    assert folder.scan().errors == 1
    assert len(folder.errors()) == 2
    assert folder.scan().errors == 1 and len(folder.errors()) == 2


def test_a_failure_that_a_chmod_or_the_configuration_may_clear_is_tried_again(folder):
    folder.write("big.txt", "0123456789 too long")
    folder.scanner.config.watch.max_file_size = 10
    assert folder.scan().errors == 1
    (row,) = folder.db.query("SELECT size, mtime_ns FROM errors")
    assert (row["size"], row["mtime_ns"]) == (None, None)
    folder.scanner.config.watch.max_file_size = 1000
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 0)


def test_invalid_utf8_is_stored_replaced_and_flagged(folder):
    folder.write("latin1.txt", "Zölle 25%".encode("latin-1"))
    folder.scan()
    row = next(folder.db.query("SELECT text, decode_errors, encoding FROM document_versions"))
    assert (row["text"], row["decode_errors"], row["encoding"]) == ("Z\ufffdlle 25%", 1, "utf-8")


def test_utf16_file_is_decoded(folder):
    folder.write("wide.txt", "\ufeffTariff of 25% on steel".encode("utf-16-le"))
    folder.scan()
    assert folder.versions("wide.txt") == [(1, "Tariff of 25% on steel")]


def test_file_over_the_size_limit_is_an_error(tmp_path):
    f = Folder(tmp_path, max_file_size=10)
    f.write("big.txt", "x" * 11)
    f.write("small.txt", "x" * 10)
    assert counts(f.scan()) == (1, 0, 0, 0, 0, 1)
    assert f.errors() == [("big.txt", "read", "over the size limit (11 bytes > 10)")]
    f.db.close()


def test_symlink_loop_is_an_error_and_does_not_hang(folder):
    os.symlink("loop.txt", folder.root / "loop.txt")
    (folder.root / "sub").mkdir()
    os.symlink("..", folder.root / "sub" / "up")  # a folder loop: never entered
    folder.write("sub/a.txt", "a")
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 1)
    assert folder.errors() == [("loop.txt", "read", "symlink loop")]


def test_symlinks_out_of_the_folder_are_not_followed(folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside")
    os.symlink(outside / "secret.txt", folder.root / "link.txt")
    os.symlink(outside, folder.root / "linked_dir")
    folder.write("inside.txt", "inside")
    os.symlink("inside.txt", folder.root / "alias.txt")  # inside the folder: followed
    folder.scan()
    paths = [r[0] for r in folder.db.execute("SELECT path FROM documents ORDER BY path")]
    assert paths == ["alias.txt", "inside.txt"]
    assert folder.scanner.is_ignored(folder.root / "link.txt")


def test_unreadable_file_is_an_error(folder, monkeypatch):
    # Tests run as root, which chmod 000 does not stop; so this one test makes the operating
    # system's open() refuse this one file, exactly as it does for a user without permission.
    folder.write("locked.txt", "secret")
    folder.write("open.txt", "fine")
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(monitor.document.os, "open", refusing_open)
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 1)
    assert folder.errors() == [("locked.txt", "read", "unreadable (permission denied)")]


def test_a_folder_that_cannot_be_read_is_not_taken_for_an_empty_one(tmp_path):
    """`monitor scan` by a user who cannot read a subfolder: before, its documents were recorded
    as deleted (and came back as new versions once it could be read). The scan runs without
    root's permission override (see daemon_helpers), so the refusal is the kernel's own."""
    import json

    from daemon_helpers import permissions_apply, without_permission_override, write_config

    if not permissions_apply(tmp_path):
        pytest.skip("cannot scan without root's permission override here")
    config = write_config(tmp_path, watch="docs")
    locked = tmp_path / "docs" / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("Tariff of 25% on steel.")
    (tmp_path / "docs" / "b.txt").write_text("Tariff of 10% on zinc.")

    def scan() -> dict:
        result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "scan", "--json"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120,
                                preexec_fn=without_permission_override)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert (scan()["new"], scan()["unchanged"]) == (2, 2)
    locked.chmod(0)
    try:
        summary = scan()
    finally:
        locked.chmod(0o755)
    assert (summary["deleted"], summary["errors"], summary["unchanged"]) == (0, 1, 1), summary
    db = open_store(tmp_path / "state" / "monitor.db")
    assert [tuple(r) for r in db.execute("SELECT path, deleted_at, current_version FROM documents ORDER BY path")] == \
        [("b.txt", None, 1), ("locked/a.txt", None, 1)]
    ((path, stage, reason),) = db.execute("SELECT path, stage, reason FROM errors").fetchall()
    assert (path, stage) == ("locked", "walk") and reason.startswith("unreadable folder (permission denied)")
    db.close()
    assert (scan()["unchanged"], scan()["deleted"]) == (2, 0)  # readable again: nothing to catch up


def test_file_deleted_between_listing_and_reading(folder, monkeypatch):
    folder.write("gone.txt", "soon gone")
    folder.write("stays.txt", "stays")
    real_prepare = monitor.scan.prepare

    def delete_then_prepare(job):
        if job.path == "gone.txt":
            os.unlink(job.file)  # listed by the walk, gone by the time it is read
        return real_prepare(job)

    monkeypatch.setattr(monitor.scan, "prepare", delete_then_prepare)
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 1)
    assert folder.errors() == [("gone.txt", "read", "vanished before it could be read")]


def test_fifo_is_an_error_not_a_hang(folder):
    os.mkfifo(folder.root / "pipe.txt")
    assert counts(folder.scan()) == (0, 0, 0, 0, 0, 1)
    assert folder.errors() == [("pipe.txt", "read", "not a regular file")]


def test_extraction_failure_keeps_the_version(folder, monkeypatch):
    def broken(document, gazetteer=None):
        raise RuntimeError("rules crashed")

    monkeypatch.setattr(monitor.scan, "extract_document", broken)
    folder.write("a.txt", "Tariff of 25% on steel.")
    assert counts(folder.scan()) == (1, 0, 0, 0, 0, 1)
    assert folder.versions("a.txt") == [(1, "Tariff of 25% on steel.")]
    assert folder.errors() == [("a.txt", "extract", "extraction failed: RuntimeError: rules crashed")]


# --- what is never ingested ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    ".hidden.txt", ".git/config.txt", "a.txt.swp", "a.txt~", "download.txt.part", "x.tmp",
    ".goutputstream-ABC123", "4913", "#a.txt#", "notes.pdf",
])
def test_never_ingested(folder, name):
    folder.write(name, "temporary")
    folder.write("real.txt", "real")
    folder.scan()
    assert [r[0] for r in folder.db.execute("SELECT path FROM documents")] == ["real.txt"]
    assert folder.scanner.is_ignored(folder.root / name)
    assert not folder.scanner.is_ignored(folder.root / "real.txt")


def test_database_files_inside_the_watched_folder_are_never_ingested(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text("a")
    db = open_store(root / "monitor.db")
    config = Config(watch=WatchConfig(paths=[str(root)], include=["*"]))
    scanner = Scanner(db, config)
    (root / "monitor.db.lock").write_text("{}")
    scanner.reconcile()
    assert [r[0] for r in db.execute("SELECT path FROM documents")] == ["a.txt"]
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        assert scanner.is_ignored(root / f"monitor.db{suffix}")
    db.close()


def test_reports_folder_inside_the_watched_folder_is_never_ingested(tmp_path):
    """Digests written into a reports folder inside a watched folder never come back as documents,
    through `monitor scan`, an ingest of their paths, or `is_ignored` (what the daemon asks)."""
    root = tmp_path / "docs"
    (root / "out" / "reports").mkdir(parents=True)
    (root / "a.md").write_text("# a")
    (root / "out" / "b.md").write_text("# b")  # beside the reports folder: still a document
    digest = root / "out" / "reports" / "digest-2026-01-01.md"
    digest.write_text("# Digest")
    config = tmp_path / "config.toml"
    config.write_text('[watch]\npaths = ["docs"]\n[database]\npath = "m.db"\n'
                      '[reports]\nfolder = "docs/out/reports"\n')
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "scan"],
                            cwd=tmp_path, capture_output=True, text=True, check=True)
    assert "2 new" in result.stdout, result.stdout + result.stderr
    db = open_store(tmp_path / "m.db")
    scanner = Scanner(db, load_config(config))
    assert sorted(r[0] for r in db.execute("SELECT path FROM documents")) == ["a.md", "out/b.md"]
    assert counts(scanner.ingest([digest, digest.parent])) == (0, 0, 0, 0, 0, 0)
    assert scanner.is_ignored(digest) and scanner.is_ignored(digest.parent)
    assert scanner.is_ignored(digest.parent / "gone.md")
    assert not scanner.is_ignored(root / "out" / "b.md")
    db.close()


def test_a_watched_folder_inside_the_reports_folder_is_still_watched(tmp_path):
    root = tmp_path / "reports" / "docs"
    root.mkdir(parents=True)
    (root / "a.txt").write_text("a")
    db = open_store(tmp_path / "m.db")
    config = Config(watch=WatchConfig(paths=[str(root)]), reports=ReportsConfig(folder=str(tmp_path / "reports")))
    scanner = Scanner(db, config)
    assert counts(scanner.reconcile()) == (1, 0, 0, 0, 0, 0)
    assert not scanner.is_ignored(root / "a.txt")
    db.close()


def test_include_and_exclude_globs(tmp_path):
    f = Folder(tmp_path, include=["*.txt", "notes/*.md"], exclude=["drafts", "*-old.txt"])
    for name in ("a.txt", "a-old.txt", "b.md", "notes/c.md", "drafts/d.txt", "deep/e.txt"):
        f.write(name, name)
    f.scan()
    assert sorted(r[0] for r in f.db.execute("SELECT path FROM documents")) == ["a.txt", "deep/e.txt", "notes/c.md"]
    f.db.close()


def test_outside_paths_are_ignored(folder, tmp_path):
    assert folder.scanner.is_ignored(tmp_path / "elsewhere.txt")
    assert not folder.scanner.is_ignored(folder.root / "sub")  # a folder (or a deleted one)


# --- several folders -----------------------------------------------------------------------------


def _two_folders_scanned(tmp_path):
    """Folders "seeds" and "news", each with an a.txt, watched together and scanned once."""
    for name in ("seeds", "news"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.txt").write_text(name)
    db = open_store(tmp_path / "m.db")
    config = Config(watch=WatchConfig(paths=[str(tmp_path / "seeds"), str(tmp_path / "news")]))
    Scanner(db, config).reconcile()
    return db, config


def test_several_folders_prefix_paths_with_the_folder_name(tmp_path):
    db, config = _two_folders_scanned(tmp_path)
    assert sorted(r[0] for r in db.execute("SELECT path FROM documents")) == ["news/a.txt", "seeds/a.txt"]
    (tmp_path / "news" / "a.txt").unlink()
    Scanner(db, config).reconcile()
    assert Scanner(db, config).present_files() == [str(tmp_path.resolve() / "seeds" / "a.txt")]
    db.close()


def test_a_missing_folder_does_not_stop_the_others_ingest(tmp_path):
    """With several folders, one missing (an unmounted share) when the scanner starts: events
    from the others are still ingested under the same document paths, and nothing of the
    missing one is taken for deleted."""
    db, config = _two_folders_scanned(tmp_path)
    (tmp_path / "news").rename(tmp_path / "news.away")
    scanner = Scanner(db, config)
    (tmp_path / "seeds" / "b.txt").write_text("new while news is away")
    assert counts(scanner.ingest([tmp_path / "seeds" / "b.txt"])) == (1, 0, 0, 0, 0, 0)
    assert scanner.document_path(tmp_path / "seeds" / "b.txt") == "seeds/b.txt"
    assert scanner.present_files() == [str(tmp_path.resolve() / p) for p in ("seeds/a.txt", "seeds/b.txt")]
    assert counts(scanner.ingest([tmp_path / "news", tmp_path / "news" / "a.txt"])) == (0, 0, 0, 0, 0, 0)
    with pytest.raises(ScanError, match="not a folder"):
        scanner.reconcile()  # a full reconcile still refuses: news would look empty
    (tmp_path / "news.away").rename(tmp_path / "news")
    assert counts(scanner.reconcile()) == (0, 0, 3, 0, 0, 0)  # news/a.txt back as it was
    assert sorted(r[0] for r in db.execute("SELECT path FROM documents WHERE deleted_at IS NULL")) == [
        "news/a.txt", "seeds/a.txt", "seeds/b.txt"]
    db.close()


def test_two_folders_with_one_name_are_refused(tmp_path):
    for parent in ("x", "y"):
        (tmp_path / parent / "docs").mkdir(parents=True)
    db = open_store(tmp_path / "m.db")
    config = Config(watch=WatchConfig(paths=[str(tmp_path / "x" / "docs"), str(tmp_path / "y" / "docs")]))
    with pytest.raises(ScanError, match="both named 'docs'"):
        Scanner(db, config).reconcile()
    db.close()


def test_scanning_another_folder_does_not_delete_the_configured_ones(folder, tmp_path):
    folder.write("a.txt", "a")
    folder.scan()
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_text("b")
    assert counts(folder.scanner.reconcile(roots=[other])) == (1, 0, 0, 0, 0, 0)
    assert folder.document("a.txt")["deleted_at"] is None


# --- ingest: what the daemon calls ---------------------------------------------------------------


def test_ingest_paths(folder):
    a = folder.write("a.txt", "a")
    folder.write("sub/b.txt", "b")
    folder.write("sub/c.txt", "c")
    folder.scan()
    folder.write("a.txt", "a2", age=AN_HOUR - 10)
    assert counts(folder.scanner.ingest([a])) == (0, 1, 0, 0, 0, 0)
    shutil.rmtree(folder.root / "sub")
    assert counts(folder.scanner.ingest([folder.root / "sub"])) == (0, 0, 0, 2, 0, 0)
    assert folder.document("a.txt")["deleted_at"] is None


def test_ingest_a_rename_event_is_a_move(folder):
    old = folder.write("old.txt", "content")
    folder.scan()
    new = folder.root / "new.txt"
    old.rename(new)
    assert counts(folder.scanner.ingest([old, new])) == (0, 0, 0, 0, 1, 0)
    assert folder.document("old.txt")["moved_to"] == "new.txt"


def test_ingest_a_renamed_folder(folder):
    folder.write("dir/a.txt", "a")
    folder.write("dir/b.txt", "b")
    folder.scan()
    (folder.root / "dir").rename(folder.root / "renamed")
    summary = folder.scanner.ingest([folder.root / "dir", folder.root / "renamed"])
    assert counts(summary) == (0, 0, 0, 0, 2, 0)


def test_ingest_ignores_temporaries_and_outside_paths(folder, tmp_path):
    swp = folder.write(".a.txt.swp", "x")
    outside = tmp_path / "x.txt"
    outside.write_text("x")
    assert counts(folder.scanner.ingest([swp, outside])) == (0, 0, 0, 0, 0, 0)
    assert folder.count("documents") == 0


# --- a large scan goes through the process pool --------------------------------------------------


def test_a_large_scan_extracts_in_a_process_pool(tmp_path):
    f = Folder(tmp_path)
    f.scanner = Scanner(f.db, f.config, workers=2)
    seed = (SEEDS / KZ_SEED).read_text()
    n = monitor.scan.POOL_THRESHOLD + 5
    for i in range(n):
        f.write(f"doc{i:03}.txt", seed.replace("25%", f"{i + 1}%"))
    progress: list[tuple[int, int]] = []
    f.scanner.progress = lambda done, total: progress.append((done, total))
    assert counts(f.scan()) == (n, 0, 0, 0, 0, 0)
    assert progress[-1] == (n, n)
    # Every document's facts were recorded, each with its own rate.
    rates = {r[0] for r in f.db.execute("SELECT value FROM facts WHERE kind = 'tariff' AND value IS NOT NULL")}
    assert set(range(1, n + 1)) <= {int(v) for v in rates}
    f.db.close()


def test_reextract_reads_the_stored_versions_as_the_scan_read_the_files(folder):
    """One extraction for both (history.extract_version): with unchanged rules a re-extraction
    finds nothing different, dates without a year included (the document's date resolves them)."""
    from monitor import history

    text = ("---\ntitle: Notice\ndate: 2024-03-01T09:00:00Z\n---\n"
            "Imports from Kazakhstan will be subject to a 25% tariff. The measures take effect on August 1.\n")
    folder.write("notice.md", text)
    folder.scan()
    folder.write("notice.md", text.replace("25%", "30%"), age=AN_HOUR - 10)
    assert folder.scan().changed == 1
    columns = "kind, subject, value, unit, span_start, sentence_start, mentions, evidence"
    before = list(folder.db.query(f"SELECT {columns} FROM facts ORDER BY span_start"))
    assert ("deadline", "2024-08-01") in [(r["kind"], r["value"]) for r in before]
    assert history.reextract(folder.db).changes == 0
    assert list(folder.db.query(f"SELECT {columns} FROM facts ORDER BY span_start")) == before
