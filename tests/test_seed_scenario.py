"""The seed scenario of issue 4, as a user runs it: real files, a real database, the real CLI.

Copy the seeds into a folder and scan; change "25%" to "30%" and "August 1" to "August 15" in the
Observer article and scan again: the Kazakhstan tariff changes 25 → 30 and the August 1 deadline
moves to August 15 (once: it is one deadline), each with old and new values and evidence, and
nothing else changes. Revert and scan: the same changes back.
"""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
OBSERVER = next(SEEDS.glob("001_*.txt"))


def monitor(*args: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "monitor", *args], cwd=cwd, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def changes(tmp_path: Path) -> list[dict]:
    out = monitor("changes", "--db", str(tmp_path / "monitor.db"), "--json", cwd=tmp_path)
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def summary(found: list[dict], version: int) -> list[tuple]:
    return sorted((c["document"], c["change"], c["kind"], c["subject"] if c["kind"] != "deadline" else "",
                   c["old"] if c["kind"] != "deadline" else c["old"][4:],
                   c["new"] if c["kind"] != "deadline" else c["new"][4:])
                  for c in found if c["version"] == version)


def test_seed_edit_and_revert(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copyfile(seed, docs / seed.name)
    db = str(tmp_path / "monitor.db")
    target = docs / OBSERVER.name
    original = target.read_bytes()

    monitor("scan", "--db", db, str(docs), cwd=tmp_path)
    assert changes(tmp_path) == []  # a new document is not a list of additions

    edited = re.sub(r"August 1\b", "August 15", original.decode("utf-8").replace("25%", "30%"))
    target.write_bytes(edited.encode("utf-8"))
    monitor("scan", "--db", db, str(docs), cwd=tmp_path)
    found = changes(tmp_path)
    assert summary(found, 2) == [
        (OBSERVER.name, "changed", "deadline", "", "-08-01", "-08-15"),
        (OBSERVER.name, "changed", "tariff", "Kazakhstan", 25, 30),
    ]
    assert len(found) == 2  # nothing else, in no other document
    by_kind = {c["kind"]: c for c in found}
    tariff, deadline = by_kind["tariff"], by_kind["deadline"]
    assert tariff["unit"] == "percent" and tariff["detected_at"]
    assert "25%" in tariff["old_text"] and "25%" in tariff["old_sentence"]
    assert "30%" in tariff["new_text"] and "30%" in tariff["new_sentence"]
    assert "August 1" in deadline["old_sentence"] and "August 15" in deadline["new_sentence"]

    target.write_bytes(original)
    monitor("scan", "--db", db, str(docs), cwd=tmp_path)
    back = [c for c in changes(tmp_path) if c["version"] == 3]
    assert summary(back, 3) == [
        (OBSERVER.name, "changed", "deadline", "", "-08-15", "-08-01"),
        (OBSERVER.name, "changed", "tariff", "Kazakhstan", 30, 25),
    ]
    assert len(changes(tmp_path)) == 4

    # The same story from the other commands.
    timeline = monitor("history", "Kazakhstan", "--db", db, cwd=tmp_path)
    assert "25" in timeline and "30" in timeline
    diff = monitor("diff", str(target), "--db", db, "--from", "1", "--to", "2", cwd=tmp_path)
    assert "[-25%-]{+30%+}" in diff
    out = monitor("reextract", "--db", db, cwd=tmp_path)  # same rules: nothing to record
    assert "0 facts read differently" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT cause) FROM fact_changes").fetchone() == (4, 1)


def test_formatting_only_edit_changes_no_fact(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    target = docs / OBSERVER.name
    text = OBSERVER.read_text(encoding="utf-8")
    target.write_text(text, encoding="utf-8")
    db = str(tmp_path / "monitor.db")
    monitor("scan", "--db", db, str(docs), cwd=tmp_path)
    # Re-wrapped lines, doubled spaces, the repeated "25%" mention dropped from one sentence.
    reflowed = text.replace(". ", ".\n").replace(", it would face a 25% tariff", ", it would face a tariff")
    target.write_text(reflowed.replace(" the ", "  the "), encoding="utf-8")
    monitor("scan", "--db", db, str(docs), cwd=tmp_path)
    assert changes(tmp_path) == []
