"""Server time of the regional queue (/queue) and the case page (/cases/<reference>) on
PostgreSQL with N demo cases.

    .venv/bin/python benchmarks/case_pages.py --cases 1000000 --keep

Creates (or reuses) the database ``advice_bench_<N>`` on the server, loads it with the
operator's own commands (``flask --app advice db upgrade``, ``seed``, ``demo --cases N``),
then creates the app in this process and times requests through the Flask test client,
signed in as the demo adviser of the Stockholm office. Rounds go through every route once,
``/healthz`` included, so each route's ratio to that bare route comes from the same moments.
The time is the server's: routing, access checks, SQL, template rendering; no network and
no WSGI server.

See benchmarks/README.md for what the columns mean.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
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

ADVISER_EMAIL = "adviser@example.org"
ADVISER_PASSWORD = "demo"  # noqa: S105 (what `flask demo` gives its staff by default)
NEXT_PAGE_LINK = re.compile(r'<a href="([^"]*)"[^>]*>\s*Nästa sida\s*</a>')


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="demo cases in the database")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server URL (default postgresql://postgres@127.0.0.1:5432); "
        "a database name in it replaces advice_bench_<N>",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database afterwards (default: drop it)"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="rebuild the database even if it could be reused"
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per route")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per route first")
    parser.add_argument(
        "--explain-over",
        type=float,
        default=100.0,
        metavar="MS",
        help="EXPLAIN (ANALYZE, BUFFERS) the SQL of routes slower than this median",
    )
    parser.add_argument("--explain-all", action="store_true", help="EXPLAIN the SQL of every route")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    arguments = parser.parse_args(argv)
    if arguments.cases < 1 or arguments.repeat < 1 or arguments.warmup < 0:
        parser.error("--cases and --repeat must be positive, --warmup not negative")
    return arguments


# --- The database --------------------------------------------------------------------


def prepare_database(database: BenchDatabase, cases: int, fresh: bool, instance: Path) -> str:
    """A database with at least ``cases`` demo cases; returns how it came about."""
    environment = {"DATABASE_URL": database.url, "ADVICE_INSTANCE_PATH": str(instance)}
    existing = 0
    if database.exists():
        existing = 0 if fresh else database.case_count()
        if existing < cases:
            log(f"dropping {database.name} ({existing} cases, {cases} wanted)")
            database.drop()
    if existing >= cases:
        log(f"reusing {database.name}: {existing} cases")
        flask_command(["db", "upgrade"], environment)  # a new migration (an index) applies
        seconds = database.vacuum_analyze(vacuum=False)
        return f"reused ({existing} cases; ANALYZE {seconds:.1f} s)"

    database.create()
    started = time.perf_counter()
    flask_command(["db", "upgrade"], environment)
    flask_command(["seed"], environment)
    flask_command(["demo", "--cases", str(cases)], environment)
    load_seconds = time.perf_counter() - started
    # After a bulk load autovacuum would analyse the tables at some point; do it now so
    # every run plans with the same statistics.
    vacuum_seconds = database.vacuum_analyze(vacuum=True)
    return f"loaded in {load_seconds:.0f} s, VACUUM ANALYZE {vacuum_seconds:.0f} s"


@dataclass(frozen=True)
class Targets:
    office_code: str
    office_id: int
    common_topic: tuple[int, str, int]  # id, code, cases of the office
    rare_topic: tuple[int, str, int]
    many_entries: tuple[str, int]  # reference, entries
    old_closed: tuple[str, int]
    newest: tuple[str, int]


def pick_targets(connection: Any) -> Targets:
    """The adviser's office, its most and least used topics, and three of its cases."""
    office = connection.execute(
        text(
            "SELECT o.id, o.code FROM offices o "
            "JOIN user_offices uo ON uo.office_id = o.id "
            "JOIN users u ON u.id = uo.user_id "
            "WHERE u.email = :email ORDER BY o.id LIMIT 1"
        ),
        {"email": ADVISER_EMAIL},
    ).one()
    office_id = office.id
    topics = connection.execute(
        text(
            "SELECT ct.topic_id, t.code, count(*) AS n FROM case_topics ct "
            "JOIN cases c ON c.id = ct.case_id JOIN topics t ON t.id = ct.topic_id "
            "WHERE c.office_id = :office GROUP BY ct.topic_id, t.code ORDER BY n DESC, t.code"
        ),
        {"office": office_id},
    ).all()

    def entries(reference: str) -> tuple[str, int]:
        count = connection.scalar(
            text(
                "SELECT count(*) FROM case_entries e JOIN cases c ON c.id = e.case_id "
                "WHERE c.reference = :reference"
            ),
            {"reference": reference},
        )
        return reference, int(count)

    many = connection.execute(
        text(
            "SELECT c.reference, count(*) AS n FROM cases c "
            "JOIN case_entries e ON e.case_id = c.id WHERE c.office_id = :office "
            "GROUP BY c.id, c.reference ORDER BY n DESC, c.id LIMIT 1"
        ),
        {"office": office_id},
    ).one()
    old_closed = connection.scalar(
        text(
            "SELECT reference FROM cases WHERE office_id = :office AND status = 'closed' "
            "ORDER BY received_at, id LIMIT 1"
        ),
        {"office": office_id},
    )
    newest = connection.scalar(
        text(
            "SELECT reference FROM cases WHERE office_id = :office "
            "ORDER BY received_at DESC, id DESC LIMIT 1"
        ),
        {"office": office_id},
    )
    return Targets(
        office_code=office.code,
        office_id=office_id,
        common_topic=tuple(topics[0]),  # type: ignore[arg-type]
        rare_topic=tuple(topics[-1]),  # type: ignore[arg-type]
        many_entries=(many.reference, int(many.n)),
        old_closed=entries(old_closed),
        newest=entries(newest),
    )


