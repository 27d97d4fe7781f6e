"""Server time of the case search box (/queue?q=…) on PostgreSQL at several scales in one
run, so the growth from 10,000 to 1,000,000 cases is visible.

    .venv/bin/python benchmarks/case_search.py                       # 10,000 and 1,000,000
    .venv/bin/python benchmarks/case_search.py --sizes 10000 --keep
    .venv/bin/python benchmarks/case_search.py --sizes 10000,1000000 --reindex

For each size N the database ``advice_bench_<N>`` is used: reused when it holds at least N
cases (``flask --app advice db upgrade`` runs, and ``reindex-cases`` when the case index is
incomplete or ``--reindex`` asks, timed), otherwise created and loaded with the operator's
commands (``db upgrade``, ``seed``, ``demo --cases N``, which fills the index too). Databases
this run created are dropped at the end unless ``--keep``; reused ones are kept.

The app is created in this process and signed in as the demo adviser of the Stockholm
office (``adviser@example.org`` / ``demo``). Searches, picked by SQL among that office's
cases so that both sizes run the same kinds of query:

- **words**: a word in about a quarter of all cases (``värmepumpar``), one in a few percent
  (``kvartspris``), two words together, and a recent requester's name;
- **reference**: with and without its prefix (answered by a redirect to the case);
- **email** and **phone** (typed ``070-123 45 67`` style, stored ``+46701234567``);
- **no access vs not found**: a reference of another office's case and a reference that
  does not exist, which must cost the same;
- ``/healthz`` as the bare route the ratios are taken against, in the same rounds.

Rounds request every search once, ``--warmup`` untimed then ``--repeat`` timed. Output per
size: median and p95 ms, the ratio to ``/healthz``, SQL statements per request and the time
inside the database driver; then a growth table (median at the largest size over the
smallest); ``--explain`` adds ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest statements of the
word searches at the largest size.
"""

from __future__ import annotations

import argparse
import json
import os
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


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,1000000",
        help="comma-separated case counts, one database each (default 10000,1000000)",
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL (default postgresql://postgres@127.0.0.1)"
    )
    parser.add_argument("--keep", action="store_true", help="keep databases this run created")
    parser.add_argument(
        "--reindex", action="store_true", help="time `reindex-cases` on every database first"
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per search")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per search")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the word searches")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    arguments = parser.parse_args(argv)
    arguments.sizes = sorted({int(size) for size in arguments.sizes.split(",") if size.strip()})
    if not arguments.sizes or min(arguments.sizes) < 100 or arguments.repeat < 1:
        parser.error("sizes of at least 100 cases and a positive --repeat are needed")
    return arguments


# --- The databases -------------------------------------------------------------------


@dataclass
class Prepared:
    database: BenchDatabase
    origin: str
    created: bool
    reindex_seconds: float | None = None


def index_incomplete(database: BenchDatabase) -> bool:
    engine = database.engine()
    try:
        with engine.connect() as connection:
            documents = connection.scalar(
                text("SELECT count(*) FROM search_documents WHERE kind = 'case'")
            )
            live = connection.scalar(text("SELECT count(*) FROM cases WHERE anonymised_at IS NULL"))
            return int(documents or 0) < int(live or 0)
    finally:
        engine.dispose()


def prepare(database: BenchDatabase, cases: int, reindex: bool, instance: Path) -> Prepared:
    environment = {"DATABASE_URL": database.url, "ADVICE_INSTANCE_PATH": str(instance)}
    existing = database.case_count() if database.exists() else 0
    if existing >= cases:
        log(f"reusing {database.name}: {existing} cases")
        flask_command(["db", "upgrade"], environment)
        prepared = Prepared(database, f"reused ({existing:,} cases)", created=False)
        if reindex or index_incomplete(database):
            started = time.perf_counter()
            flask_command(["reindex-cases"], environment)
            prepared.reindex_seconds = time.perf_counter() - started
        database.vacuum_analyze(vacuum=False)
        return prepared
    if database.exists():
        log(f"dropping {database.name} ({existing} cases, {cases} wanted)")
        database.drop()
    database.create()
    started = time.perf_counter()
    flask_command(["db", "upgrade"], environment)
    flask_command(["seed"], environment)
    flask_command(["demo", "--cases", str(cases)], environment)
    load_seconds = time.perf_counter() - started
    prepared = Prepared(database, f"loaded with its index in {load_seconds:.0f} s", created=True)
    if reindex:
        started = time.perf_counter()
        flask_command(["reindex-cases"], environment)
        prepared.reindex_seconds = time.perf_counter() - started
    database.vacuum_analyze(vacuum=True)
    return prepared


