"""The daemon's figures: latency from a file's last write to its fact changes being queryable, and
the daemon's memory after ingesting 30,000 versions.

    python bench/bench_daemon.py [--quick]

Latency target: median within debounce + 200 ms. Memory target: RSS under 300 MB (the daemon
process and its ingest process are reported separately and summed). Figures are printed and
merged into bench/results.json under "daemon".
"""
from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import merge_results  # noqa: E402

DEBOUNCE = 0.5
TEXT = ("Notice {i}: tariff adjustment\n\nThe United States will impose a tariff of {rate}% on steel "
        "imports from Canada effective March {day}, 2026. The measure covers ${amount} million of goods.\n")


def write_config(base: Path) -> Path:
    (base / "watched").mkdir(parents=True, exist_ok=True)
    config = base / "config.toml"
    config.write_text(f"""
[watch]
paths = ["watched"]
debounce_seconds = {DEBOUNCE}
[database]
path = "state/monitor.db"
[reports]
folder = "reports"
formats = ["md"]
[schedule]
rescan_minutes = 600
digest_time = "03:00"
""")
    return config


def text(i: int, version: int) -> str:
    return TEXT.format(i=i, rate=(i + version) % 90 + 5, day=(i + version) % 28 + 1, amount=i + version + 1)


def start(config: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "--quiet", "run"],
                            cwd=config.parent)
    lock = config.parent / "state" / "monitor.db.lock"
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"daemon exited with {proc.returncode}")
        if lock.exists() and '"state": "ready"' in lock.read_text(errors="replace"):
            return proc
        time.sleep(0.05)
    raise SystemExit("daemon never became ready")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """Child processes of every thread (the ingest process is started by the worker thread)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def count(db: sqlite3.Connection, sql: str, params: tuple = ()) -> int:
    return db.execute(sql, params).fetchone()[0]


def wait_until(db: sqlite3.Connection, sql: str, target: int, params: tuple = (), timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while count(db, sql, params) < target:
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {sql}")
        time.sleep(0.2)


def measure_latency(base: Path, samples: int) -> list[float]:
    """Seconds from the end of a file's last write to its fact changes being visible to a reader."""
    config = write_config(base)
    proc = start(config)
    db = sqlite3.connect(base / "state" / "monitor.db", timeout=30)
    latencies = []
    try:
        for i in range(samples):
            path = base / "watched" / f"lat{i:03d}.txt"
            path.write_text(text(i, 0))  # the first version (its facts are the baseline)
            wait_until(db, "SELECT count(*) FROM documents WHERE path = ?", 1, (path.name,), timeout=30)
            time.sleep(0.05)
            with open(path, "w") as f:  # the edit whose fact changes we wait for
                f.write(text(i, 1))
            written = time.monotonic()
            while count(db, "SELECT count(*) FROM fact_changes WHERE path = ? AND version = 2", (path.name,)) == 0:
                if time.monotonic() - written > 30:
                    raise SystemExit(f"no fact change for {path.name}")
                time.sleep(0.005)
            latencies.append(time.monotonic() - written)
            time.sleep(0.1)
    finally:
        db.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    return latencies


def measure_memory(base: Path, versions: int) -> dict[str, float]:
    """Ingest `versions` versions (half at start, half as edits while running); then the RSS."""
    config = write_config(base)
    files = versions // 2
    for i in range(files):
        (base / "watched" / f"m{i:05d}.txt").write_text(text(i, 0))
    started = time.monotonic()
    proc = start(config)  # ready = the start reconcile ingested the first half
    db = sqlite3.connect(base / "state" / "monitor.db", timeout=30)
    try:
        for i in range(files):
            (base / "watched" / f"m{i:05d}.txt").write_text(text(i, 1))
        wait_until(db, "SELECT count(*) FROM document_versions", files * 2)
        elapsed = time.monotonic() - started
        time.sleep(1)
        daemon = rss_mb(proc.pid)
        ingest = sum(rss_mb(c) for c in children(proc.pid))
    finally:
        db.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    return {"versions": files * 2, "seconds": round(elapsed, 1), "rss_daemon_mb": round(daemon, 1),
            "rss_ingest_process_mb": round(ingest, 1), "rss_total_mb": round(daemon + ingest, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and 3,000 versions")
    args = parser.parse_args()
    samples, versions = (10, 3000) if args.quick else (30, 30000)
    with tempfile.TemporaryDirectory(prefix="bench-daemon-") as tmp:
        latencies = measure_latency(Path(tmp) / "latency", samples)
        memory = measure_memory(Path(tmp) / "memory", versions)
    median = statistics.median(latencies)
    result = {
        "debounce_seconds": DEBOUNCE,
        "latency_median_ms": round(median * 1000, 1),
        "latency_p90_ms": round(sorted(latencies)[int(len(latencies) * 0.9) - 1] * 1000, 1),
        "latency_target_ms": round((DEBOUNCE + 0.2) * 1000),
        "latency_ok": median <= DEBOUNCE + 0.2,
        "memory": memory,
        "memory_target_mb": 300,
        "memory_ok": memory["rss_total_mb"] < 300,
        "quick": args.quick,
        "cpus": os.cpu_count(),
    }
    print(f"latency (last write -> fact changes queryable): median {result['latency_median_ms']} ms, "
          f"p90 {result['latency_p90_ms']} ms (target {result['latency_target_ms']} ms, debounce {DEBOUNCE} s)")
    print(f"memory after {memory['versions']} versions ({memory['seconds']} s): daemon {memory['rss_daemon_mb']} MB "
          f"+ ingest process {memory['rss_ingest_process_mb']} MB = {memory['rss_total_mb']} MB (target < 300 MB)")
    merge_results("daemon", result)


if __name__ == "__main__":
    main()
