"""Commands run as ``flask --app advice <command>``; each calls a feature's services."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

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
    """Load the region's municipalities, offices and the taxonomies (idempotent)."""
    report = run_seed(region_file)
    db.session.commit()
    if report.total == 0:
        click.echo("Nothing to add: the database already holds the seed data.")
    for kind, count in sorted(report.created.items()):
        click.echo(f"created {count} {kind}")


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


def register_commands(app: Flask) -> None:
    from advice.demo.cli import demo_command
    from advice.mail.cli import send_digests_command, send_mail_command
    from advice.privacy.cli import retention_command

    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(send_digests_command)
