"""Second-factor commands: a reset for a locked-out account, and resealing after a key
rotation."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from advice.accounts import totp
from advice.accounts.models import User
from advice.accounts.services import normalise_email
from advice.extensions import db


@click.command("reset-second-factor")
@click.argument("email")
@with_appcontext
def reset_second_factor_command(email: str) -> None:
    """Switch off EMAIL's second factor (a lost phone, and no admin left to do it in the
    web); their sessions end and they sign in with the password alone next time."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no user with the email address {email}")
    had_it = user.totp_enabled
    totp.reset(user)
    db.session.commit()
    click.echo(f"second factor of {user.email} reset" if had_it else f"{user.email} had none")


@click.command("reseal-secrets")
@with_appcontext
def reseal_secrets_command() -> None:
    """Seal every second-factor secret under the current secret key (run while the old
    key is still in ADVICE_SECRET_KEY_FALLBACKS, before removing it)."""
    changed = totp.reseal_all()
    db.session.commit()
    click.echo(f"resealed {changed} secrets")


ACCOUNT_COMMANDS = (reset_second_factor_command, reseal_secrets_command)
