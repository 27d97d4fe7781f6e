"""The app served by a real WSGI server in a subprocess, on a fresh database of its own.

Each backend gets one server per test session (and xdist worker): a new SQLite file, or a
uniquely named PostgreSQL database dropped afterwards, migrated and seeded (`seed`: the
region, the taxonomies and the shipped articles). Tests add the users and data they need
through ``server.app``, an app object in the test process on the same database and
instance folder, and read what the server did (the outbox, the database) the same way.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, cast
from unittest.mock import patch

import psycopg
from flask import Flask
from sqlalchemy import select

from advice import create_app
from advice.extensions import db
from advice.mail.models import OutboxMessage
from tests.conftest import ADMIN_URL, _migrate, _sqlalchemy_url, _test_config

REPOSITORY = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60
MAIL_TIMEOUT_SECONDS = 15


class LiveServer:
    """One running app server; ``url`` is its base address, without a trailing slash."""

    def __init__(self, backend: str, base: Path) -> None:
        self.backend = backend
        self.base = base
        self.instance = base / "instance"
        self.instance.mkdir(parents=True, exist_ok=True)
        self.database_name: str | None = None
        # Shared with the test process: what one side signs or seals, the other opens
        # (a second factor's secret, for one).
        self.secret_key = secrets.token_urlsafe(48)
        self.database_url = self._create_database()
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        # The server imports the app (seconds) while the database is migrated and seeded;
        # it connects at its first request.
        self._launch()
        try:
            _migrate(self.database_url, base)
            self.app = self._test_process_app()
            self._seed()
            self._wait_until_listening()
        except BaseException:
            self._stop_process()
            self._drop_database()
            raise

    # The database ----------------------------------------------------------------------

    def _create_database(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.base / 'advice-browser.sqlite3'}"
        self.database_name = f"advice_browser_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database_name}"')
        return _sqlalchemy_url(ADMIN_URL.rsplit("/", 1)[0] + "/" + self.database_name)

    def _drop_database(self) -> None:
        if self.database_name is None:
            return
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        self.database_name = None

    def _test_process_app(self) -> Flask:
        # The same instance folder as the server: attachments stored here are served there.
        with patch.dict(os.environ, {"ADVICE_INSTANCE_PATH": str(self.instance)}):
            config = _test_config(self.database_url, self.base)
            return create_app({**config, "SECRET_KEY": self.secret_key})

    def _seed(self) -> None:
        from advice.cli import run_seed
        from advice.knowledge.seed import load_articles

        with self.app.app_context():
            run_seed()
            load_articles()
            db.session.commit()

    # The server process ------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        environment = {
            name: value
            for name, value in os.environ.items()
            # Nothing of the developer's own configuration: no SMTP server, no Redis.
            if not name.startswith("ADVICE_") and name != "DATABASE_URL"
        }
        environment.update(
            ADVICE_DATABASE_URL=self.database_url,
            ADVICE_INSTANCE_PATH=str(self.instance),
            ADVICE_SECRET_KEY=self.secret_key,
            ADVICE_PASSWORD_HASH_FAST="true",
            # Rate limits stay on: serve.py counts only the requests that ask to be counted.
            ADVICE_LOGIN_MAX_FAILURES="1000",
            ADVICE_METRICS_ALLOWED_IPS="127.0.0.1",
            PYTHONPATH=str(REPOSITORY),
        )
        return environment

    def _launch(self) -> None:
        log = (self.base / "server.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "tests.browser.serve", str(self._port_file)],
            cwd=REPOSITORY,
            env=self._environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    @property
    def _port_file(self) -> Path:
        return self.base / "port"

    def _wait_until_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._port_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the app server did not start:\n{self.log_tail()}")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self._port_file.read_text().strip()}"
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=10) as response:  # noqa: S310
            assert response.status == 200

    def log_tail(self, lines: int = 40) -> str:
        log = self.base / "server.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def _stop_process(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def stop(self) -> None:
        self._stop_process()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self._drop_database()

    # What the server did -----------------------------------------------------------------

    def emails_to(self, address: str) -> list[EmailMessage]:
        """Emails written to the outbox folder for ``address``, oldest first."""
        folder = self.instance / "outbox"
        found = []
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            email = cast(EmailMessage, message_from_bytes(path.read_bytes(), policy=default_policy))
            if address.lower() in str(email["To"]).lower():
                found.append(email)
        return found

    def wait_for_email(
        self, address: str, matches: Callable[[EmailMessage], bool] = lambda _email: True
    ) -> EmailMessage:
        """The newest email to ``address`` that ``matches``; waits for delivery, which runs
        after the response that queued it (nothing else delivers here: a message left
        pending fails the test, as it would wait for send-mail in production)."""
        deadline = time.monotonic() + MAIL_TIMEOUT_SECONDS
        while True:
            emails = [email for email in self.emails_to(address) if matches(email)]
            if emails:
                return emails[-1]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no matching email to {address} in the outbox; the outbox table says "
                    f"{self.outbox_state(address)}; the server's log ends:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def outbox_state(self, address: str) -> list[tuple[str, str, int, str | None]]:
        """(kind, status, attempts, last error) of each message to ``address``: a message
        pending with no attempt was never picked up after its response."""

        def state() -> list[tuple[str, str, int, str | None]]:
            query = select(OutboxMessage).where(OutboxMessage.to_address == address)
            return [
                (message.kind, message.status, message.attempts, message.last_error)
                for message in db.session.scalars(query.order_by(OutboxMessage.id))
            ]

        return cast(list[tuple[str, str, int, str | None]], self.run(state))

    def run(self, work: Callable[[], Any]) -> Any:
        """Call ``work`` in an app context of the test process, on the server's database."""
        with self.app.app_context():
            return work()
