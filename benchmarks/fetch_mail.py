"""Throughput of the email fetcher: messages per second from a real IMAP server to cases.

    .venv/bin/python benchmarks/fetch_mail.py --messages 500

Starts Dovecot as the tests do (``tests/dovecot.py``: TLS on 127.0.0.1, a temporary mail
directory), fills the office mailbox with N messages by IMAP APPEND, and times one
``fetch_and_process()`` run that reads them all, on a fresh PostgreSQL database (and, with
``--backend sqlite`` or ``both``, a fresh SQLite file). The mix follows the test corpus:
new questions from Outlook, Gmail (forwards), Thunderbird (ISO-8859-1), Outlook
(Windows-1252), HTML-only and Apple Mail (English), each made unique (Message-ID and
sender, so the per-sender limit does not apply), with replies to existing cases and
automatic mail (out-of-office, bounces) mixed in. Receipts are queued, not sent: delivery
is ``send-mail``'s work.

Figures printed: the whole run (IMAP fetch, parsing, case creation, attachments written,
one commit per message, the server marking), messages per second, and two more runs: one
with nothing new (the cost of a minute's timer on a quiet mailbox), and one after the
server flags are removed again (every message a duplicate: the recovery after a crash
between commit and marking).
"""

from __future__ import annotations

import argparse
import contextlib
import imaplib
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import func, select

from benchmarks.common import BenchDatabase, format_table, log, machine_line

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "mail_corpus"
QUESTIONS = (
    "outlook_new_question.eml",
    "forwarded_thread.eml",
    "iso_8859_1_question.eml",
    "windows_1252_qp.eml",
    "html_only_script.eml",
    "english_flowed_base64.eml",
)
REPLIES = ("gmail_reply.eml", "iphone_reply.eml", "outlook_reply.eml")
AUTOMATIC = ("auto_reply_exchange.eml", "bounce_dsn.eml", "vacation_x_autoreply.eml")
# Every tenth message is a reply, every tenth an automatic one, the rest new questions.
MIX = ("q", "q", "q", "q", "r", "q", "q", "q", "a", "q")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=500, help="messages in the mailbox")
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="postgresql")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server URL (default postgresql://postgres@127.0.0.1:5432); "
        "a database name in it replaces advice_bench_inbound",
    )
    arguments = parser.parse_args(argv)
    if arguments.messages < 1:
        parser.error("--messages must be positive")
    return arguments


@dataclass
class Result:
    backend: str
    messages: int
    seconds: float
    quiet_seconds: float
    duplicate_seconds: float
    outcome: str

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def _unique(raw: bytes, number: int, reply: dict[str, str] | None) -> bytes:
    """A corpus message made unique: its own Message-ID and (for questions) its own sender."""
    if reply is not None:
        for key, value in reply.items():
            raw = raw.replace(b"{{" + key.encode() + b"}}", value.encode())
    else:
        raw = raw.replace(b"{{REPLY_TO}}", b"energiradgivning.stockholm@example.org")
        raw = raw.replace(b"{{REFERENCE}}", b"EK-2026-00001")
        raw = raw.replace(b"{{OUR_MESSAGE_ID}}", b"none@example.org")
    head, separator, body = raw.partition(b"\n\n")
    lines = []
    for line in head.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            line = f"Message-ID: <bench-{number}@bench.example.org>".encode()
        elif line.lower().startswith(b"from:") and reply is None:
            line = line.replace(b"@", f"+bench{number}@".encode(), 1)
        lines.append(line)
    return b"\n".join(lines) + separator + body


def _make_app(url: str, instance: Path, mailbox: dict[str, Any]) -> Flask:
    from advice import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark-secret-key-long-enough-for-the-checks",
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "INBOUND_MAILBOXES": [mailbox],
            "INBOUND_SENDER_LIMIT": 0,
            "MAIL_SEND_AFTER_REQUEST": False,
        }
    )


def _prepare(app: Flask) -> list[dict[str, str]]:
    """Schema, seed data and three web cases whose replies the mix includes."""
    from flask_migrate import upgrade

    from advice.cases.contacts import ContactDetails
    from advice.cases.services import NewCase, create_case
    from advice.cli import run_seed
    from advice.extensions import db
    from advice.inbound.threading import reply_address
    from advice.regions.models import Municipality

    with app.app_context():
        upgrade()
        run_seed()
        db.session.commit()
        stockholm = db.session.scalar(select(Municipality.id).where(Municipality.code == "0180"))
        replies = []
        for name, email in (
            ("Åsa Öberg", "asa.oberg@example.com"),
            ("Åsa Öberg", "asa.oberg@example.com"),
            ("Björn Lindström", "bjorn.lindstrom@example.net"),
        ):
            case = create_case(
                NewCase(
                    question="Vi funderar på bergvärme.",
                    channel_code="web",
                    municipality_id=stockholm,
                    contact=ContactDetails(name=name, email=email, phone=None),
                )
            ).case
            db.session.flush()
            replies.append(
                {
                    "REPLY_TO": reply_address(case) or "",
                    "REFERENCE": case.reference,
                    "OUR_MESSAGE_ID": "bench-origin@example.org",
                }
            )
        db.session.commit()
    return replies


