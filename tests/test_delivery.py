"""Delivering digests: files written atomically, the feed and index, the command channel, retries,
and exactly once across crashes and concurrent senders."""
from __future__ import annotations

import shlex
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from digest_scenario import OLD_LETTER, make_config, seed_scenario
from monitor.config import load_config
from monitor.delivery import deliver_pending, write_atomically
from monitor.digest import build_digest, collect_digest
from monitor.store import utcnow

NOW = "2025-07-13T08:00:00.000Z"
ATOM = "{http://www.w3.org/2005/Atom}"


def later(iso: str, **delta: float) -> str:
    t = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(**delta)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def script(tmp_path: Path, name: str, body: str) -> str:
    """A command for the command channel: this Python interpreter running `body`."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}"


def write_config(tmp_path: Path, command: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\npath = "monitor.db"\n[reports]\nfolder = "reports"\ncommand = {command!r}\n'
                    .replace("command = ''", 'command = ""'))
    return path


def deliveries(db) -> dict[str, dict]:
    return {r["channel"]: r for r in db["deliveries"].rows}


def test_files_are_named_by_time_with_a_feed_and_an_index(tmp_path):
    db = seed_scenario(tmp_path / "monitor.db")
    config = make_config(tmp_path)
    digest = build_digest(db, config, now=NOW)
    [result] = deliver_pending(db, config, now=NOW)
    reports = tmp_path / "reports"
    base = "digest-20250713T080000Z-1"
    assert result.delivered and result.target == str(reports / f"{base}.html")
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        [f"{base}.md", f"{base}.html", f"{base}.json", "feed.atom", "index.html"])  # no temp file left
    feed = ET.parse(reports / "feed.atom").getroot()
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}id") == f"urn:uuid:{digest.uuid}"
    assert entry.findtext(f"{ATOM}title").startswith("Tariff on Kazakhstan: 25% → 30%")
    assert entry.find(f"{ATOM}link").get("href") == f"{base}.html"
    # The entry's content is the digest's HTML, escaped once in the XML.
    content = entry.findtext(f"{ATOM}content")
    assert "(+5 points)" in content and "<h2>Tariffs</h2>" in content
    # New documents say what they state in the feed too.
    assert "<dt>Tariffs</dt><dd>Kazakhstan 30%</dd>" in content
    assert "<dt>Deadlines</dt><dd>agreement due by August 15, 2025</dd>" in content
    index = (reports / "index.html").read_text()
    assert f'<a href="{base}.html">Tariff on Kazakhstan: 25% → 30%' in index and 'href="feed.atom"' in index


def test_the_feed_and_index_list_every_digest_newest_first(tmp_path):
    db = seed_scenario(tmp_path / "monitor.db")
    config = make_config(tmp_path, notify_unchanged=True)
    first = build_digest(db, config, now=NOW)
    deliver_pending(db, config, now=NOW)
    second = build_digest(db, config, now="2025-07-14T08:00:00.000Z")
    deliver_pending(db, config, now="2025-07-14T08:00:00.000Z")
    feed = ET.parse(tmp_path / "reports" / "feed.atom").getroot()
    assert [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")] == [
        f"urn:uuid:{second.uuid}", f"urn:uuid:{first.uuid}"]
    index = (tmp_path / "reports" / "index.html").read_text()
    assert index.index("digest-20250714T080000Z-2.html") < index.index("digest-20250713T080000Z-1.html")


def test_a_delivered_digest_is_not_delivered_again(tmp_path):
    db = seed_scenario(tmp_path / "monitor.db")
    config = make_config(tmp_path)
    build_digest(db, config, now=NOW)
    assert len(deliver_pending(db, config, now=NOW)) == 1
    assert deliver_pending(db, config, now=later(NOW, days=1)) == []
    row = deliveries(db)["files"]
    assert row["attempts"] == 1 and row["delivered_at"] and row["last_error"] is None


def test_a_digest_recorded_before_a_crash_is_delivered_after_restart(tmp_path):
    # The process records the digest and dies before delivering anything.
    cfg = write_config(tmp_path)
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from digest_scenario import seed_scenario
        from monitor.config import load_config
        from monitor.digest import build_digest
        db = seed_scenario({str(tmp_path / 'monitor.db')!r})
        build_digest(db, load_config({str(cfg)!r}))
        os._exit(9)
    """)
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 9
    from monitor.store import open_store
    db = open_store(tmp_path / "monitor.db")
    [result] = deliver_pending(db, load_config(cfg))
    assert result.delivered and Path(result.target).exists()


