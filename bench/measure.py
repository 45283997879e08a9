"""What the bench scripts share: running a command while measuring it, the machine, results.json.

Memory is reported two ways because `monitor scan` is several processes (a writer and an
extraction pool) while urlwatch is one process with threads:

* ``max_rss_mb``: the largest resident set of any single process of the run, from the kernel
  (``wait4`` rusage: the child's ru_maxrss already covers its waited-for descendants);
* ``tree_pss_mb``: the peak, sampled every 0.1 s, of the summed proportional set size (PSS) of the
  process and all its descendants, which counts pages shared after fork once, not once per worker.
"""
from __future__ import annotations

import fcntl
import json
import os
import platform
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Sequence

from tabulate import tabulate

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
RESULTS = BENCH / "results.json"
SAMPLE_SECONDS = 0.1


@dataclass
class Run:
    """How one command went: wall time, CPU time and peak memory."""

    seconds: float
    user_seconds: float
    system_seconds: float
    max_rss_mb: float
    tree_pss_mb: float
    returncode: int
    # The machine's 1-minute load average when the run ended: other work on the shared cores.
    load_1m: float

    def rounded(self) -> dict[str, float | int]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


def run_measured(command: Sequence[str | os.PathLike[str]], *, cwd: Path | None = None,
                 env: dict[str, str] | None = None, stdout: IO[Any] | int | None = subprocess.DEVNULL,
                 stderr: IO[Any] | int | None = None) -> Run:
    """Run `command` to completion, measuring wall time, CPU time and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(list(map(str, command)), cwd=cwd, env=env, stdout=stdout, stderr=stderr)
    sampler = _TreeSampler(process.pid)
    sampler.start()
    # wait4 instead of Popen.wait: it hands back the child's rusage (CPU time, ru_maxrss).
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    return Run(seconds, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024,
               sampler.peak_kb / 1024, process.returncode, os.getloadavg()[0])


class _TreeSampler(threading.Thread):
    """Samples the summed PSS of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _descendants(self.pid)))
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _descendants(root: int) -> list[int]:
    """`root` and every process below it, from the parent pids in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    # The command name may hold spaces and parentheses: split after the last ')'.
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass  # the process ended between listing and reading
    return 0


def machine() -> dict[str, Any]:
    """The machine a figure came from, and how busy it was when the bench started."""
    load1, load5, _ = os.getloadavg()
    cpus = os.cpu_count() or 1
    return {
        "nproc": cpus,
        "memory": _free_h(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_1m_5m": [round(load1, 2), round(load5, 2)],
        # Other engineers share the machine: a load near the core count means the figures are low.
        "other_load_present": load5 > 0.5,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _free_h() -> str:
    try:
        lines = subprocess.run(["free", "-h"], capture_output=True, text=True, check=True).stdout
        return " ".join(lines.splitlines()[1].split()[:2])  # "Mem: 23Gi"
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def merge_results(key: str, value: dict[str, Any]) -> None:
    """Set `key` in bench/results.json, keeping the keys other benches wrote (read-modify-write).

    A lock file serialises concurrent benches; the write goes through a temp file and a rename so a
    reader never sees half a file.
    """
    WORK.mkdir(parents=True, exist_ok=True)
    with open(WORK / "results.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = load_results()
        results[key] = value
        temp = RESULTS.with_name(RESULTS.name + ".tmp")
        temp.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temp, RESULTS)


def load_results() -> dict[str, Any]:
    try:
        return json.loads(RESULTS.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def monitor_command(*args: str | os.PathLike[str]) -> list[str]:
    """`monitor ARGS...` run with this interpreter, so the bench measures this checkout."""
    return [sys.executable, "-m", "monitor", *map(str, args)]


def scan_measured(database: Path, folder: Path, work: Path, log: Path) -> tuple[Run, dict[str, Any]]:
    """`monitor scan --db DATABASE FOLDER`, measured, and the counts monitor recorded for it.

    Run from `work` so that no config.toml is picked up. A failed scan stops the bench; a scan that
    could not store some files still exits 0, and is flagged, since its figures would flatter it.
    """
    with open(log, "w") as out:
        run = run_measured(monitor_command("scan", "--db", database, folder), cwd=work, env=monitor_env(),
                           stdout=out, stderr=subprocess.STDOUT)
    if run.returncode != 0:
        sys.exit(f"monitor scan failed ({run.returncode}); see {log}")
    columns = ("new", "changed", "unchanged", "deleted", "errors")
    row = query_one(database, f"SELECT {', '.join(columns)} FROM scans ORDER BY id DESC LIMIT 1")
    scan = dict(zip(columns, row or (0,) * len(columns)))
    if scan["errors"]:
        print(f"  WARNING: monitor reported {scan['errors']} errors; the figures are not valid (see {log})",
              flush=True)
    return run, scan


def query_one(database: Path, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    """One row of a query on `database`, on a connection of its own that is closed at once."""
    conn = sqlite3.connect(database)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def remove_database(path: Path) -> None:
    """An SQLite database and its WAL and shared-memory files, so the next scan starts empty."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def monitor_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A plain text table (tabulate comes with sqlite-utils)."""
    return tabulate(rows, headers=list(header), floatfmt=",.2f", intfmt=",")