# --- Requests ------------------------------------------------------------------------


def get_ok(client: Any, path: str) -> Any:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}, not 200")
    return response


def sign_in(client: Any) -> None:
    response = client.post("/login", data={"email": ADVISER_EMAIL, "password": ADVISER_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {ADVISER_EMAIL} failed ({response.status_code})")


def second_page(client: Any) -> tuple[str, str]:
    """The default queue's "Nästa sida" link, with its after= cursor.

    A small database may have fewer than a page of new unassigned cases; then the open
    queue's second page stands in, and the label says so.
    """
    for label, first_page in (
        ("queue, default, page 2", "/queue"),
        ("queue, open, any assignee, page 2", "/queue?status=open&assignee=any"),
    ):
        body = get_ok(client, first_page).get_data(as_text=True)
        match = NEXT_PAGE_LINK.search(body)
        if match is not None:
            return label, html.unescape(match.group(1))
    raise SystemExit("neither the default nor the open queue has a second page")


def routes(targets: Targets, page_two: tuple[str, str]) -> list[tuple[str, str]]:
    common_id, common_code, common_n = targets.common_topic
    rare_id, rare_code, rare_n = targets.rare_topic
    many, many_n = targets.many_entries
    old, old_n = targets.old_closed
    new, new_n = targets.newest
    return [
        ("bare route /healthz", "/healthz"),
        ("queue, default (new, unassigned)", "/queue"),
        ("queue, open, any assignee", "/queue?status=open&assignee=any"),
        ("queue, all, any assignee", "/queue?status=all&assignee=any"),
        (
            f"queue, all, topic {common_code} ({common_n})",
            f"/queue?status=all&assignee=any&topic={common_id}",
        ),
        (
            f"queue, all, topic {rare_code} ({rare_n})",
            f"/queue?status=all&assignee=any&topic={rare_id}",
        ),
        ("queue, open, overdue", "/queue?status=open&assignee=any&overdue=1"),
        page_two,
        (f"case, most entries ({many_n})", f"/cases/{many}"),
        (f"case, oldest closed ({old_n})", f"/cases/{old}"),
        (f"case, newest ({new_n})", f"/cases/{new}"),
    ]


@dataclass
class Measured:
    timing: Timing
    last_statements: list[Statement]


def measure(
    client: Any, statement_log: StatementLog, plan: list[tuple[str, str]], repeat: int, warmup: int
) -> list[Measured]:
    """Round-robin: every round requests every route once, so drift hits them all alike."""
    for _ in range(warmup):
        for _label, path in plan:
            get_ok(client, path)
    results = [Measured(Timing(label, path, [], [], []), []) for label, path in plan]
    for _ in range(repeat):
        for result in results:
            with statement_log.capture() as captured:
                started = time.perf_counter()
                response = client.get(result.timing.path)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"GET {result.timing.path} answered {response.status_code}")
            result.timing.seconds.append(elapsed)
            result.timing.queries.append(len(captured))
            result.timing.sql_seconds.append(sum(s.seconds for s in captured))
            result.last_statements = captured
    return results


# --- EXPLAIN -------------------------------------------------------------------------


def explain(engine: Any, result: Measured, limit: int = 6) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a request's slowest SELECT statements."""
    title = f"{result.timing.label}: {result.timing.path}"
    return explain_statements(engine, title, result.last_statements, limit)


# --- Main ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    database = BenchDatabase.from_arguments(
        arguments.database_url, f"advice_bench_{arguments.cases}"
    )
    instance = Path(tempfile.mkdtemp(prefix="advice-bench-"))
    os.environ["ADVICE_INSTANCE_PATH"] = str(instance)
    app = None
    try:
        origin = prepare_database(database, arguments.cases, arguments.fresh, instance)

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
                targets = pick_targets(connection)
        statement_log.attach(engine)

        client = app.test_client()
        sign_in(client)
        plan = routes(targets, second_page(client))
        log(f"timing {len(plan)} routes, {arguments.warmup} + {arguments.repeat} requests each")
        results = measure(client, statement_log, plan, arguments.repeat, arguments.warmup)
        statement_log.detach(engine)

        counts = database.row_counts()
        bare = results[0].timing.median_ms
        print()
        print(machine_line(database.server_version()))
        print(f"database: {database.name}, {origin}")
        print("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
        print(
            f"adviser: {ADVISER_EMAIL}, office {targets.office_code}; "
            f"{arguments.repeat} timed requests per route after {arguments.warmup} warm-up"
        )
        print()
        rows = [
            (
                r.timing.label,
                f"{r.timing.median_ms:.1f}",
                f"{r.timing.p95_ms:.1f}",
                f"{r.timing.median_ms / bare:.1f}",
                r.timing.query_label,
                f"{r.timing.sql_median_ms:.1f}",
            )
            for r in results
        ]
        print(
            format_table(("route", "median ms", "p95 ms", "x healthz", "queries", "SQL ms"), rows)
        )
        print()
        for result in results:
            print(f"{result.timing.label}: {result.timing.path}")

        slow = [
            r
            for r in results[1:]
            if arguments.explain_all or r.timing.median_ms > arguments.explain_over
        ]
        for result in slow:
            print()
            print(explain(engine, result))

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
                                "label": r.timing.label,
                                "path": r.timing.path,
                                "median_ms": r.timing.median_ms,
                                "p95_ms": r.timing.p95_ms,
                                "ratio_to_healthz": r.timing.median_ms / bare,
                                "queries": r.timing.queries,
                                "sql_median_ms": r.timing.sql_median_ms,
                            }
                            for r in results
                        ],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
                + "\n"
            )
    finally:
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        shutil.rmtree(instance, ignore_errors=True)
        if not arguments.keep:
            log(f"dropping {database.name} (--keep keeps it)")
            database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
