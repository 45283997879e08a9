"""monitor against urlwatch, the peer users would otherwise run, on the same generated folder.

    python bench/bench_urlwatch.py [--documents 14396] [--quick]

urlwatch is installed with pip in its own virtual environment (bench/work/urlwatch-venv), given one
`file://` job (kind: url) per document and a private home, config and cache, and timed on its first
check and on the re-check of the unchanged folder. Then `monitor scan` ingests the same folder into
an empty database (reading, versioning and extracting facts) and re-scans it unchanged. Ratios
above 1 mean monitor is faster or smaller. Figures go to bench/results.json under "urlwatch".

Reference, on this kind of machine with 14,396 real pages: urlwatch took 35 s for the first check,
218 s to re-check unchanged, and peaked at 650 MB.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402  (bench/ is a folder of scripts)
from measure import (WORK, Run, machine, merge_results, query_one, remove_database, run_measured,  # noqa: E402
                     scan_measured, table)

FULL_DOCUMENTS = 14_396  # the size of the folder in the reference urlwatch figures
QUICK_DOCUMENTS = 300
REFERENCE = {"documents": 14_396, "first_check_s": 35, "recheck_s": 218, "peak_mb": 650}
VENV = WORK / "urlwatch-venv"


def ensure_urlwatch(venv: Path = VENV) -> tuple[Path, str]:
    """urlwatch in its own virtual environment (created on first use); its path and version."""
    executable = venv / "bin" / "urlwatch"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "urlwatch"], check=True)
    version = subprocess.run([str(executable), "--version"], capture_output=True, text=True, check=True)
    return executable, version.stdout.strip()


def write_jobs(files: list[Path], urls: Path) -> None:
    """One `file://` url job per document, as a user pointing urlwatch at the folder would write.

    JSON strings are valid YAML scalars, which spares quoting rules for odd file names.
    """
    jobs = (f"kind: url\nname: {json.dumps(path.name)}\nurl: {json.dumps(path.resolve().as_uri())}\n"
            for path in files)
    urls.write_text("---\n".join(jobs), encoding="utf-8")


def write_config(config: Path) -> None:
    # Report to stdout only (captured to a file), no colour; everything else stays urlwatch's default.
    config.write_text("display:\n  new: true\n  error: true\n  unchanged: false\n"
                      "report:\n  stdout:\n    enabled: true\n    color: false\n", encoding="utf-8")


def run_urlwatch(executable: Path, work: Path, label: str) -> tuple[Run, dict[str, int]]:
    """One urlwatch run over every job, with a private home so nothing outside `work` is touched."""
    home = work / "home"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache"), "LANG": "C.UTF-8"}
    home.mkdir(parents=True, exist_ok=True)
    report = work / f"urlwatch-{label}.txt"
    with open(report, "w") as out, open(work / f"urlwatch-{label}.err", "w") as err:
        run = run_measured([executable, "--urls", work / "urls.yaml", "--config", work / "urlwatch.yaml",
                            "--hooks", work / "hooks.py", "--cache", work / "cache.db"],
                           cwd=work, env=env, stdout=out, stderr=err)
    return run, _report_counts(report.read_text(encoding="utf-8", errors="replace"))


def _report_counts(report: str) -> dict[str, int]:
    """How many jobs the report's summary lists as NEW, CHANGED or ERROR."""
    counts = {"new": 0, "changed": 0, "error": 0}
    for verb in re.findall(r"^\d+\. (NEW|CHANGED|ERROR):", report, re.M):
        counts[verb.lower()] += 1
    return counts


def run_monitor(folder: Path, database: Path, work: Path, label: str) -> tuple[Run, dict[str, int]]:
    run, scan = scan_measured(database, folder, work, work / f"monitor-{label}.log")
    return run, {**database_counts(database), "errors": scan["errors"]}


