"""Where the shared material (`../shared`: corpus, seeds, eval gold) is for the tests.

CI runs the suite in a clone beside `shared/`; `.ci/run` runs it in a temporary clone and says where
the material is through MONITOR_SHARED.
"""
import os
from pathlib import Path

SHARED = Path(os.environ.get("MONITOR_SHARED") or Path(__file__).resolve().parents[2] / "shared")
HAS_SHARED = (SHARED / "corpus").is_dir() and (SHARED / "eval" / "score.py").is_file()
