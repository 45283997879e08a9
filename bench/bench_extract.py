"""Extraction throughput: MB of text per second per core over the shared corpus and seeds.

    python bench/bench_extract.py [--seconds 3]

Prints the figure and stores it in bench/results.json under "extract" (other benches own the
other keys, so the file is read, updated and written back).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
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
    rounds = facts = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for text, fmt in texts:
            facts += len(extract_facts(text, fmt=fmt, reference_date=ref))
        rounds += 1
    elapsed = time.perf_counter() - start
    mb_s = size * rounds / elapsed / 1e6
    result = {"mb_per_s": round(mb_s, 3), "bytes_per_round": size, "documents": len(texts),
              "rounds": rounds, "seconds": round(elapsed, 3), "facts_per_round": facts // max(rounds, 1),
              "measured": dt.datetime.now().isoformat(timespec="seconds")}
    print(f"extract: {mb_s:.2f} MB/s ({len(texts)} documents, {size} bytes, {rounds} rounds, {elapsed:.2f} s)")
    path = ROOT / "bench" / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["extract"] = result
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
