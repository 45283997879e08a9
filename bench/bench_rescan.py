"""Unchanged re-scan: `monitor scan` of a folder of 15,000 files none of which changed.

The target (issue 2) is under one second. The scanner walks the folder with os.scandir, loads the
store's (path, size, mtime) of every document in one query and reads no file whose size and
mtime are unchanged; this bench shows whether that holds at scale.

    python bench/bench_rescan.py [--documents 15000] [--size-kb 12] [--rounds 3] [--extract]

1. Builds the folder once with bench/corpus.py (kept in bench/work/rescan-N for later runs).
2. Cold scan into a fresh database, in process. By default without fact extraction, because
   this bench is about the re-scan and extraction speed is bench_ingest's business; `--extract`
   runs the full pipeline.
3. Re-scans: `monitor scan` as a user runs it (a new process: interpreter start, imports, config,
   the scan, the summary), and `Scanner.reconcile()` alone, in process. The best of `--rounds`.

Prints a table and merges the figures into bench/results.json under "rescan".
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

from corpus import build_corpus, corpus_files  # noqa: E402
from measure import WORK, machine, merge_results, monitor_command, monitor_env, run_measured, table  # noqa: E402

from monitor.config import Config, WatchConfig  # noqa: E402
from monitor.scan import Scanner  # noqa: E402
from monitor.store import open_store  # noqa: E402

TARGET_SECONDS = 1.0


def build_folder(documents: int, size_kb: float) -> Path:
    """The bench folder, built once and reused while it has the right number of files."""
    folder = WORK / f"rescan-{documents}-{size_kb:g}kb"
    if folder.is_dir() and len(corpus_files(folder)) == documents:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    total = build_corpus(folder, documents, size_kb=size_kb)
    print(f"built {documents:,} files ({total / 1e6:,.0f} MB) in {time.perf_counter() - started:.1f} s")
    return folder


def cold_scan(folder: Path, db_path: Path, extract: bool) -> dict[str, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = open_store(db_path)
    scanner = Scanner(db, Config(watch=WatchConfig(paths=[str(folder)])), extract=extract)
    started = time.perf_counter()
    summary = scanner.reconcile()
    seconds = time.perf_counter() - started
    db.close()
    assert summary.errors == 0, summary.line()
    return {"versions": summary.new, "seconds": round(seconds, 3),
            "versions_per_s": round(summary.new / seconds, 1)}


def rescan_in_process(folder: Path, db_path: Path) -> tuple[float, str]:
    db = open_store(db_path)
    scanner = Scanner(db, Config(watch=WatchConfig(paths=[str(folder)])))
    started = time.perf_counter()
    summary = scanner.reconcile()
    seconds = time.perf_counter() - started
    db.close()
    return seconds, summary.line()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=15_000)
    parser.add_argument("--size-kb", type=float, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--extract", action="store_true", help="extract facts in the cold scan too")
    args = parser.parse_args()

    folder = build_folder(args.documents, args.size_kb)
    db_path = WORK / "rescan.db"
    cold = cold_scan(folder, db_path, args.extract)
    print(f"cold scan: {cold['versions']:,} versions in {cold['seconds']:.1f} s "
          f"({cold['versions_per_s']:,.0f}/s, extraction {'on' if args.extract else 'off'})")

    cli_runs, in_process = [], []
    for _ in range(args.rounds):
        run = run_measured(monitor_command("scan", "--db", db_path, folder), env=monitor_env(), cwd=WORK)
        assert run.returncode == 0, "monitor scan failed"
        cli_runs.append(run)
        seconds, line = rescan_in_process(folder, db_path)
        assert line.startswith(f"0 new, 0 changed, {args.documents} unchanged"), line
        in_process.append(seconds)
    best = min(cli_runs, key=lambda r: r.seconds)
    figures = {
        "files": args.documents,
        "size_kb": args.size_kb,
        "cli_seconds": round(best.seconds, 3),
        "cli_seconds_all": [round(r.seconds, 3) for r in cli_runs],
        "cli_max_rss_mb": round(best.max_rss_mb, 1),
        "in_process_seconds": round(min(in_process), 3),
        "in_process_seconds_all": [round(s, 3) for s in in_process],
        "target_seconds": TARGET_SECONDS,
        "met": best.seconds < TARGET_SECONDS,
        "cold": {**cold, "extraction": args.extract},
        "machine": machine(),
    }
    print(table([
        ["monitor scan (new process)", args.documents, best.seconds, best.max_rss_mb],
        ["Scanner.reconcile (in process)", args.documents, min(in_process), None],
    ], ["unchanged re-scan", "files", "seconds (best)", "max RSS MB"]))
    print(f"target < {TARGET_SECONDS} s: {'met' if figures['met'] else 'NOT met'}")
    merge_results("rescan", figures)


if __name__ == "__main__":
    main()
