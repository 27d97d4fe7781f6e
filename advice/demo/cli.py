"""``flask --app advice demo``: demo staff and realistic cases, from a handful to millions."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext
from sqlalchemy import text
from tqdm import tqdm

from advice.audit import services as audit
from advice.demo.services import create_demo_cases, ensure_demo_staff, seed_data_present
from advice.extensions import db


@click.command("demo")
@click.option("--cases", "case_count", default=500, show_default=True, type=click.IntRange(0))
@click.option(
    "--password",
    default="demo",
    show_default=True,
    help="Password of the demo staff accounts created by this run.",
)
@click.option(
    "--seed",
    default=2026,
    show_default=True,
    type=int,
    help="Random seed: the same seed on the same database gives the same cases.",
)
@click.option(
    "--chunk-size",
    default=10_000,
    show_default=True,
    type=click.IntRange(1),
    help="Cases written and committed at a time.",
)
@with_appcontext
def demo_command(case_count: int, password: str, seed: int, chunk_size: int) -> None:
    """Create the demo staff accounts and CASES realistic cases.

    Run it again to add more cases; existing staff accounts are left as they are.
    """
    from advice.cli import run_seed

    if not seed_data_present():
        # Only into an empty database: seeding a region that has its own data could mix
        # the reference region's municipalities into it.
        run_seed()
        db.session.commit()
        click.echo("Loaded the seed data (municipalities, offices, taxonomies) first.")

    for email in ensure_demo_staff(password):
        click.echo(f"created {email}")
    db.session.commit()

    started = time.perf_counter()
    cases = contacts = entries = 0
    with tqdm(total=case_count, unit="case", file=sys.stderr, mininterval=1.0) as progress:
        for step in create_demo_cases(case_count, seed=seed, chunk_size=chunk_size):
            # One transaction per chunk keeps memory flat and each chunk whole.
            db.session.commit()
            cases += step.cases
            contacts += step.contacts
            entries += step.entries
            progress.update(step.cases)
    seconds = time.perf_counter() - started
    audit.record(
        "demo.cases_created",
        details={"cases": cases, "contacts": contacts, "entries": entries, "seed": seed},
    )
    db.session.commit()
    if cases and db.engine.dialect.name == "postgresql":
        # Fresh planner statistics, so the first pages after a bulk load use the indexes.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    click.echo(
        f"Added {cases} cases, {contacts} contacts and {entries} entries in {seconds:.1f} s."
    )
