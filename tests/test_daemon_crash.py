"""kill -9 at random moments during a heavy ingest, 20 rounds: the database is never corrupt, and
after a restart it equals a fresh scan of the folder (every distinct content once, nothing extra)."""
from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

from daemon_helpers import (
    Daemon,
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

ROUNDS = 20


def current_facts(db: Path) -> set[tuple]:
    """What the database says each present document states now (path, kind, subject, value)."""
    return set(query(db, """
        SELECT d.path, f.kind, f.subject, f.qualifier, f.value, f.unit FROM facts f
        JOIN documents d ON d.id = f.document_id WHERE d.deleted_at IS NULL"""))


def test_kill_9_during_heavy_ingest_never_corrupts_and_converges(tmp_path: Path) -> None:
    rng = random.Random(20261122)
    config = write_config(tmp_path)
    root = tmp_path / "watched"
    db = tmp_path / "state" / "monitor.db"
    written: dict[str, set[str]] = {}  # path -> every content it ever had (as text)

    def write(name: str, text: str) -> None:
        (root / name).write_text(text)
        written.setdefault(name, set()).add(text)

    # Enough already there that the start reconcile is heavy too (it uses the scanner's pool).
    for i in range(150):
        write(f"pre{i:03d}.txt", document_text(i))

    for round_no in range(ROUNDS):
        d = Daemon(config)
        # Work arriving while it starts and runs: new files, and edits of existing ones.
        for i in range(60):
            write(f"r{round_no:02d}_{i:02d}.txt", document_text(1000 * round_no + i))
        for name in rng.sample(sorted(written), 15):
            write(name, document_text(rng.randrange(10_000), rate=rng.randrange(1, 99)))
        time.sleep(rng.uniform(0.1, 2.0))
        d.kill()
        # Nothing outlives the daemon: its ingest process, nor that one's pool workers.
        wait_for(lambda: not tagged_processes(d.tag), deadline=10,
                 message=lambda: f"round {round_no}: left behind {tagged_processes(d.tag)}")
        if db.exists():
            assert query(db, "PRAGMA integrity_check") == [("ok",)], f"round {round_no}\n{d.log}"

    final = Daemon(config)
    try:
        final.wait_ready()
        wait_for(converged(db, root), message=lambda: final.log)
    finally:
        final.kill()
    assert query(db, "PRAGMA integrity_check") == [("ok",)]

    # A fresh scan of the same folder into a new database.
    fresh = tmp_path / "fresh.db"
    subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "scan", "--db", str(fresh)],
                   cwd=tmp_path, check=True, capture_output=True)
    assert db_current(db) == db_current(fresh) == folder_truth(root)
    assert current_facts(db) == current_facts(fresh)

    # Every distinct content present once, nothing extra: a document's versions are distinct
    # contents that the file really had, and no document exists that the folder never had.
    import hashlib

    versions = versions_per_path(db)
    assert set(versions) == set(written)
    for path, shas in versions.items():
        assert _only_consecutive_distinct(shas), (path, shas)
        real = {hashlib.sha256(text.encode()).hexdigest() for text in written[path]}
        assert set(shas) <= real, path


def _only_consecutive_distinct(shas: list[str]) -> bool:
    """A content may come back after a different one (A, B, A is three versions); never twice in a row."""
    return all(a != b for a, b in zip(shas, shas[1:]))
