"""A real `monitor run` subprocess for the daemon tests, and ways to compare its database with the
folder it watches."""
from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, NamedTuple

from monitor.lock import read_lock

PROJECT = Path(__file__).resolve().parent.parent
# Generous: the suite runs on two shared cores beside other tests. Outcomes are polled for, never timed.
DEADLINE = 60.0


def write_config(base: Path, *, debounce: float = 0.2, rescan_minutes: float = 60.0,
                 watch: str = "watched", db: str = "state/monitor.db", reports: str = "reports",
                 extra: str = "") -> Path:
    """A tests-only config: small debounce, rare rescans, reports into the temp folder."""
    (base / watch).mkdir(parents=True, exist_ok=True)
    config = base / "config.toml"
    config.write_text(
        f"""
[watch]
paths = ["{watch}"]
debounce_seconds = {debounce}

[database]
path = "{db}"

[reports]
folder = "{reports}"
formats = ["md"]

[schedule]
rescan_minutes = {rescan_minutes}
digest_time = "03:00"
{extra}
""",
        encoding="utf-8",
    )
    return config


def document_text(i: int, rate: int | None = None) -> str:
    """A small policy text with facts the extractor finds (a tariff rate, a date, an amount)."""
    rate = i % 40 + 5 if rate is None else rate
    return (
        f"Notice {i}: tariff adjustment\n\n"
        f"The United States will impose a tariff of {rate}% on steel imports from Canada "
        f"effective March {i % 28 + 1}, 2026. The measure covers ${i + 1} million of goods.\n"
    )


class Daemon:
    """`python -m monitor run` on a config, with its stderr kept in a file for the assertions."""

    def __init__(self, config: Path, *, args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 code: str | None = None, preexec_fn: Callable[[], None] | None = None) -> None:
        self.config = config
        self.base = config.parent
        self.log_path = self.base / f"daemon-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "w")
        # Every process the daemon starts inherits the tag, so it can be found after its parent died.
        self.tag = uuid.uuid4().hex
        env = dict(os.environ, PYTHONUNBUFFERED="1", MONITOR_TEST_TAG=self.tag, **(env or {}))
        # `code` replaces `-m monitor` with a script that ends by running the CLI (fault injection).
        launch = ["-c", code] if code is not None else ["-m", "monitor"]
        self.proc = subprocess.Popen(
            [sys.executable, *launch, "--config", str(config), *args, "run"],
            cwd=self.base, stdout=self._log, stderr=subprocess.STDOUT, env=env, preexec_fn=preexec_fn,
        )

    @property
    def db_path(self) -> Path:
        return self.base / "state" / "monitor.db"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, deadline: float = DEADLINE) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited with {self.proc.returncode}:\n{self.log}")
            info = read_lock(self.db_path)
            return info is not None and info.pid == self.proc.pid and info.state == "ready"

        wait_for(ready, deadline, lambda: f"daemon not ready:\n{self.log}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()


# Tests run as root, whom a chmod 000 does not stop: root reads every folder by its capabilities
# CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. A daemon started without them meets the permissions
# as the daemon's own user would: a real EACCES from open(), scandir() and inotify_add_watch().
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork


def without_permission_override() -> None:
    """`preexec_fn` for a child that must obey file permissions even as root: the two capabilities
    leave its bounding set, so the program it executes never has them (a no-op for other users)."""
    if os.geteuid() != 0:
        return
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if _prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))


def permissions_apply(tmp_path: Path) -> bool:
    """Whether a child started with `without_permission_override` is refused a folder with mode
    000 (not when root may not drop capabilities, in some containers)."""
    probe = tmp_path / "permission-probe"
    probe.mkdir()
    probe.chmod(0)
    try:
        result = subprocess.run([sys.executable, "-c", f"import os; os.listdir({str(probe)!r})"],
                                preexec_fn=without_permission_override, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False  # the capabilities could not be dropped
    finally:
        probe.chmod(0o755)
        probe.rmdir()
    return result.returncode != 0 and b"PermissionError" in result.stderr


class Proc(NamedTuple):
    pid: int
    ppid: int
    pgid: int
    cmdline: str


def tagged_processes(tag: str) -> list[Proc]:
    """Live (not zombie) processes whose environment carries `tag`: a daemon and everything below
    it, orphans included."""
    found = []
    needle = f"MONITOR_TEST_TAG={tag}".encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if needle not in Path(entry.path, "environ").read_bytes().split(b"\0"):
                continue
            stat = Path(entry.path, "stat").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone, or not ours
        fields = stat[stat.rindex(")") + 2:].split()  # state ppid pgrp ...
        if fields[0] != "Z":
            found.append(Proc(int(entry.name), int(fields[1]), int(fields[2]), cmdline))
    return found


def wait_for(condition: Callable[[], object], deadline: float = DEADLINE,
             message: Callable[[], str] = lambda: "condition not met") -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    text = message()
    raise AssertionError(text if len(text) < 4000 else text[:1500] + "\n...\n" + text[-2500:])


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the database as a user would, through a separate connection."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def folder_truth(root: Path, suffixes: tuple[str, ...] = (".txt", ".md", ".markdown", ".html", ".htm")) -> dict[str, str]:
    """path relative to `root` -> sha256 of every file the scanner would ingest."""
    truth = {}
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in suffixes:
            truth[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return truth


def db_current(db: Path) -> dict[str, str]:
    """path -> sha256 of the current version of every document the database holds as present."""
    rows = query(db, """
        SELECT d.path, v.sha256 FROM documents d
        JOIN document_versions v ON v.document_id = d.id AND v.version = d.current_version
        WHERE d.deleted_at IS NULL""")
    return dict(rows)


def versions_per_path(db: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path, sha in query(db, """
            SELECT d.path, v.sha256 FROM document_versions v JOIN documents d ON d.id = v.document_id
            ORDER BY d.path, v.version"""):
        out.setdefault(path, []).append(sha)
    return out


def converged(db: Path, root: Path) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return db_current(db) == folder_truth(root)
        except sqlite3.OperationalError:
            return False  # tables not created yet
    return check
