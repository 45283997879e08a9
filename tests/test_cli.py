"""The command-line contract: commands, options, output shapes and one-line errors."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli, parse_time

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
KZ_SEED = "001_4777de3da4390cc3.txt"
COMMANDS = {"init", "scan", "run", "extract", "changes", "history", "diff", "digest", "status", "reextract"}
# Commands that read or write the database and so take --db.
DB_COMMANDS = COMMANDS - {"init", "extract"}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with the shipped config and a copy of the seeds, as the working directory."""
    shutil.copy(REPO / "config.toml", tmp_path / "config.toml")
    shutil.copytree(SEEDS, tmp_path / "seeds")
    for path in (tmp_path / "seeds").iterdir():
        path.chmod(0o644)  # the repository's seeds are read-only; tests edit the copies
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_every_command_is_registered():
    assert COMMANDS <= set(cli.commands)


@pytest.mark.parametrize("name", sorted(DB_COMMANDS))
def test_db_option_on_every_database_command(name):
    assert "--db" in {opt for p in cli.commands[name].params for opt in p.opts}


def test_help(runner):
    result = invoke(runner, "--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_python_dash_m_monitor():
    result = subprocess.run([sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "monitor" in result.stdout


def test_scan_prints_a_summary_and_skips_unchanged_files(runner, project):
    result = invoke(runner, "scan")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 new, 0 changed, 0 unchanged, 0 deleted, 0 moved, 0 errors"
    assert (project / "monitor.db").exists()
    result = invoke(runner, "scan", "--json")
    assert json.loads(result.output) | {"scan_id": 0} == {
        "scan_id": 0, "new": 0, "changed": 0, "unchanged": 2, "deleted": 0, "moved": 0, "errors": 0}


def test_scan_with_db_and_folder_as_score_py_does(runner, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    target = docs / "doc.txt"
    target.write_bytes((SEEDS / KZ_SEED).read_bytes())
    db = str(tmp_path / "monitor.db")
    assert invoke(runner, "scan", "--db", db, str(docs)).exit_code == 0
    target.write_text(target.read_text().replace("25%", "30%"))
    assert "1 changed" in invoke(runner, "scan", "--db", db, str(docs)).output
    records = [json.loads(line) for line in invoke(runner, "changes", "--db", db, "--json").output.splitlines()]
    tariff = [r for r in records if r["kind"] == "tariff" and r["subject"] == "Kazakhstan"]
    assert tariff and tariff[0]["version"] == 2 and tariff[0]["document"] == "doc.txt"
    assert (tariff[0]["change"], tariff[0]["old"], tariff[0]["new"], tariff[0]["unit"]) == ("changed", 25, 30, "percent")
    for key in ("document", "version", "kind", "subject", "change", "old", "new", "unit", "detected_at"):
        assert key in tariff[0]
    table = invoke(runner, "changes", "--db", db).output
    assert "Kazakhstan" in table and "doc.txt" in table


def test_config_error_is_one_line_naming_file_and_key(runner, project):
    (project / "config.toml").write_text("[watch]\npaths = ['seeds']\ndebounce = 3\n")
    result = runner.invoke(cli, ["scan"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert str(project / "config.toml") in lines[0] and "'watch.debounce'" in lines[0]


def test_wrong_type_in_config(runner, project):
    (project / "config.toml").write_text("[database]\npath = 3\n")
    result = runner.invoke(cli, ["status"])
    assert result.exit_code == 1 and "'database.path' must be str" in result.output


def test_missing_config_file(runner, tmp_path):
    result = runner.invoke(cli, ["--config", str(tmp_path / "nope.toml"), "scan"])
    assert result.exit_code == 1 and "config file not found" in result.output


def test_missing_watched_folder_is_one_line(runner, project):
    shutil.rmtree(project / "seeds")
    result = runner.invoke(cli, ["scan"])
    assert result.exit_code == 1
    assert "seeds: not a folder" in result.output and len(result.output.strip().splitlines()) == 1


def test_extract_json_lines(runner, project):
    result = invoke(runner, "extract", f"seeds/{KZ_SEED}", "--json")
    assert result.exit_code == 0
    facts = [json.loads(line) for line in result.output.splitlines()]
    assert facts
    text = (project / "seeds" / KZ_SEED).read_text()
    for fact in facts:
        assert fact["document"] == f"seeds/{KZ_SEED}"
        assert {"kind", "subject", "value", "unit", "text", "start", "end"} <= set(fact)
        assert text[fact["start"]:fact["end"]] == fact["text"]
    assert any(f["kind"] == "tariff" and f["subject"] == "Kazakhstan" and f["value"] == 25 for f in facts)


def test_extract_table_and_a_bad_file(runner, project):
    (project / "bin.txt").write_bytes(b"\x00\x01\x02")
    result = runner.invoke(cli, ["extract", "bin.txt", f"seeds/{KZ_SEED}"])
    assert result.exit_code == 1
    assert "bin.txt: binary file" in result.output
    assert "Kazakhstan" in result.output  # the good file is still read


def test_init_writes_config_and_folders_and_refuses_to_overwrite(runner, tmp_path):
    target = tmp_path / "new"
    result = invoke(runner, "init", str(target))
    assert result.exit_code == 0
    assert (target / "config.toml").read_text() == (REPO / "config.toml").read_text()
    assert (target / "seeds").is_dir() and (target / "reports").is_dir()
    again = runner.invoke(cli, ["init", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output
    (target / "config.toml").write_text("# mine\n")
    assert invoke(runner, "init", str(target), "--force").exit_code == 0
    assert (target / "config.toml").read_text() == (REPO / "config.toml").read_text()


def test_status(runner, project):
    missing = runner.invoke(cli, ["status"])
    assert missing.exit_code == 1 and "no database yet" in missing.output
    (project / "seeds" / "bad.txt").write_bytes(b"\x00")
    invoke(runner, "scan")
    report = json.loads(invoke(runner, "status", "--json").output)
    assert report["counts"]["documents"] == 2 and report["counts"]["versions"] == 2
    assert report["counts"]["errors"] == 1 and "facts" in report["counts"]
    assert report["last_scan"]["new"] == 2 and report["last_scan"]["trigger"] == "scan"
    assert report["recent_errors"][0]["path"] == "bad.txt"
    assert report["daemon"] is None and report["last_digest"] is None
    text = invoke(runner, "status").output
    assert "last scan:" in text and "daemon: not running" in text and "bad.txt" in text


def test_reextract_and_history(runner, project):
    invoke(runner, "scan")
    assert "re-extracted" in invoke(runner, "reextract").output
    assert "Kazakhstan" in invoke(runner, "history", "Kazakhstan").output


def test_diff_between_versions(runner, project):
    invoke(runner, "scan")
    seed = project / "seeds" / KZ_SEED
    seed.write_text(seed.read_text().replace("25%", "30%"))
    invoke(runner, "scan")
    result = invoke(runner, "diff", KZ_SEED, "--from", "1", "--to", "2")
    assert result.exit_code == 0 and "30%" in result.output


def test_bad_since_is_a_usage_error(runner, project):
    result = runner.invoke(cli, ["changes", "--since", "last tuesday"])
    assert result.exit_code == 2 and "is not a time" in result.output


def test_parse_time():
    now = dt.datetime(2025, 8, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert parse_time("7d", now=now) == "2025-07-25T12:00:00.000Z"
    assert parse_time("12h", now=now) == "2025-08-01T00:00:00.000Z"
    assert parse_time("2025-07-01T10:00:00+02:00") == "2025-07-01T08:00:00.000Z"
    with pytest.raises(ValueError):
        parse_time("soon")


def test_progress_bar_only_on_a_terminal(runner, project):
    # CliRunner's stderr is not a terminal: no bar, only the summary.
    result = invoke(runner, "scan")
    assert "reading" not in result.output


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("monitor")
    if not script.exists():
        pytest.skip("monitor is not installed in this environment")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 0 and "scan" in result.stdout


def test_status_text_says_what_the_watcher_missed(runner, project):
    """The daemon's watcher counts and folder states reach the text output, not only --json; they
    are read from a lock file held (and written) the way a running daemon holds it."""
    from monitor.lock import DaemonLock

    invoke(runner, "scan")
    lock = DaemonLock(json.loads(invoke(runner, "status", "--json").output)["database"])
    lock.acquire()
    try:
        lock.update(state="ready", overflows=0, observer_restarts=0, missing_folders=[], unwatched_folders=[])
        quiet = invoke(runner, "status").output
        assert "daemon: running" in quiet
        assert not any(word in quiet for word in ("overflow", "restarted", "missing", "not watched")), quiet

        lock.update(overflows=2, observer_restarts=1, missing_folders=["/data/gone"],
                    unwatched_folders=[{"path": "/data/huge", "reason": "inotify watch limit reached (ENOSPC)",
                                        "since": "2026-01-02T03:04:05.000Z", "attempts": 4}])
        lines = invoke(runner, "status").output.splitlines()
        daemon_at = next(i for i, line in enumerate(lines) if line.startswith("daemon: running"))
        said = lines[daemon_at + 1:daemon_at + 5]
        assert said[0].startswith("  the inotify event queue overflowed 2 times: events were lost"), said
        assert said[1].startswith("  the file watcher stopped and was restarted 1 time,"), said
        assert said[2].startswith("  missing: /data/gone: the watched folder is missing"), said
        assert said[3].startswith("  not watched: /data/huge: inotify watch limit reached (ENOSPC) "
                                  "(since 2026-01-02T03:04:05.000Z); reconciled instead at each retry, 4 so far"), said
    finally:
        lock.release()
    assert "overflow" not in invoke(runner, "status").output  # a stopped daemon's counts are not news
