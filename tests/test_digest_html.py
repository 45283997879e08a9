"""The HTML digest in a real browser (headless Chromium): the expected text, no script from document
text runs, and a phone-sized screenshot saved as a test artifact.

CI installs Debian's `chromium` (.ci/run); elsewhere the test is skipped when it is missing.
Screenshots go to $MONITOR_TEST_ARTIFACTS, or tests/artifacts/ (ignored by git).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from digest_scenario import add_document, add_version, make_config, seed_scenario, set_fact
from monitor.delivery import deliver_pending
from monitor.digest import build_digest

NOW = "2025-07-13T08:00:00.000Z"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")

SCRIPT = ("<script>document.title='pwned';"
          "document.body.insertAdjacentHTML('beforeend','<p id=\"injected\">x</p>')</script>")
IMG = "<img src=x onerror=\"document.title='pwned';document.body.setAttribute('data-pwned','1')\">"


def artifacts() -> Path:
    folder = Path(os.environ.get("MONITOR_TEST_ARTIFACTS") or Path(__file__).parent / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium as root in a container: no sandbox, no GPU, no network chatter."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def hostile_digest(tmp_path: Path) -> Path:
    """The seed scenario where the document text carries markup that would run if not escaped."""
    db = seed_scenario(tmp_path / "monitor.db")
    db.execute("update fact_changes set new_sentence = new_sentence || ? where kind = 'tariff'", [" " + SCRIPT])
    db.execute("update fact_changes set old_sentence = old_sentence || ? where kind = 'deadline'", [" " + IMG])
    doc = add_document(db, "hostile.html", "2025-07-12T10:00:00.000Z")
    vid, _ = add_version(db, doc, "x", "2025-07-12T10:00:00.000Z", title=f"Tariffs {IMG} {SCRIPT}")
    # Front matter names the source: a script address must not become a link.
    db["document_versions"].update(vid, {"source_url": "javascript:document.title='pwned'"})
    set_fact(db, doc, vid, "tariff", f"Brazil {SCRIPT}", 50, "percent", "x")
    set_fact(db, doc, vid, "deadline", "agreement", "2025-08-01", "date", "x", qualifier="by:agreement")
    config = make_config(tmp_path)
    build_digest(db, config, now=NOW)
    [result] = deliver_pending(db, config, now=NOW)
    assert result.delivered
    return Path(result.target)


def test_chromium_runs_scripts_in_this_setup(tmp_path):
    """The control: without escaping, the injected script would run and the test below would see it."""
    page = tmp_path / "control.html"
    page.write_text(f"<!doctype html><html><head><title>control</title></head><body>{SCRIPT}</body></html>")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "<title>pwned</title>" in dom and 'id="injected"' in dom


def test_the_html_digest_in_a_browser(tmp_path):
    page = hostile_digest(tmp_path)
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    # The expected content, as the browser laid it out.
    assert "<title>Tariff on Kazakhstan: 25% → 30%; agreement due by August 1, 2025 → August 15, 2025" in dom
    # Its own deadline for the agreement (August 1) disagrees with the edited seed's August 15.
    assert "2 changes in 1 document; 3 new documents; sources disagree on 2 facts · up to 2025-07-13 08:00 UTC" in dom
    # The new document says what it states: its tariffs and deadlines, as text.
    assert "<dt>Tariffs</dt><dd>Brazil &lt;script&gt;" in dom and "<dd>agreement due by August 1, 2025</dd>" in dom
    assert "<a href" not in dom.split("<h2>Documents</h2>")[1], "javascript: is not a web address"
    assert "<h2>Tariffs</h2>" in dom and "<h2>Deadlines</h2>" in dom and "<h2>Sources disagree</h2>" in dom
    assert "(+5 points)" in dom and "(moved 14 days later)" in dom
    assert dom.count("<svg") == 1, "one timeline: the one changed tariff"
    # Nothing from the documents ran or became markup: it is all text.
    assert "pwned" not in dom.split("</title>")[0]
    assert '<p id="injected">' not in dom and 'data-pwned="1"' not in dom
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;document.title='pwned'" in dom and "&lt;img src=x onerror=" in dom

    shot = artifacts() / "digest-phone.png"
    shot.unlink(missing_ok=True)
    chromium(tmp_path, "--hide-scrollbars", "--window-size=412,1800", f"--screenshot={shot}", page.as_uri())
    assert shot.stat().st_size > 20_000, "a blank page would be a few kilobytes"


def test_the_index_in_a_browser(tmp_path):
    page = hostile_digest(tmp_path)
    dom = chromium(tmp_path, "--dump-dom", (page.parent / "index.html").as_uri()).stdout
    assert f'<a href="{page.name}">Tariff on Kazakhstan: 25% → 30%' in dom and 'href="feed.atom"' in dom
