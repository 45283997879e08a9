"""Rendering recorded digests (Jinja2) and delivering them on each channel exactly once.

Channels: `files` (the digest in each configured format in the reports folder, named by time,
written atomically, plus `feed.atom` and `index.html`), `mail` (smtplib, [reports.mail]) and
`command` (run with the path of the digest's file). Each recorded digest has one `deliveries` row
per channel. A sender first *claims* the row in a write transaction, so two processes (the daemon
and `monitor digest`) never both send it; success sets `delivered_at`, failure records the error
and the channel is retried later with a growing pause. A claim left by a crash expires after
`CLAIM_LEASE`, after which the channel is retried: the one window where a message can go out twice
is a crash between the mail server accepting it and the commit that follows, and such a resend
carries the same Message-ID, so mail systems recognise it as the same message.
"""
from __future__ import annotations

import os
import shlex
import smtplib
import ssl
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Callable

import jinja2
import sqlite_utils

from monitor.config import Config
from monitor.digest import Digest, channels, load_digest
from monitor.errors import MonitorError
from monitor.store import iso_utc, parse_utc, utcnow, write_transaction

# File extension of each digest format; `atom` is the feed, written beside the digests.
EXTENSIONS = {"md": "md", "html": "html", "json": "json"}
FEED_NAME = "feed.atom"
INDEX_NAME = "index.html"
FEED_ENTRIES = 20
# A claim older than this is taken to be left by a crashed sender.
CLAIM_LEASE = timedelta(minutes=15)
# Retry pause after the n-th failure: 1, 2, 4 ... minutes, at most an hour.
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
COMMAND_TIMEOUT_SECONDS = 300


class DeliveryError(MonitorError):
    """A channel could not deliver a digest; the message says why."""


# --- Rendering ---------------------------------------------------------------------------------


