"""Ingest: how fast `monitor scan` stores versions with facts, how much memory and disk it takes.

    python bench/bench_ingest.py [--documents 15000] [--target-versions 30000] [--quick] [--profile]

On one generated folder, each phase one `monitor scan --db DB FOLDER` process:

1. cold: an empty database, every file new (read, decode, extract, detect changes, write);
2. rescan: nothing changed (the (size, mtime) skip);
3. incremental: 10% of the files edited in place (rates, dates, amounts, re-wraps, links);
4. history rounds (edits, deletions and new files, 10% of the files each) until the database holds
   `--target-versions` versions, then a last unchanged rescan.

It reports versions/s, MB/s, the peak memory of every scan, and the database's size against the
raw text of all the versions it holds, with the tables and indexes that make it up. Targets (issue
7): cold ingest >= 500 versions/s, rescan of 15,000 files < 1 s, peak memory < 300 MB at 30,000
versions, database <= 1.5x raw text. `--profile` also records the cold ingest with py-spy (all
processes) and prints where the time goes. Figures go to bench/results.json under "ingest".
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402  (bench/ is a folder of scripts)
from measure import (WORK, Run, machine, merge_results, monitor_command, monitor_env, query_one,  # noqa: E402
                     remove_database, run_measured, scan_measured, table)

TARGETS = {"cold_versions_per_s": 500, "rescan_15k_s": 1.0, "peak_mb_at_30k": 300, "db_to_raw": 1.5}
QUICK = {"documents": 500, "target_versions": 1000}


@dataclass
class Phase:
    """One scan: what it was given, what it stored, how long and how much memory it took."""

    name: str
    edits: int
    run: Run
    versions_added: int
    bytes_added: int
    versions_total: int
    errors: int

    def row(self) -> dict[str, Any]:
        seconds = self.run.seconds
        return {
            "phase": self.name, "edits": self.edits, "versions_added": self.versions_added,
            "seconds": round(seconds, 3),
            "versions_per_s": round(self.versions_added / seconds, 1) if self.versions_added else None,
            "mb_per_s": round(self.bytes_added / 1e6 / seconds, 2) if self.bytes_added else None,
            "cpu_seconds": round(self.run.user_seconds + self.run.system_seconds, 2),
            "max_rss_mb": round(self.run.max_rss_mb, 1), "tree_pss_mb": round(self.run.tree_pss_mb, 1),
            "versions_total": self.versions_total, "errors": self.errors, "load_1m": round(self.run.load_1m, 2),
        }


class Ingest:
    """A folder and a database, scanned phase after phase."""

    def __init__(self, work: Path, folder: Path) -> None:
        self.work = work
        self.folder = folder
        self.database = work / "monitor.db"
        self.phases: list[Phase] = []
        # Per history phase and edit kind: files edited, and how many got a fact change reported.
        self.outcomes: dict[str, dict[str, dict[str, int]]] = {}

    def scan(self, name: str, edits: Sequence[corpus.Edit] = ()) -> Phase:
        before = version_totals(self.database)
        last_version_id = max_version_id(self.database)
        run, scan = scan_measured(self.database, self.folder, self.work, self.work / f"scan-{name}.log")
        after = version_totals(self.database)
        phase = Phase(name, len(edits), run, after[0] - before[0], after[1] - before[1], after[0],
                      scan["errors"])
        self.phases.append(phase)
        if edits:
            self.outcomes[name] = edit_outcomes(self.database, self.folder, edits, last_version_id)
        row = phase.row()
        print(f"  {name}: {row['versions_added']:,} versions in {row['seconds']:.2f} s "
              f"({row['versions_per_s'] or 0:,.0f}/s), peak {row['tree_pss_mb']:.0f} MB", flush=True)
        return phase


def version_totals(database: Path) -> tuple[int, int]:
    """Versions stored and the bytes of their raw text (0, 0 before the first scan)."""
    if not database.exists():
        return 0, 0
    return query_one(database, "SELECT count(*), coalesce(sum(size), 0) FROM document_versions")


def max_version_id(database: Path) -> int:
    if not database.exists():
        return 0
    return query_one(database, "SELECT coalesce(max(id), 0) FROM document_versions")[0]


def edit_outcomes(database: Path, folder: Path, edits: Sequence[corpus.Edit], after_version_id: int
                  ) -> dict[str, dict[str, int]]:
    """Per edit kind, the files edited and those the scan reported fact changes for.

    Rate, date and amount edits should all be reported; re-wraps and link changes never (a report
    there is a false alarm). Deleted and new files report no fact change by design.
    """
    conn = sqlite3.connect(database)
    try:
        changed = {path for (path,) in conn.execute(
            "SELECT DISTINCT path FROM fact_changes WHERE version_id > ?", [after_version_id])}
    finally:
        conn.close()
    kinds = {e.path.relative_to(folder).as_posix(): e.kind for e in edits}  # the last edit of a file wins
    outcomes: dict[str, dict[str, int]] = {}
    for path, kind in kinds.items():
        counts = outcomes.setdefault(kind, {"files": 0, "with_fact_changes": 0})
        counts["files"] += 1
        counts["with_fact_changes"] += path in changed
    return outcomes


def database_size(database: Path) -> dict[str, Any]:
    """The database's bytes against the raw text it holds, and which tables and indexes take them.

    The WAL is checkpointed into the main file first, so the figure is the data's size, not how
    far the last writer got with its checkpoints.
    """
    _, raw = version_totals(database)
    conn = sqlite3.connect(database)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        objects = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    finally:
        conn.close()
    files = sum(database.with_name(database.name + suffix).stat().st_size
                for suffix in ("", "-wal") if database.with_name(database.name + suffix).exists())
    return {
        "db_mb": round(files / 1e6, 1), "raw_text_mb": round(raw / 1e6, 1),
        "db_to_raw": round(files / raw, 2) if raw else None,
        "largest_objects_mb": {name: round(size / 1e6, 1) for name, size in objects[:12]},
    }


def size_remedies(database: Path, work: Path) -> list[dict[str, Any]]:
    """What each storage change would save, measured on a copy of the database (cumulatively).

    Only an estimate of the space: the copy is not a database monitor could use afterwards.
    """
    copy = work / "what-if.db"
    copy.unlink(missing_ok=True)
    source = sqlite3.connect(database)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
        _, raw = version_totals(database)
        # Keep the FTS index as it is until a step changes it: no trigger may rewrite it meanwhile.
        for (trigger,) in target.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name = 'document_versions'").fetchall():
            target.execute(f"DROP TRIGGER [{trigger}]")
        steps = [("as stored", lambda conn: None)] + REMEDIES
        results = []
        for label, apply in steps:
            apply(target)
            target.commit()
            target.execute("VACUUM")
            size = copy.stat().st_size
            results.append({"step": label, "db_mb": round(size / 1e6, 1), "db_to_raw": round(size / raw, 2)})
        return results
    finally:
        source.close()
        target.close()
        copy.unlink(missing_ok=True)


def _drop_views(conn: sqlite3.Connection) -> None:
    # The copy is only measured: the views that name the columns the steps drop can go.
    for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
        conn.execute(f"DROP VIEW [{view}]")


def _evidence_without_first_mention(conn: sqlite3.Connection) -> None:
    # The first mention repeats the row's own columns (span, sentence, rule, version_id).
    conn.execute("UPDATE facts SET evidence = json_remove(evidence, '$[0]')")


def _details_compact(conn: sqlite3.Connection) -> None:
    # details as compact JSON ({"a":1} without spaces), NULL when empty.
    conn.execute("UPDATE facts SET details = CASE WHEN details IN ('{}', '') THEN NULL ELSE json(details) END")


def _words_from_offsets(conn: sqlite3.Connection) -> None:
    # A fact's words are the slice [span_start, span_end) of its version's text (a view would cut
    # them, as it cuts sentences).
    _drop_views(conn)
    conn.execute("UPDATE facts SET text = '' WHERE span_start IS NOT NULL")
    conn.execute("UPDATE fact_runs SET text = '' WHERE span_start IS NOT NULL")


def _compress_latest_versions(conn: sqlite3.Connection) -> None:
    # Latest versions deflated too: the full-text index would have to be contentless (it reads
    # the text of a row it removes from the table), and every read of a current text inflates.
    conn.create_function("deflate", 1, lambda text: zlib.compress(text.encode("utf-8"), 6))
    conn.execute("UPDATE document_versions SET text_z = deflate(text), text = NULL WHERE text IS NOT NULL")


# Storage changes still open on the schema of m006 (older versions deflated, sentences as offsets,
# a detail=column full-text index over latest texts, no stored fact keys: the steps earlier
# --what-if runs measured).
REMEDIES = [
    ("evidence without the first mention (the row's columns)", _evidence_without_first_mention),
    ("+ details as compact JSON, NULL when empty", _details_compact),
    ("+ fact words cut from the text by offsets", _words_from_offsets),
    ("+ latest versions' text deflated too", _compress_latest_versions),
]


def edit_round(folder: Path, seed: int, fraction: float, content_only: bool) -> list[corpus.Edit]:
    return corpus.apply_history(folder, rounds=1, fraction=fraction, seed=seed,
                                weights=corpus.CONTENT_EDITS if content_only else None)


def profile_cold(folder: Path, work: Path) -> dict[str, Any] | None:
    """A second cold ingest under py-spy (every process): where the time goes, by function."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("  py-spy is not installed (pip install py-spy into the venv); no profile", flush=True)
        return None
    database, raw = work / "profile.db", work / "profile-cold.txt"
    remove_database(database)
    subprocess.run([py_spy, "record", "--subprocesses", "--format", "raw", "--rate", "50", "-o", str(raw),
                    "--", *monitor_command("scan", "--db", database, folder)],
                   cwd=work, env=monitor_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return summarise_profile(raw) if raw.exists() else None


def summarise_profile(raw: Path, top: int = 25) -> dict[str, Any]:
    """Where the samples of py-spy's collapsed stacks fall: which process, which functions.

    A stack under two `process` frames is a pool worker's (extraction), under one the main
    process's (walking, the pool's bookkeeping, and the SQLite writer). Inclusive shares are given
    for the project's own functions and sqlite-utils only, leaving out the interpreter's frames.
    """
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    processes: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        depth = sum(f.startswith("process ") for f in frames)
        frames = [_short_frame(f) for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        n = int(count)
        total += n
        processes["extraction workers" if depth > 1 else "main process (writer)"] += n
        own[frames[-1]] += n
        for frame in set(frames):
            if frame.endswith(("py)",)) and ("(monitor/" in frame or "(site-packages/sqlite_utils" in frame):
                inclusive[frame] += n
    share = lambda counter: {f: round(100 * n / total, 1) for f, n in counter.most_common(top)}  # noqa: E731
    return {"samples": total, "processes_percent": share(processes), "self_percent": share(own),
            "inclusive_percent": share(inclusive)}


def _short_frame(frame: str) -> str:
    # "function (/path/to/monitor/extract/rules.py:123)" -> "function (monitor/extract/rules.py)"
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("/monitor/", "/site-packages/", "/lib/python3"):
        if marker in path:
            path = marker.strip("/") + "/" + path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=15_000)
    parser.add_argument("--target-versions", type=int, default=30_000)
    parser.add_argument("--fraction", type=float, default=0.1, help="share of files edited per round")
    parser.add_argument("--quick", action="store_true", help=f"a small run ({QUICK})")
    parser.add_argument("--profile", action="store_true", help="also profile a cold ingest with py-spy")
    parser.add_argument("--what-if", action="store_true",
                        help="also measure, on a copy, how much storage changes would shrink the database")
    parser.add_argument("--size-kb", type=float, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=corpus.DEFAULT_SHARED)
    args = parser.parse_args(argv)
    if args.quick:
        args.documents, args.target_versions = QUICK["documents"], QUICK["target_versions"]

    work = WORK / "ingest"
    folder = work / f"docs-{args.documents}"
    shutil.rmtree(folder, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    remove_database(work / "monitor.db")
    host = machine()
    written = corpus.build_corpus(folder, args.documents, seed=args.seed, size_kb=args.size_kb, shared=args.shared)
    print(f"{args.documents:,} documents, {written / 1e6:.1f} MB in {folder}", flush=True)

    ingest = Ingest(work, folder)
    ingest.scan("cold")
    ingest.scan("rescan")
    ingest.scan("incremental", edit_round(folder, args.seed + 1, args.fraction, content_only=True))
    round_number = 0
    while ingest.phases[-1].versions_total < args.target_versions:
        round_number += 1
        ingest.scan(f"history-{round_number}", edit_round(folder, args.seed + 1 + round_number, args.fraction, False))
    ingest.scan("rescan-at-target")

    result = summarise(ingest, args, host)
    if args.what_if:
        result["size"]["what_if"] = size_remedies(ingest.database, work)
    if args.profile:
        result["profile_cold"] = profile_cold(folder, work)
    print_report(result)
    merge_results("ingest_quick" if args.quick else "ingest", result)
    return result


def summarise(ingest: Ingest, args: argparse.Namespace, host: dict[str, Any]) -> dict[str, Any]:
    rows = [p.row() for p in ingest.phases]
    by_name = {r["phase"]: r for r in rows}
    incremental = by_name["incremental"]
    return {
        "documents": args.documents,
        "size_kb": args.size_kb,
        "phases": rows,
        "cold_versions_per_s": by_name["cold"]["versions_per_s"],
        "cold_mb_per_s": by_name["cold"]["mb_per_s"],
        "rescan_s": by_name["rescan"]["seconds"],
        "rescan_at_target_s": by_name["rescan-at-target"]["seconds"],
        "incremental_s": incremental["seconds"],
        "incremental_versions_per_s": incremental["versions_per_s"],
        "peak_tree_pss_mb": max(r["tree_pss_mb"] for r in rows),
        "peak_max_rss_mb": max(r["max_rss_mb"] for r in rows),
        "versions_total": rows[-1]["versions_total"],
        "size": database_size(ingest.database),
        "edit_outcomes": total_outcomes(ingest.outcomes),
        "targets": TARGETS,
        "quick": args.quick,
        "machine": host,
    }


def total_outcomes(outcomes: dict[str, dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """Edit outcomes summed over every phase that edited files."""
    total: dict[str, dict[str, int]] = {}
    for per_kind in outcomes.values():
        for kind, counts in per_kind.items():
            into = total.setdefault(kind, {"files": 0, "with_fact_changes": 0})
            for key, n in counts.items():
                into[key] += n
    return dict(sorted(total.items()))


def print_report(result: dict[str, Any]) -> None:
    columns = ["phase", "edits", "versions_added", "seconds", "versions_per_s", "mb_per_s", "cpu_seconds",
               "max_rss_mb", "tree_pss_mb", "versions_total", "errors", "load_1m"]
    print()
    print(table([[r[c] if r[c] is not None else "" for c in columns] for r in result["phases"]], columns))
    size = result["size"]
    print(f"\ndatabase {size['db_mb']} MB for {size['raw_text_mb']} MB of raw text: {size['db_to_raw']}x "
          f"(target <= {TARGETS['db_to_raw']}x)")
    print(table(list(size["largest_objects_mb"].items()), ["table or index", "MB"]))
    if "what_if" in size:
        print("\nwhat would shrink it (each step on top of the previous, measured on a copy):")
        print(table([[w["step"], w["db_mb"], w["db_to_raw"]] for w in size["what_if"]], ["step", "MB", "x raw"]))
    print("\nfact changes reported per edit (rate, date, amount: should be all; rewrap, link: none):")
    print(table([[kind, c["files"], c["with_fact_changes"]] for kind, c in result["edit_outcomes"].items()],
                ["edit", "files", "with fact changes"]))
    profile = result.get("profile_cold")
    if profile:
        print(f"\ncold ingest profile ({profile['samples']:,} samples, all processes):")
        print(table(list(profile["processes_percent"].items()), ["process", "%"]))
        print("\ninclusive % (project functions):")
        print(table(list(profile["inclusive_percent"].items()), ["function", "%"]))
        print("\nself %:")
        print(table(list(profile["self_percent"].items()), ["function", "%"]))
    print(f"\nmachine: {result['machine']}")


if __name__ == "__main__":
    main()
