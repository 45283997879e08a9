"""The seed scenario of issue 4, as a user runs it: real files, a real database, the real CLI.

Copy the seeds into a folder and scan; change "25%" to "30%" and "August 1" to "August 15" in the
Observer article and scan again: the Kazakhstan tariff changes 25 → 30 and the August 1 deadline
moves to August 15 once per distinct deadline the text names (the trade agreement due by it, and
the tariff measures taking effect on it), each with old and new values and its own evidence, and
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
    # A deadline's year is not in the seed's text: only month and day are compared.
    return sorted((c["document"], c["change"], c["kind"], c["subject"] if c["kind"] != "deadline" else "",
                   c["old"] if c["kind"] != "deadline" else c["old"][4:],
                   c["new"] if c["kind"] != "deadline" else c["new"][4:])
                  for c in found if c["version"] == version)


AGREEMENT = "trade agreement by August {}"
TAKES_EFFECT = "will take effect on August {}"


def deadline_evidence(found: list[dict], version: int) -> list[tuple[str, str]]:
    """Each deadline row's old and new sentence, by which of the two deadlines it reads as."""
    rows = [c for c in found if c["version"] == version and c["kind"] == "deadline"]
    assert len({c["qualifier"] for c in rows}) == len(rows)  # two deadlines, not one said twice
    def what(sentence: str) -> str:
        return ("agreement" if AGREEMENT.format("") in sentence else
                "takes effect" if TAKES_EFFECT.format("") in sentence else "?")

    return sorted((what(c["old_sentence"]), c["old_sentence"], c["new_sentence"]) for c in rows)


def assert_deadlines_moved(found: list[dict], version: int, old_day: int, new_day: int) -> None:
    (what_a, old_a, new_a), (what_e, old_e, new_e) = deadline_evidence(found, version)
    assert (what_a, what_e) == ("agreement", "takes effect")
    assert AGREEMENT.format(old_day) + "," in old_a and AGREEMENT.format(new_day) + "," in new_a
    assert TAKES_EFFECT.format(old_day) + "." in old_e and TAKES_EFFECT.format(new_day) + "." in new_e


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
        (OBSERVER.name, "changed", "deadline", "", "-08-01", "-08-15"),
        (OBSERVER.name, "changed", "tariff", "Kazakhstan", 25, 30),
    ]
    assert len(found) == 3  # nothing else, in no other document
    assert_deadlines_moved(found, 2, 1, 15)
    tariff = next(c for c in found if c["kind"] == "tariff")
    assert tariff["unit"] == "percent" and tariff["detected_at"]
    assert "25%" in tariff["old_text"] and "25%" in tariff["old_sentence"]
    assert "30%" in tariff["new_text"] and "30%" in tariff["new_sentence"]

    target.write_bytes(original)
    monitor("scan", "--db", db, str(docs), cwd=tmp_path)
    back = [c for c in changes(tmp_path) if c["version"] == 3]
    assert summary(back, 3) == [
        (OBSERVER.name, "changed", "deadline", "", "-08-15", "-08-01"),
        (OBSERVER.name, "changed", "deadline", "", "-08-15", "-08-01"),
        (OBSERVER.name, "changed", "tariff", "Kazakhstan", 30, 25),
    ]
    assert_deadlines_moved(back, 3, 15, 1)
    assert len(changes(tmp_path)) == 6

    # The same story from the other commands.
    timeline = monitor("history", "Kazakhstan", "--db", db, cwd=tmp_path)
    assert "25" in timeline and "30" in timeline
    diff = monitor("diff", str(target), "--db", db, "--from", "1", "--to", "2", cwd=tmp_path)
    assert "[-25%-]{+30%+}" in diff
    out = monitor("reextract", "--db", db, cwd=tmp_path)  # same rules: nothing to record
    assert "0 facts read differently" in out
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT cause) FROM fact_changes").fetchone() == (6, 1)


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
