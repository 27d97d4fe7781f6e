"""Engine settings per database: SQLite pragmas and write locking, PostgreSQL pooling."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from advice.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000


def engine_options(uri: str) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        # pysqlite's own transaction handling is switched off (isolation_level None);
        # the "begin" listener below issues BEGIN IMMEDIATE instead.
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None}}
    return {"pool_pre_ping": True}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin_immediate(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with
        # "database is locked" when another writer committed in between, and most
        # requests write (an audit event at least). Taking the write lock at BEGIN
        # makes transactions queue (up to the busy timeout) instead. SQLite has one
        # writer at a time anyway; installations that need concurrency use PostgreSQL.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_database(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"