def test_a_crash_while_sending_is_retried_once_the_claim_expires(tmp_path):
    log = tmp_path / "sent.log"
    marker = tmp_path / "crashed-once"
    # The first run kills the sender (SIGKILL: no cleanup), like a power cut while sending.
    command = script(tmp_path, "notify.py", f"""
        import os, signal, sys
        from pathlib import Path
        if not Path({str(marker)!r}).exists():
            Path({str(marker)!r}).touch()
            os.kill(os.getppid(), signal.SIGKILL)
        else:
            with open({str(log)!r}, "a") as f:
                f.write(sys.argv[1] + "\\n")
    """)
    cfg = write_config(tmp_path, command)
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from digest_scenario import seed_scenario
        from monitor.config import load_config
        from monitor.delivery import deliver_pending
        from monitor.digest import build_digest
        db = seed_scenario({str(tmp_path / 'monitor.db')!r})
        config = load_config({str(cfg)!r})
        build_digest(db, config)
        deliver_pending(db, config)
        print("survived")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == -9 and "survived" not in done.stdout
    from monitor.store import open_store
    db = open_store(tmp_path / "monitor.db")
    config = load_config(cfg)
    row = deliveries(db)["command"]
    assert row["claimed_at"] and row["delivered_at"] is None and deliveries(db)["files"]["delivered_at"]
    # Right after the crash the claim still holds: a second sender does not run the command.
    assert deliver_pending(db, config, now=utcnow()) == []
    [result] = deliver_pending(db, config, now=later(utcnow(), minutes=16))
    assert result.delivered and result.channel == "command"
    assert log.read_text().splitlines() == [str(next((tmp_path / "reports").glob("digest-*-1.html")))]
    assert deliver_pending(db, config, now=later(utcnow(), days=1)) == []


def test_a_failed_channel_is_retried_later_and_shown_in_health(tmp_path):
    attempts = tmp_path / "attempts"
    command = script(tmp_path, "flaky.py", f"""
        import sys
        from pathlib import Path
        p = Path({str(attempts)!r})
        n = int(p.read_text()) + 1 if p.exists() else 1
        p.write_text(str(n))
        if n == 1:
            sys.exit("mail relay unreachable")
    """)
    db = seed_scenario(tmp_path / "monitor.db")
    config = make_config(tmp_path, command=command)
    build_digest(db, config, now=NOW)
    results = deliver_pending(db, config, now=NOW)
    assert [(r.channel, r.delivered) for r in results] == [("files", True), ("command", False)]
    assert "exited with status 1: mail relay unreachable" in results[1].error
    # Not again at once: the retry waits (1 minute after the first failure).
    assert deliver_pending(db, config, now=later(NOW, seconds=30)) == []
    health = collect_digest(db, config, now=later(NOW, seconds=40)).health
    assert [h.category for h in health] == ["delivery"] and "mail relay unreachable" in health[0].message
    [retry] = deliver_pending(db, config, now=later(NOW, minutes=2))
    assert retry.delivered and deliveries(db)["command"]["attempts"] == 2
    assert attempts.read_text() == "2"


def test_the_command_receives_the_digest_path_and_id(tmp_path):
    out = tmp_path / "out.txt"
    command = script(tmp_path, "show.py", f"""
        import os, sys
        open({str(out)!r}, "w").write(sys.argv[1] + "|" + os.environ["MONITOR_DIGEST_ID"])
    """)
    db = seed_scenario(tmp_path / "monitor.db")
    config = make_config(tmp_path, command=command)
    build_digest(db, config, now=NOW)
    deliver_pending(db, config, now=NOW)
    path, digest_id = out.read_text().split("|")
    assert Path(path).name == "digest-20250713T080000Z-1.html" and Path(path).exists() and digest_id == "1"


