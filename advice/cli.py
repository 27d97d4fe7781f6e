"""Commands run as ``flask --app advice <command>``; each calls a feature's services."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select, text
from tqdm import tqdm

from advice.accounts.models import ROLES
from advice.accounts.services import AccountError, create_user
from advice.extensions import db
from advice.regions.services import DEFAULT_REGION_FILE, SeedReport, load_region
from advice.taxonomy.services import DEFAULT_TAXONOMY_FILE, load_taxonomies


def run_seed(region_file: Path | None = None, taxonomy_file: Path | None = None) -> SeedReport:
    """Municipalities, offices, settings and taxonomies; idempotent."""
    report = SeedReport()
    region = region_file or Path(current_app.config.get("REGION_FILE") or DEFAULT_REGION_FILE)
    load_region(region, report)
    load_taxonomies(taxonomy_file or DEFAULT_TAXONOMY_FILE, report)
    return report


@click.command("seed")
@click.option(
    "--region-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file describing the region's offices and municipalities.",
)
@with_appcontext
def seed_command(region_file: Path | None) -> None:
    """Load the region's municipalities, offices, the taxonomies and the shipped
    knowledge articles (idempotent)."""
    from advice.knowledge.seed import load_articles

    report = run_seed(region_file)
    articles = load_articles()
    db.session.commit()
    if report.total == 0:
        click.echo("Nothing to add: the database already holds the seed data.")
    for kind, count in sorted(report.created.items()):
        click.echo(f"created {count} {kind}")
    click.echo(f"articles: {len(articles.created)} created, {len(articles.skipped)} already there")


@click.command("create-user")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option(
    "--role", "roles", multiple=True, type=click.Choice(ROLES), help="Repeat for several roles."
)
@click.option("--office", "offices", multiple=True, help="Office code; repeat for several.")
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv")
@click.password_option(confirmation_prompt=True)
@with_appcontext
def create_user_command(
    email: str,
    name: str,
    roles: tuple[str, ...],
    offices: tuple[str, ...],
    language: str,
    password: str,
) -> None:
    """Create a staff account; the password is asked for without echo."""
    try:
        user = create_user(email, name, password, roles, offices, language)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created {user.email} ({', '.join(sorted(user.roles)) or 'no roles'})")


@click.command("reindex-cases")
@click.option(
    "--batch-size",
    default=5_000,
    show_default=True,
    type=click.IntRange(1),
    help="Cases indexed and committed at a time.",
)
@click.option(
    "--compact",
    is_flag=True,
    help="PostgreSQL: VACUUM FULL afterwards, so a table whose documents were all "
    "rewritten shrinks back (case changes wait meanwhile: about a minute per million).",
)
@with_appcontext
def reindex_cases_command(batch_size: int, compact: bool) -> None:
    """Rebuild the case search index from the cases (after an upgrade or a restore)."""
    from advice.cases.models import Case
    from advice.cases.search import reindex_all_cases

    started = time.perf_counter()
    total = db.session.scalar(select(func.count()).select_from(Case)) or 0
    indexed = removed = 0
    with tqdm(total=total, unit="case", file=sys.stderr, mininterval=1.0) as progress:
        for step in reindex_all_cases(batch_size):
            # One transaction per batch: a long rebuild holds no lock for long.
            db.session.commit()
            indexed += step.cases
            removed += step.removed
            progress.update(step.cases)
    if indexed and db.engine.dialect.name == "postgresql":
        # Every document was rewritten: clear the old versions out of the table and its
        # GIN index (which would otherwise hand them to every search until autovacuum
        # comes by) and give the planner fresh statistics. VACUUM needs autocommit.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            vacuum = "VACUUM (FULL, ANALYZE)" if compact else "VACUUM (ANALYZE)"
            connection.execute(text(f"{vacuum} search_documents"))
    seconds = time.perf_counter() - started
    click.echo(
        f"Indexed {indexed} cases in {seconds:.1f} s; removed {removed} documents of "
        "cases that no longer exist."
    )


def register_commands(app: Flask) -> None:
    from advice.accounts.cli import ACCOUNT_COMMANDS
    from advice.admin.cli import ADMIN_COMMANDS
    from advice.api.cli import api_key_command
    from advice.demo.cli import demo_command
    from advice.inbound.cli import fetch_mail_command, quarantine_retry_command
    from advice.knowledge.cli import seed_articles_command
    from advice.mail.cli import send_digests_command, send_mail_command
    from advice.ops.cli import OPS_COMMANDS
    from advice.privacy.cli import retention_command
    from advice.stats.cli import rebuild_stats_command

    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_articles_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(send_digests_command)
    app.cli.add_command(rebuild_stats_command)
    app.cli.add_command(reindex_cases_command)
    app.cli.add_command(api_key_command)
    for command in ACCOUNT_COMMANDS:
        app.cli.add_command(command)
    for command in ADMIN_COMMANDS:
        app.cli.add_command(command)
    app.cli.add_command(fetch_mail_command)
    app.cli.add_command(quarantine_retry_command)
    for command in OPS_COMMANDS:
        app.cli.add_command(command)
