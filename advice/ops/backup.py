"""Backups of the database and the uploads, and restoring them onto an empty installation.

A backup is a folder ``advice-<UTC time>/`` holding:

- ``database.sqlite3`` (SQLite): made with SQLite's online backup API in one step, a
  consistent copy taken while the app goes on writing (WAL readers never block writers);
- ``database.dump`` (PostgreSQL): ``pg_dump --format=custom`` of a snapshot exported from
  a repeatable-read transaction, so the row counts in the manifest are counted in exactly
  the data that was dumped;
- ``uploads/``: the attachments, copied after the database snapshot, so every attachment
  the backup's database knows of is there (a file is written before its row commits);
- ``manifest.json``: when, which database, the schema revision, the row count of every
  table, and the number and size of the files.

The folder is written as ``….partial`` and renamed when complete: a backup that was cut
short never looks like a good one. The PDF cache is not backed up (it is made again on
demand) and neither is the secret key (keep it in your secret store).

``restore`` refuses a database that has any table, or an upload folder that has files:
it restores onto an empty installation, then compares the row counts with the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from advice.attachments.services import upload_folder
from advice.clock import utcnow
from advice.extensions import db

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
UPLOADS = "uploads"


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class BackupReport:
    path: Path
    database_seconds: float
    files_seconds: float
    counts: dict[str, int]
    files: int
    size_bytes: int


@dataclass
class RestoreReport:
    database_seconds: float
    files_seconds: float
    counts: dict[str, int]
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)


def backup_folder() -> Path:
    configured = current_app.config.get("BACKUP_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def _table_names() -> list[str]:
    return sorted(table.name for table in db.metadata.sorted_tables)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


# Backing up ------------------------------------------------------------------------------


def create_backup(
    target: Path | None = None, *, include_uploads: bool = True, now: Any = None
) -> BackupReport:
    root = target or backup_folder()
    root.mkdir(parents=True, exist_ok=True)
    stamp = (now or utcnow()).strftime("%Y%m%dT%H%M%S%fZ")
    final = root / f"advice-{stamp}"
    partial = root / f"advice-{stamp}.partial"
    partial.mkdir()
    try:
        started = time.perf_counter()
        if db.engine.dialect.name == "sqlite":
            counts, revision = _backup_sqlite(partial / SQLITE_FILE)
        else:
            counts, revision = _backup_postgresql(partial / POSTGRES_FILE)
        database_seconds = time.perf_counter() - started
        started = time.perf_counter()
        files, size = _copy_files(upload_folder(), partial / UPLOADS) if include_uploads else (0, 0)
        files_seconds = time.perf_counter() - started
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": utcnow().isoformat(),
            "database": db.engine.dialect.name,
            "revision": revision,
            "counts": counts,
            "uploads": {"included": include_uploads, "files": files, "bytes": size},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    total = sum(path.stat().st_size for path in final.rglob("*") if path.is_file())
    return BackupReport(final, database_seconds, files_seconds, counts, files, total)


def _backup_sqlite(destination: Path) -> tuple[dict[str, int], str | None]:
    source_path = db.engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupError("The SQLite database is not a file.")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(destination)
    try:
        # One step (pages=-1): the copy is one read transaction, a consistent snapshot.
        source.backup(target, pages=-1)
    finally:
        source.close()
    try:
        counts = {
            name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            for name in _table_names()
        }
        revision = _sqlite_revision(target)
    finally:
        target.close()
    return counts, revision


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _backup_postgresql(destination: Path) -> tuple[dict[str, int], str | None]:
    conninfo, environment = _libpq(db.engine.url)
    with psycopg.connect(conninfo, password=environment.get("PGPASSWORD")) as connection:
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        counts = {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # type: ignore[index]  # noqa: S608
            for name in _table_names()
        }
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
        # The dump sees exactly what this transaction sees while the transaction is open.
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={destination}",
                conninfo,
            ],
            environment,
        )
        connection.rollback()
    return counts, revision


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        result = subprocess.run(  # noqa: S603  (fixed program, arguments we built)
            command, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools).") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _copy_files(source: Path, destination: Path) -> tuple[int, int]:
    destination.mkdir(parents=True, exist_ok=True)
    files = size = 0
    if not source.is_dir():
        return 0, 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.endswith((".tmp", ".part")):
            continue
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, target)
        except FileNotFoundError:
            continue  # removed meanwhile (retention); the backup's database may still name it
        files += 1
        size += target.stat().st_size
    return files, size


def prune_backups(keep: int, root: Path | None = None) -> list[Path]:
    """Remove all but the ``keep`` newest complete backups in the folder."""
    root = root or backup_folder()
    backups = sorted(
        path for path in root.glob("advice-*") if path.is_dir() and (path / MANIFEST).is_file()
    )
    removed = backups[:-keep] if keep > 0 else []
    for path in removed:
        shutil.rmtree(path)
    return removed


# Restoring -------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{folder} holds no {MANIFEST}: not a complete backup.") from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def restore_backup(folder: Path, *, include_uploads: bool = True) -> RestoreReport:
    manifest = read_manifest(folder)
    dialect = db.engine.dialect.name
    if manifest["database"] != dialect:
        raise BackupError(
            f"The backup is of a {manifest['database']} database; this installation uses {dialect}."
        )
    existing = inspect(db.engine).get_table_names()
    db.session.rollback()
    if existing:
        raise BackupError(
            f"The database is not empty ({len(existing)} tables): restore only onto an empty one."
        )
    uploads = upload_folder()
    if include_uploads and manifest["uploads"]["included"] and _has_files(uploads):
        raise BackupError(f"The upload folder {uploads} is not empty.")

    started = time.perf_counter()
    if dialect == "sqlite":
        _restore_sqlite(folder / SQLITE_FILE)
    else:
        _restore_postgresql(folder / POSTGRES_FILE)
    database_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if include_uploads and manifest["uploads"]["included"]:
        _copy_files(folder / UPLOADS, uploads)
    files_seconds = time.perf_counter() - started

    counts = current_counts()
    expected: dict[str, int] = manifest["counts"]
    mismatches = {
        name: (expected[name], counts.get(name, -1))
        for name in expected
        if counts.get(name, -1) != expected[name]
    }
    return RestoreReport(database_seconds, files_seconds, counts, mismatches)


def current_counts() -> dict[str, int]:
    counts = {
        name: int(db.session.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0)  # noqa: S608
        for name in _table_names()
    }
    db.session.rollback()
    return counts


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(path.is_file() for path in folder.rglob("*"))


def _restore_sqlite(source_file: Path) -> None:
    target_path = db.engine.url.database
    if not target_path or target_path == ":memory:":
        raise BackupError("The SQLite database is not a file.")
    db.session.remove()
    db.engine.dispose()
    Path(target_path).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target, pages=-1)
    finally:
        source.close()
        target.close()


def _restore_postgresql(dump: Path) -> None:
    conninfo, environment = _libpq(db.engine.url)
    db.session.remove()
    db.engine.dispose()
    jobs = max(1, min(4, os.cpu_count() or 1))
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--jobs={jobs}",
            f"--dbname={conninfo}",
            str(dump),
        ],
        environment,
    )
    # Fresh planner statistics, as after any bulk load.
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