# --- What to search ------------------------------------------------------------------


def pick_searches(connection: Any) -> list[tuple[str, str]]:
    """(label, query) pairs, the same kinds at every size, among the adviser's office."""
    office_id = connection.scalar(
        text(
            "SELECT uo.office_id FROM user_offices uo JOIN users u ON u.id = uo.user_id "
            "WHERE u.email = :email ORDER BY uo.office_id LIMIT 1"
        ),
        {"email": ADVISER_EMAIL},
    )
    recent = connection.execute(
        text(
            "SELECT c.reference, ct.email, ct.phone_normalised, ct.name FROM cases c "
            "JOIN contacts ct ON ct.id = c.contact_id "
            "WHERE c.office_id = :office AND ct.phone_normalised LIKE '+46%' "
            "AND ct.email IS NOT NULL AND ct.name LIKE '% %' "
            "ORDER BY c.id DESC LIMIT 1"
        ),
        {"office": office_id},
    ).one()
    elsewhere = connection.scalar(
        text("SELECT reference FROM cases WHERE office_id <> :office ORDER BY id DESC LIMIT 1"),
        {"office": office_id},
    )
    prefix, year, number = recent.reference.split("-")
    local = "0" + recent.phone_normalised[3:]
    typed_phone = f"{local[:3]}-{local[3:6]} {local[6:8]} {local[8:]}"
    # A requester's whole name, as an adviser types it (a surname alone may be an
    # adviser's, in the signature of every reply).
    full_name = recent.name
    return [
        ("bare route /healthz", ""),
        ("words: värmepumpar (common)", "värmepumpar"),
        ("words: kvartspris (a few %)", "kvartspris"),
        ("words: bergvärme borrhål", "bergvärme borrhål"),
        (f"words: name {full_name}", full_name),
        ("reference, full", recent.reference),
        ("reference, without prefix", f"{year}-{number}"),
        ("email", recent.email.upper()),
        (f"phone {typed_phone}", typed_phone),
        ("reference, other office (no access)", elsewhere),
        ("reference, not found", f"{prefix}-{year}-{int(number) + 500_000:05d}"),
    ]


def path_of(query: str) -> str:
    from urllib.parse import urlencode

    return "/healthz" if not query else "/queue?" + urlencode({"q": query})


# --- Timing --------------------------------------------------------------------------


@dataclass
class Measured:
    timing: Timing
    status: int
    last_statements: list[Statement]


def measure(
    client: Any, statement_log: StatementLog, plan: list[tuple[str, str]], repeat: int, warmup: int
) -> list[Measured]:
    """Round-robin: every round requests every search once, so drift hits them all alike."""
    results = [Measured(Timing(label, path_of(q), [], [], []), 0, []) for label, q in plan]
    for round_ in range(warmup + repeat):
        for result in results:
            with statement_log.capture() as captured:
                started = time.perf_counter()
                response = client.get(result.timing.path)
                elapsed = time.perf_counter() - started
            if response.status_code not in (200, 302):
                raise SystemExit(f"GET {result.timing.path} answered {response.status_code}")
            result.status = response.status_code
            if round_ < warmup:
                continue
            result.timing.seconds.append(elapsed)
            result.timing.queries.append(len(captured))
            result.timing.sql_seconds.append(sum(s.seconds for s in captured))
            result.last_statements = captured
    return results


def explain(engine: Any, result: Measured, limit: int = 4) -> str:
    title = f"{result.timing.label}: {result.timing.path}"
    return explain_statements(engine, title, result.last_statements, limit)


def run_size(prepared: Prepared, arguments: argparse.Namespace) -> dict[str, Any]:
    from advice import create_app
    from advice.extensions import db

    database = prepared.database
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.sqlalchemy_url,
            "SECRET_KEY": "benchmark-" + "x" * 40,
            "WTF_CSRF_ENABLED": False,
        }
    )
    try:
        with app.app_context():
            engine = db.engine
            with engine.connect() as connection:
                plan = pick_searches(connection)
                documents = connection.scalar(
                    text("SELECT count(*) FROM search_documents WHERE kind = 'case'")
                )
            statement_log = StatementLog()
            statement_log.attach(engine)
            client = app.test_client()
            response = client.post(
                "/login", data={"email": ADVISER_EMAIL, "password": ADVISER_PASSWORD}
            )
            if response.status_code != 302:
                raise SystemExit(f"signing in as {ADVISER_EMAIL} failed ({response.status_code})")
            log(
                f"{database.name}: {len(plan)} searches, {arguments.warmup}+{arguments.repeat} each"
            )
            results = measure(client, statement_log, plan, arguments.repeat, arguments.warmup)
            statement_log.detach(engine)
            explained = []
            if arguments.explain:
                explained = [
                    explain(engine, r) for r in results if r.timing.label.startswith("words")
                ]
            counts = database.row_counts()
    finally:
        with app.app_context():
            db.engine.dispose()
    return {
        "database": database.name,
        "origin": prepared.origin,
        "reindex_seconds": prepared.reindex_seconds,
        "case_documents": int(documents or 0),
        "rows": counts,
        "results": results,
        "explained": explained,
    }


