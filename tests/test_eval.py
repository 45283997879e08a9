"""The yardstick: the shared eval's scorer, run on the real CLI, must stay where it stands.

`../shared/eval/score.py` runs `monitor extract` on every gold document and replays every gold
version pair through `monitor scan` and `monitor changes`. A rule change that costs F1 or adds a
false alarm fails here, not later on documents nobody has checked.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from shared_material import HAS_SHARED, SHARED

pytestmark = pytest.mark.skipif(not HAS_SHARED, reason=f"the shared eval is not at {SHARED}")

MONITOR = f"{sys.executable} -m monitor"


def score(mode: str, gold: str) -> dict[str, tuple[float, int, int, int]]:
    """Per kind (and 'overall'): F1, true positives, misses, false alarms."""
    out = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "score.py"), mode, "--gold", str(SHARED / "eval" / gold),
         "--root", str(SHARED), "--cmd", MONITOR],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout
    assert "exited" not in out, out
    rows = {}
    for line in out.splitlines():
        m = re.match(r"(\w+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)$", line)
        if m:
            rows[m[1]] = (float(m[2]), int(m[3]), int(m[4]), int(m[5]))
    assert "overall" in rows, out
    return rows


def test_extraction_meets_the_issue_targets():
    rows = score("extract", "gold")
    assert rows["overall"][0] >= 0.95, rows
    assert rows["tariff"][0] >= 0.95, rows
    assert rows["deadline"][0] >= 0.95, rows


def test_change_detection_has_no_false_alarm_and_no_miss():
    rows = score("changes", "changes")
    _, tp, missed, false = rows["overall"]
    assert (missed, false) == (0, 0), rows
    assert tp > 0
