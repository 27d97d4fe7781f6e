"""Knowledge base search latency at scale, on SQLite (FTS5) and PostgreSQL (tsvector).

    .venv/bin/python benchmarks/kb_search.py                  # 10,000 articles, both engines
    .venv/bin/python benchmarks/kb_search.py --articles 2000 --engines sqlite

For each engine: a fresh database built with the migrations and the seed, N published
articles of generated Swedish (and one in ten English) text indexed through
``advice.knowledge.search.index`` (the code the app uses), then each query timed
``--repeat`` times after ``--warmup`` untimed runs, as the pages run them:

- **search**: the /kb search box (every word must match, ranked, snippets, total count);
- **suggest**: /ask suggestions for a typed question (any word, three best, no snippets);
- **staff**: the /articles search box among every article.

Prints the median and p95 (nearest rank) in milliseconds per query and engine, and
whether both engines put the same article first. PostgreSQL: a database
``advice_bench_kb`` on the server (default ``postgresql://postgres@127.0.0.1:5432``),
dropped afterwards; SQLite: a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    BenchDatabase,
    format_table,
    log,
    machine_line,
    percentile,
)

SWEDISH_TERMS = [
    ["värmepump", "värmepumpen", "värmepumpar", "värmepumparna"],
    ["solcell", "solceller", "solcellerna", "solcellsanläggning"],
    ["tilläggsisolering", "tilläggsisolera", "tilläggsisolerar"],
    ["fönster", "fönstret", "fönstren"],
    ["elavtal", "elavtalet", "elpris", "elpriset", "elpriser"],
    ["fjärrvärme", "fjärrvärmen", "fjärrvärmecentral"],
    ["ventilation", "ventilationen", "frånluft"],
    ["bergvärme", "borrhål", "borrhålet"],
    ["elbil", "elbilen", "elbilar", "laddbox", "laddboxen"],
    ["energideklaration", "energideklarationen"],
    ["bidrag", "bidraget", "skattereduktion", "rotavdrag"],
    ["radiator", "radiatorer", "golvvärme"],
    ["vind", "vinden", "vindsbjälklag", "vindsbjälklaget"],
    ["kondens", "fukt", "mögel"],
    ["batteri", "batterier", "batterilager"],
]
SWEDISH_FILLER = (
    "och att det som för på med är en ett huset villan vi kan ofta mycket bättre energi el "
    "värme år kronor kostnad kostnader lönsam lönsamt äldre nytt byta välja installera "
    "installatören offert offerter besparing förbrukning kilowattimmar effekt vintern "
    "sommaren taket väggen källaren föreningen styrelsen boende hyresgäster kommunen "
    "rådgivaren tips råd exempel normalt ungefär procent beroende läge storlek"
).split()
ENGLISH_TERMS = [
    ["heat pump", "heat pumps", "heating"],
    ["solar panel", "solar panels", "solar power"],
    ["insulation", "insulate", "insulating"],
    ["electricity contract", "electricity contracts", "electricity price"],
    ["charging", "charger", "electric car"],
]
ENGLISH_FILLER = (
    "and the of to a in for is on that with your house home you can often much better "
    "energy cost costs save saving install installer quote winter summer roof wall "
    "adviser advice example usually about percent depending size"
).split()

QUERIES = [
    ("search", "värmepumpar", "all"),
    ("search", "solceller", "all"),
    ("search", "tilläggsisolera", "all"),
    ("search", "fjärrvärme kostnad", "all"),
    ("search", "heat pumps", "all"),
    (
        "suggest",
        "Vi funderar på att byta direktverkande el mot en luft/vatten-värmepump i villan",
        "any",
    ),
    ("suggest", "Lönar det sig att sätta solceller på taket med batterilager?", "any"),
    ("staff", "energideklarationen", "all"),
]


def _text(rng: random.Random, language: str, words: int) -> tuple[str, str]:
    terms, filler = (
        (SWEDISH_TERMS, SWEDISH_FILLER) if language == "sv" else (ENGLISH_TERMS, ENGLISH_FILLER)
    )
    themes = rng.sample(terms, 2)
    title_words = [rng.choice(themes[0]), rng.choice(filler), rng.choice(themes[1])]
    body = []
    for _ in range(words):
        roll = rng.random()
        if roll < 0.06:
            body.append(rng.choice(themes[0]))
        elif roll < 0.09:
            body.append(rng.choice(themes[1]))
        elif roll < 0.095:
            body.append(rng.choice(rng.choice(terms)))
        else:
            body.append(rng.choice(filler))
        if rng.random() < 0.08:
            body[-1] += "."
    return " ".join(title_words).capitalize(), " ".join(body)


def load_articles(count: int, seed: int, slug_prefix: str = "artikel-", first: int = 0) -> float:
    """Insert published articles numbered ``first`` to ``count - 1`` and index them; inside
    an app context. The slugs are ``<slug_prefix><number>``."""
    from sqlalchemy import insert

    from advice.clock import utcnow
    from advice.extensions import db
    from advice.knowledge import search
    from advice.knowledge import services as kb
    from advice.knowledge.models import Article

    rng = random.Random(seed)
    started = time.perf_counter()
    now = utcnow()
    batch = 500
    for start in range(first, count, batch):
        rows = []
        for number in range(start, min(count, start + batch)):
            language = "en" if number % 10 == 9 else "sv"
            title, body = _text(rng, language, rng.randint(120, 400))
            rows.append(
                {
                    "slug": f"{slug_prefix}{number}",
                    "title": f"{title} {number}",
                    "summary": body[:160],
                    "body_md": body,
                    "language": language,
                    "audience": "internal" if number % 7 == 6 else "public",
                    "status": "published",
                    "published_revision": 1,
                    "published_at": now,
                    "reviewed_at": now,
                    "created_at": now,
                    "updated_at": now,
                    "view_count": 0,
                    "helpful_yes": 0,
                    "helpful_no": 0,
                }
            )
        ids = db.session.scalars(insert(Article).returning(Article.id), rows).all()
        for article_id, row in zip(ids, rows, strict=True):
            for kind in (kb.STAFF_KIND, kb.PUBLIC_KIND):
                if kind == kb.PUBLIC_KIND and row["audience"] != "public":
                    continue
                search.index(
                    search.Document(
                        kind=kind,
                        doc_id=article_id,
                        language=row["language"],
                        title=row["title"],
                        summary=row["summary"],
                        body=row["body_md"],
                    )
                )
        db.session.commit()
        log(f"  {min(count, start + batch)} / {count} articles")
    return time.perf_counter() - started


def _timed(run: Callable[[], Any], warmup: int, repeat: int) -> tuple[list[float], Any]:
    result = None
    for _ in range(warmup):
        result = run()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        samples.append(time.perf_counter() - started)
    return samples, result


def bench_engine(url: str, articles: int, warmup: int, repeat: int) -> dict[str, Any]:
    from flask_migrate import upgrade

    from advice import create_app
    from advice.cli import run_seed
    from advice.extensions import db
    from advice.knowledge import search
    from advice.knowledge import services as kb

    instance = tempfile.mkdtemp(prefix="kb-bench-instance-")
    os.environ["ADVICE_INSTANCE_PATH"] = instance
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40})
    results: dict[str, Any] = {"timings": {}, "top": {}}
    with app.app_context():
        upgrade()
        run_seed()
        db.session.commit()
        results["load_seconds"] = load_articles(articles, seed=42)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        for label, text, match in QUERIES:
            kind = kb.STAFF_KIND if label == "staff" else kb.PUBLIC_KIND
            restrict = None if label == "staff" else kb.public_article_ids()

            page = label != "suggest"  # a page of hits, or three suggestions

            def run(
                kind: str = kind,
                text: str = text,
                match: Any = match,
                restrict: Any = restrict,
                page: bool = page,
            ) -> Any:
                outcome = search.query(
                    kind,
                    text,
                    restrict_to=restrict,
                    match=match,
                    limit=20 if page else 3,
                    count=page,
                    snippets=page,
                )
                db.session.rollback()  # end the read, as a request does
                return outcome

            samples, outcome = _timed(run, warmup, repeat)
            results["timings"][(label, text)] = samples
            results["top"][(label, text)] = (outcome.doc_ids[:3], outcome.total)
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    arguments = parser.parse_args()
    engines = [name.strip() for name in arguments.engines.split(",") if name.strip()]

    outcomes: dict[str, dict[str, Any]] = {}
    postgres = BenchDatabase.from_arguments(arguments.database_url, "advice_bench_kb")
    version = "n/a"
    for engine in engines:
        log(f"{engine}: loading {arguments.articles} articles")
        if engine == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="kb-bench-"))
            outcomes[engine] = bench_engine(
                f"sqlite:///{folder / 'kb.sqlite3'}",
                arguments.articles,
                arguments.warmup,
                arguments.repeat,
            )
        else:
            postgres.drop()
            postgres.create()
            try:
                version = postgres.server_version()
                outcomes[engine] = bench_engine(
                    postgres.sqlalchemy_url, arguments.articles, arguments.warmup, arguments.repeat
                )
            finally:
                postgres.drop()

    print(machine_line(version))
    print(f"articles: {arguments.articles} (every tenth English, every seventh internal)")
    for engine, outcome in outcomes.items():
        print(f"{engine}: loaded and indexed in {outcome['load_seconds']:.1f} s")
    print()
    headers = ["query"]
    for engine in outcomes:
        headers += [f"{engine} median ms", f"{engine} p95 ms", f"{engine} hits"]
    rows = []
    for label, text, _match in QUERIES:
        shown = text if len(text) <= 40 else text[:37] + "..."
        row = [f"{label}: {shown}"]
        for outcome in outcomes.values():
            samples = outcome["timings"][(label, text)]
            ids, total = outcome["top"][(label, text)]
            row += [
                f"{statistics.median(samples) * 1000:.1f}",
                f"{percentile(samples, 0.95) * 1000:.1f}",
                str(total if total is not None else len(ids)),
            ]
        rows.append(row)
    print(format_table(headers, rows))
    if len(outcomes) == 2:
        first, second = outcomes.values()
        same = sum(
            1
            for key in first["top"]
            if first["top"][key][0][:1] == second["top"][key][0][:1] and first["top"][key][0]
        )
        print()
        print(f"same first result on both engines: {same} of {len(QUERIES)} queries")


if __name__ == "__main__":
    main()
