"""Engine settings per database: SQLite pragmas and write locking, PostgreSQL pooling and
planning."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from advice.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000


def engine_options(uri: str) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        # pysqlite's own transaction handling is switched off (isolation_level None);
        # the "begin" listener below issues BEGIN IMMEDIATE instead.
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None}}
    # psycopg prepares a statement on the server after its fifth run; PostgreSQL then
    # plans it once for any parameters (a "generic plan") after five more, if that plan's
    # estimate looks no worse. For the search's full-text queries it is far worse (a
    # common word's 25 ms query took 165 ms from its eleventh run on, at 1,000,000
    # cases): every statement is planned for its own parameters, and prepared statements
    # still save the parsing.
    return {
        "pool_pre_ping": True,
        "connect_args": {"options": "-c plan_cache_mode=force_custom_plan"},
    }


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


def release_session(_error: BaseException | None = None) -> None:
    """End the request's session, also when the database has dropped its connection.

    Flask-SQLAlchemy's own teardown rolls the session back; when PostgreSQL has just been
    restarted, that ROLLBACK fails on the terminated connection, and the exception would
    escape after the view has made its response: the client got an empty 500 instead of
    the page. A dead connection holds no transaction (SQLAlchemy has already invalidated
    it and the pool replaces it), so the session is discarded and the response goes out.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        db.session.remove()  # the failed close ended the transaction: this one succeeds


def init_database(app: Flask) -> None:
    # Registered after Flask-SQLAlchemy's teardown, so it runs before it (teardowns run in
    # reverse), leaving that one nothing to do.
    app.teardown_appcontext(release_session)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"