def template_environment(config: Config) -> jinja2.Environment:
    """Templates from the user's folder first (`reports.templates`), then the packaged ones.

    Autoescaping is decided by the template's name (.html, .atom), so a user's override of the HTML
    template is escaped too: document text can never become markup.
    """
    loaders: list[jinja2.BaseLoader] = []
    if config.templates_folder:
        loaders.append(jinja2.FileSystemLoader(str(config.templates_folder)))
    loaders.append(jinja2.PackageLoader("monitor", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "atom")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = format_time
    return env


def format_time(iso: str | None) -> str:
    """'2025-08-02T08:00:00.000Z' → '2025-08-02 08:00 UTC'."""
    if not iso:
        return "the beginning"
    return parse_utc(iso).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render(digest: Digest, fmt: str, config: Config, env: jinja2.Environment | None = None) -> str:
    """The digest as md, html or json text (atom: a feed holding just this digest)."""
    env = env or template_environment(config)
    if fmt == "atom":
        return render_feed([digest], config, env)
    if fmt not in EXTENSIONS:
        raise DeliveryError(f"unknown digest format {fmt!r} (known: md, html, json, atom)")
    context = {"digest": digest, "files": digest_files(digest, config)}
    if fmt == "json":
        context["data"] = {**digest.to_dict(), "id": digest.id}
    return _render(env, f"digest.{fmt}", context)


def render_feed(digests: list[Digest], config: Config, env: jinja2.Environment | None = None) -> str:
    """The Atom feed of `digests`, each entry's content the digest's HTML body."""
    env = env or template_environment(config)
    entries = []
    for d in digests:
        context = {"digest": d, "files": digest_files(d, config)}
        entries.append({**context, "html": _render(env, "digest_body.html", context)})
    feed_id = uuid.uuid5(uuid.NAMESPACE_URL, config.reports_folder.as_uri())
    updated = max((d.created_at for d in digests), default=utcnow())
    return _render(env, FEED_NAME, {"entries": entries, "feed_id": f"urn:uuid:{feed_id}", "updated": updated})


@dataclass(frozen=True)
class DigestEntry:
    """A digest as the index lists it: read from its row, without loading the whole digest."""

    id: int
    uuid: str
    created_at: str
    title: str
    change_count: int


def render_index(digests: list[DigestEntry], config: Config, env: jinja2.Environment | None = None) -> str:
    env = env or template_environment(config)
    rows = [{"digest": d, "files": digest_files(d, config)} for d in digests]
    return _render(env, INDEX_NAME, {"rows": rows, "feed": FEED_NAME if "atom" in config.reports.formats else None})


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as e:
        where = getattr(e, "filename", None) or name
        lineno = getattr(e, "lineno", None)
        raise DeliveryError(f"template {where}{f':{lineno}' if lineno else ''}: {e}") from e


def digest_basename(digest: Digest | DigestEntry) -> str:
    """'digest-20250802T080000Z-7': by time, so a folder listing is chronological; the id keeps two
    digests built within one second apart."""
    t = parse_utc(digest.created_at).astimezone(timezone.utc)
    return f"digest-{t:%Y%m%dT%H%M%SZ}-{digest.id if digest.id is not None else 'preview'}"


def digest_files(digest: Digest | DigestEntry, config: Config) -> dict[str, str]:
    """Format → file name of the digest in the reports folder, for the formats configured."""
    return {fmt: f"{digest_basename(digest)}.{ext}" for fmt, ext in EXTENSIONS.items()
            if fmt in config.reports.formats}


# --- Writing files -----------------------------------------------------------------------------


def write_atomically(path: Path, text: str) -> None:
    """Write via a hidden temp file in the same folder and rename it into place, so a reader (or a
    crash) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def deliver_files(db: sqlite_utils.Database, digest: Digest, config: Config) -> str:
    """The digest's files, then the feed and the index, which list every delivered digest."""
    folder = config.reports_folder
    env = template_environment(config)
    for fmt, name in digest_files(digest, config).items():
        write_atomically(folder / name, render(digest, fmt, config, env))
    listed = delivered_digests(db, include=digest.id)
    if "atom" in config.reports.formats:
        feed = [load_digest(db, entry.id) for entry in listed[:FEED_ENTRIES]]
        write_atomically(folder / FEED_NAME, render_feed(feed, config, env))
    write_atomically(folder / INDEX_NAME, render_index(listed, config, env))
    return str(primary_file(digest, config))


def primary_file(digest: Digest, config: Config) -> Path:
    """The file a command or a person opens first: HTML if written, else Markdown, else JSON, else
    the index (with only the feed configured, the index is the one page that shows the digest)."""
    files = digest_files(digest, config)
    for fmt in ("html", "md", "json"):
        if fmt in files:
            return config.reports_folder / files[fmt]
    return config.reports_folder / INDEX_NAME


def delivered_digests(db: sqlite_utils.Database, include: int | None = None) -> list[DigestEntry]:
    """Digests whose files are written (and `include`), newest first."""
    return [DigestEntry(**r) for r in db.query(
        """select g.id, g.uuid, g.created_at, g.title, g.change_count from digests g
           where g.id = ? or exists (select 1 from deliveries d
           where d.digest_id = g.id and d.channel = 'files' and d.delivered_at is not null)
           order by g.id desc""", [include])]


# --- Mail and command --------------------------------------------------------------------------


def deliver_mail(db: sqlite_utils.Database, digest: Digest, config: Config) -> str:
    mail = config.reports.mail
    if not mail.recipients:
        raise DeliveryError("reports.mail.recipients is empty: nobody to mail the digest to")
    message = mail_message(digest, config)
    password = os.environ.get(mail.password_env, "") if mail.password_env else ""
    if mail.username and mail.password_env and not password:
        raise DeliveryError(f"reports.mail.password_env names {mail.password_env!r}, which is not set")
    with smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_seconds) as smtp:
        if mail.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if mail.username:
            smtp.login(mail.username, password)
        refused = smtp.send_message(message)
    if refused:
        # Some recipients were accepted: resending would duplicate theirs, so this counts as sent.
        return f"{', '.join(mail.recipients)} (refused: {', '.join(sorted(refused))})"
    return ", ".join(mail.recipients)


def mail_message(digest: Digest, config: Config) -> EmailMessage:
    """A text (Markdown) and HTML alternative message whose Message-ID is the digest's uuid."""
    mail = config.reports.mail
    env = template_environment(config)
    message = EmailMessage()
    # The title carries document text: no line breaks may reach a header.
    title = " ".join(digest.title.split())
    message["Subject"] = f"[monitor] {title}"[:250]
    message["From"] = mail.sender
    message["To"] = ", ".join(mail.recipients)
    message["Date"] = format_datetime(parse_utc(digest.created_at))
    message["Message-ID"] = f"<{digest.uuid}@monitor>"
    message.set_content(render(digest, "md", config, env))
    message.add_alternative(render(digest, "html", config, env), subtype="html")
    return message


