from __future__ import annotations

import click
from flask.cli import with_appcontext

from advice.extensions import db
from advice.privacy.services import run_retention


@click.command("retention")
@click.option(
    "--dry-run",
    is_flag=True,
    help="List what would be anonymised and count the audit events that would go; change nothing.",
)
@with_appcontext
def retention_command(dry_run: bool) -> None:
    """Anonymise the personal data of closed cases past their retention period, remove
    audit events older than the audit log's period (region setting
    audit_retention_months, 24 by default) and sign-in attempts older than the
    throttling window.

    Run daily from a timer; see docs for a systemd timer and a cron line.
    """
    report = run_retention(dry_run=dry_run)
    cutoff = report.audit_cutoff.date().isoformat() if report.audit_cutoff else "?"
    if dry_run:
        db.session.rollback()
        for reference in report.due:
            click.echo(reference)
        click.echo(f"{report.count} cases would be anonymised (dry run, nothing changed)")
        click.echo(
            f"{report.audit_events} audit events from before {cutoff} would be removed "
            "(dry run, nothing changed)"
        )
        click.echo(
            f"{report.login_attempts} sign-in attempts would be removed (dry run, nothing changed)"
        )
        return
    db.session.commit()
    click.echo(f"anonymised {report.count} cases")
    click.echo(f"removed {report.audit_events} audit events from before {cutoff}")
    click.echo(f"removed {report.login_attempts} sign-in attempts")
