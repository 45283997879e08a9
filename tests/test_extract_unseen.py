"""Held-out checks: documents the extractor's rules were not written from.

Each ``tests/fixtures/unseenN`` holds ``docs/`` (news wires, fact sheets, orders, notices, releases,
HTML pages) and ``gold/`` (the facts a person reads in them, written by hand before the extractor
was run on them, in the shared eval's gold format); its README says how it was made and what it
scored at first sight. They are scored by the shared scorer itself (``--root`` pointing at the
set), so the matching rules are the eval's own.

The floors are floors, not targets: a rule that fits one gold document but breaks ordinary prose
shows here. Sets the rules were later tuned on keep a floor near what they score now; a set
scored once, blind, keeps a floor a little under that first-sight figure (see its README).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared_material import HAS_SHARED, SHARED

pytestmark = pytest.mark.skipif(not HAS_SHARED, reason=f"the shared eval is not at {SHARED}")

FIXTURES = Path(__file__).parent / "fixtures"
MONITOR = f"{sys.executable} -m monitor"
KINDS = ("tariff", "deadline", "money", "percent", "count", "exemption")

# Set -> floors (overall and per kind). Raise them when the rules improve.
FLOORS = {
    # Tuned on in session 1 (0.678 at first sight).
    "unseen": {"overall": 0.95, "tariff": 0.95, "deadline": 0.95, "money": 0.90, "percent": 0.90,
               "count": 0.90, "exemption": 0.90},
    # Tuned on in session 2 (0.637 at first sight).
    "unseen2": {"overall": 0.95, "tariff": 0.88, "deadline": 0.95, "money": 0.95, "percent": 0.95,
                "count": 0.95, "exemption": 0.95},
    # Blind for the first round of session 2 (0.564 -> 0.639), then tuned on (0.819); 0.864 after
    # session 4's round on unseen5.
    "unseen3": {"overall": 0.84, "tariff": 0.74, "deadline": 0.95, "money": 0.95, "percent": 0.78,
                "count": 0.90, "exemption": 0.82},
    # Held out through session 2 (0.486 with session 1's rules, 0.564 and 0.579 after session 2's
    # two rounds); tuned on in session 3: 0.579 before, 0.725 after; 0.749 after session 4's round.
    "unseen4": {"overall": 0.72, "tariff": 0.69, "deadline": 0.90, "money": 0.73, "percent": 0.64,
                "count": 0.82, "exemption": 0.47},
    # Held out through session 3 (0.628 at first sight with session 2's rules, 0.650 after session
    # 3's round); tuned on in session 4: 0.650 before, 0.897 after.
    "unseen5": {"overall": 0.87, "tariff": 0.80, "deadline": 0.90, "money": 0.93, "percent": 0.92,
                "count": 0.88, "exemption": 0.83},
    # Blind, mainstream genres (wire news, fact sheets, orders, releases): 0.739 at first sight
    # with session 3's rules, 0.775 after session 4's round (tuned on unseen5).
    "unseen6": {"overall": 0.75, "tariff": 0.71, "deadline": 0.88, "money": 0.84, "percent": 0.59,
                "count": 0.85, "exemption": 0.76},
}


def _score(name: str) -> tuple[dict[str, float], str]:
    root = FIXTURES / name
    out = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "score.py"), "extract", "--gold", str(root / "gold"),
         "--root", str(root), "--cmd", MONITOR],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    assert "exited" not in out, out
    rows = {m[1]: float(m[2]) for m in re.finditer(r"^(\w+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+\d+\s+\d+\s+\d+$", out, re.M)}
    return rows, out


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_held_out_documents_meet_their_floors(name):
    rows, out = _score(name)
    print(out)  # every miss and false alarm, shown when the test fails (or with -s)
    low = {k: (rows.get(k), floor) for k, floor in FLOORS[name].items() if rows.get(k, 0.0) < floor}
    assert not low, f"{name} below the floor: {low}\n{out}"


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_every_held_out_document_has_gold(name):
    docs = {p.stem for p in (FIXTURES / name / "docs").iterdir()}
    golds = {p.stem for p in (FIXTURES / name / "gold").glob("*.json")}
    assert docs == golds


def test_every_held_out_set_is_checked():
    sets = {p.name for p in FIXTURES.iterdir() if p.name.startswith("unseen") and (p / "gold").is_dir()}
    assert sets == set(FLOORS), "a held-out set without floors (or floors for a missing set)"