def database_counts(database: Path) -> dict[str, int]:
    """Rows in the tables that show what a scan stored."""
    tables = ("documents", "document_versions", "facts", "fact_changes")
    row = query_one(database, "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables))
    return dict(zip(tables, row))


def fresh_folder(work: Path, documents: int, size_kb: float, seed: int, shared: Path) -> tuple[Path, int]:
    folder = work / f"docs-{documents}"
    shutil.rmtree(folder, ignore_errors=True)
    return folder, corpus.build_corpus(folder, documents, seed=seed, size_kb=size_kb, shared=shared)


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=FULL_DOCUMENTS)
    parser.add_argument("--quick", action="store_true", help=f"a small run ({QUICK_DOCUMENTS} documents)")
    parser.add_argument("--size-kb", type=float, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=corpus.DEFAULT_SHARED)
    args = parser.parse_args(argv)
    documents = QUICK_DOCUMENTS if args.quick else args.documents

    work = WORK / "urlwatch"
    work.mkdir(parents=True, exist_ok=True)
    executable, version = ensure_urlwatch()
    host = machine()
    folder, raw_bytes = fresh_folder(work, documents, args.size_kb, args.seed, args.shared)
    files = corpus.corpus_files(folder)
    print(f"{len(files):,} documents, {raw_bytes / 1e6:.1f} MB in {folder}; {version}", flush=True)

    write_jobs(files, work / "urls.yaml")
    write_config(work / "urlwatch.yaml")
    (work / "cache.db").unlink(missing_ok=True)
    database = work / "monitor.db"
    remove_database(database)

    runs: dict[str, Run] = {}
    counts: dict[str, dict[str, int]] = {}
    for label, step in (("urlwatch_first", lambda: run_urlwatch(executable, work, "first")),
                        ("urlwatch_recheck", lambda: run_urlwatch(executable, work, "recheck")),
                        ("monitor_cold", lambda: run_monitor(folder, database, work, "cold")),
                        ("monitor_rescan", lambda: run_monitor(folder, database, work, "rescan"))):
        runs[label], counts[label] = step()
        print(f"  {label}: {runs[label].seconds:.2f} s, {runs[label].tree_pss_mb:.0f} MB  {counts[label]}",
              flush=True)

    result = summarise(runs, counts, documents, raw_bytes, version, host, quick=args.quick)
    print_table(result)
    merge_results("urlwatch" if not args.quick else "urlwatch_quick", result)
    return result


def summarise(runs: dict[str, Run], counts: dict[str, dict[str, int]], documents: int, raw_bytes: int,
              version: str, host: dict[str, Any], *, quick: bool) -> dict[str, Any]:
    """Figures, ratios (urlwatch / monitor: above 1 is monitor better) and the reference."""
    u1, u2, m1, m2 = (runs[k] for k in ("urlwatch_first", "urlwatch_recheck", "monitor_cold", "monitor_rescan"))
    return {
        "documents": documents,
        "raw_mb": round(raw_bytes / 1e6, 1),
        "urlwatch_version": version,
        "runs": {k: r.rounded() for k, r in runs.items()},
        "counts": counts,
        "ratios": {
            "first_check_vs_cold_scan": ratio(u1.seconds, m1.seconds),
            "recheck_vs_rescan": ratio(u2.seconds, m2.seconds),
            # The same measure on both sides: summed PSS of the process tree, and largest RSS.
            "peak_pss_first_vs_cold": ratio(u1.tree_pss_mb, m1.tree_pss_mb),
            "peak_pss_recheck_vs_rescan": ratio(u2.tree_pss_mb, m2.tree_pss_mb),
            "max_rss_first_vs_cold": ratio(u1.max_rss_mb, m1.max_rss_mb),
            "max_rss_recheck_vs_rescan": ratio(u2.max_rss_mb, m2.max_rss_mb),
            "cpu_first_vs_cold": ratio(u1.user_seconds + u1.system_seconds, m1.user_seconds + m1.system_seconds),
            "cpu_recheck_vs_rescan": ratio(u2.user_seconds + u2.system_seconds, m2.user_seconds + m2.system_seconds),
        },
        "reference": REFERENCE,
        "quick": quick,
        "machine": host,
    }


def print_table(result: dict[str, Any]) -> None:
    runs = result["runs"]
    rows = [[label, r["seconds"], r["user_seconds"] + r["system_seconds"], r["max_rss_mb"], r["tree_pss_mb"],
             r["load_1m"], json.dumps(result["counts"][label])] for label, r in runs.items()]
    print()
    print(table(rows, ["run", "wall s", "cpu s", "max RSS MB", "tree PSS MB", "load 1m", "stored / reported"]))
    print()
    print(table([[k, v] for k, v in result["ratios"].items()], ["urlwatch / monitor", "ratio"]))
    print(f"\nreference urlwatch at {REFERENCE['documents']:,} real pages: first check {REFERENCE['first_check_s']} s,"
          f" re-check {REFERENCE['recheck_s']} s, peak {REFERENCE['peak_mb']} MB")
    print(f"machine: {result['machine']}")


if __name__ == "__main__":
    main()
