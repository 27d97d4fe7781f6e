"""Integration keys from the command line: ``flask --app advice api-key create|list|revoke``.

The same services as the admin page; the command is audited as "system" (whoever runs it
has the server in their hands anyway).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from advice.api.keys import IntegrationKeyError, create_key, key_by_prefix, revoke_key
from advice.api.models import SCOPES, IntegrationKey
from advice.extensions import db

api_key_command = AppGroup("api-key", help="Create, list and revoke the API's integration keys.")


@api_key_command.command("create")
@click.option("--name", required=True, help="Who uses the key, e.g. 'Nacka e-tjänst'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(SCOPES),
    help="intake (POST /api/v1/cases) and/or stats (GET /api/v1/stats); repeat for both.",
)
def create_command(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key and print it once."""
    try:
        created = create_key(name, scopes, None)
    except IntegrationKeyError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"Key for {created.key.name} ({created.key.scopes}). It is shown only now:")
    click.echo(created.secret)


@api_key_command.command("list")
def list_command() -> None:
    """The keys, newest first, without their secrets."""
    keys = db.session.scalars(select(IntegrationKey).order_by(IntegrationKey.created_at.desc()))
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        click.echo(f"{key.prefix}  {key.scopes:<12}  {state:<18}  last used {used}  {key.name}")


@api_key_command.command("revoke")
@click.argument("prefix")
def revoke_command(prefix: str) -> None:
    """Revoke the key whose prefix (ek_…) is given."""
    key = key_by_prefix(prefix.partition(".")[0])
    if key is None:
        raise click.UsageError(f"No key has the prefix {prefix}.")
    revoke_key(key, None)
    db.session.commit()
    click.echo(f"Revoked {key.prefix} ({key.name}).")
