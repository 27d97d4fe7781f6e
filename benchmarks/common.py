"""Shared helpers for the benchmark scripts: a PostgreSQL benchmark database, the machine
description, statement capture and timing statistics.

Nothing here is imported by the app; the scripts run from a checkout with the project's
virtual environment (``.venv/bin/python benchmarks/<script>.py``).
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432"

# Tables whose sizes describe a benchmark database.
COUNTED_TABLES = (
    "contacts",
    "cases",
    "case_topics",
    "case_entries",
    "tracking_tokens",
    "attachments",
    "audit_events",
    "users",
    "municipalities",
    "offices",
    "topics",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The benchmark database ------------------------------------------------------------


@dataclass(frozen=True)
class BenchDatabase:
    """A PostgreSQL database on a server; ``url`` is a plain ``postgresql://`` URL."""

    server: URL
    name: str

    @classmethod
    def from_arguments(cls, database_url: str | None, default_name: str) -> BenchDatabase:
        """``database_url`` is a server URL; a database name in it replaces the default."""
        url = make_url(database_url or DEFAULT_SERVER_URL)
        if not url.drivername.startswith("postgresql"):
            raise SystemExit(f"A PostgreSQL URL is needed, not {url.drivername}.")
        return cls(
            server=url.set(drivername="postgresql", database=None),
            name=url.database or default_name,
        )

    @property
    def url(self) -> str:
        """For ``DATABASE_URL``: the app turns it into a psycopg URL itself."""
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    @property
    def sqlalchemy_url(self) -> str:
        """For ``SQLALCHEMY_DATABASE_URI`` in a test configuration (no conversion there)."""
        return self.server.set(
            drivername="postgresql+psycopg", database=self.name
        ).render_as_string(hide_password=False)

    def _maintenance_engine(self) -> Engine:
        url = self.server.set(drivername="postgresql+psycopg", database="postgres")
        return create_engine(url, isolation_level="AUTOCOMMIT")

    def engine(self) -> Engine:
        return create_engine(self.sqlalchemy_url, isolation_level="AUTOCOMMIT")

    def exists(self) -> bool:
        engine = self._maintenance_engine()
        try:
            with engine.connect() as connection:
                return bool(
                    connection.scalar(
                        text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": self.name}
                    )
                )
        finally:
            engine.dispose()

    def create(self) -> None:
        engine = self._maintenance_engine()
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        finally:
            engine.dispose()

    def drop(self) -> None:
        engine = self._maintenance_engine()
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            engine.dispose()

    def case_count(self) -> int:
        """Cases in the database; 0 when it has no cases table yet."""
        engine = self.engine()
        try:
            with engine.connect() as connection:
                if connection.scalar(text("SELECT to_regclass('public.cases')")) is None:
                    return 0
                return int(connection.scalar(text("SELECT count(*) FROM cases")) or 0)
        finally:
            engine.dispose()

    def vacuum_analyze(self, *, vacuum: bool) -> float:
        """Planner statistics as autovacuum would leave them after a bulk load."""
        started = time.perf_counter()
        engine = self.engine()
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
        finally:
            engine.dispose()
        return time.perf_counter() - started

    def row_counts(self) -> dict[str, int]:
        engine = self.engine()
        counts: dict[str, int] = {}
        try:
            with engine.connect() as connection:
                for table in COUNTED_TABLES:
                    if connection.scalar(text(f"SELECT to_regclass('public.{table}')")) is None:
                        continue
                    query = text(f"SELECT count(*) FROM {table}")  # noqa: S608 (a fixed name)
                    counts[table] = int(connection.scalar(query))
        finally:
            engine.dispose()
        return counts

    def server_version(self) -> str:
        engine = self.engine()
        try:
            with engine.connect() as connection:
                return str(connection.scalar(text("SHOW server_version")))
        finally:
            engine.dispose()


def flask_command(arguments: Sequence[str], environment: dict[str, str]) -> None:
    """``flask --app advice ARGUMENTS`` in a subprocess, as an operator would run it."""
    command = [sys.executable, "-m", "flask", "--app", "advice", *arguments]
    log("$ " + " ".join(["flask", "--app", "advice", *arguments]))
    subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        command,
        cwd=REPOSITORY_ROOT,
        env={**os.environ, **environment},
        check=True,
        stdout=sys.stderr,  # stdout is for the results
    )


# --- The machine ---------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def machine_line(postgres_version: str) -> str:
    return (
        f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{cpu_model()}, PostgreSQL {postgres_version}, Python {sys.version.split()[0]}"
    )


# --- Statement capture ---------------------------------------------------------------


@dataclass
class Statement:
    sql: str
    parameters: Any
    seconds: float


@dataclass
class StatementLog:
    """Every SQL statement sent through an engine, with its parameters and duration."""

    statements: list[Statement] = field(default_factory=list)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def detach(self, engine: Engine) -> None:
        event.remove(engine, "before_cursor_execute", self._before)
        event.remove(engine, "after_cursor_execute", self._after)

    def _before(self, connection: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        connection.info.setdefault("bench_started", []).append(time.perf_counter())
        self.statements.append(Statement(sql, parameters, 0.0))

    def _after(self, connection: Any, *_: Any) -> None:
        started = connection.info["bench_started"].pop()
        self.statements[-1].seconds = time.perf_counter() - started

    @contextmanager
    def capture(self) -> Iterator[list[Statement]]:
        """The statements sent inside the block."""
        self.statements = []
        captured: list[Statement] = []
        try:
            yield captured
        finally:
            captured.extend(self.statements)
            self.statements = []


# --- Statistics ----------------------------------------------------------------------


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least ``fraction`` at or below."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timing:
    label: str
    path: str
    seconds: list[float]
    queries: list[int]
    sql_seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.seconds, 0.95) * 1000

    @property
    def sql_median_ms(self) -> float:
        return statistics.median(self.sql_seconds) * 1000

    @property
    def query_label(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}-{high}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        cells = [
            str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def explain_statements(engine: Any, title: str, statements: Sequence[Any], limit: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECTs a request ran (captured statements
    with ``sql``, ``parameters`` and ``seconds``)."""
    selects = [s for s in statements if s.sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    selects.sort(key=lambda s: s.seconds, reverse=True)
    lines = [f"=== {title}"]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement in selects[:limit]:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters or None
            )
            lines += [
                f"--- {statement.seconds * 1000:.2f} ms in the request",
                statement.sql,
                f"parameters: {statement.parameters!r}",
                "\n".join(row[0] for row in cursor.fetchall()),
                "",
            ]
        raw.rollback()
    finally:
        raw.close()
    return "\n".join(lines)
