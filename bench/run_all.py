"""Run every bench script in bench/ and print one table of bench/results.json.

    python bench/run_all.py [--quick] [--only ingest urlwatch ...] [--table]

Each `bench/bench_*.py` runs in turn in its own process (so one's memory never counts against
another's); `--quick` is passed to the scripts that accept it. `--table` only prints the table of
what results.json holds now.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import BENCH, REPO, load_results, merge_results, monitor_env, table  # noqa: E402

# Detail that stays in results.json but would drown the summary table.
DETAIL_KEYS = {"machine", "reference", "targets", "runs", "phases", "counts", "profile_cold", "quick",
               "largest_objects_mb", "what_if", "edit_outcomes"}


def bench_scripts(only: list[str] | None = None) -> list[Path]:
    scripts = sorted(BENCH.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in only]
    return scripts


def accepts(script: Path, option: str) -> bool:
    """Whether the script's --help lists `option`."""
    help_text = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                               cwd=REPO, env=monitor_env(), timeout=60)
    return option in help_text.stdout


def run_scripts(scripts: list[Path], quick: bool) -> dict[str, int]:
    status = {}
    for script in scripts:
        command = [sys.executable, str(script)]
        small = quick and accepts(script, "--quick")
        if small:
            command.append("--quick")
        print(f"== {' '.join(command[1:])}", flush=True)
        before = load_results()
        status[script.stem] = subprocess.run(command, cwd=REPO, env=monitor_env()).returncode
        if small:
            keep_full_figures(before)
    return status


def keep_full_figures(before: dict[str, Any]) -> None:
    """After quick runs: a full figure a script overwrote goes back, the quick one to KEY_quick.

    Not every script writes its quick runs under a key of their own; a quick run must never stand
    in results.json (or the README) as the full figure.
    """
    for key, value in load_results().items():
        if key.endswith("_quick") or key not in before or before[key] == value:
            continue
        merge_results(f"{key}_quick", value)
        merge_results(key, before[key])


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Scalar figures as (dotted name, value), leaving out the detail in DETAIL_KEYS."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in DETAIL_KEYS:
                yield from flatten(item, f"{prefix}.{key}" if prefix else key)
    elif not isinstance(value, list):
        yield prefix, value


def summary_table(results: dict[str, Any], quick: bool = False) -> str:
    """One row per figure; the small runs' keys (`*_quick`) only when asked for."""
    rows = []
    for bench, figures in sorted(results.items()):
        if bench.endswith("_quick") and not quick:
            continue
        machine = figures.get("machine", {}) if isinstance(figures, dict) else {}
        note = f"{machine.get('date', '')}, load {machine.get('loadavg_1m_5m', '?')}" if machine else ""
        for i, (name, value) in enumerate(flatten(figures)):
            rows.append([bench if i == 0 else "", name, value, note if i == 0 else ""])
    return table(rows, ["bench", "figure", "value", "when, load"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small runs, for the scripts that have them")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. ingest urlwatch (bench_NAME.py)")
    parser.add_argument("--table", action="store_true", help="only print the table of results.json")
    args = parser.parse_args(argv)
    status = {} if args.table else run_scripts(bench_scripts(args.only), args.quick)
    print()
    print(summary_table(load_results(), quick=args.quick))
    failed = [name for name, code in status.items() if code != 0]
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