def deliver_command(db: sqlite_utils.Database, digest: Digest, config: Config) -> str:
    """Run the configured command with the digest's file path as its last argument (no shell)."""
    path = primary_file(digest, config)
    argv = shlex.split(config.reports.command) + [str(path)]
    env = {**os.environ, "MONITOR_DIGEST_ID": str(digest.id), "MONITOR_DIGEST_UUID": digest.uuid,
           "MONITOR_DIGEST_TITLE": " ".join(digest.title.split())}
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS,
                              cwd=config.base_dir)
    except subprocess.TimeoutExpired:
        raise DeliveryError(f"{argv[0]} did not finish within {COMMAND_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no output"]
        raise DeliveryError(f"{argv[0]} exited with status {done.returncode}: {tail[0]}")
    return " ".join(shlex.quote(a) for a in argv)


Channel = Callable[[sqlite_utils.Database, Digest, Config], str]
CHANNELS: dict[str, Channel] = {"files": deliver_files, "mail": deliver_mail, "command": deliver_command}


# --- Exactly once ------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    digest_id: int
    channel: str
    delivered: bool
    target: str | None = None
    error: str | None = None


def deliver_pending(db: sqlite_utils.Database, config: Config, *, now: str | None = None,
                    retry_now: bool = False) -> list[DeliveryResult]:
    """Deliver every recorded digest on each channel it has not reached yet, oldest first.

    Safe to call at any time and from several processes: a channel is claimed before it is tried,
    a failure waits `retry_delay` before the next try (unless `retry_now`), and the command channel
    waits for its digest's files.
    """
    now = now or utcnow()
    results = []
    for row in _pending(db, channels(config)):
        if not retry_now and not _due(row, now):
            continue
        if row["channel"] == "command" and not _delivered(db, row["digest_id"], "files"):
            continue
        if not _claim(db, row["id"], now):
            continue
        results.append(_attempt(db, row, config))
    return results


def _pending(db: sqlite_utils.Database, configured: list[str]) -> list[dict[str, Any]]:
    """Undelivered rows of the configured channels, oldest digest first, channels in the given order.

    A channel switched off since its digest was built (mail disabled) stays pending, not dropped:
    switched on again, it delivers what it missed.
    """
    rows = [r for r in db.query("select * from deliveries where delivered_at is null") if r["channel"] in configured]
    return sorted(rows, key=lambda r: (r["digest_id"], configured.index(r["channel"])))


def retry_delay(attempts: int) -> timedelta:
    """The pause after the n-th failed attempt: doubling, so a long outage costs few tries."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def _due(row: dict[str, Any], now: str) -> bool:
    if not row["attempts"] or not row["last_attempt_at"]:
        return True
    return parse_utc(row["last_attempt_at"]) + retry_delay(row["attempts"]) <= parse_utc(now)


def _delivered(db: sqlite_utils.Database, digest_id: int, channel: str) -> bool:
    return bool(list(db.query("select 1 from deliveries where digest_id = ? and channel = ? and delivered_at is not null",
                              [digest_id, channel])))


def _claim(db: sqlite_utils.Database, delivery_id: int, now: str) -> bool:
    """Take the delivery for this process; False if it is delivered or another sender holds it."""
    stale = iso_utc(parse_utc(now) - CLAIM_LEASE)
    with write_transaction(db):
        cursor = db.execute(
            """update deliveries set claimed_at = ?, last_attempt_at = ?, attempts = attempts + 1
               where id = ? and delivered_at is null and (claimed_at is null or claimed_at < ?)""",
            [now, now, delivery_id, stale],
        )
        return cursor.rowcount == 1


def _attempt(db: sqlite_utils.Database, row: dict[str, Any], config: Config) -> DeliveryResult:
    channel = row["channel"]
    try:
        digest = load_digest(db, row["digest_id"])
        target = CHANNELS[channel](db, digest, config)
    except (OSError, smtplib.SMTPException, MonitorError, jinja2.TemplateError, ValueError) as e:
        error = f"{type(e).__name__}: {e}" if not isinstance(e, MonitorError) else str(e)
        with write_transaction(db):
            db.execute("update deliveries set claimed_at = null, last_error = ? where id = ?", [error, row["id"]])
        return DeliveryResult(row["digest_id"], channel, False, error=error)
    with write_transaction(db):
        db.execute("update deliveries set claimed_at = null, delivered_at = ?, target = ?, last_error = null where id = ?",
                   [utcnow(), target, row["id"]])
    return DeliveryResult(row["digest_id"], channel, True, target=target)