def _fill(server: Any, count: int, replies: list[dict[str, str]]) -> float:
    """APPEND the mix; returns the seconds it took (not part of the throughput)."""
    started = time.perf_counter()
    connection = server.connect("stockholm")
    try:
        for number in range(count):
            kind = MIX[number % len(MIX)]
            round_number = number // len(MIX)
            reply = None
            if kind == "r":
                index = round_number % len(REPLIES)
                name, reply = REPLIES[index], replies[index]
            elif kind == "a":
                name = AUTOMATIC[round_number % len(AUTOMATIC)]
            else:
                name = QUESTIONS[number % len(QUESTIONS)]
            raw = _unique((CORPUS / name).read_bytes(), number, reply)
            status, data = connection.append("INBOX", None, None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND failed: {data}")
    finally:
        connection.logout()
    return time.perf_counter() - started


def _unmark(server: Any) -> None:
    """Remove the handled flags, as if every commit had happened but no marking."""
    connection: imaplib.IMAP4_SSL = server.connect("stockholm")
    try:
        connection.select("INBOX")
        connection.store("1:*", "-FLAGS.SILENT", "(\\Seen $AdviceHandled)")
    finally:
        connection.logout()


def _run(app: Flask) -> tuple[float, Any]:
    from advice.inbound.services import fetch_and_process

    with app.app_context():
        started = time.perf_counter()
        report = fetch_and_process()
        return time.perf_counter() - started, report


@contextlib.contextmanager
def _database(backend: str, arguments: argparse.Namespace, base: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{base / 'bench.sqlite3'}"
        return
    database = BenchDatabase.from_arguments(arguments.database_url, "advice_bench_inbound")
    database.drop()
    database.create()
    try:
        yield database.sqlalchemy_url
    finally:
        database.drop()


def measure(backend: str, arguments: argparse.Namespace, server: Any) -> Result:
    from advice.cases.models import Case
    from advice.extensions import db

    server.empty("stockholm")
    base = Path(tempfile.mkdtemp(prefix="advice-bench-inbound-"))
    try:
        with _database(backend, arguments, base) as url:
            app = _make_app(url, base, server.mailbox("stockholm"))
            replies = _prepare(app)
            fill_seconds = _fill(server, arguments.messages, replies)
            log(f"{backend}: {arguments.messages} messages appended in {fill_seconds:.1f} s")
            seconds, report = _run(app)
            if report.fetched != arguments.messages or report.errors:
                raise RuntimeError(f"{backend}: {report.summary()} {report.errors}")
            log(f"{backend}: {report.summary()}")
            quiet_seconds, quiet = _run(app)
            if quiet.fetched:
                raise RuntimeError(f"{backend}: the quiet run read {quiet.fetched} messages")
            _unmark(server)
            duplicate_seconds, again = _run(app)
            if again.duplicates != arguments.messages:
                raise RuntimeError(f"{backend}: second pass {again.summary()}")
            with app.app_context():
                cases = db.session.scalar(select(func.count()).select_from(Case))
                db.engine.dispose()
            return Result(
                backend,
                arguments.messages,
                seconds,
                quiet_seconds,
                duplicate_seconds,
                f"{report.new_cases} new cases, {report.replies} replies, "
                f"{report.ignored} ignored; {cases} cases in the database",
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    if shutil.which("dovecot") is None and shutil.which("dovecot", path="/usr/sbin") is None:
        raise SystemExit("Dovecot is needed: apt-get install dovecot-imapd")
    from tests.dovecot import running_dovecot

    backends = ("postgresql", "sqlite") if arguments.backend == "both" else (arguments.backend,)
    servers = running_dovecot()
    server = next(servers)
    try:
        results = [measure(backend, arguments, server) for backend in backends]
        postgres_version = "-"
        if "postgresql" in backends:
            database = BenchDatabase.from_arguments(arguments.database_url, "postgres")
            postgres_version = database.server_version()
    finally:
        servers.close()
    print(machine_line(postgres_version))
    print(
        format_table(
            [
                "backend",
                "messages",
                "run (s)",
                "messages/s",
                "quiet run (ms)",
                "all duplicates (s)",
            ],
            [
                [
                    r.backend,
                    str(r.messages),
                    f"{r.seconds:.2f}",
                    f"{r.per_second:.1f}",
                    f"{r.quiet_seconds * 1000:.0f}",
                    f"{r.duplicate_seconds:.2f}",
                ]
                for r in results
            ],
        )
    )
    for r in results:
        print(f"{r.backend}: {r.outcome}")


if __name__ == "__main__":
    main()
