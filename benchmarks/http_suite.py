"""Throughput and latency of the main pages under load: gunicorn as in production, wrk.

    .venv/bin/python benchmarks/http_suite.py --sizes 10000           # `make bench`
    .venv/bin/python benchmarks/http_suite.py --sizes 10000,100000,1000000

For each size N, in one run:

1. **Database** ``advice_bench_<N>`` on the PostgreSQL server: reused when it holds at
   least N cases (``db upgrade``), created and loaded with the operator's commands when it
   does not exist (``db upgrade``, ``seed``, ``demo --cases N``). A database with fewer
   cases is left alone (another run may be loading it) unless ``--fresh`` is given. Then
   10,000 published knowledge articles of generated text (``kb_search.load_articles``,
   slugs ``bench-artikel-<n>``; added once, kept), ``rebuild-stats`` and ``ANALYZE``.
2. **Server**: ``gunicorn -c python:advice.ops.gunicorn_conf 'advice:create_app()'`` with
   the production settings of ``docs/deploy/advice.env`` for one machine without Redis
   (``ADVICE_ENV=production``, a random secret, secure cookies, JSON logs, a fresh storage
   folder so that no PDF is cached yet), gunicorn's default processes and threads. The one
   setting that differs: ``ADVICE_INTAKE_RATE_LIMIT`` is raised, because every request of
   the load generator comes from one client address (the limiter still runs).
3. **Load**: ``wrk`` in a process of its own, one route after the other, each with a
   warm-up and then the measured run; ``benchmarks/http_suite.lua`` counts the statuses
   and reports the percentiles. Before each route, a short run of the bare route
   (``/healthz``: the full middleware and one ``SELECT 1``); the route's ratios are to
   that run, so a machine whose load changes during the run still gives fair ratios. The
   bare route also has full runs first and last. Between runs the script waits until the
   workers are idle, so that requests a run left in flight do not count in the next.
4. **Memory**: every worker's ``VmHWM`` (resident high-water mark) from ``/proc``, sampled
   five times a second; gunicorn restarts a worker after ``max_requests``, so processes
   come and go, and every one that lived is counted.

The table is printed and written to ``docs/benchmarks.md`` (the section of each size is
replaced, the others kept). Nothing is asserted. The POST route and the page views write
to the database (new cases from the question form, audit events), as they do in use; the
new cases are deleted again at the end, so the database keeps its N cases.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from itsdangerous import URLSafeSerializer
from sqlalchemy import text

from benchmarks.common import (
    REPOSITORY_ROOT,
    BenchDatabase,
    cpu_model,
    flask_command,
    format_table,
    log,
)
from benchmarks.serving import (
    Browser,
    Gunicorn,
    free_port,
    memory_high_water_kb,
    production_environment,
)

ADVISER = "adviser@example.org"
COORDINATOR = "coordinator@example.org"
PASSWORD = "demo"  # noqa: S105 (what `flask demo` gives its staff by default)
ARTICLES = 10_000
ARTICLE_PREFIX = "bench-artikel-"
KB_QUERY = "värmepumpar"
LUA_SCRIPT = Path(__file__).with_suffix(".lua")
DOCUMENT = REPOSITORY_ROOT / "docs" / "benchmarks.md"
# The question form allows five questions a minute per client; the load generator is one
# client. This keeps the limiter in the path and out of the way.
INTAKE_RATE_LIMIT = "1000000 per minute"
# Upper bounds of what one route can take in a second here, to size the one-time lists.
POSTS_PER_SECOND = 300
COLD_PDFS_PER_SECOND = 60


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000", help="comma-separated case counts (default 10000)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per route")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server URL (default postgresql://postgres@127.0.0.1:5432)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="drop and reload advice_bench_<N> even when it could be reused",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    arguments = parser.parse_args(argv)
    try:
        arguments.sizes = [int(size.replace("_", "")) for size in arguments.sizes.split(",")]
    except ValueError:
        parser.error("--sizes takes numbers, e.g. 10000,100000")
    if min(arguments.sizes) < 100 or arguments.duration < 1 or arguments.connections < 1:
        parser.error("sizes of at least 100 cases, a positive duration and connections")
    if arguments.threads < 1 or arguments.threads > arguments.connections:
        parser.error("--threads between 1 and --connections")
    return arguments


# --- The database --------------------------------------------------------------------


def prepare_database(database: BenchDatabase, cases: int, fresh: bool, instance: Path) -> str:
    """At least ``cases`` demo cases, the articles and a current rollup; returns how."""
    environment = {"DATABASE_URL": database.url, "ADVICE_INSTANCE_PATH": str(instance)}
    started = time.perf_counter()
    if database.exists() and fresh:
        log(f"--fresh: dropping {database.name}")
        database.drop()
    if database.exists():
        existing = database.case_count()
        if existing < cases:
            raise SystemExit(
                f"{database.name} exists with {existing} cases, fewer than {cases}. Another "
                "run may be loading it: wait for it, or run again with --fresh (make bench "
                "BENCH_FRESH=1) to drop and reload it."
            )
        log(f"reusing {database.name}: {existing} cases")
        flask_command(["db", "upgrade"], environment)
        how = f"reused ({existing:,} cases)"
    else:
        database.create()
        flask_command(["db", "upgrade"], environment)
        flask_command(["seed"], environment)
        flask_command(["demo", "--cases", str(cases), "--password", PASSWORD], environment)
        how = f"loaded in {time.perf_counter() - started:.0f} s"
    added = ensure_articles(database, instance)
    if added:
        how += f"; {added:,} articles added"
    rebuilt = time.perf_counter()
    flask_command(["rebuild-stats"], environment)
    how += f"; rebuild-stats {time.perf_counter() - rebuilt:.0f} s"
    analysed = database.vacuum_analyze(vacuum=not how.startswith("reused"))
    return how + f"; (VACUUM) ANALYZE {analysed:.0f} s"


def ensure_articles(database: BenchDatabase, instance: Path) -> int:
    """10,000 published articles of generated text, as ``kb_search.py`` makes them."""
    engine = database.engine()
    try:
        with engine.connect() as connection:
            present = int(
                connection.scalar(
                    text("SELECT count(*) FROM articles WHERE slug LIKE :prefix"),
                    {"prefix": ARTICLE_PREFIX + "%"},
                )
                or 0
            )
    finally:
        engine.dispose()
    if present >= ARTICLES:
        return 0
    log(f"adding {ARTICLES - present} knowledge articles to {database.name}")
    os.environ["ADVICE_INSTANCE_PATH"] = str(instance)
    from advice import create_app
    from advice.extensions import db
    from benchmarks.kb_search import load_articles

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database.sqlalchemy_url, "SECRET_KEY": secrets.token_hex(24)}
    )
    with app.app_context():
        load_articles(ARTICLES, seed=42, slug_prefix=ARTICLE_PREFIX, first=present)
        db.session.remove()
        db.engine.dispose()
    return ARTICLES - present


@dataclass
class Targets:
    office_id: int
    case_reference: str
    case_entries: int
    cold_references: list[str]
    stats_year: int
    municipality_id: int
    requester_type_id: int
    topic_id: int


def pick_targets(database: BenchDatabase, cold_needed: int) -> Targets:
    engine = database.engine()
    try:
        with engine.connect() as connection:
            office_id = connection.scalar(
                text(
                    "SELECT o.id FROM offices o JOIN user_offices uo ON uo.office_id = o.id "
                    "JOIN users u ON u.id = uo.user_id WHERE u.email = :email "
                    "ORDER BY o.id LIMIT 1"
                ),
                {"email": ADVISER},
            )
            if office_id is None:
                raise SystemExit(f"{ADVISER} has no office: is this a demo database?")
            # A busy recent case: the most timeline entries among the office's newest.
            row = connection.execute(
                text(
                    "SELECT c.reference, count(e.id) AS entries FROM "
                    "(SELECT id, reference FROM cases WHERE office_id = :office "
                    " AND anonymised_at IS NULL ORDER BY id DESC LIMIT 2000) c "
                    "LEFT JOIN case_entries e ON e.case_id = c.id "
                    "GROUP BY c.id, c.reference ORDER BY entries DESC, c.id DESC LIMIT 1"
                ),
                {"office": office_id},
            ).one()
            cold = list(
                connection.scalars(
                    text(
                        "SELECT reference FROM cases WHERE office_id = :office "
                        "AND anonymised_at IS NULL AND reference <> :busy "
                        "ORDER BY id DESC LIMIT :count"
                    ),
                    {"office": office_id, "busy": row.reference, "count": cold_needed},
                )
            )
            last_year = connection.scalar(
                text(
                    "SELECT extract(year FROM max(received_at) AT TIME ZONE "
                    "'Europe/Stockholm') - 1 FROM cases"
                )
            )
            municipality = connection.scalar(
                text(
                    "SELECT id FROM municipalities WHERE office_id = :office ORDER BY code LIMIT 1"
                ),
                {"office": office_id},
            )
            requester_type = connection.scalar(text("SELECT min(id) FROM requester_types"))
            topic = connection.scalar(text("SELECT min(id) FROM topics"))
    finally:
        engine.dispose()
    return Targets(
        office_id=int(office_id),
        case_reference=row.reference,
        case_entries=int(row.entries),
        cold_references=cold,
        stats_year=int(last_year),
        municipality_id=int(municipality),
        requester_type_id=int(requester_type),
        topic_id=int(topic),
    )


def remove_marked_cases(database: BenchDatabase, marker: str) -> int:
    """Delete the cases this run's questions created, with what refers to them; returns
    how many there were.

    The database is shared with the other benchmarks, which count on ``N`` cases: the run
    leaves the cases as it found them. The page views' audit events stay, as in use.
    """
    engine = database.engine()
    doomed = "SELECT id FROM cases WHERE question LIKE :marker"
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            parameters = {"marker": f"{marker}-%"}
            ids = list(connection.scalars(text(doomed), parameters))
            if ids:
                chosen = {"ids": ids}
                for statement in (
                    "DELETE FROM outbox_messages WHERE case_id = ANY(:ids)",
                    "DELETE FROM audit_events WHERE case_id = ANY(:ids)",
                    "DELETE FROM inbound_messages WHERE case_id = ANY(:ids)",
                    "DELETE FROM search_documents WHERE kind = 'case' AND doc_id = ANY(:ids)",
                    "DELETE FROM cases WHERE id = ANY(:ids)",  # the rest cascades
                ):
                    connection.execute(text(statement), chosen)
            connection.execute(
                text(
                    "DELETE FROM contacts WHERE email_normalised LIKE 'bench-%@example.org' "
                    "AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.contact_id = contacts.id)"
                )
            )
            return len(ids)
    finally:
        engine.dispose()


# --- Memory of the workers -----------------------------------------------------------


@dataclass
class MemorySampler:
    """The highest VmHWM of every worker process, overall and per route."""

    server: Gunicorn
    interval: float = 0.2
    overall: dict[int, int] = field(default_factory=dict)
    window: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def sample(self) -> None:
        for pid in self.server.worker_pids():
            kilobytes = memory_high_water_kb(pid)
            if kilobytes is None:
                continue
            with self._lock:
                self.overall[pid] = max(self.overall.get(pid, 0), kilobytes)
                self.window[pid] = max(self.window.get(pid, 0), kilobytes)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    @contextmanager
    def route(self) -> Iterator[dict[int, int]]:
        """The peak of each worker that lived during the block."""
        with self._lock:
            self.window = {}
        self.sample()
        seen: dict[int, int] = {}
        try:
            yield seen
        finally:
            self.sample()
            with self._lock:
                seen.update(self.window)


# --- Routes and wrk ------------------------------------------------------------------


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed (Debian package wrk; `make bench` installs it).")
    return found


@dataclass
class Route:
    label: str
    lines: list[str]  # "METHOD\tPATH\tBODY"
    cookie: str | None = None
    expected: int = 200
    form: bool = False
    warmup_lines: list[str] | None = None  # one-time lines of its own for the warm-up
    note: str = ""


@dataclass
class Measured:
    label: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]
    expected: int
    socket_errors: int
    wraps: int
    worker_peak_mb: float  # the highest VmHWM of a worker alive during the run
    worker_median_mb: float  # the median of those workers' VmHWM
    note: str = ""
    # The bare route measured just before this route (itself, for the bare rows).
    bare_rate: float = 0.0
    bare_p50_ms: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def unexpected(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != str(self.expected))


def run_wrk(
    route: Route,
    lines: list[str],
    port: int,
    seconds: int,
    arguments: argparse.Namespace,
    folder: Path,
) -> dict[str, Any]:
    listing = folder / f"requests-{secrets.token_hex(4)}.tsv"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = [
        wrk_binary(),
        f"-t{arguments.threads}",
        f"-c{arguments.connections}",
        f"-d{seconds}s",
        "--timeout",
        "60s",
        "-s",
        str(LUA_SCRIPT),
        "-H",
        "Accept-Language: sv",
    ]
    if route.cookie:
        command += ["-H", f"Cookie: {route.cookie}"]
    if route.form:
        command += ["-H", "Content-Type: application/x-www-form-urlencoded"]
    command += [f"http://127.0.0.1:{port}/", "--", str(listing), str(arguments.threads)]
    finished = subprocess.run(  # noqa: S603 (wrk with our own arguments)
        command, capture_output=True, text=True, check=False
    )
    listing.unlink(missing_ok=True)
    results = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    result = results[0].removeprefix("RESULT ") if results else None
    if finished.returncode != 0 or result is None:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stdout}{finished.stderr}")
    return dict(json.loads(result))


def measure(
    route: Route,
    port: int,
    arguments: argparse.Namespace,
    sampler: MemorySampler,
    folder: Path,
    duration: int | None = None,
) -> Measured:
    """A warm-up, then the measured run; ``duration`` (no warm-up) for a short bare run."""
    if duration is None and arguments.warmup:
        run_wrk(route, route.warmup_lines or route.lines, port, arguments.warmup, arguments, folder)
    drained = sampler.server.wait_until_idle()
    if drained > 5:
        log(f"  (waited {drained:.0f} s for the server to finish the warm-up's requests)")
    with sampler.route() as peaks:
        outcome = run_wrk(
            route, route.lines, port, duration or arguments.duration, arguments, folder
        )
    drained = sampler.server.wait_until_idle()
    if drained > 5:
        log(f"  (waited {drained:.0f} s for the server to finish the run's requests)")
    path = route.lines[0].split("\t")[1]
    if len(route.lines) > 1:
        path = re.sub(r"EK-\d{4}-\d+", "<ref>", path)
    measured = Measured(
        label=route.label,
        path=path,
        requests=int(outcome["requests"]),
        seconds=outcome["duration_us"] / 1e6,
        p50_ms=outcome["p50_us"] / 1000,
        p95_ms=outcome["p95_us"] / 1000,
        p99_ms=outcome["p99_us"] / 1000,
        statuses={str(k): int(v) for k, v in outcome["statuses"].items()},
        expected=route.expected,
        socket_errors=sum(
            int(outcome[key])
            for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
        ),
        wraps=int(outcome["wraps"]) if len(route.lines) > 1 else 0,
        worker_peak_mb=max(peaks.values(), default=0) / 1024,
        worker_median_mb=statistics.median(peaks.values()) / 1024 if peaks else 0.0,
        note=route.note,
    )
    label = route.label if duration is None else "bare route, just before"
    log(
        f"  {label}: {measured.rate:.1f} req/s, median {measured.p50_ms:.1f} ms, "
        f"p95 {measured.p95_ms:.1f} ms, statuses {measured.statuses}"
        + (f", {measured.socket_errors} socket errors" if measured.socket_errors else "")
        + (f", list used up {measured.wraps}x" if measured.wraps else "")
    )
    return measured


def build_routes(
    targets: Targets,
    adviser_cookie: str,
    coordinator_cookie: str,
    ask_cookie: str,
    csrf_token: str,
    secret_key: str,
    marker: str,
    arguments: argparse.Namespace,
) -> list[Route]:
    # The one-time key of the question form: what the form's GET puts in the page, made
    # with the app's own serializer (advice.intake.views) and the server's secret.
    serializer = URLSafeSerializer(secret_key, salt="intake-submission")

    def ask_line(number: int) -> str:
        fields = [
            ("csrf_token", csrf_token),
            ("submission", str(serializer.dumps(secrets.token_urlsafe(18)))),
            ("municipality", str(targets.municipality_id)),
            ("requester_type", str(targets.requester_type_id)),
            ("topics", str(targets.topic_id)),
            (
                "question",
                f"{marker}-{number}: Vi har en villa från 1974 med direktverkande el och "
                "funderar på en luft/vatten-värmepump. Vad kostar det och finns det stöd?",
            ),
            ("name", "Bänk Testsson"),
            ("email", f"bench-{number % 500}@example.org"),
            ("language", "sv"),
            ("consent", "y"),
            ("website", ""),
        ]
        return f"POST\t/ask\t{urlencode(fields)}"

    posts = POSTS_PER_SECOND * arguments.duration
    warm_posts = POSTS_PER_SECOND * max(arguments.warmup, 1)
    cold = [f"GET\t/cases/{reference}/summary.pdf\t" for reference in targets.cold_references]
    cold_warm = max(1, min(len(cold) // 4, COLD_PDFS_PER_SECOND * max(arguments.warmup, 1)))
    case = targets.case_reference
    return [
        Route(
            "bare route (first)",
            ["GET\t/healthz\t"],
            note="the whole middleware and one SELECT 1",
        ),
        Route("/ask GET (question form)", ["GET\t/ask\t"], note="the empty question form"),
        Route(
            "/ask POST (new question)",
            [ask_line(number) for number in range(warm_posts, warm_posts + posts)],
            cookie=ask_cookie,
            expected=302,
            form=True,
            warmup_lines=[ask_line(number) for number in range(warm_posts)],
            note="a new case each (one-time keys); the answer is the redirect to the receipt",
        ),
        Route(
            "/queue (adviser)",
            ["GET\t/queue\t"],
            cookie=adviser_cookie,
            note="the default view: new, unassigned cases of the adviser's office",
        ),
        Route(
            "case page (adviser)",
            [f"GET\t/cases/{case}\t"],
            cookie=adviser_cookie,
            note=f"{case}, {targets.case_entries} timeline entries; writes an audit event",
        ),
        Route(
            "/kb search",
            [f"GET\t/kb?q={quote(KB_QUERY)}\t"],
            note=f"public search for “{KB_QUERY}”",
        ),
        Route(
            "/stats year (coordinator)",
            [f"GET\t/stats?period={targets.stats_year}\t"],
            cookie=coordinator_cookie,
            note="the whole region, the last full year",
        ),
        Route(
            "summary PDF, cold",
            cold[cold_warm:] or cold,
            cookie=adviser_cookie,
            warmup_lines=cold[:cold_warm],
            note="a different case each request, never rendered before (empty PDF cache)",
        ),
        Route(
            "summary PDF, cached",
            [f"GET\t/cases/{case}/summary.pdf\t"],
            cookie=adviser_cookie,
            note="the same case every request, rendered in the warm-up",
        ),
        Route("bare route (last)", ["GET\t/healthz\t"]),
    ]


# --- One size ------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    how: str
    machine: dict[str, str]
    configuration: dict[str, str]
    measured: list[Measured]
    workers_seen: int
    worker_peaks_mb: list[float]
    stored_posts: int
    seconds: float


def run_size(size: int, arguments: argparse.Namespace) -> SizeResult:
    started = time.perf_counter()
    database = BenchDatabase.from_arguments(arguments.database_url, f"advice_bench_{size}")
    folder = Path(tempfile.mkdtemp(prefix=f"http-bench-{size}-"))
    server: Gunicorn | None = None
    sampler: MemorySampler | None = None
    marker = f"BENCH-{secrets.token_hex(4)}"  # in the question of every case it creates
    stored: int | None = None
    try:
        log(f"== {size:,} cases: database {database.name}")
        how = prepare_database(database, size, arguments.fresh, folder / "admin")
        cold_needed = COLD_PDFS_PER_SECOND * (arguments.duration + arguments.warmup)
        targets = pick_targets(database, cold_needed)
        port = free_port()
        environment = production_environment(
            database.url, folder, port, INTAKE_RATE_LIMIT=INTAKE_RATE_LIMIT
        )
        server = Gunicorn(environment, folder / "gunicorn.log", port)
        log(f"starting gunicorn on port {port} (log {server.log})")
        server.start()
        sampler = MemorySampler(server)
        sampler.start()
        load_before = os.getloadavg()

        adviser, coordinator, citizen = Browser(port), Browser(port), Browser(port)
        adviser.sign_in(ADVISER, PASSWORD)
        coordinator.sign_in(COORDINATOR, PASSWORD)
        form = citizen.get("/ask")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
        if form.status != 200 or token is None:
            raise SystemExit(f"GET /ask answered {form.status} without a CSRF token")
        routes = build_routes(
            targets,
            adviser.cookie_header,
            coordinator.cookie_header,
            citizen.cookie_header,
            token.group(1),
            environment["ADVICE_SECRET_KEY"],
            marker,
            arguments,
        )
        measured = []
        bare_seconds = max(3, arguments.duration // 2)
        for route in routes:
            if route.lines == routes[0].lines:  # the bare route itself
                result = measure(route, port, arguments, sampler, folder)
                result.bare_rate, result.bare_p50_ms = result.rate, result.p50_ms
            else:
                bare = measure(routes[0], port, arguments, sampler, folder, bare_seconds)
                result = measure(route, port, arguments, sampler, folder)
                result.bare_rate, result.bare_p50_ms = bare.rate, bare.p50_ms
            measured.append(result)
        load_after = os.getloadavg()
        sampler.stop()
        stored = remove_marked_cases(database, marker)
        machine = describe_machine(database)
        machine["load average"] = (
            f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (1-minute)"
        )
        configuration = {
            "gunicorn": (
                f"{server.expected_workers} worker processes × "
                f"{environment.get('ADVICE_THREADS', '2')} threads (advice.ops.gunicorn_conf "
                "defaults), max_requests 2000 ± 200"
            ),
            "wrk": (
                f"{arguments.threads} thread, {arguments.connections} connections, "
                f"{arguments.warmup} s warm-up + {arguments.duration} s per route, "
                "same machine"
            ),
            "database": f"{database.name}: {how}",
        }
        peaks = sorted((kb / 1024 for kb in sampler.overall.values()), reverse=True)
        return SizeResult(
            size=size,
            how=how,
            machine=machine,
            configuration=configuration,
            measured=measured,
            workers_seen=len(sampler.overall),
            worker_peaks_mb=peaks,
            stored_posts=stored,
            seconds=time.perf_counter() - started,
        )
    finally:
        if sampler is not None:
            sampler.stop()
        if server is not None:
            server.stop()
            if stored is None:  # the run stopped early: still leave the cases as found
                remove_marked_cases(database, marker)
        shutil.rmtree(folder, ignore_errors=True)


# --- The machine and the report ------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def describe_machine(database: BenchDatabase) -> dict[str, str]:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    wrk = subprocess.run(  # noqa: S603 (wrk's version)
        [wrk_binary(), "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    return {
        "CPU": (
            f"{cpu_model()}, {os.cpu_count()} cores "
            f"({len(os.sched_getaffinity(0))} available to this run)"
        ),
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "software": (
            f"PostgreSQL {database.server_version()}, Python {platform.python_version()}, "
            f"gunicorn {_version('gunicorn')}, Flask {_version('flask')}, "
            f"SQLAlchemy {_version('sqlalchemy')}, psycopg {_version('psycopg')}, "
            f"WeasyPrint {_version('weasyprint')}, " + (wrk[0].split(" [")[0] if wrk else "wrk ?")
        ),
    }


def table_rows(result: SizeResult) -> tuple[list[str], list[list[str]]]:
    headers = [
        "route",
        "req/s",
        "median ms",
        "p95 ms",
        "bare req/s just before",
        "req/s ÷ bare",
        "median ÷ bare",
        "worker VmHWM MB (median / max)",
        "statuses",
    ]
    rows = []
    for m in result.measured:
        statuses = ", ".join(f"{n} × {status}" for status, n in sorted(m.statuses.items()))
        if m.socket_errors:
            statuses += f", {m.socket_errors} socket errors"
        if m.wraps:
            statuses += f" (list used up {m.wraps}×: later requests repeat)"
        rows.append(
            [
                m.label,
                f"{m.rate:.1f}",
                f"{m.p50_ms:.1f}",
                f"{m.p95_ms:.1f}",
                f"{m.bare_rate:.1f}",
                f"{m.rate / m.bare_rate:.3f}" if m.bare_rate else "-",
                f"{m.p50_ms / m.bare_p50_ms:.1f}" if m.bare_p50_ms else "-",
                f"{m.worker_median_mb:.0f} / {m.worker_peak_mb:.0f}",
                statuses or "none",
            ]
        )
    return headers, rows


def markdown_section(result: SizeResult) -> str:
    headers, rows = table_rows(result)
    align = ["---"] + ["---:"] * (len(headers) - 2) + ["---"]
    lines = [
        f"## {result.size:,} cases".replace(",", " "),
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC; the run took "
        f"{result.seconds / 60:.1f} minutes.",
        "",
    ]
    lines += [f"- **{name}**: {value}" for name, value in result.machine.items()]
    lines += [f"- **{name}**: {value}" for name, value in result.configuration.items()]
    lines += [
        "",
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(align) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    post = next(m for m in result.measured if m.label.startswith("/ask POST"))
    peaks = result.worker_peaks_mb
    lines += ["", "| route | request | what |", "| --- | --- | --- |"]
    lines += [
        f"| {m.label} | `{'POST' if m.expected == 302 else 'GET'} {m.path}` | {m.note or ''} |"
        for m in result.measured
        if not m.label.startswith("bare route (last")
    ]
    lines += [
        "",
        f"Questions posted in the measured run: {post.statuses.get('302', 0)} answered with "
        f"the redirect to the receipt; {result.stored_posts} cases of this run (warm-up "
        "included) were in the database afterwards, and were then deleted again.",
        "",
        f"Worker memory: {result.workers_seen} worker processes lived during the run "
        "(gunicorn replaces a worker after about 2,000 requests); their peak resident "
        "memory (VmHWM) was "
        + (
            f"{peaks[0]:.0f} MB at most, {statistics.median(peaks):.0f} MB the median"
            if peaks
            else "not readable"
        )
        + ". A worker has about 140 MB resident once it has loaded the app; signing in "
        "hashes the password with argon2, which takes its 64 MiB of memory once.",
        "",
    ]
    return "\n".join(lines)


DOCUMENT_HEAD = """# Benchmarks: the pages under load

