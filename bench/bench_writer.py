"""The SQLite writer alone: CPU milliseconds per version that the main process spends storing.

    python bench/bench_writer.py [--documents 2000] [--fraction 0.1] [--rounds 3] [--repeat 3] [--profile OUT]

`monitor scan` splits its work between extraction workers and one writer (scan.py). This bench
measures the writer's share only: the files are read, decoded, hashed and extracted first, outside
the measurement, exactly as a worker would (`scan.prepare`); then the scanner's own writer
(`scan._Writer`, the code `monitor scan` runs) stores them into a database on disk, and the
process CPU time of that part is divided by the versions written.

1. cold: an empty database, every file new (documents, versions, FTS index, facts, runs);
2. incremental: `--fraction` of the files edited in place (rates, dates, amounts, re-wraps,
   links), repeated `--rounds` times; the figure is over all rounds.

Each phase is written `--repeat` times from a copy of the same database state, and the fastest
write counts: on a shared machine the others measure the neighbours as well.

`--profile OUT` writes a cProfile of the cold and incremental writes (pstats files). Figures go
to bench/results.json under "writer".
"""
from __future__ import annotations

import argparse
import cProfile
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import corpus  # noqa: E402  (bench/ is a folder of scripts)
from measure import WORK, machine, merge_results, remove_database, table  # noqa: E402

from monitor import scan  # noqa: E402
from monitor.config import Config, WatchConfig  # noqa: E402
from monitor.store import open_store  # noqa: E402


class Phase:
    """What changed in `folder` since the database's state, prepared as workers would (unmeasured)."""

    def __init__(self, database: Path, folder: Path) -> None:
        self.database = database
        self.folder = folder
        db = open_store(database)
        try:
            scanner, batch = _batch(db, folder)
            _, _, to_read = batch._split()
            scan._worker_gazetteer = scanner.gazetteer()
            self.prepared = [scan.prepare(scan.Job(c.path, c.file, scanner.config.watch.max_file_size,
                                                   batch._present_sha(c.path), True)) for c in to_read]
        finally:
            db.close()

    def write(self, profile: Path | None = None) -> dict[str, Any]:
        """Write the prepared files with the scanner's writer; CPU and wall time of that alone."""
        db = open_store(self.database)
        try:
            _, batch = _batch(db, self.folder)
            before = db.execute("SELECT count(*) FROM document_versions").fetchone()[0]
            profiler = cProfile.Profile() if profile else None
            started_cpu, started = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            writer = scan._Writer(batch, {})
            for p in self.prepared:
                writer.add(p)
            writer.flush()
            if profiler:
                profiler.disable()
                profiler.dump_stats(str(profile))
            cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
            versions = db.execute("SELECT count(*) FROM document_versions").fetchone()[0] - before
        finally:
            db.close()
        return {"files": len(self.prepared), "versions": versions, "cpu_s": cpu, "wall_s": wall}

    def measure(self, repeat: int, profile: Path | None) -> dict[str, Any]:
        """The write `repeat` times from the same database state (the fastest counts: the others
        were slowed by whatever else ran on the machine); the database keeps the last one's result."""
        snapshot = self.database.with_name("snapshot.db")
        _copy_database(self.database, snapshot)
        runs = []
        for n in range(repeat):
            if n:
                _copy_database(snapshot, self.database)
            runs.append(self.write(profile if n == repeat - 1 else None))
        snapshot.unlink()
        best = min(runs, key=lambda r: r["cpu_s"])
        return {**best, "cpu_s_all": [round(r["cpu_s"], 3) for r in runs]}


def _batch(db: Any, folder: Path) -> tuple[scan.Scanner, Any]:
    config = Config(watch=WatchConfig(paths=[str(folder)]))
    scanner = scan.Scanner(db, config, workers=1)
    batch = scan._Batch(scanner, scanner.roots, "scan")
    batch.candidates.extend(scanner._walk(scanner.roots[0], scanner.roots[0].path, batch))
    batch.known = scanner._load_known("1", [])
    batch.in_scope = lambda known: True
    return scanner, batch


def _copy_database(source: Path, target: Path) -> None:
    remove_database(target)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="writes of each phase; the fastest counts")
    parser.add_argument("--size-kb", type=float, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=corpus.DEFAULT_SHARED)
    parser.add_argument("--profile", type=Path, help="folder for cProfile stats of the writes")
    args = parser.parse_args(argv)

    work = WORK / "writer"
    folder = work / f"docs-{args.documents}"
    shutil.rmtree(folder, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    database = work / "monitor.db"
    remove_database(database)
    open_store(database).close()
    corpus.build_corpus(folder, args.documents, seed=args.seed, size_kb=args.size_kb, shared=args.shared)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)

    cold = Phase(database, folder).measure(args.repeat, args.profile / "cold.pstats" if args.profile else None)
    rounds = []
    for r in range(args.rounds):
        corpus.apply_history(folder, rounds=1, fraction=args.fraction, seed=args.seed + 1 + r,
                             weights=corpus.CONTENT_EDITS)
        rounds.append(Phase(database, folder).measure(
            args.repeat, args.profile / f"incremental-{r}.pstats" if args.profile else None))
    incremental = {k: sum(r[k] for r in rounds) for k in ("files", "versions", "cpu_s", "wall_s")}
    rows = [["cold", cold["versions"], round(cold["cpu_s"], 2), _ms(cold), cold["cpu_s_all"]],
            ["incremental", incremental["versions"], round(incremental["cpu_s"], 2), _ms(incremental),
             [r["cpu_s_all"] for r in rounds]]]
    print(table(rows, ["phase", "versions", "writer CPU s", "writer ms/version", "CPU s of each write"]))
    print(f"load average: {os.getloadavg()[0]:.2f}")
    result = {"documents": args.documents, "repeat": args.repeat, "cold_ms_per_version": _ms(cold),
              "incremental_ms_per_version": _ms(incremental), "cold": cold, "incremental": incremental,
              "machine": machine()}
    merge_results("writer", result)
    return result


def _ms(phase: dict[str, Any]) -> float | None:
    return round(1000 * phase["cpu_s"] / phase["versions"], 3) if phase["versions"] else None


if __name__ == "__main__":
    main()
