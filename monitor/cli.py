"""The `monitor` command line: a thin click layer, each command calling the library.

Modules behind the commands are imported inside them, so that `monitor --help` and a rescan start
fast. User mistakes (a bad config, a missing folder) end in one line naming the file or key,
never in a traceback.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from monitor import __version__
from monitor.config import DEFAULT_CONFIG_NAME, REPORT_FORMATS, Config, load_config
from monitor.errors import MonitorError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
# A scan shows a progress bar (on a terminal) only when it has at least this many files to read.
PROGRESS_MIN_FILES = 200


@dataclass
class State:
    """What the group's options leave for the commands: the config (loaded on first use)."""

    config_path: str | None
    verbosity: int
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except MonitorError as e:
                raise click.ClickException(str(e)) from None
        return self._config

    def database_path(self, db_path: str | None) -> Path:
        return Path(db_path).resolve() if db_path else self.config.database_path

    def open_db(self, db_path: str | None) -> Any:
        from monitor.store import open_store

        try:
            db = open_store(self.database_path(db_path))
        except MonitorError as e:
            raise click.ClickException(str(e)) from None
        click.get_current_context().call_on_close(db.close)
        return db


pass_state = click.make_pass_decorator(State)


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--db PATH` on every command that uses the database."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False),
        help="SQLite database to use (default: database.path from the config).")(command)


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines for lists).")(command)


class TimeType(click.ParamType):
    """A point in time: an ISO date or date-time (local time unless it says otherwise), or an
    age such as 30m, 12h, 7d or 2w. Becomes ISO 8601 UTC text, as the database stores times."""

    name = "TIME"
    _AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")
    _UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return parse_time(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a time: use an ISO date or date-time, or an age like 7d or 12h",
                      param, ctx)


def parse_time(text: str, *, now: dt.datetime | None = None) -> str:
    """ISO 8601 UTC text for an ISO date/date-time or an age ("7d" is seven days ago)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    age = TimeType._AGE.match(text.strip())
    if age:
        moment = now - dt.timedelta(**{TimeType._UNITS[age.group(2)]: float(age.group(1))})
    else:
        from dateutil import parser

        try:
            moment = parser.isoparse(text.strip())
        except (ValueError, OverflowError):
            raise ValueError(text) from None
        if moment.tzinfo is None:
            moment = moment.astimezone()  # a time without an offset is the user's local time
    from monitor.store import iso_utc

    return iso_utc(moment)


TIME = TimeType()


@click.group(context_settings=CONTEXT_SETTINGS)
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help=f"Configuration file (default: ./{DEFAULT_CONFIG_NAME} if present, else built-in defaults).")
@click.option("-v", "--verbose", count=True, help="Log more (repeat for debug output).")
@click.option("-q", "--quiet", is_flag=True, help="Log only warnings and errors.")
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int, quiet: bool) -> None:
    """Watch a folder of trade-policy documents, keep every version, extract facts with evidence
    and report what changed."""
    ctx.obj = State(config_path, -1 if quiet else verbose)
    if ctx.invoked_subcommand != "run":  # the daemon sets up its own logging
        _configure_logging(ctx.obj.verbosity)


def _configure_logging(verbosity: int) -> None:
    """Per-file problems as warnings on stderr; -v adds progress, -vv debug, -q only errors."""
    import logging

    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="monitor: %(levelname)s: %(message)s", stream=sys.stderr)


# ---------------------------------------------------------------------------------------------
# init


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing config.toml.")
def init(folder: str, force: bool) -> None:
    """Write a starter config.toml and the folders it names.

    \b
    Example:
        monitor init ~/tradewatch && cd ~/tradewatch && monitor scan
    """
    from monitor.config import starter_config

    base = Path(folder)
    target = base / DEFAULT_CONFIG_NAME
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists (use --force to overwrite it)")
    base.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_config(), encoding="utf-8")
    config = load_config(target)
    for created in [*config.watch_paths, config.reports_folder]:
        created.mkdir(parents=True, exist_ok=True)
    click.echo(f"wrote {target}; put documents in {', '.join(str(p) for p in config.watch_paths)}")


# ---------------------------------------------------------------------------------------------
# scan and run


@cli.command()
@db_option
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False))
@json_option
@pass_state
def scan(state: State, db_path: str | None, folders: tuple[str, ...], as_json: bool) -> None:
    """Ingest the watched folders (or FOLDERS) once and print what changed.

    Unchanged files are skipped by size and modification time; new contents are stored as
    versions, their facts extracted and compared with the previous version.

    \b
    Example:
        monitor scan --db /tmp/m.db docs/
    """
    from monitor.scan import ScanError, Scanner

    config = state.config
    db = state.open_db(db_path)
    with _progress_bar() as progress:
        try:
            scanner = Scanner(db, config, progress=progress)
            summary = scanner.reconcile(roots=list(folders) or None, trigger="scan")
        except ScanError as e:
            raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps({"scan_id": summary.scan_id, **summary.counts()}))
    else:
        click.echo(summary.line())


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback drawing a bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if total < PROGRESS_MIN_FILES:
                return
            bar = click.progressbar(length=total, label="reading", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@cli.command()
@db_option
@pass_state
def run(state: State, db_path: str | None) -> None:
    """Ingest the watched folders, then keep watching them and send digests on schedule.

    Runs until Ctrl-C (SIGINT) or SIGTERM; SIGHUP reloads the config.
    """
    from monitor.daemon import run_daemon

    config = state.config
    if db_path:
        config = replace(config, database=replace(config.database, path=str(Path(db_path).resolve())))
    try:
        code = run_daemon(config, state.verbosity)
    except MonitorError as e:
        raise click.ClickException(str(e)) from None
    sys.exit(code)


# ---------------------------------------------------------------------------------------------
# extract


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@json_option
@pass_state
def extract(state: State, files: tuple[str, ...], as_json: bool) -> None:
    """Print the facts found in FILES (nothing is stored).

    With --json, one JSON object per fact and line, with "document" the path as given.

    \b
    Example:
        monitor extract seeds/*.txt --json
    """
    from monitor.document import DocumentError, read_document
    from monitor.scan import extract_document, load_gazetteer

    config = state.config
    gazetteer = load_gazetteer(config.extract.entities, config.extract.aliases)
    failed = False
    for file in files:
        try:
            document = read_document(file, max_size=config.watch.max_file_size)
        except DocumentError as e:
            click.echo(f"Error: {e}", err=True)
            failed = True
            continue
        facts, _ = extract_document(document, gazetteer)
        if as_json:
            for fact in facts:
                click.echo(json.dumps(fact.to_json(document=file), ensure_ascii=False, default=str))
        else:
            _print_facts(file, facts)
    if failed:
        sys.exit(1)


def _print_facts(file: str, facts: list[Any]) -> None:
    rows = [[f.kind, f.subject, f.value, f.unit or "", f"{f.start}-{f.end}", _clip(f.text, 50)] for f in facts]
    click.echo(f"{file}: {len(facts)} facts")
    if rows:
        click.echo(_table(rows, ["kind", "subject", "value", "unit", "at", "text"]))


# ---------------------------------------------------------------------------------------------
# changes, history, diff, reextract (fact history: monitor.history, monitor.diff)


@cli.command()
@db_option
@click.option("--since", type=TIME, help="Only changes detected at or after TIME (ISO date/time or age: 7d, 12h).")
@json_option
@pass_state
def changes(state: State, db_path: str | None, since: str | None, as_json: bool) -> None:
    """List the fact changes detected, oldest first.

    \b
    Example:
        monitor changes --since 7d --json
    """
    from monitor import history

    db = state.open_db(db_path)
    rows = history.list_changes(db, since=since)
    if as_json:
        for row in rows:
            click.echo(json.dumps(history.change_record(row), ensure_ascii=False, default=str))
        return
    table = [[r["path"], r["version"], r["kind"], r["subject"], r["change"], _clip(r["old"], 20),
              _clip(r["new"], 20), r["unit"] or "", r["detected_at"]] for r in rows]
    click.echo(_table(table, ["document", "version", "kind", "subject", "change", "old", "new", "unit",
                              "detected_at"]) if table else "no changes")


@cli.command()
@db_option
@click.argument("subject")
@click.option("--kind", help="Only facts of this kind (tariff, deadline, money, ...).")
@json_option
@pass_state
def history(state: State, db_path: str | None, subject: str, kind: str | None, as_json: bool) -> None:
    """What every document has said about SUBJECT over time (e.g. Kazakhstan, copper, CN).

    \b
    Example:
        monitor history Kazakhstan --kind tariff
    """
    from monitor import history as fact_history

    db = state.open_db(db_path)
    rows = fact_history.timeline(db, subject, kind=kind)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    if not rows:
        click.echo(f"nothing recorded about {subject!r}")
        return
    # One line per run of a value in a document; "!" marks a current value another source contradicts.
    table = [[(r["valid_from"] or "")[:16], r["path"], f"v{r['from_version']}-v{r['to_version']}",
              r["kind"], _clip(r["subject"], 24), r["qualifier"], _clip(r["value"], 20), r["unit"] or "",
              "now" if r["is_current"] else (r["valid_until"] or "")[:16], "!" if r["conflict"] else ""]
             for r in rows]
    click.echo(_table(table, ["from", "document", "versions", "kind", "subject", "qualifier", "value",
                              "unit", "until", "conflict"]))


@cli.command()
@db_option
@click.argument("path")
@click.option("--from", "from_version", type=int, help="Older version number (default: the one before --to).")
@click.option("--to", "to_version", type=int, help="Newer version number (default: the latest).")
@pass_state
def diff(state: State, db_path: str | None, path: str, from_version: int | None, to_version: int | None) -> None:
    """Show what changed in the text of document PATH between two versions.

    \b
    Example:
        monitor diff 000_d4cf7e730de0a412.txt --from 1 --to 2
    """
    from monitor import diff as text_diff

    db = state.open_db(db_path)
    try:
        click.echo(text_diff.diff_document(db, path, from_version, to_version))
    except MonitorError as e:
        raise click.ClickException(str(e)) from None


@cli.command()
@db_option
@pass_state
def reextract(state: State, db_path: str | None) -> None:
    """Rebuild the facts of every stored version with the current extraction rules.

    What the new rules read differently is recorded as a rules upgrade and never notified.
    """
    from monitor import history
    from monitor.scan import load_gazetteer

    config = state.config
    db = state.open_db(db_path)
    gazetteer = load_gazetteer(config.extract.entities, config.extract.aliases)
    summary = history.reextract(db, lambda version: history.extract_version(version, gazetteer))
    click.echo(f"{summary.documents} documents, {summary.versions} versions re-extracted, "
               f"{summary.changes} facts read differently by the new rules")


# ---------------------------------------------------------------------------------------------
# digest


@cli.command()
@db_option
@click.option("--since", type=TIME, help="Report changes detected at or after TIME (default: since the last digest).")
@click.option("--format", "formats", type=click.Choice(REPORT_FORMATS), multiple=True,
              help="Format to write (repeatable; default: reports.formats from the config).")
@click.option("--output", type=click.Path(file_okay=False), help="Folder to write to (default: reports.folder).")
@pass_state
def digest(state: State, db_path: str | None, since: str | None, formats: tuple[str, ...], output: str | None) -> None:
    """Build a digest of the fact changes not yet reported, and deliver it.

    \b
    Example:
        monitor digest --format md --output reports/
    """
    from monitor import delivery
    from monitor import digest as digests

    # --format and --output override [reports] for this run: every digest delivered now (this one
    # and any left pending by an earlier failure) goes there.
    config = state.config
    reports = config.reports
    if formats:
        reports = replace(reports, formats=list(formats))
    if output:
        reports = replace(reports, folder=str(Path(output).resolve()))
    config = replace(config, reports=reports)
    db = state.open_db(db_path)
    try:
        built = digests.build_digest(db, config, since=since)
        click.echo(f"digest {built.id}: {built.title}" if built else "no changes to report")
        # Asked for by hand: retry failed channels now instead of waiting for their backoff.
        results = delivery.deliver_pending(db, config, retry_now=True)
    except MonitorError as e:
        raise click.ClickException(str(e)) from None
    for r in results:
        if r.delivered:
            click.echo(f"digest {r.digest_id} {r.channel}: {r.target}")
        else:
            click.echo(f"digest {r.digest_id} {r.channel} failed (will be retried): {r.error}", err=True)
    if any(not r.delivered for r in results):
        sys.exit(1)


# ---------------------------------------------------------------------------------------------
# status


@cli.command()
@db_option
@json_option
@pass_state
def status(state: State, db_path: str | None, as_json: bool) -> None:
    """Counts, the last scan, the last digest, recent errors and whether a daemon is running."""
    from monitor.lock import read_lock
    from monitor.status import store_status

    path = state.database_path(db_path)
    if not path.exists():
        raise click.ClickException(f"{path}: no database yet (run `monitor scan` first)")
    db = state.open_db(db_path)
    report = store_status(db)
    daemon = read_lock(path)
    report["daemon"] = None if daemon is None else {
        "pid": daemon.pid, "started_at": daemon.started_at, **daemon.status}
    report["database"] = str(path)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        _print_status(report)


def _print_status(report: dict[str, Any]) -> None:
    click.echo(f"database: {report['database']}")
    click.echo("  " + ", ".join(f"{n} {name}" for name, n in report["counts"].items()))
    scan_row = report["last_scan"]
    click.echo("last scan: " + (f"{scan_row['finished_at'] or scan_row['started_at']} ({scan_row['trigger']}): "
                                f"{scan_row['new']} new, {scan_row['changed']} changed, "
                                f"{scan_row['unchanged']} unchanged, {scan_row['deleted']} deleted, "
                                f"{scan_row['errors']} errors" if scan_row else "never"))
    last_digest = report["last_digest"]
    click.echo("last digest: " + (f"{last_digest.get('created_at')}" if last_digest else "never"))
    daemon = report["daemon"]
    click.echo("daemon: " + (f"running, pid {daemon['pid']} since {daemon['started_at']} ({daemon.get('state')})"
                             if daemon else "not running"))
    for line in _watcher_problems(daemon or {}):
        click.echo("  " + line)
    if report["recent_errors"]:
        click.echo("recent errors:")
        for e in report["recent_errors"]:
            click.echo(f"  {e['occurred_at']}  {e['path']}: {e['reason']}")


def _watcher_problems(daemon: dict[str, Any]) -> list[str]:
    """What the running daemon's watcher could not see, in words; nothing when all is well."""
    def times(n: int) -> str:
        return f"{n} time{'s' if n != 1 else ''}"

    lines = []
    if daemon.get("overflows"):
        lines.append(f"the inotify event queue overflowed {times(daemon['overflows'])}: events were lost, "
                     "and a full reconcile was run to catch up")
    if daemon.get("observer_restarts"):
        lines.append(f"the file watcher stopped and was restarted {times(daemon['observer_restarts'])}, "
                     "with a full reconcile to catch up")
    for folder in daemon.get("missing_folders") or []:
        lines.append(f"missing: {folder}: the watched folder is missing; its documents are kept as they "
                     "were until it is back")
    for folder in daemon.get("unwatched_folders") or []:
        lines.append(f"not watched: {folder['path']}: {folder['reason']} (since {folder['since']}); "
                     f"reconciled instead at each retry, {folder['attempts']} so far")
    for folder in daemon.get("unreadable_folders") or []:
        lines.append(f"unreadable: {folder['path']}: the folder cannot be read ({folder['reason']}, since "
                     f"{folder['since']}): nothing in it is watched or ingested, and its documents are kept "
                     "as they were, until it can be read")
    return lines


# ---------------------------------------------------------------------------------------------
# Output helpers


def _clip(value: Any, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(rows: list[list[Any]], headers: list[str]) -> str:
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt="simple")
