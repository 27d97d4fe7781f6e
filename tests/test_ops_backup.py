"""The backup and restore drill, at a small size on both databases.

Fill a database (demo cases and an attachment), back it up while another thread keeps
adding cases, wipe the database and the uploads, restore onto the empty installation, and
compare: every table's row count with the backup's manifest, one case's whole timeline,
and an attachment's bytes. The same drill at 100,000 cases, timed, is
``benchmarks/backup_drill.py``.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from advice import create_app
from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment, upload_folder
from advice.cases.models import Attachment, Case, CaseEntry
from advice.demo.services import create_demo_cases, ensure_demo_staff
from advice.extensions import db
from advice.ops.backup import BackupError, create_backup, restore_backup
from tests.conftest import ADMIN_URL, BACKENDS
from tests.factories import new_case

DRILL_CASES = 200
# The smallest valid PNG: the upload check recognises files by their content.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class Installation:
    """A database and an instance folder of the drill's own."""

    def __init__(self, backend: str, base: Path) -> None:
        self.backend = backend
        self.base = base
        self.name = f"advice_drill_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            self.url = f"sqlite:///{base / 'drill.sqlite3'}"
        else:
            server = ADMIN_URL.rsplit("/", 1)[0]
            self.url = f"{server}/{self.name}".replace("postgresql://", "postgresql+psycopg://")
        self.create_empty()

    def create_empty(self) -> None:
        if self.backend == "postgresql":
            with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')

    def wipe(self) -> None:
        """Gone: the database and every upload, as after losing the server."""
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.base / "drill.sqlite3") + suffix).unlink(missing_ok=True)
        else:
            with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.base / "instance" / "uploads", ignore_errors=True)
        self.create_empty()

    def drop(self) -> None:
        if self.backend == "postgresql":
            with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def app(self) -> Flask:
        return create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "drill-secret-key-that-is-long-enough-for-tests",
                "SQLALCHEMY_DATABASE_URI": self.url,
                "PASSWORD_HASH_FAST": True,
                "RATELIMIT_ENABLED": False,
                "MAIL_SEND_AFTER_REQUEST": False,
            }
        )


@pytest.fixture(params=BACKENDS)
def installation(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    monkeypatch.setenv("ADVICE_INSTANCE_PATH", str(tmp_path / "instance"))
    place = Installation(request.param, tmp_path)
    yield place
    place.drop()


def _fill(app: Flask) -> dict[str, Any]:
    """Demo cases, one case with a long timeline and an attachment; what to compare later."""
    from advice.cli import run_seed

    with app.app_context():
        upgrade()
        run_seed()
        ensure_demo_staff("drill")
        db.session.commit()
        for _step in create_demo_cases(DRILL_CASES, seed=7, chunk_size=100):
            db.session.commit()
        case_id = db.session.scalar(
            select(CaseEntry.case_id)
            .group_by(CaseEntry.case_id)
            .order_by(func.count().desc(), CaseEntry.case_id)
            .limit(1)
        )
        case = db.session.get(Case, case_id)
        written = StoredFiles()
        attachment = store_attachment(
            case,  # type: ignore[arg-type]
            CheckedUpload("värmepump-ritning.png", "image/png", PNG),
            written,
        )
        db.session.commit()
        known = {
            "reference": case.reference,  # type: ignore[union-attr]
            "timeline": _timeline(case_id),  # type: ignore[arg-type]
            "attachment_id": attachment.id,
            "storage_key": attachment.storage_key,
        }
        db.session.remove()
        db.engine.dispose()
        return known


def _timeline(case_id: int) -> list[tuple[Any, ...]]:
    entries = db.session.scalars(
        select(CaseEntry).where(CaseEntry.case_id == case_id).order_by(CaseEntry.id)
    )
    return [
        (
            e.id,
            e.kind,
            e.is_public,
            e.author_id,
            e.body,
            e.minutes,
            e.old_status,
            e.new_status,
            e.created_at.replace(microsecond=0),
        )
        for e in entries
    ]


class Writer(threading.Thread):
    """Adds cases, each in its own transaction, until told to stop."""

    def __init__(self, app: Flask) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.created = 0
        self.stop = threading.Event()
        self.started_writing = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                while not self.stop.is_set():
                    new_case(question=f"Fråga {self.created} under säkerhetskopieringen")
                    db.session.commit()
                    self.created += 1
                    self.started_writing.set()
                db.session.remove()
        except BaseException as error:  # reported by the test
            self.error = error
            self.started_writing.set()


def test_backup_during_writes_then_restore_onto_empty_gives_everything_back(
    installation: Installation, tmp_path: Path
) -> None:
    app = installation.app()
    known = _fill(app)

    writer = Writer(app)
    writer.start()
    assert writer.started_writing.wait(30)
    with app.app_context():
        report = create_backup(tmp_path / "backups")
        db.session.remove()
    writes_during_backup = writer.created
    writer.stop.set()
    writer.join(30)
    assert writer.error is None, writer.error
    with app.app_context():
        db.engine.dispose()

    counts = report.counts
    assert counts["cases"] >= DRILL_CASES + 1
    assert counts["attachments"] == 1 and report.files == 1
    assert writes_during_backup >= 1
    assert not list((tmp_path / "backups").glob("*.partial"))

    installation.wipe()
    restored_app = installation.app()
    with restored_app.app_context():
        assert inspect(db.engine).get_table_names() == []
        result = restore_backup(report.path)
        assert result.mismatches == {}
        assert result.counts == counts

        case = db.session.scalar(select(Case).where(Case.reference == known["reference"]))
        assert case is not None
        assert _timeline(case.id) == known["timeline"]
        attachment = db.session.get(Attachment, known["attachment_id"])
        path = upload_folder() / attachment.storage_key  # type: ignore[union-attr]
        assert path.read_bytes() == PNG
        assert attachment.sha256 == hashlib.sha256(PNG).hexdigest()  # type: ignore[union-attr]

        # The restored installation takes new work: sequences and counters came back too.
        new_case(question="Första frågan efter återläsningen")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Case)) == counts["cases"] + 1

        # A second restore onto the now filled database is refused.
        db.session.remove()
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(report.path)
        db.session.remove()
        db.engine.dispose()
