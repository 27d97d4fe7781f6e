"""The backup and restore drill at scale, timed: ``flask --app advice backup`` while a
writer keeps adding cases, then wipe, ``flask --app advice restore`` onto the empty
database, and compare.

    .venv/bin/python benchmarks/backup_drill.py --cases 100000            # both databases
    .venv/bin/python benchmarks/backup_drill.py --cases 100000 --backend postgresql

For each backend: load N demo cases (``demo``) and ``--attachments`` files, start a writer
thread that adds a case per transaction, run ``backup`` (the operator's command, in a
subprocess), stop the writer, wipe the database and the uploads, run ``restore`` and check
that every table's row count matches the backup's manifest, that one case's whole timeline
is the same and that an attachment's bytes are. Times are wall-clock for the commands.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    REPOSITORY_ROOT,
    BenchDatabase,
    flask_command,
    format_table,
    log,
    machine_line,
)

SECRET = "backup-drill-secret-key-long-enough-for-production-checks"  # noqa: S105 (a drill)


def _timed_flask(arguments: list[str], environment: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "flask", "--app", "advice", *arguments],
        cwd=REPOSITORY_ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    log(result.stdout.strip())
    return seconds, result.stdout


def _app(environment: dict[str, str]) -> Any:
    from advice import create_app

    os.environ["ADVICE_INSTANCE_PATH"] = environment["ADVICE_INSTANCE_PATH"]
    config: dict[str, Any] = {"SECRET_KEY": SECRET, "MAIL_SEND_AFTER_REQUEST": False}
    if "DATABASE_URL" in environment:
        config["SQLALCHEMY_DATABASE_URI"] = environment["DATABASE_URL"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    return create_app(config)


def _add_attachments(environment: dict[str, str], count: int, size: int) -> None:
    from sqlalchemy import select

    from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
    from advice.cases.models import Case
    from advice.extensions import db

    app = _app(environment)
    with app.app_context():
        case_ids = list(db.session.scalars(select(Case.id).order_by(Case.id).limit(count)))
        for number, case_id in enumerate(case_ids):
            data = b"%PDF-1.4\n" + os.urandom(size) + f"\n%{number}".encode()
            store_attachment(
                db.session.get(Case, case_id),  # type: ignore[arg-type]
                CheckedUpload(f"bilaga-{number}.pdf", "application/pdf", data),
                StoredFiles(),
            )
            if number % 100 == 99:
                db.session.commit()
        db.session.commit()
        db.engine.dispose()


def _fingerprint(environment: dict[str, str]) -> dict[str, Any]:
    """One case's whole timeline and one attachment's bytes, to compare after the restore."""
    from sqlalchemy import func, select

    from advice.attachments.services import upload_folder
    from advice.cases.models import Attachment, Case, CaseEntry
    from advice.extensions import db

    app = _app(environment)
    with app.app_context():
        case_id = db.session.scalar(
            select(CaseEntry.case_id)
            .group_by(CaseEntry.case_id)
            .order_by(func.count().desc(), CaseEntry.case_id)
            .limit(1)
        )
        reference = db.session.scalar(select(Case.reference).where(Case.id == case_id))
        timeline = [
            [e.id, e.kind, e.is_public, e.author_id, e.body, e.minutes, str(e.created_at)]
            for e in db.session.scalars(
                select(CaseEntry).where(CaseEntry.case_id == case_id).order_by(CaseEntry.id)
            )
        ]
        attachment = db.session.scalar(select(Attachment).order_by(Attachment.id).limit(1))
        data = (upload_folder() / attachment.storage_key).read_bytes() if attachment else b""
        db.engine.dispose()
        return {
            "reference": reference,
            "timeline": timeline,
            "attachment": hashlib.sha256(data).hexdigest(),
        }


class Writer(threading.Thread):
    def __init__(self, environment: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.environment = environment
        self.created = 0
        self.stop = threading.Event()

    def run(self) -> None:
        from sqlalchemy import select

        from advice.cases.contacts import ContactDetails
        from advice.cases.services import NewCase, create_case
        from advice.extensions import db
        from advice.regions.models import Municipality
        from advice.taxonomy.models import RequesterType, Topic

        app = _app(self.environment)
        with app.app_context():
            municipality = db.session.scalar(select(Municipality.id).limit(1))
            requester = db.session.scalar(select(RequesterType.id).limit(1))
            topic = db.session.scalar(select(Topic.id).limit(1))
            while not self.stop.is_set():
                create_case(
                    NewCase(
                        question=f"Fråga {self.created} under säkerhetskopieringen",
                        channel_code="web",
                        municipality_id=municipality,  # type: ignore[arg-type]
                        requester_type_id=requester,
                        topic_ids=[topic],  # type: ignore[list-item]
                        contact=ContactDetails(name="Skriv Testsson", email=None, phone=None),
                        consent_notice_version="2026-01",
                    )
                )
                db.session.commit()
                self.created += 1
                # About 50 new cases a second: far above a region's real rate, yet leaving
                # SQLite's single write lock free between transactions, as real traffic does.
                time.sleep(0.02)
            db.engine.dispose()


def drill(backend: str, cases: int, attachments: int, size: int, server: str | None) -> list[str]:
    base = Path(tempfile.mkdtemp(prefix=f"advice-drill-{backend}-"))
    environment = {"ADVICE_INSTANCE_PATH": str(base / "instance"), "ADVICE_SECRET_KEY": SECRET}
    database = None
    if backend == "postgresql":
        database = BenchDatabase.from_arguments(server, f"advice_drill_{cases}")
        database.drop()
        database.create()
        environment["DATABASE_URL"] = database.url
    try:
        started = time.perf_counter()
        flask_command(["db", "upgrade"], environment)
        flask_command(["seed"], environment)
        flask_command(["demo", "--cases", str(cases), "--password", "drill"], environment)
        _add_attachments(environment, attachments, size)
        log(f"loaded in {time.perf_counter() - started:.0f} s")
        before = _fingerprint(environment)

        writer = Writer(environment)
        writer.start()
        time.sleep(1.0)
        at_start = writer.created
        backup_seconds, output = _timed_flask(
            ["backup", "--to", str(base / "backups")], environment
        )
        during = writer.created - at_start
        writer.stop.set()
        writer.join()
        folder = Path(output.split("backup: ", 1)[1].splitlines()[0].strip())
        manifest = json.loads((folder / "manifest.json").read_text())
        size_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6

        # Wipe: the database and the uploads are gone.
        if database is not None:
            database.drop()
            database.create()
        else:
            for path in (base / "instance").glob("advice.sqlite3*"):
                path.unlink()
        shutil.rmtree(base / "instance" / "uploads", ignore_errors=True)

        restore_seconds, _output = _timed_flask(["restore", str(folder)], environment)
        after = _fingerprint(environment)
        same = before == after
        if not same:
            raise SystemExit(f"{backend}: the case or attachment differs after the restore")
        return [
            backend,
            f"{manifest['counts']['cases']:,}",
            f"{manifest['counts']['case_entries']:,}",
            f"{manifest['uploads']['files']} ({manifest['uploads']['bytes'] / 1e6:.0f} MB)",
            f"{size_mb:.0f} MB",
            f"{backup_seconds:.1f}",
            f"{during}",
            f"{restore_seconds:.1f}",
            "yes" if same else "NO",
        ]
    finally:
        if database is not None:
            database.drop()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--attachments", type=int, default=1000, help="files to add (default 1000)")
    parser.add_argument("--attachment-kb", type=int, default=200, help="size of each file")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL")
    arguments = parser.parse_args()

    backends = ("sqlite", "postgresql") if arguments.backend == "both" else (arguments.backend,)
    rows = [
        drill(
            backend,
            arguments.cases,
            arguments.attachments,
            arguments.attachment_kb * 1024,
            arguments.database_url,
        )
        for backend in backends
    ]
    version = BenchDatabase.from_arguments(arguments.database_url, "postgres")
    print(machine_line(version.server_version()))
    print(
        format_table(
            [
                "database",
                "cases",
                "entries",
                "uploads",
                "backup size",
                "backup s",
                "writes during",
                "restore s",
                "same",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