def test_a_channel_switched_off_stays_pending_until_switched_on(tmp_path):
    out = tmp_path / "out.txt"
    command = script(tmp_path, "touch.py", f"open({str(out)!r}, 'w').write('ran')")
    db = seed_scenario(tmp_path / "monitor.db")
    build_digest(db, make_config(tmp_path, command=command), now=NOW)
    assert [r.channel for r in deliver_pending(db, make_config(tmp_path), now=NOW)] == ["files"]
    assert deliveries(db)["command"]["delivered_at"] is None and not out.exists()
    [ran] = deliver_pending(db, make_config(tmp_path, command=command), now=NOW)
    assert (ran.channel, ran.delivered, out.read_text()) == ("command", True, "ran")


def test_two_senders_at_once_send_once(tmp_path):
    log = tmp_path / "sent.log"
    command = script(tmp_path, "slow.py", f"""
        import sys, time
        with open({str(log)!r}, "a") as f:
            f.write(sys.argv[1] + "\\n")
        time.sleep(1)
    """)
    cfg = write_config(tmp_path, command)
    db = seed_scenario(tmp_path / "monitor.db")
    build_digest(db, load_config(cfg))
    code = textwrap.dedent(f"""
        from monitor.config import load_config
        from monitor.delivery import deliver_pending
        from monitor.store import open_store
        deliver_pending(open_store({str(tmp_path / 'monitor.db')!r}), load_config({str(cfg)!r}))
    """)
    senders = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(3)]
    assert [p.wait(timeout=60) for p in senders] == [0, 0, 0]
    assert len(log.read_text().splitlines()) == 1
    assert all(r["delivered_at"] for r in db["deliveries"].rows)


def test_user_templates_override_the_packaged_ones_and_stay_escaped(tmp_path):
    templates = tmp_path / "my-templates"
    templates.mkdir()
    (templates / "digest.md").write_text("CUSTOM {{ digest.change_count }} {{ digest.title }}\n")
    (templates / "digest.html").write_text("<p>{{ digest.lines[0].old_sentence[0].text }}</p>\n")
    db = seed_scenario(tmp_path / "monitor.db")
    db.execute("update fact_changes set old_sentence = ? where id = 1", ["<script>alert(1)</script> " + OLD_LETTER])
    config = make_config(tmp_path, templates=str(templates))
    build_digest(db, config, now=NOW)
    deliver_pending(db, config, now=NOW)
    reports = tmp_path / "reports"
    assert (reports / "digest-20250713T080000Z-1.md").read_text().startswith("CUSTOM 2 Tariff on Kazakhstan")
    html = (reports / "digest-20250713T080000Z-1.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The packaged JSON template is still used where the user has none.
    assert (reports / "digest-20250713T080000Z-1.json").read_text().lstrip().startswith("{")


def test_a_broken_user_template_fails_the_channel_until_fixed(tmp_path):
    templates = tmp_path / "my-templates"
    templates.mkdir()
    (templates / "digest.md").write_text("{% for x in %}\n")
    db = seed_scenario(tmp_path / "monitor.db")
    config = make_config(tmp_path, templates=str(templates))
    build_digest(db, config, now=NOW)
    [failed] = deliver_pending(db, config, now=NOW)
    assert not failed.delivered and "digest.md" in failed.error
    (templates / "digest.md").write_text("fixed {{ digest.title }}\n")
    [ok] = deliver_pending(db, config, now=later(NOW, minutes=5))
    assert ok.delivered


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "feed.atom"
    write_atomically(target, "old feed")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "new feed \ud800")  # fails while writing
    assert target.read_text() == "old feed" and [p.name for p in tmp_path.iterdir()] == ["feed.atom"]


def test_cli_format_and_output(tmp_path):
    seed_scenario(tmp_path / "monitor.db").conn.close()
    write_config(tmp_path)
    out = tmp_path / "elsewhere"
    done = subprocess.run([sys.executable, "-m", "monitor", "--config", "config.toml", "digest", "--format", "md",
                           "--output", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "digest 1: Tariff on Kazakhstan: 25% → 30%" in done.stdout
    assert [p.suffix for p in out.glob("digest-*")] == [".md"] and (out / "index.html").exists()
    assert not (tmp_path / "reports").exists()
