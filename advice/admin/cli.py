"""Administration from the command line: the same services as the admin pages.

Changes made here are audited with the actor "system".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask.cli import with_appcontext

from advice.accounts.models import ROLES
from advice.admin.models import TAXONOMY_KINDS
from advice.admin.services import (
    SETTING_RULES,
    AdminError,
    add_term,
    create_office,
    deactivate_user,
    invite_user,
    map_municipality,
    municipality_by_code,
    office_by_code,
    reactivate_user,
    rename_term,
    set_municipality_retention,
    set_term_active,
    term_by_code,
    update_settings,
    update_user,
    user_by_email,
)
from advice.extensions import db


def _committed(command: Callable[..., None]) -> Callable[..., None]:
    """Run in one transaction; an AdminError becomes a clean message and exit status 1."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except AdminError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        db.session.commit()

    return run


@click.command("invite-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", "roles", multiple=True, type=click.Choice(ROLES), help="Repeat for several roles."
)
@click.option("--office", "offices", multiple=True, help="Office code; repeat for several.")
@click.option("--language", type=click.Choice(["sv", "en"]), default="sv")
@with_appcontext
@_committed
def invite_user_command(
    email: str, name: str, roles: tuple[str, ...], offices: tuple[str, ...], language: str
) -> None:
    """Create an account and print its one-time link that sets the password (also emailed)."""
    office_ids = [office_by_code(code).id for code in offices]
    invited = invite_user(email, name, roles, office_ids, language)
    click.echo(f"invited {invited.user.email}; the link works once, for 7 days:")
    click.echo(invited.url)
    if invited.url.startswith("/"):
        click.echo("(set SERVER_NAME to put a full address in the email and here)")


@click.command("update-user")
@click.argument("email")
@click.option("--name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(ROLES),
    help="The roles the user should have; repeat for several.",
)
@click.option("--no-roles", is_flag=True, help="Take every role away.")
@click.option("--office", "offices", multiple=True, help="The user's offices; repeat.")
@click.option("--no-offices", is_flag=True, help="Take every office away.")
@click.option("--language", type=click.Choice(["sv", "en"]))
@with_appcontext
@_committed
def update_user_command(
    email: str,
    name: str | None,
    roles: tuple[str, ...],
    no_roles: bool,
    offices: tuple[str, ...],
    no_offices: bool,
    language: str | None,
) -> None:
    """Change a user's name, roles, offices or language; what is not given stays."""
    user = user_by_email(email)
    office_ids = (
        []
        if no_offices
        else [office_by_code(code).id for code in offices]
        if offices
        else [office.id for office in user.offices]
    )
    update_user(
        user,
        name=name or user.name,
        roles=[] if no_roles else list(roles) if roles else sorted(user.roles),
        office_ids=office_ids,
        language=language or user.language,
    )
    click.echo(
        f"updated {user.email}: roles {', '.join(sorted(user.roles)) or '-'}; "
        f"offices {', '.join(office.code for office in user.offices) or '-'}"
    )


@click.command("deactivate-user")
@click.argument("email")
@click.option("--reactivate", is_flag=True, help="Let a deactivated user sign in again.")
@with_appcontext
@_committed
def deactivate_user_command(email: str, reactivate: bool) -> None:
    """Stop a user from signing in (their sessions end at once)."""
    user = user_by_email(email)
    if reactivate:
        reactivate_user(user)
        click.echo(f"{user.email} can sign in again")
    else:
        deactivate_user(user)
        click.echo(f"{user.email} can no longer sign in")


@click.command("add-office")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--email")
@click.option("--phone")
@click.option("--address")
@click.option("--website")
@with_appcontext
@_committed
def add_office_command(code: str, name: str, **fields: str | None) -> None:
    """Create an advice office."""
    office = create_office(code, name=name, **fields)
    click.echo(f"created office {office.code}")


@click.command("set-office")
@click.option(
    "--municipality", "municipality_code", required=True, help="The municipality's four-digit code."
)
@click.option("--office", "office_code", required=True, help="The office's code.")
@with_appcontext
@_committed
def set_office_command(municipality_code: str, office_code: str) -> None:
    """Send a municipality's new cases to another office; existing cases stay where they are."""
    municipality = municipality_by_code(municipality_code)
    office = office_by_code(office_code)
    if map_municipality(municipality, office):
        click.echo(f"{municipality.name} ({municipality.code}) now goes to {office.code}")
    else:
        click.echo(f"{municipality.name} already goes to {office.code}")


@click.command("set-retention")
@click.option("--municipality", "municipality_code", required=True)
@click.option(
    "--months",
    type=click.IntRange(1, 1200),
    help="Months after closing; leave out to follow the region's setting.",
)
@with_appcontext
@_committed
def set_retention_command(municipality_code: str, months: int | None) -> None:
    """Set (or, without --months, clear) a municipality's own retention period."""
    municipality = municipality_by_code(municipality_code)
    set_municipality_retention(municipality, months)
    if months is None:
        click.echo(f"{municipality.name} follows the region's retention period")
    else:
        click.echo(f"{municipality.name}: personal data kept {months} months after closing")


@click.command("set-setting")
@click.argument("key", type=click.Choice(sorted(SETTING_RULES)))
@click.argument("value")
@with_appcontext
@_committed
def set_setting_command(key: str, value: str) -> None:
    """Set a region setting: SLA working days, retention months, minimum cell size, or the
    accessibility statement (VALUE "-" reads it from standard input)."""
    if value == "-":
        value = click.get_text_stream("stdin").read()
    changed = update_settings({key: value})
    click.echo(f"{key} {'changed' if changed else 'unchanged'}")


@click.command("add-term")
@click.argument("kind", type=click.Choice(TAXONOMY_KINDS))
@click.argument("code")
@click.option("--sv", "label_sv", required=True, help="Label in Swedish.")
@click.option("--en", "label_en", required=True, help="Label in English.")
@with_appcontext
@_committed
def add_term_command(kind: str, code: str, label_sv: str, label_en: str) -> None:
    """Add a topic, requester type or channel."""
    term = add_term(kind, code, label_sv, label_en)
    click.echo(f"added {kind} {term.code}")


@click.command("rename-term")
@click.argument("kind", type=click.Choice(TAXONOMY_KINDS))
@click.argument("code")
@click.option("--sv", "label_sv", required=True)
@click.option("--en", "label_en", required=True)
@with_appcontext
@_committed
def rename_term_command(kind: str, code: str, label_sv: str, label_en: str) -> None:
    """Rename a term from now on; statistics of earlier periods keep the old name."""
    term = term_by_code(kind, code)
    rename_term(kind, term, label_sv, label_en)
    click.echo(f"renamed {kind} {code}")


@click.command("retire-term")
@click.argument("kind", type=click.Choice(TAXONOMY_KINDS))
@click.argument("code")
@click.option("--restore", is_flag=True, help="Offer the term again.")
@with_appcontext
@_committed
def retire_term_command(kind: str, code: str, restore: bool) -> None:
    """Stop offering a term; cases and statistics keep it."""
    term = term_by_code(kind, code)
    set_term_active(kind, term, restore)
    click.echo(f"{'restored' if restore else 'retired'} {kind} {code}")


ADMIN_COMMANDS = (
    invite_user_command,
    update_user_command,
    deactivate_user_command,
    add_office_command,
    set_office_command,
    set_retention_command,
    set_setting_command,
    add_term_command,
    rename_term_command,
    retire_term_command,
)
