"""Mail delivery against a real SMTP server on loopback.

The server is a few lines of asyncio speaking the SMTP subset smtplib uses (EHLO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT): the standard library's smtpd is gone since Python 3.12, and a real socket is
what makes this a test of the bytes smtplib sends.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

import pytest

from digest_scenario import make_config, seed_scenario
from monitor.config import MailConfig
from monitor.delivery import deliver_pending
from monitor.digest import build_digest

NOW = "2025-07-13T08:00:00.000Z"
LATER = "2025-07-13T09:00:00.000Z"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SMTPServer:
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    messages: list[Received] = field(default_factory=list)
    port: int = 0

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(text: str) -> None:
            writer.write(text.encode() + b"\r\n")

        reply("220 localhost test SMTP")
        sender, recipients = "", []
        while line := await reader.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                reply("250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8")
            elif verb == "HELO" or verb == "NOOP":
                reply("250 ok")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip().split()[0].strip("<>"), []
                reply("250 ok")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if address in self.refuse:
                    reply("550 no such user")
                else:
                    recipients.append(address)
                    reply("250 ok")
            elif verb == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while (data := await reader.readline()) != b".\r\n":
                    lines.append(data[1:] if data.startswith(b"..") else data)  # undo dot-stuffing
                self.messages.append(Received(sender, recipients, b"".join(lines)))
                reply("250 queued")
            elif verb == "RSET":
                sender, recipients = "", []
                reply("250 ok")
            elif verb == "QUIT":
                reply("221 bye")
                await writer.drain()
                break
            else:
                reply("502 not implemented")
            await writer.drain()
        writer.close()


@pytest.fixture
def smtp():
    server = SMTPServer()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder = {}

    async def start() -> None:
        holder["server"] = await asyncio.start_server(server.session, "127.0.0.1", 0)
        server.port = holder["server"].sockets[0].getsockname()[1]
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield server
    loop.call_soon_threadsafe(holder["server"].close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def mail_config(tmp_path, port: int, **mail):
    config = make_config(tmp_path)
    config.reports.mail = MailConfig(enabled=True, host="127.0.0.1", port=port, sender="monitor@example.org",
                                     recipients=["ana@example.org", "ben@example.org"], timeout_seconds=10, **mail)
    return config


def parse(received: Received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.data, policy=email.policy.default)


def test_the_digest_is_mailed_once_as_text_and_html(tmp_path, smtp):
    db = seed_scenario(tmp_path / "monitor.db")
    config = mail_config(tmp_path, smtp.port)
    digest = build_digest(db, config, now=NOW)
    results = deliver_pending(db, config, now=NOW)
    assert [(r.channel, r.delivered) for r in results] == [("files", True), ("mail", True)]
    [received] = smtp.messages
    assert received.sender == "monitor@example.org"
    assert received.recipients == ["ana@example.org", "ben@example.org"]
    message = parse(received)
    assert message["Subject"].startswith("[monitor] Tariff on Kazakhstan: 25% → 30%")
    assert message["Message-ID"] == f"<{digest.uuid}@monitor>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "- **25% → 30%** (+5 points)" in text and "(moved 14 days later)" in text
    assert "<h2>Tariffs</h2>" in html and "(+5 points)" in html
    # Delivered: later calls send nothing more.
    assert deliver_pending(db, config, now=LATER) == []
    assert len(smtp.messages) == 1


def test_an_unreachable_server_is_retried_later(tmp_path, smtp):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()
    db = seed_scenario(tmp_path / "monitor.db")
    build_digest(db, mail_config(tmp_path, dead_port), now=NOW)
    results = deliver_pending(db, mail_config(tmp_path, dead_port), now=NOW)
    failed = [r for r in results if r.channel == "mail"][0]
    assert not failed.delivered and "ConnectionRefusedError" in failed.error
    row = next(r for r in db["deliveries"].rows if r["channel"] == "mail")
    assert row["attempts"] == 1 and row["delivered_at"] is None and "ConnectionRefused" in row["last_error"]
    # The server is back (here: the config points at the live one); the retry sends it, once.
    [retried] = deliver_pending(db, mail_config(tmp_path, smtp.port), now=LATER)
    assert retried.delivered and len(smtp.messages) == 1
    assert deliver_pending(db, mail_config(tmp_path, smtp.port), now="2025-07-14T09:00:00.000Z") == []


def test_every_recipient_refused_is_a_failure(tmp_path, smtp):
    smtp.refuse = {"ana@example.org", "ben@example.org"}
    db = seed_scenario(tmp_path / "monitor.db")
    config = mail_config(tmp_path, smtp.port)
    build_digest(db, config, now=NOW)
    mail = [r for r in deliver_pending(db, config, now=NOW) if r.channel == "mail"][0]
    assert not mail.delivered and "SMTPRecipientsRefused" in mail.error and smtp.messages == []


def test_one_recipient_refused_still_counts_as_sent(tmp_path, smtp):
    # Resending would give the accepted recipient a second copy; the refusal is kept in `target`.
    smtp.refuse = {"ben@example.org"}
    db = seed_scenario(tmp_path / "monitor.db")
    config = mail_config(tmp_path, smtp.port)
    build_digest(db, config, now=NOW)
    mail = [r for r in deliver_pending(db, config, now=NOW) if r.channel == "mail"][0]
    assert mail.delivered and "refused: ben@example.org" in mail.target
    assert [m.recipients for m in smtp.messages] == [["ana@example.org"]]


def test_document_text_cannot_add_mail_headers(tmp_path, smtp):
    db = seed_scenario(tmp_path / "monitor.db")
    db.execute("update fact_changes set subject = ? where id = 1", ["Kazakhstan\r\nBcc: eve@example.org"])
    config = mail_config(tmp_path, smtp.port)
    build_digest(db, config, now=NOW)
    deliver_pending(db, config, now=NOW)
    [received] = smtp.messages
    message = parse(received)
    assert message["Bcc"] is None and "eve@example.org" not in received.recipients
    assert "Kazakhstan Bcc: eve@example.org" in message["Subject"]


def test_no_recipients_is_reported_not_crashed(tmp_path, smtp):
    db = seed_scenario(tmp_path / "monitor.db")
    config = mail_config(tmp_path, smtp.port)
    config.reports.mail.recipients = []
    build_digest(db, config, now=NOW)
    mail = [r for r in deliver_pending(db, config, now=NOW) if r.channel == "mail"][0]
    assert not mail.delivered and "recipients is empty" in mail.error
