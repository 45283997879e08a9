"""Extraction throughput: MB of text per CPU-second (one core) over the shared corpus and seeds.

    python bench/bench_extract.py [--seconds 3]

The clock is ``time.process_time()`` (CPU time of this process), not wall time: the machine is
shared, and wall time under load would understate what one core does. The figure is per core:
MB of text per CPU-second. Busy neighbours still slow a core down (shared caches, sibling
hyper-threads), so each round is timed too, and the median and best rounds are reported beside
the overall figure (which is the one stored as ``mb_per_s``).

Prints the figure and stores it in bench/results.json under "extract" (other benches own the
other keys, so the file is read, updated and written back).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.extract import extract_facts  # noqa: E402

SHARED = ROOT.parent / "shared"


def corpus() -> list[tuple[str, str]]:
    files = sorted((SHARED / "corpus").glob("*.md")) + sorted((SHARED / "seeds").glob("*.txt"))
    if not files:
        files = sorted((ROOT / "seeds").glob("*.txt"))
    return [(f.read_text(encoding="utf-8"), "markdown" if f.suffix == ".md" else "text") for f in files]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    texts = corpus()
    size = sum(len(t.encode("utf-8")) for t, _ in texts)
    extract_facts("warm-up: load the gazetteers", fmt="text")
    ref = dt.date(2025, 7, 31)
    facts = 0
    per_round: list[float] = []
    # CPU seconds, so that other processes on a loaded machine do not count against us.
    start = time.process_time()
    wall = time.perf_counter()
    while time.process_time() - start < args.seconds:
        round_start = time.process_time()
        for text, fmt in texts:
            facts += len(extract_facts(text, fmt=fmt, reference_date=ref))
        per_round.append(time.process_time() - round_start)
    cpu = time.process_time() - start
    wall = time.perf_counter() - wall
    rounds = len(per_round)
    mb_s = size * rounds / cpu / 1e6
    median = size / statistics.median(per_round) / 1e6
    best = size / min(per_round) / 1e6
    result = {"mb_per_s": round(mb_s, 3), "median_round_mb_per_s": round(median, 3),
              "best_round_mb_per_s": round(best, 3), "clock": "process_time (MB per CPU-second, one core)",
              "bytes_per_round": size, "documents": len(texts), "rounds": rounds,
              "cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3),
              "facts_per_round": facts // max(rounds, 1),
              "measured": dt.datetime.now().isoformat(timespec="seconds")}
    print(f"extract: {mb_s:.2f} MB per CPU-second, one core (median round {median:.2f}, best round {best:.2f}; "
          f"{len(texts)} documents, {size} bytes, {rounds} rounds, {cpu:.2f} CPU s, {wall:.2f} wall s)")
    path = ROOT / "bench" / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["extract"] = result
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