# --- Main ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    instance = Path(tempfile.mkdtemp(prefix="advice-bench-"))
    os.environ["ADVICE_INSTANCE_PATH"] = str(instance)
    prepared: list[Prepared] = []
    try:
        for size in arguments.sizes:
            database = BenchDatabase.from_arguments(arguments.database_url, f"advice_bench_{size}")
            prepared.append(prepare(database, size, arguments.reindex, instance))
        runs = {
            size: run_size(p, arguments) for size, p in zip(arguments.sizes, prepared, strict=True)
        }

        version = prepared[0].database.server_version()
        print()
        print(machine_line(version))
        for size, run in runs.items():
            bare = run["results"][0].timing.median_ms
            print()
            print(f"== {size:,} cases: {run['database']}, {run['origin']}")
            if run["reindex_seconds"] is not None:
                print(f"reindex-cases: {run['reindex_seconds']:.0f} s")
            print(
                f"case documents {run['case_documents']:,}; rows: "
                + ", ".join(f"{table} {count:,}" for table, count in run["rows"].items())
            )
            rows = [
                (
                    r.timing.label,
                    str(r.status),
                    f"{r.timing.median_ms:.1f}",
                    f"{r.timing.p95_ms:.1f}",
                    f"{r.timing.median_ms / bare:.1f}",
                    r.timing.query_label,
                    f"{r.timing.sql_median_ms:.1f}",
                )
                for r in run["results"]
            ]
            headers = ("search", "status", "median ms", "p95 ms", "x healthz", "queries", "SQL ms")
            print(format_table(headers, rows))
            for r in run["results"][1:]:
                print(f"  {r.timing.label}: {r.timing.path}")

        if len(runs) > 1:
            smallest, largest = runs[min(runs)], runs[max(runs)]
            print()
            print(f"== growth from {min(runs):,} to {max(runs):,} cases (medians)")
            rows = []
            for small, large in zip(smallest["results"], largest["results"], strict=True):
                rows.append(
                    (
                        small.timing.label.split(" (")[0]
                        if "name" not in small.timing.label
                        else "words: a requester's name",
                        f"{small.timing.median_ms:.1f}",
                        f"{large.timing.median_ms:.1f}",
                        f"{large.timing.median_ms / small.timing.median_ms:.2f}",
                        f"{small.timing.sql_median_ms:.1f}",
                        f"{large.timing.sql_median_ms:.1f}",
                    )
                )
            headers = (
                "search",
                f"{min(runs):,} ms",
                f"{max(runs):,} ms",
                "growth",
                f"SQL {min(runs):,}",
                f"SQL {max(runs):,}",
            )
            print(format_table(headers, rows))

        for run in runs.values():
            for block in run["explained"]:
                print()
                print(block)

        if arguments.json:
            arguments.json.write_text(
                json.dumps(
                    {
                        "machine": machine_line(version),
                        "sizes": {
                            str(size): {
                                "database": run["database"],
                                "origin": run["origin"],
                                "reindex_seconds": run["reindex_seconds"],
                                "rows": run["rows"],
                                "searches": [
                                    {
                                        "label": r.timing.label,
                                        "path": r.timing.path,
                                        "status": r.status,
                                        "median_ms": r.timing.median_ms,
                                        "p95_ms": r.timing.p95_ms,
                                        "ratio_to_healthz": r.timing.median_ms
                                        / run["results"][0].timing.median_ms,
                                        "queries": r.timing.queries,
                                        "sql_median_ms": r.timing.sql_median_ms,
                                    }
                                    for r in run["results"]
                                ],
                            }
                            for size, run in runs.items()
                        },
                    },
                    indent=2,
                    ensure_ascii=False,
                )
                + "\n"
            )
    finally:
        shutil.rmtree(instance, ignore_errors=True)
        for item in prepared:
            if item.created and not arguments.keep:
                log(f"dropping {item.database.name} (--keep keeps it)")
                item.database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
