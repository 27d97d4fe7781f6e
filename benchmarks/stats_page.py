"""Server time of the statistics page (/stats) and its downloads on PostgreSQL with N demo
cases.

    .venv/bin/python benchmarks/stats_page.py --cases 1000000 --keep

Creates (or reuses) the database ``advice_bench_<N>``, loaded with the operator's own
commands (``flask --app advice db upgrade``, ``seed``, ``demo --cases N``, then
``rebuild-stats``, which takes the bulk-loaded cases into the statistics rollup). Then it
creates the app in this process and times requests through the Flask test client, signed
in as the demo coordinator (the whole region) and the demo adviser (their own office).
Rounds go through every route once, ``/healthz`` included.

Columns: median and p95 (nearest rank) of the server time over the timed requests; the
first request's time (charts not yet drawn: the page caches the SVG of figures it has
drawn); SQL statements per request and the median time inside the database driver.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from benchmarks.common import (
    BenchDatabase,
    Statement,
    StatementLog,
    Timing,
    explain_statements,
    flask_command,
    format_table,
    log,
    machine_line,
)

COORDINATOR = "coordinator@example.org"
ADVISER = "adviser@example.org"
PASSWORD = "demo"  # noqa: S105 (what `flask demo` gives its staff by default)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="demo cases in the database")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server URL (default postgresql://postgres@127.0.0.1:5432); "
        "a database name in it replaces advice_bench_<N>",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep a database this run loaded (one it reused is always kept)",
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the database first")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per route")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per route")
    parser.add_argument(
        "--explain-over",
        type=float,
        default=150.0,
        metavar="MS",
        help="EXPLAIN (ANALYZE, BUFFERS) the slowest SQL of routes slower than this median",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    arguments = parser.parse_args(argv)
    if arguments.cases < 1 or arguments.repeat < 1 or arguments.warmup < 0:
        parser.error("--cases and --repeat must be positive, --warmup not negative")
    return arguments


def prepare_database(
    database: BenchDatabase, cases: int, fresh: bool, instance: Path
) -> tuple[str, bool]:
    """A database with at least ``cases`` demo cases and a current rollup; returns how it
    came about and whether this run loaded it."""
    environment = {"DATABASE_URL": database.url, "ADVICE_INSTANCE_PATH": str(instance)}
    existing = 0
    if database.exists():
        existing = 0 if fresh else database.case_count()
        if existing < cases:
            log(f"dropping {database.name} ({existing} cases, {cases} wanted)")
            database.drop()
    if existing >= cases:
        log(f"reusing {database.name}: {existing} cases")
        flask_command(["db", "upgrade"], environment)
        started = time.perf_counter()
        flask_command(["rebuild-stats"], environment)
        rebuild = time.perf_counter() - started
        seconds = database.vacuum_analyze(vacuum=False)
        return (
            f"reused ({existing} cases; rebuild-stats {rebuild:.1f} s; ANALYZE {seconds:.1f} s)",
            False,
        )
    database.create()
    started = time.perf_counter()
    flask_command(["db", "upgrade"], environment)
    flask_command(["seed"], environment)
    flask_command(["demo", "--cases", str(cases)], environment)
    load = time.perf_counter() - started
    started = time.perf_counter()
    flask_command(["rebuild-stats"], environment)
    rebuild = time.perf_counter() - started
    vacuum = database.vacuum_analyze(vacuum=True)
    return (
        f"loaded in {load:.0f} s, rebuild-stats {rebuild:.1f} s, VACUUM ANALYZE {vacuum:.0f} s",
        True,
    )


@dataclass
class Route:
    label: str
    who: str
    path: str
    timing: Timing = field(init=False)
    first_ms: float = 0.0
    last_statements: list[Statement] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.timing = Timing(self.label, self.path, [], [], [])


def plan(connection: Any) -> list[Route]:
    last_year = connection.scalar(
        text(
            "SELECT extract(year FROM max(received_at) AT TIME ZONE 'Europe/Stockholm') - 1 "
            "FROM cases"
        )
    )
    year = int(last_year)
    stockholm = connection.scalar(text("SELECT id FROM municipalities WHERE code = '0180'"))
    small = connection.execute(
        text(
            "SELECT m.id, m.name FROM municipalities m JOIN cases c ON c.municipality_id = m.id "
            "GROUP BY m.id, m.name ORDER BY count(*) LIMIT 1"
        )
    ).one()
    office = connection.scalar(text("SELECT id FROM offices WHERE code = 'stockholm'"))
    return [
        Route("bare route /healthz", "coordinator", "/healthz"),
        Route("stats, default (this year so far)", "coordinator", "/stats"),
        Route(f"stats, year {year}", "coordinator", f"/stats?period={year}"),
        Route(
            f"stats, year {year}, Stockholm",
            "coordinator",
            f"/stats?period={year}&municipality={stockholm}",
        ),
        Route(
            f"stats, year {year}, {small.name}",
            "coordinator",
            f"/stats?period={year}&municipality={small.id}",
        ),
        Route(
            f"stats, year {year}, office stockholm",
            "coordinator",
            f"/stats?period={year}&office={office}",
        ),
        Route(f"stats, {year}-Q2", "coordinator", f"/stats?period={year}-Q2"),
        Route(
            f"stats, custom {year}-03-15..{year}-09-20",
            "coordinator",
            f"/stats?period=custom&from={year}-03-15&to={year}-09-20",
        ),
        Route(f"stats, year {year}, adviser's offices", "adviser", f"/stats?period={year}"),
        Route(f"export.xlsx, year {year}", "coordinator", f"/stats/export.xlsx?period={year}"),
        Route(f"export.csv, year {year}", "coordinator", f"/stats/export.csv?period={year}"),
        Route(f"report.xlsx, {year}-Q4", "coordinator", f"/stats/report.xlsx?period={year}-Q4"),
        Route(f"report.xlsx, year {year}", "coordinator", f"/stats/report.xlsx?period={year}"),
    ]


def sign_in(app: Any, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {email} failed ({response.status_code})")
    return client


def measure(
    clients: dict[str, Any],
    statement_log: StatementLog,
    routes: list[Route],
    repeat: int,
    warmup: int,
) -> None:
    for round_number in range(warmup + repeat):
        for route in routes:
            with statement_log.capture() as captured:
                started = time.perf_counter()
                response = clients[route.who].get(route.path)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"GET {route.path} answered {response.status_code}")
            if round_number == 0:
                route.first_ms = elapsed * 1000
            if round_number < warmup:
                continue
            route.timing.seconds.append(elapsed)
            route.timing.queries.append(len(captured))
            route.timing.sql_seconds.append(sum(s.seconds for s in captured))
            route.last_statements = captured


def explain(engine: Any, route: Route, limit: int = 4) -> str:
    return explain_statements(engine, f"{route.label}: {route.path}", route.last_statements, limit)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    database = BenchDatabase.from_arguments(
        arguments.database_url, f"advice_bench_{arguments.cases}"
    )
    instance = Path(tempfile.mkdtemp(prefix="advice-bench-"))
    os.environ["ADVICE_INSTANCE_PATH"] = str(instance)
    app = None
    loaded_here = False
    try:
        origin, loaded_here = prepare_database(database, arguments.cases, arguments.fresh, instance)

        from advice import create_app
        from advice.extensions import db

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database.sqlalchemy_url,
                "SECRET_KEY": "benchmark-" + "x" * 40,
                "WTF_CSRF_ENABLED": False,
            }
        )
        statement_log = StatementLog()
        with app.app_context():
            engine = db.engine
            with engine.connect() as connection:
                routes = plan(connection)
                covered = connection.scalar(text("SELECT covered_through FROM stats_state"))
        statement_log.attach(engine)
        clients = {"coordinator": sign_in(app, COORDINATOR), "adviser": sign_in(app, ADVISER)}
        log(f"timing {len(routes)} routes, {arguments.warmup} + {arguments.repeat} requests each")
        measure(clients, statement_log, routes, arguments.repeat, arguments.warmup)
        statement_log.detach(engine)

        counts = database.row_counts()
        bare = routes[0].timing.median_ms
        print()
        print(machine_line(database.server_version()))
        print(f"database: {database.name}, {origin}; rollup covers case ids up to {covered:,}")
        print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
        print(f"{arguments.repeat} timed requests per route after {arguments.warmup} warm-up")
        print()
        rows = [
            (
                route.label,
                route.who,
                f"{route.timing.median_ms:.1f}",
                f"{route.timing.p95_ms:.1f}",
                f"{route.first_ms:.1f}",
                f"{route.timing.median_ms / bare:.1f}",
                route.timing.query_label,
                f"{route.timing.sql_median_ms:.1f}",
            )
            for route in routes
        ]
        print(
            format_table(
                (
                    "route",
                    "as",
                    "median ms",
                    "p95 ms",
                    "first ms",
                    "x healthz",
                    "queries",
                    "SQL ms",
                ),
                rows,
            )
        )
        print()
        for route in routes:
            print(f"{route.label}: {route.path}")
        for route in routes[1:]:
            if route.timing.median_ms > arguments.explain_over:
                print()
                print(explain(engine, route))
        if arguments.json:
            arguments.json.write_text(
                json.dumps(
                    {
                        "cases": arguments.cases,
                        "database": database.name,
                        "machine": machine_line(database.server_version()),
                        "rows": counts,
                        "routes": [
                            {
                                "label": route.label,
                                "as": route.who,
                                "path": route.path,
                                "median_ms": route.timing.median_ms,
                                "p95_ms": route.timing.p95_ms,
                                "first_ms": route.first_ms,
                                "queries": route.timing.queries,
                                "sql_median_ms": route.timing.sql_median_ms,
                            }
                            for route in routes
                        ],
                    },
                    indent=2,
                )
            )
    finally:
        if app is not None:
            with app.app_context():
                from advice.extensions import db

                db.engine.dispose()
        if loaded_here and not arguments.keep:
            log(f"dropping {database.name}")
            database.drop()
        shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