Written by `make bench` (`benchmarks/http_suite.py`; `benchmarks/README.md` says how it
works and how long each size takes). Each section is the latest run at that size; a run
replaces its own section and keeps the others. Nothing here is asserted by a test.

How to read it:

- The app runs as in production: gunicorn with `advice/ops/gunicorn_conf.py` and the
  production settings, on PostgreSQL. `wrk` drives it from a second process **on the same
  machine**, sharing its cores, and other work may run meanwhile (the load average is
  given): compare the **ratios to the bare route** (`/healthz`: the whole middleware and
  one `SELECT 1`), not the absolute figures. The bare route is measured for a few seconds
  just before every route, and the ratios are to that run; its full runs first and last
  show how much the machine's speed drifted during the run.
- *req/s ÷ bare* is the route's throughput over the bare route's; *median ÷ bare* its
  median latency over the bare route's. Latency is per request under the run's
  concurrency (queueing included), from wrk.
- *worker VmHWM MB* is the median and the highest resident-memory high-water mark (VmHWM)
  of the gunicorn workers alive during that route's run (it only grows while a worker
  lives).
- *statuses* counts the answers; any status other than the expected one (200, or the 302
  to the receipt for a posted question) is a failure of the run, not of speed.
"""


def write_document(results: list[SizeResult]) -> None:
    sections: dict[int, str] = {}
    if DOCUMENT.exists():
        for match in re.finditer(
            r"<!-- size (\d+) -->\n(.*?)<!-- /size \1 -->", DOCUMENT.read_text(), re.S
        ):
            sections[int(match.group(1))] = match.group(2)
    for result in results:
        sections[result.size] = markdown_section(result)
    body = [DOCUMENT_HEAD]
    for size in sorted(sections):
        body.append(f"<!-- size {size} -->\n{sections[size].rstrip()}\n\n<!-- /size {size} -->\n")
    DOCUMENT.write_text("\n".join(body), encoding="utf-8")


def print_result(result: SizeResult) -> None:
    headers, rows = table_rows(result)
    print(f"\n== {result.size:,} cases ({result.seconds / 60:.1f} minutes)")
    for name, value in {**result.machine, **result.configuration}.items():
        print(f"{name}: {value}")
    print()
    print(format_table(headers, rows))
    peaks = result.worker_peaks_mb
    if peaks:
        print(
            f"\nworkers: {result.workers_seen} processes; VmHWM max {peaks[0]:.0f} MB, "
            f"median {statistics.median(peaks):.0f} MB"
        )
    post = next(m for m in result.measured if m.label.startswith("/ask POST"))
    print(
        f"questions: {post.statuses.get('302', 0)} answered 302 in the measured run, "
        f"{result.stored_posts} stored in this run (warm-up included)"
    )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    wrk_binary()
    results = []
    for size in arguments.sizes:
        result = run_size(size, arguments)
        print_result(result)
        results.append(result)
        if not arguments.no_write:
            write_document([result])
            log(f"wrote the {size:,} section of {DOCUMENT.relative_to(REPOSITORY_ROOT)}")
    if arguments.json:
        arguments.json.write_text(
            json.dumps([_as_json(result) for result in results], indent=2), encoding="utf-8"
        )
    return 0


def _as_json(result: SizeResult) -> dict[str, Any]:
    return {
        "size": result.size,
        "seconds": result.seconds,
        "machine": result.machine,
        "configuration": result.configuration,
        "workers_seen": result.workers_seen,
        "worker_peaks_mb": result.worker_peaks_mb,
        "stored_posts": result.stored_posts,
        "routes": [
            {
                "label": m.label,
                "path": m.path,
                "requests_per_second": m.rate,
                "p50_ms": m.p50_ms,
                "p95_ms": m.p95_ms,
                "p99_ms": m.p99_ms,
                "statuses": m.statuses,
                "socket_errors": m.socket_errors,
                "wraps": m.wraps,
                "worker_peak_mb": m.worker_peak_mb,
                "worker_median_mb": m.worker_median_mb,
                "bare_requests_per_second": m.bare_rate,
                "bare_p50_ms": m.bare_p50_ms,
            }
            for m in result.measured
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
